// Package blockpattern matches a profile's blocked patterns against tool
// arguments. Patterns are matched case-insensitively against every string
// leaf of the arguments and against the URL-decoded and base64-decoded
// forms of each leaf — never against a printed form of the whole argument
// map, where a pattern could straddle two values or match a key.
package blockpattern

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/glob"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Kind is how a pattern matches.
type Kind string

// Kinds.
const (
	Substring Kind = "substring"
	Regex     Kind = "regex"
	Glob      Kind = "glob"
)

// Pattern is one configured blocked pattern.
type Pattern struct {
	Kind    Kind
	Pattern string
}

// Limits on what is inspected, so that a hostile argument cannot make
// matching expensive.
const (
	maxDepth      = 64
	maxLeafBytes  = 1 << 20
	minBase64Len  = 8
	maxPatternLen = 4096
	// maxPatternBytes bounds the automaton (one state per pattern byte).
	maxPatternBytes = 1 << 20
)

// Matcher is a compiled pattern set; it is safe for concurrent use.
type Matcher struct {
	patterns []Pattern
	// substrings are matched together in one Aho–Corasick pass; subIdx
	// maps an automaton pattern back to its configured index.
	ac     *dfa
	skip   *skipper // nil when a pattern is too short to skip over
	subIdx []int
	res    []*regexp.Regexp
	resIdx []int
	// walkers are reused: the scan callback makes a walker escape, and
	// its buffers are most of what a call would otherwise allocate.
	walkers sync.Pool
}

// Compile validates and compiles patterns; the error names the pattern.
func Compile(ps []Pattern) (*Matcher, error) {
	m := &Matcher{patterns: ps}
	var subs []string
	total := 0
	for i, p := range ps {
		if p.Pattern == "" {
			return nil, fmt.Errorf("blocked_patterns[%d]: empty pattern", i)
		}
		if len(p.Pattern) > maxPatternLen {
			return nil, fmt.Errorf("blocked_patterns[%d]: longer than %d bytes", i, maxPatternLen)
		}
		switch p.Kind {
		case Substring:
			if total += len(p.Pattern); total > maxPatternBytes {
				return nil, fmt.Errorf("blocked_patterns[%d]: the substring patterns exceed %d bytes in total", i, maxPatternBytes)
			}
			subs = append(subs, strings.ToLower(p.Pattern))
			m.subIdx = append(m.subIdx, i)
		case Regex:
			re, err := regexp.Compile("(?i)" + p.Pattern)
			if err != nil {
				return nil, fmt.Errorf("blocked_patterns[%d]: regex: %w", i, err)
			}
			m.res = append(m.res, re)
			m.resIdx = append(m.resIdx, i)
		case Glob:
			// Globs match the whole leaf, case-insensitively.
			re, err := regexp.Compile(glob.ToRegexp(p.Pattern, true))
			if err != nil {
				return nil, fmt.Errorf("blocked_patterns[%d]: glob: %w", i, err)
			}
			m.res = append(m.res, re)
			m.resIdx = append(m.resIdx, i)
		default:
			return nil, fmt.Errorf("blocked_patterns[%d]: kind must be substring, regex or glob, not %q", i, p.Kind)
		}
	}
	if len(subs) > 0 {
		m.ac = buildDFA(subs)
		m.skip = newSkipper(m.ac, subs)
	}
	return m, nil
}

// Match is one hit.
type Match struct {
	// Path is a JSON Pointer to the argument.
	Path string
	// Pattern is the index of the configured pattern.
	Pattern int
	// Form is "raw", "url-decoded" or "base64-decoded".
	Form string
}

// ErrTooDeep reports arguments nested beyond inspection; callers deny.
var ErrTooDeep = errors.New("blockpattern: arguments nested too deeply to inspect")

// Find returns every (leaf, pattern) hit in v, at most one per pattern per
// leaf. An error means v could not be inspected completely.
func (m *Matcher) Find(v any) ([]Match, error) {
	if m == nil || len(m.patterns) == 0 {
		return nil, nil
	}
	w, _ := m.walkers.Get().(*walker)
	if w == nil {
		w = new(walker)
	}
	w.m = m
	if len(m.patterns) <= len(w.seenBuf) {
		w.seen = w.seenBuf[:len(m.patterns)]
	} else {
		w.seen = make([]bool, len(m.patterns))
	}
	w.path = w.pathBuf[:0]
	err := w.walk(v, 0)
	out := w.out
	// Nothing of this call stays in the pool: the path held argument keys.
	*w = walker{}
	m.walkers.Put(w)
	return out, err
}

// walker keeps the path as a stack of segments and renders it only for a
// hit, so that the common case — no hit — allocates nothing per argument
// and, for the usual shallow arguments and short pattern lists, one
// allocation per call (the walker with its buffers).
type walker struct {
	m       *Matcher
	path    []string
	seen    []bool
	out     []Match
	form    string
	seenBuf [64]bool
	pathBuf [8]string
}

func (w *walker) walk(v any, depth int) error {
	if depth > maxDepth {
		return ErrTooDeep
	}
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			w.path = append(w.path, k)
			if err := w.walk(e, depth+1); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	case []any:
		for i, e := range x {
			w.path = append(w.path, strconv.Itoa(i))
			if err := w.walk(e, depth+1); err != nil {
				return err
			}
			w.path = w.path[:len(w.path)-1]
		}
	case string:
		w.leaf(x)
	}
	return nil
}

func (w *walker) pointer() string {
	var b strings.Builder
	for _, seg := range w.path {
		b.WriteByte('/')
		b.WriteString(jsonpointer.Escape(seg))
	}
	return b.String()
}

func (w *walker) leaf(s string) {
	if len(s) > maxLeafBytes {
		s = s[:maxLeafBytes]
	}
	clear(w.seen)
	w.scan(s, "raw")
	if strings.IndexByte(s, '%') >= 0 || strings.IndexByte(s, '+') >= 0 {
		if d, err := url.QueryUnescape(s); err == nil && d != s {
			w.scan(d, "url-decoded")
		}
	}
	if d, ok := decodeBase64(s); ok {
		w.scan(d, "base64-decoded")
	}
}

func (w *walker) record(idx int) {
	if w.seen[idx] {
		return
	}
	w.seen[idx] = true
	w.out = append(w.out, Match{Path: w.pointer(), Pattern: idx, Form: w.form})
}

func (w *walker) scan(s, form string) {
	w.form = form
	if ac := w.m.ac; ac != nil && (w.m.skip == nil || w.m.skip.mayMatch(s)) {
		ac.scan(s, func(p int) { w.record(w.m.subIdx[p]) })
	}
	for i, re := range w.m.res {
		if idx := w.m.resIdx[i]; !w.seen[idx] && re.MatchString(s) {
			w.record(idx)
		}
	}
}

// decodeBase64 decodes s if it is plausibly base64 (standard or URL
// alphabet, padded or not) of printable UTF-8 text.
func decodeBase64(s string) (string, bool) {
	t := strings.TrimSpace(s)
	if len(t) < minBase64Len {
		return "", false
	}
	for _, c := range []byte(t) {
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '-' || c == '_' || c == '=') {
			return "", false
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(t); err == nil && utf8.Valid(b) && printable(b) {
			return string(b), true
		}
	}
	return "", false
}

func printable(b []byte) bool {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*10 <= len(b)
}

// Pattern returns configured pattern i.
func (m *Matcher) Pattern(i int) Pattern { return m.patterns[i] }
