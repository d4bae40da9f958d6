package cedar

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/load"
)

// BenchmarkACSEvaluateCedar is BenchmarkCedarBare's policy and data through
// the whole ACS runtime (target, tool projection, policy input, the cedar
// engine, normalization, identities).
func BenchmarkACSEvaluateCedar(b *testing.B) {
	ctx := context.Background()
	dir := b.TempDir()
	files := map[string]string{
		"bench.cedar":   benchPolicyVariants()[benchVariant],
		"entities.json": benchEntities(),
		"manifest.yaml": `agent_control_specification_version: 0.3.1-beta
tools:
  send_email: {clearance: internal}
policies:
  bench: {type: cedar, policy_path: ./bench.cedar, entities_path: ./entities.json}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy_target_kind: tool_args
    tool_name_from: $snap.tool_call.name
    policy: {id: bench}
`,
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	doc, err := load.File(ctx, filepath.Join(dir, "manifest.yaml"), load.Options{})
	if err != nil {
		b.Fatal(err)
	}
	rt, err := acs.New(ctx, doc, acs.Options{Policies: map[acs.PolicyType]acs.PolicyEngine{acs.Cedar: New(Options{})}})
	if err != nil {
		b.Fatal(err)
	}
	req := acs.Request{Point: string(acs.PreToolCall), Snapshot: benchInput().Snapshot, Mode: acs.Enforce}
	if res := rt.Evaluate(ctx, req); res.Verdict.Decision != acs.Allow {
		b.Fatalf("%+v %v", res.Verdict, strings.TrimSpace(res.Verdict.Message))
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := rt.Evaluate(ctx, req); res.Verdict.Decision != acs.Allow {
			b.Fatalf("%+v", res.Verdict)
		}
	}
}
