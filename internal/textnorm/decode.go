package textnorm

import (
	"encoding/base64"
	"encoding/hex"
	"html"
	"unicode"
	"unicode/utf8"
)

// Minimum lengths of encoded candidates: shorter runs are too often
// identifiers, hashes or words, and too short to carry an instruction.
const (
	minBase64Run  = 16
	minHexRun     = 16
	minEscapes    = 3 // %XX, &…; or \u… escapes in one region
	escapeGap     = 16
	minPayloadLen = 6
)

type candidate struct {
	kind string
	span Span
	text string
}

// decodeAll finds encoded payloads in s (the original of t) and normalises
// each, recursively, within the shared budget.
func (st *state) decodeAll(t *Text, s string, tags *tagCollector, opts Options, level, maxDepth int, parentBlob Span, inBlob bool) {
	var cands []candidate
	for _, r := range tags.runs {
		if len(r.text) >= 4 {
			cands = append(cands, candidate{"unicode-tags", r.span, string(r.text)})
		}
	}
	cands = findBase64Hex(s, cands)
	cands = findSpacedHex(s, cands)
	cands = findPercent(s, cands)
	cands = findEntities(s, cands)
	cands = findEscapes(s, cands)
	for _, c := range cands {
		if st.blobs <= 0 || st.budget < len(c.text) {
			return
		}
		st.blobs--
		st.budget -= len(c.text)
		span := c.span
		if inBlob {
			span = parentBlob
		}
		child := st.normalize(c.text, opts, level+1, maxDepth, span, true)
		t.Decoded = append(t.Decoded, Decoded{Kind: c.kind, Span: span, Depth: level + 1, Text: &child})
		t.Signals.Decoded += 1 + child.Signals.Decoded
	}
}

func isB64Char(c byte) bool {
	return isAlnum(c) || c == '+' || c == '/' || c == '-' || c == '_' || c == '='
}

func isHexChar(c byte) bool {
	return (c >= '0' && c <= '9') || (c|0x20 >= 'a' && c|0x20 <= 'f')
}

// findBase64Hex finds maximal runs of base64 (standard or URL alphabet) or
// hex characters and keeps those that decode to plausible text.
func findBase64Hex(s string, cands []candidate) []candidate {
	for i := 0; i < len(s); {
		if !isB64Char(s[i]) {
			i++
			continue
		}
		st := i
		std, url, allHex := false, false, true
		for i < len(s) && isB64Char(s[i]) {
			if s[i] == '=' && i > st && i+1 < len(s) && s[i+1] != '=' && isB64Char(s[i+1]) {
				break // "key=value": '=' is padding only at the end of a run
			}
			switch c := s[i]; {
			case c == '+' || c == '/':
				std = true
				allHex = false
			case c == '-' || c == '_':
				url = true
				allHex = false
			case c == '=':
				allHex = false
			case !isHexChar(c):
				allHex = false
			}
			i++
		}
		run := s[st:i]
		// Trim separators that commonly end a run without belonging to it.
		a, z := 0, len(run)
		for a < z && (run[a] == '-' || run[a] == '_' || run[a] == '/' || run[a] == '=') {
			a++
		}
		for z > a && (run[z-1] == '-' || run[z-1] == '_' || run[z-1] == '/') {
			z--
		}
		run = run[a:z]
		span := Span{st + a, st + z}
		if allHex && len(run) >= minHexRun {
			n := len(run) &^ 1
			if b, err := hex.DecodeString(run[:n]); err == nil && plausibleText(b) {
				cands = append(cands, candidate{"hex", span, string(trimUTF8(b))})
				continue
			}
		}
		if len(run) < minBase64Run || (std && url) {
			continue
		}
		body := run
		for len(body) > 0 && body[len(body)-1] == '=' {
			body = body[:len(body)-1]
		}
		if len(body)%4 == 1 {
			body = body[:len(body)-1]
		}
		enc, kind := base64.RawStdEncoding, "base64"
		if url {
			enc, kind = base64.RawURLEncoding, "base64url"
		}
		b, err := enc.DecodeString(body)
		if err != nil || !plausibleText(b) {
			continue
		}
		cands = append(cands, candidate{kind, span, string(trimUTF8(b))})
	}
	return cands
}

// findSpacedHex finds hex bytes written as pairs separated by single
// spaces or colons ("49 67 6e 6f 72 65").
func findSpacedHex(s string, cands []candidate) []candidate {
	for i := 0; i+1 < len(s); {
		if !isHexChar(s[i]) || !isHexChar(s[i+1]) || (i > 0 && isAlnum(s[i-1])) {
			i++
			continue
		}
		st, pairs := i, 0
		var buf []byte
		for i+1 < len(s) && isHexChar(s[i]) && isHexChar(s[i+1]) && (i+2 == len(s) || !isAlnum(s[i+2])) {
			buf = append(buf, unhex(s[i])<<4|unhex(s[i+1]))
			pairs++
			i += 2
			if i+2 < len(s) && (s[i] == ' ' || s[i] == ':') && isHexChar(s[i+1]) {
				i++
				continue
			}
			break
		}
		if pairs >= 8 && plausibleText(buf) {
			cands = append(cands, candidate{"hex", Span{st, i}, string(trimUTF8(buf))})
		}
		if i == st {
			i++
		}
	}
	return cands
}

func unhex(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// findPercent decodes runs of non-space text holding URL escapes.
func findPercent(s string, cands []candidate) []candidate {
	for i := 0; i < len(s); {
		if s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r' {
			i++
			continue
		}
		st, n := i, 0
		for i < len(s) && s[i] != ' ' && s[i] != '\n' && s[i] != '\t' && s[i] != '\r' {
			if s[i] == '%' && i+2 < len(s) && isHexChar(s[i+1]) && isHexChar(s[i+2]) {
				n++
			}
			i++
		}
		if n < minEscapes {
			continue
		}
		run := s[st:i]
		b := make([]byte, 0, len(run))
		for k := 0; k < len(run); k++ {
			if run[k] == '%' && k+2 < len(run) && isHexChar(run[k+1]) && isHexChar(run[k+2]) {
				b = append(b, unhex(run[k+1])<<4|unhex(run[k+2]))
				k += 2
				continue
			}
			b = append(b, run[k])
		}
		if plausibleText(b) {
			cands = append(cands, candidate{"url", Span{st, i}, string(trimUTF8(b))})
		}
	}
	return cands
}

// entityLen returns the length of an HTML character reference at s[i:],
// or 0.
func entityLen(s string, i int) int {
	if s[i] != '&' || i+3 > len(s) {
		return 0
	}
	j := i + 1
	if s[j] == '#' {
		j++
		hexa := j < len(s) && (s[j] == 'x' || s[j] == 'X')
		if hexa {
			j++
		}
		d := j
		for j < len(s) && j-d < 8 && (isHexChar(s[j]) && (hexa || s[j] <= '9')) {
			j++
		}
		if j == d {
			return 0
		}
	} else {
		d := j
		for j < len(s) && j-d < 32 && isAlnum(s[j]) {
			j++
		}
		if j-d < 2 || j >= len(s) || s[j] != ';' {
			return 0
		}
	}
	if j < len(s) && s[j] == ';' {
		j++
	}
	return j - i
}

// findEntities decodes regions dense with HTML character references.
func findEntities(s string, cands []candidate) []candidate {
	return findEscapeRegions(s, cands, '&', entityLen, "html", func(r string) []byte { return []byte(html.UnescapeString(r)) })
}

// escapeLen returns the length of a backslash escape (\uXXXX, \u{…},
// \UXXXXXXXX, \xHH) at s[i:], or 0.
func escapeLen(s string, i int) int {
	if s[i] != '\\' || i+3 > len(s) {
		return 0
	}
	want := 0
	switch s[i+1] {
	case 'u':
		if s[i+2] == '{' {
			j := i + 3
			for j < len(s) && j-i < 12 && isHexChar(s[j]) {
				j++
			}
			if j < len(s) && s[j] == '}' && j > i+3 {
				return j + 1 - i
			}
			return 0
		}
		want = 4
	case 'U':
		want = 8
	case 'x':
		want = 2
	default:
		return 0
	}
	if i+2+want > len(s) {
		return 0
	}
	for k := i + 2; k < i+2+want; k++ {
		if !isHexChar(s[k]) {
			return 0
		}
	}
	return 2 + want
}

func findEscapes(s string, cands []candidate) []candidate {
	return findEscapeRegions(s, cands, '\\', escapeLen, "escape", unescape)
}

// findEscapeRegions groups escapes that follow each other within escapeGap
// bytes and decodes regions holding at least minEscapes of them.
func findEscapeRegions(s string, cands []candidate, lead byte, escLen func(string, int) int, kind string, decode func(string) []byte) []candidate {
	st, end, n := -1, -1, 0
	flush := func() {
		if n >= minEscapes {
			if b := decode(s[st:end]); plausibleText(b) {
				cands = append(cands, candidate{kind, Span{st, end}, string(trimUTF8(b))})
			}
		}
		st, end, n = -1, -1, 0
	}
	for i := 0; i < len(s); {
		if s[i] != lead {
			i++
			continue
		}
		l := escLen(s, i)
		if l == 0 {
			i++
			continue
		}
		if st >= 0 && i-end > escapeGap {
			flush()
		}
		if st < 0 {
			st = i
		}
		n++
		i += l
		end = i
	}
	flush()
	return cands
}

// unescape decodes backslash escapes; other text is kept. \xHH sequences
// are bytes (so UTF-8 written byte by byte decodes), \u escapes are runes
// (surrogate pairs joined).
func unescape(r string) []byte {
	b := make([]byte, 0, len(r))
	for i := 0; i < len(r); {
		l := 0
		if r[i] == '\\' {
			l = escapeLen(r, i)
		}
		if l == 0 {
			b = append(b, r[i])
			i++
			continue
		}
		var v rune
		digits := r[i+2 : i+l]
		if r[i+1] == 'u' && r[i+2] == '{' {
			digits = r[i+3 : i+l-1]
		}
		for k := 0; k < len(digits); k++ {
			v = v<<4 | rune(unhex(digits[k]))
		}
		if r[i+1] == 'x' {
			b = append(b, byte(v))
			i += l
			continue
		}
		i += l
		if v >= 0xD800 && v <= 0xDBFF && i+6 <= len(r) && r[i] == '\\' && r[i+1] == 'u' && escapeLen(r, i) == 6 {
			var lo rune
			for k := i + 2; k < i+6; k++ {
				lo = lo<<4 | rune(unhex(r[k]))
			}
			if lo >= 0xDC00 && lo <= 0xDFFF {
				v = 0x10000 + (v-0xD800)<<10 + (lo - 0xDC00)
				i += 6
			}
		}
		if !utf8.ValidRune(v) {
			v = utf8.RuneError
		}
		b = utf8.AppendRune(b, v)
	}
	return b
}

// trimUTF8 drops an incomplete UTF-8 sequence at the end of b (a blob cut
// in the middle of a character) and replaces other invalid bytes.
func trimUTF8(b []byte) []byte {
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				b = b[:len(b)-k]
			}
			break
		}
	}
	if utf8.Valid(b) {
		return b
	}
	return []byte(string([]rune(string(b))))
}

// plausibleText reports whether decoded bytes look like text a model would
// read: mostly valid UTF-8, mostly printable, with enough letters. Random
// bytes (hashes, keys, compressed data) fail.
func plausibleText(b []byte) bool {
	b = trimUTF8Lenient(b)
	if len(b) < minPayloadLen {
		return false
	}
	var runes, bad, letters, spaces int
	for i := 0; i < len(b); {
		r, sz := utf8.DecodeRune(b[i:])
		i += sz
		runes++
		switch {
		case r == utf8.RuneError && sz == 1:
			bad++
		case r == ' ' || r == '\n' || r == '\t' || r == '\r':
			spaces++
		case unicode.IsLetter(r):
			letters++
		case unicode.IsControl(r) || r == 0xFFFD:
			bad++
		case !unicode.IsGraphic(r):
			bad++
		}
	}
	if runes == 0 || letters < 4 {
		return false
	}
	return bad*20 <= runes && (letters+spaces)*2 >= runes
}

func trimUTF8Lenient(b []byte) []byte {
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return b[:len(b)-k]
			}
			break
		}
	}
	return b
}
