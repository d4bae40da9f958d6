package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Registry is what the lifecycle needs of the agent registry, which keeps
// one record per enrolled agent with its status.
type Registry interface {
	// AgentStatuses returns the status of every registered agent.
	AgentStatuses(ctx context.Context) (map[string]string, error)
	// SetAgentStatus moves an agent from one status to another:
	// store.ErrConflict if it is not in from. From "" creates the record
	// of an agent that has none (a registry that cannot answers
	// store.ErrNotFound, and the lifecycle keeps the state alone).
	SetAgentStatus(ctx context.Context, id, from, to string) error
}

// Recorder appends audit entries.
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Killer makes the quarantine-timeout kill (the kill switch's Trip).
type Killer interface {
	Trip(ctx context.Context, agent, session, reason, note string)
}

// ReasonQuarantineTimeout is the kill reason of an agent left quarantined
// past the configured time.
const ReasonQuarantineTimeout = "QUARANTINE_TIMEOUT"

// Errors callers branch on.
var (
	// ErrTransition is a transition the table does not allow.
	ErrTransition = errors.New("lifecycle: transition not allowed")
	// ErrUnknownAgent is an agent that is neither configured nor recorded.
	ErrUnknownAgent = errors.New("lifecycle: unknown agent")
	// ErrConflict is a concurrent transition that won the race.
	ErrConflict = errors.New("lifecycle: the agent's state changed concurrently")
)

// FieldError names a bad request field.
type FieldError struct{ Field, Problem string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// Options configure New.
type Options struct {
	// Store keeps every transition's state and time (required).
	Store store.Lifecycle
	// Registry, when set, is kept in step: a registered agent's status
	// moves with the transition (compare-and-set), and its status counts
	// at start.
	Registry Registry
	Recorder Recorder
	Killer   Killer
	// QuarantineTimeout kills an agent quarantined this long (0: never).
	QuarantineTimeout time.Duration
	// Configured reports whether an agent is configured under agents:
	// (nil: any agent).
	Configured func(agent string) bool
	Now        func() time.Time
	Logger     *slog.Logger
}

type entry struct {
	state      string
	since      time.Time
	registered bool
}

// Manager keeps agents' states. It is safe for concurrent use.
type Manager struct {
	snap atomic.Pointer[map[string]entry]
	mu   sync.Mutex
	o    Options
	// tripped remembers the quarantines already killed for timing out,
	// by agent and the time the quarantine began.
	tripped map[string]time.Time
}

// New loads the recorded states.
func New(ctx context.Context, o Options) (*Manager, error) {
	if o.Store == nil || o.Recorder == nil {
		return nil, errors.New("lifecycle: a store and a recorder are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	m := &Manager{o: o, tripped: map[string]time.Time{}}
	states := map[string]entry{}
	recorded, err := o.Store.AgentStates(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: loading states: %w", err)
	}
	for _, a := range recorded {
		states[a.Agent] = entry{state: a.State, since: a.Since}
	}
	if o.Registry != nil {
		reg, err := o.Registry.AgentStatuses(ctx)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: loading registry statuses: %w", err)
		}
		for id, st := range reg {
			e, ok := states[id]
			if !ok || e.state != st {
				// The registry is written first; when it is ahead, it is
				// right, and the time the state began is not known: count
				// it from now.
				if ok {
					o.Logger.Warn("lifecycle state differs from the registry; the registry's counts", "agent", id, "registry", st, "recorded", e.state)
				}
				e = entry{state: st, since: o.Now().UTC()}
			}
			e.registered = true
			states[id] = e
		}
	}
	m.snap.Store(&states)
	return m, nil
}

// Admit implements the gate's AgentStates: lock-free.
func (m *Manager) Admit(agent, point, permission string) (string, bool) {
	e, ok := (*m.snap.Load())[agent]
	if !ok {
		return Admits(Active, point, permission)
	}
	return Admits(e.state, point, permission)
}

// State returns an agent's state.
func (m *Manager) State(agent string) api.AgentState {
	e, ok := (*m.snap.Load())[agent]
	if !ok {
		return api.AgentState{Agent: agent, State: Active}
	}
	out := api.AgentState{Agent: agent, State: e.state, Registered: e.registered}
	if !e.since.IsZero() {
		out.Since = e.since.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// Transition moves agent to state to, recording who did it and why.
func (m *Manager) Transition(ctx context.Context, agent, to, by, note string) (api.AgentState, error) {
	switch {
	case !Valid(to):
		return api.AgentState{}, &FieldError{"to", "must be one of provisioning, active, suspended, quarantined, degraded, retiring, decommissioned, revoked"}
	case len(note) > 4096 || !utf8.ValidString(note):
		return api.AgentState{}, &FieldError{"note", "must be valid UTF-8 of at most 4096 bytes"}
	case agent == "" || len(agent) > 256:
		return api.AgentState{}, &FieldError{"agent", "must be 1 to 256 bytes"}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur := *m.snap.Load()
	e, recorded := cur[agent]
	if !recorded {
		if m.o.Configured != nil && !m.o.Configured(agent) {
			return api.AgentState{}, fmt.Errorf("%w: %q is not configured under agents", ErrUnknownAgent, agent)
		}
		e = entry{state: Active}
	}
	if !Allowed(e.state, to) {
		return api.AgentState{}, fmt.Errorf("%w: %s → %s", ErrTransition, e.state, to)
	}
	now := m.o.Now().UTC()
	registered := e.registered
	if m.o.Registry != nil {
		// An agent the registry has no record of is moved from "", which
		// makes the registry create its record: from then on the
		// registry holds its status.
		regFrom := e.state
		if !e.registered {
			regFrom = ""
		}
		switch err := m.o.Registry.SetAgentStatus(ctx, agent, regFrom, to); {
		case err == nil:
			registered = true
		case errors.Is(err, store.ErrNotFound):
			registered = false
		case errors.Is(err, store.ErrConflict):
			return api.AgentState{}, fmt.Errorf("%w: %v", ErrConflict, err)
		default:
			return api.AgentState{}, fmt.Errorf("lifecycle: registry: %w", err)
		}
	}
	// The store's row may lag the registry's status (or be absent for an
	// agent whose state came from the registry): compare with the row.
	from := m.storedState(ctx, agent)
	if err := m.o.Store.SetAgentState(ctx, store.AgentLifecycle{Agent: agent, State: to, Since: now, By: by}, from); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return api.AgentState{}, fmt.Errorf("%w: %v", ErrConflict, err)
		}
		return api.AgentState{}, fmt.Errorf("lifecycle: storing the state: %w", err)
	}
	next := make(map[string]entry, len(cur)+1)
	for k, v := range cur {
		next[k] = v
	}
	next[agent] = entry{state: to, since: now, registered: registered}
	m.snap.Store(&next)
	out := api.AgentState{Agent: agent, State: to, Previous: e.state, Since: now.Format(time.RFC3339Nano), Registered: registered, AuditIndex: -1}
	payload, _ := json.Marshal(map[string]string{"from": e.state, "to": to, "by": by, "note": note})
	idx, err := m.o.Recorder.Append(context.WithoutCancel(ctx), &api.Event{Type: "lifecycle", Agent: agent, Action: "transition",
		Decision: to, Reason: e.state + "->" + to, Payload: payload}, by)
	if err != nil {
		return out, fmt.Errorf("lifecycle: %s is %s, but recording the transition failed: %w", agent, to, err)
	}
	out.AuditIndex = idx
	m.o.Logger.Info("lifecycle transition", "agent", agent, "from", e.state, "to", to, "by", by)
	return out, nil
}

func (m *Manager) storedState(ctx context.Context, agent string) string {
	all, err := m.o.Store.AgentStates(ctx)
	if err != nil {
		return ""
	}
	for _, a := range all {
		if a.Agent == agent {
			return a.State
		}
	}
	return ""
}

// CheckQuarantine kills, once per quarantine, every agent quarantined for
// longer than the timeout at now.
func (m *Manager) CheckQuarantine(ctx context.Context) {
	if m.o.QuarantineTimeout <= 0 || m.o.Killer == nil {
		return
	}
	now := m.o.Now()
	m.mu.Lock()
	var due []string
	for agent, e := range *m.snap.Load() {
		if e.state != Quarantined || now.Sub(e.since) < m.o.QuarantineTimeout {
			continue
		}
		if t, ok := m.tripped[agent]; ok && t.Equal(e.since) {
			continue
		}
		m.tripped[agent] = e.since
		due = append(due, agent)
	}
	m.mu.Unlock()
	for _, agent := range due {
		m.o.Killer.Trip(ctx, agent, "", ReasonQuarantineTimeout, fmt.Sprintf("quarantined for more than %s", m.o.QuarantineTimeout))
	}
}

// Run checks quarantines every interval until ctx ends.
func (m *Manager) Run(ctx context.Context, interval time.Duration) {
	if m.o.QuarantineTimeout <= 0 {
		return
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.CheckQuarantine(ctx)
		}
	}
}
