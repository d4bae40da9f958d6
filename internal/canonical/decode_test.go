package canonical

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	tests := []struct {
		in   string
		want any
	}{
		{`null`, nil},
		{` true `, true},
		{`false`, false},
		{`"a\"b\\c\u00e9\ud83d\ude00\n"`, "a\"b\\cé😀\n"},
		{`"plain"`, "plain"},
		{`-0.50e+2`, json.Number("-0.50e+2")},
		{`[]`, []any{}},
		{`{}`, map[string]any{}},
		{`{"b":[1,{"c":null}],"a":"x","\u0061b":true}`, map[string]any{"b": []any{json.Number("1"), map[string]any{"c": nil}}, "a": "x", "ab": true}},
	}
	for _, tc := range tests {
		got, err := Decode([]byte(tc.in), Limits{})
		if err != nil {
			t.Errorf("Decode(%s): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Decode(%s) = %#v, want %#v", tc.in, got, tc.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		in, reason, path string
	}{
		{`{"a":1,"b":{"c":2,"c":3}}`, `duplicate object key "c"`, "/b/c"},
		{`{"a":1,"\u0061":2}`, `duplicate object key "a"`, "/a"},
		{`{"a":[1,"\ud800"]}`, "lone surrogate", "/a/1"},
		{`{"a/b":[1e400]}`, "not a finite IEEE-754 double", "/a~1b/0"},
		{"\"a\xffb\"", "invalid UTF-8", ""},
		{"\"a\x01\"", "unescaped control character", ""},
		{`[1,]`, "expected a value", "/1"},
		{`{"a":1} x`, "after top-level value", ""},
		{`tru`, "invalid literal", ""},
		{``, "unexpected end of input", ""},
		{`[[[[1]]]]`, "nesting depth exceeds limit of 3", "/0/0/0"},
	}
	for _, tc := range tests {
		_, err := Decode([]byte(tc.in), Limits{MaxDepth: 3})
		var ce *Error
		if !errors.As(err, &ce) {
			t.Errorf("Decode(%q) = %v, want a canonical error", tc.in, err)
			continue
		}
		if !strings.Contains(ce.Reason, tc.reason) || ce.Path != tc.path {
			t.Errorf("Decode(%q): reason %q path %q, want %q at %q", tc.in, ce.Reason, ce.Path, tc.reason, tc.path)
		}
	}
	if _, err := Decode([]byte(`"0123456789"`), Limits{MaxBytes: 8}); err == nil {
		t.Error("Decode over the size limit succeeded")
	}
}

// FuzzDecode: Decode accepts exactly what Append accepts, and what it
// decodes re-encodes (AppendValue) to exactly Append's output: one parser's
// verdict and reading, whichever entry point a caller uses.
func FuzzDecode(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lim := Limits{MaxDepth: 16, MaxBytes: 1 << 16}
		want, errA := Append(nil, []byte(s), lim)
		v, errD := Decode([]byte(s), lim)
		if (errA == nil) != (errD == nil) {
			t.Fatalf("%q: Append error %v, Decode error %v", s, errA, errD)
		}
		if errA != nil {
			return
		}
		got, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("%q: AppendValue of the decoded value: %v", s, err)
		}
		if string(got) != string(want) {
			t.Fatalf("%q: decoded value encodes to %s, Append gives %s", s, got, want)
		}
	})
}
