package rego

import "github.com/open-policy-agent/opa/v1/ast"

// unsafeBuiltins are the built-ins a policy may not call: they reach outside
// the evaluation (network, DNS, the process environment and configuration).
// ACS evaluation does no I/O of its own (§1.1); the host fetches whatever a
// policy needs and hands it in through the snapshot or annotations. A policy
// calling one fails to compile, so the binding denies with
// runtime_error:policy_invocation_failed instead of doing I/O.
//
// A fresh map per call: OPA keeps the map, and nothing package-level may be
// shared mutable state.
func unsafeBuiltins() map[string]struct{} {
	return map[string]struct{}{
		ast.HTTPSend.Name:        {},
		ast.NetLookupIPAddr.Name: {},
		ast.OPARuntime.Name:      {},
	}
}

// capabilities are OPA's capabilities for this version with an empty
// network allow-list: besides the refused built-ins above, this stops the
// JSON-schema built-ins from dereferencing remote $refs. (A nil AllowNet
// would allow every host; an empty one allows none.)
func capabilities() *ast.Capabilities {
	caps := ast.CapabilitiesForThisVersion()
	caps.AllowNet = []string{}
	return caps
}
