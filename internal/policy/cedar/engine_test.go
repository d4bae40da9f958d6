package cedar

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// toolInput is a pre_tool_call policy input with an AGT envelope; the
// policy target is the snapshot's args object itself.
func toolInput(agent, tool string, args map[string]any) *acs.PolicyInput {
	snap := map[string]any{
		"tool_call": map[string]any{"id": "call-1", "name": tool, "args": args},
	}
	if agent != "" {
		snap["envelope"] = map[string]any{"agent": map[string]any{"id": agent, "version": "1.0"}, "session": map[string]any{"id": "s-1"}}
	}
	return &acs.PolicyInput{
		InterventionPoint: acs.PreToolCall,
		PolicyTarget:      acs.PolicyTarget{Kind: "tool_args", HasKind: true, Path: "$snap.tool_call.args", Value: args},
		Snapshot:          snap,
		Annotations:       map[string]any{},
		Tool:              map[string]any{"name": tool},
	}
}

// outputInput is an output-point policy input.
func outputInput(agent, text string) *acs.PolicyInput {
	out := map[string]any{"text": text}
	return &acs.PolicyInput{
		InterventionPoint: acs.Output,
		PolicyTarget:      acs.PolicyTarget{Kind: "assistant_output", HasKind: true, Path: "$snap.output", Value: out},
		Snapshot:          map[string]any{"envelope": map[string]any{"agent": map[string]any{"id": agent}}, "output": out},
		Annotations:       map[string]any{},
	}
}

func inlineSpec(policies string) *acs.PolicySpec {
	return &acs.PolicySpec{
		Point:      acs.PreToolCall,
		PolicyID:   "c",
		Type:       acs.Cedar,
		Definition: map[string]any{"type": "cedar", "policy_set": policies},
		Binding:    map[string]any{"id": "c"},
		Source:     acs.Source{Dir: "testdata"},
	}
}

func prepare(t testing.TB, spec *acs.PolicySpec) acs.PreparedPolicy {
	t.Helper()
	p, err := New(Options{}).Prepare(context.Background(), spec)
	if err != nil {
		t.Fatalf("Prepare: %v", err)
	}
	return p
}

func eval(t testing.TB, p acs.PreparedPolicy, in *acs.PolicyInput) any {
	t.Helper()
	v, err := p.Eval(context.Background(), in, nil)
	if err != nil {
		t.Fatalf("Eval: %v", err)
	}
	return v
}

// reasonOf returns the acs.Error reason of err, or "".
func reasonOf(err error) string {
	var e *acs.Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func verdict(decision, reason string) map[string]any {
	v := map[string]any{"decision": decision}
	if reason != "" {
		v["reason"] = reason
	}
	return v
}

func TestAllowDeny(t *testing.T) {
	p := prepare(t, inlineSpec(`
permit (principal, action == Action::"pre_tool_call", resource == Tool::"search");

forbid (principal == Agent::"mallory", action, resource);

@id("no_deletes")
forbid (principal, action, resource == Tool::"delete");

@id("   ")
forbid (principal, action, resource == Tool::"drop");
`))
	for _, tt := range []struct {
		agent, tool string
		want        map[string]any
	}{
		{"alice", "search", verdict("allow", "")},
		{"mallory", "search", verdict("deny", "policy1")},     // no @id: the policy id
		{"alice", "delete", verdict("deny", "no_deletes")},    // @id
		{"mallory", "delete", verdict("deny", "policy1")},     // first contributing, in order
		{"alice", "drop", verdict("deny", "policy3")},         // blank @id: the policy id
		{"alice", "fetch", verdict("deny", NoMatchingPolicy)}, // nothing matched
	} {
		if got := eval(t, p, toolInput(tt.agent, tt.tool, map[string]any{})); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s/%s: got %v, want %v", tt.agent, tt.tool, got, tt.want)
		}
	}
}

func TestAdvice(t *testing.T) {
	p := prepare(t, inlineSpec(`
@advice("{\"verdict\": \"warn\", \"reason\": \"low_confidence\", \"message\": null}")
permit (principal, action, resource == Tool::"warned");

@advice("{\"verdict\": \"escalate\", \"reason\": \"human_review\", \"message\": \"needs sign-off\"}")
permit (principal, action, resource == Tool::"escalated");

@advice("{\"verdict\": \"transform\", \"reason\": \"scrub\", \"transform\": {\"path\": \"$policy_target.q\", \"value\": {\"redacted\": [1, 2.5]}}}")
permit (principal, action, resource == Tool::"transformed");

permit (principal, action, resource == Tool::"plain");

// Several advices: the most restrictive wins.
@advice("{\"verdict\": \"warn\"}")
permit (principal, action, resource == Tool::"mixed");
@advice("{\"verdict\": \"escalate\", \"reason\": \"first_escalate\"}")
permit (principal, action, resource == Tool::"mixed");
@advice("{\"verdict\": \"transform\", \"transform\": {\"path\": \"$policy_target\", \"value\": null}}")
permit (principal, action, resource == Tool::"mixed");
@advice("{\"verdict\": \"escalate\", \"reason\": \"second_escalate\"}")
permit (principal, action, resource == Tool::"mixed");

// Advice on a forbid means nothing.
@advice("{\"verdict\": \"warn\"}")
forbid (principal, action, resource == Tool::"forbidden");
`))
	for _, tt := range []struct {
		tool string
		want map[string]any
	}{
		{"warned", map[string]any{"decision": "warn", "reason": "low_confidence"}},
		{"escalated", map[string]any{"decision": "escalate", "reason": "human_review", "message": "needs sign-off"}},
		{"transformed", map[string]any{"decision": "transform", "reason": "scrub",
			"transform": map[string]any{"path": "$policy_target.q", "value": map[string]any{"redacted": []any{json.Number("1"), json.Number("2.5")}}}}},
		{"plain", verdict("allow", "")},
		{"mixed", map[string]any{"decision": "escalate", "reason": "first_escalate"}},
		{"forbidden", verdict("deny", "policy8")},
	} {
		got := eval(t, p, toolInput("a", tt.tool, map[string]any{"q": "x"}))
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %#v, want %#v", tt.tool, got, tt.want)
		}
		// Editing the returned verdict does not change the next one.
		if m, ok := got.(map[string]any)["transform"].(map[string]any); ok {
			m["value"].(map[string]any)["redacted"] = "tampered"
			again := eval(t, p, toolInput("a", tt.tool, map[string]any{"q": "x"}))
			if !reflect.DeepEqual(again, tt.want) {
				t.Errorf("%s: verdict changed after the caller edited it: %#v", tt.tool, again)
			}
		}
	}
}

func TestInvalidAdvice(t *testing.T) {
	for _, tt := range []struct {
		advice, reason string
	}{
		{`not json`, acs.ReasonPolicyOutputInvalid},
		{`["warn"]`, acs.ReasonPolicyOutputInvalid},
		{`{"reason": "no verdict"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "approve"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "deny"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "allow"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn", "reason": 7}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn", "message": true}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn", "extra": 1}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn", "reason": "runtime_error:policy_output_invalid"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn", "transform": {"path": "$policy_target", "value": 1}}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "warn"} {"x": 1}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "transform", "transform": "$policy_target"}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "transform", "transform": {"path": 1, "value": 1}}`, acs.ReasonPolicyOutputInvalid},
		{`{"verdict": "transform", "transform": {"path": "$policy_target", "value": 1, "op": "set"}}`, acs.ReasonPolicyOutputInvalid},
		// §12.4 (digest 22.4: the spec, not the reference).
		{`{"verdict": "transform"}`, acs.ReasonTransformInvalid},
		{`{"verdict": "transform", "transform": null}`, acs.ReasonTransformInvalid},
		{`{"verdict": "transform", "transform": {"path": "$policy_target.q"}}`, acs.ReasonTransformInvalid},
		{`{"verdict": "transform", "transform": {"path": "$target.q", "value": 1}}`, acs.ReasonTransformInvalid},
		{`{"verdict": "transform", "transform": {"path": "$policy_target..q", "value": 1}}`, acs.ReasonTransformInvalid},
		{`{"verdict": "transform", "transform": {"path": "$snap.tool_call.args.q", "value": 1}}`, acs.ReasonTransformTargetForbidden},
		{`{"verdict": "transform", "transform": {"path": "$.tool_call", "value": 1}}`, acs.ReasonTransformTargetForbidden},
		{`{"verdict": "transform", "transform": {"path": "$pi.snapshot", "value": 1}}`, acs.ReasonTransformTargetForbidden},
		{`{"verdict": "transform", "transform": {"path": "$tool.name", "value": 1}}`, acs.ReasonTransformTargetForbidden},
	} {
		t.Run(tt.advice, func(t *testing.T) {
			text := fmt.Sprintf("@advice(%q)\npermit (principal, action, resource == Tool::\"x\");\n\n@advice(%q)\npermit (principal, action, resource == Tool::\"never\");\n\npermit (principal, action, resource == Tool::\"y\");", tt.advice, tt.advice)
			p := prepare(t, inlineSpec(text))
			_, err := p.Eval(context.Background(), toolInput("a", "x", map[string]any{"q": "v"}), nil)
			if got := reasonOf(err); got != tt.reason {
				t.Fatalf("err = %v (reason %q), want reason %q", err, got, tt.reason)
			}
			// Bad advice on a permit that does not contribute is harmless.
			if got := eval(t, p, toolInput("a", "y", map[string]any{})); !reflect.DeepEqual(got, verdict("allow", "")) {
				t.Fatalf("y: %v", got)
			}
		})
	}
}

func TestMissingEnvelope(t *testing.T) {
	p := prepare(t, inlineSpec(`permit (principal, action, resource);`))
	for name, snap := range map[string]any{
		"no envelope":  map[string]any{"tool_call": map[string]any{}},
		"no agent":     map[string]any{"envelope": map[string]any{}},
		"no id":        map[string]any{"envelope": map[string]any{"agent": map[string]any{}}},
		"numeric id":   map[string]any{"envelope": map[string]any{"agent": map[string]any{"id": json.Number("7")}}},
		"not a object": "snapshot",
	} {
		in := toolInput("a", "search", map[string]any{})
		in.Snapshot = snap
		_, err := p.Eval(context.Background(), in, nil)
		if reasonOf(err) != acs.ReasonPolicyInvocationFailed {
			t.Errorf("%s: err = %v, want %s", name, err, acs.ReasonPolicyInvocationFailed)
		}
	}
}

func TestResourceMapping(t *testing.T) {
	p := prepare(t, inlineSpec(`
@id("tool") forbid (principal, action == Action::"pre_tool_call", resource == Tool::"search");
@id("output") forbid (principal, action == Action::"output", resource == PolicyTarget::"assistant_output");
@id("unspecified") forbid (principal, action == Action::"input", resource == PolicyTarget::"unspecified");
@id("tool_point_without_tool") forbid (principal, action == Action::"post_tool_call", resource == PolicyTarget::"tool_result");
`))
	if got := eval(t, p, toolInput("a", "search", map[string]any{})); !reflect.DeepEqual(got, verdict("deny", "tool")) {
		t.Errorf("tool point: %v", got)
	}
	if got := eval(t, p, outputInput("a", "hi")); !reflect.DeepEqual(got, verdict("deny", "output")) {
		t.Errorf("output: %v", got)
	}
	in := outputInput("a", "hi")
	in.InterventionPoint, in.PolicyTarget.HasKind, in.PolicyTarget.Kind = acs.Input, false, ""
	if got := eval(t, p, in); !reflect.DeepEqual(got, verdict("deny", "unspecified")) {
		t.Errorf("no kind: %v", got)
	}
	in = toolInput("a", "search", map[string]any{})
	in.InterventionPoint, in.Tool, in.PolicyTarget.Kind = acs.PostToolCall, nil, "tool_result"
	if got := eval(t, p, in); !reflect.DeepEqual(got, verdict("deny", "tool_point_without_tool")) {
		t.Errorf("tool point, no tool projected: %v", got)
	}
}

func TestContextMapping(t *testing.T) {
	p := prepare(t, inlineSpec(`
@id("envelope_leaked") forbid (principal, action, resource) when { context has envelope };
@id("risky") forbid (principal, action, resource) when { context.annotations has risk && context.annotations.risk.score.greaterThan(decimal("0.5")) };
@id("count") forbid (principal, action, resource) when { context.tool_call.args has n && context.tool_call.args.n >= 10 };
@id("label") forbid (principal, action, resource) when { context.tool_call.args has labels && context.tool_call.args.labels.contains("secret") };
@id("null_member") forbid (principal, action, resource) when { context.tool_call.args has gone };
permit (principal, action, resource);
`))
	allow := verdict("allow", "")
	check := func(name string, args, ann map[string]any, want map[string]any) {
		t.Helper()
		in := toolInput("a", "search", args)
		in.Annotations = ann
		if got := eval(t, p, in); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	check("plain", map[string]any{"q": "x"}, nil, allow)
	check("low risk", map[string]any{}, map[string]any{"risk": map[string]any{"score": json.Number("0.25")}}, allow)
	check("high risk", map[string]any{}, map[string]any{"risk": map[string]any{"score": json.Number("0.75")}}, verdict("deny", "risky"))
	check("long", map[string]any{"n": json.Number("10")}, nil, verdict("deny", "count"))
	check("short", map[string]any{"n": json.Number("9")}, nil, allow)
	check("set", map[string]any{"labels": []any{"public", "secret", "secret"}}, nil, verdict("deny", "label"))
	check("null dropped", map[string]any{"gone": nil}, nil, allow)

	in := toolInput("a", "search", map[string]any{"labels": []any{"x", nil}})
	if _, err := p.Eval(context.Background(), in, nil); err == nil {
		t.Error("null in a set: want an error")
	}
	in = toolInput("a", "search", map[string]any{})
	in.Snapshot.(map[string]any)["annotations"] = map[string]any{}
	if _, err := p.Eval(context.Background(), in, nil); err == nil || !strings.Contains(err.Error(), "collides") {
		t.Errorf("snapshot annotations member: err = %v", err)
	}
	in = toolInput("a", "search", map[string]any{"n": json.Number("1e400")})
	if _, err := p.Eval(context.Background(), in, nil); err == nil {
		t.Error("number out of range: want an error")
	}
}

func TestEvaluationErrorFailsClosed(t *testing.T) {
	// Cedar skips a policy whose condition errors; here the evaluation
	// fails instead, or this forbid would silently stop applying.
	p := prepare(t, inlineSpec(`
@id("must_not_skip") forbid (principal, action, resource) when { context.tool_call.args.missing == 1 };
permit (principal, action, resource);
`))
	_, err := p.Eval(context.Background(), toolInput("a", "search", map[string]any{}), nil)
	if err == nil || !strings.Contains(err.Error(), "must_not_skip") {
		t.Fatalf("err = %v", err)
	}
	if reasonOf(err) != "" {
		t.Fatalf("an evaluation error is a plain error (policy_invocation_failed), got %v", err)
	}
}

func TestEntitiesFile(t *testing.T) {
	spec := inlineSpec(`
permit (principal, action, resource in ToolGroup::"approved") when { resource.max_results >= 5 };
`)
	spec.Definition["entities_path"] = "entities.json"
	p := prepare(t, spec)
	for tool, want := range map[string]string{"search": "allow", "fetch": "deny", "other": "deny"} {
		if got := eval(t, p, toolInput("a", tool, map[string]any{})).(map[string]any)["decision"]; got != want {
			t.Errorf("%s: %v, want %s", tool, got, want)
		}
	}
	spec.Definition["entities_path"] = "nope.json"
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Error("missing entities file: want an error")
	}
	spec.Definition["entities_path"] = "schema.cedarschema"
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Error("invalid entities file: want an error")
	}
}

func TestPolicyDirectory(t *testing.T) {
	spec := &acs.PolicySpec{
		Point:      acs.PreToolCall,
		PolicyID:   "dir",
		Type:       acs.Cedar,
		Definition: map[string]any{"type": "cedar", "policy_path": "policies", "entities_path": "entities.json"},
		Binding:    map[string]any{"id": "dir"},
		Source:     acs.Source{Dir: "testdata"},
	}
	p := prepare(t, spec)
	for _, tt := range []struct {
		agent, tool string
		args        map[string]any
		want        map[string]any
	}{
		{"a", "search", map[string]any{"cmd": "ls"}, verdict("allow", "")},
		{"a", "search", map[string]any{"cmd": "rm -rf /"}, verdict("deny", "shell_in_args")},
		{"intern", "search", map[string]any{}, verdict("deny", "policy2")}, // numbered across files
		{"a", "unknown", map[string]any{}, verdict("deny", NoMatchingPolicy)},
	} {
		if got := eval(t, p, toolInput(tt.agent, tt.tool, tt.args)); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s/%s: got %v, want %v", tt.agent, tt.tool, got, tt.want)
		}
	}
	// A single file.
	spec.Definition = map[string]any{"type": "cedar", "policy_path": "policies/more/b_forbid.cedar"}
	p = prepare(t, spec)
	if got := eval(t, p, toolInput("intern", "x", map[string]any{})); !reflect.DeepEqual(got, verdict("deny", "policy0")) {
		t.Errorf("single file: %v", got)
	}
	// Absolute paths work.
	abs, _ := filepath.Abs("testdata/policies")
	spec.Definition = map[string]any{"type": "cedar", "policy_path": abs}
	spec.Source.Dir = t.TempDir()
	prepare(t, spec)
}

func TestSchema(t *testing.T) {
	spec := inlineSpec(`permit (principal, action == Action::"pre_tool_call", resource) when { resource.max_results > 1 };`)
	spec.Definition["entities_path"] = "entities.json"
	spec.Definition["schema_path"] = "schema.cedarschema"
	p := prepare(t, spec)
	if got := eval(t, p, toolInput("a", "search", map[string]any{"q": "x"})); !reflect.DeepEqual(got, verdict("allow", "")) {
		t.Fatalf("valid request: %v", got)
	}
	// Records are closed under a schema: an undeclared argument is rejected.
	if _, err := p.Eval(context.Background(), toolInput("a", "search", map[string]any{"other": "x"}), nil); err == nil {
		t.Fatal("undeclared context member: want an error")
	}
	// Policies are validated at Prepare.
	bad := inlineSpec(`permit (principal, action == Action::"pre_tool_call", resource) when { resource.no_such_attr == 1 };`)
	bad.Definition["schema_path"] = "schema.cedarschema"
	if _, err := New(Options{}).Prepare(context.Background(), bad); err == nil {
		t.Fatal("policy not matching the schema: want a Prepare error")
	}
	bad.Definition["schema_path"] = "entities.json"
	if _, err := New(Options{}).Prepare(context.Background(), bad); err == nil {
		t.Fatal("invalid schema: want a Prepare error")
	}
}

func TestRequestTemplates(t *testing.T) {
	base := func() *acs.PolicySpec {
		return inlineSpec(`
@id("user_alice") forbid (principal == User::"alice", action, resource);
@id("custom_action") forbid (principal, action == Action::"invoke", resource == Tool::"search");
@id("doc") forbid (principal, action, resource == Document::"d1");
@id("ctx") forbid (principal, action, resource) when { context has only && context.only == "x" };
@id("ctx_member") forbid (principal, action, resource) when { context has tier && context.tier == "gold" };
permit (principal, action, resource);
`)
	}
	in := func() *acs.PolicyInput {
		in := toolInput("", "fetch", map[string]any{"q": "x"}) // no envelope
		in.Snapshot.(map[string]any)["user"] = map[string]any{"id": "alice", "doc": map[string]any{"type": "Document", "id": "d1"}}
		in.Annotations = map[string]any{"actor": map[string]any{"tier": "gold"}}
		return in
	}
	for _, tt := range []struct {
		name      string
		def, bind map[string]any
		want      map[string]any
	}{
		{"binding principal path", nil, map[string]any{"principal": "$snap.user.id", "context": map[string]any{}}, verdict("allow", "")},
		{"typed principal", nil, map[string]any{"principal": map[string]any{"type": "User", "from": "$.user.id"}}, verdict("deny", "user_alice")},
		{"definition query", map[string]any{"principal": `User::"alice"`}, nil, verdict("deny", "user_alice")},
		{"binding query beats definition query",
			map[string]any{"principal": `User::"alice"`},
			map[string]any{"query": map[string]any{"principal": map[string]any{"type": "Agent", "id": "bob"}}},
			verdict("allow", "")},
		{"binding member beats binding query",
			nil,
			map[string]any{"query": map[string]any{"principal": `Agent::"bob"`}, "principal": `User::"alice"`},
			verdict("deny", "user_alice")},
		{"action and resource", map[string]any{"principal": `Agent::"x"`, "action": `Action::"invoke"`, "resource": `Tool::"search"`}, nil, verdict("deny", "custom_action")},
		{"entity object from a path", map[string]any{"principal": `Agent::"x"`, "resource": "$snap.user.doc"}, nil, verdict("deny", "doc")},
		{"context path", map[string]any{"principal": `Agent::"x"`, "context": "$policy_target"}, nil, verdict("allow", "")},
		{"context members", map[string]any{"principal": `Agent::"x"`, "context": map[string]any{"only": "$policy_target.q"}}, nil, verdict("deny", "ctx")},
		{"context from annotations", map[string]any{"principal": `Agent::"x"`, "context": "$pi.annotations.actor"}, nil, verdict("deny", "ctx_member")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			spec := base()
			if tt.def != nil {
				spec.Definition["query"] = tt.def
			}
			for k, v := range tt.bind {
				spec.Binding[k] = v
			}
			p := prepare(t, spec)
			if got := eval(t, p, in()); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}

	// Evaluation-time failures.
	for name, bind := range map[string]map[string]any{
		"path missing":     {"principal": "$snap.user.nope"},
		"not a string":     {"principal": "$snap.user"},
		"typed non-string": {"principal": map[string]any{"type": "User", "from": "$snap.user"}},
		"context no obj":   {"principal": `Agent::"x"`, "context": "$snap.user.id"},
		"member missing":   {"principal": `Agent::"x"`, "context": map[string]any{"a": "$snap.nope"}},
	} {
		spec := base()
		for k, v := range bind {
			spec.Binding[k] = v
		}
		p := prepare(t, spec)
		if _, err := p.Eval(context.Background(), in(), nil); err == nil {
			t.Errorf("%s: want an Eval error", name)
		}
	}

	// Prepare-time failures.
	for name, mod := range map[string]func(*acs.PolicySpec){
		"string binding query": func(s *acs.PolicySpec) { s.Binding["query"] = "data.x" },
		"unknown member":       func(s *acs.PolicySpec) { s.Definition["query"] = map[string]any{"subject": "$snap"} },
		"bad literal":          func(s *acs.PolicySpec) { s.Binding["principal"] = "alice" },
		"bad path":             func(s *acs.PolicySpec) { s.Binding["principal"] = "$snapshot.x" },
		"id and from": func(s *acs.PolicySpec) {
			s.Binding["principal"] = map[string]any{"type": "A", "id": "x", "from": "$snap"}
		},
		"bad type":         func(s *acs.PolicySpec) { s.Binding["principal"] = map[string]any{"type": "not a type", "id": "x"} },
		"number":           func(s *acs.PolicySpec) { s.Binding["resource"] = json.Number("1") },
		"context number":   func(s *acs.PolicySpec) { s.Binding["context"] = map[string]any{"a": json.Number("1")} },
		"context bad path": func(s *acs.PolicySpec) { s.Binding["context"] = "snap" },
	} {
		spec := base()
		mod(spec)
		if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
			t.Errorf("%s: want a Prepare error", name)
		}
	}
}

func TestPrepareErrors(t *testing.T) {
	for name, def := range map[string]map[string]any{
		"neither":       {"type": "cedar"},
		"both":          {"type": "cedar", "policy_set": "permit(principal, action, resource);", "policy_path": "policies"},
		"syntax":        {"type": "cedar", "policy_set": "permit(principal, action, resource"},
		"empty":         {"type": "cedar", "policy_set": "  "},
		"not a string":  {"type": "cedar", "policy_set": json.Number("1")},
		"missing file":  {"type": "cedar", "policy_path": "nope.cedar"},
		"no cedar file": {"type": "cedar", "policy_path": "."},
	} {
		spec := inlineSpec("")
		spec.Definition = def
		if name == "no cedar file" {
			spec.Source.Dir = t.TempDir()
		}
		if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
			t.Errorf("%s: want a Prepare error", name)
		}
	}
	spec := inlineSpec("permit(principal, action, resource);")
	spec.Type = acs.Rego
	if _, err := New(Options{}).Prepare(context.Background(), spec); err == nil {
		t.Error("rego spec: want an error")
	}
	if _, err := New(Options{}).Prepare(context.Background(), nil); err == nil {
		t.Error("nil spec: want an error")
	}
}

func TestURLSourcedManifest(t *testing.T) {
	// §2.3: no filesystem paths; inline policies are fine.
	for _, field := range []string{"policy_path", "entities_path", "schema_path"} {
		spec := inlineSpec("permit(principal, action, resource);")
		if field == "policy_path" {
			delete(spec.Definition, "policy_set")
		}
		spec.Definition[field] = "x"
		spec.Source = acs.Source{URL: "https://example.com/m.yaml"}
		_, err := New(Options{}).Prepare(context.Background(), spec)
		if err == nil || !strings.Contains(err.Error(), "URL-sourced") {
			t.Errorf("%s: err = %v", field, err)
		}
	}
	spec := inlineSpec("permit(principal, action, resource);")
	spec.Source = acs.Source{URL: "https://example.com/m.yaml"}
	prepare(t, spec)
}

func TestConcurrentEval(t *testing.T) {
	spec := inlineSpec(`
@id("blocked")
forbid (principal, action, resource) when { context.tool_call.args.q like "*drop*" };
@advice("{\"verdict\": \"transform\", \"transform\": {\"path\": \"$policy_target.q\", \"value\": \"[redacted]\"}}")
permit (principal, action, resource == Tool::"search");
permit (principal, action, resource == Tool::"fetch");
`)
	p := prepare(t, spec)
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				tool, q, want := "fetch", "hello", "allow"
				switch (g + i) % 3 {
				case 1:
					tool, want = "search", "transform"
				case 2:
					q, want = "drop table", "deny"
				}
				v, err := p.Eval(context.Background(), toolInput(fmt.Sprint("agent-", g), tool, map[string]any{"q": q}), nil)
				if err != nil {
					errs <- err
					return
				}
				m := v.(map[string]any)
				if m["decision"] != want {
					errs <- fmt.Errorf("%s/%s: %v, want %s", tool, q, m, want)
					return
				}
				m["decision"] = "tampered"
				if tr, ok := m["transform"].(map[string]any); ok {
					tr["value"] = "tampered"
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestCancelledContext(t *testing.T) {
	p := prepare(t, inlineSpec("permit(principal, action, resource);"))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Eval(ctx, toolInput("a", "x", map[string]any{}), nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if _, err := p.Eval(context.Background(), nil, nil); err == nil {
		t.Fatal("nil input: want an error")
	}
}
