package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// The weak shapes are found from their context, not from their shape: a
// date is a date of birth only after "born", "DOB", "né le", "geboren"…;
// nine digits are a passport number only after "passport". So these
// scanners start at the cue hits and look a short way forward on the same
// line.

const (
	dobWindow      = 48 // bytes after a birth cue in which the date must start
	documentWindow = 32 // bytes after a passport/licence cue
)

func (s *scan) scanTriggered() {
	want := cueMask(0)
	for _, e := range []entity{eDOB, ePassport, eDL} {
		if s.d.enabled[e] {
			want |= bit(e)
		}
	}
	if want == 0 {
		return
	}
	lastDOB := -1
	for _, h := range s.hits {
		m := h.mask & want
		if m == 0 {
			continue
		}
		if m&bit(eDOB) != 0 && h.end > lastDOB {
			if st, en, ok := s.findDate(h.end); ok {
				s.add(eDOB, st, en, 0.85)
				lastDOB = en
			}
		}
		if m&bit(ePassport) != 0 {
			if st, en, ok := s.findDocument(h.end, passportShape); ok {
				s.add(ePassport, st, en, 0.75)
			}
		}
		if m&bit(eDL) != 0 {
			if st, en, ok := s.findDocument(h.end, licenceShape); ok {
				s.add(eDL, st, en, 0.75)
			}
		}
	}
}

// lineLimit returns min(from+window, end of line).
func (s *scan) lineLimit(from, window int) int {
	limit := min(len(s.text), from+window)
	if k := strings.IndexByte(s.text[from:limit], '\n'); k >= 0 {
		limit = from + k
	}
	return limit
}

// dateFillers may stand between a birth cue and the date ("born on the
// 3rd", "geboren am", "né le", "DOB is").
var dateFillers = map[string]bool{
	"on": true, "the": true, "is": true, "was": true, "in": true, "at": true, "of": true, "am": true,
	"le": true, "el": true, "il": true, "op": true, "em": true, "den": true, "der": true, "date": true,
	"dob": true, "birth": true, "d": true, "o": true, "b": true,
}

// findDate looks for a date right after a birth cue: within dobWindow
// bytes on the same line, skipping punctuation, filler words and at most
// two other words ("born in Leeds on 12 March 1990"). A separator (';',
// '|', a tab), a redaction tag or mask, or a number that is not a date ends
// the search, so that "DOB: <DATE_OF_BIRTH>; Admission: 2024-05-01" does
// not take the admission date.
func (s *scan) findDate(from int) (int, int, bool) {
	text := s.text
	limit := s.lineLimit(from, dobWindow)
	others := 0
	for p := from; p < limit; {
		c := text[p]
		switch {
		case c == ';' || c == '|' || c == '\t' || c == '*' || c == '<' || c == '>':
			return 0, 0, false
		case !isWordByte(c):
			p++
			continue
		}
		if e, ok := parseDate(text, p); ok {
			return p, e, true
		}
		if isDigit(c) {
			return 0, 0, false
		}
		w, e := readWord(text, p)
		if e == p {
			// Non-letter word bytes: skip the word.
			for e < len(text) && isWordByte(text[e]) {
				e++
			}
		}
		if !dateFillers[w] {
			others++
			if others > 2 {
				return 0, 0, false
			}
		}
		p = e
	}
	return 0, 0, false
}

// parseDate parses a date at p: numeric (14/02/1958, 1992-08-21,
// 03.11.1987, 11-30-1952) or with a month name in one of several languages
// (12 March 1990, April 3, 1961, 1. März 1990, 9 de enero de 1995,
// 14th of March 1990). It returns the end of the date.
func parseDate(text string, p int) (int, bool) {
	if p < 0 || p >= len(text) {
		return 0, false
	}
	if e, ok := parseNumericDate(text, p); ok {
		return e, true
	}
	return parseTextDate(text, p)
}

func readNum(text string, p, maxLen int) (v, end int) {
	end = p
	for end < len(text) && end-p < maxLen && isDigit(text[end]) {
		v = v*10 + int(text[end]-'0')
		end++
	}
	if end < len(text) && isDigit(text[end]) {
		return 0, p // too long
	}
	return v, end
}

func parseNumericDate(text string, p int) (int, bool) {
	a, e1 := readNum(text, p, 4)
	if e1 == p || e1 >= len(text) {
		return 0, false
	}
	sep := text[e1]
	if sep != '/' && sep != '-' && sep != '.' {
		return 0, false
	}
	b, e2 := readNum(text, e1+1, 2)
	if e2 == e1+1 || e2 >= len(text) || text[e2] != sep {
		return 0, false
	}
	c, e3 := readNum(text, e2+1, 4)
	if e3 == e2+1 {
		return 0, false
	}
	if e3 < len(text) && (isWordByte(text[e3]) || (text[e3] == sep || text[e3] == ':') && e3+1 < len(text) && isDigit(text[e3+1])) {
		return 0, false
	}
	la, lc := e1-p, e3-e2-1
	switch {
	case la == 4 && lc <= 2:
		return e3, validYMD(a, b, c)
	case la <= 2 && (lc == 4 || lc == 2):
		y := c
		if lc == 2 {
			y += 1900
		}
		return e3, validYMD(y, b, a) || validYMD(y, a, b)
	}
	return 0, false
}

// months maps lower-case month names and abbreviations, several
// languages, to 1–12.
var months = func() map[string]int {
	m := map[string]int{}
	for i, line := range []string{
		"january jan janvier janv januar jänner enero ene gennaio gen januari januar janeiro styczeń stycznia ocak",
		"february feb février fevrier févr fevr februar febrero febbraio febbr februari fevereiro fev luty lutego şubat subat",
		"march mar mars märz maerz marzo marz maart março marco marzec marca mart",
		"april apr avril abril aprile apr. april abr kwiecień kwietnia nisan",
		"may mai mayo maggio mei maio maj maja mayıs mayis",
		"june jun juin juni junio giugno giu junho czerwiec czerwca haziran",
		"july jul juillet juil juli julio luglio lug julho lipiec lipca temmuz",
		"august aug août aout august agosto ago augustus sierpień sierpnia ağustos agustos",
		"september sep sept septembre septiembre settembre set setembro wrzesień września eylül eylul",
		"october oct octobre oktober octubre oct ottobre ott outubro out październik października ekim",
		"november nov novembre noviembre novembre novembro listopad listopada kasım kasim",
		"december dec décembre decembre déc dezember diciembre dic dicembre dezembro dez grudzień grudnia aralık aralik",
	} {
		for _, w := range strings.Fields(line) {
			m[w] = i + 1
		}
	}
	return m
}()

// readWord returns the letters at p (Unicode), lower-cased, and their end.
func readWord(text string, p int) (string, int) {
	e := p
	for e < len(text) {
		r, sz := utf8.DecodeRuneInString(text[e:])
		if !unicode.IsLetter(r) {
			break
		}
		e += sz
	}
	if e == p || e-p > 24 {
		return "", p
	}
	return strings.ToLower(text[p:e]), e
}

func skipSpaces(text string, p int) int {
	for p < len(text) && (text[p] == ' ' || text[p] == '\t') {
		p++
	}
	return p
}

// readMonth reads a month name (with an optional '.') at p.
func readMonth(text string, p int) (int, int) {
	w, e := readWord(text, p)
	m, ok := months[w]
	if !ok {
		return 0, p
	}
	if e < len(text) && text[e] == '.' {
		e++
	}
	return m, e
}

// readYear reads a four-digit year at p.
func readYear(text string, p int) (int, int) {
	y, e := readNum(text, p, 4)
	if e-p != 4 || y < 1880 || y > 2099 || e < len(text) && isWordByte(text[e]) {
		return 0, p
	}
	return y, e
}

// readDay reads a day number with an optional ordinal suffix at p.
func readDay(text string, p int) (int, int) {
	d, e := readNum(text, p, 2)
	if e == p || d < 1 || d > 31 {
		return 0, p
	}
	for _, suf := range []string{"st", "nd", "rd", "th", "er", "º", "°", "."} {
		if strings.HasPrefix(text[e:], suf) {
			after := e + len(suf)
			if after == len(text) || !isWordByte(text[after]) || suf == "." || suf == "º" || suf == "°" {
				return d, after
			}
		}
	}
	if e < len(text) && isWordByte(text[e]) {
		return 0, p
	}
	return d, e
}

// skipWords skips spaces, commas and any of the given words.
func skipWords(text string, p int, words ...string) int {
	for {
		q := skipSpaces(text, p)
		if q < len(text) && text[q] == ',' {
			q = skipSpaces(text, q+1)
		}
		moved := false
		for _, w := range words {
			if len(text)-q > len(w) && strings.EqualFold(text[q:q+len(w)], w) && !isWordByte(text[q+len(w)]) {
				q += len(w)
				moved = true
				break
			}
		}
		if !moved {
			return q
		}
		p = q
	}
}

func parseTextDate(text string, p int) (int, bool) {
	if isDigit(text[p]) {
		// day month year
		d, e := readDay(text, p)
		if e == p {
			return 0, false
		}
		q := skipWords(text, e, "of", "de", "di")
		m, e2 := readMonth(text, q)
		if e2 == q {
			return 0, false
		}
		q = skipWords(text, e2, "de", "del", "of")
		y, e3 := readYear(text, q)
		if e3 == q {
			return 0, false
		}
		return e3, validYMD(y, m, d)
	}
	// month day, year
	m, e := readMonth(text, p)
	if e == p {
		return 0, false
	}
	q := skipSpaces(text, e)
	d, e2 := readDay(text, q)
	if e2 == q {
		return 0, false
	}
	q = skipWords(text, e2)
	y, e3 := readYear(text, q)
	if e3 == q {
		return 0, false
	}
	return e3, validYMD(y, m, d)
}

// documentShape checks a document number token.
type documentShape func(tok string) bool

// passportShape: a US passport book number, nine digits, or a letter and
// eight digits (Next Generation passports).
func passportShape(tok string) bool {
	switch len(tok) {
	case 9:
		if allDigits(tok) {
			return true
		}
		return isUpperASCII(tok[0]) && allDigits(tok[1:])
	}
	return false
}

// licenceShape covers the state formats: one or two letters and 4–14
// digits (CA D1234567, FL/IL A123-4567-8901), or 7–13 digits (NY, TX,
// most states); dashes and spaces between groups are removed first.
func licenceShape(tok string) bool {
	letters := 0
	for letters < len(tok) && isUpperASCII(tok[letters]) {
		letters++
	}
	digits := tok[letters:]
	if !allDigits(digits) {
		return false
	}
	switch letters {
	case 0:
		return len(digits) >= 7 && len(digits) <= 13
	case 1, 2:
		return len(digits) >= 4 && len(digits) <= 14
	}
	return false
}

// documentFillers are the words allowed between a cue and the number.
var documentFillers = map[string]bool{
	"no": true, "nr": true, "num": true, "number": true, "is": true, "was": true, "ist": true,
	"est": true, "es": true, "numéro": true, "número": true, "nummer": true, "numero": true,
	"id": true, "of": true, "the": true, "my": true, "his": true, "her": true, "their": true,
	"us": true, "usa": true, "card": true, "book": true, "state": true,
}

// findDocument takes the first token after the cue (skipping punctuation
// and fillers such as "no.", "number", "#", "is") and checks its shape.
// Groups joined by '-' ("S530-4609-8721") are one token; groups joined by
// spaces ("123 456 789") are tried when the unspaced token fails.
func (s *scan) findDocument(from int, shape documentShape) (int, int, bool) {
	text := s.text
	limit := s.lineLimit(from, documentWindow)
	p := from
	for p < limit {
		c := text[p]
		if !isAlnumASCII(c) {
			if c >= 0x80 {
				return 0, 0, false
			}
			p++
			continue
		}
		w, e := readWord(text, p)
		if e > p && documentFillers[w] {
			p = e
			continue
		}
		break
	}
	if p >= limit {
		return 0, 0, false
	}
	if _, ok := parseNumericDate(text, p); ok {
		return 0, 0, false // a date is not a document number
	}
	for _, spaces := range []bool{false, true} {
		if end, tok, ok := readDocToken(text, p, spaces); ok && shape(tok) {
			return p, end, true
		}
	}
	return 0, 0, false
}

// readDocToken reads upper-case alphanumerics at p, joining digit groups
// separated by '-' (and by ' ' when spaces is set).
func readDocToken(text string, p int, spaces bool) (int, string, bool) {
	var buf [24]byte
	k, q, end := 0, p, p
	for q < len(text) && k < len(buf) {
		c := text[q]
		if isAlnumASCII(c) {
			if isLowerASCII(c) {
				return 0, "", false
			}
			buf[k] = c
			k++
			q++
			end = q
			continue
		}
		if (c == '-' || c == ' ' && spaces) && q+1 < len(text) && isDigit(text[q+1]) && k > 0 && isDigit(text[q-1]) {
			q++
			continue
		}
		break
	}
	if k == 0 || end < len(text) && isWordByte(text[end]) {
		return 0, "", false
	}
	return end, string(buf[:k]), true
}
