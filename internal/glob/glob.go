// Package glob matches names against shell-style patterns: * matches any
// run of characters (including '/' and '.', since tool names use both as
// separators), ? matches one character, [abc] and [a-z] match a class,
// [!abc] its complement. Matching is case-sensitive: tool names are
// identifiers, and the gate matches the name exactly as the catalogue and
// the caller spell it.
package glob

import (
	"fmt"
	"regexp"
	"strings"
)

// Pattern is a compiled glob.
type Pattern struct {
	raw     string
	literal bool
	re      *regexp.Regexp
}

// Compile compiles a glob.
func Compile(g string) (Pattern, error) {
	if g == "" {
		return Pattern{}, fmt.Errorf("glob: empty pattern")
	}
	if !strings.ContainsAny(g, "*?[") {
		return Pattern{raw: g, literal: true}, nil
	}
	re, err := regexp.Compile(ToRegexp(g, false))
	if err != nil {
		return Pattern{}, fmt.Errorf("glob %q: %w", g, err)
	}
	return Pattern{raw: g, re: re}, nil
}

// ToRegexp translates a glob into an anchored RE2 expression.
func ToRegexp(g string, foldCase bool) string {
	var b strings.Builder
	b.WriteString("(?s")
	if foldCase {
		b.WriteString("i")
	}
	b.WriteString(")^")
	for i := 0; i < len(g); i++ {
		switch c := g[i]; c {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		case '[':
			if j := strings.IndexByte(g[i+1:], ']'); j > 0 {
				class := g[i+1 : i+1+j]
				neg := false
				if class[0] == '!' {
					neg, class = true, class[1:]
				}
				b.WriteByte('[')
				if neg {
					b.WriteByte('^')
				}
				for _, r := range class {
					if r == '-' {
						b.WriteByte('-')
						continue
					}
					b.WriteString(regexp.QuoteMeta(string(r)))
				}
				b.WriteByte(']')
				i += j + 1
				continue
			}
			b.WriteString(`\[`)
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return b.String()
}

// Match reports whether name matches.
func (p Pattern) Match(name string) bool {
	if p.literal {
		return name == p.raw
	}
	return p.re != nil && p.re.MatchString(name)
}

// Literal reports whether the pattern has no wildcard: it matches only the
// name it spells.
func (p Pattern) Literal() bool { return p.literal }

// String is the pattern as written.
func (p Pattern) String() string { return p.raw }

// Set is a list of globs.
type Set []Pattern

// CompileSet compiles every glob; the error names the first bad one.
func CompileSet(gs []string) (Set, error) {
	out := make(Set, 0, len(gs))
	for _, g := range gs {
		p, err := Compile(g)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// Match returns the first pattern matching name.
func (s Set) Match(name string) (Pattern, bool) {
	for _, p := range s {
		if p.Match(name) {
			return p, true
		}
	}
	return Pattern{}, false
}
