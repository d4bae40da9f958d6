package textnorm

import (
	"unicode"
	"unicode/utf8"
)

// source returns the local source range of byte k of v.
func (v *View) source(k int) (int32, int32) {
	if v.kind == viewMapped {
		return v.starts[k], v.ends[k]
	}
	return int32(k), int32(k + 1)
}

// sameOffsets returns a view of text (same length as v.Text) that shares
// v's offset map.
func (v *View) sameOffsets(text string) View {
	w := *v
	w.Text = text
	return w
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z')
}

func isLeetDigit(c byte) bool {
	switch c {
	case '0', '1', '3', '4', '5', '7':
		return true
	}
	return false
}

// leetOf is the letter a leetspeak character stands for, or 0.
func leetOf(c byte) byte {
	switch c {
	case '0':
		return 'o'
	case '1', '|', '!':
		return 'i'
	case '3':
		return 'e'
	case '4', '@':
		return 'a'
	case '5', '$':
		return 's'
	case '7', '+':
		return 't'
	case '8':
		return 'b'
	}
	return 0
}

// tokenScan summarises the ASCII tokens of a Base view in one pass; the
// counts decide which further views are worth building.
type tokenScan struct {
	leetTokens int
	spacedRuns int
	longRuns   int
	rot13Words int
	plainWords int
}

func scanTokens(s string) tokenScan {
	var ts tokenScan
	single, lastEnd := 0, -10
	for i := 0; i < len(s); {
		if !isAlnum(s[i]) {
			i++
			continue
		}
		st := i
		letters, leet, hexOnly, between := 0, 0, true, false
		for i < len(s) && isAlnum(s[i]) {
			c := s[i]
			switch {
			case c >= 'a' && c <= 'z':
				letters++
				if c > 'f' {
					hexOnly = false
				}
			case isLeetDigit(c):
				leet++
				if i > st && i+1 < len(s) && s[i-1] >= 'a' && s[i-1] <= 'z' && s[i+1] >= 'a' && s[i+1] <= 'z' {
					between = true
				}
			}
			i++
		}
		n := i - st
		if letters > 0 && leet > 0 && (leet >= 2 || between) && !(hexOnly && n >= 8) {
			ts.leetTokens++
		}
		if n == 1 {
			if single > 0 && st-lastEnd <= 3 {
				single++
			} else {
				single = 1
			}
			if single == 5 {
				ts.spacedRuns++
			}
		} else {
			single = 0
		}
		lastEnd = i
		if letters+leet >= 25 && !hexOnly && (letters+leet)*10 >= n*6 {
			ts.longRuns++
		}
		if n >= 2 && n <= 6 {
			w := s[st:i]
			if isStopword(w) {
				ts.plainWords++
			} else if isRot13Stopword(w) {
				ts.rot13Words++
			}
		}
	}
	return ts
}

func isStopword(w string) bool {
	switch w {
	case "the", "and", "to", "of", "you", "is", "in", "that", "for", "with", "your", "this", "are", "all", "it", "on", "please", "not", "a", "an", "be", "we", "my", "me", "can":
		return true
	}
	return false
}

// isRot13Stopword reports the rot13 forms of the stopwords above that are
// not themselves English words.
func isRot13Stopword(w string) bool {
	switch w {
	case "gur", "naq", "gb", "bs", "lbh", "vf", "va", "gung", "sbe", "jvgu", "lbhe", "guvf", "ner", "nyy", "vg", "cyrnfr", "abg", "zr", "pna":
		return true
	}
	return false
}

// buildLeet maps leetspeak in the Base view back to letters. Digits are
// mapped when they touch a letter or another leet digit; symbols only when
// a letter or digit follows (so that "now!" keeps its "!").
func buildLeet(b *View) View {
	s := b.Text
	out := []byte(s)
	for i := 0; i < len(s); i++ {
		c := s[i]
		l := leetOf(c)
		if l == 0 {
			continue
		}
		next := i+1 < len(s) && isAlnum(s[i+1])
		prev := i > 0 && isAlnum(s[i-1])
		if c >= '0' && c <= '9' {
			if next || prev {
				out[i] = l
			}
		} else if next {
			out[i] = l
		}
	}
	return b.sameOffsets(string(out))
}

// buildCompact keeps only the letters of the Folded view, so that text
// spaced out or run together ("i g n o r e", "i.g.n.o.r.e",
// "1gn0 r341 1pr3") reads as one stream of letters. Leet characters left
// standing alone in the Folded view ("I g n 0 r 3") are read as letters
// here: the Compact view only exists for text that is obfuscated anyway.
func buildCompact(f *View) View {
	s := f.Text
	var b builder
	b.grow(len(s))
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if l := leetOf(c); l != 0 && c != '!' && c != '+' {
				c = l
			}
			if c >= 'a' && c <= 'z' {
				p0, p1 := f.source(i)
				b.byte1(c, int(p0), int(p1))
			}
			i++
			continue
		}
		r, sz := utf8.DecodeRuneInString(s[i:])
		if unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r) {
			for k := i; k < i+sz; k++ {
				p0, p1 := f.source(k)
				b.byte1(s[k], int(p0), int(p1))
			}
		}
		i += sz
	}
	if len(b.out) == 0 {
		return View{}
	}
	return b.view(f.origN)
}

// buildRot13 undoes rot13 on the ASCII letters of the Base view.
func buildRot13(b *View) View {
	s := b.Text
	out := []byte(s)
	for i := 0; i < len(out); i++ {
		c := out[i]
		switch {
		case c >= 'a' && c <= 'm':
			out[i] = c + 13
		case c >= 'n' && c <= 'z':
			out[i] = c - 13
		}
	}
	return b.sameOffsets(string(out))
}
