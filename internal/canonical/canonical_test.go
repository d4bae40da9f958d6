package canonical

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
)

func mustCanon(t *testing.T, in string) string {
	t.Helper()
	out, err := Canonicalize([]byte(in))
	if err != nil {
		t.Fatalf("Canonicalize(%q): %v", in, err)
	}
	return string(out)
}

// RFC 8785 §3.2.2: the sample object covering whitespace removal, number
// normalization, string re-escaping and member sorting.
const rfcSampleIn = `{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}`

const rfcSampleOut = `{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}`

func TestRFC8785Sample(t *testing.T) {
	if got := mustCanon(t, rfcSampleIn); got != rfcSampleOut {
		t.Errorf("got  %s\nwant %s", got, rfcSampleOut)
	}
}

// RFC 8785 §3.2.3: keys are sorted by UTF-16 code units.
const rfcSortIn = `{
  "\u20ac": "Euro Sign",
  "\r": "Carriage Return",
  "\ufb33": "Hebrew Letter Dalet With Dagesh",
  "1": "One",
  "\ud83d\ude00": "Emoji: Grinning Face",
  "\u0080": "Control",
  "\u00f6": "Latin Small Letter O With Diaeresis"
}`

const rfcSortOut = "{" +
	`"\r":"Carriage Return",` +
	`"1":"One",` +
	"\"\u0080\":\"Control\"," +
	"\"\u00f6\":\"Latin Small Letter O With Diaeresis\"," +
	"\"\u20ac\":\"Euro Sign\"," +
	"\"\U0001F600\":\"Emoji: Grinning Face\"," +
	"\"\ufb33\":\"Hebrew Letter Dalet With Dagesh\"" +
	"}"

func TestRFC8785Sorting(t *testing.T) {
	if got := mustCanon(t, rfcSortIn); got != rfcSortOut {
		t.Errorf("got  %s\nwant %s", got, rfcSortOut)
	}
}

func TestSortUTF16NotUTF8(t *testing.T) {
	// U+E000..U+FFFF sort before U+10000.. in UTF-8 byte order but after
	// them in UTF-16 code unit order (surrogates are 0xD800..0xDFFF).
	tests := []struct{ in, want string }{
		{`{"\ue000":1,"\ud83d\ude00":2}`, "{\"\U0001F600\":2,\"\ue000\":1}"},
		{`{"\ud83d\ude00":2,"\ue000":1}`, "{\"\U0001F600\":2,\"\ue000\":1}"},
		{`{"\uffff":1,"\udbff\udfff":2,"\ud800\udc00":3,"\ud7ff":4}`,
			"{\"\ud7ff\":4,\"\U00010000\":3,\"\U0010FFFF\":2,\"\uffff\":1}"},
		// Same prefix, difference in a later code point.
		{`{"a\uffff":1,"a\ud800\udc00":2}`, "{\"a\U00010000\":2,\"a\uffff\":1}"},
		// Raw UTF-8 input behaves like escaped input.
		{"{\"\uffff\":1,\"\U00010000\":2}", "{\"\U00010000\":2,\"\uffff\":1}"},
	}
	for _, tc := range tests {
		if got := mustCanon(t, tc.in); got != tc.want {
			t.Errorf("Canonicalize(%s)\n got  %q\n want %q", tc.in, got, tc.want)
		}
	}
}

func TestSortEscapedKeys(t *testing.T) {
	// Canonical escapes are not order-preserving ("\\" is 0x5C but its
	// escape starts with 0x5C too, while U+0001 escapes to "\u0001"), so
	// keys must compare by what they denote.
	in := `{"b":1,"\\":2,"\u0001":3,"\n":4,"\"":5,"a\u0002":6,"a\u0001x":7,"":8,"a":9," ":10}`
	want := `{"":8,"\u0001":3,"\n":4," ":10,"\"":5,"\\":2,"a":9,"a\u0001x":7,"a\u0002":6,"b":1}`
	if got := mustCanon(t, in); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestCompareKeysMatchesUTF16(t *testing.T) {
	alphabet := []rune{
		0, 1, '\b', '\n', 0x1f, ' ', '"', '/', '\\', 'a', 'b', 0x7f,
		0x80, 0xe9, 0x7ff, 0x800, 0x2028, 0xd7ff, 0xe000, 0xfb33, 0xffff,
		0x10000, 0x1f600, 0x10ffff,
	}
	rng := rand.New(rand.NewPCG(1, 2))
	randKey := func() string {
		r := make([]rune, rng.IntN(5))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
		}
		return string(r)
	}
	body := func(s string) []byte {
		b := AppendString(nil, s)
		return b[1 : len(b)-1]
	}
	for range 20000 {
		a, b := randKey(), randKey()
		want := slices.Compare(utf16.Encode([]rune(a)), utf16.Encode([]rune(b)))
		if got := compareKeys(body(a), body(b)); got != want {
			t.Fatalf("compareKeys(%q, %q) = %d, want %d", a, b, got, want)
		}
		if got := compareUTF16(a, b); got != want {
			t.Fatalf("compareUTF16(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{`""`, `""`},
		{`"plain"`, `"plain"`},
		{`"\/"`, `"/"`},
		{`"/"`, `"/"`},
		{`"\"\\"`, `"\"\\"`},
		{`"\b\f\n\r\t"`, `"\b\f\n\r\t"`},
		{`"\u0008\u000C\u000A\u000D\u0009"`, `"\b\f\n\r\t"`},
		{`"\u0000\u0001\u001f\u001F\u000b\u000e"`, `"\u0000\u0001\u001f\u001f\u000b\u000e"`},
		{`"\u0020\u0041\u007e"`, `" A~"`},
		{`"\u007f"`, "\"\x7f\""},
		{"\"\x7f\"", "\"\x7f\""},
		{`"\u00e9\u00E9"`, `"éé"`},
		{`"é"`, `"é"`},
		{`"\u2028\u2029"`, "\"\u2028\u2029\""},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"\uD83D\uDE00"`, `"😀"`},
		{`"😀"`, `"😀"`},
		{`"\udbff\udfff"`, "\"\U0010FFFF\""},
		{`"\ufeff\ufffd\uffff"`, "\"\ufeff\ufffd\uffff\""},
		{`"<&>"`, `"<&>"`},
		{`"\u003c\u0026\u003e"`, `"<&>"`},
		{`"a\u0000b"`, `"a\u0000b"`},
	}
	for _, tc := range tests {
		if got := mustCanon(t, tc.in); got != tc.want {
			t.Errorf("Canonicalize(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"hello", `"hello"`},
		{"\"\\/", `"\"\\/"`},
		{"\b\f\n\r\t", `"\b\f\n\r\t"`},
		{"\x00\x01\x0b\x1f", `"\u0000\u0001\u000b\u001f"`},
		{"\x7f\u0080\u2028\u2029", "\"\x7f\u0080\u2028\u2029\""},
		{"é😀\U0010FFFF", "\"é😀\U0010FFFF\""},
		// Invalid UTF-8: one U+FFFD per offending byte.
		{"a\xffb", "\"a\ufffdb\""},
		{"\xed\xa0\x80", "\"\ufffd\ufffd\ufffd\""}, // UTF-8 encoded surrogate
		{"\xc0\xaf", "\"\ufffd\ufffd\""},           // overlong
		{"\xe2\x82", "\"\ufffd\ufffd\""},           // truncated
		{"\ufffd", "\"\ufffd\""},                   // a real U+FFFD stays
	}
	for _, tc := range tests {
		got := AppendString([]byte("x"), tc.in)
		if string(got) != "x"+tc.want {
			t.Errorf("AppendString(%q) = %q, want %q", tc.in, got, "x"+tc.want)
		}
		// Output must be canonical already.
		if again := mustCanon(t, tc.want); again != tc.want {
			t.Errorf("AppendString(%q) not canonical: %q vs %q", tc.in, tc.want, again)
		}
	}
}

func TestStructure(t *testing.T) {
	tests := []struct{ in, want string }{
		{" \t\r\n true \t\r\n ", "true"},
		{"false", "false"},
		{"null", "null"},
		{"[]", "[]"},
		{"{}", "{}"},
		{"[ ]", "[]"},
		{"{ }", "{}"},
		{`[ 3 , 1 , 2 ]`, `[3,1,2]`},
		{`{ "b" : [ { "d" : 1 , "c" : 2 } ] , "a" : { } }`, `{"a":{},"b":[{"c":2,"d":1}]}`},
		{`[[[]],{"a":[{}]}]`, `[[[]],{"a":[{}]}]`},
		// Nested objects reordered inside an object that is reordered too.
		{`{"z":{"y":1,"x":{"w":"a,b}","v":"\""}},"a":[{"q":1,"p":2}]}`,
			`{"a":[{"p":2,"q":1}],"z":{"x":{"v":"\"","w":"a,b}"},"y":1}}`},
	}
	for _, tc := range tests {
		if got := mustCanon(t, tc.in); got != tc.want {
			t.Errorf("Canonicalize(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

func TestLargeObjectReorder(t *testing.T) {
	// More members than reorder's stack buffers hold, in reverse order,
	// with a body large enough to need the heap scratch buffer.
	const n = 300
	key := func(i int) string { return string(rune('a'+i/26)) + string(rune('a'+i%26)) }
	var in, want strings.Builder
	in.WriteString("{")
	for i := n - 1; i >= 0; i-- {
		if i != n-1 {
			in.WriteString(", ")
		}
		fmt.Fprintf(&in, `"%s": {"y": [%d], "x": "%s"}`, key(i), i, key(i))
	}
	in.WriteString("}")
	want.WriteString("{")
	for i := 0; i < n; i++ {
		if i > 0 {
			want.WriteString(",")
		}
		fmt.Fprintf(&want, `"%s":{"x":"%s","y":[%d]}`, key(i), key(i), i)
	}
	want.WriteString("}")
	if got := mustCanon(t, in.String()); got != want.String() {
		t.Errorf("got  %s\nwant %s", got, want.String())
	}
}

func TestErrors(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	tests := []struct {
		name   string
		in     string
		lim    Limits
		offset int
		path   string
		reason string
	}{
		// Syntax.
		{"empty", "", Limits{}, 0, "", "unexpected end of input"},
		{"only whitespace", " \n", Limits{}, 2, "", "unexpected end of input"},
		{"BOM", "\ufeff{}", Limits{}, 0, "", "byte 0xef"},
		{"bad literal", "[tru]", Limits{}, 1, "/0", "invalid literal"},
		{"NaN literal", "NaN", Limits{}, 0, "", "expected a value"},
		{"single quotes", "['a']", Limits{}, 1, "/0", "character '\\''"},
		{"unclosed array", "[1,2", Limits{}, 4, "", "expected ',' or ']'"},
		{"missing comma", "[1 2]", Limits{}, 3, "", "after array element"},
		{"array trailing comma", "[1,]", Limits{}, 3, "/1", "expected a value"},
		{"object trailing comma", `{"a":1,}`, Limits{}, 7, "", "expected string for object key"},
		{"non-string key", "{1:2}", Limits{}, 1, "", "expected string for object key"},
		{"missing colon", `{"a" 1}`, Limits{}, 5, "/a", "expected ':'"},
		{"missing member comma", `{"a":1 "b":2}`, Limits{}, 7, "", "after object member"},
		{"unclosed object", `{"a":1`, Limits{}, 6, "", "expected ',' or '}'"},
		{"missing value", `{"a":}`, Limits{}, 5, "/a", "expected a value"},
		{"unterminated string", `"abc`, Limits{}, 4, "", "end of input in string"},
		{"eof in escape", `"\`, Limits{}, 2, "", "end of input in escape"},
		// Trailing data.
		{"trailing value", "1 2", Limits{}, 2, "", "after top-level value"},
		{"trailing garbage", "{} x", Limits{}, 3, "", "after top-level value"},
		{"trailing bracket", "[]]", Limits{}, 2, "", "after top-level value"},
		// Strings.
		{"raw control char", "\"a\tb\"", Limits{}, 2, "", "control character U+0009"},
		{"raw newline in key", "{\"a\nb\":1}", Limits{}, 3, "", "control character"},
		{"invalid escape", `["\x"]`, Limits{}, 2, "/0", "invalid escape"},
		{"bad hex", `"\u12g4"`, Limits{}, 1, "", `invalid \u escape`},
		{"short hex", `"\u12"`, Limits{}, 1, "", `invalid \u escape`},
		{"invalid UTF-8 in value", "[\"ok\",\"a\xffb\"]", Limits{}, 8, "/1", "invalid UTF-8"},
		{"invalid UTF-8 in key", "{\"a\xff\":1}", Limits{}, 3, "", "invalid UTF-8"},
		{"invalid UTF-8 nested", "{\"k\":{\"x\":[\"\xc0\xaf\"]}}", Limits{}, 12, "/k/x/0", "invalid UTF-8"},
		{"UTF-8 encoded surrogate", "\"\xed\xa0\x80\"", Limits{}, 1, "", "invalid UTF-8"},
		{"truncated UTF-8", "\"\xe2\x82\"", Limits{}, 1, "", "invalid UTF-8"},
		{"UTF-8 beyond U+10FFFF", "\"\xf4\x90\x80\x80\"", Limits{}, 1, "", "invalid UTF-8"},
		// Surrogates.
		{"lone high", `{"a":["\ud800"]}`, Limits{}, 7, "/a/0", "lone surrogate"},
		{"lone high at end of input", `"\ud800`, Limits{}, 1, "", "lone surrogate"},
		{"lone low", `"\udc00"`, Limits{}, 1, "", "low surrogate without"},
		{"high then BMP", `"\ud800\u0041"`, Limits{}, 1, "", "not followed by low"},
		{"high then high", `"\ud800\ud800"`, Limits{}, 1, "", "not followed by low"},
		{"high then text", `"\ud800x"`, Limits{}, 1, "", "not followed by low"},
		{"low then high", `"\udc00\ud800"`, Limits{}, 1, "", "low surrogate without"},
		{"high then bad hex", `"\ud800\uzzzz"`, Limits{}, 7, "", `invalid \u escape`},
		{"lone surrogate in key", `{"ok":1,"\udfff":2}`, Limits{}, 9, "", "lone surrogate"},
		// Duplicate keys.
		{"duplicate sorted", `{"a":1,"a":2}`, Limits{}, 7, "/a", "duplicate object key"},
		{"duplicate unsorted", `{"b":1,"a":2,"b":3}`, Limits{}, 13, "/b", "duplicate object key \"b\""},
		{"duplicate first in source order", `{"c":1,"b":1,"a":1,"b":2,"c":2}`, Limits{}, 19, "/b", `"b"`},
		{"duplicate nested", `{"a":[0,1,2,{"b":1,"c":2,"b":3}]}`, Limits{}, 25, "/a/3/b", "duplicate object key"},
		{"duplicate via escape", `{"\u0061":1,"a":2}`, Limits{}, 12, "/a", "duplicate object key"},
		{"duplicate escaped control", `{"\n":1,"\u000a":2}`, Limits{}, 8, "/\n", "duplicate object key"},
		{"duplicate pointer escaping", `{"x":{"a/b~":1,"a/b~":2}}`, Limits{}, 15, "/x/a~1b~0", "duplicate"},
		{"duplicate surrogate pair", "{\"\\ud83d\\ude00\":1,\"\U0001F600\":2}", Limits{}, 18, "/\U0001F600", "duplicate"},
		{"duplicate empty key", `{"":1,"":2}`, Limits{}, 6, "/", "duplicate"},
		// Depth.
		{"depth default", deep(65), Limits{}, 64, strings.Repeat("/0", 64), "nesting depth exceeds limit of 64"},
		{"depth custom", `[[[1]]]`, Limits{MaxDepth: 2}, 2, "/0/0", "limit of 2"},
		{"depth object", `{"a":{"b":{}}}`, Limits{MaxDepth: 2}, 10, "/a/b", "limit of 2"},
		// Size.
		{"size custom", `[1,2]`, Limits{MaxBytes: 4}, 4, "", "exceeds limit of 4"},
		{"size default", `"` + strings.Repeat("x", 1<<20-1) + `"`, Limits{}, 1 << 20, "", "exceeds limit of 1048576"},
		// Numbers.
		{"number overflow", `{"n":[1e400]}`, Limits{}, 6, "/n/0", "not a finite"},
		{"negative overflow", `[-1e400]`, Limits{}, 1, "/0", "not a finite"},
		{"long overflow", "1" + strings.Repeat("0", 400), Limits{}, 0, "", "not a finite"},
		{"leading zero", "01", Limits{}, 0, "", "leading zero"},
		{"negative leading zero", "[-01]", Limits{}, 1, "/0", "leading zero"},
		{"bare minus", "-", Limits{}, 1, "", "expected digit"},
		{"minus letter", "-a", Limits{}, 1, "", "expected digit"},
		{"trailing point", "1.", Limits{}, 2, "", "after decimal point"},
		{"point exponent", "1.e5", Limits{}, 2, "", "after decimal point"},
		{"empty exponent", "1e", Limits{}, 2, "", "in exponent"},
		{"signed empty exponent", "1e+", Limits{}, 3, "", "in exponent"},
		{"leading point", ".5", Limits{}, 0, "", "expected a value"},
		{"plus sign", "+1", Limits{}, 0, "", "expected a value"},
		{"hex", "0x10", Limits{}, 1, "", "after top-level value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte("prefix")
			out, err := Append(dst, []byte(tc.in), tc.lim)
			if err == nil {
				t.Fatalf("Append(%q) = %q, want error", tc.in, out)
			}
			if string(out) != "prefix" {
				t.Errorf("Append(%q) returned %q on error, want dst unchanged", tc.in, out)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not *Error", err)
			}
			if e.Offset != tc.offset || e.Path != tc.path || !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("Append(%.40q) error = {Offset:%d Path:%q Reason:%q}, want {Offset:%d Path:%q Reason:~%q}",
					tc.in, e.Offset, e.Path, e.Reason, tc.offset, tc.path, tc.reason)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "canonical: ") || !strings.Contains(msg, e.Reason) {
				t.Errorf("Error() = %q", msg)
			}
		})
	}
}

func TestLimitsAccept(t *testing.T) {
	deep := strings.Repeat("[", 64) + strings.Repeat("]", 64)
	if _, err := Canonicalize([]byte(deep)); err != nil {
		t.Errorf("depth 64 with default limit: %v", err)
	}
	if _, err := Append(nil, []byte(`[[1]]`), Limits{MaxDepth: 2}); err != nil {
		t.Errorf("depth 2 with limit 2: %v", err)
	}
	if _, err := Append(nil, []byte(deep), Limits{MaxDepth: -1}); err != nil {
		t.Errorf("negative MaxDepth should mean default: %v", err)
	}
	if _, err := Append(nil, []byte(`[1,2]`), Limits{MaxBytes: 5}); err != nil {
		t.Errorf("exact MaxBytes: %v", err)
	}
	big := `"` + strings.Repeat("x", 1<<20-2) + `"`
	if _, err := Canonicalize([]byte(big)); err != nil {
		t.Errorf("1 MiB input with default limit: %v", err)
	}
	if _, err := Append(nil, []byte(big+" "), Limits{MaxBytes: 2 << 20}); err != nil {
		t.Errorf("raised MaxBytes: %v", err)
	}
	veryDeep := strings.Repeat(`{"a":`, 1000) + "1" + strings.Repeat("}", 1000)
	if _, err := Append(nil, []byte(veryDeep), Limits{MaxDepth: 1000}); err != nil {
		t.Errorf("raised MaxDepth: %v", err)
	}
}

func TestAppendKeepsPrefix(t *testing.T) {
	dst := make([]byte, 0, 64)
	dst = append(dst, "head:"...)
	out, err := Append(dst, []byte(`{"b":1,"a":[true]}`), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `head:{"a":[true],"b":1}` {
		t.Errorf("got %s", out)
	}
}

func TestMarshal(t *testing.T) {
	type inner struct {
		Z string  `json:"z"`
		A float64 `json:"a"`
	}
	v := map[string]any{
		"html":   "<a href=\"x\">&</a>",
		"inner":  inner{Z: "é\u2028", A: 1e21},
		"list":   []any{1, 2.5, nil, true},
		"\ue000": 1,
		"😀":      2,
	}
	got, err := Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\"html\":\"<a href=\\\"x\\\">&</a>\",\"inner\":{\"a\":1e+21,\"z\":\"é\u2028\"},\"list\":[1,2.5,null,true],\"😀\":2,\"\ue000\":1}"
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if _, err := Marshal(func() {}); err == nil {
		t.Error("Marshal(func) succeeded")
	}
}

// smallDoc is a typical ~200-byte audit-style record: nested object, array,
// numbers and strings, keys deliberately out of order.
const smallDoc = `{"type":"tool.call","id":"01HZX3K9Q7","seq":1842,"actor":{"kind":"agent","name":"planner-7","trust":0.75},"args":["ls","-la","/srv/data"],"cost":{"usd":0.0042,"tokens":1536},"ok":true,"note":"caf\u00e9 \ud83d\ude00"}`

func TestSmallDoc(t *testing.T) {
	want := `{"actor":{"kind":"agent","name":"planner-7","trust":0.75},"args":["ls","-la","/srv/data"],"cost":{"tokens":1536,"usd":0.0042},"id":"01HZX3K9Q7","note":"café 😀","ok":true,"seq":1842,"type":"tool.call"}`
	if got := mustCanon(t, smallDoc); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestAllocs(t *testing.T) {
	src := []byte(smallDoc)
	canon := []byte(mustCanon(t, smallDoc))
	buf := make([]byte, 0, 1024)
	cases := []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Canonicalize unsorted", 1, func() { _, _ = Canonicalize(src) }},
		{"Canonicalize sorted", 1, func() { _, _ = Canonicalize(canon) }},
		{"Append reused buffer", 0, func() { _, _ = Append(buf[:0], src, Limits{}) }},
		{"AppendString", 0, func() { _ = AppendString(buf[:0], "caf\u00e9 \"quoted\"\n") }},
		{"AppendFloat", 0, func() { _, _ = AppendFloat(buf[:0], 1.0000000000000003e+23) }},
	}
	for _, c := range cases {
		if got := testing.AllocsPerRun(100, c.fn); got > c.max {
			t.Errorf("%s: %v allocs per call, want <= %v", c.name, got, c.max)
		}
	}
}

func TestIdempotentOnSamples(t *testing.T) {
	for _, in := range []string{rfcSampleIn, rfcSortIn, smallDoc} {
		once := mustCanon(t, in)
		if twice := mustCanon(t, once); twice != once {
			t.Errorf("not idempotent:\n%s\n%s", once, twice)
		}
		if !bytes.Equal([]byte(once), []byte(mustCanon(t, " "+in+"\n"))) {
			t.Errorf("surrounding whitespace changed output")
		}
	}
}
