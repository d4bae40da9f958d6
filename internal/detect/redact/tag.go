package redact

import "strings"

// The redaction tag grammar lives here, beside the code that writes tags,
// and detectors use TagEnd/TagSpans to skip tags: redacting redacted text
// must change nothing, so a tag such as <PHONE_NUMBER:12345678> or
// password=<PASSWORD> must never be found again as a phone number or a
// password, nor lend its words ("PHONE", "BIRTH") as context to a
// neighbouring candidate.
//
//	tag    = "<" NAME [ ":" DIGEST ] ">"
//	NAME   = [A-Z] [A-Z0-9_]{0,63}
//	DIGEST = [0-9a-f]{8,64}

const (
	maxTagName   = 64
	minTagDigest = 8
	maxTagDigest = 64
)

// TagEnd reports the end (exclusive) of the redaction tag that starts at
// s[i], or -1 when none starts there.
func TagEnd(s string, i int) int {
	if i < 0 || i+2 >= len(s) || s[i] != '<' {
		return -1
	}
	j := i + 1
	if c := s[j]; c < 'A' || c > 'Z' {
		return -1
	}
	for j < len(s) && j-i-1 < maxTagName && isTagNameByte(s[j]) {
		j++
	}
	if j < len(s) && s[j] == ':' {
		k := j + 1
		for k < len(s) && k-j-1 < maxTagDigest && isLowerHex(s[k]) {
			k++
		}
		if k-j-1 < minTagDigest {
			return -1
		}
		j = k
	}
	if j < len(s) && s[j] == '>' {
		return j + 1
	}
	return -1
}

// TagSpans returns the byte spans [start, end) of every redaction tag in s,
// in order.
func TagSpans(s string) [][2]int {
	var spans [][2]int
	for i := 0; i < len(s); {
		k := strings.IndexByte(s[i:], '<')
		if k < 0 {
			break
		}
		k += i
		if e := TagEnd(s, k); e > 0 {
			spans = append(spans, [2]int{k, e})
			i = e
			continue
		}
		i = k + 1
	}
	return spans
}

func isTagNameByte(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

func isLowerHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f'
}
