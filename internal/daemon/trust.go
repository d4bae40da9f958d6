package daemon

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/trust"
)

// Trust is the trust model and delegation verification of a running
// server, or of a one-shot command's gate (GateOptions.Trust).
type Trust struct {
	model    *trust.Model
	verifier *delegation.Verifier
	registry *delegation.Registry
	// known reports whether the active policy defines an agent.
	known func(string) bool
}

// trustStore is what trust and delegation keep in the store.
type trustStore interface {
	store.Trust
	store.Delegations
	store.Agents
}

// tuning is what a reload may change in the trust model and the
// delegation verifier; the cache sizes and the flush interval are read at
// start only.
type tuning struct {
	weights  trust.Weights
	halfLife time.Duration
	maxDepth int
}

func tuningOf(cfg *config.Config) tuning {
	w := cfg.Trust.Weights
	return tuning{weights: trust.Weights{Clean: w.Clean, Denial: w.Denial, RingBreach: w.RingBreach, Injection: w.Injection, Exfiltration: w.Exfiltration},
		halfLife: cfg.Trust.HalfLife.Duration, maxDepth: int(cfg.Delegation.MaxDepth)}
}

// retuning is a checked change of the trust and delegation settings:
// changes says what it changes (old → new, ready for an audit payload;
// nil when nothing), apply makes it so and cannot fail.
type retuning struct {
	changes map[string]any
	apply   func()
}

// planRetune checks cfg's trust weights, half-life and delegation depth
// against what runs, without changing anything.
func (t *Trust) planRetune(cfg *config.Config) (retuning, error) {
	want := tuningOf(cfg)
	var err error
	if want.weights, want.halfLife, err = trust.ResolveTuning(want.weights, want.halfLife); err != nil {
		return retuning{}, err
	}
	if want.maxDepth, err = delegation.ResolveMaxDepth(want.maxDepth); err != nil {
		return retuning{}, err
	}
	w, hl := t.model.Tuning()
	depth := t.verifier.MaxDepth()
	changes := map[string]any{}
	if want.weights != w {
		changes["trust.weights"] = map[string]any{"from": weightsDoc(w), "to": weightsDoc(want.weights)}
	}
	if want.halfLife != hl {
		changes["trust.half_life"] = map[string]any{"from": hl.String(), "to": want.halfLife.String()}
	}
	if want.maxDepth != depth {
		changes["delegation.max_depth"] = map[string]any{"from": depth, "to": want.maxDepth}
	}
	if len(changes) == 0 {
		return retuning{}, nil
	}
	return retuning{changes: changes, apply: func() {
		// Both were checked above: neither can fail.
		_ = t.model.Retune(want.weights, want.halfLife)
		_ = t.verifier.SetMaxDepth(want.maxDepth)
	}}, nil
}

func weightsDoc(w trust.Weights) map[string]int64 {
	return map[string]int64{"clean": w.Clean, "denial": w.Denial, "ring_breach": w.RingBreach, "injection": w.Injection, "exfiltration": w.Exfiltration}
}

// buildTrust opens the trust model over st (loading every stored score)
// and the delegation verifier over the agent registry, with the persisted
// revocations loaded.
func buildTrust(ctx context.Context, cfg *config.Config, st trustStore, alog *audit.Log, log *slog.Logger, known func(string) bool) (*Trust, error) {
	tune := tuningOf(cfg)
	m, err := trust.Open(ctx, trust.Options{Store: st, Recorder: alog, Source: audit.SourceAgentgov,
		Weights: tune.weights, HalfLife: tune.halfLife, FlushInterval: cfg.Trust.FlushInterval.Duration, Logger: log.With("component", "trust")})
	if err != nil {
		return nil, err
	}
	v, err := delegation.NewVerifier(delegation.Options{Resolver: registryResolver{st: st}, MaxDepth: tune.maxDepth,
		CacheSize: int(cfg.Delegation.CacheSize), ResolveTTL: cfg.Delegation.ResolveTTL.Duration})
	if err != nil {
		m.Close(ctx)
		return nil, err
	}
	reg, err := delegation.NewRegistry(ctx, v, st, alog, audit.SourceAgentgov, nil)
	if err != nil {
		m.Close(ctx)
		return nil, err
	}
	return &Trust{model: m, verifier: v, registry: reg, known: known}, nil
}

// OpenTrust opens trust scores and delegation verification over a store
// the caller holds open and writable (under the data directory's lock),
// for commands that decide checks without a server. Close it before the
// store: it writes the scores still in memory.
func OpenTrust(ctx context.Context, cfg *config.Config, st trustStore, alog *audit.Log, log *slog.Logger) (*Trust, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return buildTrust(ctx, cfg, st, alog, log, func(string) bool { return true })
}

// Close writes the scores still in memory.
func (t *Trust) Close(ctx context.Context) error { return t.close(ctx) }

// close writes the scores still in memory.
func (t *Trust) close(ctx context.Context) error {
	if t == nil {
		return nil
	}
	if err := t.model.Close(ctx); err != nil {
		return fmt.Errorf("trust: final flush: %w", err)
	}
	return nil
}

// Standing is the server's read of an agent's trust (false: the active
// policy does not define the agent).
func (t *Trust) Standing(agent string) (trust.Standing, bool) {
	if !t.known(agent) {
		return trust.Standing{}, false
	}
	return t.model.Standing(agent), true
}

// Set is an operator's change of an agent's score.
func (t *Trust) Set(ctx context.Context, agent string, score int, by, reason string) (trust.Standing, bool, error) {
	if !t.known(agent) {
		return trust.Standing{}, false, nil
	}
	s, err := t.model.Set(ctx, agent, score, by, reason)
	return s, true, err
}

// registryResolver resolves a did:key to its agent through the agent
// registry: the key must be the agent's current one (a rotated key no
// longer delegates) and the agent must be active.
type registryResolver struct {
	st store.Agents
}

func (r registryResolver) AgentForDID(ctx context.Context, did string) (string, error) {
	pub, err := identity.PublicKeyFromDID(did)
	if err != nil {
		return "", err
	}
	fp := identity.Fingerprint(ed25519.PublicKey(pub))
	rec, err := r.st.AgentByFingerprint(ctx, fp)
	if errors.Is(err, store.ErrNotFound) {
		return "", errors.New("no registered agent holds this key")
	}
	if err != nil {
		return "", err
	}
	for _, k := range rec.Keys {
		if k.Fingerprint == fp && !k.ValidUntil.IsZero() {
			return "", fmt.Errorf("the key was retired at %s", k.ValidUntil.UTC().Format(time.RFC3339))
		}
	}
	if rec.Status != identity.DefaultInitialStatus {
		return "", fmt.Errorf("agent %s is %s", rec.ID, rec.Status)
	}
	return rec.ID, nil
}
