package fetch

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// maxURLLen bounds the URL text we are willing to parse. Manifests and
// Location headers have no business carrying longer URLs, and the bound
// keeps validation cost trivial.
const maxURLLen = 8 << 10

// ValidateURL parses rawURL and applies every URL rule of the package: an
// absolute https URL with a host, no user-info, no fragment (not even an
// empty one), a valid port if any, and a host that passes CheckHost. Loaders
// may call it to reject a manifest before any fetch; Fetch and Post call it
// on the first URL and on every redirect hop. All failures wrap
// ErrForbidden.
func ValidateURL(rawURL string) (*url.URL, error) {
	if len(rawURL) > maxURLLen {
		return nil, fmt.Errorf("%w: URL longer than %d bytes", ErrForbidden, maxURLLen)
	}
	// A '#' anywhere means a fragment (url.Parse keeps an empty one only as
	// a flag we would otherwise have to re-derive), and fragments have no
	// meaning for a fetch: refuse rather than silently drop them (§2.2 [ref]).
	if strings.ContainsRune(rawURL, '#') {
		return nil, fmt.Errorf("%w: URL carries a fragment", ErrForbidden)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		// url.Error repeats the whole URL; keep only the reason so that a
		// query-string token never lands in a log.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%w: malformed URL: %w", ErrForbidden, err)
	}
	if u.Scheme != "https" { // url.Parse lower-cases the scheme
		if u.Scheme == "" {
			return nil, fmt.Errorf("%w: URL is not absolute (https required)", ErrForbidden)
		}
		return nil, fmt.Errorf("%w: scheme %q is not https", ErrForbidden, u.Scheme)
	}
	if u.Opaque != "" {
		return nil, fmt.Errorf("%w: opaque https URL", ErrForbidden)
	}
	if u.User != nil {
		return nil, fmt.Errorf("%w: URL carries user-info (credentials)", ErrForbidden)
	}
	if port := u.Port(); port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("%w: invalid port %q", ErrForbidden, port)
		}
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, fmt.Errorf("%w: empty port", ErrForbidden)
	}
	if err := checkHost(u.Hostname(), strings.HasPrefix(u.Host, "[")); err != nil {
		return nil, err
	}
	// The serialised form is what gets requested and what a redirect hop
	// re-validates; escaping can make it longer than the input.
	if len(u.String()) > maxURLLen {
		return nil, fmt.Errorf("%w: URL longer than %d bytes once escaped", ErrForbidden, maxURLLen)
	}
	return u, nil
}

// CheckHost applies the host rules to a host as it appears in a URL or a
// dial address (brackets already removed). It is exported for hosts that
// build their own dialers and want the same literal ban.
func CheckHost(host string) error {
	return checkHost(host, strings.Contains(host, ":"))
}

// checkHost validates a URL host. ipv6 reports that the host was written
// as a bracketed IPv6 literal.
func checkHost(host string, ipv6 bool) error {
	if host == "" {
		return fmt.Errorf("%w: URL has no host", ErrForbidden)
	}
	if ipv6 {
		addr, err := netip.ParseAddr(host)
		if err != nil || !addr.Is6() {
			return fmt.Errorf("%w: malformed IPv6 literal %q", ErrForbidden, host)
		}
		if addr.Zone() != "" {
			// Zones only make sense for link-local addresses, which are
			// banned anyway; refusing them keeps the check simple.
			return fmt.Errorf("%w: IPv6 literal with a zone", ErrForbidden)
		}
		return checkAddr(addr)
	}
	for i := 0; i < len(host); i++ {
		if host[i] >= 0x80 {
			// net/http would IDNA-encode the name and a cgo resolver might
			// apply its own Unicode rules (full-width digits, dots); require
			// the ASCII (A-label) form so that what we check is what gets
			// resolved.
			return fmt.Errorf("%w: non-ASCII host (use the punycode form)", ErrForbidden)
		}
	}
	lower := strings.ToLower(host)
	if endsInNumber(lower) {
		// WHATWG URL parsers, inet_aton and getaddrinfo read hosts whose last
		// label is numeric as IPv4 in decimal, octal or hex, with 1 to 4
		// parts (2130706433, 0x7f.1, 0177.0.0.1, 127.1). Accept only the one
		// canonical spelling, so that the address we check is the address
		// any resolver would produce.
		addr, err := netip.ParseAddr(lower)
		if err != nil || !addr.Is4() || addr.String() != lower {
			return fmt.Errorf("%w: numeric host %q is not canonical dotted-decimal IPv4", ErrForbidden, host)
		}
		return checkAddr(addr)
	}
	if err := checkDNSName(lower); err != nil {
		return err
	}
	// RFC 6761 §6.3: "localhost" and every name under it are loopback by
	// definition, whatever DNS says, so they are the loopback literal under
	// another spelling rather than a name whose resolution is the host
	// network's business.
	if lower == "localhost" || strings.HasSuffix(lower, ".localhost") {
		return fmt.Errorf("%w: host %q is loopback by definition (RFC 6761)", ErrForbidden, host)
	}
	return nil
}

// endsInNumber reports whether the last label of host (ignoring one trailing
// dot) is a number in the WHATWG sense: all decimal digits, or "0x"/"0X"
// followed by hex digits (possibly none).
func endsInNumber(host string) bool {
	labels := strings.Split(host, ".")
	if labels[len(labels)-1] == "" {
		if len(labels) == 1 {
			return false
		}
		labels = labels[:len(labels)-1]
	}
	last := labels[len(labels)-1]
	if last == "" {
		return false
	}
	if allDigits(last, 10) {
		return true
	}
	if len(last) >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X') {
		return allDigits(last[2:], 16)
	}
	return false
}

func allDigits(s string, base int) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case base == 16 && (c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'):
		default:
			return false
		}
	}
	return true
}

// checkDNSName accepts letters, digits, '-' and '_' in non-empty labels of
// at most 63 bytes, 253 bytes in all. Underscores appear in real service
// names; everything else a URL parser lets through (quotes, '%', '!', …)
// has no place in a host we hand to a resolver. A trailing dot (empty last
// label) is refused too: it changes nothing for a legitimate host and is a
// classic way of dodging string comparisons.
func checkDNSName(name string) error {
	if len(name) > 253 {
		return fmt.Errorf("%w: host name longer than 253 bytes", ErrForbidden)
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 {
			return fmt.Errorf("%w: host %q has an empty or over-long label", ErrForbidden, name)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return fmt.Errorf("%w: host %q contains %q", ErrForbidden, name, c)
			}
		}
	}
	return nil
}

// checkAddr refuses banned literal addresses (§2.2, digest 2.9.4).
func checkAddr(addr netip.Addr) error {
	if why := bannedReason(addr); why != "" {
		return fmt.Errorf("%w: %s address %s", ErrForbidden, why, addr)
	}
	return nil
}

// bannedReason returns why addr may not be fetched from, or "" if it may.
func bannedReason(addr netip.Addr) string {
	addr = addr.WithZone("")
	if addr.Is6() {
		switch {
		case addr.IsUnspecified():
			return "unspecified"
		case addr.IsLoopback():
			return "loopback"
		case addr.IsLinkLocalUnicast():
			return "link-local"
		}
		v4, ok := embeddedIPv4(addr)
		if !ok {
			return ""
		}
		addr = v4
	}
	b := addr.As4()
	switch {
	case b[0] == 0:
		// 0.0.0.0/8, "this network": Linux connects 0.0.0.0 to the local
		// host, so the whole block is treated like unspecified.
		return "unspecified"
	case b[0] == 127:
		return "loopback"
	case b[0] == 169 && b[1] == 254:
		return "link-local"
	case b == [4]byte{255, 255, 255, 255}:
		return "broadcast"
	}
	return ""
}

// embeddedIPv4 reduces the IPv6 forms that carry an IPv4 address in their
// low 32 bits and that a dual-stack host may route as IPv4: IPv4-mapped
// (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d, deprecated but still parsed)
// and IPv4-translated (::ffff:0:a.b.c.d, RFC 2765).
func embeddedIPv4(addr netip.Addr) (netip.Addr, bool) {
	b := addr.As16()
	for _, x := range b[:8] {
		if x != 0 {
			return netip.Addr{}, false
		}
	}
	mid := [4]byte(b[8:12])
	switch mid {
	case [4]byte{0, 0, 0, 0}, [4]byte{0, 0, 0xff, 0xff}, [4]byte{0xff, 0xff, 0, 0}:
		return netip.AddrFrom4([4]byte(b[12:16])), true
	}
	return netip.Addr{}, false
}

// redact renders u for error messages without its query, which may carry a
// signed-URL token.
func redact(u *url.URL) string {
	c := *u
	c.RawQuery = ""
	c.ForceQuery = false
	c.Fragment, c.RawFragment = "", ""
	s := c.String()
	if u.RawQuery != "" {
		s += "?…"
	}
	return s
}
