// Package textnorm turns untrusted text into the canonical views that
// agentgov's content detectors match against, and maps every byte of every
// view back to the original text.
//
// Attackers hide instructions from keyword matchers with fullwidth or
// mathematical letters, Cyrillic and Greek look-alikes, zero-width and bidi
// characters, diacritics, leetspeak, letters spread out with spaces or dots,
// and encodings (base64, hex, URL escapes, HTML entities, \u escapes, rot13).
// Normalize undoes each of these into a small set of views:
//
//   - Base: NFKC, invisible and format characters removed, lower-cased,
//     diacritics removed from Latin letters, look-alikes of Latin letters
//     folded to ASCII inside Latin words (a TR39 skeleton restricted to
//     mixed-script words, so that genuine Russian or Greek text is left
//     alone), fancy quotes, dashes and spaces made ASCII, '_' and
//     intra-word '-' made spaces.
//   - Folded: Base with leetspeak undone (0→o, 1→i, 3→e, 4→a, 5→s, 7→t,
//     @→a, $→s …); the same string as Base when the text has no leetspeak.
//   - Compact: the letters of Folded only, without any separator, present
//     only when the text shows spaced-out letters, run-together words or
//     heavy leetspeak ("i g n o r e", "i.g.n.o.r.e", "1gn0 r341").
//   - Rot13: Base with rot13 undone, present only when the text reads as
//     rot13.
//   - Decoded: payloads found by bounded recursive decoding, each normalised
//     in turn.
//
// Every view keeps an offset map so that a match in any view becomes an exact
// span of UTF-8 byte offsets in the original text, on rune boundaries; a match
// inside a decoded payload becomes the span of the encoded blob.
//
// What was undone is counted in Signals: the presence of invisible
// characters, look-alikes or encodings is itself evidence for a detector.
//
// Plain lower-case ASCII text without anything to undo is returned without
// allocation. All work is linear in the input: decoding is bounded in depth
// (MaxDepth), in total bytes (relative to the input) and in blob count.
package textnorm

// Span is a half-open range [Start, End) of UTF-8 byte offsets into the
// original text.
type Span struct {
	Start, End int
}

// Len is the length of the span in bytes.
func (s Span) Len() int { return s.End - s.Start }

type viewKind uint8

const (
	viewIdentity viewKind = iota // byte i of the view is byte i of the original
	viewMapped                   // starts/ends give the source range of each byte
)

// View is one normalised form of a text together with its offset map.
type View struct {
	// Text is the normalised text. It is always valid UTF-8.
	Text   string
	kind   viewKind
	starts []int32 // per byte of Text: start of its source in the original
	ends   []int32 // per byte of Text: end of its source in the original
	origN  int     // length of the original, to clamp identity maps
	inBlob bool    // a view of a decoded payload: Orig returns blob
	blob   Span
}

// Orig maps the view byte range [i, j) to the root original text (the one
// given to Normalize). The result is always within the original and on rune
// boundaries; for a view of a decoded payload it is the span of the encoded
// blob. Out-of-range arguments are clamped.
func (v *View) Orig(i, j int) Span {
	if v.inBlob {
		return v.blob
	}
	return v.Local(i, j)
}

// Local maps the view byte range [i, j) to the text this view was built
// from: the root original, or for a decoded payload the decoded string
// (Text.Original of the payload).
func (v *View) Local(i, j int) Span {
	n := len(v.Text)
	i = min(max(i, 0), n)
	j = min(max(j, i), n)
	if v.kind == viewMapped {
		if i == j {
			if i < n {
				p := int(v.starts[i])
				return Span{p, p}
			}
			if n == 0 {
				return Span{v.origN, v.origN}
			}
			p := int(v.ends[n-1])
			return Span{p, p}
		}
		return Span{int(v.starts[i]), int(v.ends[j-1])}
	}
	return Span{min(i, v.origN), min(j, v.origN)}
}

// ViewPos returns the first byte of the view whose source starts at or
// after the local offset p (len(Text) if none): the inverse of Local, for
// scanners that work on the original text but report in view offsets.
func (v *View) ViewPos(p int) int {
	if v.kind != viewMapped {
		return min(max(p, 0), len(v.Text))
	}
	lo, hi := 0, len(v.starts)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if int(v.starts[m]) < p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// InBlob reports whether the view belongs to a decoded payload.
func (v *View) InBlob() bool { return v.inBlob }

// Signals counts what normalisation had to undo. Each non-zero count is a
// hint of deliberate obfuscation.
type Signals struct {
	// Invisible counts removed zero-width, format and variation-selector
	// characters (excluding those joining emoji).
	Invisible int
	// Bidi counts removed bidirectional-control characters.
	Bidi int
	// Tags counts Unicode tag characters (U+E0000 block), which can smuggle
	// ASCII text invisibly; their ASCII reading is a Decoded payload.
	Tags int
	// Compat counts runes that NFKC changed (fullwidth, mathematical,
	// ligatures, circled letters …).
	Compat int
	// Diacritics counts diacritics removed from Latin letters.
	Diacritics int
	// Confusables counts look-alike letters folded to ASCII.
	Confusables int
	// MixedScriptWords counts words mixing Latin with look-alike letters of
	// another script.
	MixedScriptWords int
	// LeetTokens counts words mixing letters with leetspeak digits.
	LeetTokens int
	// SpacedRuns counts runs of five or more letters separated by single
	// separators ("i g n o r e", "i.g.n.o.r.e").
	SpacedRuns int
	// LongRuns counts run-together words of 25 or more letters.
	LongRuns int
	// InvisibleSpan covers the removed invisible, bidi and tag characters
	// (from the first to the last) in the local original; empty if none.
	InvisibleSpan Span
	// Rot13 is set when the text reads as rot13.
	Rot13 bool
	// Decoded counts decoded payloads, at any depth.
	Decoded int
}

// Decoded is one payload found by decoding.
type Decoded struct {
	// Kind names the encoding: base64, base64url, hex, url, html, escape,
	// unicode-tags.
	Kind string
	// Span is the encoded blob in the original text (the outermost blob for
	// nested payloads).
	Span Span
	// Depth is 1 for a payload found in the original text, 2 for one found
	// inside that, and so on.
	Depth int
	// Text is the normalised payload; its views map to Span.
	Text *Text
}

// Text is a normalised text with all its views.
type Text struct {
	Original string
	Base     View
	Folded   View
	// Compact is empty unless the text shows spaced or run-together
	// letters or heavy leetspeak.
	Compact View
	// Rot13 is empty unless the text reads as rot13.
	Rot13   View
	Decoded []Decoded
	Signals Signals
}

// HasCompact reports whether the Compact view was built.
func (t *Text) HasCompact() bool { return t.Compact.Text != "" }

// HasRot13 reports whether the Rot13 view was built.
func (t *Text) HasRot13() bool { return t.Rot13.Text != "" }

// Options bound normalisation. The zero value gives the defaults.
type Options struct {
	// MaxDepth bounds recursive decoding (default and maximum 3; negative
	// disables decoding).
	MaxDepth int
	// NoCompact disables the Compact view.
	NoCompact bool
}

// MaxDepth is the deepest level of nested encodings decoded.
const MaxDepth = 3

// Normalize builds all views of s. It never panics, runs in time linear in
// len(s), and allocates nothing when s is lower-case ASCII with nothing to
// undo.
func Normalize(s string, opts Options) Text {
	depth := opts.MaxDepth
	if depth == 0 || depth > MaxDepth {
		depth = MaxDepth
	}
	st := state{
		budget: 2*len(s) + 1024,
		blobs:  maxBlobs,
	}
	return st.normalize(s, opts, 0, depth, Span{}, false)
}

// maxBlobs bounds the number of decoded payloads per Normalize call, so that
// text made of many tiny candidates cannot multiply the work.
const maxBlobs = 64

// state is shared across the recursion of one Normalize call.
type state struct {
	budget int // decoded bytes still allowed
	blobs  int // decoded payloads still allowed
}

func (st *state) normalize(s string, opts Options, level, maxDepth int, blob Span, inBlob bool) Text {
	t := Text{Original: s}
	var tags tagCollector
	t.Base = buildBase(s, &t.Signals, &tags)
	scan := scanTokens(t.Base.Text)
	t.Signals.LeetTokens = scan.leetTokens
	t.Signals.SpacedRuns = scan.spacedRuns
	t.Signals.LongRuns = scan.longRuns
	t.Folded = t.Base
	if scan.leetTokens > 0 {
		t.Folded = buildLeet(&t.Base)
	}
	if !opts.NoCompact && (scan.spacedRuns > 0 || scan.longRuns > 0 || scan.leetTokens >= 3) {
		t.Compact = buildCompact(&t.Folded)
	}
	if scan.rot13Words > scan.plainWords && (scan.rot13Words >= 2 || scan.plainWords == 0) {
		t.Rot13 = buildRot13(&t.Base)
		t.Signals.Rot13 = true
	}
	if inBlob {
		// Every byte of a payload's views stands for the whole blob.
		for _, v := range []*View{&t.Base, &t.Folded, &t.Compact, &t.Rot13} {
			v.inBlob, v.blob = true, blob
		}
	}
	if level < maxDepth {
		st.decodeAll(&t, s, &tags, opts, level, maxDepth, blob, inBlob)
	}
	return t
}
