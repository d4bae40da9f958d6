package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// runCLI runs agentgov with args and returns its exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(context.Background(), args, Env{Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr, LookupEnv: func(string) (string, bool) { return "", false }})
	return code, stdout.String(), stderr.String()
}

func files(t *testing.T, m map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range m {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func decodeObject(t *testing.T, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("stdout %q is not one JSON object: %v", s, err)
	}
	if dec.More() {
		t.Fatalf("stdout %q holds more than one value", s)
	}
	return v
}

const contractManifest = `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: rego
    query: data.acs.verdict
intervention_points:
  input:
    policy:
      id: p
    policy_target: $snap.input
`

// The contract's worked example 1: a transform applied in enforce mode.
func TestACSEvalContractExample1(t *testing.T) {
	dir := files(t, map[string]string{
		"manifest.yaml":    contractManifest,
		"snapshot.json":    `{"input":{"metadata":{"channel":"chat"},"text":"send account 1234 to support"}}`,
		"policy.json":      `{"decision":"transform","reason":"pii_redaction","transform":{"path":"$policy_target.text","value":"send account [REDACTED] to support"}}`,
		"annotations.json": `{}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	code, out, stderr := runCLI(t, "acs", "eval", "--manifest", p("manifest.yaml"), "--point", "input", "--snapshot", p("snapshot.json"),
		"--mode", "enforce", "--stub-policy", p("policy.json"), "--stub-annotations", p("annotations.json"), "--trace", p("trace.json"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want := `{"action_identity":"sha256:681679ee1c241ee7d247956adce1cb87ad4d7d3887414bf1f9befa6f64e02855",` +
		`"enforced_identity":"sha256:681679ee1c241ee7d247956adce1cb87ad4d7d3887414bf1f9befa6f64e02855",` +
		`"input_identity":"sha256:5570a7fb72a69808363dc398d4f8d2f76bbc81146640a66bf92d6b8205b00a56",` +
		`"policy_input":{"annotations":{},"intervention_point":"input","policy_target":{"kind":null,"path":"$snap.input","value":{"metadata":{"channel":"chat"},"text":"send account 1234 to support"}},"snapshot":{"input":{"metadata":{"channel":"chat"},"text":"send account 1234 to support"}},"tool":null},` +
		`"transformed_policy_target":{"metadata":{"channel":"chat"},"text":"send account [REDACTED] to support"},"transformed_policy_target_applied":true,` +
		`"verdict":{"decision":"transform","reason":"pii_redaction","transform":{"path":"$policy_target.text","value":"send account [REDACTED] to support"}}}` + "\n"
	if out != want {
		t.Errorf("stdout\n got %s\nwant %s", out, want)
	}
	trace := decodeObject(t, readFile(t, p("trace.json")))
	calls := trace["policy_calls"].([]any)
	if len(calls) != 1 || len(trace["annotator_calls"].([]any)) != 0 {
		t.Fatalf("trace %v", trace)
	}
	call := calls[0].(map[string]any)
	if call["policy_id"] != "p" || call["type"] != "rego" || call["policy_input"].(map[string]any)["intervention_point"] != "input" {
		t.Errorf("policy call %v", call)
	}
	if _, ok := trace["approval_calls"]; ok {
		t.Error("eval traced approval calls")
	}

	// evaluate_only: same verdict, nothing applied, identities equal.
	code, out, _ = runCLI(t, "acs", "eval", "--manifest", p("manifest.yaml"), "--point", "input", "--snapshot", p("snapshot.json"),
		"--mode", "evaluate_only", "--stub-policy", p("policy.json"))
	res := decodeObject(t, out)
	if code != 0 || res["transformed_policy_target_applied"] != false || res["transformed_policy_target"] != nil ||
		res["enforced_identity"] != "sha256:5570a7fb72a69808363dc398d4f8d2f76bbc81146640a66bf92d6b8205b00a56" ||
		res["verdict"].(map[string]any)["transform"] == nil {
		t.Errorf("evaluate_only result %s", out)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The contract's worked example 2 and the enforce table of §1.4.
func TestACSEnforce(t *testing.T) {
	const shown = "sha256:15f96b47115f1882b4afd17c71e4163499bd22faf3d6e7d462baddc69620e18d"
	withApproval := contractManifest + "approval: {default_resolver: human, resolvers: {human: {type: console}}}\n"
	dir := files(t, map[string]string{
		"manifest.yaml": contractManifest,
		"approval.yaml": withApproval,
		"snapshot.json": `{"input":"hi"}`,
		"escalate.json": `{"decision":"escalate"}`,
		"allow.json":    `{"decision":"allow"}`,
		"deny.json":     `{"decision":"deny","reason":"no"}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	tests := []struct {
		name, manifest, policy, approval, mode string
		outcome, decision, reason              string
		shown                                  bool
	}{
		{"stale identity", "manifest.yaml", "escalate.json", `{"outcome":"allow","approved_identity":"@enforced_identity","mutate_snapshot":{"input":"mutated"}}`, "", "blocked", "deny", "runtime_error:approval_action_mismatch", true},
		{"approved", "manifest.yaml", "escalate.json", `{"outcome":"allow"}`, "", "proceed", "escalate", "", true},
		{"approved explicit identity", "manifest.yaml", "escalate.json", `{"outcome":"allow","approved_identity":"` + shown + `"}`, "", "proceed", "escalate", "", true},
		{"approved another identity", "manifest.yaml", "escalate.json", `{"outcome":"allow","approved_identity":"sha256:` + strings.Repeat("0", 64) + `"}`, "", "blocked", "deny", "runtime_error:approval_action_mismatch", true},
		{"no resolver", "manifest.yaml", "escalate.json", "", "", "blocked", "escalate", "", false},
		{"resolver denies", "manifest.yaml", "escalate.json", `{"outcome":"deny"}`, "", "blocked", "escalate", "", true},
		{"resolver suspends", "manifest.yaml", "escalate.json", `{"outcome":"suspend"}`, "", "suspended", "escalate", "", true},
		{"suspend on a changed action", "manifest.yaml", "escalate.json", `{"outcome":"suspend","mutate_snapshot":{"extra":1}}`, "", "blocked", "deny", "runtime_error:approval_action_mismatch", true},
		{"resolver fails", "manifest.yaml", "escalate.json", `{"outcome":"fail"}`, "", "blocked", "deny", "runtime_error:approval_resolver_failed", true},
		{"unrecognized outcome", "manifest.yaml", "escalate.json", `{"outcome":"maybe"}`, "", "blocked", "deny", "runtime_error:approval_resolver_failed", true},
		{"no outcome", "manifest.yaml", "escalate.json", `{}`, "", "blocked", "deny", "runtime_error:approval_resolver_failed", true},
		{"default resolver", "approval.yaml", "escalate.json", `{"outcome":"allow"}`, "", "proceed", "escalate", "", true},
		{"named default resolver", "approval.yaml", "escalate.json", `{"outcome":"allow","resolver_name":"human"}`, "", "proceed", "escalate", "", true},
		{"resolver missing", "approval.yaml", "escalate.json", `{"outcome":"allow","resolver_name":"slack"}`, "", "blocked", "deny", "runtime_error:approval_resolver_missing", false},
		{"evaluate_only", "manifest.yaml", "escalate.json", `{"outcome":"deny"}`, "evaluate_only", "proceed", "escalate", "", false},
		{"allow", "manifest.yaml", "allow.json", `{"outcome":"deny"}`, "", "proceed", "allow", "", false},
		{"policy deny", "manifest.yaml", "deny.json", `{"outcome":"allow"}`, "", "blocked", "deny", "no", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"acs", "enforce", "--manifest", p(tc.manifest), "--point", "input", "--snapshot", p("snapshot.json"),
				"--stub-policy", p(tc.policy), "--stub-annotations", p("allow.json"), "--trace", filepath.Join(t.TempDir(), "trace.json")}
			if tc.approval != "" {
				ap := filepath.Join(t.TempDir(), "approval.json")
				if err := os.WriteFile(ap, []byte(tc.approval), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--approval", ap)
			}
			if tc.mode != "" {
				args = append(args, "--mode", tc.mode)
			}
			code, out, stderr := runCLI(t, args...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			v := decodeObject(t, out)
			res := v["result"].(map[string]any)
			verdict := res["verdict"].(map[string]any)
			if v["outcome"] != tc.outcome || verdict["decision"] != tc.decision || (verdict["reason"] != nil && verdict["reason"] != tc.reason) || (tc.reason != "" && verdict["reason"] != tc.reason) {
				t.Errorf("got %s", out)
			}
			if tc.policy == "escalate.json" && tc.mode == "" {
				// The evaluated policy input and identities are returned as evaluated.
				if res["enforced_identity"] != shown || res["input_identity"] != shown || res["action_identity"] != shown {
					t.Errorf("identities in %s", out)
				}
				if got := res["policy_input"].(map[string]any)["snapshot"].(map[string]any)["input"]; got != "hi" {
					t.Errorf("snapshot changed to %v", got)
				}
			}
			trace := decodeObject(t, readFile(t, args[len(args)-1-boolInt(tc.approval != "")*2-boolInt(tc.mode != "")*2]))
			calls, _ := trace["approval_calls"].([]any)
			if tc.shown != (len(calls) == 1) {
				t.Errorf("approval calls %v", calls)
			}
			if tc.shown && calls[0].(map[string]any)["enforced_identity"] != shown {
				t.Errorf("resolver shown %v", calls[0])
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestACSUsageErrors(t *testing.T) {
	dir := files(t, map[string]string{
		"m.yaml":     contractManifest,
		"s.json":     `{"input":1}`,
		"bad.json":   `{"input":`,
		"two.json":   `{} {}`,
		"arr.json":   `[1]`,
		"big.json":   `{"input":1e400}`,
		"neg.json":   `{"max_snapshot_bytes":-1}`,
		"frac.json":  `{"max_snapshot_bytes":1.5}`,
		"key.json":   `{"max_bytes":1}`,
		"name.json":  `{"outcome":"allow","resolver_name":7}`,
		"limit.json": `{"max_snapshot_bytes":8,"manifest_url_timeout_ms":1000}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	base := []string{"--manifest", p("m.yaml"), "--point", "input", "--snapshot", p("s.json")}
	with := func(sub string, extra ...string) []string {
		return append(append([]string{"acs", sub}, base...), extra...)
	}
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no subcommand", []string{"acs"}},
		{"unknown subcommand", []string{"acs", "evaluate"}},
		{"unknown flag", with("eval", "--bogus", "x")},
		{"missing manifest", []string{"acs", "eval", "--point", "input", "--snapshot", p("s.json")}},
		{"missing point", []string{"acs", "eval", "--manifest", p("m.yaml"), "--snapshot", p("s.json")}},
		{"missing snapshot", []string{"acs", "eval", "--manifest", p("m.yaml"), "--point", "input"}},
		{"flag twice", with("eval", "--point", "output")},
		{"flag value missing", with("eval", "--mode")},
		{"positional argument", with("eval", "extra")},
		{"unreadable snapshot", []string{"acs", "eval", "--manifest", p("m.yaml"), "--point", "input", "--snapshot", p("nope.json")}},
		{"unreadable manifest", []string{"acs", "eval", "--manifest", p("nope.yaml"), "--point", "input", "--snapshot", p("s.json")}},
		{"invalid snapshot", []string{"acs", "eval", "--manifest", p("m.yaml"), "--point", "input", "--snapshot", p("bad.json")}},
		{"two values", []string{"acs", "eval", "--manifest", p("m.yaml"), "--point", "input", "--snapshot", p("two.json")}},
		{"number out of range", []string{"acs", "eval", "--manifest", p("m.yaml"), "--point", "input", "--snapshot", p("big.json")}},
		{"invalid stub policy", with("eval", "--stub-policy", p("bad.json"))},
		{"stub annotations not an object", with("eval", "--stub-annotations", p("arr.json"))},
		{"bad mode", with("eval", "--mode", "dry_run")},
		{"bad policy behavior", with("eval", "--stub-policy-behavior", "timeout")},
		{"bad annotator behavior", with("eval", "--stub-annotator-behavior", "slow")},
		{"limits negative", with("eval", "--limits", p("neg.json"))},
		{"limits fraction", with("eval", "--limits", p("frac.json"))},
		{"limits unknown key", with("eval", "--limits", p("key.json"))},
		{"limits not an object", with("eval", "--limits", p("arr.json"))},
		{"approval on eval", with("eval", "--approval", p("name.json"))},
		{"approval not an object", with("enforce", "--approval", p("arr.json"))},
		{"approval resolver_name", with("enforce", "--approval", p("name.json"))},
		{"build without manifest", []string{"acs", "build"}},
		{"build with bad limits", []string{"acs", "build", "--manifest", p("m.yaml"), "--limits", p("key.json")}},
		{"validate without file", []string{"acs", "validate"}},
		{"validate missing file", []string{"acs", "validate", p("nope.yaml")}},
		{"unwritable trace", with("eval", "--stub-policy", p("s.json"), "--trace", filepath.Join(dir, "no", "such", "dir", "t.json"))},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, out, stderr := runCLI(t, tc.args...)
			if code != 2 || out != "" || stderr == "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want 2 with empty stdout", code, out, stderr)
			}
		})
	}
	// Valid limits are not a usage error.
	code, out, _ := runCLI(t, with("eval", "--stub-policy", p("s.json"), "--limits", p("limit.json"))...)
	if code != 0 || decodeObject(t, out)["verdict"].(map[string]any)["reason"] != "runtime_error:resource_limit_exceeded" {
		t.Errorf("exit %d: %s", code, out)
	}
}

// Without stubs the real engines run: the built-in test engine, nothing yet
// for rego, and no annotator engine.
func TestACSEvalRealEngines(t *testing.T) {
	dir := files(t, map[string]string{
		"test.yaml":  "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: deny, reason: fixed}}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input}}\n",
		"rego.yaml":  contractManifest,
		"annot.yaml": "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: allow}}}\nannotators: {a: {type: classifier}}\nintervention_points: {input: {policy: {id: p}, policy_target: $snap.input, annotations: {a: {from: $policy_target}}}}\n",
		"bad.yaml":   "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test}}\n",
		"s.json":     `{"input":"x"}`,
	})
	p := func(n string) string { return filepath.Join(dir, n) }
	for _, tc := range []struct {
		manifest, decision, reason string
		input                      bool
	}{
		{"test.yaml", "deny", "fixed", true},
		{"rego.yaml", "deny", "runtime_error:policy_invocation_failed", true},
		{"annot.yaml", "deny", "runtime_error:annotation_failed", true},
		{"bad.yaml", "deny", "runtime_error:manifest_invalid", false},
	} {
		code, out, _ := runCLI(t, "acs", "eval", "--manifest", p(tc.manifest), "--point", "input", "--snapshot", p("s.json"), "--trace", p("t.json"))
		res := decodeObject(t, out)
		v := res["verdict"].(map[string]any)
		if code != 0 || v["decision"] != tc.decision || v["reason"] != tc.reason || (res["policy_input"] != nil) != tc.input {
			t.Errorf("%s: exit %d %s", tc.manifest, code, out)
		}
		if !tc.input && (res["input_identity"] != nil || res["action_identity"] != nil) {
			t.Errorf("%s: identities on a failed build: %s", tc.manifest, out)
		}
		if _, err := os.Stat(p("t.json")); err != nil {
			t.Errorf("%s: no trace: %v", tc.manifest, err)
		}
	}
}

func TestACSBuild(t *testing.T) {
	dir := files(t, map[string]string{
		"ok.yaml":    contractManifest,
		"empty.yaml": "agent_control_specification_version: 0.3.1-beta\npolicies:\n  p:\n    type: test\n",
		"ext.yaml":   "agent_control_specification_version: 0.3.1-beta\nextends: [./missing.yaml]\n",
		"deep.json":  `{"agent_control_specification_version":"0.3.1-beta","metadata":` + strings.Repeat("[", 70) + strings.Repeat("]", 70) + `}`,
	})
	for file, want := range map[string]string{
		"ok.yaml":    `{"built":true}`,
		"empty.yaml": "runtime_error:manifest_invalid",
		"ext.yaml":   "runtime_error:manifest_invalid",
		"deep.json":  "runtime_error:resource_limit_exceeded",
	} {
		code, out, _ := runCLI(t, "acs", "build", "--manifest", filepath.Join(dir, file))
		v := decodeObject(t, out)
		if code != 0 {
			t.Errorf("%s: exit %d", file, code)
		}
		if want == `{"built":true}` {
			if strings.TrimSpace(out) != want {
				t.Errorf("%s: %s", file, out)
			}
			continue
		}
		verdict, _ := v["verdict"].(map[string]any)
		if v["built"] != false || verdict["decision"] != "deny" || verdict["reason"] != want || verdict["message"] == nil {
			t.Errorf("%s: %s", file, out)
		}
	}
}

func TestACSValidate(t *testing.T) {
	dir := files(t, map[string]string{
		"ok.yaml":   contractManifest,
		"bad.yaml":  "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: custom}}\nintervention_points: {input: {policy: {id: q}, policy_target: $pi.input}, state: {}}\n",
		"base.yaml": "agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test}}\n",
		"ext.yaml":  "agent_control_specification_version: 0.3.1-beta\nextends: [base.yaml]\npolicies: {p: {type: rego}}\n",
	})
	code, out, _ := runCLI(t, "acs", "validate", filepath.Join(dir, "ok.yaml"))
	if code != 0 || !strings.Contains(out, "valid (intervention points: input)") || strings.Contains(out, "warning") {
		t.Errorf("exit %d: %s", code, out)
	}
	code, out, _ = runCLI(t, "acs", "validate", filepath.Join(dir, "bad.yaml"))
	for _, want := range []string{
		"bad.yaml: policies.p.adapter: is required (runtime_error:manifest_invalid)",
		"bad.yaml: intervention_points.input.policy_target: path \"$pi.input\" uses root $pi",
		"bad.yaml: intervention_points.input.policy.id: names no policy",
		"bad.yaml: intervention_points.state: unknown intervention point",
		"invalid (4 problem(s))",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if code != 1 {
		t.Errorf("exit %d", code)
	}
	code, out, _ = runCLI(t, "acs", "validate", filepath.Join(dir, "ext.yaml"))
	if code != 1 || !strings.Contains(out, "conflict for policies.p") {
		t.Errorf("exit %d: %s", code, out)
	}
}

func TestACSHelp(t *testing.T) {
	for _, sub := range []string{"eval", "enforce", "build", "validate"} {
		code, out, _ := runCLI(t, "acs", sub, "--help")
		if code != 0 || !strings.Contains(out, "Examples:") || !strings.Contains(out, "agentgov acs "+sub) {
			t.Errorf("%s --help: exit %d\n%s", sub, code, out)
		}
	}
	code, out, _ := runCLI(t, "acs", "--help")
	if code != 0 || !strings.Contains(out, "validate") {
		t.Errorf("acs --help: %d %s", code, out)
	}
}
