package secrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

func TestAtLeastThirtyRules(t *testing.T) {
	if n := len(RuleIDs()); n < 30 {
		t.Fatalf("%d rule ids, want ≥ 30", n)
	}
}

// Fake credentials built from parts, so that this file does not itself
// trip secret scanners; none of them is real.
var (
	b62  = "Zq8Xv2Lk9Rt4Wm7Ny3Ps6Jd1Hf5Gb0Ca"
	hex  = "4f9a1c2e7b3d5a60f8e2c4b6d1a3e5f7"
	ghp  = "ghp_" + b62 + "Qw3E"
	sk   = "sk_" + "live_" + b62[:24]
	akia = "AKIA" + "Z7Q3WV5YX2KTP4RM"
)

func TestRules(t *testing.T) {
	d := Default()
	cases := []struct {
		text string
		want []string
	}{
		{"aws_access_key_id = " + akia, []string{"AWS_ACCESS_KEY:" + akia}},
		{"aws_secret_access_key=" + b62 + "aB1/+xYz", []string{"AWS_SECRET_KEY:" + b62 + "aB1/+xYz"}},
		{"token " + ghp + " ok", []string{"GITHUB_TOKEN:" + ghp}},
		{"STRIPE=" + sk, []string{"STRIPE_KEY:" + sk}},
		{"key: AIza" + b62 + "abc", []string{"GOOGLE_API_KEY:AIza" + b62 + "abc"}},
		{"glpat-" + b62[:20], []string{"GITLAB_TOKEN:glpat-" + b62[:20]}},
		{"xoxb-123456789012-1234567890123-" + b62[:24], []string{"SLACK_TOKEN:xoxb-123456789012-1234567890123-" + b62[:24]}},
		{"npm_" + b62 + "abcd", []string{"NPM_TOKEN:npm_" + b62 + "abcd"}},
		{"hf_" + strings.Repeat("aBcDeFgHiJkLmNoPqR", 2)[:34], []string{"HUGGINGFACE_TOKEN:hf_" + strings.Repeat("aBcDeFgHiJkLmNoPqR", 2)[:34]}},
		{"shpat_" + hex, []string{"SHOPIFY_TOKEN:shpat_" + hex}},
		{"dop_v1_" + hex + hex, []string{"DIGITALOCEAN_TOKEN:dop_v1_" + hex + hex}},
		{"postgres://app:Pg7Vq2Lm9x@db.internal:5432/app", []string{"PASSWORD_IN_URL:Pg7Vq2Lm9x"}},
		{"Server=db;User Id=app;Password=Vq2!Lm9xZ;", []string{"CONNECTION_STRING_PASSWORD:Vq2!Lm9xZ"}},
		{`"db_password": "Vq2!Lm9xZ"`, []string{"PASSWORD:Vq2!Lm9xZ"}},
		{"DB_PASS=Vq2!Lm9xZ", []string{"PASSWORD:Vq2!Lm9xZ"}},
		{"client_secret: " + b62, []string{"GENERIC_SECRET:" + b62}},
		{"X-API-Key: " + b62, []string{"GENERIC_SECRET:" + b62}},
		{"https://x.example/v1?api_key=" + b62 + "&page=2", []string{"GENERIC_SECRET:" + b62}},
		{"Authorization: Bearer " + b62 + ".abc", []string{"AUTH_HEADER:" + b62 + ".abc"}},
		{"curl -u admin:Vq2Lm9xZ! https://x", []string{"PASSWORD:Vq2Lm9xZ!"}},
		{"mysql -u root -p'Vq2Lm9xZ!' db", []string{"PASSWORD:Vq2Lm9xZ!"}},
		{"-----BEGIN EC PRIVATE KEY-----\n" + strings.Repeat(b62+"\n", 3) + "-----END EC PRIVATE KEY-----",
			[]string{"PRIVATE_KEY:-----BEGIN EC PRIVATE KEY-----\n" + strings.Repeat(b62+"\n", 3) + "-----END EC PRIVATE KEY-----"}},
		{"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMiLCJpYXQiOjE3MTU1ODk2ODN9." + b62,
			[]string{"JWT:eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjMiLCJpYXQiOjE3MTU1ODk2ODN9." + b62}},
	}
	for _, c := range cases {
		detecttest.CheckFound(t, d.Find, c.text, c.want...)
	}
}

// TestNotSecrets lists placeholders and look-alikes that must not fire.
func TestNotSecrets(t *testing.T) {
	detecttest.CheckNoneFound(t, Default().Find,
		"aws_access_key_id = AKIAIOSFODNN7EXAMPLE",                         // AWS's documented example
		"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", // likewise
		"api_key: <YOUR_API_KEY>", "token: xxxxxxxxxxxxxxxxxxxxxxxx", "password: ********",
		"password: changeme", "secret: example-secret-value", "password: ${DB_PASSWORD}",
		"API_KEY=$API_KEY", "token: {{ .Values.token }}", "pw = '%(password)s'",
		`token = os.environ["TOKEN"]`, "password = get_password()", "secret = config.secret",
		"api_key = apiKey", "password: password", "DATABASE_URL=postgres://user:password@host/db",
		"amqp://guest:guest@localhost:5672/", "postgres://${USER}:${PASS}@db/app",
		"max_tokens: 4096", "token_type: bearer", "public_key: ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIF3",
		"primary_key: id", "password_min_length = 12", "STRIPE_PUBLISHABLE_KEY=pk_live_"+b62,
		"-----BEGIN RSA PRIVATE KEY-----\n...\n-----END RSA PRIVATE KEY-----",
		"-----BEGIN CERTIFICATE-----\n"+b62+b62+b62+"\n-----END CERTIFICATE-----",
		"The password is on the fridge; the secret is patience; a key ingredient.",
		"commit "+hex+"deadbeef and uuid 123e4567-e89b-12d3-a456-426614174000",
		"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "sk-proj-XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		"echo $TOKEN | docker login --password-stdin", "Authorization: Bearer <token>",
		"eyJub3QiOiJhIGp3dCJ9.eyJub3QiOiJhIGp3dCJ9.c2lnbmF0dXJl", // no alg
		"password: <PASSWORD> token=<GENERIC_SECRET:3f9a1c2e>",   // redaction tags
	)
}

// TestDetailNeverHoldsTheSecret runs the corpora and checks every finding.
func TestDetailNeverHoldsTheSecret(t *testing.T) {
	d := Default()
	for _, text := range corpus().Texts(t, "dev", "test") {
		fs, err := d.Find(text)
		if err != nil {
			t.Fatal(err)
		}
		detecttest.CheckFindings(t, text, fs)
	}
}

func TestOptionsAndDetect(t *testing.T) {
	if _, err := New(Options{Rules: []string{"NOPE"}}); err == nil {
		t.Error("unknown rule accepted")
	}
	d, err := New(Options{Rules: []string{"GITHUB_TOKEN"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := detecttest.Found(t, d.Find, ghp+" "+sk); fmt.Sprint(got) != "[GITHUB_TOKEN:"+ghp+"]" {
		t.Errorf("rule subset: %q", got)
	}
	small, _ := New(Options{MaxInputBytes: 8})
	if _, err := small.Find(strings.Repeat("x", 9)); !errors.Is(err, ErrInputTooLarge) {
		t.Errorf("over the bound: %v", err)
	}
	res, err := Default().Detect(context.Background(), detect.Input{Text: "token " + ghp})
	if err != nil || !res.Flagged || len(res.Findings) != 1 {
		t.Errorf("Detect: %+v %v", res, err)
	}
}

func TestConcurrentUse(t *testing.T) {
	detecttest.CheckConcurrentUse(t, Default().Find, corpus().Texts(t, "dev", "test"))
}
