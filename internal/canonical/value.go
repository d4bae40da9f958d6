package canonical

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"unicode/utf8"
)

// valueMaxDepth bounds recursion over Go values so that a cyclic or absurdly
// deep value is an error, not a stack overflow.
const valueMaxDepth = 128

// AppendValue appends the RFC 8785 form of a decoded JSON value — nil,
// bool, json.Number, string, []any, map[string]any, Go integers and finite
// float64 — without going through text, for callers that already hold the
// value (the gate hashing tool arguments). On error dst is returned with its
// original length.
func AppendValue(dst []byte, v any) ([]byte, error) {
	out, err := appendValue(dst, v, 0)
	if err != nil {
		return dst, err
	}
	return out, nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	if depth > valueMaxDepth {
		return dst, &Error{Offset: -1, Reason: "value nested too deeply"}
	}
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return AppendString(dst, x), nil
	case json.Number:
		f, err := strconv.ParseFloat(string(x), 64)
		if err != nil {
			return dst, &Error{Offset: -1, Reason: fmt.Sprintf("number %q is not a finite double", string(x))}
		}
		return AppendFloat(dst, f)
	case float64:
		return AppendFloat(dst, x)
	case int:
		return AppendFloat(dst, float64(x))
	case int64:
		return AppendFloat(dst, float64(x))
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendValue(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case map[string]any:
		// Small objects, the common case, sort on the stack. Members are
		// sorted with their values, so that no key is looked up twice.
		var small [16]member
		ms := small[:0]
		if len(x) > len(small) {
			ms = make([]member, 0, len(x))
		}
		for k, v := range x {
			ms = append(ms, member{k, v})
		}
		if len(ms) <= len(small) {
			// Insertion sort: for a handful of members it beats the
			// generic sort, whose set-up costs more than the sorting.
			for i := 1; i < len(ms); i++ {
				for j := i; j > 0 && compareUTF16(ms[j].k, ms[j-1].k) < 0; j-- {
					ms[j], ms[j-1] = ms[j-1], ms[j]
				}
			}
		} else {
			slices.SortFunc(ms, compareMembers)
		}
		dst = append(dst, '{')
		for i := range ms {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, ms[i].k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, ms[i].v, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	return dst, &Error{Offset: -1, Reason: fmt.Sprintf("%T is not a JSON value", v)}
}

// member is one object member while an object is encoded.
type member struct {
	k string
	v any
}

func compareMembers(a, b member) int { return compareUTF16(a.k, b.k) }

// compareUTF16 orders strings by their UTF-16 code units (RFC 8785 §3.2.3).
//
// Byte order of UTF-8 is code point order, and UTF-16 order differs from
// it only between a character of U+E000–U+FFFF and one above U+FFFF (a
// surrogate pair, which sorts first in UTF-16). Their lead bytes are 0xEE
// or more, so where the first differing bytes are not both that high, the
// bytes decide; so they do where both are continuation bytes of
// characters that began alike.
func compareUTF16(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return cmp.Compare(len(a), len(b))
	}
	if a[i] < 0xee || b[i] < 0xee {
		return cmp.Compare(a[i], b[i])
	}
	// Two lead bytes (continuation bytes are below 0xC0) of characters
	// that may lie on either side of the surrogate range.
	return compareUTF16Runes(a[i:], b[i:])
}

// compareUTF16Runes is compareUTF16 character by character.
func compareUTF16Runes(a, b string) int {
	for i, j := 0, 0; i < len(a) && j < len(b); {
		if a[i] < utf8.RuneSelf && b[j] < utf8.RuneSelf {
			if a[i] != b[j] {
				return cmp.Compare(a[i], b[j])
			}
			i++
			j++
			continue
		}
		ra, n := utf8.DecodeRuneInString(a[i:])
		rb, m := utf8.DecodeRuneInString(b[j:])
		if ra != rb {
			return cmp.Compare(utf16Rank(ra), utf16Rank(rb))
		}
		i += n
		j += m
	}
	return cmp.Compare(len(a), len(b))
}
