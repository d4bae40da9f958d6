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
