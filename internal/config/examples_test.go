package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/parser"
)

var examplesDir = filepath.Join("..", "..", "examples")

func TestExamplesLoad(t *testing.T) {
	minimal := mustLoad(t, Options{
		File:      filepath.Join(examplesDir, "agentgov.yaml"),
		LookupEnv: envOf("OPS_TOKEN", opsToken),
	})
	if len(minimal.Auth.Tokens) != 1 || minimal.Auth.Tokens[0].Secret != opsToken {
		t.Errorf("minimal example tokens = %v", minimal.Auth.Tokens)
	}
	if !minimal.Loopback() {
		t.Error("minimal example must listen on loopback")
	}

	// The reference file documents the defaults, so it must load to
	// exactly Default().
	full := mustLoad(t, Options{File: filepath.Join(examplesDir, "agentgov.full.yaml")})
	if !reflect.DeepEqual(full, Default()) {
		t.Errorf("agentgov.full.yaml differs from Default():\n got %#v\nwant %#v", full, Default())
	}
}

func TestFullExampleHasEveryKey(t *testing.T) {
	path := filepath.Join(examplesDir, "agentgov.full.yaml")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := parser.ParseBytes(data, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range append(append(Keys(), tokensKey), supplyChainListKeys...) {
		p, err := yaml.PathString("$." + key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		if _, err := p.FilterFile(f); err != nil {
			t.Errorf("%s is missing from %s: %v", key, path, err)
		}
	}
	// Guard against a vacuous test: a missing path must not match.
	if p, _ := yaml.PathString("$.server.no_such_key"); p != nil {
		if _, err := p.FilterFile(f); err == nil {
			t.Fatal("FilterFile matched a key that is not in the file")
		}
	}
	for _, must := range []string{"AGENTGOV_<SECTION>_<KEY>", OperatorTokenEnv, "precedence"} {
		if !strings.Contains(string(data), must) {
			t.Errorf("%s does not mention %q", path, must)
		}
	}
}

// TestMarshalRoundTrip checks that a Config printed with go-yaml (as a
// "config show" command would) loads back unchanged.
func TestMarshalRoundTrip(t *testing.T) {
	c := Default()
	c.Server.ShutdownTimeout.Duration = 90e9
	c.Auth.Tokens = []Token{{Name: "ops", Secret: opsToken, Role: RoleAdmin}}
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	got := mustLoad(t, Options{File: writeConfig(t, string(out))})
	if !reflect.DeepEqual(got, c) {
		t.Fatalf("round trip changed the config:\n%s", out)
	}
	red, err := yaml.Marshal(c.Redacted())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(red), opsToken) || !strings.Contains(string(red), "token: REDACTED") {
		t.Fatalf("redacted output:\n%s", red)
	}
}

// TestFullExampleGovernanceSample keeps the commented governance sample
// in the reference file honest: uncommented, it must load and mean what
// its comments say.
func TestFullExampleGovernanceSample(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(examplesDir, "agentgov.full.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	head, tail, ok := strings.Cut(string(data), "\nroles: {}\n")
	if !ok {
		t.Fatal("the governance section is missing")
	}
	var b strings.Builder
	b.WriteString(head + "\nroles:\n")
	for line := range strings.SplitSeq(tail, "\n") {
		switch {
		case strings.Contains(line, "manifest: ./"):
			// The sample manifest is not shipped.
		case strings.HasPrefix(line, "#   "):
			b.WriteString(line[2:] + "\n")
		case line == "tools: {}" || line == "agents: {}":
			b.WriteString(strings.TrimSuffix(line, " {}") + "\n")
		default:
			b.WriteString(line + "\n")
		}
	}
	c := mustLoad(t, Options{File: writeConfig(t, b.String())})
	bot, ok := c.Agents["support-bot"]
	if !ok || c.Tools["send_email"].Ring != 2 || len(c.Roles["ANALYST"]) != 2 {
		t.Fatalf("sample did not load as documented: %+v", c)
	}
	if bot.Mode != "strict" || *bot.Ring != 2 || len(bot.BlockedPatterns) != 3 || bot.Egress.Default != "deny" ||
		*bot.Concurrency.Max != 4 || bot.Rate.PerTool["send_email"].Burst != 2 || bot.DataClassification != "internal" {
		t.Fatalf("support-bot = %+v", bot)
	}
}
