package fetch

import (
	"errors"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// FuzzValidateURL: ValidateURL never panics, every refusal wraps
// ErrForbidden, and nothing it accepts names a banned address under any
// normalisation a resolver or URL parser might apply (inet_aton numeric
// forms, trailing dot, case, IPv4 embedded in IPv6, RFC 6761 localhost).
func FuzzValidateURL(f *testing.F) {
	for _, s := range []string{
		"https://manifests.example.com/base.yaml",
		"https://10.0.0.1/x",
		"https://[2001:db8::1]:8443/x",
		"https://127.0.0.1/",
		"https://[::ffff:169.254.169.254]/",
		"https://[::127.0.0.1]/",
		"https://2130706433/",
		"https://0x7f.1/",
		"https://0177.0.0.1/",
		"https://127.0.0.1./",
		"https://%31%32%37.0.0.1/",
		"https://[fe80::1%25eth0]/",
		"https://localhost./",
		"http://example.com/",
		"https://u:p@example.com/",
		"https://example.com/#",
		"https://0x.0x.0x.0x/",
		"https://[::ffff:0:7f00:1]/",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := ValidateURL(raw)
		if err != nil {
			if !errors.Is(err, ErrForbidden) {
				t.Fatalf("refusal does not wrap ErrForbidden: %v", err)
			}
			return
		}
		if u.Scheme != "https" || u.User != nil || u.Fragment != "" || strings.Contains(raw, "#") {
			t.Fatalf("accepted %q: scheme %q user %v fragment %q", raw, u.Scheme, u.User, u.Fragment)
		}
		host := u.Hostname()
		if host == "" {
			t.Fatalf("accepted %q without host", raw)
		}
		if addr, ok := oracleAddr(host); ok && oracleBanned(addr) {
			t.Fatalf("accepted %q whose host %q normalises to banned %s", raw, host, addr)
		}
		lower := strings.TrimSuffix(strings.ToLower(host), ".")
		if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
			t.Fatalf("accepted localhost %q", raw)
		}
		// Re-validating the serialised URL (what a redirect hop or a dial
		// would see) must agree.
		if _, err := ValidateURL(u.String()); err != nil {
			t.Fatalf("accepted %q but not its serialisation %q: %v", raw, u.String(), err)
		}
	})
}

// oracleAddr interprets host the way the most permissive parsers do: IPv6
// literal (zone dropped), or inet_aton IPv4 with 1-4 decimal, octal or hex
// parts and an optional trailing dot.
func oracleAddr(host string) (netip.Addr, bool) {
	if strings.Contains(host, ":") {
		if i := strings.IndexByte(host, '%'); i >= 0 {
			host = host[:i]
		}
		a, err := netip.ParseAddr(host)
		return a, err == nil
	}
	h := strings.TrimSuffix(strings.ToLower(host), ".")
	if d, err := url.PathUnescape(h); err == nil {
		h = d
	}
	parts := strings.Split(h, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n |= vals[i] << (8 * (3 - i))
	}
	if vals[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// oracleBanned restates the ban independently of bannedReason.
func oracleBanned(a netip.Addr) bool {
	a = a.WithZone("")
	if a.Is6() && !a.Is4In6() {
		if a.IsLoopback() || a.IsUnspecified() || a.IsLinkLocalUnicast() {
			return true
		}
		b := a.As16()
		embedded := true
		for _, x := range b[:8] {
			embedded = embedded && x == 0
		}
		tr := b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0
		compat := b[8] == 0 && b[9] == 0 && b[10] == 0 && b[11] == 0
		if !embedded || !(tr || compat) {
			return false
		}
		a = netip.AddrFrom4([4]byte(b[12:]))
	}
	a = a.Unmap()
	return netip.MustParsePrefix("127.0.0.0/8").Contains(a) ||
		netip.MustParsePrefix("169.254.0.0/16").Contains(a) ||
		netip.MustParsePrefix("0.0.0.0/8").Contains(a) ||
		a == netip.MustParseAddr("255.255.255.255")
}
