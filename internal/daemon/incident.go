package daemon

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/lifecycle"
	"github.com/agentgov/agentgov/internal/store"
)

// incident is the kill switch and the agent lifecycle of a running
// server. The lifecycle needs the agent registry, which is built after
// the gate, so the gate reads it through an atomic pointer that is set
// before the listeners open.
type incident struct {
	kills *killswitch.Switch
	life  atomic.Pointer[lifecycle.Manager]
}

// newIncident loads the kills in force: the gate built next denies them
// from its first check.
func newIncident(ctx context.Context, st store.Kills, alog *audit.Log, log *slog.Logger) (*incident, error) {
	ks, err := killswitch.New(ctx, killswitch.Options{Store: st, Recorder: alog, Logger: log.With("component", "killswitch")})
	if err != nil {
		return nil, err
	}
	return &incident{kills: ks}, nil
}

// Admit implements gate.AgentStates; before the lifecycle is loaded it
// admits nothing.
func (in *incident) Admit(agent, point, permission string) (string, bool) {
	m := in.life.Load()
	if m == nil {
		return "lifecycle_unavailable", false
	}
	return m.Admit(agent, point, permission)
}

// registryStatuses adapts the agent registry to what the lifecycle needs.
type registryStatuses struct{ r *identity.Registry }

func (a registryStatuses) AgentStatuses(ctx context.Context) (map[string]string, error) {
	agents, err := a.r.List(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(agents))
	for _, ag := range agents {
		if ag.Status != "" {
			out[ag.ID] = ag.Status
		}
	}
	return out, nil
}

// SetAgentStatus moves the registry's status without an entry of its
// own: the lifecycle records the transition.
func (a registryStatuses) SetAgentStatus(ctx context.Context, id, from, to string) error {
	return a.r.MoveAgentStatus(ctx, id, from, to)
}

// startLifecycle loads agents' states and starts the quarantine timer.
func (in *incident) startLifecycle(ctx context.Context, cfg *config.Config, st store.Lifecycle, reg *identity.Registry, alog *audit.Log,
	configured func(string) bool, log *slog.Logger) (*lifecycle.Manager, error) {
	o := lifecycle.Options{Store: st, Recorder: alog, Killer: in.kills, QuarantineTimeout: cfg.Killswitch.QuarantineTimeout.Duration,
		Configured: configured, Logger: log.With("component", "lifecycle")}
	if reg != nil {
		o.Registry = registryStatuses{reg}
	}
	m, err := lifecycle.New(ctx, o)
	if err != nil {
		return nil, err
	}
	in.life.Store(m)
	go m.Run(ctx, quarantineCheckEvery(cfg.Killswitch.QuarantineTimeout.Duration))
	return m, nil
}

// quarantineCheckEvery is the quarantine timer's resolution: a tenth of
// the timeout, between 100ms and 10s.
func quarantineCheckEvery(timeout time.Duration) time.Duration {
	return min(max(timeout/10, 100*time.Millisecond), 10*time.Second)
}

// register exposes the kill switch's state as metrics.
func (in *incident) register(reg prometheus.Registerer) {
	reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentgov_killswitch_active_kills", Help: "Kills in force."},
			func() float64 { return float64(len(in.kills.Active())) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "agentgov_killswitch_inflight_calls", Help: "Governed calls in flight that a kill would cancel."},
			func() float64 { return float64(in.kills.InFlight()) }),
	)
}

// localIncident is the kill state and lifecycle of the store behind l,
// for commands that decide checks without a server: a killed or
// quarantined agent is refused there too. Nil when the store keeps
// neither.
func localIncident(ctx context.Context, l *audit.Log, log *slog.Logger) (*incident, error) {
	st, ok := l.Store().(interface {
		store.Kills
		store.Lifecycle
	})
	if !ok {
		return nil, nil
	}
	in, err := newIncident(ctx, st, l, log)
	if err != nil {
		return nil, err
	}
	m, err := lifecycle.New(ctx, lifecycle.Options{Store: st, Recorder: l, Logger: log})
	if err != nil {
		return nil, err
	}
	in.life.Store(m)
	return in, nil
}
