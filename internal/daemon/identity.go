package daemon

import (
	"errors"
	"fmt"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/lifecycle"
	"github.com/agentgov/agentgov/internal/store"
)

// identityParts are the registry and the handshake of a running server.
type identityParts struct {
	registry  *identity.Registry
	authority *identity.Authority
}

// buildIdentity opens the agent registry over st and the handshake with the
// server's identity key. known reports whether the active policy defines an
// agent (only those may register).
func buildIdentity(cfg *config.Config, dir datadir.Dir, st store.Agents, alog *audit.Log, known func(string) bool) (identityParts, error) {
	key, err := identity.LoadOrCreateServerKey(dir.Keys(), nil)
	if err != nil {
		return identityParts{}, fmt.Errorf("server identity key: %w", err)
	}
	reg := identity.NewRegistry(st, alog, identity.RegistryOptions{Known: known})
	h := cfg.Auth.Handshake
	auth, err := identity.NewAuthority(identity.AuthorityOptions{Keys: reg, ServerKey: key, Usable: canAuthenticate, Config: identity.HandshakeConfig{
		ChallengeTTL: h.ChallengeTTL.Duration, SessionTTL: h.SessionTTL.Duration,
		MaxOutstanding: int(h.MaxOutstanding), MaxSessions: int(h.MaxSessions),
		Rate: float64(h.Rate), Burst: int(h.Burst), PeerRate: float64(h.PeerRate), PeerBurst: int(h.PeerBurst),
		MaxPeers: int(h.MaxOutstanding), Audience: cfg.Auth.TrustDomain,
	}})
	if err != nil {
		return identityParts{}, err
	}
	// A session is bound to the key and status it was opened with.
	reg.OnChange(auth.RevokeAgent)
	return identityParts{registry: reg, authority: auth}, nil
}

// register exposes the handshake's bounded tables as metrics, so that a
// flood shows on a dashboard before it shows as 429s.
func (p identityParts) register(reg prometheus.Registerer) {
	gauge := func(name, help string, pick func(ch, se, pe int) int) prometheus.Collector {
		return prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, func() float64 {
			return float64(pick(p.authority.Outstanding()))
		})
	}
	reg.MustRegister(
		gauge("agentgov_handshake_outstanding_challenges", "Unanswered handshake challenges held.", func(ch, _, _ int) int { return ch }),
		gauge("agentgov_handshake_sessions", "Live handshake session tokens held.", func(_, se, _ int) int { return se }),
		gauge("agentgov_handshake_peers", "Per-peer handshake rate limiters held.", func(_, _, pe int) int { return pe }),
	)
}

// canAuthenticate: an agent may open a session in the lifecycle states
// that admit any governed action (active; degraded and retiring, which the
// gate narrows to read-only tools). Sessions of an agent end when its
// status changes, so a suspension takes effect at once.
func canAuthenticate(status string) bool {
	switch status {
	case lifecycle.Active, lifecycle.Degraded, lifecycle.Retiring:
		return true
	}
	return false
}

// authConfigured reports whether any authentication is configured: an
// operator token (from the file or AGENTGOV_OPERATOR_TOKEN), a client CA,
// or SPIFFE mTLS (client SVIDs verified against the trust domain).
func authConfigured(cfg *config.Config) bool {
	return len(cfg.Auth.Tokens) > 0 || cfg.Server.TLS.ClientCA != "" || cfg.Server.TLS.SPIFFE
}

// checkUnauthenticated enforces the rule of a server without any
// authentication: loopback only, with a warning.
func checkUnauthenticated(cfg *config.Config, log *slog.Logger) error {
	if authConfigured(cfg) {
		return nil
	}
	for _, a := range []struct{ key, addr string }{{"server.addr", cfg.Server.Addr}, {"server.diagnostic_addr", cfg.Server.DiagnosticAddr}} {
		if a.addr != "" && !config.IsLoopbackAddr(a.addr) {
			return errors.New(a.key + " " + a.addr + " is not a loopback address, and no authentication is configured (auth.tokens, " +
				config.OperatorTokenEnv + ", server.tls.client_ca or server.tls.spiffe): agentgov serves unauthenticated on loopback only")
		}
	}
	log.Warn("no authentication is configured: the API is UNAUTHENTICATED and every loopback caller is an anonymous ADMIN; configure auth.tokens, " +
		config.OperatorTokenEnv + ", server.tls.client_ca or server.tls.spiffe before anyone else can reach this host")
	return nil
}
