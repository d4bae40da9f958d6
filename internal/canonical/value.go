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
		// kept with their values, so that no key is looked up twice.
		var small [16]member
		ms := small[:0]
		if len(x) > len(small) {
			ms = make([]member, 0, len(x))
		}
		for k, v := range x {
			ms = append(ms, member{k, v})
		}
		// ord is the sorted order of a small object's members; a large
		// one is sorted in place.
		var ord [16]uint8
		byOrd := len(ms) <= len(small)
		if byOrd {
			// Insertion sort of member numbers: for a handful of members
			// it beats the generic sort, whose set-up costs more than the
			// sorting. Most keys differ within their first eight bytes,
			// which then decide as one number (keyPrefix).
			var pre [16]uint64
			var slow [16]bool
			for i := range ms {
				pre[i], slow[i] = keyPrefix(ms[i].k)
				ord[i] = uint8(i)
			}
			for i := 1; i < len(ms); i++ {
				o := ord[i]
				j := i
				for ; j > 0; j-- {
					q := ord[j-1]
					if !slow[o] && !slow[q] && pre[o] != pre[q] {
						if pre[o] > pre[q] {
							break
						}
					} else if compareUTF16(ms[o].k, ms[q].k) >= 0 {
						break
					}
					ord[j] = q
				}
				ord[j] = o
			}
		} else {
			slices.SortFunc(ms, compareMembers)
		}
		dst = append(dst, '{')
		for i := range ms {
			m := &ms[i]
			if byOrd {
				m = &ms[ord[i]]
			}
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, m.k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendValue(dst, m.v, depth+1); err != nil {
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

// keyPrefix is k's first eight bytes as a big-endian number, zero-padded.
// Where two keys' prefixes differ, the numbers order them as compareUTF16
// does: the first differing byte decides, and a key that ends first pads
// with a zero where the other has a byte that is not zero (else they would
// not differ there). slow reports a byte of 0xEE or more in the prefix,
// where bytes need not decide (see compareUTF16).
func keyPrefix(k string) (p uint64, slow bool) {
	for i := 0; i < min(len(k), 8); i++ {
		c := k[i]
		slow = slow || c >= 0xee
		p |= uint64(c) << (56 - 8*i)
	}
	return p, slow
}

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
