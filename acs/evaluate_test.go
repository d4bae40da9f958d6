package acs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

// Every reserved reason the runtime produces at evaluation time, with the
// policy input §6 says must come back: none before step 4, the preliminary
// input when collecting annotations fails, the final input from step 7 on.
func TestEvaluateReservedReasons(t *testing.T) {
	const toolManifest = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
intervention_points:
  pre_tool_call:
    tool_name_from: $snap.tool_call.name
    policy: {id: p}
    policy_target: $snap.tool_call.args
tools:
  search: {type: Tool}
`
	annotated := func(from string) string {
		return `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
annotators: {c: {type: classifier}}
intervention_points:
  input:
    policy: {id: p}
    policy_target: $snap.input
    annotations: {c: {from: "` + from + `"}}
`
	}
	ok := funcAnnotators(func(*AnnotatorCall) (any, error) { return map[string]any{"label": "safe"}, nil })
	withAnn := func(a AnnotatorEngine) Options { return Options{Annotators: a} }
	limits := func(f func(*Limits)) Options {
		l := DefaultLimits()
		f(&l)
		return Options{Limits: l, Annotators: ok}
	}
	deep := strings.Repeat("[", 70) + strings.Repeat("]", 70)
	tests := []struct {
		name     string
		manifest string
		opts     Options
		point    string
		snapshot string
		mode     Mode
		reason   string
		input    string // "none", "preliminary" or "final"
	}{
		{"unknown point name", baseManifest, Options{}, "bogus", `{"input":1}`, "", ReasonInterventionPointUnknown, "none"},
		{"unconfigured point", baseManifest, Options{}, "output", `{"output":1}`, "", ReasonInterventionPointUnknown, "none"},
		{"bad mode", baseManifest, Options{}, "input", `{"input":1}`, "dry_run", ReasonRequestInvalid, "none"},
		{"target missing", baseManifest, Options{}, "input", `{"other":1}`, "", ReasonPathMissing, "none"},
		{"target on non-object", baseManifest, Options{}, "input", `"text"`, "", ReasonPathTypeMismatch, "none"},
		{"tool name not a string", toolManifest, Options{}, "pre_tool_call", `{"tool_call":{"name":{"x":1},"args":{}}}`, "", ReasonPathTypeMismatch, "none"},
		{"tool name missing", toolManifest, Options{}, "pre_tool_call", `{"tool_call":{"args":{}}}`, "", ReasonPathMissing, "none"},
		{"tool unknown", toolManifest, Options{}, "pre_tool_call", `{"tool_call":{"name":"Search","args":{}}}`, "", ReasonToolUnknown, "none"},
		{"snapshot too large", baseManifest, limits(func(l *Limits) { l.MaxSnapshotBytes = 16 }), "input", `{"input":"abcdefghijklmnopqrstuvwxyz"}`, "", ReasonResourceLimitExceeded, "none"},
		{"snapshot too deep", baseManifest, Options{}, "input", `{"input":` + deep + `}`, "", ReasonResourceLimitExceeded, "none"},
		{"policy input too deep", baseManifest, limits(func(l *Limits) { l.MaxPolicyInputDepth = 3 }), "input", `{"input":{"a":{}}}`, "", ReasonResourceLimitExceeded, "none"},
		{"annotator from missing", annotated("$policy_target.text"), withAnn(ok), "input", `{"input":{}}`, "", ReasonPathMissing, "preliminary"},
		{"annotator from type mismatch", annotated("$tool.name"), withAnn(ok), "input", `{"input":{}}`, "", ReasonPathTypeMismatch, "preliminary"},
		{"annotator error", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) { return nil, errors.New("boom") })), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"annotator panic", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) { panic("boom") })), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"no annotator engine", annotated("$policy_target"), Options{}, "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"annotator timeout", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) { return nil, fmt.Errorf("slow: %w", ErrAnnotatorTimeout) })), "input", `{"input":"x"}`, "", ReasonAnnotationTimeout, "preliminary"},
		{"annotator deadline", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) { return nil, context.DeadlineExceeded })), "input", `{"input":"x"}`, "", ReasonAnnotationTimeout, "preliminary"},
		{"annotator output reserved reason", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) {
			return map[string]any{"items": []any{map[string]any{"reason": "runtime_error:path_missing"}}}, nil
		})), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"annotator output too large", annotated("$policy_target"), func() Options {
			o := limits(func(l *Limits) { l.MaxAnnotatorOutputBytes = 8 })
			o.Annotators = funcAnnotators(func(*AnnotatorCall) (any, error) { return "0123456789", nil })
			return o
		}(), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"annotator output too deep", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) {
			return acstest.Decode(t, []byte(deep)), nil
		})), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"annotator output not JSON", annotated("$policy_target"), withAnn(funcAnnotators(func(*AnnotatorCall) (any, error) { return make(chan int), nil })), "input", `{"input":"x"}`, "", ReasonAnnotationFailed, "preliminary"},
		{"too many annotators", annotated("$policy_target"), limits(func(l *Limits) { l.MaxAnnotatorsPerPoint = 0 }), "input", `{"input":"x"}`, "", ReasonResourceLimitExceeded, "preliminary"},
		{"final input too deep", annotated("$policy_target"), func() Options {
			o := limits(func(l *Limits) { l.MaxPolicyInputDepth = 4 })
			o.Annotators = funcAnnotators(func(*AnnotatorCall) (any, error) {
				return map[string]any{"a": map[string]any{"b": map[string]any{}}}, nil
			})
			return o
		}(), "input", `{"input":"x"}`, "", ReasonResourceLimitExceeded, "none"},
		{"policy error", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) { return nil, errors.New("opa exited 1") }}}}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"policy panic", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) { panic("boom") }}}}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"prepare error", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{prepare: func(*PolicySpec) error { return errors.New("bad bundle") }}}}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"no rego engine", strings.Replace(baseManifest, "type: test", "type: rego\n    query: data.x", 1), Options{}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"test policy without verdict", strings.Replace(baseManifest, "    verdict: {decision: allow}\n", "", 1), Options{}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"engine picks output invalid", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) {
			return nil, &Error{Reason: ReasonPolicyOutputInvalid, Message: "advice does not match its schema"}
		}}}}, "input", `{"input":1}`, "", ReasonPolicyOutputInvalid, "final"},
		{"engine may not pick other reasons", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) {
			return nil, &Error{Reason: ReasonToolUnknown}
		}}}}, "input", `{"input":1}`, "", ReasonPolicyInvocationFailed, "final"},
		{"policy output not JSON", baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) { return map[string]any{"decision": struct{}{}}, nil }}}}, "input", `{"input":1}`, "", ReasonPolicyOutputInvalid, "final"},
		{"policy output too large", baseManifest, func() Options {
			o := output(t, `{"decision":"allow","reason":"0123456789"}`)
			o.Limits = DefaultLimits()
			o.Limits.MaxPolicyOutputBytes = 20
			return o
		}(), "input", `{"input":1}`, "", ReasonResourceLimitExceeded, "final"},
		{"oversized invalid output is a limit breach", baseManifest, func() Options {
			o := output(t, `{"decision":"block","reason":"0123456789"}`)
			o.Limits = DefaultLimits()
			o.Limits.MaxPolicyOutputBytes = 20
			return o
		}(), "input", `{"input":1}`, "", ReasonResourceLimitExceeded, "final"},
		{"policy output too deep", baseManifest, output(t, `{"decision":"allow","x":`+deep+`}`), "input", `{"input":1}`, "", ReasonResourceLimitExceeded, "final"},
		{"output not an object", baseManifest, output(t, `"allow"`), "input", `{"input":1}`, "", ReasonPolicyOutputInvalid, "final"},
		{"transform does not resolve", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$policy_target.missing.nested","value":"x"}}`), "input", `{"input":{"count":7}}`, "", ReasonTransformInvalid, "final"},
		{"transform through a scalar", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$policy_target.count.x","value":"x"}}`), "input", `{"input":{"count":7}}`, "", ReasonTransformInvalid, "final"},
		{"transform index past end", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$policy_target[3]","value":"x"}}`), "input", `{"input":[1]}`, "", ReasonTransformInvalid, "final"},
		{"transform on snap", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$snap.input","value":"x"}}`), "input", `{"input":"a"}`, "", ReasonTransformTargetForbidden, "final"},
		{"transform on pi", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$pi.snapshot","value":"x"}}`), "input", `{"input":"a"}`, "", ReasonTransformTargetForbidden, "final"},
		{"transform on tool", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$tool","value":"x"}}`), "input", `{"input":"a"}`, "", ReasonTransformTargetForbidden, "final"},
		{"transformed snapshot too large", baseManifest, func() Options {
			o := output(t, `{"decision":"transform","transform":{"path":"$policy_target","value":"0123456789012345678901234567890123456789"}}`)
			o.Limits = DefaultLimits()
			o.Limits.MaxSnapshotBytes = 40
			return o
		}(), "input", `{"input":"a"}`, "", ReasonResourceLimitExceeded, "final"},
		{"transformed snapshot too large in evaluate_only", baseManifest, func() Options {
			o := output(t, `{"decision":"transform","transform":{"path":"$policy_target","value":"0123456789012345678901234567890123456789"}}`)
			o.Limits = DefaultLimits()
			o.Limits.MaxSnapshotBytes = 40
			return o
		}(), "input", `{"input":"a"}`, EvaluateOnly, ReasonResourceLimitExceeded, "final"},
		{"transform invalid in evaluate_only", baseManifest, output(t, `{"decision":"transform","transform":{"path":"$policy_target.nope","value":1}}`), "input", `{"input":{}}`, EvaluateOnly, ReasonTransformInvalid, "final"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := mustRuntime(t, tc.manifest, tc.opts)
			res := rt.Evaluate(context.Background(), Request{Point: tc.point, Snapshot: acstest.Decode(t, []byte(tc.snapshot)), Mode: tc.mode})
			if res.Err == nil || res.Verdict.Reason != tc.reason || res.Err.Reason != tc.reason {
				t.Fatalf("verdict %+v err %v, want deny %s", res.Verdict, res.Err, tc.reason)
			}
			if res.Verdict.Decision != Deny || res.Verdict.Permits() || res.Verdict.Message != failMessage {
				t.Errorf("verdict %+v is not a fail-closed deny", res.Verdict)
			}
			if res.InputIdentity != "" || res.EnforcedIdentity != "" || res.TransformApplied || res.TransformedPolicyTarget != nil {
				t.Errorf("a failed evaluation carries identities or a transform: %+v", res)
			}
			switch tc.input {
			case "none":
				if res.PolicyInput != nil {
					t.Errorf("policy input %s, want none", canonOf(t, res.PolicyInput))
				}
			case "preliminary":
				if res.PolicyInput == nil || len(res.PolicyInput.Annotations) != 0 {
					t.Errorf("policy input %s, want the preliminary one", canonOf(t, res.PolicyInput))
				}
			case "final":
				if res.PolicyInput == nil {
					t.Errorf("no policy input, want the final one")
				}
			}
			b, err := res.MarshalJSON()
			if err != nil || !json.Valid(b) {
				t.Fatalf("wire result %s: %v", b, err)
			}
		})
	}
}

// Context cancellation before an annotator runs fails closed.
func TestEvaluateCancelledContext(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
annotators: {c: {type: classifier}}
intervention_points:
  input:
    policy: {id: p}
    policy_target: $snap.input
    annotations: {c: {from: $policy_target}}
`
	called := false
	rt := mustRuntime(t, m, Options{Annotators: funcAnnotators(func(*AnnotatorCall) (any, error) { called = true; return 1, nil })})
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	res := rt.Evaluate(ctx, Request{Point: "input", Snapshot: map[string]any{"input": "x"}})
	if res.Verdict.Reason != ReasonAnnotationTimeout || called {
		t.Fatalf("reason %s (annotator called %v), want annotation_timeout before dispatch", res.Verdict.Reason, called)
	}
}

func TestEvaluateSuccessPaths(t *testing.T) {
	tests := []struct {
		name, out, snapshot string
		mode                Mode
		decision            string
		transformed         string // canonical, "" when none
	}{
		{"allow", `{"decision":"allow"}`, `{"input":{"a":1}}`, "", Allow, ""},
		{"warn with labels and evidence", `{"decision":"warn","reason":"r","message":"m","result_labels":["internal"],"evidence":{"artefact":"sha256:00","verification_pointers":{"k":"https://x"}},"extra":1}`, `{"input":1}`, "", Warn, ""},
		{"null members are absent", `{"decision":"deny","reason":null,"message":null,"result_labels":null,"evidence":null,"transform":null}`, `{"input":1}`, "", Deny, ""},
		{"escalate", `{"decision":"escalate","reason":"approval_required"}`, `{"input":1}`, "", Escalate, ""},
		{"transform replaces the whole target", `{"decision":"transform","transform":{"path":"$policy_target","value":null}}`, `{"input":{"a":1}}`, "", Transform, "null"},
		{"transform inside an array", `{"decision":"transform","transform":{"path":"$policy_target.items[1][\"k.x\"]","value":"R"}}`, `{"input":{"items":[0,{"k.x":"v","o":2}]}}`, "", Transform, `{"items":[0,{"k.x":"R","o":2}]}`},
		{"transform evaluate_only", `{"decision":"transform","transform":{"path":"$policy_target.a","value":2}}`, `{"input":{"a":1}}`, EvaluateOnly, Transform, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rt := mustRuntime(t, baseManifest, output(t, tc.out))
			snap := acstest.Decode(t, []byte(tc.snapshot))
			before := acstest.Canon(t, snap)
			res := rt.Evaluate(context.Background(), Request{Point: "input", Snapshot: snap, Mode: tc.mode})
			if res.Err != nil || res.Verdict.Decision != tc.decision {
				t.Fatalf("verdict %+v err %v", res.Verdict, res.Err)
			}
			if !strings.HasPrefix(res.InputIdentity, "sha256:") || len(res.InputIdentity) != 71 {
				t.Errorf("input identity %q", res.InputIdentity)
			}
			got := ""
			if res.TransformApplied {
				got = acstest.Canon(t, res.TransformedPolicyTarget)
			}
			if got != tc.transformed {
				t.Errorf("transformed = %s, want %s", got, tc.transformed)
			}
			if (res.EnforcedIdentity != res.InputIdentity) != res.TransformApplied {
				t.Errorf("identities %s / %s with applied=%v", res.InputIdentity, res.EnforcedIdentity, res.TransformApplied)
			}
			// The caller's snapshot is never modified (§14.2).
			if after := acstest.Canon(t, snap); after != before {
				t.Errorf("snapshot changed: %s -> %s", before, after)
			}
		})
	}
}

func TestVerdictWireForm(t *testing.T) {
	rt := mustRuntime(t, baseManifest, output(t, `{"decision":"warn","reason":"r","message":"m","result_labels":["a","b"],"evidence":{"artefact":"sha256:ab","verification_pointers":{"z":"https://z","a":"https://a"},"ignored":true}}`))
	res := eval(t, rt, "input", `{"input":1}`)
	b, err := res.Verdict.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"decision":"warn","evidence":{"artefact":"sha256:ab","verification_pointers":{"a":"https://a","z":"https://z"}},"message":"m","reason":"r","result_labels":["a","b"]}`
	if string(b) != want {
		t.Errorf("verdict\n got %s\nwant %s", b, want)
	}
}

// The worked examples of the CLI contract: identities byte for byte.
func TestContractIdentities(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: rego
    query: data.acs.verdict
intervention_points:
  input:
    policy:
      id: p
    policy_target: $snap.input
`
	rt := mustRuntime(t, m, output(t, `{"decision":"transform","reason":"pii_redaction","transform":{"path":"$policy_target.text","value":"send account [REDACTED] to support"}}`))
	snap := `{"input":{"metadata":{"channel":"chat"},"text":"send account 1234 to support"}}`
	res := eval(t, rt, "input", snap)
	if res.InputIdentity != "sha256:5570a7fb72a69808363dc398d4f8d2f76bbc81146640a66bf92d6b8205b00a56" ||
		res.EnforcedIdentity != "sha256:681679ee1c241ee7d247956adce1cb87ad4d7d3887414bf1f9befa6f64e02855" {
		t.Errorf("example 1 identities %s / %s", res.InputIdentity, res.EnforcedIdentity)
	}
	res = rt.Evaluate(context.Background(), Request{Point: "input", Snapshot: acstest.Decode(t, []byte(snap)), Mode: EvaluateOnly})
	if res.EnforcedIdentity != res.InputIdentity || res.InputIdentity != "sha256:5570a7fb72a69808363dc398d4f8d2f76bbc81146640a66bf92d6b8205b00a56" {
		t.Errorf("evaluate_only identities %s / %s", res.InputIdentity, res.EnforcedIdentity)
	}

	rt = mustRuntime(t, m, output(t, `{"decision":"escalate"}`))
	res = eval(t, rt, "input", `{"input":"hi"}`)
	const shown = "sha256:15f96b47115f1882b4afd17c71e4163499bd22faf3d6e7d462baddc69620e18d"
	if res.EnforcedIdentity != shown || res.InputIdentity != shown {
		t.Fatalf("example 2 identity %s", res.EnforcedIdentity)
	}
	mutated := *res.PolicyInput
	mutated.Snapshot = map[string]any{"input": "mutated"}
	if id, _ := mutated.Identity(); id != "sha256:7b3dd550b1c66ed488e1c4bb8b8172580bd0732218f88f7e0db280336bc766de" {
		t.Errorf("re-derived identity %s", id)
	}
	if err := rt.CheckApproval(res, shown, &mutated); reasonOf(err) != ReasonApprovalActionMismatch {
		t.Errorf("CheckApproval on a mutated action: %v", err)
	}
	if err := rt.CheckApproval(res, shown, res.PolicyInput); err != nil {
		t.Errorf("CheckApproval on the unchanged action: %v", err)
	}
	if err := rt.CheckApproval(res, "sha256:"+strings.Repeat("0", 64), res.PolicyInput); reasonOf(err) != ReasonApprovalActionMismatch {
		t.Errorf("CheckApproval with a stale approval: %v", err)
	}
	if err := rt.CheckApproval(&Result{Err: &Error{Reason: ReasonPathMissing}}, shown, res.PolicyInput); reasonOf(err) != ReasonApprovalActionMismatch {
		t.Errorf("CheckApproval of a failed result: %v", err)
	}
}

// An approved transform binds to the enforced identity, which covers the
// transformed target.
func TestCheckApprovalTransform(t *testing.T) {
	rt := mustRuntime(t, baseManifest, output(t, `{"decision":"transform","transform":{"path":"$policy_target.a","value":2}}`))
	res := eval(t, rt, "input", `{"input":{"a":1}}`)
	if err := rt.CheckApproval(res, res.EnforcedIdentity, res.PolicyInput); err != nil {
		t.Fatal(err)
	}
	if err := rt.CheckApproval(res, res.InputIdentity, res.PolicyInput); err == nil {
		t.Fatal("approval of the untransformed action accepted")
	}
}

// The $pi root reads the preliminary policy input as a JSON object.
func TestAnnotatorInputs(t *testing.T) {
	const m = `agent_control_specification_version: 0.3.1-beta
policies: {p: {type: test, verdict: {decision: allow}}}
annotators:
  b_whole: {type: llm, model: x}
  a_kind: {type: endpoint, endpoint: "https://a.invalid", extra: 1}
  c_tool: {type: classifier}
  d_snap: {type: classifier}
intervention_points:
  pre_tool_call:
    tool_name_from: $.tool_call.name
    policy_target_kind: tool_args
    policy: {id: p}
    policy_target: $snap.tool_call.args
    annotations:
      b_whole: {from: $pi}
      a_kind: {from: $pi.policy_target.kind, extra: 2}
      c_tool: {from: "$tool[\"name\"]"}
      d_snap: {from: $.tool_call.args.q}
tools: {search: {clearance: internal}}
`
	var calls []*AnnotatorCall
	rt := mustRuntime(t, m, Options{Annotators: funcAnnotators(func(c *AnnotatorCall) (any, error) {
		calls = append(calls, c)
		return c.Name, nil
	})})
	res := eval(t, rt, "pre_tool_call", `{"tool_call":{"name":"search","args":{"q":"x"}}}`)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := []struct {
		name, value string
	}{
		{"a_kind", `"tool_args"`},
		{"b_whole", `{"annotations":{},"intervention_point":"pre_tool_call","policy_target":{"kind":"tool_args","path":"$snap.tool_call.args","value":{"q":"x"}},"snapshot":{"tool_call":{"args":{"q":"x"},"name":"search"}},"tool":{"clearance":"internal","name":"search"}}`},
		{"c_tool", `"search"`},
		{"d_snap", `"x"`},
	}
	if len(calls) != len(want) {
		t.Fatalf("%d calls", len(calls))
	}
	for i, w := range want {
		if calls[i].Name != w.name || acstest.Canon(t, calls[i].Value) != w.value {
			t.Errorf("call %d: %s = %s, want %s = %s", i, calls[i].Name, acstest.Canon(t, calls[i].Value), w.name, w.value)
		}
	}
	if cfg := calls[0].Config; cfg["extra"] != json.Number("2") || cfg["type"] != "endpoint" || cfg["from"] != "$pi.policy_target.kind" {
		t.Errorf("overlaid config %v", cfg)
	}
	if got := acstest.Canon(t, res.PolicyInput.Annotations); got != `{"a_kind":"a_kind","b_whole":"b_whole","c_tool":"c_tool","d_snap":"d_snap"}` {
		t.Errorf("annotations %s", got)
	}
}
