package pii

// Validators confirm a candidate that a scanner found by shape. Each takes
// the candidate's significant characters only (digits, or upper-case
// alphanumerics for IBAN and NINO) so that formatting never changes the
// verdict, and each is a pure function that never panics on any input.

import (
	"crypto/sha256"
	"strings"
)

// luhn reports whether the decimal digit string passes the Luhn (mod 10)
// check used by payment cards.
func luhn(digits string) bool {
	if len(digits) < 2 {
		return false
	}
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		c := digits[i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// cardRange is one issuer identification number range of a card network
// and the set of lengths the network issues in it (bit n set: length n).
type cardRange struct {
	lo, hi    int // inclusive range of the leading prefixLen digits
	prefixLen int
	lengths   uint32
}

func lens(from, to int) uint32 {
	var m uint32
	for n := from; n <= to; n++ {
		m |= 1 << n
	}
	return m
}

// cardRanges lists the IIN ranges of the major networks. A Luhn-valid
// number outside every range is not reported: random 16-digit identifiers
// pass Luhn one time in ten, and the ranges and lengths remove most of
// those.
var cardRanges = [...]cardRange{
	{4, 4, 1, 1<<13 | 1<<16 | 1<<19},  // Visa
	{51, 55, 2, 1 << 16},              // Mastercard
	{2221, 2720, 4, 1 << 16},          // Mastercard 2-series
	{34, 34, 2, 1 << 15},              // American Express
	{37, 37, 2, 1 << 15},              // American Express
	{6011, 6011, 4, lens(16, 19)},     // Discover
	{644, 649, 3, lens(16, 19)},       // Discover
	{65, 65, 2, lens(16, 19)},         // Discover, RuPay
	{300, 305, 3, lens(14, 19)},       // Diners Club International
	{3095, 3095, 4, lens(14, 19)},     // Diners Club International
	{36, 36, 2, lens(14, 19)},         // Diners Club International
	{38, 39, 2, lens(14, 19)},         // Diners Club
	{3528, 3589, 4, lens(16, 19)},     // JCB
	{62, 62, 2, lens(16, 19)},         // UnionPay (and Discover co-brands)
	{81, 82, 2, lens(16, 19)},         // UnionPay, RuPay
	{60, 60, 2, 1 << 16},              // RuPay
	{508, 508, 3, 1 << 16},            // RuPay
	{2200, 2204, 4, lens(16, 19)},     // Mir
	{50, 50, 2, lens(12, 19)},         // Maestro
	{56, 58, 2, lens(12, 19)},         // Maestro
	{5893, 5893, 4, lens(12, 19)},     // Maestro
	{6304, 6304, 4, lens(12, 19)},     // Maestro
	{6759, 6759, 4, lens(12, 19)},     // Maestro UK
	{6761, 6763, 4, lens(12, 19)},     // Maestro
	{636368, 636368, 6, 1 << 16},      // Elo
	{606282, 606282, 6, lens(16, 19)}, // Hipercard
}

// cardIIN reports whether digits has the prefix and length of a card issued
// by one of the major networks.
func cardIIN(digits string) bool {
	n := len(digits)
	if n < 12 || n > 19 {
		return false
	}
	for _, r := range cardRanges {
		if r.lengths&(1<<n) == 0 {
			continue
		}
		if p := atoiN(digits, r.prefixLen); p >= r.lo && p <= r.hi {
			return true
		}
	}
	return false
}

// atoiN parses the first n decimal digits of s (s holds digits only).
func atoiN(s string, n int) int {
	v := 0
	for i := 0; i < n && i < len(s); i++ {
		v = v*10 + int(s[i]-'0')
	}
	return v
}

// ibanLengths maps the ISO 3166 country code of an IBAN to its total length
// (SWIFT IBAN registry): every SEPA country and the other common ones.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16,
	"BG": 22, "BH": 22, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28,
	"CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24,
	"FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18,
	"GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23,
	"IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32,
	"LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22,
	"MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24,
	"PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
	"SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

// ibanValid reports whether s (upper-case letters and digits, no spaces)
// is an IBAN of the right length for its country with a valid ISO 13616
// mod-97 check.
func ibanValid(s string) bool {
	if len(s) < 15 || len(s) > 34 {
		return false
	}
	if want, ok := ibanLengths[s[:2]]; !ok || want != len(s) {
		return false
	}
	if s[2] < '0' || s[2] > '9' || s[3] < '0' || s[3] > '9' {
		return false
	}
	// Check digits 00, 01 and 99 are never issued.
	if cd := atoiN(s[2:4], 2); cd < 2 || cd > 98 {
		return false
	}
	// Move the first four characters to the end and read the result as a
	// number with A=10 … Z=35, reducing mod 97 as we go.
	rem := 0
	for i := 0; i < len(s); i++ {
		c := s[(i+4)%len(s)]
		switch {
		case c >= '0' && c <= '9':
			rem = (rem*10 + int(c-'0')) % 97
		case c >= 'A' && c <= 'Z':
			rem = (rem*100 + int(c-'A') + 10) % 97
		default:
			return false
		}
	}
	return rem == 1
}

// ssnValid applies the Social Security Administration's structural rules
// to a 9-digit string: area not 000, 666 or 900–999, group not 00, serial
// not 0000, and not one of the numbers known to be invalid because they were
// published (advertising, training material).
func ssnValid(d string) bool {
	if len(d) != 9 || !allDigits(d) {
		return false
	}
	area, group, serial := atoiN(d, 3), atoiN(d[3:], 2), atoiN(d[5:], 4)
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	switch d {
	case "078051120", // Woolworth wallet insert
		"219099999", // SSA pamphlet
		"123456789", "111111111", "222222222", "333333333", "444444444",
		"555555555", "777777777", "888888888", "987654320", "987654321":
		return false
	}
	// 987-65-4320 … 987-65-4329 are reserved for advertising; they already
	// fail the area rule. A number made of one repeated digit is a filler.
	return strings.Count(d, d[:1]) != 9
}

// itinValid applies the IRS rules for Individual Taxpayer Identification
// Numbers: 9XX-GG-SSSS with the group in 50–65, 70–88, 90–92 or 94–99.
func itinValid(d string) bool {
	if len(d) != 9 || !allDigits(d) || d[0] != '9' {
		return false
	}
	g := atoiN(d[3:], 2)
	switch {
	case g >= 50 && g <= 65, g >= 70 && g <= 88, g >= 90 && g <= 92, g >= 94 && g <= 99:
		return true
	}
	return false
}

// nhsValid checks an NHS number (England, Wales, Isle of Man): ten digits,
// the last a modulus-11 check over the first nine with weights 10…2.
func nhsValid(d string) bool {
	if len(d) != 10 || !allDigits(d) {
		return false
	}
	if strings.Count(d, d[:1]) == 10 {
		return false // 000 000 0000, 111 111 1111 …: fillers, not numbers
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (10 - i)
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(d[9]-'0')
}

// ninoValid checks a UK National Insurance number (upper case, no spaces):
// two prefix letters, six digits, suffix A–D. The first letter is not D, F,
// I, Q, U or V; the second not D, F, I, O, Q, U or V; the prefixes BG, GB,
// KN, NK, NT, TN and ZZ are never allocated (HMRC NIM39110).
func ninoValid(s string) bool {
	if len(s) != 9 {
		return false
	}
	a, b := s[0], s[1]
	if a < 'A' || a > 'Z' || b < 'A' || b > 'Z' {
		return false
	}
	if strings.IndexByte("DFIQUV", a) >= 0 || strings.IndexByte("DFIOQUV", b) >= 0 {
		return false
	}
	switch s[:2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return false
	}
	if !allDigits(s[2:8]) {
		return false
	}
	return s[8] >= 'A' && s[8] <= 'D'
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// base58Index maps a byte to its base58 value, or -1.
var base58Index = func() [256]int8 {
	var t [256]int8
	for i := range t {
		t[i] = -1
	}
	for i := 0; i < len(base58Alphabet); i++ {
		t[base58Alphabet[i]] = int8(i)
	}
	return t
}()

// btcBase58Valid checks a legacy Bitcoin address: base58 that decodes to 25
// bytes, version 0x00 (P2PKH, starts with 1) or 0x05 (P2SH, starts with 3),
// and a 4-byte double-SHA-256 checksum.
func btcBase58Valid(s string) bool {
	if len(s) < 26 || len(s) > 35 {
		return false
	}
	var out [25]byte // big-endian accumulator; overflow means too long
	for i := 0; i < len(s); i++ {
		v := base58Index[s[i]]
		if v < 0 {
			return false
		}
		carry := int(v)
		for j := len(out) - 1; j >= 0; j-- {
			carry += int(out[j]) * 58
			out[j] = byte(carry)
			carry >>= 8
		}
		if carry != 0 {
			return false
		}
	}
	// Leading '1's encode leading zero bytes; the accumulator already has
	// them as zeros, but the count must agree.
	ones := 0
	for ones < len(s) && s[ones] == '1' {
		ones++
	}
	zeros := 0
	for zeros < len(out) && out[zeros] == 0 {
		zeros++
	}
	if ones != zeros {
		return false
	}
	if out[0] != 0x00 && out[0] != 0x05 {
		return false
	}
	h := sha256.Sum256(out[:21])
	h = sha256.Sum256(h[:])
	return h[0] == out[21] && h[1] == out[22] && h[2] == out[23] && h[3] == out[24]
}

const bech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

func bech32Polymod(values []byte) uint32 {
	gen := [5]uint32{0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3}
	chk := uint32(1)
	for _, v := range values {
		b := chk >> 25
		chk = (chk&0x1ffffff)<<5 ^ uint32(v)
		for i := 0; i < 5; i++ {
			if (b>>i)&1 == 1 {
				chk ^= gen[i]
			}
		}
	}
	return chk
}

// segwitValid checks a native SegWit address (BIP 173 / BIP 350) for the
// Bitcoin main network (bc) or test network (tb): one case throughout, a
// valid bech32 checksum for witness version 0 and bech32m for versions 1–16,
// and a witness program of the length the version allows.
func segwitValid(s string) bool {
	if len(s) < 14 || len(s) > 90 {
		return false
	}
	lower := strings.ToLower(s)
	if lower != s && strings.ToUpper(s) != s {
		return false // mixed case is invalid by the spec
	}
	sep := strings.LastIndexByte(lower, '1')
	if sep < 1 || sep+7 > len(lower) {
		return false
	}
	hrp := lower[:sep]
	if hrp != "bc" && hrp != "tb" {
		return false
	}
	var buf [96]byte
	n := 0
	for i := 0; i < len(hrp); i++ {
		buf[n] = hrp[i] >> 5
		n++
	}
	buf[n] = 0
	n++
	for i := 0; i < len(hrp); i++ {
		buf[n] = hrp[i] & 31
		n++
	}
	dataStart := n
	for i := sep + 1; i < len(lower); i++ {
		v := strings.IndexByte(bech32Charset, lower[i])
		if v < 0 {
			return false
		}
		buf[n] = byte(v)
		n++
	}
	data := buf[dataStart : n-6]
	if len(data) < 1 {
		return false
	}
	version := data[0]
	if version > 16 {
		return false
	}
	pm := bech32Polymod(buf[:n])
	if version == 0 && pm != 1 {
		return false
	}
	if version != 0 && pm != 0x2bc830a3 {
		return false
	}
	// Regroup the 5-bit program into bytes; padding must be zero and short.
	acc, bits, progLen := 0, 0, 0
	for _, v := range data[1:] {
		acc = acc<<5 | int(v)
		bits += 5
		if bits >= 8 {
			bits -= 8
			progLen++
		}
	}
	if bits >= 5 || acc&((1<<bits)-1) != 0 {
		return false
	}
	if progLen < 2 || progLen > 40 {
		return false
	}
	if version == 0 && progLen != 20 && progLen != 32 {
		return false
	}
	return true
}

// ethValid checks an Ethereum address: 0x and 40 hex digits. An address
// written in one case carries no checksum and is accepted; a mixed-case
// address must carry a valid EIP-55 checksum (the case of each letter is set
// by the Keccak-256 hash of the lower-case hex).
func ethValid(s string) bool {
	if len(s) != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return false
	}
	h := s[2:]
	hasUpper, hasLower := false, false
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case c >= '0' && c <= '9':
		case c >= 'a' && c <= 'f':
			hasLower = true
		case c >= 'A' && c <= 'F':
			hasUpper = true
		default:
			return false
		}
	}
	if !hasUpper || !hasLower {
		return true
	}
	var low [40]byte
	for i := 0; i < 40; i++ {
		c := h[i]
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		low[i] = c
	}
	sum := keccak256(low[:])
	for i := 0; i < 40; i++ {
		c := h[i]
		if c <= '9' {
			continue
		}
		nib := sum[i/2] >> 4
		if i%2 == 1 {
			nib = sum[i/2] & 0x0f
		}
		upper := c >= 'A' && c <= 'F'
		if upper != (nib >= 8) {
			return false
		}
	}
	return true
}
