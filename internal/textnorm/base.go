package textnorm

import (
	"sort"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// builder accumulates a view and its offset map.
type builder struct {
	out    []byte
	starts []int32
	ends   []int32
}

func (b *builder) grow(n int) {
	b.out = make([]byte, 0, n)
	b.starts = make([]int32, 0, n)
	b.ends = make([]int32, 0, n)
}

func (b *builder) byte1(c byte, p0, p1 int) {
	b.out = append(b.out, c)
	b.starts = append(b.starts, int32(p0))
	b.ends = append(b.ends, int32(p1))
}

func (b *builder) rune1(r rune, p0, p1 int) {
	if r < utf8.RuneSelf {
		b.byte1(byte(r), p0, p1)
		return
	}
	n := len(b.out)
	b.out = utf8.AppendRune(b.out, r)
	for range len(b.out) - n {
		b.starts = append(b.starts, int32(p0))
		b.ends = append(b.ends, int32(p1))
	}
}

func (b *builder) view(origN int) View {
	return View{Text: string(b.out), kind: viewMapped, starts: b.starts, ends: b.ends, origN: origN}
}

// lastRune is the last rune written, or 0.
func (b *builder) lastRune() rune {
	if len(b.out) == 0 {
		return 0
	}
	r, _ := utf8.DecodeLastRune(b.out)
	return r
}

// buildBase builds the Base view of s (see the package comment).
func buildBase(s string, sig *Signals, tags *tagCollector) View {
	ascii, change := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if asciiChanges(s, i) {
			change = true
		}
	}
	if ascii {
		// The ASCII path maps byte to byte, so the view shares the
		// original's offsets and costs at most one copy.
		if !change {
			return View{Text: s, kind: viewIdentity, origN: len(s)}
		}
		out := make([]byte, len(s))
		for i := 0; i < len(s); i++ {
			out[i] = asciiFold(s, i)
		}
		return View{Text: string(out), kind: viewIdentity, origN: len(s)}
	}
	return buildBaseUnicode(s, sig, tags)
}

// asciiChanges reports whether asciiFold changes s[i].
func asciiChanges(s string, i int) bool {
	c := s[i]
	switch {
	case c >= 'A' && c <= 'Z', c == '_', c == '\t', c == '\r', c == '\v', c == '\f', c == 0x7f:
		return true
	case c < 0x20 && c != '\n':
		return true
	case c == '-':
		return i > 0 && i+1 < len(s) && isASCIILetter(s[i-1]) && isASCIILetter(s[i+1])
	}
	return false
}

// asciiFold is the Base mapping of one ASCII byte in context.
func asciiFold(s string, i int) byte {
	c := s[i]
	switch {
	case c >= 'A' && c <= 'Z':
		return c + 'a' - 'A'
	case c == '_', c == '\t', c == '\r', c == '\v', c == '\f', c == 0x7f:
		return ' '
	case c < 0x20 && c != '\n':
		return ' '
	case c == '-':
		if i > 0 && i+1 < len(s) && isASCIILetter(s[i-1]) && isASCIILetter(s[i+1]) {
			return ' '
		}
	}
	return c
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

func buildBaseUnicode(s string, sig *Signals, tags *tagCollector) View {
	var b builder
	b.grow(len(s) + len(s)/4 + 4)
	var (
		scratch      [128]byte
		hasConfuse   bool
		latin, other int // letters in Latin vs Greek/Cyrillic, for the skeleton rule
	)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf && (i+1 == len(s) || s[i+1] < utf8.RuneSelf) {
			f := asciiFold(s, i)
			if c == '-' && f == '-' && isLetterRune(b.lastRune()) && nextIsLetter(s, i+1) {
				f = ' ' // a hyphen inside a word with a non-ASCII letter next to it
			}
			if isASCIILetter(f) {
				latin++
			}
			b.byte1(f, i, i+1)
			i++
			continue
		}
		n := norm.NFKC.NextBoundaryInString(s[i:], true)
		if n <= 0 {
			_, n = utf8.DecodeRuneInString(s[i:])
		}
		seg := s[i : i+n]
		var nb []byte
		if norm.NFKC.IsNormalString(seg) {
			nb = append(scratch[:0], seg...)
		} else {
			nb = norm.NFKC.AppendString(scratch[:0], seg)
			if utf8.RuneCountInString(seg) == 1 {
				sig.Compat++
			}
		}
		for k := 0; k < len(nb); {
			r, sz := utf8.DecodeRune(nb[k:])
			k += sz
			if r == utf8.RuneError && sz <= 1 {
				b.rune1(utf8.RuneError, i, i+n)
				continue
			}
			emitRune(&b, r, i, i+n, s, sig, tags, &hasConfuse, &latin, &other)
		}
		i += n
	}
	v := b.view(len(s))
	if hasConfuse {
		v = foldConfusables(v, latin > other, sig)
	}
	return v
}

// emitRune writes the Base form of one NFKC rune whose source is s[p0:p1].
func emitRune(b *builder, r rune, p0, p1 int, s string, sig *Signals, tags *tagCollector, hasConfuse *bool, latin, other *int) {
	if r < utf8.RuneSelf {
		c := byte(r)
		switch {
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		case c == '_', c == '\t', c == '\r', c == '\v', c == '\f', c == 0x7f, c < 0x20 && c != '\n':
			c = ' '
		}
		if c == '-' && isLetterRune(b.lastRune()) && nextIsLetter(s, p1) {
			c = ' '
		}
		if isASCIILetter(c) {
			*latin++
		}
		b.byte1(c, p0, p1)
		return
	}
	k := invisibleKind(r)
	if (r == 0x200C || r == 0x200D) && orthographicJoiner(b.lastRune(), s, p1) {
		// Persian, Urdu and the Indic scripts write ZWNJ and ZWJ inside
		// words as spelling ("می‌کند"); removed, not counted.
		return
	}
	if k != invNone && !(k == invJoiner && (isEmojiish(b.lastRune()) || nextIsEmoji(s, p1))) {
		if sig.InvisibleSpan.End == 0 {
			sig.InvisibleSpan.Start = p0
		}
		sig.InvisibleSpan.End = p1
	}
	switch k {
	case invBidi:
		sig.Bidi++
		return
	case invTag:
		sig.Tags++
		tags.add(r, p0, p1)
		return
	case invJoiner:
		// A zero-width joiner between emoji is how emoji are built; it
		// is removed but not counted.
		if !isEmojiish(b.lastRune()) && !nextIsEmoji(s, p1) {
			sig.Invisible++
		}
		return
	case invOther:
		sig.Invisible++
		return
	}
	if isCombiningDiacritic(r) {
		sig.Diacritics++
		return
	}
	switch r {
	case 0x00A0, 0x1680, 0x202F, 0x205F, 0x3000:
		b.byte1(' ', p0, p1)
		return
	case 0x0085, 0x2028, 0x2029:
		b.byte1('\n', p0, p1)
		return
	case 0x2018, 0x2019, 0x201A, 0x201B, 0x2032, 0x2035, 0x02BC, 0x02B9, 0xFF07:
		b.byte1('\'', p0, p1)
		return
	case 0x201C, 0x201D, 0x201E, 0x201F, 0x00AB, 0x00BB, 0x2033, 0x2036, 0x300C, 0x300D, 0x300E, 0x300F, 0x301D, 0x301E, 0x2039, 0x203A:
		b.byte1('"', p0, p1)
		return
	case 0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0x2E3A, 0x2E3B:
		if isLetterRune(b.lastRune()) && nextIsLetter(s, p1) {
			b.byte1(' ', p0, p1)
		} else {
			b.byte1('-', p0, p1)
		}
		return
	case 0x0640: // Arabic tatweel stretches words to break matching
		return
	}
	if unicode.Is(unicode.Zs, r) {
		b.byte1(' ', p0, p1)
		return
	}
	lr := unicode.ToLower(r)
	if lr == 'ς' {
		lr = 'σ'
	}
	if (lr >= 0xC0 && lr <= 0x24F) || (lr >= 0x1E00 && lr <= 0x1EFF) {
		if f := latinFold(lr); f != "" {
			if f != string(lr) {
				sig.Diacritics++
			}
			for j := 0; j < len(f); j++ {
				b.byte1(f[j], p0, p1)
				*latin++
			}
			return
		}
	}
	if lr >= 0x064B && lr <= 0x0670 && (lr <= 0x065F || lr == 0x0670) {
		return // Arabic vowel marks: optional in writing, so matched without them
	}
	switch lr {
	case 'أ', 'إ', 'آ', 'ٱ':
		lr = 'ا'
	case 'ى':
		lr = 'ي'
	case 'ة':
		lr = 'ه'
	}
	if _, ok := confusableOf(lr); ok {
		*hasConfuse = true
	} else if isGreekOrCyrillic(lr) {
		*other++
	}
	b.rune1(lr, p0, p1)
}

type invKind uint8

const (
	invNone invKind = iota
	invBidi
	invTag
	invJoiner
	invOther
)

func invisibleKind(r rune) invKind {
	switch {
	case r == 0x200D:
		return invJoiner
	case r == 0x200E || r == 0x200F || r == 0x061C || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069):
		return invBidi
	case r >= 0xE0000 && r <= 0xE007F:
		return invTag
	case r == 0x00AD, r == 0x034F, r == 0x180E, r == 0x200B, r == 0x200C, r == 0x2060, r == 0x2061,
		r == 0x2062, r == 0x2063, r == 0x2064, r == 0xFEFF, r == 0x115F, r == 0x1160, r == 0x3164,
		r == 0xFFA0, r == 0x17B4, r == 0x17B5, r == 0xFFF9, r == 0xFFFA, r == 0xFFFB:
		return invOther
	case r >= 0xFE00 && r <= 0xFE0F, r >= 0xE0100 && r <= 0xE01EF:
		return invOther // variation selectors, also used to smuggle bytes
	case r >= 0x206A && r <= 0x206F, r >= 0x1BCA0 && r <= 0x1BCA3, r >= 0x1D173 && r <= 0x1D17A:
		return invOther
	}
	return invNone
}

func isCombiningDiacritic(r rune) bool {
	return (r >= 0x0300 && r <= 0x036F) || (r >= 0x1AB0 && r <= 0x1AFF) ||
		(r >= 0x1DC0 && r <= 0x1DFF) || (r >= 0x20D0 && r <= 0x20FF) || (r >= 0xFE20 && r <= 0xFE2F)
}

func isEmojiish(r rune) bool {
	return r >= 0x1F000 || (r >= 0x2600 && r <= 0x27BF) || r == 0xFE0F || unicode.Is(unicode.So, r)
}

func nextIsEmoji(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return isEmojiish(r)
}

func nextIsLetter(s string, i int) bool {
	if i >= len(s) {
		return false
	}
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

func isLetterRune(r rune) bool {
	if r < utf8.RuneSelf {
		return isASCIILetter(byte(r))
	}
	return unicode.IsLetter(r)
}

func isGreekOrCyrillic(r rune) bool {
	return (r >= 0x0370 && r <= 0x052F) || (r >= 0x1F00 && r <= 0x1FFF) || (r >= 0xA640 && r <= 0xA69F)
}

// latinFolds maps a lower-case Latin letter with diacritics to its ASCII
// letters. Built once from the Unicode decompositions in x/text.
var latinFolds = sync.OnceValue(func() map[rune]string {
	m := make(map[rune]string, 700)
	add := func(lo, hi rune) {
		for r := lo; r <= hi; r++ {
			if unicode.ToLower(r) != r {
				continue
			}
			d := norm.NFD.String(string(r))
			b, _ := utf8.DecodeRuneInString(d)
			if b < utf8.RuneSelf && isASCIILetter(byte(b)) {
				m[r] = string(rune(unicode.ToLower(b)))
			}
		}
	}
	add(0xC0, 0x24F)
	add(0x1E00, 0x1EFF)
	// Letters without a decomposition that readers still see as ASCII.
	for r, f := range map[rune]string{
		'ß': "ss", 'ł': "l", 'đ': "d", 'ø': "o", 'æ': "ae", 'œ': "oe", 'ı': "i", 'ŧ': "t",
		'ħ': "h", 'ŋ': "n", 'þ': "th", 'ð': "d", 'ƀ': "b", 'ɇ': "e", 'ɨ': "i", 'ʉ': "u",
		'ȿ': "s", 'ɉ': "j", 'ɍ': "r", 'ɏ': "y", 'ƒ': "f", 'ƙ': "k", 'ƚ': "l", 'ƞ': "n",
		'ẜ': "s", 'ẝ': "s", 'ẞ': "ss", 'ĸ': "k", 'ŀ': "l",
	} {
		m[r] = f
	}
	return m
})

func latinFold(r rune) string {
	return latinFolds()[r]
}

type confusable struct {
	r rune
	c byte
}

// confusableIndex is a dense lookup for the low planes plus the sorted
// table for the rest.
var confusableIndex = sync.OnceValue(func() *[0x2200]byte {
	var a [0x2200]byte
	for _, e := range confusableTable {
		if e.r < 0x2200 {
			a[e.r] = e.c
		}
	}
	return &a
})

// confusableOf returns the ASCII letter that the lower-case rune r looks
// like, if any.
func confusableOf(r rune) (byte, bool) {
	if r < utf8.RuneSelf {
		return 0, false
	}
	if r < 0x2200 {
		c := confusableIndex()[r]
		return c, c != 0
	}
	i := sort.Search(len(confusableTable), func(i int) bool { return confusableTable[i].r >= r })
	if i < len(confusableTable) && confusableTable[i].r == r {
		return confusableTable[i].c, true
	}
	return 0, false
}

// foldConfusables applies the skeleton mapping inside words that mix Latin
// letters with look-alikes ("ѕуѕtеm"), and inside words made only of
// look-alikes when the text is mostly Latin. Words of genuine Cyrillic or
// Greek text keep their letters.
func foldConfusables(v View, mostlyLatin bool, sig *Signals) View {
	src := v.Text
	var b *builder
	copied := 0
	for i := 0; i < len(src); {
		r, sz := utf8.DecodeRuneInString(src[i:])
		if !isLetterRune(r) {
			i += sz
			continue
		}
		// One word: a maximal run of letters.
		ws := i
		hasASCII, nConf, nOther := false, 0, 0
		for i < len(src) {
			r, sz = utf8.DecodeRuneInString(src[i:])
			if !isLetterRune(r) {
				break
			}
			switch {
			case r < utf8.RuneSelf:
				hasASCII = true
			default:
				if _, ok := confusableOf(r); ok {
					nConf++
				} else {
					nOther++
				}
			}
			i += sz
		}
		if nConf == 0 || !(hasASCII || (nOther == 0 && mostlyLatin)) {
			continue
		}
		if hasASCII {
			sig.MixedScriptWords++
		}
		if b == nil {
			b = &builder{}
			b.grow(len(src))
		}
		for k := copied; k < ws; k++ {
			b.byte1(src[k], int(v.starts[k]), int(v.ends[k]))
		}
		for k := ws; k < i; {
			r, sz := utf8.DecodeRuneInString(src[k:])
			if c, ok := confusableOf(r); ok {
				sig.Confusables++
				b.byte1(c, int(v.starts[k]), int(v.ends[k+sz-1]))
			} else {
				for j := k; j < k+sz; j++ {
					b.byte1(src[j], int(v.starts[j]), int(v.ends[j]))
				}
			}
			k += sz
		}
		copied = i
	}
	if b == nil {
		return v
	}
	for k := copied; k < len(src); k++ {
		b.byte1(src[k], int(v.starts[k]), int(v.ends[k]))
	}
	return b.view(v.origN)
}

// tagCollector gathers Unicode tag characters (U+E0020..U+E007E spell
// ASCII invisibly) into one payload per contiguous run.
type tagCollector struct {
	runs []tagRun
}

type tagRun struct {
	text []byte
	span Span
}

func (t *tagCollector) add(r rune, p0, p1 int) {
	if r < 0xE0020 || r > 0xE007E {
		return
	}
	c := byte(r - 0xE0000)
	if n := len(t.runs); n > 0 && t.runs[n-1].span.End == p0 {
		t.runs[n-1].text = append(t.runs[n-1].text, c)
		t.runs[n-1].span.End = p1
		return
	}
	if len(t.runs) >= maxBlobs {
		return
	}
	t.runs = append(t.runs, tagRun{text: []byte{c}, span: Span{p0, p1}})
}

// orthographicJoiner reports whether a zero-width (non-)joiner stands
// between two letters of a script that uses it in ordinary spelling:
// Arabic-script languages (Persian, Urdu) and the Indic scripts.
func orthographicJoiner(prev rune, s string, i int) bool {
	if i >= len(s) {
		return false
	}
	next, _ := utf8.DecodeRuneInString(s[i:])
	return joiningScript(prev) && joiningScript(next)
}

func joiningScript(r rune) bool {
	return (r >= 0x0600 && r <= 0x06FF) || (r >= 0x0750 && r <= 0x077F) || (r >= 0x08A0 && r <= 0x08FF) ||
		(r >= 0xFB50 && r <= 0xFDFF) || (r >= 0xFE70 && r <= 0xFEFC) || (r >= 0x0900 && r <= 0x0DFF)
}
