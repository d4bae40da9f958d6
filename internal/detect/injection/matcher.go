package injection

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
	"unsafe"

	aho "github.com/petar-dambovaliev/aho-corasick"

	"github.com/agentgov/agentgov/internal/textnorm"
)

// hit is one lexicon match in a view: byte offsets into the view's text.
type hit struct {
	start, end int32
	cls        class
	// obf marks a hit seen only through de-obfuscation (leetspeak,
	// compact, rot13).
	obf bool
}

type patEntry struct {
	cls   class
	whole bool
}

type patInfo struct {
	entries  []patEntry
	boundary bool // must start at a word boundary
}

// automaton is one Aho–Corasick automaton with per-pattern classes.
type automaton struct {
	ac   aho.AhoCorasick
	info []patInfo
}

type tables struct {
	// The word automaton, for the Base, Folded and Rot13 views, in two
	// parts: the ASCII patterns as a DFA (fast; most text is ASCII) and
	// the rest as a plain automaton, run only over text that has
	// non-ASCII bytes. One DFA for everything would cost twice the
	// memory (tens of MiB) for the same speed on ASCII text.
	word    automaton
	wordUni automaton
	// compact holds the intent classes without separators, for the
	// Compact view. Few texts need it, so it is built on first use, as a
	// plain automaton (quick to build, slower to run).
	compact     func() *automaton
	wordKeys    int
	compactKeys int
}

// compactClasses are the classes worth matching in the separator-free
// Compact view; frames, negations and structure need word boundaries.
var compactClasses = map[class]bool{
	vIgnore: true, vReveal: true, vRevealWeak: true, vVoid: true, vRole: true, vDisable: true, vSend: true, vCall: true, vApprove: true,
	vRemember: true, vAccess: true, oInstr: true, oSysPrompt: true, oPersona: true, oSafety: true,
	oData: true, oDest: true, oToolRisky: true, oPriv: true, oOther: true, oNewInstr: true, mPrev: true,
	sPersona: true, sAI: true, sModal: true,
}

// lexTables builds both automata once; they are immutable afterwards and
// safe for concurrent use.
var lexTables = sync.OnceValue(func() *tables {
	word := map[string]*patInfo{}
	wordUni := map[string]*patInfo{}
	compact := map[string]*patInfo{}
	var wordKeys, wordUniKeys, compactKeys []string
	add := func(m map[string]*patInfo, keys *[]string, text string, e patEntry, boundary bool) {
		pi, ok := m[text]
		if !ok {
			pi = &patInfo{boundary: boundary}
			m[text] = pi
			*keys = append(*keys, text)
		}
		for _, x := range pi.entries {
			if x == e {
				return
			}
		}
		pi.entries = append(pi.entries, e)
	}
	for _, le := range lexicon {
		sep := "|"
		if strings.Contains(le.terms, "‖") {
			sep = "‖"
		}
		for _, raw := range strings.Split(le.terms, sep) {
			raw = strings.TrimSpace(raw)
			whole := strings.HasSuffix(raw, "$")
			raw = strings.TrimSuffix(raw, "$")
			if raw == "" {
				continue
			}
			norm := normalizeTerm(raw)
			if norm == "" {
				continue
			}
			first, _ := utf8.DecodeRuneInString(norm)
			boundary := needsBoundary(first)
			if !needsBoundary(lastRune(norm)) {
				whole = false
			}
			e := patEntry{cls: le.class, whole: whole}
			norm = mergeLI(norm)
			if isASCII(norm) {
				add(word, &wordKeys, norm, e, boundary)
			} else {
				add(wordUni, &wordUniKeys, norm, e, boundary)
			}
			if compactClasses[le.class] {
				c := compactTerm(norm)
				if utf8.RuneCountInString(c) >= 4 || (c != "" && !needsBoundary(first)) {
					add(compact, &compactKeys, c, patEntry{cls: le.class}, false)
				}
			}
		}
	}
	return &tables{
		word:        build(word, wordKeys, true),
		wordUni:     build(wordUni, wordUniKeys, false),
		compact:     sync.OnceValue(func() *automaton { a := build(compact, compactKeys, false); return &a }),
		wordKeys:    len(wordKeys) + len(wordUniKeys),
		compactKeys: len(compactKeys),
	}
})

func build(m map[string]*patInfo, keys []string, dfa bool) automaton {
	b := aho.NewAhoCorasickBuilder(aho.Opts{MatchKind: aho.StandardMatch, DFA: dfa})
	a := automaton{ac: b.Build(keys), info: make([]patInfo, len(keys))}
	for i, k := range keys {
		a.info[i] = *m[k]
	}
	return a
}

// normalizeTerm puts a lexicon term in the form of the Base view.
func normalizeTerm(s string) string {
	t := textnorm.Normalize(s, textnorm.Options{MaxDepth: -1, NoCompact: true})
	return strings.TrimSpace(t.Base.Text)
}

// compactTerm keeps the letters of a term.
func compactTerm(s string) string {
	var b strings.Builder
	for _, r := range s {
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

// needsBoundary reports whether words of r's script are separated by
// spaces, so that a term starting (or ending) with r must sit at a word
// boundary. Han, Kana, Thai and Arabic attach particles and articles to
// words, so their terms match anywhere.
func needsBoundary(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	if !unicode.IsLetter(r) {
		return false
	}
	switch {
	case unicode.Is(unicode.Han, r), unicode.Is(unicode.Hiragana, r), unicode.Is(unicode.Katakana, r),
		unicode.Is(unicode.Arabic, r), unicode.Is(unicode.Thai, r), unicode.Is(unicode.Hebrew, r):
		return false
	}
	return true
}

func isWordByte(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
}

// mergeLI writes every ASCII 'l' as 'i'. The Folded view reads "1", "|"
// and "!" as "i", yet they stand for "l" as often ("411" is "all"); rather
// than listing every pattern in every spelling, the views that are matched
// and the patterns both merge the two letters. Words that differ only by
// l and i are rare enough not to matter here.
func mergeLI(s string) string {
	k := strings.IndexByte(s, 'l')
	if k < 0 {
		return s
	}
	b := []byte(s)
	for i := k; i < len(b); i++ {
		if b[i] == 'l' {
			b[i] = 'i'
		}
	}
	return string(b)
}

// isWordRune reports whether r continues a word (for boundary checks).
func isWordRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isWordByte(byte(r))
	}
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// scanWords runs the word automata over a word view.
func (tb *tables) scanWords(text string, hits []hit, obf bool) []hit {
	hits = tb.word.scan(text, hits, obf, false)
	if !isASCII(text) {
		hits = tb.wordUni.scan(text, hits, obf, false)
	}
	return hits
}

// scan runs the automaton over text and appends hits. Word-boundary rules
// are applied here rather than by the library, which only understands
// ASCII.
func (a *automaton) scan(text string, hits []hit, obf bool, compact bool) []hit {
	if text == "" {
		return hits
	}
	// The automaton only reads the haystack; viewing the string's bytes
	// avoids copying every view of every input.
	hay := unsafe.Slice(unsafe.StringData(text), len(text))
	it := a.ac.IterOverlappingByte(hay)
	for m := it.Next(); m != nil; m = it.Next() {
		st, en := m.Start(), m.End()
		pi := &a.info[m.Pattern()]
		if !compact && pi.boundary && st > 0 {
			r, _ := utf8.DecodeLastRuneInString(text[:st])
			if isWordRune(r) {
				continue
			}
		}
		// A stem stands for its whole word: report the word's extent, so
		// that findings cover "instructions", not "instruc".
		if !compact && pi.boundary {
			for en < len(text) {
				r, sz := utf8.DecodeRuneInString(text[en:])
				if !isWordRune(r) || !needsBoundary(r) && r >= utf8.RuneSelf {
					break
				}
				en += sz
			}
		}
		var after rune = -1
		for _, e := range pi.entries {
			if e.whole && !compact {
				if after == -1 {
					after = ' '
					if me := m.End(); me < len(text) {
						after, _ = utf8.DecodeRuneInString(text[me:])
					}
				}
				if isWordRune(after) {
					continue
				}
			}
			hits = append(hits, hit{start: int32(st), end: int32(en), cls: e.cls, obf: obf})
		}
	}
	return hits
}
