package code

import (
	"strings"
	"testing"
)

// Fuzz targets, one per parser path. Each checks that the detector never
// panics and that every finding has a valid span, type and severity.

func fuzzLanguage(f *testing.F, lang Language, seeds ...string) {
	for _, s := range loadCorpus(f, "dev") {
		if s.lang == string(lang) {
			f.Add(s.code)
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	d := New()
	f.Fuzz(func(t *testing.T, src string) {
		fs, err := d.Find(src, lang)
		if err != nil {
			if len(src) > MaxInputBytes {
				return
			}
			t.Fatal(err)
		}
		checkFindings(t, src, fs)
		for _, x := range fs {
			if splitsRune(src, x.Start) || splitsRune(src, x.End) {
				t.Fatalf("span splits a rune: %+v", x)
			}
		}
	})
}

func FuzzPython(f *testing.F) {
	fuzzLanguage(f, Python, "f'{x!r:>{w}}'", "'''", "rb'\\x'", "x = (", "eval(f\"{a}\")", "\\\n", "é = '\\u00e9'")
}

func FuzzBash(f *testing.F) {
	fuzzLanguage(f, Bash, "$(", "<<EOF\nx\nEOF", "a | b | c", "${x:?}", "echo 'x' | sh", "f() { f | f & }")
}

func FuzzGo(f *testing.F) {
	fuzzLanguage(f, Go, "package", "func(", "x := `", "exec.Command(\"sh\", \"-c\",", "import \"")
}

func FuzzJavaScript(f *testing.F) {
	fuzzLanguage(f, JavaScript, "import x from 'y'", "`${", "/re/", "export default {", "<div/>", "await x")
}

func FuzzTypeScript(f *testing.F) {
	fuzzLanguage(f, TypeScript, "let x: <T>() => T", "enum E { A }", "@dec class A {}", "import type { X } from 'y'", "<A>(x)")
}

func FuzzSQL(f *testing.F) {
	fuzzLanguage(f, SQL, "'", "$$", "$a$ x $a$", "/*", "E'\\'", ":'", "\"")
}

// FuzzSourceMap: the source-map decoder and position mapping never panic.
func FuzzSourceMap(f *testing.F) {
	f.Add(`{"mappings":"AAAA;AACA,CAAC"}`, "ab\ncd", "a\nb")
	f.Add(`{"mappings":"gggg"}`, "", "")
	f.Fuzz(func(t *testing.T, m, gen, orig string) {
		sm, err := parseSourceMap([]byte(m), gen, orig)
		if err != nil {
			return
		}
		for _, off := range []int{0, len(gen) / 2, len(gen)} {
			s, e := sm.span(off, min(off+3, len(gen)))
			if s < 0 || e < s || e > len(orig) {
				t.Fatalf("span(%d) = %d,%d for %d bytes", off, s, e, len(orig))
			}
		}
	})
}

// FuzzPathHelpers: the path classifiers never panic.
func FuzzPathHelpers(f *testing.F) {
	for _, s := range []string{"/", "~", "$HOME/", "/home/x", "/etc/shadow", "//", "/*", strings.Repeat("/", 10)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		_ = criticalPath(p)
		_ = systemPath(p)
		_ = sensitivePath(p)
		_ = deviceTarget(p)
		_, _ = chmodMode(p)
	})
}
