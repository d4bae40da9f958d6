package blockpattern

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
)

func TestFind(t *testing.T) {
	m, err := Compile([]Pattern{
		{Substring, "DROP TABLE"},  // 0
		{Regex, `rm\s+-rf\s+/`},    // 1
		{Glob, "*.pem"},            // 2
		{Substring, "/etc/passwd"}, // 3
	})
	if err != nil {
		t.Fatal(err)
	}
	args := map[string]any{
		"sql":   "select 1; drop table users",
		"cmd":   []any{"ls", "RM  -RF /"},
		"file":  "secrets/server.PEM",
		"enc":   base64.StdEncoding.EncodeToString([]byte("cat /etc/passwd")),
		"url":   "https://x/?p=" + url.QueryEscape("../../etc/passwd"),
		"safe":  "drop the table leg",
		"key":   map[string]any{"drop table": "keys are not scanned"},
		"split": []any{"DROP", "TABLE"},
		"n":     42,
	}
	got, err := m.Find(args)
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, h := range got {
		s = append(s, fmt.Sprintf("%s %d %s", h.Path, h.Pattern, h.Form))
	}
	sort.Strings(s)
	want := []string{
		"/cmd/1 1 raw",
		"/enc 3 base64-decoded",
		"/file 2 raw",
		"/sql 0 raw",
		"/url 3 url-decoded",
	}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Fatalf("hits\n%v\nwant\n%v", s, want)
	}
}

func TestCompileErrors(t *testing.T) {
	for _, p := range []Pattern{{Substring, ""}, {Regex, "(a"}, {"word", "x"}} {
		if _, err := Compile([]Pattern{p}); err == nil {
			t.Errorf("%+v compiled", p)
		}
	}
}

func TestTooDeep(t *testing.T) {
	m, _ := Compile([]Pattern{{Substring, "x"}})
	var v any = "x"
	for range 100 {
		v = []any{v}
	}
	if _, err := m.Find(v); err != ErrTooDeep {
		t.Fatalf("deep input: %v", err)
	}
}

func BenchmarkFind10Patterns10Args(b *testing.B) {
	var ps []Pattern
	for _, s := range []string{"drop table", "rm -rf", "/etc/passwd", "curl | sh", "base64 -d", "chmod 777", "<script", "169.254.169.254", "password=", "union select"} {
		ps = append(ps, Pattern{Substring, s})
	}
	m, _ := Compile(ps)
	args := map[string]any{}
	for i := range 10 {
		args[fmt.Sprintf("arg%d", i)] = fmt.Sprintf("an ordinary argument value number %d with some words", i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Find(args); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzDFAAgreesWithContains holds the automaton to the obvious definition:
// pattern p occurs in s, ignoring ASCII case.
func FuzzDFAAgreesWithContains(f *testing.F) {
	f.Add("abcabd", "abd", "bc", "ABD")
	f.Add("xx", "x", "xx", "xxx")
	f.Add("Hello WORLD", "o w", "LLO", "z")
	f.Fuzz(func(t *testing.T, s, p1, p2, p3 string) {
		pats := []string{p1, p2, p3}
		for _, p := range pats {
			if p == "" {
				return
			}
		}
		d := buildDFA(pats)
		got := make([]bool, 3)
		d.scan(s, func(p int) { got[p] = true })
		for i, p := range pats {
			want := strings.Contains(asciiLower(s), asciiLower(p))
			if got[i] != want {
				t.Fatalf("pattern %q in %q: got %v, want %v", p, s, got[i], want)
			}
		}
	})
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		b[i] = lowerASCII(c)
	}
	return string(b)
}

// FuzzSkipperAgreesWithDFA holds the filter to the automaton: it must say
// "may match" whenever the automaton finds a pattern (else a blocked
// argument would pass), and, being exact, only then.
func FuzzSkipperAgreesWithDFA(f *testing.F) {
	f.Add("an ordinary value 3 for the tool call", "password=", "DROP TABLE", "rm -rf")
	f.Add("xxPASSWORD=yy", "password=", "abcd", "bcde")
	f.Add("aaaaaaaa", "aaaa", "aaab", "baaa")
	f.Add("169.254.169.254", "169.254.169.254", "9.25", "54.1")
	f.Add("\xc4\xb0stanbul", "\xc4\xb0st", "İSTA", "xyzw")
	f.Fuzz(func(t *testing.T, s, p1, p2, p3 string) {
		var pats []string
		for _, p := range []string{p1, p2, p3} {
			if p == "" {
				return
			}
			pats = append(pats, strings.ToLower(p))
		}
		d := buildDFA(pats)
		k := newSkipper(d, pats)
		if k == nil {
			return
		}
		hit := false
		d.scan(s, func(int) { hit = true })
		if got := k.mayMatch(s); got != hit {
			t.Fatalf("patterns %q in %q: skipper says %v, automaton %v", pats, s, got, hit)
		}
	})
}

// The filter is consulted for every form of every leaf: a hit in any of
// them must still be found when the patterns are long enough to skip.
func TestFindWithSkipper(t *testing.T) {
	m, err := Compile([]Pattern{{Substring, "drop table"}, {Substring, "/etc/passwd"}, {Substring, "password="}})
	if err != nil {
		t.Fatal(err)
	}
	if m.skip == nil {
		t.Fatal("patterns of 9 bytes and more should get a filter")
	}
	for _, tc := range []struct {
		v    any
		want int
	}{
		{"an ordinary value for the tool call", 0},
		{"x; DROP TABLE users", 1},
		{"PassWord=hunter2 and then DROP table", 2},
		{base64.StdEncoding.EncodeToString([]byte("cat /etc/passwd")), 1},
		{"https://x/?p=" + url.QueryEscape("../../etc/passwd"), 1},
		{[]any{"ok", map[string]any{"k": "drop tablespace"}}, 1},
		{"drop tabl", 0},
	} {
		got, err := m.Find(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != tc.want {
			t.Errorf("%v: %d matches %+v, want %d", tc.v, len(got), got, tc.want)
		}
	}
}
