package canonical

import (
	"errors"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

// rfc8785Numbers is RFC 8785 Appendix B: IEEE-754 bit patterns and their
// canonical serialization. (0x44b52d02c7e14af7 and 0xbecbf647612f3696 are
// sometimes misquoted as "1.0000000000000003e+23" and
// "-0.0000033333333333333327"; those strings denote other doubles.)
var rfc8785Numbers = []struct {
	bits uint64
	want string
}{
	{0x0000000000000000, "0"},
	{0x8000000000000000, "0"},
	{0x0000000000000001, "5e-324"},
	{0x8000000000000001, "-5e-324"},
	{0x7fefffffffffffff, "1.7976931348623157e+308"},
	{0xffefffffffffffff, "-1.7976931348623157e+308"},
	{0x4340000000000000, "9007199254740992"},
	{0xc340000000000000, "-9007199254740992"},
	{0x4430000000000000, "295147905179352830000"},
	{0x44b52d02c7e14af5, "9.999999999999997e+22"},
	{0x44b52d02c7e14af6, "1e+23"},
	{0x44b52d02c7e14af7, "1.0000000000000001e+23"},
	{0x444b1ae4d6e2ef4e, "999999999999999700000"},
	{0x444b1ae4d6e2ef4f, "999999999999999900000"},
	{0x444b1ae4d6e2ef50, "1e+21"},
	{0x3eb0c6f7a0b5ed8c, "9.999999999999997e-7"},
	{0x3eb0c6f7a0b5ed8d, "0.000001"},
	{0x41b3de4355555553, "333333333.3333332"},
	{0x41b3de4355555554, "333333333.33333325"},
	{0x41b3de4355555555, "333333333.3333333"},
	{0x41b3de4355555556, "333333333.3333334"},
	{0x41b3de4355555557, "333333333.33333343"},
	{0xbecbf647612f3696, "-0.0000033333333333333333"},
	{0x43143ff3c1cb0959, "1424953923781206.2"},
}

func TestAppendFloatRFC8785(t *testing.T) {
	for _, tc := range rfc8785Numbers {
		f := math.Float64frombits(tc.bits)
		got, err := AppendFloat(nil, f)
		if err != nil {
			t.Errorf("AppendFloat(%#016x): %v", tc.bits, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("AppendFloat(%#016x) = %s, want %s", tc.bits, got, tc.want)
		}
		// The same value written as JSON text in any other notation must
		// canonicalize identically.
		for _, text := range []string{
			strconv.FormatFloat(f, 'g', -1, 64),
			strconv.FormatFloat(f, 'e', -1, 64),
			strconv.FormatFloat(f, 'E', 30, 64),
			tc.want,
		} {
			got, err := Canonicalize([]byte(text))
			if err != nil {
				t.Errorf("Canonicalize(%s): %v", text, err)
				continue
			}
			if string(got) != tc.want {
				t.Errorf("Canonicalize(%s) = %s, want %s", text, got, tc.want)
			}
		}
	}
}

func TestAppendFloatECMAScript(t *testing.T) {
	// Expected strings are what Number.prototype.toString prints in
	// JavaScript engines; they exercise each branch of the algorithm.
	tests := []struct {
		f    float64
		want string
	}{
		{1, "1"},
		{-1, "-1"},
		{0.1, "0.1"},
		{-0.5, "-0.5"},
		{1.5, "1.5"},
		{100, "100"},
		{123.456, "123.456"},
		{1e20, "100000000000000000000"},
		{1e21, "1e+21"},
		{1.5e21, "1.5e+21"},
		{123456789012345680000, "123456789012345680000"},
		{1e-6, "0.000001"},
		{1.5e-6, "0.0000015"},
		{1e-7, "1e-7"},
		{1.5e-7, "1.5e-7"},
		{123e-20, "1.23e-18"},
		{1e300, "1e+300"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.SmallestNonzeroFloat64, "5e-324"},
		{1 << 53, "9007199254740992"},
		{1<<53 + 2, "9007199254740994"},
		{1 << 60, "1152921504606847000"},
		{0.30000000000000004, "0.30000000000000004"},
		{1.0000000000000003e+23, "1.0000000000000003e+23"},
		{-0.0000033333333333333327, "-0.000003333333333333333"},
		{4.35, "4.35"},
		{2e-3, "0.002"},
		{1e30, "1e+30"},
		{math.Copysign(0, -1), "0"},
	}
	for _, tc := range tests {
		got, err := AppendFloat([]byte("x"), tc.f)
		if err != nil {
			t.Errorf("AppendFloat(%v): %v", tc.f, err)
			continue
		}
		if string(got) != "x"+tc.want {
			t.Errorf("AppendFloat(%v) = %s, want x%s", tc.f, got, tc.want)
		}
	}
}

func TestAppendFloatNonFinite(t *testing.T) {
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		dst := []byte("keep")
		got, err := AppendFloat(dst, f)
		if err == nil {
			t.Errorf("AppendFloat(%v) = %s, want error", f, got)
			continue
		}
		if string(got) != "keep" {
			t.Errorf("AppendFloat(%v) modified dst: %q", f, got)
		}
		var e *Error
		if !errors.As(err, &e) || e.Offset != -1 {
			t.Errorf("AppendFloat(%v) error = %#v, want *Error with Offset -1", f, err)
		}
	}
	// Non-finite values cannot be written in JSON text either; overflow
	// to infinity must be rejected rather than clamped.
	for _, in := range []string{"NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1e309"} {
		if got, err := Canonicalize([]byte(in)); err == nil {
			t.Errorf("Canonicalize(%s) = %s, want error", in, got)
		}
	}
}

func TestAppendInt(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0"},
		{7, "7"},
		{-7, "-7"},
		{1 << 53, "9007199254740992"},
		{-(1 << 53), "-9007199254740992"},
		// Beyond 2^53 the value is rounded to a double first, exactly as a
		// JavaScript verifier would see it.
		{1<<53 + 1, "9007199254740992"},
		{1<<53 + 3, "9007199254740996"},
		{math.MaxInt64, "9223372036854776000"},
		{math.MinInt64, "-9223372036854776000"},
		{1e18, "1000000000000000000"},
		{123456789012345678, "123456789012345680"},
	}
	for _, tc := range tests {
		if got := AppendInt(nil, tc.n); string(got) != tc.want {
			t.Errorf("AppendInt(%d) = %s, want %s", tc.n, got, tc.want)
		}
		// Consistency with the float path and with parsing JSON text.
		want, _ := AppendFloat(nil, float64(tc.n))
		if got := AppendInt(nil, tc.n); string(got) != string(want) {
			t.Errorf("AppendInt(%d) = %s, AppendFloat = %s", tc.n, got, want)
		}
		got, err := Canonicalize(strconv.AppendInt(nil, tc.n, 10))
		if err != nil || string(got) != tc.want {
			t.Errorf("Canonicalize(%d) = %s, %v; want %s", tc.n, got, err, tc.want)
		}
	}
}

func TestNumberText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"0", "0"},
		{"-0", "0"},
		{"-0.0", "0"},
		{"0e10", "0"},
		{"-0E-3", "0"},
		{"1.0", "1"},
		{"1E2", "100"},
		{"1e+2", "100"},
		{"4.50", "4.5"},
		{"2e-3", "0.002"},
		{"1E30", "1e+30"},
		{"0.000000000000000000000000001", "1e-27"},
		{"333333333.33333329", "333333333.3333333"},
		{"999999999999999", "999999999999999"},
		{"-999999999999999", "-999999999999999"},
		{"9999999999999999", "10000000000000000"},
		{"12345678901234567890", "12345678901234567000"},
		{"1e-400", "0"}, // underflow rounds to zero, as in ECMAScript
		{"-1e-400", "0"},
		{"100000000000000000000000", "1e+23"},
		{"0.1e1", "1"},
		{"1.7976931348623157e308", "1.7976931348623157e+308"},
		{"17976931348623157e292", "1.7976931348623157e+308"},
	}
	for _, tc := range tests {
		got, err := Canonicalize([]byte(tc.in))
		if err != nil {
			t.Errorf("Canonicalize(%s): %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Canonicalize(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
}

// TestShortDecimalMatchesFloatPath checks the text-only fast path against the
// authoritative route (strconv.ParseFloat, then Number::toString) on random
// decimals built to straddle its limits: 14 to 16 significant digits, leading
// and trailing zeros, exponents near the fast path's range bounds.
func TestShortDecimalMatchesFloatPath(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + rng.IntN(10))
		}
		return string(b)
	}
	iters := 300000
	if testing.Short() {
		iters = 20000
	}
	for range iters {
		var sb strings.Builder
		if rng.IntN(2) == 0 {
			sb.WriteByte('-')
		}
		intPart := strings.TrimLeft(digits(rng.IntN(18)), "0")
		if intPart == "" {
			intPart = "0"
		}
		sb.WriteString(intPart)
		if rng.IntN(4) != 0 {
			sb.WriteString(".")
			sb.WriteString(strings.Repeat("0", rng.IntN(8)))
			sb.WriteString(digits(1 + rng.IntN(17)))
			sb.WriteString(strings.Repeat("0", rng.IntN(4)))
		}
		if rng.IntN(3) != 0 {
			sb.WriteString([]string{"e", "E", "e+", "e-", "E-0"}[rng.IntN(5)])
			exps := []int{rng.IntN(25), rng.IntN(330), 280 + rng.IntN(30)}
			sb.WriteString(strconv.Itoa(exps[rng.IntN(len(exps))]))
		}
		in := sb.String()
		got, err := Canonicalize([]byte(in))
		f, perr := strconv.ParseFloat(in, 64)
		if perr != nil {
			if err == nil {
				t.Fatalf("Canonicalize(%s) = %s, ParseFloat error %v", in, got, perr)
			}
			continue
		}
		if err != nil {
			t.Fatalf("Canonicalize(%s): %v", in, err)
		}
		if want := appendFinite(nil, f); string(got) != string(want) {
			t.Fatalf("Canonicalize(%s) = %s, want %s", in, got, want)
		}
	}
}
