package delegation

import (
	"regexp"
	"strings"

	"github.com/agentgov/agentgov/internal/glob"
)

// Scope containment between globs. A child link may name a glob only if
// every name it matches is matched by one of its parent's globs. Deciding
// that exactly for sets of globs is more than a delegation check needs;
// covers is sound (it never says yes wrongly) and complete for one parent
// glob against one child glob built from literals, ?, * and classes copied
// verbatim — which is how narrowing is written in practice ("kb_*" under
// "*", "kb_read" under "kb_*"). When it cannot prove containment the child
// is refused as widening.

type globTok struct {
	kind  byte // 'l' literal, '?' any one, '*' any run, '[' class
	ch    rune
	class string // the class text including brackets
	re    *regexp.Regexp
}

// tokens splits a glob as internal/glob reads it: '[' opens a class only
// when a ']' follows later.
func tokens(g string) []globTok {
	var out []globTok
	rs := []rune(g)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '*':
			if len(out) > 0 && out[len(out)-1].kind == '*' {
				continue // ** is *
			}
			out = append(out, globTok{kind: '*'})
		case '?':
			out = append(out, globTok{kind: '?'})
		case '[':
			if j := strings.IndexRune(string(rs[i+1:]), ']'); j > 0 {
				rest := string(rs[i+1:])
				text := "[" + rest[:j] + "]"
				re := regexp.MustCompile(glob.ToRegexp(text, false))
				out = append(out, globTok{kind: '[', class: text, re: re})
				i += len([]rune(rest[:j])) + 1
				continue
			}
			out = append(out, globTok{kind: 'l', ch: '['})
		default:
			out = append(out, globTok{kind: 'l', ch: rs[i]})
		}
	}
	return out
}

// covers reports whether every name matched by child is matched by
// parent.
func covers(parent, child string) bool {
	if parent == child {
		return true
	}
	p, c := tokens(parent), tokens(child)
	memo := make([]int8, (len(p)+1)*(len(c)+1)) // 0 unknown, 1 yes, 2 no
	var cov func(i, j int) bool
	cov = func(i, j int) bool {
		k := i*(len(c)+1) + j
		if memo[k] != 0 {
			return memo[k] == 1
		}
		r := false
		switch {
		case i == len(p):
			r = j == len(c)
		case p[i].kind == '*':
			// The star absorbs nothing, or the child's next token
			// whatever it is.
			r = cov(i+1, j) || (j < len(c) && cov(i, j+1))
		case j == len(c):
			r = false
		case p[i].kind == '?':
			r = c[j].kind != '*' && cov(i+1, j+1)
		case p[i].kind == 'l':
			r = c[j].kind == 'l' && c[j].ch == p[i].ch && cov(i+1, j+1)
		case p[i].kind == '[':
			switch c[j].kind {
			case 'l':
				r = p[i].re.MatchString(string(c[j].ch)) && cov(i+1, j+1)
			case '[':
				r = c[j].class == p[i].class && cov(i+1, j+1)
			}
		}
		if r {
			memo[k] = 1
		} else {
			memo[k] = 2
		}
		return r
	}
	return cov(0, 0)
}

// subset reports whether every glob of child is covered by a glob of
// parent, returning the first that is not.
func subset(parent, child []string) (string, bool) {
	for _, c := range child {
		ok := false
		for _, p := range parent {
			if covers(p, c) {
				ok = true
				break
			}
		}
		if !ok {
			return c, false
		}
	}
	return "", true
}
