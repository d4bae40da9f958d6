// Package secrets finds credentials in text: cloud provider keys, API
// tokens of the services agents use, private keys, JWTs, passwords in URLs,
// connection strings and configuration files, and high-entropy values
// assigned to key-like names.
//
// Each rule names the keywords that must occur for it to apply (a token's
// prefix, a key name). One Aho–Corasick pass over the text finds every
// keyword of every rule, so most rules never run; a rule that applies runs
// its RE2 expression only on a window around each keyword hit, and Go
// post-filters (entropy, placeholders, structure) confirm the match. RE2 has
// no lookbehind, so expressions anchor on prefixes and capture the secret
// in a group named "s"; boundaries are checked in Go against the whole
// text.
//
// A finding's span is the secret value only — the token, the password, the
// key block — never the variable name or the URL around it, and its Detail
// never contains the secret. The detector has no mutable state and is safe
// for concurrent use.
package secrets

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// Name is the detector's name in configuration and in `agentgov scan`.
const Name = "secrets"

// DefaultMaxInputBytes bounds one input; above it Detect returns
// ErrInputTooLarge and scans nothing, so that a gate fails closed (callers
// split large documents, e.g. per JSON leaf).
const DefaultMaxInputBytes = 1 << 20

// ErrInputTooLarge is returned for an input above Options.MaxInputBytes.
var ErrInputTooLarge = errors.New("secrets: input too large")

// Options configure a Detector; the zero value enables every rule.
type Options struct {
	// Rules restricts detection to these rule ids (nil: all).
	Rules []string
	// MaxInputBytes bounds one input (0: DefaultMaxInputBytes).
	MaxInputBytes int
}

// Detector finds secrets. Build it with New; it is immutable.
type Detector struct {
	enabled  []bool // by rule index
	maxBytes int
}

var _ detect.Detector = (*Detector)(nil)

// New returns a Detector for opts.
func New(opts Options) (*Detector, error) {
	e := getEngine()
	d := &Detector{enabled: make([]bool, len(e.rules)), maxBytes: DefaultMaxInputBytes}
	if len(opts.Rules) == 0 {
		for i := range d.enabled {
			d.enabled[i] = true
		}
	}
	for _, id := range opts.Rules {
		found := false
		for i, r := range e.rules {
			if r.id == id {
				d.enabled[i] = true
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("secrets: unknown rule %q", id)
		}
	}
	maxBytes, err := detect.InputLimit(opts.MaxInputBytes, DefaultMaxInputBytes)
	if err != nil {
		return nil, fmt.Errorf("secrets: %w", err)
	}
	d.maxBytes = maxBytes
	return d, nil
}

// Default returns a Detector with the zero Options.
func Default() *Detector {
	d, err := New(Options{})
	if err != nil {
		panic(err) // the defaults are valid; a test covers it
	}
	return d
}

// RuleIDs returns the finding types the detector can report, sorted.
func RuleIDs() []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range getEngine().rules {
		if !seen[r.id] {
			seen[r.id] = true
			out = append(out, r.id)
		}
	}
	sort.Strings(out)
	return out
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Detect implements detect.Detector. Flagged is true when anything was
// found: the default profile blocks secrets in outbound tool arguments.
func (d *Detector) Detect(ctx context.Context, in detect.Input) (detect.Result, error) {
	res, err := detect.DetectWith(ctx, in, d.Find)
	res.Flagged = len(res.Findings) > 0
	return res, err
}

// rule is one kind of secret.
type rule struct {
	id       string
	severity detect.Severity
	// score ranks overlapping findings: specific token formats (0.95)
	// beat structural rules (0.9), which beat key-name rules (0.8).
	score  float64
	detail string
	// keywords (lower case) gate the rule: it runs only where one occurs.
	keywords []string
	// re finds the secret in a window of back bytes before and fwd bytes
	// after a keyword hit, on the hit's line; the group named "s" (or the
	// first group) is the secret.
	re        *regexp.Regexp
	back, fwd int
	// prefix: the keyword starts the match, the expression is anchored
	// (^) and tried only at hits that start a token.
	prefix bool
	// minEntropy (bits per byte) and minLen filter the secret.
	minEntropy float64
	minLen     int
	// boundary: the secret must not continue a word on either side.
	boundary bool
	// placeholder: drop template and example values.
	placeholder bool
	// check, when set, confirms a match (structure, checksums, context);
	// s and e are the secret's span in the full text, ws the start of the
	// window the expression ran on (the keyword hit for anchored rules).
	check func(text string, s, e, ws int) bool
	// match, when set, replaces re: it is called once per keyword hit.
	match func(sc *scan, hitStart, hitEnd int)
}

type engine struct {
	rules []*rule
	ac    ahocorasick.AhoCorasick
	// kwRules maps an Aho–Corasick pattern index to the rules it gates.
	kwRules [][]int
	byID    map[string]*rule
}

var getEngine = sync.OnceValue(func() *engine {
	e := &engine{rules: buildRules(), byID: map[string]*rule{}}
	for _, r := range e.rules {
		if e.byID[r.id] == nil {
			e.byID[r.id] = r
		}
	}
	index := map[string]int{}
	var patterns []string
	for ri, r := range e.rules {
		for _, kw := range r.keywords {
			kw = strings.ToLower(kw)
			p, ok := index[kw]
			if !ok {
				p = len(patterns)
				index[kw] = p
				patterns = append(patterns, kw)
				e.kwRules = append(e.kwRules, nil)
			}
			e.kwRules[p] = append(e.kwRules[p], ri)
		}
	}
	b := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{
		AsciiCaseInsensitive: true,
		MatchKind:            ahocorasick.StandardMatch,
		DFA:                  true,
	})
	e.ac = b.Build(patterns)
	return e
})

// Find returns the secrets in text, ordered by start, with no two
// overlapping.
func (d *Detector) Find(text string) ([]detect.Finding, error) {
	if err := detect.CheckInputSize(text, d.maxBytes, ErrInputTooLarge); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, nil
	}
	e := getEngine()
	sc := &scan{d: d, e: e, text: text, tags: redact.TagSpans(text)}
	// Keyword hits per rule.
	hits := make([][]int, len(e.rules))
	it := e.ac.IterOverlappingByte([]byte(text))
	for m := it.Next(); m != nil; m = it.Next() {
		for _, ri := range e.kwRules[m.Pattern()] {
			if d.enabled[ri] {
				hits[ri] = append(hits[ri], m.Start(), m.End())
			}
		}
	}
	for ri, h := range hits {
		if len(h) == 0 {
			continue
		}
		r := e.rules[ri]
		if r.match != nil {
			for k := 0; k < len(h); k += 2 {
				r.match(sc, h[k], h[k+1])
			}
			continue
		}
		if r.prefix {
			sc.runAnchored(r, h)
			continue
		}
		sc.runRegexp(r, h)
	}
	return detect.ResolveOverlaps(sc.cands), nil
}

// scan is the state of one Find call.
type scan struct {
	d    *Detector
	e    *engine
	text string
	tags [][2]int
	// cands are the candidate findings, overlapping, in the order found.
	cands []detect.Finding
	// matchAssignment runs once per key even when several keywords hit it.
	assignKey  int
	assignDone bool
}

// lineBounds returns the start and end of the line holding i, looking at
// most back bytes back and fwd bytes forward (so that a huge single-line
// input stays linear).
func (sc *scan) lineBounds(i, back, fwd int) (int, int) {
	lo, hi := max(0, i-back), min(len(sc.text), i+fwd)
	s := strings.LastIndexByte(sc.text[lo:i], '\n') + 1 + lo
	e := hi
	if k := strings.IndexByte(sc.text[i:hi], '\n'); k >= 0 {
		e = i + k
	}
	return s, e
}

// runAnchored tries r's anchored expression at each hit that starts a
// token.
func (sc *scan) runAnchored(r *rule, hits []int) {
	text := sc.text
	group := r.re.SubexpIndex("s")
	if group < 0 {
		group = 1
	}
	last := -1
	for k := 0; k < len(hits); k += 2 {
		hs := hits[k]
		if hs == last || hs > 0 && isAlnum(text[hs-1]) && isAlnum(text[hs]) {
			continue // the same start twice, or inside a word
		}
		last = hs
		_, le := sc.lineBounds(hs, 0, r.fwd)
		win := text[hs:le]
		m := r.re.FindStringSubmatchIndex(win)
		if m == nil || 2*group+1 >= len(m) || m[2*group] < 0 {
			continue
		}
		sc.consider(r, r.id, hs+m[2*group], hs+m[2*group+1], hs)
	}
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// runRegexp runs r's expression on the merged windows around its hits.
func (sc *scan) runRegexp(r *rule, hits []int) {
	// Hits come ordered by end; windows are merged in order of start.
	pairs := make([][2]int, 0, len(hits)/2)
	for k := 0; k < len(hits); k += 2 {
		pairs = append(pairs, [2]int{hits[k], hits[k+1]})
	}
	slices.SortFunc(pairs, func(a, b [2]int) int { return a[0] - b[0] })
	ws, we := -1, -1
	flush := func() {
		if ws < 0 {
			return
		}
		win := sc.text[ws:we]
		group := r.re.SubexpIndex("s")
		if group < 0 {
			group = 1
		}
		for _, m := range r.re.FindAllStringSubmatchIndex(win, -1) {
			if 2*group+1 >= len(m) || m[2*group] < 0 {
				continue
			}
			s, e := ws+m[2*group], ws+m[2*group+1]
			sc.consider(r, r.id, s, e, ws)
		}
	}
	for _, h := range pairs {
		s, e := sc.lineBounds(h[0], r.back, h[1]-h[0]+r.fwd)
		if s <= we { // overlaps the current window: extend it
			we = max(we, e)
			continue
		}
		flush()
		ws, we = s, e
	}
	flush()
}

// consider applies r's filters to the secret [s,e) and records it.
func (sc *scan) consider(r *rule, id string, s, e, ws int) {
	text := sc.text
	if s >= e {
		return
	}
	v := text[s:e]
	if r.boundary && (s > 0 && isTokenByte(text[s-1]) || e < len(text) && isTokenByte(text[e])) {
		return
	}
	if r.minLen > 0 && len(v) < r.minLen {
		return
	}
	if r.minEntropy > 0 && entropy(v) < r.minEntropy {
		return
	}
	if r.placeholder && isPlaceholder(v) {
		return
	}
	if r.check != nil && !r.check(text, s, e, ws) {
		return
	}
	sc.add(r, id, s, e)
}

func (sc *scan) add(r *rule, id string, s, e int) {
	if len(sc.tags) > 0 && detect.OverlapsAny(sc.tags, s, e) {
		return
	}
	sc.cands = append(sc.cands, detect.Finding{
		Type:     id, // r.id unless a matcher chose a more specific type
		Start:    s,
		End:      e,
		Severity: r.severity,
		Score:    r.score,
		Detail:   r.detail,
	})
}

// isTokenByte: bytes that continue a token (letters, digits, and the
// joiners tokens use).
func isTokenByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c >= 0x80
}
