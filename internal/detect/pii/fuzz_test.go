package pii

import (
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

// FuzzFind: the detector never panics, finishes, and returns in-range,
// ordered, non-overlapping spans on rune boundaries.
func FuzzFind(f *testing.F) {
	detecttest.FuzzFind(f, Default().Find,
		"", "+", "(", "+44 (0)20 7946 0958", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00",
		"AB 12 34 56 C", "née le 1. März 1990", "Dear Mr. O’Brien,\nRegards,\nJosé", "::1 fe80::1%eth0 ::",
		"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
		"<PERSON:0123abcd> a@b.c", "12 rue de la Paix", "Calle Mayor, 10", "C/ Gran Vía 28", "\xff\xfe1234",
		strings.Repeat("1 ", 100), strings.Repeat("Aa ", 50), "DOB:\n1990-01-01", "a+1(2", "x(1",
	)
}

func luhnRef(s string) bool {
	if len(s) < 2 {
		return false
	}
	sum := 0
	for i := 0; i < len(s); i++ {
		c := s[len(s)-1-i]
		if c < '0' || c > '9' {
			return false
		}
		d := int(c - '0')
		if i%2 == 1 {
			d = d * 2
			if d > 9 {
				d = d/10 + d%10
			}
		}
		sum += d
	}
	return sum%10 == 0
}

// FuzzValidators: every validator accepts any input without panicking;
// Luhn agrees with a second implementation; a valid IBAN with one digit
// changed is invalid.
func FuzzValidators(f *testing.F) {
	for _, s := range []string{"4111111111111111", "GB29NWBK60161331926819", "9434765919", "AB123456C",
		"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "536906214", "912701234", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if luhn(s) != luhnRef(s) {
			t.Fatalf("luhn(%q) disagrees", s)
		}
		_ = cardIIN(s)
		if ibanValid(s) {
			for i := 4; i < len(s); i++ {
				if s[i] >= '0' && s[i] <= '9' {
					b := []byte(s)
					b[i] = '0' + (b[i]-'0'+1)%10
					if ibanValid(string(b)) {
						t.Fatalf("IBAN %q still valid after changing digit %d", s, i)
					}
					break
				}
			}
		}
		_, _, _ = ssnValid(s), itinValid(s), nhsValid(s)
		_, _, _ = ninoValid(s), btcBase58Valid(s), segwitValid(s)
		_ = ethValid(s)
		_ = keccak256([]byte(s))
		_, _ = parseDate(s, 0)
	})
}
