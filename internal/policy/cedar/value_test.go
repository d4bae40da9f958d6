package cedar

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/cedar-policy/cedar-go/types"

	"github.com/agentgov/agentgov/acs"
)

func TestNumbers(t *testing.T) {
	for _, tt := range []struct {
		in   any
		want string // Cedar syntax, "" for an error
	}{
		{json.Number("0"), "0"},
		{json.Number("-0"), "0"},
		{json.Number("42"), "42"},
		{json.Number("9223372036854775807"), "9223372036854775807"},
		{json.Number("-9223372036854775808"), "-9223372036854775808"},
		{json.Number("9223372036854775808"), ""},
		{json.Number("100.0"), `decimal("100.0")`},
		{json.Number("1e2"), `decimal("100.0")`},
		{json.Number("0.5"), `decimal("0.5")`},
		{json.Number("1.23456"), `decimal("1.2346")`},
		{json.Number("1.00005"), `decimal("1.0")`},    // half to even: down
		{json.Number("1.00015"), `decimal("1.0002")`}, // half to even: up
		{json.Number("-1.00015"), `decimal("-1.0002")`},
		{json.Number("1.000050000001"), `decimal("1.0001")`},
		{json.Number("5e-5"), `decimal("0.0")`},
		{json.Number("6e-5"), `decimal("0.0001")`},
		{json.Number("1e-5"), `decimal("0.0")`},
		{json.Number("1e-99999999999999999999"), `decimal("0.0")`},
		{json.Number("0.0000"), `decimal("0.0")`},
		{json.Number("922337203685477.5807"), `decimal("922337203685477.5807")`},
		{json.Number("-922337203685477.5808"), `decimal("-922337203685477.5808")`},
		{json.Number("922337203685477.5808"), ""},
		{json.Number("1e15"), ""},
		{json.Number("1e999999999"), ""},
		{json.Number("1e99999999999999999999"), ""},
		{json.Number("1.5e3"), `decimal("1500.0")`},
		{json.Number("abc"), ""},
		{json.Number("01"), ""},
		{0.1, `decimal("0.1")`},
		{float64(3), `decimal("3.0")`},
		{1e300, ""},
		{int(-3), "-3"},
		{int64(4), "4"},
		{int32(5), "5"},
		{uint32(6), "6"},
		{uint64(7), "7"},
		{uint64(1 << 63), ""},
	} {
		v, ok, err := toValue(tt.in, 1)
		switch {
		case tt.want == "":
			if err == nil {
				t.Errorf("%v (%T): got %v, want an error", tt.in, tt.in, v)
			}
		case err != nil || !ok:
			t.Errorf("%v (%T): %v", tt.in, tt.in, err)
		case string(v.MarshalCedar()) != tt.want:
			t.Errorf("%v (%T): got %s, want %s", tt.in, tt.in, v.MarshalCedar(), tt.want)
		}
	}
}

func TestStructures(t *testing.T) {
	v, ok, err := toValue(decodeJSON(t, `{"a": [1, "x", true, {"b": null, "c": []}, 1], "n": null, "s": ["p", "q"]}`), 1)
	if err != nil || !ok {
		t.Fatal(err, ok)
	}
	want := `{"a":[1,"x",true,{"c":[]}],"s":["p","q"]}`
	// Compare through Cedar's own JSON (sets have no order).
	got := fromCedar(t, v)
	if setForm(t, got) != setForm(t, decodeJSON(t, want)) {
		t.Fatalf("got %s", setForm(t, got))
	}
	if _, ok, err := toValue(nil, 1); ok || err != nil {
		t.Fatal("null: want absent")
	}
	if _, _, err := toValue([]any{nil}, 1); err == nil {
		t.Fatal("null in a set: want an error")
	}
	if _, _, err := toValue([]string{"a"}, 1); err != nil {
		t.Fatal(err)
	}
	if _, _, err := toValue(struct{}{}, 1); err == nil {
		t.Fatal("struct: want an error")
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	if _, _, err := toValue(cyclic, 1); err == nil {
		t.Fatal("cyclic value: want an error")
	}
	// Cedar's JSON escapes are ordinary data here.
	v, _, err = toValue(decodeJSON(t, `{"__entity": {"type": "User", "id": "root"}}`), 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, isRecord := v.(types.Record); !isRecord {
		t.Fatalf("an __entity object became %T", v)
	}
}

func TestPaths(t *testing.T) {
	in := &acs.PolicyInput{
		InterventionPoint: acs.PreToolCall,
		PolicyTarget:      acs.PolicyTarget{Kind: "k", HasKind: true, Path: "$snap.a", Value: map[string]any{"x": []any{"p", "q"}}},
		Snapshot:          map[string]any{"a.b": map[string]any{"c": "dotted"}, "list": []any{json.Number("1")}},
		Annotations:       map[string]any{"ann": "v"},
		Tool:              map[string]any{"name": "t"},
	}
	for path, want := range map[string]any{
		`$snap["a.b"].c`:               "dotted",
		`$.list[0]`:                    json.Number("1"),
		`$policy_target.x[1]`:          "q",
		`$tool.name`:                   "t",
		`$pi.intervention_point`:       "pre_tool_call",
		`$pi.policy_target.kind`:       "k",
		`$pi.policy_target.value.x[0]`: "p",
		`$pi.annotations.ann`:          "v",
		`$pi.tool.name`:                "t",
		`$pi.snapshot.list[0]`:         json.Number("1"),
	} {
		p, err := parsePath(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		got, err := p.resolve(in)
		if err != nil || got != want {
			t.Errorf("%s: got %v, %v; want %v", path, got, err, want)
		}
	}
	for _, path := range []string{`$snap.nope`, `$.list[1]`, `$.list.x`, `$snap["a.b"][0]`, `$pi`, `$pi.other`, `$pi[0]`, `$tool.name.x`} {
		p, err := parsePath(path)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if v, err := p.resolve(in); err == nil {
			t.Errorf("%s: got %v, want an error", path, v)
		}
	}
	for _, bad := range []string{``, `snap`, `$["a.b"]`, `$snapshot`, `$target.x`, `$snap.`, `$snap..a`, `$snap[-1]`, `$snap[x]`, `$snap[]`, `$snap["a"`, `$snap["a"x`, `$snap.a]`, `$snap x`, `$snap[99999999999999999999]`} {
		if _, err := parsePath(bad); err == nil {
			t.Errorf("%q: want a syntax error", bad)
		}
	}
}

// decodeJSON decodes s with UseNumber, the runtime's JSON value model.
func decodeJSON(t testing.TB, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %s: %v", s, err)
	}
	return v
}

// fromCedar converts a Cedar value back to the JSON model: Long and
// decimal become json.Number, a set becomes an array in Cedar's order.
func fromCedar(t testing.TB, v types.Value) any {
	t.Helper()
	switch v := v.(type) {
	case types.Boolean:
		return bool(v)
	case types.String:
		return string(v)
	case types.Long:
		return json.Number(strconv.FormatInt(int64(v), 10))
	case types.Decimal:
		return json.Number(v.String())
	case types.Record:
		m := map[string]any{}
		for k, e := range v.All() {
			m[string(k)] = fromCedar(t, e)
		}
		return m
	case types.Set:
		a := []any{}
		for e := range v.All() {
			a = append(a, fromCedar(t, e))
		}
		return a
	default:
		t.Fatalf("unexpected Cedar value %T", v)
		return nil
	}
}

// setForm is a comparable form of a JSON value in which arrays are
// compared as sets (sorted, duplicates removed), as Cedar sees them.
func setForm(t testing.TB, v any) string {
	t.Helper()
	var b bytes.Buffer
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			seen := map[string]bool{}
			var items []string
			for _, e := range v {
				s := setForm(t, e)
				if !seen[s] {
					seen[s] = true
					items = append(items, s)
				}
			}
			slices.Sort(items)
			b.WriteString("[" + strings.Join(items, ",") + "]")
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			slices.Sort(keys)
			b.WriteByte('{')
			for i, k := range keys {
				if i > 0 {
					b.WriteByte(',')
				}
				kb, _ := json.Marshal(k)
				b.Write(kb)
				b.WriteByte(':')
				walk(v[k])
			}
			b.WriteByte('}')
		default:
			eb, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			b.Write(eb)
		}
	}
	walk(v)
	return b.String()
}
