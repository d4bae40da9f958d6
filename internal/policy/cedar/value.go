package cedar

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/cedar-policy/cedar-go/types"
)

// JSON → Cedar value mapping (the spec leaves it to the dispatcher):
//
//   - string → String, boolean → Boolean.
//   - A JSON integer literal (no fraction, no exponent) → Long; one outside
//     the int64 range fails the evaluation.
//   - Every other number (1.5, 100.0, 1e2) → decimal, rounded half to even
//     to Cedar's four fractional digits; one outside the decimal range
//     (±922337203685477.5807) fails the evaluation. A Long and a decimal
//     never compare equal in Cedar: compare decimals with the decimal
//     methods (`.greaterThan(decimal("0.5"))`).
//   - object → Record; a member whose value is null is left out, so
//     policies test optional members with `has`.
//   - array → Set (unordered, duplicates collapse); a null element fails the
//     evaluation (a set cannot hold "nothing").
//
// Snapshot data never becomes an entity reference: an object that looks
// like Cedar's JSON entity or extension escape ({"__entity": ...}) is an
// ordinary record here, because values are built directly, not decoded from
// Cedar's JSON format.

// maxDepth bounds nesting; see the rego engine's twin for why.
const maxDepth = 1000

var errTooDeep = errors.New("value nested too deeply (cyclic?)")

// toValue converts a JSON value. present is false for null, which records
// drop.
func toValue(x any, depth int) (v types.Value, present bool, err error) {
	if depth > maxDepth {
		return nil, false, errTooDeep
	}
	switch x := x.(type) {
	case nil:
		return nil, false, nil
	case bool:
		return types.Boolean(x), true, nil
	case string:
		return types.String(x), true, nil
	case json.Number:
		v, err := numberValue(string(x))
		return v, err == nil, err
	case map[string]any:
		r, err := toRecord(x, depth)
		return r, err == nil, err
	case []any:
		vals := make([]types.Value, 0, len(x))
		for i, e := range x {
			v, ok, err := toValue(e, depth+1)
			if err != nil {
				return nil, false, err
			}
			if !ok {
				return nil, false, fmt.Errorf("array element %d is null, which a Cedar set cannot hold", i)
			}
			vals = append(vals, v)
		}
		return types.NewSet(vals...), true, nil
	case []string:
		vals := make([]types.Value, len(x))
		for i, s := range x {
			vals[i] = types.String(s)
		}
		return types.NewSet(vals...), true, nil
	case float64:
		v, err := floatValue(x)
		return v, err == nil, err
	case int:
		return types.Long(x), true, nil
	case int64:
		return types.Long(x), true, nil
	case int32:
		return types.Long(x), true, nil
	case uint32:
		return types.Long(x), true, nil
	case uint64:
		if x > math.MaxInt64 {
			return nil, false, fmt.Errorf("integer %d is outside Cedar's Long range", x)
		}
		return types.Long(x), true, nil
	default:
		return nil, false, fmt.Errorf("unsupported value type %T", x)
	}
}

// toRecord converts an object, leaving out null members.
func toRecord(m map[string]any, depth int) (types.Record, error) {
	rm := make(types.RecordMap, len(m))
	for k, e := range m {
		v, ok, err := toValue(e, depth+1)
		if err != nil {
			return types.Record{}, err
		}
		if ok {
			rm[types.String(k)] = v
		}
	}
	return types.NewRecord(rm), nil
}

// numberValue maps a JSON number literal to a Long or a decimal.
func numberValue(s string) (types.Value, error) {
	if !canonical.ValidNumber(s) {
		return nil, fmt.Errorf("invalid JSON number %q", s)
	}
	if !strings.ContainsAny(s, ".eE") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("integer %s is outside Cedar's Long range", s)
		}
		return types.Long(n), nil
	}
	return decimalValue(s)
}

// floatValue maps a float64 (from a host that decoded without UseNumber)
// through its shortest decimal form; it is always a decimal, because a
// float64 does not say whether the number was written as an integer.
func floatValue(f float64) (types.Value, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, fmt.Errorf("number %v is not representable in JSON", f)
	}
	return decimalValue(strconv.FormatFloat(f, 'e', -1, 64))
}

// decimalValue rounds the valid JSON number s to four fractional digits,
// half to even, exactly: the literal is split into its digits and a power
// of ten, so no float64 rounding happens on the way and a huge exponent
// (1e999999999) costs nothing.
func decimalValue(s string) (types.Value, error) {
	neg := strings.HasPrefix(s, "-")
	mant, exp := strings.TrimPrefix(s, "-"), int64(0)
	if i := strings.IndexAny(mant, "eE"); i >= 0 {
		e, err := strconv.ParseInt(strings.TrimPrefix(mant[i+1:], "+"), 10, 64)
		if err != nil {
			// Only an exponent beyond ±9.2e18 gets here.
			if strings.HasPrefix(mant[i+1:], "-") {
				return types.Decimal{}, nil
			}
			return nil, fmt.Errorf("number %s is outside Cedar's decimal range", s)
		}
		mant, exp = mant[:i], e
	}
	if i := strings.IndexByte(mant, '.'); i >= 0 {
		exp -= int64(len(mant) - i - 1)
		mant = mant[:i] + mant[i+1:]
	}
	mant = strings.TrimLeft(mant, "0")
	if mant == "" {
		return types.Decimal{}, nil
	}
	// value = mant × 10^exp. Scale to units of 10⁻⁴: mant × 10^(exp+4).
	// The leading digit sits at 10^(len(mant)-1+exp); the decimal range
	// ends below 10^15, and anything under 10^-5 rounds to zero.
	lead := int64(len(mant)) - 1 + exp
	switch {
	case lead >= 15:
		return nil, fmt.Errorf("number %s is outside Cedar's decimal range", s)
	case lead < -5:
		return types.Decimal{}, nil
	}
	q, ok := new(big.Int).SetString(mant, 10)
	if !ok {
		return nil, fmt.Errorf("invalid JSON number %q", s)
	}
	if shift := exp + 4; shift >= 0 {
		q.Mul(q, new(big.Int).Exp(big.NewInt(10), big.NewInt(shift), nil))
	} else {
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(-shift), nil)
		rem := new(big.Int)
		q.QuoRem(q, div, rem)
		// Half to even: compare twice the remainder with the divisor.
		switch c := rem.Lsh(rem, 1).Cmp(div); {
		case c > 0, c == 0 && q.Bit(0) == 1:
			q.Add(q, big.NewInt(1))
		}
	}
	if neg {
		q.Neg(q)
	}
	// In units of 10⁻⁴ the decimal range is exactly the int64 range.
	if !q.IsInt64() {
		return nil, fmt.Errorf("number %s is outside Cedar's decimal range", s)
	}
	d, err := types.NewDecimal(q.Int64(), -4)
	if err != nil {
		return nil, fmt.Errorf("number %s: %w", s, err)
	}
	return d, nil
}
