package pii

import (
	"net/netip"
	"strings"
)

// scanTokens walks the alphanumeric words of the text once and tries the
// token-shaped types at each word start: IBAN and NINO (two capitals),
// Bitcoin and Ethereum addresses, MAC addresses and IPv6 addresses.
func (s *scan) scanTokens() {
	text := s.text
	n := len(text)
	for i := 0; i < n; {
		c := text[i]
		if c == ':' && i+1 < n && text[i+1] == ':' && (i == 0 || !isWordByte(text[i-1]) && text[i-1] != ':') {
			if e := s.tryIPv6(i); e > i {
				i = e
				continue
			}
		}
		if !isAlnumASCII(c) || s.joinsLeft(i) {
			i++
			continue
		}
		j := i
		for j < n && isAlnumASCII(text[j]) {
			j++
		}
		if e := s.tryToken(i, j); e > i {
			i = e
			continue
		}
		i = j
	}
}

func isAlnumASCII(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

// tryToken tries the token types on the word [i,j) and returns the end of
// what it found, or i.
func (s *scan) tryToken(i, j int) int {
	text := s.text
	n := len(text)
	w := text[i:j]
	// MAC and IPv6 start with hex and continue with ':' / '-' / '.'.
	if j < n && (text[j] == ':' || text[j] == '-' || text[j] == '.') && isHex(w[0]) {
		if e := s.tryMAC(i); e > i {
			return e
		}
		if text[j] == ':' {
			if e := s.tryIPv6(i); e > i {
				return e
			}
		}
	}
	if len(w) >= 2 && isUpperASCII(w[0]) && isUpperASCII(w[1]) {
		if e := s.tryIBAN(i); e > i {
			return e
		}
		if e := s.tryNINO(i); e > i {
			return e
		}
	}
	if s.joinsRight(j) {
		return i // continues with non-ASCII letters: a word, not a token
	}
	switch {
	case (w[0] == '1' || w[0] == '3') && len(w) >= 26 && len(w) <= 35:
		if btcBase58Valid(w) {
			s.add(eCrypto, i, j, 0.9)
			return j
		}
	case len(w) >= 14 && (strings.HasPrefix(w, "bc1") || strings.HasPrefix(w, "BC1") || strings.HasPrefix(w, "tb1")):
		if segwitValid(w) {
			s.add(eCrypto, i, j, 0.9)
			return j
		}
	case len(w) == 42 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X'):
		if ethValid(w) {
			// A 20-byte hex value after 0x is an address; a checksummed one
			// is certain.
			s.add(eCrypto, i, j, 0.85)
			return j
		}
	}
	return i
}

// tryIBAN reads an IBAN at i: country code, check digits and BBAN, either
// compact or in groups separated by single spaces, ending exactly at the
// country's length.
func (s *scan) tryIBAN(i int) int {
	text := s.text
	n := len(text)
	if i+4 > n || !isDigit(text[i+2]) || !isDigit(text[i+3]) {
		return i
	}
	want, ok := ibanLengths[text[i:i+2]]
	if !ok {
		return i
	}
	var buf [34]byte
	k, p := 0, i
	for p < n && k < want {
		c := text[p]
		switch {
		case isUpperASCII(c) || isDigit(c):
			buf[k] = c
			k++
			p++
		case c == ' ' && k%4 == 0 && p+1 < n && isAlnumASCII(text[p+1]) && k > 0:
			p++
		default:
			return i
		}
	}
	if k != want || p < n && isWordByte(text[p]) {
		return i
	}
	if !ibanValid(string(buf[:k])) {
		return i
	}
	s.add(eIBAN, i, p, 0.95)
	return p
}

// tryNINO reads a National Insurance number at i: "AB123456C" or
// "AB 12 34 56 C".
func (s *scan) tryNINO(i int) int {
	text := s.text
	n := len(text)
	var buf [9]byte
	k, p := 0, i
	for p < n && k < 9 {
		c := text[p]
		switch {
		case k < 2 || k == 8:
			if !isUpperASCII(c) {
				return i
			}
		default:
			if !isDigit(c) {
				return i
			}
		}
		buf[k] = c
		k++
		p++
		if (k == 2 || k == 4 || k == 6 || k == 8) && p+1 < n && text[p] == ' ' && isAlnumASCII(text[p+1]) {
			p++
		}
	}
	if k != 9 || p < n && isWordByte(text[p]) || !ninoValid(string(buf[:])) {
		return i
	}
	s.add(eNINO, i, p, s.score(eNINO, 0.7, i, p, cueNegID))
	return p
}

// tryMAC reads six hex pairs separated by ':' or '-' (one kind), or three
// hex quads separated by '.' (Cisco), at i.
func (s *scan) tryMAC(i int) int {
	text := s.text
	n := len(text)
	end := -1
	if i+17 <= n && (text[i+2] == ':' || text[i+2] == '-') {
		sep := text[i+2]
		ok := true
		for g := 0; g < 6 && ok; g++ {
			p := i + 3*g
			ok = isHex(text[p]) && isHex(text[p+1]) && (g == 5 || text[p+2] == sep)
		}
		if ok {
			end = i + 17
		}
	} else if i+14 <= n && text[i+4] == '.' && text[i+9] == '.' {
		ok := true
		for g := 0; g < 3 && ok; g++ {
			p := i + 5*g
			ok = isHex(text[p]) && isHex(text[p+1]) && isHex(text[p+2]) && isHex(text[p+3])
		}
		if ok {
			end = i + 14
		}
	}
	if end < 0 || end < n && (isWordByte(text[end]) || text[end] == ':' || text[end] == '-' && end+1 < n && isHex(text[end+1])) {
		return i
	}
	m := text[i:end]
	if allZeroOrF(m) {
		return i // unset and broadcast addresses identify no one
	}
	s.add(eMAC, i, end, 0.7)
	return end
}

func allZeroOrF(m string) bool {
	zero, ff := true, true
	for k := 0; k < len(m); k++ {
		c := m[k]
		if !isHex(c) {
			continue
		}
		if c != '0' {
			zero = false
		}
		if c != 'f' && c != 'F' {
			ff = false
		}
	}
	return zero || ff
}

// tryIPv6 reads an IPv6 address at i (hex groups and colons, an embedded
// IPv4 tail, a %zone) and validates it with net/netip.
func (s *scan) tryIPv6(i int) int {
	text := s.text
	n := len(text)
	j := i
	colons := 0
	for j < n && j-i < 45 && (isHex(text[j]) || text[j] == ':' || text[j] == '.') {
		if text[j] == ':' {
			colons++
		}
		j++
	}
	if colons < 2 {
		return i
	}
	// Trailing punctuation: "fe80::1." at a sentence end, "::1:" in a list.
	for j > i && (text[j-1] == '.' || text[j-1] == ':' && (j-2 < i || text[j-2] != ':')) {
		j--
	}
	end := j
	if end < n && text[end] == '%' {
		k := end + 1
		for k < n && isAlnumASCII(text[k]) {
			k++
		}
		if k > end+1 {
			end = k
		}
	}
	if end < n && (isWordByte(text[end]) || text[end] == ':') {
		return i
	}
	ip, err := netip.ParseAddr(text[i:end])
	if err != nil || !ip.Is6() || !reportableIP(ip) || ip.Is4In6() && !reportableIP(ip.Unmap()) {
		return i
	}
	// Hex-only pairs like "dead:beef::" in prose are rare; require a digit
	// or at least three groups.
	if !strings.ContainsAny(text[i:j], "0123456789") && colons < 3 {
		return i
	}
	s.add(eIP, i, j, s.score(eIP, 0.75, i, j, cueNegVersion))
	return end
}
