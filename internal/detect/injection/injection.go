// Package injection is agentgov's prompt-injection detector
// (`prompt-injection`).
//
// It works in three stages:
//
//  1. Normalisation (internal/textnorm) undoes obfuscation into views:
//     NFKC, invisible characters, look-alike letters, diacritics,
//     leetspeak, spaced-out letters, rot13, and bounded recursive decoding
//     of base64, hex, URL escapes, HTML entities and \u escapes.
//  2. Matching: one Aho–Corasick automaton spots the words of a
//     multilingual lexicon (40 languages) in every view; rules pair a verb
//     family with an object family in one clause ("ignore" … "previous" …
//     "instructions", in any language and either order) into attack
//     intents. Structure scanners add chat-template tokens, fake role
//     markers and tool output, hidden comments and styles, URLs with data,
//     markdown images, tool identifiers. Each intent carries its context:
//     quoted, framed by descriptive words (training material, postmortems,
//     documentation of detectors), negated, hidden, obfuscated, decoded.
//  3. Scoring: a logistic model over about twenty bounded features, with
//     the source of the text (user input, document, tool result, memory,
//     model output) as part of the evidence, gives a calibrated score in
//     [0, 1]. Its weights are fitted in this package on our own labelled
//     text (see weights.go and fit_test.go).
//
// Severity follows the score: at or above HighThreshold a finding is high
// (the default profile blocks), at or above MediumThreshold it is medium
// (recorded), below it low. A canary token in the text is always critical.
//
// Inputs longer than MaxInputBytes are rejected with an error; shorter ones
// are scanned in overlapping windows of windowBytes, so that time and
// memory stay linear in the input.
package injection

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/textnorm"
)

// Name is the detector's name in configuration and `agentgov scan`.
const Name = "prompt-injection"

// Thresholds of the default profile on the calibrated score: at or above
// HighThreshold the input is blocked; at or above MediumThreshold it is
// recorded. They were chosen on the held-out split of our labelled data
// (see TestQualityOwnTestSplit) for recall ≥ 0.9 at a false-positive rate
// ≤ 0.05.
const (
	HighThreshold   = 0.5
	MediumThreshold = 0.2
)

// MaxInputBytes bounds one input. Larger inputs are an error, not a
// silent partial scan.
const MaxInputBytes = 16 << 20

// Windows: long inputs are scanned in windows that overlap, so that an
// instruction straddling a boundary is seen whole in one of them. A window
// is scored on its own: a long benign document does not accumulate weak
// evidence into a block.
const (
	windowBytes   = 32 << 10
	windowOverlap = 2 << 10
)

// ErrTooLarge is returned for inputs over MaxInputBytes.
var ErrTooLarge = errors.New("prompt-injection: input exceeds the size limit")

// Detector is the prompt-injection detector. The zero value is not usable;
// call New. A Detector is immutable and safe for concurrent use.
type Detector struct {
	high, medium float64
}

// Option configures a Detector.
type Option func(*Detector)

// WithThresholds overrides the high and medium score thresholds (for a
// profile stricter or looser than the default).
func WithThresholds(high, medium float64) Option {
	return func(d *Detector) {
		if high > 0 && high <= 1 {
			d.high = high
		}
		if medium > 0 && medium <= d.high {
			d.medium = medium
		}
	}
}

// New returns a prompt-injection detector.
func New(opts ...Option) *Detector {
	d := &Detector{high: HighThreshold, medium: MediumThreshold}
	for _, o := range opts {
		o(d)
	}
	if d.medium > d.high {
		d.medium = d.high
	}
	lexTables() // build the automata now rather than on the first request
	return d
}

var _ detect.Detector = (*Detector)(nil)

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Detect implements detect.Detector.
func (d *Detector) Detect(ctx context.Context, in detect.Input) (res detect.Result, err error) {
	if len(in.Text) > MaxInputBytes {
		return detect.Result{}, fmt.Errorf("%w (%d bytes, limit %d)", ErrTooLarge, len(in.Text), MaxInputBytes)
	}
	src := in.Source
	if src == "" {
		src = detect.SourceUser
	}
	if !src.Valid() {
		return detect.Result{}, fmt.Errorf("prompt-injection: unknown source %q", in.Source)
	}
	defer func() {
		// Fail closed rather than crash the gate: a bug here must become
		// an error (a deny), never a panic.
		if r := recover(); r != nil {
			res, err = detect.Result{}, fmt.Errorf("prompt-injection: internal error: %v", r)
		}
	}()
	canaries := canonicalCanaries(in.Canaries)
	s := in.Text
	res.Findings = []detect.Finding{}
	for off := 0; ; {
		if err := ctx.Err(); err != nil {
			return detect.Result{}, err
		}
		end := windowEnd(s, off)
		sc, fs := d.window(s[off:end], src, canaries)
		res.Score = max(res.Score, sc)
		for _, f := range fs {
			f.Start += off
			f.End += off
			res.Findings = append(res.Findings, f)
		}
		if end >= len(s) {
			break
		}
		off = windowStart(s, end-windowOverlap)
	}
	res.Findings = dedupeFindings(res.Findings)
	for _, f := range res.Findings {
		if f.Severity.Rank() >= detect.High.Rank() {
			res.Flagged = true
		}
	}
	return res, nil
}

// windowEnd picks the end of the window starting at off: windowBytes on,
// moved back to a line or space break if one is near, and always onto a
// rune boundary.
func windowEnd(s string, off int) int {
	end := off + windowBytes
	if end >= len(s) {
		return len(s)
	}
	if k := strings.LastIndexAny(s[end-512:end], "\n "); k >= 0 {
		end = end - 512 + k + 1
	}
	for end > off+1 && !utf8.RuneStart(s[end]) {
		end--
	}
	return end
}

func windowStart(s string, p int) int {
	for p > 0 && p < len(s) && !utf8.RuneStart(s[p]) {
		p--
	}
	return max(p, 0)
}

// window scores one window and returns its findings (offsets relative to
// the window).
func (d *Detector) window(w string, src detect.Source, canaries []string) (float64, []detect.Finding) {
	t := textnorm.Normalize(w, textnorm.Options{})
	var ev evidence
	analyzeText(&t, 0, &ev)
	if len(canaries) > 0 {
		findCanaries(&t, canaries, &ev)
	}
	settle(&ev)
	x := featurize(&ev, src)
	score := logistic(&modelWeights, &x)
	return d.findings(&ev, &t, score)
}

func (d *Detector) level(score float64) detect.Severity {
	switch {
	case score >= d.high:
		return detect.High
	case score >= d.medium:
		return detect.Medium
	}
	return detect.Low
}

// findings turns live evidence into findings. Every finding of a window
// carries the window's severity, except INVISIBLE_TEXT, which is capped at
// medium unless it is the only evidence, and CANARY_LEAK, which is always
// critical.
func (d *Detector) findings(ev *evidence, t *textnorm.Text, score float64) (float64, []detect.Finding) {
	sev := d.level(score)
	var out []detect.Finding
	var (
		spans   [nCats][]intent
		blobs   []textnorm.Span
		regions []textnorm.Span
	)
	for _, in := range ev.intents {
		if in.damp {
			continue
		}
		spans[in.cat] = append(spans[in.cat], in)
		if in.decoded && !slices.Contains(blobs, in.blob) {
			blobs = append(blobs, in.blob)
		}
		if in.hidden && in.cat != catHidden && !slices.Contains(regions, in.region) {
			regions = append(regions, in.region)
		}
	}
	for c := category(0); c < nCats; c++ {
		for _, m := range mergeIntents(spans[c]) {
			out = append(out, detect.Finding{
				Type: catTypes[c], Start: m.span.Start, End: m.span.End, Severity: sev, Score: score,
				Detail: catDetail[c] + m.qualifiers(),
			})
		}
	}
	for _, b := range blobs {
		out = append(out, detect.Finding{Type: TypeEncodedPayload, Start: b.Start, End: b.End, Severity: sev, Score: score,
			Detail: "encoded text that decodes to injected instructions"})
	}
	for _, r := range regions {
		out = append(out, detect.Finding{Type: TypeHiddenInstruction, Start: r.Start, End: r.End, Severity: sev, Score: score,
			Detail: "instructions inside a comment or visually hidden markup"})
	}
	if ev.invisible > 0 {
		isev := sev
		if len(out) > 0 && sev.Rank() > detect.Medium.Rank() {
			isev = detect.Medium
		}
		sp := t.Signals.InvisibleSpan
		out = append(out, detect.Finding{Type: TypeInvisibleText, Start: sp.Start, End: sp.End, Severity: isev, Score: score,
			Detail: fmt.Sprintf("%d invisible, bidi-control or tag characters", ev.invisible)})
	}
	for _, c := range ev.canary {
		out = append(out, detect.Finding{Type: TypeCanaryLeak, Start: c.Start, End: c.End, Severity: detect.Critical, Score: 1,
			Detail: "session canary token from the system prompt appears in the text"})
	}
	if len(ev.canary) > 0 {
		score = 1
	}
	if len(out) == 0 && score >= d.high {
		// Nothing to point at: keep "flagged" and "a high finding"
		// the same thing by staying just below the threshold.
		score = math.Nextafter(d.high, 0)
	}
	return score, out
}

// merged is a run of overlapping intents of one category.
type merged struct {
	span                 textnorm.Span
	obf, decoded, hidden bool
}

func (m merged) qualifiers() string {
	var q []string
	if m.decoded {
		q = append(q, "inside an encoded payload")
	} else if m.obf {
		q = append(q, "after undoing obfuscation")
	}
	if m.hidden {
		q = append(q, "in hidden markup")
	}
	if len(q) == 0 {
		return ""
	}
	return " (" + strings.Join(q, ", ") + ")"
}

func mergeIntents(in []intent) []merged {
	if len(in) == 0 {
		return nil
	}
	slices.SortFunc(in, func(a, b intent) int {
		if a.span.Start != b.span.Start {
			return a.span.Start - b.span.Start
		}
		return a.span.End - b.span.End
	})
	var out []merged
	for _, x := range in {
		if n := len(out); n > 0 && x.span.Start <= out[n-1].span.End {
			m := &out[n-1]
			m.span.End = max(m.span.End, x.span.End)
			m.obf = m.obf && x.obf
			m.decoded = m.decoded && x.decoded
			m.hidden = m.hidden || x.hidden
			continue
		}
		out = append(out, merged{span: x.span, obf: x.obf, decoded: x.decoded, hidden: x.hidden})
	}
	return out
}

func dedupeFindings(fs []detect.Finding) []detect.Finding {
	slices.SortFunc(fs, func(a, b detect.Finding) int {
		switch {
		case a.Start != b.Start:
			return a.Start - b.Start
		case a.End != b.End:
			return a.End - b.End
		case a.Type != b.Type:
			return strings.Compare(a.Type, b.Type)
		}
		return b.Severity.Rank() - a.Severity.Rank()
	})
	return slices.CompactFunc(fs, func(a, b detect.Finding) bool {
		return a.Start == b.Start && a.End == b.End && a.Type == b.Type
	})
}
