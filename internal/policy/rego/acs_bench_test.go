package rego

import (
	"context"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// benchManifest is the runtime's view of the benchmark: the same policy
// bound at pre_tool_call, with the tool catalogued so that it is projected.
const benchManifest = `agent_control_specification_version: 0.3.1-beta
tools:
  send_email: {clearance: internal}
policies:
  bench: {type: rego, query: data.bench.verdict}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy_target_kind: tool_args
    tool_name_from: $snap.tool_call.name
    policy: {id: bench}
`

// BenchmarkACSEvaluateRego is BenchmarkOPAPreparedBare's policy and input
// through the whole ACS runtime: policy target and tool projection, policy
// input, the rego engine, verdict normalization and both identities. Its
// cost minus BenchmarkOPAPreparedBare's is what the runtime adds.
func BenchmarkACSEvaluateRego(b *testing.B) {
	ctx := context.Background()
	doc, err := acs.ParseDocument([]byte(benchManifest), "bench.yaml")
	if err != nil {
		b.Fatal(err)
	}
	rt, err := acs.New(ctx, doc, acs.Options{Policies: map[acs.PolicyType]acs.PolicyEngine{
		acs.Rego: New(Options{Modules: map[string]string{"bench.rego": benchPolicy}}),
	}})
	if err != nil {
		b.Fatal(err)
	}
	snap := benchInput().Snapshot
	req := acs.Request{Point: string(acs.PreToolCall), Snapshot: snap, Mode: acs.Enforce}
	if res := rt.Evaluate(ctx, req); res.Verdict.Decision != acs.Allow {
		b.Fatalf("%+v", res.Verdict)
	}
	b.ReportAllocs()
	for b.Loop() {
		if res := rt.Evaluate(ctx, req); res.Verdict.Decision != acs.Allow {
			b.Fatalf("%+v", res.Verdict)
		}
	}
}
