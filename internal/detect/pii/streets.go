package pii

import (
	"strings"
)

// STREET_ADDRESS is the street line: house number, street name and street
// type, in the orders countries write them —
//
//	221B Baker Street, 1600 Pennsylvania Ave NW      number, name, suffix
//	18 rue des Martyrs, 5 avenue Victor Hugo         number, type, name
//	Lindenstraße 42, Berliner Str. 12, Keizersgracht 174   compound name, number
//	Calle de Alcalá 48, Via Garibaldi 14, Rua Augusta, 100 type, name, number
//
// City, postcode, flat and floor are not part of the span. Every street
// line has a house number, so the scanner starts from the short numbers
// the number scanner saw and looks at the words on either side.

func (s *scan) scanStreets() {
	if !s.d.enabled[eAddress] {
		return
	}
	for _, hn := range s.houseNumbers {
		if e := s.streetAfter(hn[1]); e > 0 {
			s.add(eAddress, hn[0], e, 0.8)
			continue
		}
		if st := s.streetBefore(hn[0]); st >= 0 {
			s.add(eAddress, st, hn[1], 0.8)
			continue
		}
		// After an address cue ("Adres:", "ship to"), capitalised words
		// and a number are a street line even without a street type:
		// Damrak 70, Unter den Linden 77.
		if st := s.streetAfterCue(hn[0]); st >= 0 {
			s.add(eAddress, st, hn[1], 0.7)
		}
	}
}

// streetAfterCue returns the start of "Name… <number>" when an address cue
// ends right before the name, or -1.
func (s *scan) streetAfterCue(ns int) int {
	text := s.text
	q, st := ns, -1
	for k := 0; k < 5; k++ {
		ps, pe, ok := s.prevStreetWord(q, k == 0)
		if !ok {
			break
		}
		w := text[ps:pe]
		if !(isCapitalised(text, ps) || inSet(s.t.particles, w)) {
			break
		}
		if isCapitalised(text, ps) {
			st = ps
		}
		q = ps
	}
	if st < 0 {
		return -1
	}
	// The cue must end just before the name: "Adres: Damrak 70".
	i := sortSearchHits(s.hits, st)
	for ; i >= 0; i-- {
		h := s.hits[i]
		if h.end <= st-4 || h.end > st {
			break
		}
		if h.mask&bit(eAddress) != 0 && onlyPunct(text[h.end:st]) {
			return st
		}
	}
	return -1
}

// sortSearchHits returns the index of the last hit ending at or before p,
// or -1.
func sortSearchHits(hits []cueHit, p int) int {
	lo, hi := 0, len(hits)
	for lo < hi {
		m := (lo + hi) / 2
		if hits[m].end <= p {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo - 1
}

// sentenceEnd reports a dot at i that ends a sentence or a line: followed
// by the end, a newline, or a space and a capital.
func sentenceEnd(text string, i int) bool {
	j := i + 1
	if j >= len(text) || text[j] == '\n' || text[j] == '\r' {
		return true
	}
	return text[j] == ' ' && j+1 < len(text) && (isUpperASCII(text[j+1]) || text[j+1] == '\n')
}

// inSet looks w up in a lower-case set without allocating for ASCII words.
func inSet(m map[string]bool, w string) bool {
	var buf [32]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 0x80 {
			return m[strings.ToLower(w)]
		}
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return m[string(buf[:len(w)])]
}

// streetWord returns the end of the word at p: letters, digits, inner
// hyphens, apostrophes and slashes ("Saint-Germain", "d'Alsace", "C/"),
// and the dot of an abbreviation ("St.", "Str.", "av."). It returns p when
// no word starts there.
func (s *scan) streetWord(p int) int {
	text := s.text
	e := p
	for e < len(text) {
		c := text[e]
		if isWordByte(c) || (c == '-' || c == '\'' || c == '/') && e > p && e+1 < len(text) && isWordByte(text[e+1]) {
			e++
			continue
		}
		break
	}
	if e > p && e < len(text) && text[e] == '.' {
		// The dot of a type written before the name ("ul.", "av.") always
		// belongs to it; the dot of a suffix ("St.", "Rd.") unless it ends
		// the sentence.
		w := text[p:e]
		if inSet(s.t.streetFirst, w+".") || !sentenceEnd(text, e) && (inSet(streetAbbrev, w) || hasSuffixFold(w, "str")) {
			e++
		}
	}
	if e == p+1 && text[p] == 'C' && e < len(text) && text[e] == '/' {
		return e + 1 // Spanish "C/ Gran Vía"
	}
	return e
}

func hasSuffixFold(w, suf string) bool {
	return len(w) >= len(suf) && strings.EqualFold(w[len(w)-len(suf):], suf)
}

func isCapitalised(text string, p int) bool {
	return p < len(text) && readNameToken(text, p) > p
}

func isOrdinal(w string) bool {
	i := 0
	for i < len(w) && isDigit(w[i]) {
		i++
	}
	if i == 0 || i > 3 {
		return false
	}
	switch w[i:] {
	case "st", "nd", "rd", "th":
		return true
	}
	return false
}

// streetAfter matches "<number>[,] Name… Suffix [Dir]" and
// "<number>[,] type name…" after the number ending at ne; it returns the
// end of the address or 0.
func (s *scan) streetAfter(ne int) int {
	text := s.text
	p := ne
	if p < len(text) && text[p] == ',' {
		p++
	}
	if p+1 >= len(text) || text[p] != ' ' {
		return 0
	}
	p++
	e := s.streetWord(p)
	if e == p {
		return 0
	}
	w := text[p:e]
	// Romance order: the type comes first, the name follows.
	if inSet(s.t.streetFirst, w) || inSet(s.t.streetFirst, strings.TrimSuffix(w, ".")) {
		end, names := 0, 0
		for q, k := e, 0; k < 6 && q+1 < len(text) && text[q] == ' '; k++ {
			e2 := s.streetWord(q + 1)
			if e2 == q+1 {
				break
			}
			w2 := text[q+1 : e2]
			if isCapitalised(text, q+1) || isElided(w2) {
				names++
				end = e2
			} else if !inSet(s.t.particles, w2) {
				break
			}
			q = e2
		}
		if names > 0 {
			return end
		}
		return 0
	}
	if !(isCapitalised(text, p) || isOrdinal(w) || inSet(s.t.directions, w) && isUpperASCII(w[0])) {
		return 0
	}
	if strings.EqualFold(w, "Broadway") {
		return e
	}
	// English order: capitalised name words, then a suffix.
	q, names := p, 0
	for k := 0; k < 5; k++ {
		e := s.streetWord(q)
		if e == q {
			return 0
		}
		w := text[q:e]
		if names > 0 && isCapitalised(text, q) && inSet(s.t.streetSuffix, strings.TrimSuffix(w, ".")) {
			end := e
			// Two types in a row: the first is part of the name (Maple
			// Grove Drive, Park Lane Road).
			if end+1 < len(text) && text[end] == ' ' && isCapitalised(text, end+1) {
				if e2 := s.streetWord(end + 1); e2 > end+1 && inSet(s.t.streetSuffix, strings.TrimSuffix(text[end+1:e2], ".")) {
					end = e2
				}
			}
			// A direction: Pennsylvania Ave NW.
			if end+1 < len(text) && text[end] == ' ' && isUpperASCII(text[end+1]) {
				if e2 := s.streetWord(end + 1); e2 > end+1 && inSet(s.t.directions, strings.TrimSuffix(text[end+1:e2], ".")) {
					end = e2
				}
			}
			return end
		}
		if !(isCapitalised(text, q) || isOrdinal(w) || inSet(s.t.directions, w) && isUpperASCII(w[0])) || inSet(sentenceWords, w) {
			return 0
		}
		names++
		if e+1 >= len(text) || text[e] != ' ' {
			return 0
		}
		q = e + 1
	}
	return 0
}

// isElided reports French and Italian elisions before a capital: d'Alsace,
// l'Église, dell'Orso.
func isElided(w string) bool {
	for _, p := range []string{"d'", "l'", "d’", "l’", "dell'", "dell’"} {
		if len(w) > len(p) && strings.EqualFold(w[:len(p)], p) {
			return isUpperASCII(w[len(p)]) || w[len(p)] >= 0xC0
		}
	}
	return false
}

// prevStreetWord returns the word that ends right before q, separated
// from it by one to three spaces (and a comma when comma is set); ok is
// false when there is none.
func (s *scan) prevStreetWord(q int, comma bool) (ws, we int, ok bool) {
	text := s.text
	e := q
	for e > 0 && text[e-1] == ' ' && q-e < 3 {
		e--
	}
	if comma && e > 0 && text[e-1] == ',' {
		e--
	}
	if e == q || e == 0 || e > 0 && text[e-1] == ' ' {
		return 0, 0, false
	}
	if text[e-1] == '/' && e >= 2 && text[e-2] == 'C' {
		return e - 2, e, true // Spanish "C/"
	}
	st := e
	if text[st-1] == '.' {
		st--
	}
	for st > 0 {
		c := text[st-1]
		if isWordByte(c) || (c == '-' || c == '\'' || c == '/') && st >= 2 && isWordByte(text[st-2]) && st < e {
			st--
			continue
		}
		break
	}
	if st == e || !isWordByte(text[st]) || s.streetWord(st) != e {
		return 0, 0, false
	}
	return st, e, true
}

// streetBefore matches "Name-compound <number>", "Name Str. <number>" and
// "type name…[,] <number>" for the number that starts at ns; it returns
// the start of the address or -1.
func (s *scan) streetBefore(ns int) int {
	text := s.text
	ws, we, ok := s.prevStreetWord(ns, true)
	if !ok || !(isCapitalised(text, ws) || isRoman(text[ws:we])) {
		return -1
	}
	last := text[ws:we]
	// Compound street names: Lindenstraße 42, Prinsengracht 263.
	for _, suf := range s.t.compound {
		if !hasSuffixFold(last, suf) {
			continue
		}
		if len(last) > len(suf)+1 {
			return ws
		}
		// "Berliner Straße 12", "Str. 12": the suffix is its own word.
		if ps, _, ok := s.prevStreetWord(ws, false); ok && isCapitalised(text, ps) {
			return ps
		}
		return -1
	}
	// Type first: Calle Mayor 10, Corso Vittorio Emanuele II 154.
	q := ws
	for k := 0; k < 7; k++ {
		ps, pe, ok := s.prevStreetWord(q, false)
		if !ok {
			return -1
		}
		w := text[ps:pe]
		if inSet(s.t.streetFirst, w) && (isCapitalised(text, ps) || strings.HasPrefix(w, "C/") || lowerAbbrevTypes[w]) {
			return ps
		}
		if !(isCapitalised(text, ps) || inSet(s.t.particles, w) || isRoman(w)) {
			return -1
		}
		q = ps
	}
	return -1
}

// streetAbbrev are abbreviations whose dot belongs to the address.
var streetAbbrev = map[string]bool{
	"st": true, "str": true, "rd": true, "ave": true, "av": true, "blvd": true, "dr": true, "ln": true,
	"ct": true, "pl": true, "sq": true, "cres": true, "pkwy": true, "hwy": true, "cir": true, "trl": true,
	"ter": true, "terr": true, "gdns": true, "pde": true, "expy": true, "fwy": true, "tpke": true,
	"aly": true, "plz": true, "bd": true, "bld": true, "ch": true, "imp": true, "rte": true, "avda": true,
	"pza": true, "ul": true, "al": true, "n": true, "s": true, "e": true, "w": true, "ne": true, "nw": true,
	"se": true, "sw": true,
}

// lowerAbbrevTypes are street types written in lower case before the
// name: Polish "ul. Marszałkowska 84", "al. Jerozolimskie 65".
var lowerAbbrevTypes = map[string]bool{"ul.": true, "al.": true, "pl.": true, "os.": true}

// sentenceWords end an English street name: "3 The Street" is not one.
var sentenceWords = map[string]bool{
	"the": true, "a": true, "an": true, "and": true, "or": true, "in": true, "on": true, "at": true,
	"for": true, "of": true, "to": true, "from": true, "by": true, "with": true, "is": true, "are": true,
}

func isRoman(w string) bool {
	if w == "" || len(w) > 5 {
		return false
	}
	for i := 0; i < len(w); i++ {
		if strings.IndexByte("IVX", w[i]) < 0 {
			return false
		}
	}
	return true
}
