package agentgov

import (
	"context"
	"log/slog"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/trust"
)

// openTrust opens the Governor's trust scores over the log's store: kept in
// the data directory when there is one, in memory otherwise (a Governor
// without a data directory keeps nothing). Delegation chains need the
// agent registry of a server; an embedded Governor denies them
// (delegation_unavailable).
func openTrust(ctx context.Context, cfg *config.Config, l *Log, log *slog.Logger) (*trust.Model, error) {
	w := cfg.Trust.Weights
	return trust.Open(ctx, trust.Options{Store: l.trust, Recorder: l.log, Source: audit.SourceAgentgov,
		Weights:  trust.Weights{Clean: w.Clean, Denial: w.Denial, RingBreach: w.RingBreach, Injection: w.Injection, Exfiltration: w.Exfiltration},
		HalfLife: cfg.Trust.HalfLife.Duration, FlushInterval: cfg.Trust.FlushInterval.Duration, Logger: log})
}

// TrustScore returns an agent's trust score (0 to 1000) and tier as the
// gate reads them now.
func (g *Governor) TrustScore(agent string) (score int, tier string) {
	s := g.trust.Standing(agent)
	return s.Score, string(s.Tier)
}
