// Package acs is agentgov's runtime of the Agent Control Specification
// (ACS) 0.3.1-beta: a stateless, deterministic, fail-closed evaluator of one
// intervention point of one agent at a time.
//
// A host builds a Runtime once from a manifest (New), then calls Evaluate
// for every intervention point it guards, passing a JSON snapshot of what
// is about to happen. The runtime selects the policy target, projects the
// tool, collects host annotations, calls the bound policy engine, normalizes
// its answer into a Verdict and validates (and in enforce mode applies) a
// transform. Every error on that path is a deny whose reason is one of the
// reserved runtime_error: identifiers; nothing fails open.
//
// The runtime does no I/O: policy engines (rego, cedar, custom adapters) and
// annotators are supplied by the host through the interfaces in contract.go.
// Manifests are read by ParseDocument (one in-memory document) or by the
// file and HTTPS loader in package acs/load, which resolves extends.
//
// JSON values are the values encoding/json produces with UseNumber: nil,
// bool, json.Number, string, []any, map[string]any. Results share memory
// with the snapshot and the manifest; treat everything the runtime returns
// as read-only.
package acs
