package rego

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"unsafe"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/canonical"
)

// maxDepth bounds the nesting the converter follows. The runtime already
// caps the policy input at max_policy_input_depth (64 by default, §15);
// this bound only turns a cyclic Go value from a buggy caller into an error
// instead of a fatal stack overflow.
const maxDepth = 1000

// errTooDeep reports a value nested deeper than maxDepth.
var errTooDeep = errors.New("value nested too deeply (cyclic?)")

// inputValue converts the canonical policy input (§7) into the OPA input
// document: {intervention_point, policy_target: {kind, path, value},
// snapshot, annotations, tool}.
//
// It builds AST values directly from the JSON value model, without the JSON
// round trip rego.EvalInput performs and without an intermediate
// map[string]any. The policy target value is normally the very Go value
// found inside the snapshot (the runtime resolves it there), so its AST is
// built once and shared by both places.
func inputValue(in *acs.PolicyInput) (ast.Value, error) {
	var c converter

	target, err := c.value(in.PolicyTarget.Value, 1)
	if err != nil {
		return nil, fmt.Errorf("policy_target.value: %w", err)
	}
	c.share(in.PolicyTarget.Value, target)

	snapshot, err := c.value(in.Snapshot, 1)
	if err != nil {
		return nil, fmt.Errorf("snapshot: %w", err)
	}
	// Annotations and tool are never part of the snapshot: no sharing.
	c.sharedMap, c.sharedSlice = 0, nil

	var annotations ast.Value
	if in.Annotations == nil {
		annotations = ast.NewObject()
	} else if annotations, err = c.object(in.Annotations, 1); err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	var tool ast.Value = ast.NullValue
	if in.Tool != nil {
		if tool, err = c.object(in.Tool, 1); err != nil {
			return nil, fmt.Errorf("tool: %w", err)
		}
	}
	var kind ast.Value = ast.NullValue
	if in.PolicyTarget.HasKind {
		kind = ast.InternedValue(in.PolicyTarget.Kind)
	}

	// One block for the eleven terms of the two fixed objects.
	var t [11]ast.Term
	t[0].Value = ast.InternedValue("kind")
	t[1].Value = kind
	t[2].Value = ast.InternedValue("path")
	t[3].Value = ast.InternedValue(in.PolicyTarget.Path)
	t[4].Value = ast.InternedValue("value")
	t[5].Value = target
	t[6].Value = ast.NewObject([2]*ast.Term{&t[0], &t[1]}, [2]*ast.Term{&t[2], &t[3]}, [2]*ast.Term{&t[4], &t[5]})
	t[7].Value = ast.InternedValue(string(in.InterventionPoint))
	t[8].Value = snapshot
	t[9].Value = annotations
	t[10].Value = tool
	return ast.NewObject(
		[2]*ast.Term{ast.InternedTerm("intervention_point"), &t[7]},
		[2]*ast.Term{ast.InternedTerm("policy_target"), &t[6]},
		[2]*ast.Term{ast.InternedTerm("snapshot"), &t[8]},
		[2]*ast.Term{ast.InternedTerm("annotations"), &t[9]},
		[2]*ast.Term{ast.InternedTerm("tool"), &t[10]},
	), nil
}

// converter turns JSON values (as encoding/json decodes them with
// UseNumber) into OPA AST values. It lives for one conversion.
type converter struct {
	// The policy target's Go identity (map pointer, or slice data and
	// length) and its converted AST, reused when the snapshot contains it.
	sharedMap   uintptr
	sharedSlice unsafe.Pointer
	sharedLen   int
	sharedValue ast.Value
}

// share remembers v's identity if v is an object or a non-empty array.
func (c *converter) share(v any, value ast.Value) {
	switch v := v.(type) {
	case map[string]any:
		if p := reflect.ValueOf(v).Pointer(); p != 0 {
			c.sharedMap, c.sharedValue = p, value
		}
	case []any:
		if len(v) > 0 {
			c.sharedSlice, c.sharedLen, c.sharedValue = unsafe.Pointer(unsafe.SliceData(v)), len(v), value
		}
	}
}

// value converts one JSON value. Besides the UseNumber model it accepts the
// Go numbers a host may build by hand (float64, ints) and []string.
func (c *converter) value(x any, depth int) (ast.Value, error) {
	switch v := x.(type) {
	case nil:
		return ast.NullValue, nil
	case bool:
		return ast.InternedValue(v), nil
	case string:
		return ast.String(v), nil
	case json.Number:
		return number(string(v))
	case map[string]any:
		return c.object(v, depth)
	case []any:
		return c.array(v, depth)
	case float64:
		return floatValue(v)
	case float32:
		return floatValue(float64(v))
	case int:
		return ast.InternedValue(v), nil
	case int64:
		return ast.InternedValue(v), nil
	case int32:
		return ast.InternedValue(v), nil
	case uint64:
		return ast.Number(strconv.FormatUint(v, 10)), nil
	case uint32:
		return ast.InternedValue(int(v)), nil
	case []string:
		terms := make([]ast.Term, len(v))
		ptrs := make([]*ast.Term, len(v))
		for i, s := range v {
			terms[i].Value = ast.InternedValue(s)
			ptrs[i] = &terms[i]
		}
		return ast.NewArray(ptrs...), nil
	default:
		return nil, fmt.Errorf("unsupported value type %T", x)
	}
}

func (c *converter) object(m map[string]any, depth int) (ast.Value, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if c.sharedMap != 0 && reflect.ValueOf(m).Pointer() == c.sharedMap {
		return c.sharedValue, nil
	}
	// Keys and values live in one block of terms, like OPA's own
	// InterfaceToValue, so an object of n members costs a handful of
	// allocations instead of 2n.
	terms := make([]ast.Term, 2*len(m))
	items := make([][2]*ast.Term, len(m))
	i := 0
	for k, e := range m {
		v, err := c.value(e, depth+1)
		if err != nil {
			return nil, err
		}
		kt, vt := &terms[2*i], &terms[2*i+1]
		kt.Value = ast.InternedValue(k)
		vt.Value = v
		items[i] = [2]*ast.Term{kt, vt}
		i++
	}
	return ast.NewObject(items...), nil
}

func (c *converter) array(a []any, depth int) (ast.Value, error) {
	if depth > maxDepth {
		return nil, errTooDeep
	}
	if c.sharedSlice != nil && len(a) == c.sharedLen && unsafe.Pointer(unsafe.SliceData(a)) == c.sharedSlice {
		return c.sharedValue, nil
	}
	terms := make([]ast.Term, len(a))
	ptrs := make([]*ast.Term, len(a))
	for i, e := range a {
		v, err := c.value(e, depth+1)
		if err != nil {
			return nil, err
		}
		terms[i].Value = v
		ptrs[i] = &terms[i]
	}
	return ast.NewArray(ptrs...), nil
}

// number converts a JSON number literal. Small integers are OPA's interned
// values; anything else is checked against the JSON grammar, because OPA
// trusts an ast.Number to be well formed.
func number(s string) (ast.Value, error) {
	if t := ast.InternedIntNumberTermFromString(s); t != nil {
		return t.Value, nil
	}
	if !canonical.ValidNumber(s) {
		return nil, fmt.Errorf("invalid JSON number %q", s)
	}
	return ast.Number(s), nil
}

func floatValue(f float64) (ast.Value, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v is not representable in JSON", f)
	}
	return ast.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
}
