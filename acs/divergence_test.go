package acs

import (
	"context"
	"strings"
	"testing"
)

// Each test pins one choice made where the specification and the reference
// runtime disagree (digest §22), so that moving toward the other side is a
// deliberate change.

func divergenceReason(t *testing.T, out string) string {
	t.Helper()
	rt := mustRuntime(t, baseManifest, output(t, out))
	return eval(t, rt, "input", `{"input":{"x":1}}`).Verdict.Reason
}

// §22.1: a transform without value is transform_invalid (spec), not
// policy_output_invalid (reference). An explicit null is a value.
func TestDivergence1TransformValueMissing(t *testing.T) {
	if r := divergenceReason(t, `{"decision":"transform","transform":{"path":"$policy_target.x"}}`); r != ReasonTransformInvalid {
		t.Errorf("missing value: %s", r)
	}
	if r := divergenceReason(t, `{"decision":"transform","transform":{"path":"$policy_target.x","value":null}}`); r != "" {
		t.Errorf("null value: %s", r)
	}
}

// §22.2: an unparseable transform path or unknown root is transform_invalid
// (spec); "$.x" is the $snap alias, so it is transform_target_forbidden.
func TestDivergence2TransformPath(t *testing.T) {
	for path, want := range map[string]string{
		"$policy_target..x": ReasonTransformInvalid,
		"$policy_target[x]": ReasonTransformInvalid,
		"$policy_targetx":   ReasonTransformInvalid,
		"$target.x":         ReasonTransformInvalid,
		"policy_target.x":   ReasonTransformInvalid,
		"":                  ReasonTransformInvalid,
		"$.x":               ReasonTransformTargetForbidden,
		"$":                 ReasonTransformTargetForbidden,
		"$snap.input.x":     ReasonTransformTargetForbidden,
	} {
		if r := divergenceReason(t, `{"decision":"transform","transform":{"path":"`+path+`","value":1}}`); r != want {
			t.Errorf("path %q: %s, want %s", path, r, want)
		}
	}
}

// §22.3: a transform body that is not an object, or whose path is not a
// string, is policy_output_invalid (reference; the spec is silent).
func TestDivergence3TransformShape(t *testing.T) {
	for _, out := range []string{
		`{"decision":"transform","transform":"$policy_target.x"}`,
		`{"decision":"transform","transform":[]}`,
		`{"decision":"transform","transform":{"path":1,"value":1}}`,
		`{"decision":"transform","transform":{"value":1}}`,
	} {
		if r := divergenceReason(t, out); r != ReasonPolicyOutputInvalid {
			t.Errorf("%s: %s", out, r)
		}
	}
}

// §22.4: cedar transform advice without a body is transform_invalid (spec).
// Mapping advice is the cedar engine's job; the runtime's part is to let an
// engine pick that reason (and no reason outside §12.4).
func TestDivergence4EngineChosenTransformInvalid(t *testing.T) {
	rt := mustRuntime(t, baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) {
		return nil, &Error{Reason: ReasonTransformInvalid, Message: "transform advice without a body"}
	}}}})
	if r := eval(t, rt, "input", `{"input":1}`).Verdict.Reason; r != ReasonTransformInvalid {
		t.Errorf("reason %s", r)
	}
}

// §22.6: tool entries are unconstrained objects; public cases put an object
// in security_labels, which the schema would reject.
func TestDivergence6ToolMembers(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
intervention_points:
  pre_tool_call: {tool_name_from: $snap.tool_call.name, policy: {id: p}, policy_target: $snap.tool_call.args}
tools:
  search: {type: Tool, clearance: internal, security_labels: {sink: retrieval}, id: 7, name: ignored}
`
	res := eval(t, mustRuntime(t, m, Options{}), "pre_tool_call", `{"tool_call":{"name":"search","args":{}}}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if got := res.PolicyInput.Tool; got["name"] != "search" || got["security_labels"] == nil {
		t.Errorf("projected tool %v (name must be the invoked name)", got)
	}
}

// §22.7: the version rule is TestVersionRule. §22.8: approval.timeout_seconds
// 0 is rejected, as the approval schema's minimum says.
func TestDivergence8ApprovalTimeoutZero(t *testing.T) {
	_, err := New(context.Background(), mustDoc(t, baseManifest+"approval: {timeout_seconds: 0}\n"), Options{})
	if reasonOf(err) != ReasonManifestInvalid {
		t.Errorf("timeout_seconds 0: %v", err)
	}
}

// §22.9: reasons come from the §16 tables, never the stale effect_* ones.
func TestDivergence9NoEffectReasons(t *testing.T) {
	for _, r := range allReasons() {
		if strings.Contains(r, "effect") {
			t.Errorf("reason %s", r)
		}
	}
	for _, want := range []string{ReasonTransformInvalid, ReasonTransformTargetForbidden, ReasonApprovalResolverMissing} {
		found := false
		for _, r := range allReasons() {
			found = found || r == want
		}
		if !found {
			t.Errorf("missing %s", want)
		}
	}
}

// §22.10: the streaming failure reason is streaming_unsupported (the Rust
// and Node choice), not adapter_unsupported.
func TestDivergence10StreamingReason(t *testing.T) {
	if ReasonStreamingUnsupported != "runtime_error:streaming_unsupported" {
		t.Error(ReasonStreamingUnsupported)
	}
}

// §22.11: a policy-input depth breach at steps 4 and 6 returns no policy
// input (the reference's choice); TestEvaluateReservedReasons covers both.
func TestDivergence11DepthBreachInput(t *testing.T) {
	l := DefaultLimits()
	l.MaxPolicyInputDepth = 2
	rt := mustRuntime(t, baseManifest, Options{Limits: l})
	res := eval(t, rt, "input", `{"input":{}}`)
	if res.Verdict.Reason != ReasonResourceLimitExceeded || res.PolicyInput != nil {
		t.Errorf("%s with input %v", res.Verdict.Reason, res.PolicyInput)
	}
}

func allReasons() []string {
	return []string{
		ReasonManifestInvalid, ReasonInterventionPointUnknown, ReasonPathMissing, ReasonPathTypeMismatch,
		ReasonToolUnknown, ReasonAnnotationFailed, ReasonAnnotationTimeout, ReasonPolicyInvocationFailed,
		ReasonPolicyOutputInvalid, ReasonTransformInvalid, ReasonTransformTargetForbidden,
		ReasonResourceLimitExceeded, ReasonApprovalActionMismatch, ReasonApprovalResolverMissing,
		ReasonApprovalResolverFailed, ReasonStreamingUnsupported, ReasonAdapterUnsupported, ReasonRequestInvalid,
	}
}
