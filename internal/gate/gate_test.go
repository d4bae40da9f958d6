package gate

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/policy/engines"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const testConfig = `
roles:
  SUPPORT: [read, search]
defaults:
  role: READER
  ring: 3
  mode: strict
tools:
  web_search: {ring: 3, permission: search}
  kb_read: {ring: 3, permission: read}
  send_email: {ring: 2, permission: write, clearance: internal}
  delete_user: {ring: 1, permission: delete, clearance: secret}
  http_get: {ring: 3, permission: read}
  notes_write: {ring: 3, permission: write, clearance: internal}
  restart_service: {ring: 1, permission: write, clearance: internal}
  fetch_report:
    ring: 3
    permission: read
    output_schema: {type: object, required: [rows], properties: {rows: {type: array}}}
agents:
  support:
    role: SUPPORT
    allowed_tools: [web_search, kb_*, http_get, fetch_report]
    blocked_patterns:
      - substring: "DROP TABLE"
      - regex: 'rm\s+-rf'
    egress:
      default: deny
      rules: [{host: "*.corp.example", action: allow}]
    rate: {per_second: 1000, burst: 1000, per_tool: {web_search: {per_second: 0.001, burst: 2}}}
    block_on_drift: true
  writer:
    role: WRITER
    ring: 2
    allowed_tools: ["*"]
    require_approval: [send_email]
    data_classification: internal
    limits: {max_tool_calls: 3}
  admin:
    role: ADMIN
    ring: 1
    allowed_tools: ["*"]
    data_classification: confidential
  permissive:
    role: ADMIN
    ring: 1
    mode: permissive
    denied_tools: [delete_*]
  auditor:
    role: READER
    mode: audit
    allowed_tools: [kb_read]
  budget:
    role: WRITER
    allowed_tools: ["*"]
    limits: {max_tokens: 100, max_cost: 1.5, timeout: 1h}
  conc:
    role: WRITER
    allowed_tools: ["*"]
    concurrency: {max: 2}
  empty:
    role: ADMIN
    allowed_tools: []
`

type fixture struct {
	g     *Gate
	log   *audit.Log
	clock *fakeClock
}

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func loadConfig(t testing.TB, src string) *config.Config {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{File: p})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The log is the gate's minimising recorder: a change of either side's
// method set must not silently send decisions down the generic path.
var _ minimisingRecorder = (*audit.Log)(nil)

func newFixture(t testing.TB, src string, mp ManifestLoader) *fixture {
	t.Helper()
	pol, err := Compile(loadConfig(t, src), mp)
	if err != nil {
		t.Fatal(err)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(context.Background(), audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	clock := &fakeClock{t: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	g, err := New(Options{Policy: pol, Recorder: l, Detectors: StandardDetectors(),
		ArgsKey: make([]byte, 32), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{g: g, log: l, clock: clock}
}

func toolCall(name string, args string) map[string]any {
	var a any
	if err := json.Unmarshal([]byte(args), &a); err != nil {
		panic(err)
	}
	return map[string]any{"tool_call": map[string]any{"id": "c-" + name, "name": name, "args": a}}
}

func (f *fixture) check(t testing.TB, agent, point string, snap map[string]any) Decision {
	t.Helper()
	d, err := f.g.Check(context.Background(), &Request{Agent: agent, Session: "s1", Point: point, Snapshot: snap})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestControlsBlockRealRequests(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	cases := []struct {
		name, agent, point string
		snap               map[string]any
		decision, reason   string
	}{
		{"allowed tool", "support", PreToolCall, toolCall("web_search", `{"q":"weather"}`), Allow, ""},
		{"unknown agent", "stranger", PreToolCall, toolCall("web_search", `{}`), Deny, "agent_unknown"},
		{"not in allow-list", "support", PreToolCall, toolCall("send_email", `{}`), Deny, "permission_denied:write"},
		{"uncatalogued tool", "support", PreToolCall, toolCall("shell", `{}`), Deny, "permission_denied:write"},
		{"empty allow-list allows nothing", "empty", PreToolCall, toolCall("kb_read", `{}`), Deny, "tool_not_allowed"},
		{"ring breach", "writer", PreToolCall, toolCall("restart_service", `{}`), Deny, "ring_breach"},
		{"approval required", "writer", PreToolCall, toolCall("send_email", `{"to":"a@corp.example"}`), Escalate, "approval_required"},
		{"write-down", "admin", PreToolCall, toolCall("send_email", `{}`), Deny, "clearance_write_down"},
		{"permissive allows unlisted", "permissive", PreToolCall, toolCall("send_email", `{}`), Allow, ""},
		{"permissive denies denied", "permissive", PreToolCall, toolCall("delete_user", `{}`), Deny, "tool_denied"},
		{"blocked substring", "support", PreToolCall, toolCall("kb_read", `{"sql":"x; drop table users"}`), Deny, "blocked_patterns:blocked_pattern"},
		{"blocked regex in base64", "support", PreToolCall, toolCall("kb_read", `{"cmd":"cm0gLXJmIC8="}`), Deny, "blocked_patterns:blocked_pattern"},
		{"egress denied", "support", PreToolCall, toolCall("http_get", `{"url":"https://evil.example/x"}`), Deny, "egress:egress_denied"},
		{"egress allowed", "support", PreToolCall, toolCall("http_get", `{"url":"https://api.corp.example/x"}`), Allow, ""},
		{"egress host arg", "support", PreToolCall, toolCall("http_get", `{"host":"169.254.169.254"}`), Deny, "egress:egress_denied"},
		{"labels above clearance", "support", PreToolCall, map[string]any{"tool_call": map[string]any{"name": "kb_read", "args": map[string]any{}},
			"ifc": map[string]any{"source_labels": []any{"confidential"}}}, Deny, "ifc_clearance_violation"},
		{"unknown label fails closed", "support", PreToolCall, map[string]any{"tool_call": map[string]any{"name": "kb_read", "args": map[string]any{}},
			"ifc": map[string]any{"source_labels": []any{"top-secret-ish"}}}, Deny, "ifc_clearance_violation"},
		{"non-tool point", "support", Input, map[string]any{"input": "hello"}, Allow, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := f.check(t, c.agent, c.point, c.snap)
			if d.Decision != c.decision || d.Reason != c.reason {
				t.Fatalf("got %s %q (%v), want %s %q", d.Decision, d.Reason, d.Reasons, c.decision, c.reason)
			}
			e, err := f.log.Entry(context.Background(), d.AuditIndex)
			if err != nil {
				t.Fatal(err)
			}
			if e.Type != "decision" || e.Decision != c.decision || e.Agent != c.agent || e.PolicyVersion == "" {
				t.Fatalf("audit entry %+v", e)
			}
			if strings.Contains(string(e.Payload), "drop table") || strings.Contains(string(e.Payload), "evil.example") {
				t.Fatalf("the audit payload holds raw arguments: %s", e.Payload)
			}
		})
	}
	if n := f.g.RingBreaches("writer"); n != 1 {
		t.Fatalf("ring breaches counted: %d", n)
	}
}

func TestEscalateIsNotAllowed(t *testing.T) {
	d := Decision{Decision: Escalate}
	if d.Allowed() {
		t.Fatal("escalate counts as allowed")
	}
}

func TestRateLimitPerTool(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	for i := range 2 {
		if d := f.check(t, "support", PreToolCall, toolCall("web_search", `{}`)); d.Decision != Allow {
			t.Fatalf("call %d: %+v", i, d)
		}
	}
	if d := f.check(t, "support", PreToolCall, toolCall("web_search", `{}`)); d.Reason != "rate_limited:web_search" {
		t.Fatalf("third call: %+v", d)
	}
	if d := f.check(t, "support", PreToolCall, toolCall("kb_read", `{}`)); d.Decision != Allow {
		t.Fatalf("another tool was limited: %+v", d)
	}
}

func TestBudgets(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	for i := range 3 {
		if d := f.check(t, "writer", PreToolCall, toolCall("notes_write", `{}`)); d.Decision != Allow {
			t.Fatalf("call %d: %+v", i, d)
		}
	}
	if d := f.check(t, "writer", PreToolCall, toolCall("notes_write", `{}`)); d.Reason != "budget_exceeded:tool_calls" {
		t.Fatalf("fourth call: %+v", d)
	}
	usage := func(tokens, cost float64) map[string]any {
		return map[string]any{"model_response": map[string]any{"usage": map[string]any{"total_tokens": json.Number(fmt.Sprint(tokens)), "cost": cost}}}
	}
	if d := f.check(t, "budget", PostModelCall, usage(60, 0.5)); d.Decision != Allow {
		t.Fatalf("first usage: %+v", d)
	}
	if d := f.check(t, "budget", PostModelCall, usage(60, 0.5)); d.Reason != "budget_exceeded:tokens" {
		t.Fatalf("usage over budget: %+v", d)
	}
	if d := f.check(t, "budget", PreModelCall, map[string]any{"model_request": map[string]any{}}); d.Reason != "budget_exceeded:tokens" {
		t.Fatalf("a model call after the budget: %+v", d)
	}
	// The session times out after an hour.
	f.clock.add(2 * time.Hour)
	if d := f.check(t, "budget", Input, map[string]any{"input": "x"}); d.Reason != "session_timeout" {
		t.Fatalf("after the timeout: %+v", d)
	}
}

func TestConcurrencySlots(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	call := func(id string) map[string]any {
		return map[string]any{"tool_call": map[string]any{"id": id, "name": "kb_read", "args": map[string]any{}}}
	}
	for _, id := range []string{"a", "b"} {
		if d := f.check(t, "conc", PreToolCall, call(id)); d.Decision != Allow {
			t.Fatalf("%s: %+v", id, d)
		}
	}
	if d := f.check(t, "conc", PreToolCall, call("c")); d.Reason != "concurrency_limit" {
		t.Fatalf("third in flight: %+v", d)
	}
	post := call("a")
	post["tool_result"] = map[string]any{"ok": true}
	if d := f.check(t, "conc", PostToolCall, post); d.Decision != Allow {
		t.Fatalf("post: %+v", d)
	}
	if d := f.check(t, "conc", PreToolCall, call("c")); d.Decision != Allow {
		t.Fatalf("after a release: %+v", d)
	}
}

// A dry run (evaluate_only) holds no slot and spends no tool call.
func TestEvaluateOnlySpendsNothing(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	dry := func(id string) Decision {
		d, err := f.g.Check(context.Background(), &Request{Agent: "conc", Session: "s1", Point: PreToolCall, Mode: "evaluate_only",
			Snapshot: map[string]any{"tool_call": map[string]any{"id": id, "name": "kb_read", "args": map[string]any{}}}})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, id := range []string{"d1", "d2", "d3", "d4"} {
		if d := dry(id); d.Decision != Allow {
			t.Fatalf("dry run %s: %+v", id, d)
		}
	}
	ss := f.g.sessions.get("conc", "s1", 0)
	ss.mu.Lock()
	slots, calls := len(ss.slots), ss.toolCalls
	ss.mu.Unlock()
	if slots != 0 || calls != 0 {
		t.Fatalf("dry runs took %d slots and %d tool calls", slots, calls)
	}
}

// Even a refused agent's entry names the tool and the call it tried.
func TestUnknownAgentEntryNamesTheCall(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	d := f.check(t, "nobody", PreToolCall, map[string]any{"tool_call": map[string]any{"id": "call-9", "name": "kb_read", "args": map[string]any{}}})
	if d.Reason != "agent_unknown" {
		t.Fatalf("%+v", d)
	}
	e, err := f.log.Entry(context.Background(), d.AuditIndex)
	if err != nil || e.Action != "pre_tool_call:kb_read" || !strings.Contains(string(e.Payload), `"call_id":"call-9"`) {
		t.Fatalf("%+v %v", e, err)
	}
}

func TestAuditModeNeverBlocksOnPolicy(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	d := f.check(t, "auditor", PreToolCall, toolCall("web_search", `{}`))
	if d.Decision != Warn || !strings.HasPrefix(d.Reason, "audit_mode:would_deny:") {
		t.Fatalf("audit mode: %+v", d)
	}
	if d := f.check(t, "auditor", PreToolCall, toolCall("kb_read", `{}`)); d.Decision != Allow {
		t.Fatalf("audit mode, allowed tool: %+v", d)
	}
}

type brokenRecorder struct{}

func (brokenRecorder) Append(context.Context, *api.Event, string) (int64, error) {
	return 0, errors.New("disk full")
}

func TestAuditFailureDenies(t *testing.T) {
	pol, err := Compile(loadConfig(t, testConfig), nil)
	if err != nil {
		t.Fatal(err)
	}
	g, err := New(Options{Policy: pol, Recorder: brokenRecorder{}, ArgsKey: make([]byte, 32)})
	if err != nil {
		t.Fatal(err)
	}
	for _, agent := range []string{"support", "auditor"} {
		d, err := g.Check(context.Background(), &Request{Agent: agent, Point: PreToolCall, Snapshot: toolCall("kb_read", `{}`)})
		if err != nil || d.Decision != Deny || d.Reason != "audit_unavailable" {
			t.Fatalf("%s: %+v %v", agent, d, err)
		}
	}
}

type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) Inspect(context.Context, *Inspection) ([]Finding, error) {
	panic("boom")
}

func TestDetectorPanicDenies(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	f.g.detectors = append(f.g.detectors, panicky{})
	if d := f.check(t, "support", PreToolCall, toolCall("kb_read", `{}`)); d.Decision != Deny || d.Reason != "detector_error:panicky" {
		t.Fatalf("%+v", d)
	}
}

func TestPrincipalMustBeAllowedToActForTheAgent(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	d, err := f.g.Check(context.Background(), &Request{Agent: "admin", Point: Input, Snapshot: map[string]any{"input": "x"},
		Principal: Principal{Name: "token:support", Agents: func(id string) bool { return id == "support" }}})
	if err != nil || d.Decision != Deny || d.Reason != "agent_not_authorized" {
		t.Fatalf("%+v %v", d, err)
	}
}

func TestDrift(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	post := func(result string) Decision {
		var r any
		json.Unmarshal([]byte(result), &r)
		return f.check(t, "support", PostToolCall, map[string]any{"tool_call": map[string]any{"name": "fetch_report"}, "tool_result": r})
	}
	if d := post(`{"rows":"not an array"}`); d.Reason != "drift:output_schema" {
		t.Fatalf("schema violation: %+v", d)
	}
	for i := range driftWarmup {
		if d := post(fmt.Sprintf(`{"rows":[{"id":%d,"name":"x"}],"total":%d}`, i, i)); d.Decision != Allow {
			t.Fatalf("normal result %d: %+v", i, d)
		}
	}
	if d := post(`{"rows":[],"error":{"code":"E","hint":"retry later"},"debug":{"trace":[1,2]}}`); d.Reason != "drift:score" {
		t.Fatalf("drifted result: %+v", d)
	}
}

func TestSnapshotAgentIsOverwritten(t *testing.T) {
	var seen map[string]any
	loader := func(string) (ManifestPolicy, string, error) {
		return manifestFunc(func(_ context.Context, _ string, snap map[string]any, _ string) ManifestResult {
			seen = snap
			return ManifestResult{Decision: Allow, Identity: "sha256:x"}
		}), "sha256:m", nil
	}
	f := newFixture(t, strings.Replace(testConfig, "  empty:\n", "  withmanifest:\n    role: ADMIN\n    allowed_tools: [\"*\"]\n    manifest: m.yaml\n  empty:\n", 1), loader)
	snap := toolCall("kb_read", `{}`)
	snap["agent"] = map[string]any{"id": "admin", "role": "ADMIN"}
	d := f.check(t, "withmanifest", PreToolCall, snap)
	if d.Decision != Allow {
		t.Fatalf("%+v", d)
	}
	if id := seen["agent"].(map[string]any)["id"]; id != "withmanifest" {
		t.Fatalf("the manifest saw agent %v", id)
	}
	if snap["agent"].(map[string]any)["id"] != "admin" {
		t.Fatal("the caller's snapshot was modified")
	}
}

type manifestFunc func(context.Context, string, map[string]any, string) ManifestResult

func (f manifestFunc) Evaluate(ctx context.Context, point string, snap map[string]any, mode string) ManifestResult {
	return f(ctx, point, snap, mode)
}

func TestManyAgentsConcurrently(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	var wg sync.WaitGroup
	for w := range 16 {
		wg.Go(func() {
			for i := range 50 {
				agent := []string{"support", "writer", "conc", "admin"}[(w+i)%4]
				d, err := f.g.Check(context.Background(), &Request{Agent: agent, Session: fmt.Sprint(w), Point: PreToolCall, Snapshot: toolCall("kb_read", `{"i":1}`)})
				if err != nil || d.AuditIndex < 0 {
					t.Error(d, err)
				}
			}
		})
	}
	wg.Wait()
	if n, _ := f.log.Size(context.Background()); n != 800 {
		t.Fatalf("%d audit entries, want one per check (800)", n)
	}
}

func TestACSManifestInTheGate(t *testing.T) {
	dir := t.TempDir()
	manifest := `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: test
    verdict: {decision: transform, reason: redact_secret, transform: {path: $policy_target.password, value: "[redacted]"}}
  out:
    type: test
    verdict: {decision: deny, reason: leaked_marker}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy: {id: p}
  output:
    policy_target: $snap.output
    policy: {id: out}
`
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(manifest), 0o600); err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(testConfig, "  empty:\n", "  acsagent:\n    role: ADMIN\n    allowed_tools: [\"*\"]\n    manifest: m.yaml\n  empty:\n", 1)
	f := newFixture(t, src, ACSLoader(context.Background(), dir, engines.Options{}))
	d := f.check(t, "acsagent", PreToolCall, toolCall("kb_read", `{"user":"ann","password":"hunter2"}`))
	if d.Decision != Transform || !d.HasTransformed {
		t.Fatalf("%+v", d)
	}
	if got := d.Transformed.(map[string]any)["password"]; got != "[redacted]" {
		t.Fatalf("transformed %v", d.Transformed)
	}
	if d := f.check(t, "acsagent", Output, map[string]any{"output": "x"}); d.Decision != Deny || d.Reason != "leaked_marker" {
		t.Fatalf("output: %+v", d)
	}
	// Points the manifest does not configure are left to the profile.
	if d := f.check(t, "acsagent", Input, map[string]any{"input": "x"}); d.Decision != Allow {
		t.Fatalf("unconfigured point: %+v", d)
	}
	e, _ := f.log.Entry(context.Background(), d.AuditIndex)
	if !strings.Contains(e.PolicyVersion, "+sha256:") {
		t.Fatalf("policy version lacks the manifest version: %s", e.PolicyVersion)
	}
	// A broken manifest is refused at compile time.
	os.WriteFile(filepath.Join(dir, "m.yaml"), []byte("agent_control_specification_version: 0.3.1-beta\npolicies: {}\n"), 0o600)
	if _, err := Compile(loadConfig(t, src), ACSLoader(context.Background(), dir, engines.Options{})); err == nil {
		t.Fatal("a broken manifest compiled")
	}
}

// Every entry names its action: the point, and the tool of a tool call,
// catalogued or not.
func TestEntryActions(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	for _, tc := range []struct {
		point string
		snap  map[string]any
		want  string
	}{
		{PreToolCall, toolCall("web_search", `{"q":"x"}`), "pre_tool_call:web_search"},
		{PreToolCall, toolCall("shell", `{}`), "pre_tool_call:shell"},
		{PostToolCall, map[string]any{"tool_call": map[string]any{"id": "c9", "name": "uncatalogued_thing"}, "tool_result": "ok"}, "post_tool_call:uncatalogued_thing"},
		{Input, map[string]any{"input": "hello"}, "input"},
	} {
		d := f.check(t, "support", tc.point, tc.snap)
		e, err := f.log.Entry(context.Background(), d.AuditIndex)
		if err != nil || e.Action != tc.want {
			t.Errorf("%s %v: action %q (%v), want %q", tc.point, tc.snap, e.Action, err, tc.want)
		}
	}
}
