package canonical

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf8"
)

// ACS §8 canonical form.
//
// The Agent Control Specification derives its identities (input_identity,
// enforced_identity) from its own canonical form, which is not RFC 8785:
// object members are sorted by code point (Go's byte order on UTF-8, not
// UTF-16 order), and numbers keep the integer/float distinction of the
// reference implementation (serde_json parsing to i64/u64/f64, ryu printing):
// 1 stays 1, 1.0 stays 1.0, 1e2 becomes 100.0, 1e21 becomes 1e21. Strings
// are escaped exactly as in RFC 8785 (only '"', '\\' and C0 controls), so
// that part is shared with AppendString.
//
// Values are the JSON value model of encoding/json with UseNumber: nil, bool,
// json.Number, string, []any, map[string]any. Go integers are accepted as
// integers. A float64 is accepted as the number it denotes: integral values
// below 2^63 print as integers (a decoder without UseNumber has already
// erased the difference between 1 and 1.0, and integers are the common
// case), all others as floats.

// acsMaxNesting bounds recursion independently of any caller limit, so that
// a cyclic or absurdly deep Go value is an error instead of a fatal stack
// overflow.
const acsMaxNesting = 10000

// AppendACS appends the ACS §8 canonical JSON form of v to dst: compact,
// object members sorted by code point at every depth, array order kept.
// On error dst is returned with its original length.
func AppendACS(dst []byte, v any) ([]byte, error) {
	n0 := len(dst)
	out, err := appendACS(dst, v, 0)
	if err != nil {
		return dst[:n0], err
	}
	return out, nil
}

// MarshalACS returns the ACS §8 canonical form of v.
func MarshalACS(v any) ([]byte, error) {
	return AppendACS(nil, v)
}

func appendACS(dst []byte, v any, depth int) ([]byte, error) {
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
		return AppendACSNumber(dst, string(x))
	case map[string]any:
		if depth >= acsMaxNesting {
			return dst, errTooDeep
		}
		// Sorting needs the keys in a slice; a small stack array covers the
		// usual object without allocating.
		var arr [16]string
		keys := arr[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendString(dst, k)
			dst = append(dst, ':')
			var err error
			if dst, err = appendACS(dst, x[k], depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	case []any:
		if depth >= acsMaxNesting {
			return dst, errTooDeep
		}
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			var err error
			if dst, err = appendACS(dst, e, depth+1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case float64:
		return appendACSFloat64(dst, x)
	case float32:
		return appendACSFloat64(dst, float64(x))
	case int:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(x), 10), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case uint:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint32:
		return strconv.AppendUint(dst, uint64(x), 10), nil
	case uint64:
		return strconv.AppendUint(dst, x, 10), nil
	default:
		return dst, &Error{Offset: -1, Reason: fmt.Sprintf("cannot encode a %T as an ACS JSON value", v)}
	}
}

var errTooDeep = &Error{Offset: -1, Reason: fmt.Sprintf("value nests deeper than %d levels", acsMaxNesting)}

func appendACSFloat64(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, &Error{Offset: -1, Reason: "cannot encode " + strconv.FormatFloat(f, 'g', -1, 64) + " as a JSON number"}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1<<63 && !(f == 0 && math.Signbit(f)) {
		return strconv.AppendInt(dst, int64(f), 10), nil
	}
	return appendRyu(dst, f), nil
}

// AppendACSNumber appends the JSON number text s in its ACS canonical form.
// An integer literal that fits int64 or uint64 is copied as it is; every
// other number is read as the nearest float64 and printed in the reference
// layout (always with a fraction or an exponent, so the float stays a
// float). "-0" is a float, as in serde_json. A number outside the float64
// range, or text that is not a JSON number, is an error.
func AppendACSNumber(dst []byte, s string) ([]byte, error) {
	if shortInt(s) {
		return append(dst, s...), nil
	}
	isInt, ok := scanNumber(s)
	if !ok {
		return dst, &Error{Offset: -1, Reason: fmt.Sprintf("%q is not a JSON number", s)}
	}
	if isInt {
		if s[0] != '-' {
			if _, err := strconv.ParseUint(s, 10, 64); err == nil {
				return append(dst, s...), nil
			}
		} else if n, err := strconv.ParseInt(s, 10, 64); err == nil && n != 0 {
			return append(dst, s...), nil
		}
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
		return dst, &Error{Offset: -1, Reason: fmt.Sprintf("number %s is out of the float64 range", s)}
	}
	return appendRyu(dst, f), nil
}

// ValidNumber reports whether s is a JSON number (RFC 8259 §6).
func ValidNumber(s string) bool {
	_, ok := scanNumber(s)
	return ok
}

// scanNumber checks the JSON number grammar (RFC 8259 §6) and reports
// whether s is an integer literal (no fraction, no exponent).
func scanNumber(s string) (isInt, ok bool) {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false, false
	}
	isInt = true
	if i < len(s) && s[i] == '.' {
		isInt = false
		i++
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false, false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		isInt = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		start := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		if i == start {
			return false, false
		}
	}
	return isInt, i == len(s)
}

// appendRyu prints a finite float64 the way the reference runtime does
// (Rust's ryu crate through serde_json): the shortest round-trip digits,
// laid out as plain decimal with at least one fractional digit when the
// decimal exponent is within [-5, 16], and as d[.ddd]e<exp> otherwise (no
// '+' sign, no exponent padding).
func appendRyu(dst []byte, f float64) []byte {
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if f < 0 {
		dst = append(dst, '-')
		f = -f
	}
	var buf [32]byte
	b := strconv.AppendFloat(buf[:0], f, 'e', -1, 64) // d[.ddd]e±xx
	e := 0
	for b[e] != 'e' {
		e++
	}
	exp := 0
	for _, c := range b[e+2:] {
		exp = exp*10 + int(c-'0')
	}
	if b[e+1] == '-' {
		exp = -exp
	}
	digits := b[:e]
	if len(digits) > 1 {
		copy(digits[1:], digits[2:])
		digits = digits[:e-1]
	}
	length := len(digits)
	kk := exp + 1 // the value is 0.digits × 10^kk
	switch {
	case kk >= length && kk <= 16:
		dst = append(dst, digits...)
		for range kk - length {
			dst = append(dst, '0')
		}
		return append(dst, '.', '0')
	case 0 < kk && kk <= 16:
		dst = append(dst, digits[:kk]...)
		dst = append(dst, '.')
		return append(dst, digits[kk:]...)
	case -5 < kk && kk <= 0:
		dst = append(dst, '0', '.')
		for range -kk {
			dst = append(dst, '0')
		}
		return append(dst, digits...)
	}
	dst = append(dst, digits[0])
	if length > 1 {
		dst = append(dst, '.')
		dst = append(dst, digits[1:]...)
	}
	dst = append(dst, 'e')
	return strconv.AppendInt(dst, int64(kk-1), 10)
}

// MeasureACS returns the byte length and the nesting depth of v's ACS
// canonical form without producing it. Depth counts objects and arrays
// (a scalar has depth 0, {} has depth 1). Walking stops as soon as the
// length exceeds maxBytes or the depth exceeds maxDepth (a negative maximum
// is no bound); the returned figures then exceed the limit that stopped the
// walk but are otherwise partial. Values that AppendACS rejects are errors.
func MeasureACS(v any, maxBytes int64, maxDepth int) (size int64, depth int, err error) {
	m := measurer{maxBytes: maxBytes, maxDepth: maxDepth}
	err = m.walk(v, 0)
	return m.size, m.depth, err
}

type measurer struct {
	size     int64
	depth    int
	maxBytes int64
	maxDepth int
	stop     bool
}

// walk adds the length of v to m.size and its nesting to m.depth; level is
// the number of containers around v.
func (m *measurer) walk(v any, level int) error {
	switch x := v.(type) {
	case map[string]any:
		if level >= acsMaxNesting {
			return errTooDeep
		}
		m.size += 2 + int64(max(len(x)-1, 0)) // braces and commas
		if m.enter(level + 1) {
			return nil
		}
		for k, e := range x {
			m.size += stringLen(k) + 1
			if err := m.walk(e, level+1); err != nil || m.stop {
				return err
			}
		}
	case []any:
		if level >= acsMaxNesting {
			return errTooDeep
		}
		m.size += 2 + int64(max(len(x)-1, 0))
		if m.enter(level + 1) {
			return nil
		}
		for _, e := range x {
			if err := m.walk(e, level+1); err != nil || m.stop {
				return err
			}
		}
	case string:
		m.size += stringLen(x)
	case nil:
		m.size += 4
	case bool:
		if x {
			m.size += 4
		} else {
			m.size += 5
		}
	case json.Number:
		if shortInt(string(x)) {
			m.size += int64(len(x)) // printed as it is
			break
		}
		var buf [40]byte
		b, err := AppendACSNumber(buf[:0], string(x))
		if err != nil {
			return err
		}
		m.size += int64(len(b))
	default:
		var buf [40]byte
		b, err := appendACS(buf[:0], v, level)
		if err != nil {
			return err
		}
		m.size += int64(len(b))
	}
	m.stop = m.maxBytes >= 0 && m.size > m.maxBytes
	return nil
}

// enter records a container at the given depth and reports whether a limit
// has been passed, which ends the walk.
func (m *measurer) enter(depth int) bool {
	m.depth = max(m.depth, depth)
	m.stop = (m.maxBytes >= 0 && m.size > m.maxBytes) || (m.maxDepth >= 0 && m.depth > m.maxDepth)
	return m.stop
}

// shortInt reports an integer literal short enough to fit any int64, which
// the canonical form copies unchanged ("-0" excepted: it is a float).
func shortInt(s string) bool {
	digits := s
	if len(s) > 0 && s[0] == '-' {
		digits = s[1:]
	}
	if len(digits) == 0 || len(digits) > 18 || (digits[0] == '0' && (len(digits) > 1 || len(s) > 1)) {
		return false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return true
}

// stringLen is len(AppendString(nil, s)).
func stringLen(s string) int64 {
	n := int64(2)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\b' || c == '\t' || c == '\n' || c == '\f' || c == '\r':
				n += 2
			case c < 0x20:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 3 // U+FFFD
		} else {
			n += int64(size)
		}
		i += size
	}
	return n
}
