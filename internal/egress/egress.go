// Package egress decides which network destinations an agent's tool call
// may reach. Rules are matched in order and the first match wins; a request
// that matches no rule gets the default.
//
// Matching semantics, stated once because every operator asks:
//   - "api.example.com" matches exactly that host (case-insensitive,
//     trailing dot ignored).
//   - "*.corp.com" matches every subdomain at any depth (a.corp.com,
//     a.b.corp.com) and NOT corp.com itself; write both rules to cover both.
//   - "*" matches every destination.
//   - An IP literal ("10.1.2.3", "::1") matches that address, whichever way
//     the destination spells it (IPv4-mapped IPv6, decimal, hex or octal
//     forms are normalised first); a CIDR ("10.0.0.0/8") matches addresses
//     inside it. Host-name patterns never match IP destinations, and CIDRs
//     never match names: a name is not resolved.
//   - A pattern may carry a scheme ("https://api.example.com") and a port
//     ("api.example.com:8443"); then those must match too. A destination
//     without an explicit port has the scheme's default port.
package egress

import (
	"errors"
	"fmt"

	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Action is what a rule does.
type Action string

// Actions.
const (
	Allow Action = "allow"
	Deny  Action = "deny"
)

// Rule is one configured rule.
type Rule struct {
	Host   string
	Action Action
}

// Destination is where a request goes.
type Destination struct {
	Scheme string // lower case, "" when unknown (a bare host argument)
	Host   string // lower case; an IP literal in canonical form
	Port   int    // 0 when unknown
	// Addr is set when Host is an IP literal.
	Addr netip.Addr
}

func (d Destination) String() string {
	var b strings.Builder
	if d.Scheme != "" {
		b.WriteString(d.Scheme + "://")
	}
	host := d.Host
	if d.Addr.Is6() {
		host = "[" + host + "]"
	}
	b.WriteString(host)
	if d.Port != 0 {
		b.WriteString(":" + strconv.Itoa(d.Port))
	}
	return b.String()
}

type pattern struct {
	raw    string
	scheme string
	port   int
	any    bool
	suffix string // "*.corp.com" → ".corp.com"
	exact  string
	addr   netip.Addr
	prefix netip.Prefix
	action Action
}

// Policy is a compiled rule list.
type Policy struct {
	def   Action
	rules []pattern
}

// Decision is the outcome for one destination.
type Decision struct {
	Action Action
	// Rule is the pattern that matched, or "" when the default applied.
	Rule string
}

// Compile validates and compiles rules. The error names the rule at fault.
func Compile(def Action, rules []Rule) (*Policy, error) {
	if def != Allow && def != Deny {
		return nil, fmt.Errorf("egress.default: must be allow or deny, not %q", def)
	}
	p := &Policy{def: def}
	for i, r := range rules {
		pt, err := compileRule(r)
		if err != nil {
			return nil, fmt.Errorf("egress.rules[%d]: %w", i, err)
		}
		p.rules = append(p.rules, pt)
	}
	return p, nil
}

func compileRule(r Rule) (pattern, error) {
	if r.Action != Allow && r.Action != Deny {
		return pattern{}, fmt.Errorf("action: must be allow or deny, not %q", r.Action)
	}
	raw := strings.TrimSpace(r.Host)
	if raw == "" {
		return pattern{}, errors.New("host: must not be empty")
	}
	pt := pattern{raw: raw, action: r.Action}
	s := strings.ToLower(raw)
	if i := strings.Index(s, "://"); i >= 0 {
		pt.scheme, s = s[:i], s[i+3:]
		if pt.scheme == "" || strings.ContainsAny(pt.scheme, "/:@") {
			return pattern{}, fmt.Errorf("host: bad scheme in %q", raw)
		}
	}
	if pr, err := netip.ParsePrefix(s); err == nil {
		pt.prefix = pr.Masked()
		return pt, nil
	}
	if strings.ContainsAny(s, "/?#@") {
		return pattern{}, fmt.Errorf("host: %q must be a host pattern, optionally with scheme and port, not a URL with a path", raw)
	}
	host, port, err := splitPort(s)
	if err != nil {
		return pattern{}, fmt.Errorf("host: %q: %v", raw, err)
	}
	pt.port = port
	if strings.HasPrefix(host, "*") && host != "*" && !strings.HasPrefix(host, "*.") || host == "*." {
		return pattern{}, fmt.Errorf("host: %q: a wildcard may only be the whole first label of a host name", raw)
	}
	host = strings.TrimSuffix(host, ".")
	switch {
	case host == "*":
		pt.any = true
	case strings.HasPrefix(host, "*."):
		rest := host[1:]
		if strings.Contains(rest, "*") || !validHostname(rest[1:]) {
			return pattern{}, fmt.Errorf("host: %q: a wildcard may only be the whole first label of a host name", raw)
		}
		pt.suffix = rest
	case strings.Contains(host, "*"):
		return pattern{}, fmt.Errorf("host: %q: a wildcard may only be the whole first label", raw)
	default:
		if a, ok := parseIP(host); ok {
			pt.addr = a
		} else {
			if !validHostname(host) {
				return pattern{}, fmt.Errorf("host: %q is not a host name, IP address or CIDR", raw)
			}
			pt.exact = host
		}
	}
	return pt, nil
}

func splitPort(s string) (string, int, error) {
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("unterminated [")
		}
		host, rest := s[1:end], s[end+1:]
		if rest == "" {
			return host, 0, nil
		}
		if !strings.HasPrefix(rest, ":") {
			return "", 0, errors.New("junk after ]")
		}
		p, err := parsePort(rest[1:])
		return host, p, err
	}
	if strings.Count(s, ":") > 1 { // a bare IPv6 address
		return s, 0, nil
	}
	host, portStr, found := strings.Cut(s, ":")
	if !found {
		return host, 0, nil
	}
	p, err := parsePort(portStr)
	return host, p, err
}

func parsePort(s string) (int, error) {
	p, err := strconv.Atoi(s)
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("port %q out of range", s)
	}
	return p, nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c > 127) {
				return false
			}
		}
	}
	return true
}

// parseIP accepts every spelling a URL parser or a socket call might turn
// into an address: dotted and bracketless IPv6, IPv4-mapped IPv6, and the
// single-number, hex and octal IPv4 forms inet_aton understands.
func parseIP(h string) (netip.Addr, bool) {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	if a, err := netip.ParseAddr(h); err == nil {
		return a.Unmap().WithZone(""), true
	}
	return parseInetAton(h)
}

func parseInetAton(h string) (netip.Addr, bool) {
	parts := strings.Split(h, ".")
	if len(parts) < 1 || len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		if p == "" {
			return netip.Addr{}, false
		}
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		if p == "" && base == 16 {
			return netip.Addr{}, false
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i, v := range vals[:last] {
		if v > 255 {
			return netip.Addr{}, false
		}
		n |= v << (24 - 8*uint(i))
	}
	if vals[last] >= 1<<(8*uint(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

var defaultPorts = map[string]int{"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21, "ssh": 22, "smtp": 25, "ldap": 389, "ldaps": 636, "postgres": 5432, "postgresql": 5432, "mysql": 3306, "redis": 6379, "mongodb": 27017, "grpc": 443}

// ParseDestination reads a destination from a URL ("https://h:1/x") or a
// bare host ("h", "h:1", "[::1]:1"). It refuses strings that are neither.
func ParseDestination(s string) (Destination, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Destination{}, errors.New("empty destination")
	}
	var d Destination
	hostport := s
	if i := strings.Index(s, "://"); i > 0 {
		u, err := url.Parse(s)
		if err != nil {
			return Destination{}, fmt.Errorf("destination %q: %w", s, err)
		}
		d.Scheme = strings.ToLower(u.Scheme)
		hostport = u.Host
		if hostport == "" {
			return Destination{}, fmt.Errorf("destination %q has no host", s)
		}
	} else if strings.HasPrefix(s, "//") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return Destination{}, fmt.Errorf("destination %q has no host", s)
		}
		hostport = u.Host
	}
	if at := strings.LastIndexByte(hostport, '@'); at >= 0 {
		hostport = hostport[at+1:]
	}
	host, port, err := splitPort(strings.ToLower(hostport))
	if err != nil {
		return Destination{}, fmt.Errorf("destination %q: %v", s, err)
	}
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return Destination{}, fmt.Errorf("destination %q has no host", s)
	}
	if a, ok := parseIP(host); ok {
		d.Addr = a
		host = a.String()
	} else if !validHostname(host) {
		return Destination{}, fmt.Errorf("destination %q: %q is not a host name or address", s, host)
	}
	d.Host = host
	d.Port = port
	if d.Port == 0 && d.Scheme != "" {
		d.Port = defaultPorts[d.Scheme]
	}
	return d, nil
}

// Decide applies the rules to one destination.
func (p *Policy) Decide(d Destination) Decision {
	for i := range p.rules {
		if p.rules[i].matches(d) {
			return Decision{Action: p.rules[i].action, Rule: p.rules[i].raw}
		}
	}
	return Decision{Action: p.def}
}

func (pt *pattern) matches(d Destination) bool {
	if pt.scheme != "" && pt.scheme != d.Scheme {
		return false
	}
	if pt.port != 0 && pt.port != d.Port {
		return false
	}
	switch {
	case pt.any:
		return true
	case pt.prefix.IsValid():
		return d.Addr.IsValid() && pt.prefix.Contains(d.Addr)
	case pt.addr.IsValid():
		return d.Addr.IsValid() && pt.addr == d.Addr
	case d.Addr.IsValid():
		return false
	case pt.suffix != "":
		return strings.HasSuffix(d.Host, pt.suffix)
	default:
		return d.Host == pt.exact
	}
}

// hostArgs are argument names whose values are destinations even without
// a scheme.
var hostArgs = map[string]bool{"host": true, "hostname": true, "domain": true, "url": true, "uri": true, "endpoint": true}

// Target is a destination found in tool arguments.
type Target struct {
	// Path is a JSON Pointer to the argument.
	Path        string
	Destination Destination
}

// Targets finds the destinations in a JSON value: every string that is an
// absolute URL ("scheme://host…"), and every string under a member named
// host, hostname, domain, url, uri or endpoint. A host-named member whose
// value cannot be read as a destination is returned with an error, so that
// the caller can fail closed instead of letting it through.
func Targets(v any) ([]Target, []error) {
	var out []Target
	var errs []error
	var walk func(path string, key string, v any, depth int)
	walk = func(path, key string, v any, depth int) {
		if depth > 64 {
			errs = append(errs, fmt.Errorf("%s: nesting too deep to inspect", path))
			return
		}
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(jsonpointer.Append(path, k), strings.ToLower(k), e, depth+1)
			}
		case []any:
			for i, e := range x {
				walk(path+"/"+strconv.Itoa(i), key, e, depth+1)
			}
		case string:
			named := hostArgs[key]
			if !named && !looksLikeURL(x) {
				return
			}
			d, err := ParseDestination(x)
			if err != nil {
				if named {
					errs = append(errs, fmt.Errorf("%s: %w", path, err))
				}
				return
			}
			out = append(out, Target{Path: path, Destination: d})
		}
	}
	walk("", "", v, 0)
	return out, errs
}

func looksLikeURL(s string) bool {
	i := strings.Index(s, "://")
	if i <= 0 || i > 32 {
		return false
	}
	for _, c := range s[:i] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
