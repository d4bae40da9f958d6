package canonical

import (
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
)

func decodeNumber(t *testing.T, s string) any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", s, err)
	}
	return v
}

// Numbers keep the reference runtime's integer/float distinction (serde_json
// to i64/u64/f64, printed by ryu).
func TestACSNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"0", "0"}, {"-1", "-1"}, {"1", "1"}, {"123456789012345678", "123456789012345678"},
		{"9223372036854775807", "9223372036854775807"}, {"18446744073709551615", "18446744073709551615"},
		{"-9223372036854775808", "-9223372036854775808"},
		{"18446744073709551616", "1.8446744073709552e19"}, {"-9223372036854775809", "-9.223372036854776e18"},
		{"-0", "-0.0"}, {"0.0", "0.0"}, {"-0.0", "-0.0"}, {"0e5", "0.0"},
		{"1.0", "1.0"}, {"1e2", "100.0"}, {"1E+2", "100.0"}, {"2.50", "2.5"}, {"0.1", "0.1"}, {"100.5", "100.5"},
		{"1e15", "1000000000000000.0"}, {"1e16", "1e16"}, {"1.5e16", "1.5e16"}, {"1234567890123456.7", "1234567890123456.8"},
		{"1e21", "1e21"}, {"1.7976931348623157e308", "1.7976931348623157e308"},
		{"0.0001", "0.0001"}, {"0.00001", "0.00001"}, {"0.000001", "1e-6"}, {"1.5e-7", "1.5e-7"},
		{"5e-324", "5e-324"}, {"1e-400", "0.0"}, {"-1.5", "-1.5"}, {"-1e100", "-1e100"},
	} {
		got, err := AppendACS(nil, decodeNumber(t, tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s -> %s (%v), want %s", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"1e400", "-1e400", "01", "1.", ".5", "+1", "0x10", "NaN", "", "1e", "--1", "1 "} {
		if got, err := AppendACSNumber([]byte("keep"), bad); err == nil || string(got) != "keep" {
			t.Errorf("AppendACSNumber(%q) = %q, %v", bad, got, err)
		}
	}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{float64(1), "1"}, {float64(-3), "-3"}, {1.5, "1.5"}, {1e21, "1e21"}, {math.Copysign(0, -1), "-0.0"},
		{float32(0.5), "0.5"}, {int8(-7), "-7"}, {uint64(math.MaxUint64), "18446744073709551615"}, {int(42), "42"},
	} {
		got, err := AppendACS(nil, tc.v)
		if err != nil || string(got) != tc.want {
			t.Errorf("%T %v -> %s (%v), want %s", tc.v, tc.v, got, err, tc.want)
		}
	}
}

func TestACSStringsAndObjects(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// Only '"', '\\' and control characters are escaped: no HTML
		// escaping, '/', U+2028 and non-ASCII literal.
		{`"<a href='x'>&</a> / \u2028\u2029 é 🔥"`, "\"<a href='x'>&</a> / \u2028\u2029 é 🔥\""},
		{`"\u0000\u0001\b\t\n\f\r\u001f\u007f\"\\"`, `"\u0000\u0001\b\t\n\f\r\u001f` + "\x7f" + `\"\\"`},
		// Members sort by code point (UTF-8 byte order), not UTF-16: U+E000
		// sorts before U+1F600, unlike RFC 8785.
		{`{"b":1,"a":{"d":[3,{"z":0,"y":1}],"c":2},"":0,"\ue000":1,"\ud83d\ude00":2,"A":3}`,
			`{"":0,"A":3,"a":{"c":2,"d":[3,{"y":1,"z":0}]},"b":1,"` + "\ue000" + `":1,"` + "\U0001F600" + `":2}`},
		{`[]`, `[]`}, {`{}`, `{}`}, {`[null,true,false,"",[],{}]`, `[null,true,false,"",[],{}]`},
	} {
		got, err := MarshalACS(decodeNumber(t, tc.in))
		if err != nil || string(got) != tc.want {
			t.Errorf("%s\n got %s (%v)\nwant %s", tc.in, got, err, tc.want)
		}
	}
	// Invalid UTF-8 in a Go string is replaced, keeping the output valid.
	if got, _ := MarshalACS("a\xffb"); string(got) != "\"a\uFFFDb\"" {
		t.Errorf("invalid UTF-8: %q", got)
	}
}

func TestACSErrors(t *testing.T) {
	deep := any("x")
	for range acsMaxNesting + 1 {
		deep = []any{deep}
	}
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for name, v := range map[string]any{
		"unsupported type": map[string]any{"a": []string{"x"}},
		"NaN":              math.NaN(),
		"infinity":         math.Inf(1),
		"bad number":       json.Number("1e999"),
		"too deep":         deep,
		"cyclic":           cyclic,
	} {
		if got, err := AppendACS([]byte("keep"), v); err == nil || string(got) != "keep" {
			t.Errorf("%s: %q, %v", name, got, err)
		}
		if _, _, err := MeasureACS(v, -1, -1); err == nil {
			t.Errorf("%s: MeasureACS accepted it", name)
		}
	}
}

func TestMeasureACS(t *testing.T) {
	for _, s := range []string{
		`null`, `"x"`, `1.0`, `[]`, `{}`, `[[[]]]`, `{"a":[1,{"b":"\n\u0001é"}],"c":{}}`, `[1e2,-0,18446744073709551616]`,
	} {
		v := decodeNumber(t, s)
		want, err := MarshalACS(v)
		if err != nil {
			t.Fatal(err)
		}
		size, depth, err := MeasureACS(v, -1, -1)
		if err != nil || size != int64(len(want)) {
			t.Errorf("%s: size %d (%v), want %d", s, size, err, len(want))
		}
		if d := wantDepth(v); depth != d {
			t.Errorf("%s: depth %d, want %d", s, depth, d)
		}
	}
	// The walk stops early but still reports a breach.
	big := decodeNumber(t, `{"a":"`+strings.Repeat("x", 100)+`","b":[[[[1]]]]}`)
	if size, _, _ := MeasureACS(big, 50, -1); size <= 50 {
		t.Errorf("size %d not over the 50-byte limit", size)
	}
	if _, depth, _ := MeasureACS(big, -1, 2); depth <= 2 {
		t.Errorf("depth %d not over the limit 2", depth)
	}
}

func wantDepth(v any) int {
	d := 0
	switch x := v.(type) {
	case []any:
		d = 1
		for _, e := range x {
			d = max(d, 1+wantDepth(e))
		}
	case map[string]any:
		d = 1
		for _, e := range x {
			d = max(d, 1+wantDepth(e))
		}
	}
	return d
}

// The canonical input strings of the reference runtime's fixtures
// (prepared-policy-invocations.json, policy-input-canonicalization.json).
func TestACSReferenceVectors(t *testing.T) {
	for _, want := range []string{
		`{"annotations":{},"intervention_point":"input","policy_target":{"kind":"user_input","path":"$snap.input","value":{"text":"hello"}},"snapshot":{"input":{"text":"hello"}},"tool":null}`,
		`{"annotations":{},"intervention_point":"input","policy_target":{"kind":"user_input","path":"$snap.input","value":{"a":{"c":3,"d":4},"b":2}},"snapshot":{"input":{"a":{"c":3,"d":4},"b":2},"metadata":{"a":false,"z":true}},"tool":null}`,
	} {
		// Scramble member order and whitespace; the canonical form is back.
		v := decodeNumber(t, want)
		scrambled, _ := json.MarshalIndent(v, "", "  ")
		got, err := MarshalACS(decodeNumber(t, string(scrambled)))
		if err != nil || !bytes.Equal(got, []byte(want)) {
			t.Errorf("got %s (%v)\nwant %s", got, err, want)
		}
	}
}

func BenchmarkAppendACS(b *testing.B) {
	dec := json.NewDecoder(strings.NewReader(smallDoc))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendACS(buf[:0], v); err != nil {
			b.Fatal(err)
		}
	}
}

func TestValidNumber(t *testing.T) {
	for _, s := range []string{"0", "-0", "1", "-12", "1.5", "0.0", "1e5", "1E+5", "-1.25e-7"} {
		if !ValidNumber(s) {
			t.Errorf("%q should be valid", s)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "1.", ".5", "1e", "1e+", "0x1", "1 ", "Infinity", "--1"} {
		if ValidNumber(s) {
			t.Errorf("%q should be invalid", s)
		}
	}
}
