package redact

import "unicode/utf8"

// OnRuneBoundaries reports whether the byte offsets are rune boundaries of
// s as a UTF-8 decoder sees them: in valid UTF-8, offsets that do not fall
// inside a multi-byte character; in invalid UTF-8, each invalid byte is a
// character of its own (as utf8.DecodeRuneInString and range loops treat
// it). Offsets outside [0, len(s)] are not boundaries.
func OnRuneBoundaries(s string, offsets ...int) bool {
	for _, p := range offsets {
		if p < 0 || p > len(s) {
			return false
		}
	}
	if utf8.ValidString(s) {
		for _, p := range offsets {
			if p < len(s) && !utf8.RuneStart(s[p]) {
				return false
			}
		}
		return true
	}
	// Invalid UTF-8: decode once and mark the boundaries.
	at := make([]bool, len(s)+1)
	for i := 0; i < len(s); {
		at[i] = true
		_, w := utf8.DecodeRuneInString(s[i:])
		i += w
	}
	at[len(s)] = true
	for _, p := range offsets {
		if !at[p] {
			return false
		}
	}
	return true
}
