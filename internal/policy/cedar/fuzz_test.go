package cedar

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// FuzzToValue feeds arbitrary JSON through the JSON → Cedar conversion and
// the default request mapping: they must never panic, and where the
// mapping is lossless (integers, strings, booleans, records, sets; no
// decimals) the value must come back unchanged, nulls in records dropped
// and arrays compared as sets.
func FuzzToValue(f *testing.F) {
	for _, s := range []string{
		`{}`, `[]`, `null`, `true`, `"s"`, `0`, `-1.5e-300`, `1e400`, `9223372036854775808`,
		`{"a":[1,{"b":null}],"c":"\u2028"}`, `[[[[[]]]]]`, `{"":{"":""}}`, `[null]`, `[1,1,"1"]`,
		`{"__entity":{"type":"User","id":"x"}}`, `{"annotations":1}`, `0.00005`, `-922337203685477.5808`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var x any
		if err := dec.Decode(&x); err != nil {
			return
		}
		v, ok, err := toValue(x, 1)
		if err == nil && ok {
			if want, exact := normalize(x); exact {
				if got := setForm(t, fromCedar(t, v)); got != setForm(t, want) {
					t.Fatalf("round trip of %s: got %s, want %s", data, got, setForm(t, want))
				}
			}
		}
		in := &acs.PolicyInput{
			InterventionPoint: acs.PreToolCall,
			PolicyTarget:      acs.PolicyTarget{Path: "$snap.x", Value: x},
			Snapshot:          map[string]any{"envelope": map[string]any{"agent": map[string]any{"id": "a"}}, "x": x},
			Annotations:       map[string]any{"a": x},
			Tool:              map[string]any{"name": "t"},
		}
		if obj, isObj := x.(map[string]any); isObj {
			in.Snapshot = obj
		}
		_, _ = (&requestMapping{}).build(in)
	})
}

// normalize is x as the Cedar mapping should return it, and whether that
// is exact (false when x holds a non-integer number, which is rounded).
func normalize(x any) (any, bool) {
	switch x := x.(type) {
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return nil, false
		}
		n, err := strconv.ParseInt(string(x), 10, 64)
		if err != nil {
			return nil, false
		}
		return json.Number(strconv.FormatInt(n, 10)), true
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if e == nil {
				continue
			}
			v, exact := normalize(e)
			if !exact {
				return nil, false
			}
			out[k] = v
		}
		return out, true
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			v, exact := normalize(e)
			if !exact {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	default:
		return x, true
	}
}
