package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
)

// runWith runs agentgov with stdin and an environment of exactly env.
func runWith(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(stdin), Stdout: &stdout, Stderr: &stderr,
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }})
	return code, stdout.String(), stderr.String()
}

const checkConfig = `tools:
  web_search: {ring: 3, permission: search, clearance: public}
  send_email: {ring: 2, permission: write, clearance: internal}
defaults:
  mode: strict
  ring: 2
  blocked_patterns:
    - substring: "rm -rf"
agents:
  bot:
    role: WRITER
    allowed_tools: [web_search, send_email]
    require_approval: [send_email]
  observer:
    role: WRITER
    mode: audit
    allowed_tools: [web_search]
  redactor:
    role: WRITER
    allowed_tools: [web_search]
    manifest: redact.yaml
`

// redactManifest rewrites the password argument of every tool call.
const redactManifest = `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: test
    verdict: {decision: transform, reason: redact_secret, transform: {path: $policy_target.password, value: "[redacted]"}}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy: {id: p}
`

// checkSetup writes the configuration and returns its path and a data
// directory beside it.
func checkSetup(t *testing.T) (cfgFile, dataDir string) {
	t.Helper()
	dir := files(t, map[string]string{"agentgov.yaml": checkConfig, "redact.yaml": redactManifest})
	return filepath.Join(dir, "agentgov.yaml"), filepath.Join(dir, "data")
}

func toolCall(agent, tool, args string) string {
	return `{"agent":"` + agent + `","session":"s1","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"id":"c1","name":"` + tool + `","args":` + args + `}}}`
}

// decisionCase is one request and the decision both modes must give.
type decisionCase struct {
	name, stdin string
	code        int
	decision    string
	reason      string
	transformed string // JSON of the transformed value; "" for none
}

var decisionCases = []decisionCase{
	{name: "allow", stdin: toolCall("bot", "web_search", `{"q":"weather"}`), code: 0, decision: "allow"},
	{name: "deny by blocked pattern", stdin: toolCall("bot", "web_search", `{"q":"rm -rf /"}`), code: ExitDeny, decision: "deny", reason: "blocked_patterns:blocked_pattern"},
	{name: "deny unknown agent", stdin: toolCall("ghost", "web_search", `{}`), code: ExitDeny, decision: "deny", reason: "agent_unknown"},
	{name: "escalate", stdin: toolCall("bot", "send_email", `{"to":"a@example.com"}`), code: ExitEscalate, decision: "escalate", reason: "approval_required"},
	{name: "warn in audit mode", stdin: toolCall("observer", "send_email", `{}`), code: 0, decision: "warn", reason: "audit_mode:would_deny:tool_not_allowed"},
	{name: "transform applied", stdin: toolCall("redactor", "web_search", `{"user":"ann","password":"hunter2"}`), code: 0, decision: "transform",
		reason: "redact_secret", transformed: `{"password":"[redacted]","user":"ann"}`},
	{name: "evaluate_only does not apply the transform",
		stdin: `{"agent":"redactor","intervention_point":"pre_tool_call","mode":"evaluate_only","snapshot":{"tool_call":{"id":"c2","name":"web_search","args":{"password":"x"}}}}`,
		code:  0, decision: "transform", reason: "redact_secret"},
	{name: "numbers pass through exactly", stdin: toolCall("bot", "web_search", `{"n":12345678901234567890.50}`), code: 0, decision: "allow"},
}

// checkDecision checks one printed decision against its case: the fields
// of the HTTP API's answer and no others, and "transformed" only when a
// transform was applied.
func checkDecision(t *testing.T, tc decisionCase, code int, stdout, stderr string) {
	t.Helper()
	if code != tc.code {
		t.Fatalf("exit %d, want %d; stdout %q stderr %q", code, tc.code, stdout, stderr)
	}
	v := decodeObject(t, stdout)
	keys := []string{"audit_index", "decision", "message", "reason", "reasons"}
	if tc.transformed != "" {
		keys = append(keys, "transformed")
	}
	if id, ok := v["approval_id"].(string); ok && tc.decision == "escalate" && strings.HasPrefix(id, "apr-") {
		// A server holds the escalation in an approval request; an
		// in-process check has no one to approve it.
		keys = append(keys, "approval_id")
	}
	slices.Sort(keys)
	got := make([]string, 0, len(v))
	for k := range v {
		got = append(got, k)
	}
	slices.Sort(got)
	if !slices.Equal(got, keys) {
		t.Errorf("members %v, want %v", got, keys)
	}
	if v["decision"] != tc.decision || v["reason"] != tc.reason {
		t.Errorf("decision %v reason %v, want %s %q", v["decision"], v["reason"], tc.decision, tc.reason)
	}
	if _, ok := v["reasons"].([]any); !ok {
		t.Errorf("reasons %v is not an array", v["reasons"])
	}
	if idx, err := v["audit_index"].(json.Number).Int64(); err != nil || idx < 1 {
		t.Errorf("audit_index %v: every decision is recorded after the policy's activation", v["audit_index"])
	}
	if tc.transformed != "" {
		b, _ := json.Marshal(v["transformed"])
		if string(b) != tc.transformed {
			t.Errorf("transformed %s, want %s", b, tc.transformed)
		}
	}
}

func TestCheckInProcess(t *testing.T) {
	cfgFile, dataDir := checkSetup(t)
	for _, tc := range decisionCases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runWith(t, nil, tc.stdin, "check", "--config", cfgFile, "--data-dir", dataDir)
			checkDecision(t, tc, code, stdout, stderr)
		})
	}
	// Every decision is in the log, and the policy's activation once: the
	// invocations after the first find it recorded.
	code, out, stderr := runWith(t, nil, "", "audit", "export", "--format", "jsonl", "--data-dir", dataDir)
	if code != 0 {
		t.Fatalf("audit export: exit %d: %s", code, stderr)
	}
	if n := strings.Count(out, `"policy_activate"`); n != 1 {
		t.Errorf("%d policy activations recorded for one policy, want 1", n)
	}
	if n := strings.Count(out, `"type":"decision"`); n != len(decisionCases) {
		t.Errorf("%d decisions recorded, want %d", n, len(decisionCases))
	}
	if !strings.Contains(out, `"reason":"check"`) {
		t.Error("the activation does not say that a check activated it")
	}
	// A changed policy is a new activation.
	if err := os.WriteFile(cfgFile, []byte(strings.Replace(checkConfig, `substring: "rm -rf"`, `substring: "drop table"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runWith(t, nil, decisionCases[0].stdin, "check", "--config", cfgFile, "--data-dir", dataDir); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	_, out, _ = runWith(t, nil, "", "audit", "export", "--format", "jsonl", "--data-dir", dataDir)
	if n := strings.Count(out, `"policy_activate"`); n != 2 {
		t.Errorf("%d policy activations after a policy change, want 2", n)
	}
	if code, out, _ := runWith(t, nil, "", "audit", "verify", "--data-dir", dataDir); code != 0 || !strings.Contains(out, "INTACT") {
		t.Errorf("audit verify: exit %d: %s", code, out)
	}
}

func TestCheckBadInput(t *testing.T) {
	cfgFile, dataDir := checkSetup(t)
	tests := []struct {
		name, stdin string
		env         map[string]string
		args        []string
		code        int
		stderr      string
	}{
		{name: "empty stdin", stdin: " \n", code: ExitUsage, stderr: "stdin: the document is empty"},
		{name: "not JSON", stdin: `{"agent":`, code: ExitUsage, stderr: "stdin:"},
		{name: "not an object", stdin: `[1,2]`, code: ExitUsage, stderr: "must be a JSON object"},
		{name: "unknown member", stdin: `{"agent":"bot","intervention_point":"input","snapshot":{},"extra":1}`, code: ExitUsage, stderr: `field "extra": is not a known field`},
		{name: "wrong type", stdin: `{"agent":7,"intervention_point":"input","snapshot":{}}`, code: ExitUsage, stderr: `field "agent": must be a string, not number`},
		{name: "snapshot not an object", stdin: `{"agent":"bot","intervention_point":"input","snapshot":"x"}`, code: ExitUsage, stderr: `field "snapshot": must be an object`},
		{name: "duplicate member", stdin: `{"agent":"bot","agent":"root","intervention_point":"input","snapshot":{}}`, code: ExitUsage, stderr: `field "agent": duplicate`},
		{name: "duplicate member inside the snapshot", stdin: `{"agent":"bot","intervention_point":"input","snapshot":{"input":1,"input":2}}`, code: ExitUsage, stderr: `field "snapshot/input"`},
		{name: "two objects", stdin: `{"agent":"bot","intervention_point":"input","snapshot":{}} {}`, code: ExitUsage, stderr: "after top-level value"},
		{name: "agent missing", stdin: `{"intervention_point":"input","snapshot":{}}`, code: ExitUsage, stderr: `field "agent": is required`},
		{name: "point missing", stdin: `{"agent":"bot","snapshot":{}}`, code: ExitUsage, stderr: `field "intervention_point": is required`},
		{name: "snapshot missing", stdin: `{"agent":"bot","intervention_point":"input"}`, code: ExitUsage, stderr: `field "snapshot": is required`},
		{name: "unknown point", stdin: `{"agent":"bot","intervention_point":"pre_tool","snapshot":{}}`, code: ExitUsage, stderr: `field "intervention_point": "pre_tool" is not one of the eight`},
		{name: "unknown mode", stdin: `{"agent":"bot","intervention_point":"input","snapshot":{},"mode":"dry"}`, code: ExitUsage, stderr: `field "mode"`},
		{name: "larger than the request limit", stdin: toolCall("bot", "web_search", `{"q":"`+strings.Repeat("a", 1100)+`"}`),
			env: map[string]string{"AGENTGOV_SERVER_MAX_REQUEST_BYTES": "1024", "AGENTGOV_AUDIT_MAX_PAYLOAD_BYTES": "1024"}, code: ExitUsage, stderr: "larger than 1024 bytes"},
		{name: "neither config nor server", stdin: toolCall("bot", "web_search", `{}`), args: []string{"check", "--data-dir", dataDir},
			code: ExitUsage, stderr: "needs --config FILE"},
		{name: "configuration that does not load", stdin: toolCall("bot", "web_search", `{}`), args: []string{"check", "--config", filepath.Join(t.TempDir(), "none.yaml")},
			code: ExitUsage, stderr: "configuration"},
		{name: "arguments", stdin: toolCall("bot", "web_search", `{}`), args: []string{"check", "--config", cfgFile, "extra"}, code: ExitUsage, stderr: "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if args == nil {
				args = []string{"check", "--config", cfgFile, "--data-dir", dataDir}
			}
			code, stdout, stderr := runWith(t, tt.env, tt.stdin, args...)
			if code != tt.code || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, tt.code, tt.stderr)
			}
			if stdout != "" {
				t.Errorf("stdout %q: a refused request has no decision", stdout)
			}
		})
	}
	// Nothing malformed reached the log.
	_, out, _ := runWith(t, nil, "", "audit", "export", "--format", "jsonl", "--data-dir", dataDir)
	if strings.Contains(out, `"type":"decision"`) {
		t.Errorf("a refused request was recorded: %s", out)
	}
}

func TestCheckBadPolicy(t *testing.T) {
	dir := files(t, map[string]string{"agentgov.yaml": checkConfig, "redact.yaml": "agent_control_specification_version: 0.3.1-beta\npolicies: {}\n"})
	code, stdout, stderr := runWith(t, nil, toolCall("bot", "web_search", `{}`), "check", "--config", filepath.Join(dir, "agentgov.yaml"),
		"--data-dir", filepath.Join(dir, "data"))
	if code != ExitUsage || !strings.Contains(stderr, "policy:") || stdout != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want a usage error naming the policy", code, stdout, stderr)
	}
}

// checkServerToken is the ADMIN operator token of startServer's server.
const checkServerToken = "check-test-operator-token-0123456789abcdef"

// startServer runs agentgov serve on a loopback port with cfgFile, an
// ADMIN operator token (checkServerToken) and a data directory of its own,
// and returns its URL and data directory.
func startServer(t *testing.T, cfgFile string) (string, string) {
	t.Helper()
	cfg, err := config.Load(config.Options{File: cfgFile})
	if err != nil {
		t.Fatal(err)
	}
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Storage.DataDir = filepath.Join(t.TempDir(), "server-data")
	cfg.Auth.Tokens = append(cfg.Auth.Tokens, config.Token{Name: "operator", Secret: checkServerToken, Role: config.RoleAdmin})
	ctx, cancel := context.WithCancel(context.Background())
	started, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- daemon.Run(ctx, daemon.Options{Config: cfg, ConfigFile: cfgFile, Started: func(a, _ string) { started <- a }})
	}()
	select {
	case addr := <-started:
		t.Cleanup(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("server: %v", err)
			}
		})
		return "http://" + addr, cfg.Storage.DataDir
	case err := <-done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("server did not start")
	}
	return "", ""
}

func TestCheckServer(t *testing.T) {
	cfgFile, _ := checkSetup(t)
	url, serverData := startServer(t, cfgFile)
	token := checkServerToken
	for _, tc := range decisionCases {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runWith(t, nil, tc.stdin, "check", "--server", url, "--token", token)
			checkDecision(t, tc, code, stdout, stderr)
		})
	}
	tests := []struct {
		name  string
		env   map[string]string
		args  []string
		stdin string
		code  int
		out   string
	}{
		{name: "server and token from the environment", env: map[string]string{"AGENTGOV_SERVER": url, "AGENTGOV_TOKEN": token},
			args: []string{"check"}, stdin: toolCall("bot", "web_search", `{}`), code: 0, out: `"decision":"allow"`},
		{name: "no token for a server that has tokens is 401", args: []string{"check", "--server", url, "--data-dir", serverData},
			stdin: toolCall("bot", "web_search", `{}`), code: ExitError, out: "401"},
		{name: "the server's refusal names the field", args: []string{"check", "--server", url, "--token", token},
			stdin: `{"agent":"bot","intervention_point":"pre_tool","snapshot":{}}`, code: ExitUsage, out: `field "intervention_point": "pre_tool" is not one of the eight`},
		{name: "a wrong token is an error", args: []string{"check", "--server", url, "--token", strings.Repeat("x", 40)},
			stdin: toolCall("bot", "web_search", `{}`), code: ExitError, out: "401"},
		{name: "nothing listening is an error", args: []string{"check", "--server", "http://127.0.0.1:1", "--token", token},
			stdin: toolCall("bot", "web_search", `{}`), code: ExitError, out: "check:"},
		{name: "not a URL is a usage error", args: []string{"check", "--server", "ftp://x", "--token", token},
			stdin: toolCall("bot", "web_search", `{}`), code: ExitUsage, out: "must be http(s)"},
		{name: "in-process beside the server is refused", args: []string{"check", "--config", cfgFile, "--data-dir", serverData},
			stdin: toolCall("bot", "web_search", `{}`), code: ExitError, out: "--server " + url},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := runWith(t, tt.env, tt.stdin, tt.args...)
			if code != tt.code || !strings.Contains(stdout+stderr, tt.out) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d and %q", code, stdout, stderr, tt.code, tt.out)
			}
		})
	}
}

func TestCheckHelp(t *testing.T) {
	code, out, _ := runCLI(t, "check", "--help")
	for _, want := range []string{"Exit status: 0 allow, warn or transform", "3 deny; 4 escalate", "--server", "--token", "Examples:"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("check --help (exit %d) lacks %q", code, want)
		}
	}
}

func TestBenchHTTPInProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server under load")
	}
	for _, detectors := range []string{"off", "default"} {
		t.Run(detectors, func(t *testing.T) {
			code, stdout, stderr := runWith(t, nil, "", "bench", "http", "--detectors", detectors, "--duration", "400ms", "--warmup", "100ms",
				"--clients", "4", "--agents", "10", "--post-tool-call", "--json")
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, stdout, stderr)
			}
			var rep benchReport
			if err := json.Unmarshal([]byte(stdout), &rep); err != nil {
				t.Fatalf("%v: %s", err, stdout)
			}
			// The generated scenario must measure the allow path: a
			// profile that denied the load would measure something else.
			if rep.Decisions == 0 || rep.ByDecision["allow"] != rep.Decisions || rep.Errors != 0 {
				t.Errorf("decisions %d %v reasons %v, errors %d %v", rep.Decisions, rep.ByDecision, rep.Reasons, rep.Errors, rep.ErrorList)
			}
			if rep.Audit == nil || !rep.Audit.Intact || !rep.Audit.Covers {
				t.Errorf("audit %+v: every decision must be in a log that verifies", rep.Audit)
			}
			if rep.LatencyMS.P50 <= 0 || rep.LatencyMS.P50 > rep.LatencyMS.P99 || rep.LatencyMS.P99 > rep.LatencyMS.Max {
				t.Errorf("latency %+v", rep.LatencyMS)
			}
			if _, err := os.Stat(rep.DataDir); !os.IsNotExist(err) {
				t.Errorf("the data directory %s is left behind (%v)", rep.DataDir, err)
			}
		})
	}
}

func TestBenchHTTPUsage(t *testing.T) {
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"unknown scenario", []string{"--detectors", "some"}, "--detectors must be off or default"},
		{"scenario with a server", []string{"--server", "http://127.0.0.1:1", "--token", "t", "--detectors", "off"}, "detectors are the server's configuration"},
		{"configuration in-process", []string{"--config", "agentgov.yaml"}, "--config applies with --server only"},
		{"tools in-process", []string{"--tools", "a,b"}, "--tools applies with --server only"},
		{"no clients", []string{"--clients", "0"}, "--clients must be at least 1"},
		{"no duration", []string{"--duration", "0s"}, "--duration must be positive"},
		{"bad output", []string{"--output", "yaml"}, "--output must be text or json"},
		{"no tools named", []string{"--server", "http://127.0.0.1:1", "--token", "t", "--tools", " , "}, "--tools names no tool"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runWith(t, nil, "", append([]string{"bench", "http"}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", code, stderr, tt.stderr)
			}
		})
	}
}

func TestBenchConfigLoads(t *testing.T) {
	for _, detectors := range []string{"off", "default"} {
		dir := t.TempDir()
		file := filepath.Join(dir, "agentgov.yaml")
		if err := os.WriteFile(file, []byte(benchConfig(filepath.Join(dir, "data"), 3, []string{"tool_00", "tool_01"}, detectors)), 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := config.Load(config.Options{File: file, LookupEnv: func(k string) (string, bool) {
			return strings.Repeat("k", 64), k == benchTokenVar
		}})
		if err != nil {
			t.Fatalf("detectors %s: %v", detectors, err)
		}
		if len(cfg.Agents) != 3 || len(cfg.Tools) != 2 || len(cfg.Auth.Tokens) != 1 || cfg.Auth.Tokens[0].Role != "WRITER" {
			t.Errorf("detectors %s: %d agents, %d tools, tokens %v", detectors, len(cfg.Agents), len(cfg.Tools), cfg.Auth.Tokens)
		}
		if got := cfg.Defaults.Egress != nil; got != (detectors == "default") {
			t.Errorf("detectors %s: egress configured = %v", detectors, got)
		}
		// Off switches off every content detector; default leaves the
		// built-in ones.
		for _, name := range config.DetectorNames {
			d, set := cfg.Defaults.Detectors[name]
			off := set && d.Enabled != nil && !*d.Enabled
			if off != (detectors == "off") {
				t.Errorf("detectors %s: %s switched off = %v", detectors, name, off)
			}
		}
		if detectors == "default" && len(cfg.Defaults.Detectors) != 0 {
			t.Errorf("detectors default: the profile configures %v", cfg.Defaults.Detectors)
		}
		if len(cfg.Defaults.BlockedPatterns) != 10 {
			t.Errorf("detectors %s: %d blocked patterns, want the 10 of the gate benchmarks", detectors, len(cfg.Defaults.BlockedPatterns))
		}
	}
}
