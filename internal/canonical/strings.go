package canonical

import (
	"cmp"
	"unicode/utf8"
)

const hexDigits = "0123456789abcdef"

// AppendString appends s as an RFC 8785 JSON string (quotes included). s must
// be valid UTF-8; invalid UTF-8 is the caller's bug: each invalid byte is
// replaced with U+FFFD (as encoding/json does) so that the output is still
// valid, canonical JSON.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	// Words are tried from wordAt on: one that failed holds a byte that
	// needs attention, so no word is tried again until past it.
	wordAt := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				// Eight bytes at a time while none needs attention:
				// text in audit entries and tool arguments is mostly
				// long runs of plain ASCII.
				if i >= wordAt {
					for i+8 <= len(s) && plainWord(s, i) {
						i += 8
					}
					wordAt = i + 8
				}
				continue
			}
			dst = append(dst, s[start:i]...)
			dst = appendRune(dst, rune(c))
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, "\uFFFD"...)
			i++
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

// plainWord reports whether none of the eight bytes of s at i is a control
// character, '"', '\\' or part of a multi-byte sequence, i.e. whether they
// are copied to canonical output as they are. In a word with no high bit
// set, a byte below n makes x-n borrow into that byte's high bit, and a
// byte equal to c makes x^c zero there, which borrows the same way.
func plainWord(s string, i int) bool {
	w := s[i : i+8]
	x := uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	q, b := x^(ones*'"'), x^(ones*'\\')
	return (x|(x-ones*0x20)&^x|(q-ones)&^q|(b-ones)&^b)&highs == 0
}

// appendRune appends r as it must appear inside a canonical string: only
// '"', '\\' and C0 controls are escaped, everything else is literal UTF-8.
func appendRune(dst []byte, r rune) []byte {
	switch {
	case r == '"':
		return append(dst, '\\', '"')
	case r == '\\':
		return append(dst, '\\', '\\')
	case r < 0x20:
		switch r {
		case '\b':
			return append(dst, '\\', 'b')
		case '\t':
			return append(dst, '\\', 't')
		case '\n':
			return append(dst, '\\', 'n')
		case '\f':
			return append(dst, '\\', 'f')
		case '\r':
			return append(dst, '\\', 'r')
		}
		return append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
	case r < utf8.RuneSelf:
		return append(dst, byte(r))
	default:
		return utf8.AppendRune(dst, r)
	}
}

// decodeCanonical decodes the code point at b[i] of a canonical string body
// (escapes as produced by appendRune, everything else valid UTF-8).
func decodeCanonical(b []byte, i int) (rune, int) {
	c := b[i]
	if c >= utf8.RuneSelf {
		return utf8.DecodeRune(b[i:])
	}
	if c != '\\' {
		return rune(c), 1
	}
	switch b[i+1] {
	case 'b':
		return '\b', 2
	case 't':
		return '\t', 2
	case 'n':
		return '\n', 2
	case 'f':
		return '\f', 2
	case 'r':
		return '\r', 2
	case 'u':
		return rune(unhex(b[i+4])<<4 | unhex(b[i+5])), 6
	default: // '"' or '\\'
		return rune(b[i+1]), 2
	}
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// decodeKey turns a canonical string body back into the string it denotes;
// used only to build error messages and paths.
func decodeKey(b []byte) string {
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); {
		r, n := decodeCanonical(b, i)
		out = utf8.AppendRune(out, r)
		i += n
	}
	return string(out)
}

// utf16Rank maps a code point to a value whose integer order is the order of
// the code point's UTF-16 encoding. Only U+E000..U+FFFF move: in UTF-16 they
// sort after the surrogate pairs that encode U+10000 and above, while in
// code point (and UTF-8) order they sort before them.
func utf16Rank(r rune) rune {
	if r >= 0xe000 && r <= 0xffff {
		return r + 0x110000
	}
	return r
}

// compareKeys orders two canonical string bodies as RFC 8785 §3.2.3 requires:
// by the UTF-16 code units of the strings they denote.
func compareKeys(a, b []byte) int {
	n := min(len(a), len(b))
	i := 0
	escaped := false
	for i < n && a[i] == b[i] {
		escaped = escaped || a[i] == '\\'
		i++
	}
	if i == n {
		// Canonical encoding is self-delimiting per code point, so a byte
		// prefix is also a code point prefix.
		return cmp.Compare(len(a), len(b))
	}
	if escaped {
		// The first difference may lie inside an escape sequence.
		return compareKeysSlow(a, b)
	}
	if a[i] < utf8.RuneSelf && b[i] < utf8.RuneSelf && a[i] != '\\' && b[i] != '\\' {
		return cmp.Compare(a[i], b[i])
	}
	// Back up to the start of the code point; both strings share the lead
	// byte, so both are at a code point boundary afterwards.
	for i > 0 && !utf8.RuneStart(a[i]) {
		i--
	}
	ra, _ := decodeCanonical(a, i)
	rb, _ := decodeCanonical(b, i)
	return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
}

func compareKeysSlow(a, b []byte) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ra, n := decodeCanonical(a, i)
		rb, m := decodeCanonical(b, j)
		if ra != rb {
			return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
		}
		i += n
		j += m
	}
	return cmp.Compare(len(a)-i, len(b)-j)
}
