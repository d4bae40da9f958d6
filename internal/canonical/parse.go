package canonical

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// parser is a recursive-descent JSON parser that emits canonical output as it
// goes. It keeps no side tables (member lists, decoded keys) so that it lives
// on the stack and a parse allocates nothing but output; object members are
// written in input order and only permuted afterwards if the input was not
// already sorted.
type parser struct {
	src []byte
	// doc is src as a string, set only by Decode.
	doc      string
	pos      int
	depth    int
	maxDepth int

	// scratch is reused across objects that need reordering and are too
	// large for reorder's stack buffer.
	scratch []byte
}

func (p *parser) errorf(off int, format string, args ...any) *Error {
	return &Error{Offset: off, Reason: fmt.Sprintf(format, args...)}
}

// Paths are assembled while the error unwinds rather than tracked during the
// parse, so successful parses pay nothing for them.

func (e *Error) underKey(canonKey []byte) *Error {
	e.Path = "/" + jsonpointer.Escape(decodeKey(canonKey)) + e.Path
	return e
}

func (e *Error) underIndex(i int) *Error {
	e.Path = "/" + strconv.Itoa(i) + e.Path
	return e
}

func describeByte(c byte) string {
	if c >= 0x20 && c < 0x7f {
		return "character " + strconv.QuoteRune(rune(c))
	}
	return fmt.Sprintf("byte 0x%02x", c)
}

func (p *parser) skipWS() {
	for p.pos < len(p.src) {
		if c := p.src[p.pos]; c > ' ' || (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			return
		}
		p.pos++
	}
}

func (p *parser) value(dst []byte) ([]byte, *Error) {
	p.skipWS()
	if p.pos >= len(p.src) {
		return dst, p.errorf(p.pos, "unexpected end of input, expected a value")
	}
	switch c := p.src[p.pos]; {
	case c == '"':
		return p.str(dst)
	case c == '{':
		return p.object(dst)
	case c == '[':
		return p.array(dst)
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(dst)
	case c == 't':
		return p.literal(dst, "true")
	case c == 'f':
		return p.literal(dst, "false")
	case c == 'n':
		return p.literal(dst, "null")
	default:
		return dst, p.errorf(p.pos, "unexpected %s, expected a value", describeByte(c))
	}
}

func (p *parser) literal(dst []byte, lit string) ([]byte, *Error) {
	if len(p.src)-p.pos < len(lit) || string(p.src[p.pos:p.pos+len(lit)]) != lit {
		return dst, p.errorf(p.pos, "invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	return append(dst, lit...), nil
}

// more consumes what follows an array element or object member: ',' (more
// follow) or the closing byte (done; the caller leaves the depth).
func (p *parser) more(closing byte, after string) (bool, *Error) {
	p.skipWS()
	if p.pos >= len(p.src) {
		return false, p.errorf(p.pos, "unexpected end of input, expected ',' or '%c'", closing)
	}
	switch c := p.src[p.pos]; c {
	case ',':
		p.pos++
		return true, nil
	case closing:
		p.pos++
		return false, nil
	default:
		return false, p.errorf(p.pos, "unexpected %s after %s, expected ',' or '%c'", describeByte(c), after, closing)
	}
}

// keyStart checks that an object key starts at the next non-space byte.
func (p *parser) keyStart() *Error {
	p.skipWS()
	if p.pos >= len(p.src) {
		return p.errorf(p.pos, "unexpected end of input, expected object key")
	}
	if c := p.src[p.pos]; c != '"' {
		return p.errorf(p.pos, "unexpected %s, expected string for object key", describeByte(c))
	}
	return nil
}

// colon consumes the ':' after an object key.
func (p *parser) colon() *Error {
	p.skipWS()
	if p.pos >= len(p.src) {
		return p.errorf(p.pos, "unexpected end of input, expected ':'")
	}
	if c := p.src[p.pos]; c != ':' {
		return p.errorf(p.pos, "unexpected %s after object key, expected ':'", describeByte(c))
	}
	p.pos++
	return nil
}

func (p *parser) enter() *Error {
	p.depth++
	if p.depth > p.maxDepth {
		return p.errorf(p.pos, "nesting depth exceeds limit of %d", p.maxDepth)
	}
	return nil
}

func (p *parser) array(dst []byte) ([]byte, *Error) {
	if err := p.enter(); err != nil {
		return dst, err
	}
	p.pos++
	dst = append(dst, '[')
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return append(dst, ']'), nil
	}
	for i := 0; ; i++ {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err *Error
		if dst, err = p.value(dst); err != nil {
			return dst, err.underIndex(i)
		}
		more, err := p.more(']', "array element")
		if err != nil {
			return dst, err
		}
		if !more {
			p.depth--
			return append(dst, ']'), nil
		}
	}
}

// recordedMembers is how many member spans an object frame records while
// parsing; objects that turn out unsorted and have no more members than this
// are reordered without rescanning their output.
const recordedMembers = 8

func (p *parser) object(dst []byte) ([]byte, *Error) {
	open := p.pos
	if err := p.enter(); err != nil {
		return dst, err
	}
	p.pos++
	objStart := len(dst)
	dst = append(dst, '{')
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return append(dst, '}'), nil
	}
	// Input produced by a canonicalizer or by encoding/json's map encoder is
	// already (nearly always) sorted. Checking order against the previous
	// key keeps that case free of any reordering work, and detects
	// duplicates immediately because equal keys would be adjacent.
	sorted := true
	prevStart, prevEnd := 0, 0
	var recorded [recordedMembers]span
	n := 0
	for ; ; n++ {
		if err := p.keyStart(); err != nil {
			return dst, err
		}
		keyOff := p.pos
		if n > 0 {
			dst = append(dst, ',')
		}
		ms := len(dst)
		var err *Error
		if dst, err = p.str(dst); err != nil {
			return dst, err
		}
		ks, ke := ms+1, len(dst)-1
		// Keys are compared in their canonical (escaped) form; canonical
		// escaping is injective, so equal bytes mean equal decoded keys.
		key := dst[ks:ke]
		if n > 0 && sorted {
			switch c := compareKeys(dst[prevStart:prevEnd], key); {
			case c == 0:
				return dst, p.errorf(keyOff, "duplicate object key %q", decodeKey(key)).underKey(key)
			case c > 0:
				sorted = false
			}
		}
		prevStart, prevEnd = ks, ke
		if err := p.colon(); err != nil {
			return dst, err.underKey(key)
		}
		dst = append(dst, ':')
		if dst, err = p.value(dst); err != nil {
			// key still aliases the bytes written before the call even
			// if dst has since been reallocated.
			return dst, err.underKey(key)
		}
		if n < recordedMembers {
			body := objStart + 1
			recorded[n] = span{start: ms - body, keyEnd: ke - body, end: len(dst) - body}
		}
		more, err := p.more('}', "object member")
		if err != nil {
			return dst, err
		}
		if !more {
			break
		}
	}
	if !sorted {
		var spans []span
		if n < recordedMembers {
			spans = recorded[:n+1]
		}
		var err *Error
		if dst, err = p.reorder(dst, objStart, open, spans); err != nil {
			return dst, err
		}
	}
	p.depth--
	return append(dst, '}'), nil
}

// span locates one canonical member `"key":value` inside an object body
// (offsets relative to the byte after '{').
type span struct {
	start, keyEnd, end int

	// prefix holds the key's first 8 bytes, big-endian and zero padded, or
	// has its top bit set if those bytes are not plain ASCII without
	// escapes. Two plain prefixes that differ order their keys by UTF-16
	// code units with a single integer comparison.
	prefix uint64
}

const notPlain = 1 << 63

func (s span) key(body []byte) []byte { return body[s.start+1 : s.keyEnd] }

func (s *span) setPrefix(body []byte) {
	k := s.key(body)
	var v uint64
	if len(k) >= 8 {
		v = binary.BigEndian.Uint64(k)
	} else {
		for _, c := range k {
			v = v<<8 | uint64(c)
		}
		v <<= 8 * (8 - len(k))
	}
	const ones, highs, backslashes = 0x0101010101010101, 0x8080808080808080, 0x5c5c5c5c5c5c5c5c
	hasBackslash := func(v uint64) bool { x := v ^ backslashes; return (x-ones)&^x&highs != 0 }
	if v&highs != 0 || hasBackslash(v) {
		v = notPlain
	}
	s.prefix = v
}

func (s *span) less(t *span, body []byte) bool {
	if (s.prefix|t.prefix)&notPlain == 0 && s.prefix != t.prefix {
		return s.prefix < t.prefix
	}
	return compareKeys(s.key(body), t.key(body)) < 0
}

// reorder sorts the members of the object whose canonical form (without the
// closing brace) starts at dst[objStart]. spans describes the members if the
// caller recorded them all; otherwise member boundaries are recovered by
// rescanning the canonical bytes, so parsing never has to grow a side table.
func (p *parser) reorder(dst []byte, objStart, open int, spans []span) ([]byte, *Error) {
	body := dst[objStart+1:]
	if spans == nil {
		var spanBuf [32]span
		spans = spanBuf[:0]
		for i := 0; i < len(body); i++ { // i++ skips the separating comma
			s := span{start: i}
			for i++; body[i] != '"'; i++ {
				if body[i] == '\\' {
					i++
				}
			}
			s.keyEnd = i
			i = skipCanonicalValue(body, i+2) // past closing quote and colon
			s.end = i
			spans = append(spans, s)
		}
	}
	for i := range spans {
		spans[i].setPrefix(body)
	}
	if len(spans) <= 12 {
		// Insertion sort: fewer comparisons than the general sort's
		// setup costs for the small objects that dominate real traffic.
		for i := 1; i < len(spans); i++ {
			s := spans[i]
			j := i
			for ; j > 0 && s.less(&spans[j-1], body); j-- {
				spans[j] = spans[j-1]
			}
			spans[j] = s
		}
	} else {
		slices.SortFunc(spans, func(a, b span) int {
			return compareKeys(a.key(body), b.key(body))
		})
	}
	for j := 1; j < len(spans); j++ {
		if bytes.Equal(spans[j-1].key(body), spans[j].key(body)) {
			return dst, p.firstDuplicate(open)
		}
	}

	var tmpBuf [512]byte
	var tmp []byte
	if len(body) <= len(tmpBuf) {
		tmp = tmpBuf[:len(body)]
	} else {
		if cap(p.scratch) < len(body) {
			p.scratch = make([]byte, len(body))
		}
		tmp = p.scratch[:len(body)]
	}
	copy(tmp, body)
	w := 0
	for j, s := range spans {
		if j > 0 {
			body[w] = ','
			w++
		}
		w += copy(body[w:], tmp[s.start:s.end])
	}
	return dst, nil
}

// skipCanonicalValue returns the index just past the canonical value that
// starts at b[i]; b is known to be canonical output.
func skipCanonicalValue(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case ',':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// firstDuplicate re-parses the object opening at src[open], which is known to
// be well formed, to report the first key (in input order) that repeats an
// earlier one. Only the error path gets here, so clarity beats speed.
func (p *parser) firstDuplicate(open int) *Error {
	q := parser{src: p.src, pos: open + 1, depth: p.depth, maxDepth: p.maxDepth}
	seen := make(map[string]bool)
	var buf []byte
	for {
		q.skipWS()
		off := q.pos
		buf, _ = q.str(buf[:0])
		key := string(buf[1 : len(buf)-1])
		if seen[key] {
			return p.errorf(off, "duplicate object key %q", decodeKey([]byte(key))).underKey([]byte(key))
		}
		seen[key] = true
		q.skipWS()
		q.pos++ // ':'
		buf, _ = q.value(buf[:0])
		q.skipWS()
		if q.pos >= len(q.src) || q.src[q.pos] != ',' {
			// Unreachable: reorder only calls this after finding a duplicate.
			return p.errorf(open, "duplicate object key")
		}
		q.pos++
	}
}

// str parses the string at src[pos] and appends its canonical form.
func (p *parser) str(dst []byte) ([]byte, *Error) {
	src := p.src
	i := p.pos + 1
	dst = append(dst, '"')
	for {
		start := i
		for i < len(src) {
			c := src[i]
			if c < utf8.RuneSelf {
				if c < 0x20 || c == '"' || c == '\\' {
					break
				}
				i++
				continue
			}
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				return dst, p.errorf(i, "invalid UTF-8 byte 0x%02x in string", c)
			}
			i += size
		}
		// Unescaped input bytes are already in canonical form: the only
		// characters that canonical output escapes cannot appear raw.
		dst = append(dst, src[start:i]...)
		if i >= len(src) {
			return dst, p.errorf(i, "unexpected end of input in string")
		}
		c := src[i]
		if c == '"' {
			p.pos = i + 1
			return append(dst, '"'), nil
		}
		if c < 0x20 {
			return dst, p.errorf(i, "unescaped control character U+%04X in string", c)
		}
		r, n, err := p.escape(i)
		if err != nil {
			return dst, err
		}
		dst = appendRune(dst, r)
		i += n
	}
}

// escape decodes the escape sequence at src[i] (a backslash), combining a
// surrogate pair into one code point, and returns its length in bytes.
func (p *parser) escape(i int) (rune, int, *Error) {
	src := p.src
	if i+1 >= len(src) {
		return 0, 0, p.errorf(len(src), "unexpected end of input in escape sequence")
	}
	switch src[i+1] {
	case '"':
		return '"', 2, nil
	case '\\':
		return '\\', 2, nil
	case '/':
		return '/', 2, nil
	case 'b':
		return '\b', 2, nil
	case 'f':
		return '\f', 2, nil
	case 'n':
		return '\n', 2, nil
	case 'r':
		return '\r', 2, nil
	case 't':
		return '\t', 2, nil
	case 'u':
	default:
		return 0, 0, p.errorf(i, "invalid escape sequence \\%c", rune(src[i+1]))
	}
	hi, ok := hex4(src, i+2)
	if !ok {
		return 0, 0, p.errorf(i, "invalid \\u escape")
	}
	switch {
	case !utf16.IsSurrogate(rune(hi)):
		return rune(hi), 6, nil
	case hi >= 0xdc00:
		return 0, 0, p.errorf(i, "lone surrogate \\u%04x: low surrogate without preceding high surrogate", hi)
	}
	if i+7 < len(src) && src[i+6] == '\\' && src[i+7] == 'u' {
		lo, ok := hex4(src, i+8)
		if !ok {
			return 0, 0, p.errorf(i+6, "invalid \\u escape")
		}
		if lo >= 0xdc00 && lo <= 0xdfff {
			return utf16.DecodeRune(rune(hi), rune(lo)), 12, nil
		}
	}
	return 0, 0, p.errorf(i, "lone surrogate \\u%04x: high surrogate not followed by low surrogate", hi)
}

func hex4(b []byte, i int) (uint32, bool) {
	if i+4 > len(b) {
		return 0, false
	}
	var v uint32
	for _, c := range b[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(c)
	}
	return v, true
}

func (p *parser) number(dst []byte) ([]byte, *Error) {
	src := p.src
	start := p.pos
	i := start
	if src[i] == '-' {
		i++
	}
	intStart := i
	switch {
	case i < len(src) && src[i] == '0':
		i++
		if i < len(src) && isDigit(src[i]) {
			return dst, p.errorf(start, "invalid number: leading zero")
		}
	case i < len(src) && isDigit(src[i]):
		for i++; i < len(src) && isDigit(src[i]); i++ {
		}
	default:
		return dst, p.errorf(i, "invalid number: expected digit")
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(src) && src[i] == '.' {
		i++
		if i >= len(src) || !isDigit(src[i]) {
			return dst, p.errorf(i, "invalid number: expected digit after decimal point")
		}
		fracStart = i
		for i++; i < len(src) && isDigit(src[i]); i++ {
		}
		fracEnd = i
	}
	expStart := i
	if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
		i++
		if i < len(src) && (src[i] == '+' || src[i] == '-') {
			i++
		}
		if i >= len(src) || !isDigit(src[i]) {
			return dst, p.errorf(i, "invalid number: expected digit in exponent")
		}
		for i++; i < len(src) && isDigit(src[i]); i++ {
		}
	}
	p.pos = i
	// Integers below 10^15 are exact doubles and ECMAScript prints them
	// as plain decimal, i.e. exactly as written (JSON forbids leading
	// zeros); only -0 changes.
	if i == intEnd && intEnd-intStart <= 15 {
		if src[intStart] == '0' {
			return append(dst, '0'), nil
		}
		return append(dst, src[start:i]...), nil
	}
	if out, ok := appendShortDecimal(dst, src[start:i], src[intStart:intEnd], src[fracStart:fracEnd], src[expStart:i]); ok {
		return out, nil
	}
	f, err := strconv.ParseFloat(string(src[start:i]), 64)
	if err != nil {
		text := src[start:i]
		if len(text) > 40 {
			text = append(text[:37:37], "..."...)
		}
		return dst, p.errorf(start, "number %s is not a finite IEEE-754 double", text)
	}
	return appendFinite(dst, f), nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
