package jsonv

import (
	"encoding/json"
	"testing"
)

func TestEqual(t *testing.T) {
	n := func(s string) json.Number { return json.Number(s) }
	for _, tc := range []struct {
		a, b any
		eq   bool
	}{
		{nil, nil, true},
		{n("1"), n("1"), true},
		{n("1e2"), n("100.0"), true},
		{n("1"), n("1.0"), false},
		{n("1"), "1", false},
		{[]any{n("1"), "x"}, []any{n("1"), "x"}, true},
		{[]any{n("1")}, []any{n("1"), nil}, false},
		{map[string]any{"a": map[string]any{"b": true}}, map[string]any{"a": map[string]any{"b": true}}, true},
		{map[string]any{"a": nil}, map[string]any{"b": nil}, false},
		{map[string]any{}, []any{}, false},
		{false, nil, false},
	} {
		if got := Equal(tc.a, tc.b); got != tc.eq {
			t.Errorf("Equal(%v, %v) = %v", tc.a, tc.b, got)
		}
	}
}

func TestParseLimits(t *testing.T) {
	lim := Limits{MaxBytes: 1 << 20, MaxDepth: 8, MaxNodes: 20}
	if _, err := Parse([]byte("a: [1, 2, 3]\n"), false, lim); err != nil {
		t.Fatal(err)
	}
	if _, err := Parse([]byte(`{"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20]}`), true, lim); err == nil {
		t.Error("node limit not enforced for JSON")
	}
	if _, err := Parse([]byte("x: &a [1, 2, 3, 4, 5]\ny: [*a, *a, *a]\n"), false, lim); err == nil {
		t.Error("node limit not enforced through aliases")
	}
	var le *LimitError
	_, err := Parse([]byte("xxxxxxxxxx"), false, Limits{MaxBytes: 4})
	if le, _ = err.(*LimitError); le == nil {
		t.Errorf("size limit: %v", err)
	}
}
