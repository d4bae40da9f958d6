package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

// Kills is an in-process kill-switch and lifecycle store, separate from
// Store like Agents.
type Kills struct {
	mu     sync.RWMutex
	kills  map[string]store.Kill
	procs  map[string]map[string]store.KillProcess
	states map[string]store.AgentLifecycle
}

var (
	_ store.Kills     = (*Kills)(nil)
	_ store.Lifecycle = (*Kills)(nil)
)

// NewKills returns an empty kill store.
func NewKills() *Kills {
	return &Kills{kills: map[string]store.Kill{}, procs: map[string]map[string]store.KillProcess{}, states: map[string]store.AgentLifecycle{}}
}

// PutKill implements store.Kills.
func (k *Kills) PutKill(_ context.Context, r store.Kill) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.kills[r.ID] = r
	return nil
}

// GetKill implements store.Kills.
func (k *Kills) GetKill(_ context.Context, id string) (store.Kill, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	r, ok := k.kills[id]
	if !ok {
		return r, store.ErrNotFound
	}
	return r, nil
}

// ListKills implements store.Kills.
func (k *Kills) ListKills(_ context.Context, q store.KillQuery) ([]store.Kill, error) {
	k.mu.RLock()
	out := make([]store.Kill, 0, len(k.kills))
	for _, r := range k.kills {
		if q.ActiveOnly && !r.LiftedAt.IsZero() {
			continue
		}
		out = append(out, r)
	}
	k.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.Kill) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[len(out)-q.Limit:]
	}
	return out, nil
}

// PutKillProcess implements store.Kills.
func (k *Kills) PutKillProcess(_ context.Context, p store.KillProcess) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.kills[p.KillID]; !ok {
		return fmt.Errorf("%w: kill %q", store.ErrNotFound, p.KillID)
	}
	m := k.procs[p.KillID]
	if m == nil {
		m = map[string]store.KillProcess{}
		k.procs[p.KillID] = m
	}
	m[p.Runner] = p
	return nil
}

// KillProcesses implements store.Kills.
func (k *Kills) KillProcesses(_ context.Context, killID string) ([]store.KillProcess, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	var out []store.KillProcess
	for _, p := range k.procs[killID] {
		out = append(out, p)
	}
	slices.SortFunc(out, func(a, b store.KillProcess) int { return strings.Compare(a.Runner, b.Runner) })
	return out, nil
}

// AgentStates implements store.Lifecycle.
func (k *Kills) AgentStates(context.Context) ([]store.AgentLifecycle, error) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	out := make([]store.AgentLifecycle, 0, len(k.states))
	for _, s := range k.states {
		out = append(out, s)
	}
	slices.SortFunc(out, func(a, b store.AgentLifecycle) int { return strings.Compare(a.Agent, b.Agent) })
	return out, nil
}

// SetAgentState implements store.Lifecycle.
func (k *Kills) SetAgentState(_ context.Context, s store.AgentLifecycle, from string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if cur := k.states[s.Agent].State; cur != from {
		return fmt.Errorf("%w: agent %q is %q, not %q", store.ErrConflict, s.Agent, cur, from)
	}
	k.states[s.Agent] = s
	return nil
}
