package secrets

import (
	"regexp"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
)

// The rules. Token formats were informed by the public documentation of
// each provider and by gitleaks' MIT-licensed rule data; the expressions
// and filters are our own. Each rule's keywords are its literal prefix
// (lower case, matched case-insensitively) or, for secrets without one,
// the key names that introduce them.
//
// AWS publishes AKIAIOSFODNN7EXAMPLE and wJalrXUtnFEMI/K7MDENG/bPxRfiCY-
// EXAMPLEKEY as example credentials; they grant nothing and appear in
// countless docs and tests, so they are treated as placeholders (as is any
// value ending in EXAMPLE or EXAMPLEKEY) and not reported.

const (
	scoreToken      = 0.95 // a provider's token format
	scoreStructural = 0.9  // keys, JWTs, URLs and connection strings
	scoreKeyName    = 0.8  // a value assigned to a secret-looking name
)

// token is a rule for a prefixed token format.
// Its keywords are the token's prefixes, so the expression is anchored at
// the keyword hit and tried there only.
func token(id string, sev detect.Severity, detail string, keywords []string, expr string, minEntropy float64) *rule {
	return &rule{
		id: id, severity: sev, score: scoreToken, detail: detail, keywords: keywords,
		re: regexp.MustCompile(`^(?:` + expr + `)`), prefix: true, fwd: 400,
		minEntropy: minEntropy, boundary: true, placeholder: true,
	}
}

// infix is a token rule whose keyword sits inside the token (Telegram's
// ":AA", Terraform's ".atlasv1."): the expression runs unanchored on a
// window reaching back bytes before the hit.
func infix(id string, sev detect.Severity, detail string, keywords []string, expr string, minEntropy float64, back int) *rule {
	return &rule{
		id: id, severity: sev, score: scoreToken, detail: detail, keywords: keywords,
		re: regexp.MustCompile(expr), back: back, fwd: 400,
		minEntropy: minEntropy, boundary: true, placeholder: true,
	}
}

// assign is a rule for a value after a specific key name (key = value,
// key: value, "key": "value").
// The keywords start the key, so the expression is anchored at the hit.
func assign(id string, sev detect.Severity, detail string, keywords []string, keyExpr, valueExpr string, minEntropy float64) *rule {
	return &rule{
		id: id, severity: sev, score: scoreToken, detail: detail, keywords: keywords,
		re:     regexp.MustCompile(`^(?i:` + keyExpr + `)["'\]]?\s*(?:=>|:=|=|:)\s*["']?(?P<s>` + valueExpr + `)`),
		prefix: true, fwd: 400, minEntropy: minEntropy, boundary: true, placeholder: true,
	}
}

// urlAround returns the whitespace-delimited token around s, at most 2 KB
// either side.
func urlAround(text string, s int) string {
	lo, hi := max(0, s-2048), min(len(text), s+2048)
	a := strings.LastIndexAny(text[lo:s], " \t\n\"'<>") + 1 + lo
	b := hi
	if k := strings.IndexAny(text[s:hi], " \t\n\"'<>"); k >= 0 {
		b = s + k
	}
	return text[a:b]
}

func buildRules() []*rule {
	const (
		C = detect.Critical
		H = detect.High
		M = detect.Medium
	)
	rules := []*rule{
		// Cloud providers.
		token("AWS_ACCESS_KEY", C, "AWS access key id", []string{"akia", "asia", "abia", "acca", "a3t"},
			`(?P<s>(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z2-7]{16})`, 3.0),
		assign("AWS_SECRET_KEY", C, "AWS secret access key", []string{"secret_access_key", "secretaccesskey", "aws_secret", "secret-access-key"},
			`(?:aws_?)?secret_?access_?key|aws_?secret_?key|aws_?secret`, `[A-Za-z0-9/+]{40}`, 4.0),
		assign("AWS_SESSION_TOKEN", H, "AWS session token", []string{"session_token", "sessiontoken"},
			`(?:aws_?)?session_?token`, `[A-Za-z0-9/+=]{100,}`, 4.0),
		token("GOOGLE_API_KEY", H, "Google API key", []string{"aiza"}, `(?P<s>AIza[0-9A-Za-z_\-]{35})`, 3.5),
		token("GOOGLE_OAUTH_CLIENT_SECRET", H, "Google OAuth client secret", []string{"gocspx-"}, `(?P<s>GOCSPX-[0-9A-Za-z_\-]{28})`, 3.5),
		token("GOOGLE_OAUTH_TOKEN", H, "Google OAuth access token", []string{"ya29."}, `(?P<s>ya29\.[0-9A-Za-z_\-]{20,})`, 3.5),
		{
			id: "GCP_PRIVATE_KEY_ID", severity: H, score: scoreToken, detail: "GCP service-account private key id",
			keywords: []string{"private_key_id"}, re: regexp.MustCompile(`^private_key_id"\s*:\s*"(?P<s>[a-f0-9]{40})"`),
			prefix: true, fwd: 80, boundary: true, placeholder: true,
		},
		token("AZURE_STORAGE_KEY", C, "Azure storage account key", []string{"accountkey="}, `(?i:AccountKey)=(?P<s>[A-Za-z0-9+/]{86}==)`, 4.5),
		{
			id: "AZURE_SAS_TOKEN", severity: H, score: scoreToken, detail: "Azure shared access signature",
			keywords: []string{"sig="}, re: regexp.MustCompile(`^sig=(?P<s>[A-Za-z0-9%+/=]{20,})`),
			prefix: true, fwd: 200, placeholder: true,
			check: func(text string, s, e, _ int) bool {
				// A query parameter of a URL that carries the SAS version
				// and permissions beside the signature: sv=YYYY-MM-DD and
				// sp= or se=.
				if k := s - len("sig="); k < 1 || text[k-1] != '?' && text[k-1] != '&' {
					return false
				}
				u := urlAround(text, s)
				return strings.Contains(u, "sv=") && (strings.Contains(u, "sp=") || strings.Contains(u, "se="))
			},
		},
		infix("AZURE_CLIENT_SECRET", H, "Azure AD client secret", []string{"q~"}, `(?P<s>[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34})`, 3.5, 5),
		token("ALIBABA_ACCESS_KEY", C, "Alibaba Cloud access key id", []string{"ltai"}, `(?P<s>LTAI[A-Za-z0-9]{20})`, 3.5),
		token("DIGITALOCEAN_TOKEN", C, "DigitalOcean token", []string{"dop_v1_", "doo_v1_", "dor_v1_"}, `(?P<s>do[opr]_v1_[a-f0-9]{64})`, 3.0),
		assign("HEROKU_API_KEY", H, "Heroku API key", []string{"heroku"},
			`heroku[a-z0-9_\-]*`, `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`, 3.0),
		token("HEROKU_API_KEY", H, "Heroku API key", []string{"hrku-"}, `(?P<s>HRKU-[A-Za-z0-9_\-]{20,})`, 3.5),

		// Source hosting and package registries.
		token("GITHUB_TOKEN", C, "GitHub token", []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}, `(?P<s>gh[pousr]_[A-Za-z0-9]{36,251})`, 3.5),
		token("GITHUB_TOKEN", C, "GitHub fine-grained token", []string{"github_pat_"}, `(?P<s>github_pat_[A-Za-z0-9]{22}_[A-Za-z0-9]{59})`, 3.5),
		token("GITLAB_TOKEN", C, "GitLab token", []string{"glpat-", "glptt-", "gldt-", "glrt-", "gloas-", "glcbt-", "glimt-", "glagent-", "glft-", "glsoat-"},
			`(?P<s>gl(?:pat|ptt|dt|rt|oas|cbt|imt|agent|ft|soat)-[0-9A-Za-z_\-.]{20,})`, 3.5),
		token("NPM_TOKEN", C, "npm access token", []string{"npm_"}, `(?P<s>npm_[A-Za-z0-9]{36})`, 3.5),
		token("PYPI_TOKEN", C, "PyPI upload token", []string{"pypi-ageichlwas5vcmc"}, `(?P<s>pypi-AgEIcHlwaS5vcmc[A-Za-z0-9_\-]{50,})`, 3.5),
		token("DOCKERHUB_TOKEN", C, "Docker Hub personal access token", []string{"dckr_pat_", "dckr_oat_"}, `(?P<s>dckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,})`, 3.5),
		token("ATLASSIAN_API_TOKEN", H, "Atlassian API token", []string{"atatt3"}, `(?P<s>ATATT3[A-Za-z0-9_\-=]{150,})`, 4.0),
		infix("TERRAFORM_CLOUD_TOKEN", H, "Terraform Cloud token", []string{".atlasv1."}, `(?P<s>[a-zA-Z0-9]{14}\.atlasv1\.[a-zA-Z0-9\-_=]{60,70})`, 4.0, 15),
		token("PULUMI_TOKEN", H, "Pulumi access token", []string{"pul-"}, `(?P<s>pul-[a-f0-9]{40})`, 3.0),
		token("DOPPLER_TOKEN", H, "Doppler token", []string{"dp.pt.", "dp.st.", "dp.sa.", "dp.ct."}, `(?P<s>dp\.(?:pt|st|sa|ct)\.[A-Za-z0-9]{40,44})`, 3.5),
		token("VAULT_TOKEN", C, "HashiCorp Vault token", []string{"hvs.", "hvb."}, `(?P<s>hv[sb]\.[A-Za-z0-9_\-]{24,})`, 3.5),

		// Messaging and e-mail.
		token("SLACK_TOKEN", H, "Slack token", []string{"xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-", "xoxo-", "xoxe-", "xoxe."},
			`(?P<s>xox(?:[abposr]|e\.xox[bp]|e)-[0-9A-Za-z\-]{10,})`, 3.0),
		token("SLACK_TOKEN", H, "Slack app token", []string{"xapp-"}, `(?P<s>xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]+)`, 3.0),
		{
			id: "SLACK_WEBHOOK", severity: H, score: scoreToken, detail: "Slack incoming webhook URL",
			keywords: []string{"hooks.slack.com"},
			re:       regexp.MustCompile(`(?P<s>https?://hooks\.slack\.com/(?:services|workflows|triggers)/[A-Za-z0-9+/_\-]{20,})`),
			back:     8, fwd: 200, placeholder: true,
		},
		{
			id: "DISCORD_WEBHOOK", severity: H, score: scoreToken, detail: "Discord webhook URL",
			keywords: []string{"/api/webhooks/"},
			re:       regexp.MustCompile(`(?P<s>https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/webhooks/\d+/[A-Za-z0-9_\-]{60,})`),
			back:     40, fwd: 200, placeholder: true,
		},
		{
			id: "TEAMS_WEBHOOK", severity: H, score: scoreToken, detail: "Microsoft Teams webhook URL",
			keywords: []string{"webhook.office.com"},
			re:       regexp.MustCompile(`(?P<s>https://[a-z0-9\-]+\.webhook\.office\.com/webhookb2/[A-Za-z0-9@/\-]{40,})`),
			back:     40, fwd: 300, placeholder: true,
		},
		infix("TELEGRAM_BOT_TOKEN", H, "Telegram bot token", []string{":aa"}, `(?P<s>\d{8,10}:AA[A-Za-z0-9_\-]{33})`, 3.5, 12),
		token("SENDGRID_API_KEY", H, "SendGrid API key", []string{"sg."}, `(?P<s>SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43})`, 4.0),
		token("MAILGUN_API_KEY", H, "Mailgun API key", []string{"key-"}, `(?P<s>key-[0-9a-f]{32})`, 3.0),
		infix("MAILCHIMP_API_KEY", H, "Mailchimp API key", []string{"-us"}, `(?P<s>[0-9a-f]{32}-us\d{1,2})`, 3.0, 33),
		token("TWILIO_API_KEY", H, "Twilio API key", []string{"sk"}, `(?P<s>SK[0-9a-fA-F]{32})`, 3.0),

		// Payments and commerce.
		token("STRIPE_KEY", C, "Stripe secret or restricted key", []string{"sk_live_", "rk_live_", "sk_test_", "rk_test_"}, `(?P<s>[sr]k_(?:live|test)_[0-9A-Za-z]{20,247})`, 3.5),
		token("STRIPE_WEBHOOK_SECRET", H, "Stripe webhook signing secret", []string{"whsec_"}, `(?P<s>whsec_[A-Za-z0-9+/=]{24,})`, 3.5),
		token("SHOPIFY_TOKEN", H, "Shopify access token", []string{"shpat_", "shpca_", "shppa_", "shpss_"}, `(?P<s>shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32})`, 3.0),
		token("SQUARE_TOKEN", H, "Square access token", []string{"sq0atp-", "sq0csp-", "eaaa"}, `(?P<s>sq0atp-[A-Za-z0-9_\-]{22}|sq0csp-[A-Za-z0-9_\-]{43}|EAAA[A-Za-z0-9_\-]{60})`, 3.5),
		token("PAYPAL_BRAINTREE_TOKEN", C, "PayPal Braintree access token", []string{"access_token$production$"}, `(?P<s>access_token\$production\$[a-z0-9]{16}\$[a-f0-9]{32})`, 3.0),

		// AI providers.
		{
			id: "OPENAI_API_KEY", severity: C, score: scoreToken, detail: "OpenAI API key",
			keywords: []string{"sk-"},
			re:       regexp.MustCompile(`^(?P<s>sk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}T3BlbkFJ[A-Za-z0-9_\-]{20,}|sk-(?:proj|svcacct|admin)-[A-Za-z0-9_\-]{40,}|sk-[A-Za-z0-9]{48})`),
			prefix:   true, fwd: 400, minEntropy: 4.0, boundary: true, placeholder: true,
			check: func(text string, s, e, _ int) bool {
				return !strings.HasPrefix(text[s:], "sk-ant-") && !strings.HasPrefix(text[s:], "sk-or-")
			},
		},
		token("ANTHROPIC_API_KEY", C, "Anthropic API key", []string{"sk-ant-"}, `(?P<s>sk-ant-[a-z]+\d\d-[A-Za-z0-9_\-]{32,}|sk-ant-[A-Za-z0-9_\-]{32,})`, 4.0),
		token("OPENROUTER_API_KEY", H, "OpenRouter API key", []string{"sk-or-"}, `(?P<s>sk-or-v1-[a-f0-9]{64})`, 3.0),
		token("GROQ_API_KEY", H, "Groq API key", []string{"gsk_"}, `(?P<s>gsk_[A-Za-z0-9]{48,})`, 4.0),
		token("XAI_API_KEY", H, "xAI API key", []string{"xai-"}, `(?P<s>xai-[A-Za-z0-9]{70,})`, 4.0),
		token("PERPLEXITY_API_KEY", H, "Perplexity API key", []string{"pplx-"}, `(?P<s>pplx-[A-Za-z0-9]{48})`, 4.0),
		token("REPLICATE_API_TOKEN", H, "Replicate API token", []string{"r8_"}, `(?P<s>r8_[A-Za-z0-9]{37})`, 3.5),
		token("HUGGINGFACE_TOKEN", H, "Hugging Face token", []string{"hf_", "api_org_"}, `(?P<s>hf_[A-Za-z0-9]{34,}|api_org_[A-Za-z0-9]{34})`, 3.5),

		// Observability and SaaS.
		assign("DATADOG_API_KEY", H, "Datadog API or application key", []string{"datadog", "dd_api", "dd_app", "dd-api", "dd-app", "ddapi"},
			`(?:datadog|dd)[_\-]?(?:api|app|application)?[_\-]?key`, `[a-f0-9]{40}|[a-f0-9]{32}`, 3.0),
		token("NEWRELIC_API_KEY", H, "New Relic API key", []string{"nrak-", "nrii-", "nrjs-"}, `(?P<s>NR(?:AK|II|JS)-[A-Z0-9]{27})`, 3.0),
		token("SENTRY_AUTH_TOKEN", H, "Sentry auth token", []string{"sntrys_", "sntryu_"}, `(?P<s>sntrys_[A-Za-z0-9+/=_]{50,}|sntryu_[a-f0-9]{64})`, 3.5),
		token("GRAFANA_TOKEN", H, "Grafana token", []string{"glsa_", "glc_"}, `(?P<s>glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})`, 3.5),
		token("POSTMAN_API_KEY", H, "Postman API key", []string{"pmak-"}, `(?P<s>PMAK-[a-f0-9]{24}-[a-f0-9]{34})`, 3.0),
		token("LINEAR_API_KEY", H, "Linear API key", []string{"lin_api_"}, `(?P<s>lin_api_[A-Za-z0-9]{40})`, 3.5),
		token("DATABRICKS_TOKEN", H, "Databricks token", []string{"dapi"}, `(?P<s>dapi[a-f0-9]{32}(?:-\d)?)`, 3.0),
		token("SUPABASE_TOKEN", H, "Supabase access token", []string{"sbp_"}, `(?P<s>sbp_[a-f0-9]{40})`, 3.0),
		token("NOTION_TOKEN", H, "Notion integration token", []string{"ntn_"}, `(?P<s>ntn_[A-Za-z0-9]{40,50})`, 3.5),
		token("AGE_SECRET_KEY", C, "age encryption secret key", []string{"age-secret-key-1"}, `(?P<s>AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58})`, 3.0),

		// Structural secrets.
		{
			id: "PRIVATE_KEY", severity: C, score: scoreStructural, detail: "PEM or OpenSSH private key block",
			keywords: []string{"-----begin"}, match: matchPrivateKey,
		},
		{
			id: "JWT", severity: H, score: scoreStructural, detail: "JSON Web Token",
			keywords: []string{"eyj"},
			re:       regexp.MustCompile(`^(?P<s>eyJ[A-Za-z0-9_\-]{8,}\.ey[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*)`),
			prefix:   true, fwd: 8192, boundary: true, check: checkJWT,
		},
		{
			// Anchored at "://"; the scheme before it is checked in Go.
			id: "PASSWORD_IN_URL", severity: H, score: scoreStructural, detail: "password in a URL's user information",
			keywords: []string{"://"},
			re:       regexp.MustCompile(`^://(?P<u>[^\s:@/?#"'<>]{0,128}):(?P<s>[^\s@/?#"'<>]{1,256})@[A-Za-z0-9.\-\[\]_%]`),
			prefix:   true, fwd: 512, minLen: 3, placeholder: true, check: checkURLPassword,
		},
		{
			id: "CONNECTION_STRING_PASSWORD", severity: H, score: scoreStructural, detail: "password in a connection string",
			keywords: []string{"password=", "pwd=", "password =", "pwd ="},
			re:       regexp.MustCompile(`^(?i:password|pwd)\s*=\s*(?P<s>[^;"'\s]+(?: [^;"'\s]+)*)`),
			prefix:   true, fwd: 200, minLen: 3, placeholder: true, check: checkConnString,
		},
		{
			id: "AUTH_HEADER", severity: H, score: 0.85, detail: "credential in an HTTP Authorization header",
			keywords: []string{"authorization"},
			re:       regexp.MustCompile(`^(?i:authorization)["']?\s*[:=]\s*["']?(?i:bearer|basic|token|bot|digest|apikey)\s+(?P<s>[A-Za-z0-9._~+/\-]{8,}=*)`),
			prefix:   true, fwd: 4096, minEntropy: 3.0, placeholder: true,
		},
		{
			id: "AUTH_HEADER", severity: H, score: 0.85, detail: "bearer token",
			keywords: []string{"bearer "},
			re:       regexp.MustCompile(`^(?i:bearer)\s+(?P<s>[A-Za-z0-9._~+/\-]{16,}=*)`),
			prefix:   true, fwd: 4096, minEntropy: 3.0, placeholder: true,
		},
		{
			id: "PASSWORD", severity: H, score: scoreKeyName, detail: "password on a command line",
			keywords: cliKeywords(),
			match:    matchCLIPassword,
		},
		{
			id: "GENERIC_SECRET", severity: H, score: scoreKeyName, detail: "value assigned to a password or secret name",
			keywords: []string{"password", "passwd", "pwd", "passphrase", "_pass", "pass=", "pass:", "pass\"", "pass'", "secret", "token",
				"apikey", "api_key", "api-key", "_key", "-key", "key=", "key:", "key\"", "credential", "auth=", "auth:", "auth\"", "auth_", "pat=", "sig="},
			match: matchAssignment,
		},
	}
	return rules
}
