package cedar_test

import (
	"context"
	"fmt"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/policy/cedar"
)

// The engine on its own, as a benchmark or a host would drive it: Prepare
// once per binding, then Eval per final policy input.
func Example() {
	prepared, err := cedar.New(cedar.Options{}).Prepare(context.Background(), &acs.PolicySpec{
		Point:    acs.PreToolCall,
		PolicyID: "tools",
		Type:     acs.Cedar,
		Definition: map[string]any{"type": "cedar", "policy_set": `
permit (principal, action == Action::"pre_tool_call", resource == Tool::"search");

@advice("{\"verdict\": \"escalate\", \"reason\": \"payment\"}")
permit (principal, action == Action::"pre_tool_call", resource == Tool::"pay");
`},
		Binding: map[string]any{"id": "tools"},
		Source:  acs.Source{Dir: "."},
	})
	if err != nil {
		panic(err)
	}
	for _, tool := range []string{"search", "pay", "delete"} {
		args := map[string]any{}
		verdict, err := prepared.Eval(context.Background(), &acs.PolicyInput{
			InterventionPoint: acs.PreToolCall,
			PolicyTarget:      acs.PolicyTarget{Kind: "tool_args", HasKind: true, Path: "$snap.tool_call.args", Value: args},
			Snapshot: map[string]any{
				"envelope":  map[string]any{"agent": map[string]any{"id": "agent-1"}},
				"tool_call": map[string]any{"name": tool, "args": args},
			},
			Tool: map[string]any{"name": tool},
		}, nil)
		fmt.Println(tool, verdict, err)
	}
	// Output:
	// search map[decision:allow] <nil>
	// pay map[decision:escalate reason:payment] <nil>
	// delete map[decision:deny reason:no_matching_policy] <nil>
}
