package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/policy/engines"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/trust"
)

// benchConfig: a strict profile with 20 allowed tools, 10 blocked
// patterns, session limits, rate limits and concurrency.
func benchConfig(agents int) string {
	tools := make([]string, 20)
	for i := range tools {
		tools[i] = fmt.Sprintf("tool_%02d", i)
	}
	return benchProfile(agents, tools, "")
}

// benchProfile is benchConfig's profile over the given tools, with an
// optional ACS manifest.
func benchProfile(agents int, tools []string, manifest string) string {
	var b strings.Builder
	b.WriteString("tools:\n")
	for _, t := range tools {
		fmt.Fprintf(&b, "  %s: {ring: 3, permission: read}\n", t)
	}
	b.WriteString("defaults:\n  role: WRITER\n  ring: 2\n  mode: strict\n  allowed_tools: [")
	b.WriteString(strings.Join(tools, ", "))
	if manifest != "" {
		fmt.Fprintf(&b, "]\n  manifest: %s\n", manifest)
		b.WriteString("  blocked_patterns:\n")
	} else {
		b.WriteString("]\n  blocked_patterns:\n")
	}
	for _, p := range []string{"drop table", "rm -rf", "/etc/passwd", "curl | sh", "base64 -d", "chmod 777", "<script", "169.254.169.254", "password=", "union select"} {
		fmt.Fprintf(&b, "    - substring: %q\n", p)
	}
	b.WriteString("  limits: {max_tool_calls: 1000000000, timeout: 24h}\n")
	b.WriteString("  rate: {per_second: 1000000000, burst: 1000000}\n")
	b.WriteString("  concurrency: {max: 1000000}\n")
	b.WriteString("  detectors: {prompt_injection: {enabled: false}, pii: {enabled: false}, secrets: {enabled: false}, code: {enabled: false}, supply_chain: {enabled: false}}\n")
	b.WriteString("agents:\n")
	for i := range agents {
		fmt.Fprintf(&b, "  agent-%d: {}\n", i)
	}
	return b.String()
}

func benchSnapshot(i int) map[string]any {
	args := map[string]any{}
	for j := range 10 {
		args[fmt.Sprintf("arg%d", j)] = fmt.Sprintf("an ordinary value %d for the tool call", j)
	}
	return map[string]any{"tool_call": map[string]any{"id": fmt.Sprint("call-", i), "name": fmt.Sprintf("tool_%02d", i%20), "args": args}}
}

// BenchmarkGateCheckNative: detectors off apart from the built-in blocked
// patterns, audit to the in-memory store.
func BenchmarkGateCheckNative(b *testing.B) {
	f := newFixture(b, benchConfig(1), nil)
	f.g.detectors = []Detector{PatternDetector{}}
	snaps := make([]map[string]any, 64)
	for i := range snaps {
		snaps[i] = benchSnapshot(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	var ss *session
	for b.Loop() {
		i++
		if i%500_000 == 0 {
			// The fixture's clock stands still; a second passes now and
			// then so that the rate limit's bucket (burst 1,000,000)
			// refills on long runs.
			f.clock.add(time.Second)
		}
		d, err := f.g.Check(ctx, &Request{Agent: "agent-0", Session: "s", Point: PreToolCall, Snapshot: snaps[i%64]})
		if err != nil || d.Decision != Allow {
			b.Fatalf("%+v %v", d, err)
		}
		// Release the slot as the matching post_tool_call would (the
		// session is looked up once: the lookup is the gate's cost, not
		// the loop's).
		if ss == nil {
			ss = f.g.sessions.get("agent-0", "s", 0)
		}
		ss.mu.Lock()
		clear(ss.slots)
		ss.mu.Unlock()
	}
}

// BenchmarkGateCheckParallel: the same with 1,000 agents of four sessions
// each, b.RunParallel, on the wall clock.
func BenchmarkGateCheckParallel(b *testing.B) {
	f := newFixture(b, benchConfig(1000), nil)
	g, err := New(Options{Policy: f.g.Policy(), Recorder: f.log, Detectors: []Detector{PatternDetector{}}, ArgsKey: make([]byte, 32)})
	if err != nil {
		b.Fatal(err)
	}
	snaps := make([]map[string]any, 64)
	for i := range snaps {
		snaps[i] = benchSnapshot(i)
	}
	agents := make([]string, 1000)
	for i := range agents {
		agents[i] = fmt.Sprint("agent-", i)
	}
	sessions := []string{"s0", "s1", "s2", "s3"}
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			i := int(n.Add(1))
			agent, session := agents[i%1000], sessions[(i/1000)%4]
			snap := snaps[i%64]
			d, err := g.Check(ctx, &Request{Agent: agent, Session: session, Point: PreToolCall, Snapshot: snap})
			if err != nil || d.Decision != Allow {
				b.Errorf("%+v %v", d, err)
				return
			}
			// Release the slot as the matching post_tool_call would.
			ss := g.sessions.get(agent, session, 0)
			ss.mu.Lock()
			delete(ss.slots, snap["tool_call"].(map[string]any)["id"].(string))
			ss.mu.Unlock()
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}

// BenchmarkGateCheckRego: BenchmarkGateCheckNative with an ACS rego
// manifest on the profile: the policy, tool names and arguments of the
// rego package's BenchmarkACSEvaluateRego, loaded from its files.
func BenchmarkGateCheckRego(b *testing.B) {
	dir := b.TempDir()
	src := filepath.Join("..", "policy", "rego", "testdata", "bench")
	policy, err := os.ReadFile(filepath.Join(src, "bench.rego"))
	if err != nil {
		b.Fatal(err)
	}
	var args map[string]any
	raw, err := os.ReadFile(filepath.Join(src, "args.json"))
	if err == nil {
		err = json.Unmarshal(raw, &args)
	}
	if err != nil {
		b.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "rego"), 0o700); err != nil {
		b.Fatal(err)
	}
	manifest := `agent_control_specification_version: 0.3.1-beta
tools:
  send_email: {clearance: internal}
policies:
  bench: {type: rego, bundle: ./rego, query: data.bench.verdict}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy_target_kind: tool_args
    tool_name_from: $snap.tool_call.name
    policy: {id: bench}
`
	for name, body := range map[string][]byte{"m.yaml": []byte(manifest), "rego/bench.rego": policy} {
		if err := os.WriteFile(filepath.Join(dir, name), body, 0o600); err != nil {
			b.Fatal(err)
		}
	}
	tools := []string{"search_docs", "read_file", "list_dir", "get_weather", "send_email",
		"create_ticket", "update_ticket", "query_db", "summarize", "translate",
		"calendar_lookup", "calendar_create", "crm_lookup", "crm_update", "fetch_url",
		"run_report", "export_csv", "resize_image", "ocr_image", "lookup_user"}
	f := newFixture(b, benchProfile(1, tools, "m.yaml"), ACSLoader(context.Background(), dir, engines.Options{}))
	f.g.detectors = []Detector{PatternDetector{}}
	snap := map[string]any{"tool_call": map[string]any{"id": "call-3", "name": "send_email", "args": args}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		d, err := f.g.Check(ctx, &Request{Agent: "agent-0", Session: "s", Point: PreToolCall, Snapshot: snap})
		if err != nil || d.Decision != Allow {
			b.Fatalf("%+v %v", d, err)
		}
		ss := f.g.sessions.get("agent-0", "s", 0)
		ss.mu.Lock()
		clear(ss.slots)
		ss.mu.Unlock()
	}
}

// BenchmarkGateCheckDelegated: BenchmarkGateCheckNative with identity and
// delegation on — a principal bound to its agents, the trust score read,
// recorded and fed, and a delegation chain of depth 2 verified from the
// warm cache on every check.
func BenchmarkGateCheckDelegated(b *testing.B) {
	f := newFixture(b, benchConfig(2), nil)
	f.g.detectors = []Detector{PatternDetector{}}
	tm, err := trust.Open(context.Background(), trust.Options{Store: memory.NewTrust(), Recorder: f.log, Now: f.clock.now})
	if err != nil {
		b.Fatal(err)
	}
	defer tm.Close(context.Background())
	f.g.trust = tm
	ps, reg := parties("agent-0", "agent-1", "agent-2")
	v, err := delegation.NewVerifier(delegation.Options{Resolver: reg, Now: f.clock.now})
	if err != nil {
		b.Fatal(err)
	}
	f.g.chains = v
	now := f.clock.now()
	root := signLink(b, ps, "agent-1", "agent-2", "", now, []string{"tool_*"}, []string{"*"})
	raw, err := delegation.Sign(delegation.Claims{ID: "gate-bench-agent-2-agent-0", From: ps["agent-2"].p, To: ps["agent-0"].p,
		Tools: []string{"tool_*"}, Resources: []string{"*"}, Points: []string{PreToolCall},
		IssuedAt: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), MaxDepth: 0, Parent: delegation.Digest(root)}, ps["agent-2"].key)
	if err != nil {
		b.Fatal(err)
	}
	chain := []string{root, raw}
	principal := Principal{Name: "token:bench", Agents: func(id string) bool { return id == "agent-0" }}
	snaps := make([]map[string]any, 64)
	for i := range snaps {
		snaps[i] = benchSnapshot(i)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		d, err := f.g.Check(ctx, &Request{Agent: "agent-0", Session: "s", Point: PreToolCall, Snapshot: snaps[i%64], Principal: principal, Delegation: chain})
		if err != nil || d.Decision != Allow {
			b.Fatalf("%+v %v", d, err)
		}
		ss := f.g.sessions.get("agent-0", "s", 0)
		ss.mu.Lock()
		clear(ss.slots)
		ss.mu.Unlock()
	}
}
