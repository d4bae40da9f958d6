package daemon

import (
	"context"
	"log/slog"

	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/outbound"
	"github.com/agentgov/agentgov/internal/saga"
	"github.com/agentgov/agentgov/internal/saga/sagahost"
	"github.com/agentgov/agentgov/internal/store"
)

// startSagas builds the saga runner of serve over the store, the audit
// log, the gate and the approval queue, resumes the sagas a previous
// process left unfinished, and feeds it the kill switch's kills. The
// returned stop ends the feed and stops the runner (its sagas resume next
// start).
func startSagas(ctx context.Context, cfg *config.Config, st store.Sagas, alog *audit.Log, g *gate.Gate, kills *killswitch.Switch,
	ap *approval.Service, log *slog.Logger) (*saga.Runner, func(), error) {
	tlsCfg, err := outbound.TLS(cfg, "")
	if err != nil {
		return nil, nil, err
	}
	o := saga.Options{Store: st, Audit: alog, Gate: sagahost.Gate{G: g}, TLS: tlsCfg,
		StepTimeout: cfg.Sagas.StepTimeout.Duration, SagaTimeout: cfg.Sagas.Timeout.Duration,
		CompensationAttempts: int(cfg.Sagas.CompensationAttempts),
		BackoffInitial:       cfg.Sagas.BackoffInitial.Duration, BackoffMax: cfg.Sagas.BackoffMax.Duration,
		MaxResponseBytes: cfg.Sagas.MaxResponseBytes, Logger: log.With("component", "sagas")}
	// Substitutes are taken from the configuration serve started with.
	subs := cfg.Sagas.Substitutes
	o.Substitutes = func(agent string) string { return subs[agent] }
	if ap != nil {
		o.Escalator = sagahost.Escalator{Approvals: ap}
	}
	r, err := saga.New(o)
	if err != nil {
		return nil, nil, err
	}
	n, err := r.Resume(ctx)
	if err != nil {
		r.Close()
		return nil, nil, err
	}
	if n > 0 {
		log.Info("resumed unfinished sagas", "count", n)
	}
	return r, sagahost.Follow(ctx, r, kills, log.With("component", "sagas")), nil
}
