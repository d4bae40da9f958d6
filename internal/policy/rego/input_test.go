package rego

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/agentgov/agentgov/acs"
)

// wireInput is the §7 policy input as a plain map, the form an OPA user
// would hand to rego.EvalInput.
func wireInput(in *acs.PolicyInput) map[string]any {
	var kind any
	if in.PolicyTarget.HasKind {
		kind = in.PolicyTarget.Kind
	}
	var tool any
	if in.Tool != nil {
		tool = in.Tool
	}
	ann := in.Annotations
	if ann == nil {
		ann = map[string]any{}
	}
	return map[string]any{
		"intervention_point": string(in.InterventionPoint),
		"policy_target":      map[string]any{"kind": kind, "path": in.PolicyTarget.Path, "value": in.PolicyTarget.Value},
		"snapshot":           in.Snapshot,
		"annotations":        ann,
		"tool":               tool,
	}
}

func TestInputValueMatchesOPA(t *testing.T) {
	inputs := []*acs.PolicyInput{
		textInput("hello"),
		benchInput(),
		policyInputFromJSON(t, `{"intervention_point":"output","policy_target":{"kind":null,"path":"$","value":[1,2.5,-3e10,"x",null,true,{"a":[]}]},
			"snapshot":{"deep":{"a":{"b":{"c":[[[]]]}}},"n":12345678901234567890123},"annotations":{"x":{"y":false}},"tool":null}`),
	}
	for i, in := range inputs {
		got, err := inputValue(in)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		want, err := ast.InterfaceToValue(wireInput(in))
		if err != nil {
			t.Fatal(err)
		}
		if got.Compare(want) != 0 {
			t.Fatalf("%d: got %v\nwant %v", i, got, want)
		}
	}
}

func TestInputValueSharesTarget(t *testing.T) {
	in := benchInput()
	v, err := inputValue(in)
	if err != nil {
		t.Fatal(err)
	}
	obj := v.(ast.Object)
	target := obj.Get(ast.InternedTerm("policy_target")).Value.(ast.Object).Get(ast.InternedTerm("value")).Value
	args := obj.Get(ast.InternedTerm("snapshot")).Value.(ast.Object).
		Get(ast.InternedTerm("tool_call")).Value.(ast.Object).
		Get(ast.InternedTerm("args")).Value
	if reflect.ValueOf(target).Pointer() != reflect.ValueOf(args).Pointer() {
		t.Fatal("policy target value and snapshot args were converted twice")
	}

	// An array target inside the snapshot is shared too; a copy is not.
	list := []any{"a", "b"}
	in = &acs.PolicyInput{PolicyTarget: acs.PolicyTarget{Value: list}, Snapshot: map[string]any{"l": list, "c": []any{"a", "b"}}}
	v, err = inputValue(in)
	if err != nil {
		t.Fatal(err)
	}
	obj = v.(ast.Object)
	target = obj.Get(ast.InternedTerm("policy_target")).Value.(ast.Object).Get(ast.InternedTerm("value")).Value
	snap := obj.Get(ast.InternedTerm("snapshot")).Value.(ast.Object)
	if target != snap.Get(ast.InternedTerm("l")).Value {
		t.Fatal("array target not shared")
	}
	if target == snap.Get(ast.InternedTerm("c")).Value {
		t.Fatal("equal copy wrongly shared")
	}
}

func TestInputValueTypes(t *testing.T) {
	c := converter{}
	for _, tt := range []struct {
		in   any
		want string
	}{
		{float64(1.5), "1.5"},
		{float32(2), "2"},
		{int(7), "7"},
		{int64(-8), "-8"},
		{int32(9), "9"},
		{uint64(1 << 63), "9223372036854775808"},
		{uint32(10), "10"},
		{[]string{"a", "b"}, `["a", "b"]`},
		{json.Number("1e3"), "1e3"},
	} {
		v, err := c.value(tt.in, 0)
		if err != nil {
			t.Fatalf("%T: %v", tt.in, err)
		}
		if v.String() != tt.want {
			t.Errorf("%T %v: got %s, want %s", tt.in, tt.in, v, tt.want)
		}
	}
	for _, bad := range []any{json.Number("1."), json.Number("01"), json.Number(""), json.Number("NaN"), struct{}{}} {
		if _, err := c.value(bad, 0); err == nil {
			t.Errorf("%#v: want an error", bad)
		}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, err := c.value(cyclic, 0); err == nil {
		t.Fatal("cyclic value: want an error")
	}
}
