package acs

import (
	"context"
	"fmt"
)

// NewTestEngine returns the built-in engine for policies of type test
// (§12.1: fixed verdicts for test doubles, not a production engine). New
// registers it unless Options.Policies brings its own.
//
// A test policy returns the value of its "verdict" member verbatim, any
// JSON value, so that it can also exercise normalization failures; a
// "verdict" on the point's binding overrides the definition's:
//
//	policies:
//	  always_deny:
//	    type: test
//	    verdict: {decision: deny, reason: blocked_for_test}
//
// A test policy without a verdict cannot be prepared, so evaluations bound
// to it deny with runtime_error:policy_invocation_failed.
func NewTestEngine() PolicyEngine { return testEngine{} }

type testEngine struct{}

func (testEngine) Prepare(_ context.Context, spec *PolicySpec) (PreparedPolicy, error) {
	v, ok := spec.Binding["verdict"]
	if !ok {
		v, ok = spec.Definition["verdict"]
	}
	if !ok {
		return nil, fmt.Errorf("test policy %q declares no verdict", spec.PolicyID)
	}
	return fixedVerdict{v: v}, nil
}

type fixedVerdict struct{ v any }

func (f fixedVerdict) Eval(context.Context, *PolicyInput, func() []byte) (any, error) {
	return f.v, nil
}
