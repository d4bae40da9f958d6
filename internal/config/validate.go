package config

import (
	"crypto/sha256"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"
)

// Limits enforced by Validate.
const (
	minRequestBytes    = 1 << 10
	maxRequestBytes    = 64 << 20
	minPayloadBytes    = 1
	maxPayloadBytes    = 64 << 20
	minShutdownTimeout = time.Second
	maxShutdownTimeout = 10 * time.Minute
	minCheckpointEvery = 100 * time.Millisecond
	maxCheckpointEvery = 24 * time.Hour
	maxOriginBytes     = 255
	maxTrustDomainLen  = 255
	maxTokenNameLen    = 64
	// MinTokenBytes is 32 bytes: 256 bits if random, which keeps
	// guessing a static bearer token out of reach.
	MinTokenBytes = 32
)

const plainHTTPProblem = "plain HTTP is allowed only on loopback; configure server.tls.cert and server.tls.key"

// problem is one validation failure. A cross-field problem also names its
// peer and the message to show if the peer is the value to blame (see
// loader.locate).
type problem struct {
	field, msg    string
	peer, peerMsg string
}

// Validate checks every rule and returns an Errors with all violations, or
// nil. Errors from Validate carry no source; Load adds it.
func (c *Config) Validate() error {
	var es Errors
	for _, p := range c.problems() {
		es = append(es, &FieldError{Field: p.field, Problem: p.msg})
	}
	if len(es) == 0 {
		return nil
	}
	return es
}

func (c *Config) problems() []problem {
	var ps []problem
	add := func(field, format string, args ...any) {
		ps = append(ps, problem{field: field, msg: fmt.Sprintf(format, args...)})
	}

	// Control characters are rejected everywhere: they are never
	// intended, and a trailing newline from a "|" block scalar would
	// otherwise become part of a path or token.
	for _, f := range fields {
		if p, ok := f.ref(c).(*string); ok && hasControl(*p) {
			add(f.key, "contains a control character (e.g. a trailing newline)")
		}
	}

	s := &c.Server
	if msg := checkAddr(s.Addr); msg != "" {
		add("server.addr", "%s", msg)
	} else if !s.TLS.Enabled() && !isLoopbackHostPort(s.Addr) {
		add("server.addr", plainHTTPProblem)
	}
	if s.DiagnosticAddr != "" {
		if msg := checkAddr(s.DiagnosticAddr); msg != "" {
			add("server.diagnostic_addr", "%s", msg)
		} else if sameListener(s.Addr, s.DiagnosticAddr) {
			ps = append(ps, problem{
				field: "server.diagnostic_addr", msg: "must differ from server.addr: both listeners would bind the same port",
				peer: "server.addr", peerMsg: "must differ from server.diagnostic_addr: both listeners would bind the same port",
			})
		} else if !s.TLS.Enabled() && !isLoopbackHostPort(s.DiagnosticAddr) {
			add("server.diagnostic_addr", plainHTTPProblem)
		}
	}
	if n := s.MaxRequestBytes; n < minRequestBytes || n > maxRequestBytes {
		add("server.max_request_bytes", "must be between %d (1 KiB) and %d (64 MiB), got %d", minRequestBytes, maxRequestBytes, n)
	}
	if d := s.ShutdownTimeout.Duration; d < minShutdownTimeout || d > maxShutdownTimeout {
		add("server.shutdown_timeout", "must be between %s and %s, got %s", shortDuration(minShutdownTimeout), shortDuration(maxShutdownTimeout), d)
	}
	t := &s.TLS
	switch {
	case t.Cert != "" && t.Key == "":
		add("server.tls.cert", "is set but server.tls.key is empty: set both or neither")
	case t.Key != "" && t.Cert == "":
		add("server.tls.key", "is set but server.tls.cert is empty: set both or neither")
	}
	if t.ClientCA != "" && !t.Enabled() {
		add("server.tls.client_ca", "needs server.tls.cert and server.tls.key: client certificates are only verified over TLS")
	}
	if t.RequireClientCert && t.ClientCA == "" && !t.SPIFFE {
		add("server.tls.require_client_cert", "needs server.tls.client_ca, the CA bundle client certificates are verified against")
	}

	st := &c.Storage
	if st.DataDir == "" {
		add("storage.data_dir", "must not be empty")
	}
	switch st.Driver {
	case "sqlite":
		if st.DSN != "" {
			add("storage.dsn", "must be empty for the sqlite driver: the database lives in storage.data_dir")
		}
	case "postgres":
		add("storage.driver", "postgres is not supported yet; use sqlite")
	case "":
		add("storage.driver", "must not be empty; use sqlite")
	default:
		add("storage.driver", "unknown driver; use sqlite")
	}

	a := &c.Audit
	if msg := checkOrigin(a.Origin); msg != "" {
		add("audit.origin", "%s", msg)
	}
	if d := a.CheckpointInterval.Duration; d < minCheckpointEvery || d > maxCheckpointEvery {
		add("audit.checkpoint_interval", "must be between %s and %s, got %s", shortDuration(minCheckpointEvery), shortDuration(maxCheckpointEvery), d)
	}
	if d := a.KeyRotation.Duration; d != 0 && (d < minKeyRotation || d > maxKeyRotation) {
		add("audit.key_rotation", "must be 0s (rotate only on request) or between %s and %s, got %s", shortDuration(minKeyRotation), shortDuration(maxKeyRotation), d)
	}
	if n := a.MaxPayloadBytes; n < minPayloadBytes || n > maxPayloadBytes {
		add("audit.max_payload_bytes", "must be between %d and %d (64 MiB), got %d", minPayloadBytes, maxPayloadBytes, n)
	} else if n > s.MaxRequestBytes && s.MaxRequestBytes >= minRequestBytes {
		ps = append(ps, problem{
			field:   "audit.max_payload_bytes",
			msg:     fmt.Sprintf("%d exceeds server.max_request_bytes (%d): a payload must fit in one request", n, s.MaxRequestBytes),
			peer:    "server.max_request_bytes",
			peerMsg: fmt.Sprintf("%d is less than audit.max_payload_bytes (%d): a payload must fit in one request", s.MaxRequestBytes, n),
		})
	}

	if msg := checkTrustDomain(c.Auth.TrustDomain); msg != "" {
		add("auth.trust_domain", "%s", msg)
	}
	ps = append(ps, checkTokens(c.Auth.Tokens)...)
	c.handshakeProblems(add)

	switch c.Log.Level {
	case "debug", "info", "warn", "error":
	default:
		add("log.level", "must be one of debug, info, warn, error")
	}
	switch c.Log.Format {
	case "json", "text":
	default:
		add("log.format", "must be json or text")
	}
	c.profileProblems(add)
	c.approvalProblems(add)
	c.killswitchProblems(add)
	c.supplyChainProblems(add)
	c.spiffeProblems(add)
	c.trustProblems(add)
	c.sagaProblems(add)
	return dedupe(ps)
}

// dedupe keeps the first problem per field: a control character and a
// syntax error in the same value are one thing to fix.
func dedupe(ps []problem) []problem {
	seen := map[string]bool{}
	out := ps[:0]
	for _, p := range ps {
		if seen[p.field] {
			continue
		}
		seen[p.field] = true
		out = append(out, p)
	}
	return out
}

func checkTokens(tokens []Token) []problem {
	var ps []problem
	add := func(i int, key, format string, args ...any) {
		ps = append(ps, problem{field: fmt.Sprintf("%s[%d].%s", tokensKey, i, key), msg: fmt.Sprintf(format, args...)})
	}
	names := map[string]int{}
	// Secrets are compared by digest so that no error path, log or
	// debugger view of this map holds a token value.
	digests := map[[sha256.Size]byte]int{}
	for i, t := range tokens {
		switch {
		case t.Name == "":
			add(i, "name", "must not be empty")
		case len(t.Name) > maxTokenNameLen:
			add(i, "name", "is %d bytes; the limit is %d", len(t.Name), maxTokenNameLen)
		case !validTokenName(t.Name):
			add(i, "name", "may contain only letters, digits, '.', '_' and '-'")
		default:
			if first, dup := names[t.Name]; dup {
				add(i, "name", "duplicate name: auth.tokens[%d] already uses it", first)
			} else {
				names[t.Name] = i
			}
		}
		switch {
		case t.Secret == "":
			add(i, "token", "must be set: a secret of at least %d bytes, best read from the environment with ${VAR}", MinTokenBytes)
		case len(t.Secret) < MinTokenBytes:
			add(i, "token", "must be at least %d bytes after ${VAR} expansion", MinTokenBytes)
		case !printableNoSpace(t.Secret):
			add(i, "token", "may contain only printable ASCII without spaces: it is sent in an HTTP Authorization header")
		default:
			d := sha256.Sum256([]byte(t.Secret))
			if first, dup := digests[d]; dup {
				add(i, "token", "has the same value as auth.tokens[%d].token: every token must be unique", first)
			} else {
				digests[d] = i
			}
		}
		switch {
		case t.Role == "":
			add(i, "role", "must not be empty: use one of ADMIN, AUDITOR, WRITER, READER")
		case !t.Role.Valid():
			add(i, "role", "must be one of ADMIN, AUDITOR, WRITER, READER (upper case)")
		}
	}
	return ps
}

func validTokenName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func printableNoSpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func hasControl(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			return true
		}
	}
	return false
}

// checkAddr validates host:port where host is empty (all interfaces), an
// IP address or a DNS name, and port is decimal 0..65535.
func checkAddr(addr string) string {
	const form = "must be host:port, e.g. 127.0.0.1:8470, [::1]:8470 or :8470"
	if addr == "" {
		return "must not be empty: write host:port, e.g. 127.0.0.1:8470"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return form
	}
	if !validPort(port) {
		return "port must be a decimal number between 0 and 65535"
	}
	if host == "" {
		return ""
	}
	if _, err := netip.ParseAddr(host); err == nil {
		return ""
	}
	if !validHostname(host) {
		return "host must be empty, an IP address or a DNS name"
	}
	return ""
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n := 0
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
		n = n*10 + int(p[i]-'0')
	}
	return n <= 65535
}

// validHostname checks RFC 1123 syntax. An all-numeric last label is
// refused so that a mistyped IPv4 address (999.1.1.1) is not taken for a
// name.
func validHostname(h string) bool {
	if len(h) > 253 {
		return false
	}
	labels := strings.Split(h, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return !isDecimal(labels[len(labels)-1])
}

func isLoopbackHostPort(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopbackHost(host)
}

// sameListener reports whether two valid addresses would contend for one
// socket: the same non-zero port on the same host, or on a wildcard host
// that overlaps every other. Port 0 binds a fresh port each time.
func sameListener(a, b string) bool {
	if a == b {
		return true
	}
	ha, pa, err1 := net.SplitHostPort(a)
	hb, pb, err2 := net.SplitHostPort(b)
	if err1 != nil || err2 != nil || strings.TrimLeft(pa, "0") != strings.TrimLeft(pb, "0") || strings.TrimLeft(pa, "0") == "" {
		return false
	}
	if isWildcard(ha) || isWildcard(hb) {
		return true
	}
	ia, errA := netip.ParseAddr(ha)
	ib, errB := netip.ParseAddr(hb)
	if errA == nil && errB == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return strings.EqualFold(ha, hb)
}

func isWildcard(host string) bool {
	if host == "" {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.Unmap().IsUnspecified()
}

// checkOrigin enforces the checkpoint origin syntax: the origin is the
// first line of every signed checkpoint and also the signing key name,
// where '+' separates name from key hash and spaces would break parsing.
func checkOrigin(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if len(s) > maxOriginBytes {
		return fmt.Sprintf("is %d bytes; the limit is %d", len(s), maxOriginBytes)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ' ':
			return fmt.Sprintf("contains a space at byte %d; the origin is also the signing key name and may not contain spaces", i)
		case c == '+':
			return fmt.Sprintf("contains '+' at byte %d; the origin is also the signing key name, where '+' is a separator", i)
		case c < ' ' || c > '~':
			return fmt.Sprintf("contains a non-printable or non-ASCII byte at byte %d; only printable ASCII is allowed", i)
		}
	}
	return ""
}

// checkTrustDomain enforces the SPIFFE trust domain name syntax.
func checkTrustDomain(s string) string {
	if s == "" {
		return "must not be empty"
	}
	if strings.Contains(s, "://") {
		return "must be a bare trust domain name such as example.org, without a spiffe:// prefix"
	}
	if len(s) > maxTrustDomainLen {
		return fmt.Sprintf("is %d bytes; the limit is %d", len(s), maxTrustDomainLen)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '.', c == '-', c == '_':
		case 'A' <= c && c <= 'Z':
			return fmt.Sprintf("contains an upper-case letter at byte %d; SPIFFE trust domains are lower case", i)
		default:
			return fmt.Sprintf("contains an invalid character at byte %d; allowed are a-z, 0-9, '.', '-' and '_'", i)
		}
	}
	return ""
}
