package rego

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"

	"github.com/agentgov/agentgov/acs"
)

// FuzzInputValue feeds arbitrary JSON through the input conversion: it must
// never panic, and every JSON value must come back unchanged from OPA's
// AST→JSON conversion (the round trip the verdict takes).
func FuzzInputValue(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `true`, `"s"`, `0`, `-1.5e-300`, `123456789012345678901234567890`,
		`{"a":[1,{"b":null}],"c":"\u2028"}`, `[[[[[]]]]]`, `{"":{"":""}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return
		}
		var c converter
		av, err := c.value(v, 1)
		if err != nil {
			t.Fatalf("convert %s: %v", data, err)
		}
		back, err := ast.JSON(av)
		if err != nil {
			t.Fatalf("back %s: %v", data, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("round trip of %s: got %#v, want %#v", data, back, v)
		}
		// The whole policy input, with the value shared between the target
		// and the snapshot, also converts.
		obj, _ := v.(map[string]any)
		in := &acs.PolicyInput{
			InterventionPoint: acs.Output,
			PolicyTarget:      acs.PolicyTarget{Path: "$snap.x", Value: v},
			Snapshot:          map[string]any{"x": v},
			Annotations:       map[string]any{"a": v},
			Tool:              obj,
		}
		if _, err := inputValue(in); err != nil {
			t.Fatalf("input %s: %v", data, err)
		}
	})
}
