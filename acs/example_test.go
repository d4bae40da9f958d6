package acs_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/agentgov/agentgov/acs"
)

// A host builds a runtime once from a manifest, then evaluates every tool
// call before it runs. The manifest here uses the built-in test engine; a
// real host plugs in rego, cedar or custom engines through acs.Options.
func Example() {
	manifest := []byte(`
agent_control_specification_version: 0.3.1-beta
policies:
  no_deletes:
    type: test
    verdict: {decision: deny, reason: deletes_need_a_human}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy_target: $snap.tool_call.args
    policy_target_kind: tool_args
    policy: {id: no_deletes}
tools:
  delete_records: {clearance: internal}
`)
	doc, err := acs.ParseDocument(manifest, "manifest.yaml")
	if err != nil {
		panic(err)
	}
	rt, err := acs.New(context.Background(), doc, acs.Options{})
	if err != nil {
		panic(err)
	}

	// Snapshots are JSON values decoded with UseNumber.
	dec := json.NewDecoder(strings.NewReader(`{"tool_call": {"name": "delete_records", "args": {"table": "customers"}}}`))
	dec.UseNumber()
	var snapshot any
	if err := dec.Decode(&snapshot); err != nil {
		panic(err)
	}
	res := rt.Evaluate(context.Background(), acs.Request{Point: "pre_tool_call", Snapshot: snapshot})
	fmt.Println(res.Verdict.Decision, res.Verdict.Reason, res.Verdict.Permits())
	fmt.Println(res.PolicyInput.Tool["name"], res.ActionIdentity()[:7])

	// An unknown tool never reaches the policy: the runtime fails closed.
	res = rt.Evaluate(context.Background(), acs.Request{Point: "pre_tool_call", Snapshot: map[string]any{
		"tool_call": map[string]any{"name": "drop_database", "args": map[string]any{}},
	}})
	fmt.Println(res.Verdict.Decision, res.Verdict.Reason)
	// Output:
	// deny deletes_need_a_human false
	// delete_records sha256:
	// deny runtime_error:tool_unknown
}
