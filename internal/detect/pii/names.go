package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect/redact"
)

// PERSON comes from two sources. Cues: a name right after "my name is",
// "Name:", "From:", a title (Mr., Dr., Frau, Mme), a greeting (Dear, Hi,
// Hola) or alone on the line after a closing (Regards, Cheers,
// Cordialement). Gazetteers: a known given name, alone or followed by
// further name tokens; a known family name before a known given name
// (Chen Wei, Nguyen Van An); an unknown capitalised word before a known
// family name. Words that are also common words (May, Grace, Jordan) count
// only next to a surname or after a cue, and words that are never names
// (The, Team, Clinic, Monday) end or reject a name.

const maxNameTokens = 4

// nameToken is one capitalised word, an initial ("J.") or a particle.
type nameToken struct {
	s, e     int
	particle bool
}

// readNameToken reads a capitalised word at p: an upper-case letter, then
// letters, with inner hyphens (Jean-Pierre, Min-jun) and apostrophes before
// a capital (O'Brien, D’Angelo). "Sarah's" stops before the apostrophe.
// An initial is one capital and a dot. It returns p when there is none.
func readNameToken(text string, p int) int {
	r, sz := utf8.DecodeRuneInString(text[p:])
	if !unicode.IsUpper(r) {
		return p
	}
	e := p + sz
	lower := 0
	for e < len(text) {
		r, sz := utf8.DecodeRuneInString(text[e:])
		switch {
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
			if unicode.IsLower(r) {
				lower++
			}
			e += sz
			continue
		case r == '-' && e+1 < len(text):
			if n, _ := utf8.DecodeRuneInString(text[e+1:]); unicode.IsLetter(n) {
				e++
				continue
			}
		case r == '\'' || r == '’':
			if e+sz < len(text) {
				if n, _ := utf8.DecodeRuneInString(text[e+sz:]); unicode.IsUpper(n) {
					e += sz
					continue
				}
			}
		}
		break
	}
	if e-p == sz {
		// One capital: an initial when followed by a dot.
		if e < len(text) && text[e] == '.' {
			return e + 1
		}
		return p
	}
	if lower == 0 {
		return p // ALL CAPS: acronyms, headings
	}
	if e < len(text) {
		if r, _ := utf8.DecodeRuneInString(text[e:]); unicode.IsDigit(r) || r == '_' || r == '@' {
			return p
		}
	}
	return e
}

// readParticle reads a lower-case name particle (van, de, della …) at p.
func (s *scan) readParticle(p int) int {
	e := p
	for e < len(s.text) && (isLowerASCII(s.text[e]) || s.text[e] == '\'') {
		e++
		if s.text[e-1] == '\'' {
			break
		}
	}
	if e == p || e-p > 5 || !s.t.particles[s.text[p:e]] {
		return p
	}
	return e
}

// readName reads up to maxNameTokens name tokens from p, separated by
// single spaces, stopping at a word that is never part of a name. It
// returns the tokens read (particles only between capitalised words).
func (s *scan) readName(p int, out []nameToken) []nameToken {
	text := s.text
	out = out[:0]
	for len(out) < maxNameTokens && p < len(text) {
		if e := readNameToken(text, p); e > p {
			if s.t.notNames[text[p:e]] {
				break
			}
			out = append(out, nameToken{s: p, e: e})
			p = e
		} else if e := s.readParticle(p); e > p && len(out) > 0 {
			out = append(out, nameToken{s: p, e: e, particle: true})
			p = e
			if text[e-1] == '\'' {
				continue // d'Angelo: no space after the apostrophe
			}
		} else {
			break
		}
		if p+1 < len(text) && text[p] == ' ' {
			p++
			continue
		}
		break
	}
	// Drop trailing particles and initials.
	for len(out) > 0 && (out[len(out)-1].particle) {
		out = out[:len(out)-1]
	}
	return out
}

func (s *scan) tokenIs(tok nameToken, m map[string]bool) bool {
	return !tok.particle && m[s.text[tok.s:tok.e]]
}

func (s *scan) anyIs(toks []nameToken, m map[string]bool) bool {
	for _, tk := range toks {
		if s.tokenIs(tk, m) {
			return true
		}
	}
	return false
}

// afterProperNoun reports a capitalised word that is not a name right
// before p, separated by one space.
func (s *scan) afterProperNoun(p int) bool {
	text := s.text
	if p < 2 || text[p-1] != ' ' {
		return false
	}
	e := p - 1
	b := e
	for b > 0 && isWordByte(text[b-1]) {
		b--
	}
	if b == e || readNameToken(text, b) != e {
		return false
	}
	w := text[b:e]
	return s.t.notNames[w] && !s.t.first[w] && !sentenceStart(text, b)
}

// sentenceStart reports whether p starts a sentence or a line.
func sentenceStart(text string, p int) bool {
	for p > 0 && (text[p-1] == ' ' || text[p-1] == '\t') {
		p--
	}
	return p == 0 || strings.IndexByte(".!?\n:", text[p-1]) >= 0
}

func isInitial(text string, tok nameToken) bool {
	return tok.e-tok.s <= 3 && text[tok.e-1] == '.'
}

func (s *scan) scanNames() {
	if !s.d.enabled[ePerson] {
		return
	}
	var buf [maxNameTokens]nameToken
	s.namesFromCues(buf[:])
	s.namesFromGazetteer(buf[:])
}

// namesFromCues reads names after person cues.
func (s *scan) namesFromCues(buf []nameToken) {
	text := s.text
	for _, h := range s.hits {
		m := h.mask & cuePerson
		if m == 0 {
			continue
		}
		p := h.end
		// A closing ends its line: the name is on the next non-empty line.
		if m&cueClosing != 0 {
			q := p
			for q < len(text) && (text[q] == ',' || text[q] == '!' || text[q] == '.' || text[q] == ' ' || text[q] == '\t' || text[q] == '\r') {
				q++
			}
			if q < len(text) && text[q] == '\n' && lineStartsAt(text, h.start) {
				for q < len(text) && (text[q] == '\n' || text[q] == '\r' || text[q] == ' ' || text[q] == '\t') {
					q++
				}
				toks := s.readName(q, buf)
				if len(toks) > 0 && nameEndsLine(text, toks[len(toks)-1].e) && s.plausibleName(toks, false) {
					s.add(ePerson, toks[0].s, toks[len(toks)-1].e, 0.75)
				}
				continue
			}
			if m&^cueClosing == 0 {
				continue
			}
		}
		hit := s.text[h.start:h.end]
		// One-letter titles ("M. Dupont") are capitals and not units
		// ("10 m. Population"); e-mail headers (To:, From:, Cc:) start
		// their line.
		if len(hit) == 1 && (!isUpperASCII(hit[0]) || afterDigit(text, h.start)) {
			continue
		}
		if m&cueIntro != 0 && isHeaderWord(hit) && !lineStartsAt(text, h.start) {
			continue
		}
		// Same line: skip separators. Titles take a dot; intros a colon.
		q := p
		for q < len(text) && (text[q] == ' ' || text[q] == ':' || text[q] == '.' || text[q] == ',' || text[q] == '\t' || text[q] == '-' || text[q] == '"' || text[q] == '=') && q-p < 4 {
			if text[q] == ',' && m&(cueGreeting|cueTitle) != 0 {
				break
			}
			q++
		}
		if q == p && h.end < len(text) && text[h.end] != ' ' {
			continue
		}
		toks := s.readName(q, buf)
		if len(toks) == 0 {
			continue
		}
		var score float64
		switch {
		case m&cueTitle != 0:
			score = 0.85
		case m&cueIntro != 0:
			score = 0.8
		case m&cueGreeting != 0:
			score = 0.75
		default: // role words: a name needs two tokens or a known one
			if len(toks) < 2 && !s.tokenIs(toks[0], s.t.first) && !s.tokenIs(toks[0], s.t.surnames) {
				continue
			}
			score = 0.7
		}
		if !s.plausibleName(toks, m&cueTitle != 0) {
			continue
		}
		s.add(ePerson, toks[0].s, toks[len(toks)-1].e, score)
	}
}

// plausibleName rejects token sequences that are an initial alone or a
// single ambiguous word after a weak cue.
func (s *scan) plausibleName(toks []nameToken, title bool) bool {
	if len(toks) == 1 && isInitial(s.text, toks[0]) {
		return false
	}
	if !title && len(toks) == 1 && s.tokenIs(toks[0], s.t.notNames) {
		return false
	}
	return true
}

func isHeaderWord(w string) bool {
	return strings.EqualFold(w, "to") || strings.EqualFold(w, "from") || strings.EqualFold(w, "cc") || strings.EqualFold(w, "bcc")
}

// afterDigit reports a digit before i, across spaces.
func afterDigit(text string, i int) bool {
	for i > 0 && text[i-1] == ' ' {
		i--
	}
	return i > 0 && isDigit(text[i-1])
}

func lineStartsAt(text string, i int) bool {
	for i > 0 {
		c := text[i-1]
		if c == '\n' {
			return true
		}
		if c != ' ' && c != '\t' && c != '>' && c != '-' {
			return false
		}
		i--
	}
	return true
}

// nameEndsLine reports whether only a separator (|, comma, dash, bracket)
// or nothing follows the name on its line.
func nameEndsLine(text string, e int) bool {
	for e < len(text) && (text[e] == ' ' || text[e] == '\t' || text[e] == '\r') {
		e++
	}
	if e == len(text) || text[e] == '\n' {
		return true
	}
	switch text[e] {
	case '<':
		// "Jane Doe <jane@example.com>", but not a redaction tag, which
		// stands for a value and must read like one.
		return redact.TagEnd(text, e) < 0
	case '|', ',', '(', '/':
		return true
	}
	return strings.HasPrefix(text[e:], "—") || strings.HasPrefix(text[e:], "–") || strings.HasPrefix(text[e:], "- ")
}

// namesFromGazetteer finds names by the word lists.
func (s *scan) namesFromGazetteer(buf []nameToken) {
	text := s.text
	t := s.t
	for p := 0; p < len(text); {
		c := text[p]
		if !(isUpperASCII(c) || c >= 0xC0) || p > 0 && (isWordByte(text[p-1]) || text[p-1] == '@' || text[p-1] == '_' || text[p-1] == '/' || text[p-1] == '\\' || text[p-1] == '.' && p > 1 && isWordByte(text[p-2])) {
			p++
			continue
		}
		toks := s.readName(p, buf)
		if len(toks) == 0 {
			// Skip the rest of this word.
			e := p + 1
			for e < len(text) && isWordByte(text[e]) {
				e++
			}
			p = e
			continue
		}
		// "Meet Giovanni Esposito", "Ask Sarah": a word that is no name
		// before a known given name is not part of the name.
		if len(toks) > 2 && !s.tokenIs(toks[0], t.first) && !s.tokenIs(toks[0], t.surnames) && s.tokenIs(toks[1], t.first) {
			toks = toks[1:]
		}
		first := toks[0]
		end := toks[len(toks)-1].e
		known := 0 // later tokens found in a list
		for _, tk := range toks[1:] {
			if s.tokenIs(tk, t.surnames) || s.tokenIs(tk, t.first) {
				known++
			}
		}
		score := 0.0
		switch {
		case s.tokenIs(first, t.first) && !s.tokenIs(first, t.ambiguous):
			switch {
			case len(toks) == 1:
				score = 0.55
			case known > 0:
				score = 0.8
			default:
				score = 0.65
			}
		case s.tokenIs(first, t.first) && len(toks) > 1 && known > 0:
			score = 0.7 // ambiguous given name before a known family name
		case s.tokenIs(first, t.surnames) && len(toks) > 1 && s.anyIs(toks[1:], t.first):
			score = 0.7 // family name first: Chen Wei, Kim Min-jun, Nguyen Van An
		case len(toks) > 1 && s.tokenIs(toks[len(toks)-1], t.surnames) && !s.tokenIs(first, t.notNames):
			score = 0.6 // unknown given name, known family name
		}
		if len(toks) == 1 && s.afterProperNoun(first.s) {
			// "Hotel Sakura", "Grand Marco": a lone given name inside a
			// longer proper noun names a place or a brand.
			score = 0
		}
		if score > 0 && !(len(toks) == 1 && isInitial(text, first)) {
			s.add(ePerson, first.s, end, score)
		}
		p = end
	}
}
