package acs

import (
	"context"
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

const benchManifest = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy_target_kind: tool_args
    policy: {id: p}
    policy_target: $snap.tool_call.args
tools:
  search: {type: Tool, id: search, clearance: [public, customer_profile], security_labels: [customer_profile]}
`

const benchSnapshot = `{"actor":{"id":"user-123","type":"User"},"tool_call":{"id":"call-1","name":"search","args":{
 "query":"account policy","limit":5,"offset":0,"lang":"en","filters":{"region":"eu","tier":"gold"},
 "sort":"relevance","include":["title","body"],"safe":true,"timeout_ms":2500,"trace":null}}}`

// BenchmarkACSBuildPolicyInput measures steps 1 to 6 of §6 for a
// pre_tool_call with ten arguments and a projected tool: snapshot limits,
// policy target, tool projection and the policy input (which references
// the snapshot rather than copying it).
func BenchmarkACSBuildPolicyInput(b *testing.B) {
	rt := mustRuntime(b, benchManifest, Options{})
	snap := acstest.Decode(b, []byte(benchSnapshot))
	req := Request{Point: "pre_tool_call", Snapshot: snap}
	b.ReportAllocs()
	for b.Loop() {
		e := evaluation{rt: rt, ctx: context.Background(), res: &Result{}}
		if e.policyInput(req) == nil {
			b.Fatal(e.res.Err)
		}
	}
}

// BenchmarkACSEvaluate is a whole evaluation with the built-in test
// engine: policy input, dispatch, normalization and the identity hash.
func BenchmarkACSEvaluate(b *testing.B) {
	rt := mustRuntime(b, benchManifest, Options{})
	snap := acstest.Decode(b, []byte(benchSnapshot))
	req := Request{Point: "pre_tool_call", Snapshot: snap}
	b.ReportAllocs()
	for b.Loop() {
		if res := rt.Evaluate(context.Background(), req); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}

// BenchmarkACSEvaluateTransform adds an annotator and an applied
// transform (two identities, copy-on-write of the target).
func BenchmarkACSEvaluateTransform(b *testing.B) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: transform, transform: {path: $policy_target.query, value: redacted}}}}
annotators: {risk: {type: classifier}}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy: {id: p}
    policy_target: $snap.tool_call.args
    annotations: {risk: {from: $policy_target.query}}
tools:
  search: {type: Tool}
`
	out := map[string]any{"risk": "low"}
	rt := mustRuntime(b, m, Options{Annotators: funcAnnotators(func(*AnnotatorCall) (any, error) { return out, nil })})
	snap := acstest.Decode(b, []byte(benchSnapshot))
	req := Request{Point: "pre_tool_call", Snapshot: snap}
	b.ReportAllocs()
	for b.Loop() {
		if res := rt.Evaluate(context.Background(), req); res.Err != nil {
			b.Fatal(res.Err)
		}
	}
}
