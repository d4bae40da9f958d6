package config

import (
	"fmt"
	"strings"
	"time"
)

// sessionTokenPrefix starts every handshake session token
// (identity.SessionTokenPrefix); the server reads a bearer token with it
// as a session, so no operator token may start with it.
const sessionTokenPrefix = "agses_"

// Bounds of auth.handshake. A challenge must live long enough for a
// round trip and short enough that a stolen one is useless; a session
// must be renewed at least daily; the tables and rates are bounded so that
// a configuration cannot remove the flood protection.
const (
	minChallengeTTL = time.Second
	maxChallengeTTL = 5 * time.Minute
	minSessionTTL   = time.Minute
	maxSessionTTL   = 24 * time.Hour
	maxOutstanding  = 1 << 20
	maxSessions     = 1 << 22
	maxHandshakeHz  = 100000
)

func (c *Config) handshakeProblems(add func(field, format string, args ...any)) {
	h := &c.Auth.Handshake
	if d := h.ChallengeTTL.Duration; d < minChallengeTTL || d > maxChallengeTTL {
		add("auth.handshake.challenge_ttl", "must be between %s and %s, got %s", shortDuration(minChallengeTTL), shortDuration(maxChallengeTTL), d)
	}
	if d := h.SessionTTL.Duration; d < minSessionTTL || d > maxSessionTTL {
		add("auth.handshake.session_ttl", "must be between %s and %s, got %s", shortDuration(minSessionTTL), shortDuration(maxSessionTTL), d)
	}
	for _, f := range []struct {
		key      string
		v, limit int64
	}{
		{"auth.handshake.max_outstanding", h.MaxOutstanding, maxOutstanding},
		{"auth.handshake.max_sessions", h.MaxSessions, maxSessions},
		{"auth.handshake.rate", h.Rate, maxHandshakeHz},
		{"auth.handshake.burst", h.Burst, maxHandshakeHz},
		{"auth.handshake.peer_rate", h.PeerRate, maxHandshakeHz},
		{"auth.handshake.peer_burst", h.PeerBurst, maxHandshakeHz},
	} {
		if f.v < 1 || f.v > f.limit {
			add(f.key, "must be between 1 and %d, got %d", f.limit, f.v)
		}
	}
	for i, t := range c.Auth.Tokens {
		if strings.HasPrefix(t.Secret, sessionTokenPrefix) {
			add(fmt.Sprintf("%s[%d].token", tokensKey, i), "must not start with %q: that prefix marks handshake session tokens", sessionTokenPrefix)
		}
	}
	if h.PeerRate > h.Rate && h.Rate >= 1 {
		add("auth.handshake.peer_rate", "%d exceeds auth.handshake.rate (%d): one peer cannot have more than everyone", h.PeerRate, h.Rate)
	}
}

// IsLoopbackAddr reports whether host:port names a loopback listener
// (localhost or a loopback IP).
func IsLoopbackAddr(addr string) bool { return isLoopbackHostPort(addr) }
