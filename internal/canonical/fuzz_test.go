package canonical

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

func jsonEqual(a, b any) bool { return reflect.DeepEqual(a, b) }

// fuzzSeeds are inputs from the unit tables: valid documents, every error
// class, and numbers at the edges of the formatting rules.
func fuzzSeeds() []string {
	seeds := []string{
		rfcSampleIn, rfcSortIn, smallDoc,
		`{"\ue000":1,"\ud83d\ude00":2}`,
		`{"b":1,"\\":2,"\u0001":3,"\n":4,"\"":5,"a\u0002":6,"a\u0001x":7,"":8}`,
		`{"z":{"y":1,"x":{"w":"a,b}","v":"\""}},"a":[{"q":1,"p":2}]}`,
		`{"a":1,"a":2}`, `{"b":1,"a":2,"b":3}`, `{"\u0061":1,"a":2}`,
		`["\ud800"]`, `"\udc00\ud800"`, `"\ud800\u0041"`, "\"\xed\xa0\x80\"", "\"a\xffb\"",
		`[1e400]`, `-0`, `01`, `1.`, `1e+`, `[1,]`, `{"a":1,}`, `{} x`, "",
		`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
		`"\u0000\u001f\u007f\u2028\/"`,
		// Long shared prefixes, non-ASCII prefixes, and objects too big
		// for the recorded-span and insertion-sort paths.
		`{"prefix-longer-than-8b":1,"prefix-longer-than-8a":2,"prefix-lo":3}`,
		`{"\u00e9":1,"e":2,"\u00e9x":3,"\\z":4,"\\":5}`,
		`{"m":1,"l":2,"k":3,"j":4,"i":5,"h":6,"g":7,"f":8,"e":9,"d":10,"c":11,"b":12,"a":13,"n":{"y":1,"x":2}}`,
		`{"i":1,"h":2,"g":3,"f":4,"e":5,"d":6,"c":7,"b":8,"a":9,"h":10}`,
	}
	for _, tc := range rfc8785Numbers {
		seeds = append(seeds, strconv.FormatFloat(math.Float64frombits(tc.bits), 'g', -1, 64), tc.want)
	}
	return seeds
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := Canonicalize(in)
		ref := referenceCheck(in)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error: %v", err, err)
			}
			if e.Offset < 0 || e.Offset > len(in) {
				t.Fatalf("error offset %d outside input of %d bytes", e.Offset, len(in))
			}
			if ref == "" {
				t.Fatalf("rejected input that encoding/json accepts and that is canonicalizable: %v\ninput: %q", err, in)
			}
			return
		}
		if ref != "" {
			t.Fatalf("accepted input that must be rejected (%s)\ninput: %q\noutput: %q", ref, in, out)
		}
		if !json.Valid(out) {
			t.Fatalf("output is not valid JSON: %q", out)
		}
		if msg := keyOrderViolation(out); msg != "" {
			t.Fatalf("%s\n in: %q\nout: %q", msg, in, out)
		}
		again, err := Canonicalize(out)
		if err != nil {
			t.Fatalf("re-canonicalizing output failed: %v\noutput: %q", err, out)
		}
		if !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n once: %q\ntwice: %q", out, again)
		}
		var a, b any
		if err := json.Unmarshal(in, &a); err != nil {
			t.Fatalf("encoding/json rejects accepted input: %v", err)
		}
		if err := json.Unmarshal(out, &b); err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(a, b) {
			t.Fatalf("output means something else:\n in: %q\nout: %q", in, out)
		}
		// A bare number must come out exactly as the float path prints
		// its double, whichever internal fast path produced it.
		if f, ok := a.(float64); ok {
			if want, _ := AppendFloat(nil, f); !bytes.Equal(out, want) {
				t.Fatalf("number %q canonicalized to %q, want %q", in, out, want)
			}
		}
	})
}

// referenceCheck decides, independently of the package under test, whether
// in must be canonicalizable under the default Limits. It returns "" if so
// and a reason otherwise. Grammar is delegated to encoding/json; the extra
// RFC 8785 / I-JSON constraints are checked on its token stream.
func referenceCheck(in []byte) string {
	if len(in) > defaultMaxBytes {
		return "too large"
	}
	if !json.Valid(in) {
		return "invalid JSON"
	}
	// Outside strings valid JSON is ASCII, so this is exactly "strings are
	// valid UTF-8" (encoding/json would silently replace bad bytes).
	if !utf8.Valid(in) {
		return "invalid UTF-8"
	}
	if hasLoneSurrogate(in) {
		return "lone surrogate"
	}
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(in))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "invalid JSON: " + err.Error()
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].wantKey = false
				}
				stack = append(stack, frame{object: v == '{', wantKey: v == '{', keys: map[string]bool{}})
				if len(stack) > defaultMaxDepth {
					return "too deep"
				}
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				if stack[n-1].keys[v] {
					return "duplicate key"
				}
				stack[n-1].keys[v] = true
				stack[n-1].wantKey = false
				continue
			}
			valueDone()
		case json.Number:
			if _, err := strconv.ParseFloat(string(v), 64); err != nil {
				return "number not a finite double"
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// hasLoneSurrogate scans the \u escapes of valid JSON text; outside strings
// valid JSON contains no backslashes, so a linear scan suffices.
func hasLoneSurrogate(in []byte) bool {
	unit := func(i int) (uint64, bool) {
		if i+6 > len(in) || in[i] != '\\' || in[i+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(in[i+2:i+6]), 16, 16)
		return v, err == nil
	}
	for i := 0; i < len(in); i++ {
		if in[i] != '\\' {
			continue
		}
		if in[i+1] != 'u' {
			i++ // skip the escaped character, which may be a backslash
			continue
		}
		u, _ := unit(i)
		switch {
		case u >= 0xd800 && u <= 0xdbff:
			lo, ok := unit(i + 6)
			if !ok || lo < 0xdc00 || lo > 0xdfff {
				return true
			}
			i += 11
		case u >= 0xdc00 && u <= 0xdfff:
			return true
		default:
			i += 5
		}
	}
	return false
}

func FuzzAppendFloat(f *testing.F) {
	for _, tc := range rfc8785Numbers {
		f.Add(tc.bits)
	}
	for _, v := range []float64{1, 0.1, 1e21, 1e-7, 1e-6, 123e-20, math.MaxFloat64, math.NaN(), math.Inf(-1), 1 << 53, 1<<53 + 2} {
		f.Add(math.Float64bits(v))
	}
	f.Fuzz(func(t *testing.T, bits uint64) {
		v := math.Float64frombits(bits)
		out, err := AppendFloat(nil, v)
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if err == nil {
				t.Fatalf("AppendFloat(%v) = %s, want error", v, out)
			}
			return
		}
		if err != nil {
			t.Fatalf("AppendFloat(%v): %v", v, err)
		}
		back, err := strconv.ParseFloat(string(out), 64)
		if err != nil {
			t.Fatalf("AppendFloat(%#x) = %q does not parse: %v", bits, out, err)
		}
		if back != v { // -0 prints as "0", and 0 == -0
			t.Fatalf("AppendFloat(%#x) = %q parses back as %v, want %v", bits, out, back, v)
		}
		// Same digits as the shortest round trip, and the JSON text form
		// must be a fixed point of the parser.
		if !json.Valid(out) {
			t.Fatalf("AppendFloat(%#x) = %q is not a JSON number", bits, out)
		}
		canon, err := Canonicalize(out)
		if err != nil || !bytes.Equal(canon, out) {
			t.Fatalf("Canonicalize(%q) = %q, %v", out, canon, err)
		}
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			if got := AppendInt(nil, int64(v)); !bytes.Equal(got, out) {
				t.Fatalf("AppendInt(%d) = %q, AppendFloat = %q", int64(v), got, out)
			}
		}
	})
}

// keyOrderViolation reports the first object in canonical output whose keys
// are not strictly increasing by UTF-16 code units, or "" if there is none.
// (Decoding into maps cannot see member order, so it is checked here.)
func keyOrderViolation(out []byte) string {
	type frame struct {
		object  bool
		wantKey bool
		last    []uint16
		hasLast bool
	}
	var stack []frame
	valueDone := func() {
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return ""
		}
		if err != nil {
			return "output does not tokenize: " + err.Error()
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if n := len(stack); n > 0 && stack[n-1].object {
					stack[n-1].wantKey = false
				}
				stack = append(stack, frame{object: v == '{', wantKey: v == '{'})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
				f := &stack[n-1]
				units := utf16.Encode([]rune(v))
				if f.hasLast && slices.Compare(f.last, units) >= 0 {
					return fmt.Sprintf("keys out of UTF-16 order: %q then %q", string(utf16.Decode(f.last)), v)
				}
				f.last, f.hasLast, f.wantKey = units, true, false
				continue
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// referenceString is AppendString one rune at a time, with none of its
// word-at-a-time shortcut: the specification the fast path must meet.
func referenceString(s string) string {
	var b []byte
	b = append(b, '"')
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = appendRune(b, r)
		}
		i += n
	}
	return string(append(b, '"'))
}

// FuzzAppendString checks AppendString against referenceString, above all
// a byte that needs attention at every position of an eight-byte word.
func FuzzAppendString(f *testing.F) {
	for _, s := range []string{"", "plain ascii text that runs on", "0123456\"89abcdef", "0123456789abcde\\",
		"abcdefg\x1fhijklmnop", "abcdefgh\x7fijklmnop", "abcdefgé ijklmnop", "ab\xffcdefghijklmnopq", "résumé ✓ 😀 and more"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := string(AppendString(nil, s)), referenceString(s); got != want {
			t.Fatalf("AppendString(%q) = %q, want %q", s, got, want)
		}
	})
}

// TestAppendStringWordBoundaries puts each kind of byte that needs
// attention at every offset of a long plain run.
func TestAppendStringWordBoundaries(t *testing.T) {
	plain := "abcdefghijklmnopqrstuvwxyz0123456789"
	for _, special := range []string{"\"", "\\", "\x00", "\x1f", "\n", "é", "\xff", "😀", "\x7f", " "} {
		for at := 0; at <= len(plain); at++ {
			s := plain[:at] + special + plain[at:]
			if got, want := string(AppendString(nil, s)), referenceString(s); got != want {
				t.Fatalf("AppendString(%q) = %q, want %q", s, got, want)
			}
		}
	}
}
