package rego_test

import (
	"context"
	"fmt"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/policy/rego"
)

// The engine on its own, as a benchmark or a host would drive it: Prepare
// once per binding, then Eval per final policy input.
func Example() {
	engine := rego.New(rego.Options{Modules: map[string]string{"gate.rego": `package gate

default verdict := {"decision": "allow"}

verdict := {"decision": "deny", "reason": "shouting"} if upper(input.policy_target.value.text) == input.policy_target.value.text
`}})
	prepared, err := engine.Prepare(context.Background(), &acs.PolicySpec{
		Point:      acs.Input,
		PolicyID:   "gate",
		Type:       acs.Rego,
		Definition: map[string]any{"type": "rego"},
		Binding:    map[string]any{"id": "gate"},
		Query:      "data.gate.verdict",
		Source:     acs.Source{Dir: "."},
	})
	if err != nil {
		panic(err)
	}
	for _, text := range []string{"hello", "HELLO"} {
		target := map[string]any{"text": text}
		verdict, err := prepared.Eval(context.Background(), &acs.PolicyInput{
			InterventionPoint: acs.Input,
			PolicyTarget:      acs.PolicyTarget{Kind: "user_input", HasKind: true, Path: "$snap.input", Value: target},
			Snapshot:          map[string]any{"input": target},
		}, nil)
		fmt.Println(verdict, err)
	}
	// Output:
	// map[decision:allow] <nil>
	// map[decision:deny reason:shouting] <nil>
}
