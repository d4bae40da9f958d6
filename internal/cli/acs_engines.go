package cli

import (
	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/policy/engines"
)

// acsEngines is the one place the acs commands get their real engines
// from (without --stub-* flags): rego and cedar in-process, the built-in
// test engine, and the annotator mux with the endpoint annotator — the same
// set the gate uses (package engines). A policy type without an engine
// fails closed with runtime_error:policy_invocation_failed.
func acsEngines() (map[acs.PolicyType]acs.PolicyEngine, map[string]acs.PolicyEngine, acs.AnnotatorEngine) {
	o, err := engines.Runtime(engines.Options{})
	if err != nil {
		// Only a malformed annotator registration fails, and the
		// registration above is fixed: fall back to the test engine
		// alone, which fails every other policy type closed.
		return map[acs.PolicyType]acs.PolicyEngine{acs.Test: acs.NewTestEngine()}, nil, nil
	}
	return o.Policies, o.Custom, o.Annotators
}
