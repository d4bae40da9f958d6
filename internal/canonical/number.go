package canonical

import (
	"bytes"
	"math"
	"strconv"
)

// maxExactInt is 2^53: every integer of magnitude up to it is an exact double.
const maxExactInt = 1 << 53

// AppendInt appends an integer exactly as RFC 8785 would print the IEEE-754
// double of that value (for |n| <= 2^53 that is plain decimal). Larger
// magnitudes are first rounded to the nearest double, because a verifier in
// a language whose numbers are doubles could not reproduce anything else.
func AppendInt(dst []byte, n int64) []byte {
	if n >= -maxExactInt && n <= maxExactInt {
		return strconv.AppendInt(dst, n, 10)
	}
	return appendFinite(dst, float64(n))
}

// AppendFloat appends a finite float64 as RFC 8785 / ECMAScript
// Number.prototype.toString would; it returns an error for NaN and ±Inf,
// which JSON cannot represent. On error dst is returned unchanged.
func AppendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, &Error{Offset: -1, Reason: "cannot encode " + strconv.FormatFloat(f, 'g', -1, 64) + " as a JSON number"}
	}
	return appendFinite(dst, f), nil
}

// appendShortDecimal canonicalizes the text of a JSON number without a binary
// round trip when that provably gives the same result, which is the common
// case and several times faster. A decimal with at most 15 significant digits
// (DBL_DIG) in the normal range converts to a double whose shortest
// round-trip digits are exactly those digits: two distinct such decimals
// never round to the same double, so no shorter or different digit string
// can identify it. Only the layout then needs normalizing. ok is false when
// the fast path does not apply.
func appendShortDecimal(dst, text, intDigits, fracDigits, expPart []byte) (out []byte, ok bool) {
	var buf [15]byte
	k := 0
	n := len(intDigits) // value is 0.buf[:k] × 10^n once leading zeros are gone
	zeros := 0          // zeros seen since the last nonzero digit
	for _, part := range [2][]byte{intDigits, fracDigits} {
		for _, c := range part {
			switch {
			case c != '0':
				if k+zeros >= len(buf) {
					return dst, false
				}
				for ; zeros > 0; zeros-- {
					buf[k] = '0'
					k++
				}
				buf[k] = c
				k++
			case k == 0:
				n-- // leading zero
			default:
				zeros++
			}
		}
	}
	if k == 0 {
		return append(dst, '0'), true // any zero, including -0 and 0e999
	}
	if len(expPart) > 0 {
		e := expPart[1:]
		neg := false
		if e[0] == '+' || e[0] == '-' {
			neg = e[0] == '-'
			e = e[1:]
		}
		for len(e) > 1 && e[0] == '0' {
			e = e[1:]
		}
		if len(e) > 4 {
			return dst, false
		}
		x := 0
		for _, c := range e {
			x = x*10 + int(c-'0')
		}
		if neg {
			x = -x
		}
		n += x
	}
	// Stay well inside the normal range: subnormals have fewer than 15
	// significant digits of precision, and near the top the value could
	// overflow.
	if n <= -300 || n >= 300 {
		return dst, false
	}
	if text[0] == '-' {
		dst = append(dst, '-')
	}
	return appendDigits(dst, buf[:k], n), true
}

// appendFinite implements ECMAScript Number::toString (ECMA-262 §6.1.6.1.20)
// for finite f, which is what RFC 8785 §3.2.2.3 prescribes.
func appendFinite(dst []byte, f float64) []byte {
	if f == 0 {
		return append(dst, '0') // also for -0
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	// Integers below 2^53 have no shorter round-trip representation than
	// their own digits, and print without exponent: skip the digit search.
	if f < maxExactInt && f == math.Trunc(f) {
		return strconv.AppendUint(dst, uint64(f), 10)
	}

	// strconv's shortest round-trip digits are the digits ECMAScript
	// requires (the shortest k, ties broken toward the closer value).
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d[.ddd]e±xx
	e := bytes.IndexByte(b, 'e')
	exp := 0
	for _, c := range b[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if b[e+1] == '-' {
		exp = -exp
	}
	digits := b[:e]
	if len(digits) > 1 { // drop the decimal point after the first digit
		copy(digits[1:], digits[2:])
		digits = digits[:e-1]
	}
	return appendDigits(dst, digits, exp+1)
}

// appendDigits lays out the significant digits d1..dk of the value
// 0.d1..dk × 10^n (no leading or trailing zeros in digits) following
// ECMAScript Number::toString steps 6 to 10.
func appendDigits(dst, digits []byte, n int) []byte {
	k := len(digits)
	switch {
	case k <= n && n <= 21:
		dst = append(dst, digits...)
		for range n - k {
			dst = append(dst, '0')
		}
	case 0 < n && n <= 21:
		dst = append(dst, digits[:n]...)
		dst = append(dst, '.')
		dst = append(dst, digits[n:]...)
	case -6 < n && n <= 0:
		dst = append(dst, '0', '.')
		for range -n {
			dst = append(dst, '0')
		}
		dst = append(dst, digits...)
	default:
		dst = append(dst, digits[0])
		if k > 1 {
			dst = append(dst, '.')
			dst = append(dst, digits[1:]...)
		}
		dst = append(dst, 'e')
		x := n - 1
		if x < 0 {
			dst = append(dst, '-')
			x = -x
		} else {
			dst = append(dst, '+')
		}
		dst = strconv.AppendInt(dst, int64(x), 10)
	}
	return dst
}
