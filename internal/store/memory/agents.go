package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

// Agents is an in-process agent registry. It is separate from Store so
// that the audit store's zero value stays what it was.
type Agents struct {
	mu     sync.RWMutex
	agents map[string]store.AgentRecord
	byFP   map[string]string
}

var _ store.Agents = (*Agents)(nil)

// NewAgents returns an empty registry store.
func NewAgents() *Agents {
	return &Agents{agents: map[string]store.AgentRecord{}, byFP: map[string]string{}}
}

func cloneAgent(r store.AgentRecord) store.AgentRecord {
	r.Keys = slices.Clone(r.Keys)
	for i := range r.Keys {
		r.Keys[i].PublicKey = slices.Clone(r.Keys[i].PublicKey)
	}
	return r
}

// CreateAgent implements store.Agents.
func (a *Agents) CreateAgent(_ context.Context, r store.AgentRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.agents[r.ID]; ok {
		return fmt.Errorf("%w: agent %q already exists", store.ErrConflict, r.ID)
	}
	seen := map[string]bool{}
	for _, k := range r.Keys {
		if _, ok := a.byFP[k.Fingerprint]; ok || seen[k.Fingerprint] {
			return fmt.Errorf("%w: key %s is already enrolled", store.ErrConflict, k.Fingerprint)
		}
		seen[k.Fingerprint] = true
	}
	r = cloneAgent(r)
	a.agents[r.ID] = r
	for _, k := range r.Keys {
		a.byFP[k.Fingerprint] = r.ID
	}
	return nil
}

// GetAgent implements store.Agents.
func (a *Agents) GetAgent(_ context.Context, id string) (store.AgentRecord, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	r, ok := a.agents[id]
	if !ok {
		return store.AgentRecord{}, fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
	}
	return cloneAgent(r), nil
}

// ListAgents implements store.Agents.
func (a *Agents) ListAgents(context.Context) ([]store.AgentRecord, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	out := make([]store.AgentRecord, 0, len(a.agents))
	for _, r := range a.agents {
		out = append(out, cloneAgent(r))
	}
	slices.SortFunc(out, func(x, y store.AgentRecord) int { return strings.Compare(x.ID, y.ID) })
	return out, nil
}

// AgentByFingerprint implements store.Agents.
func (a *Agents) AgentByFingerprint(_ context.Context, fp string) (store.AgentRecord, error) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	id, ok := a.byFP[fp]
	if !ok {
		return store.AgentRecord{}, fmt.Errorf("%w: key %s", store.ErrNotFound, fp)
	}
	return cloneAgent(a.agents[id]), nil
}

// AddAgentKey implements store.Agents.
func (a *Agents) AddAgentKey(_ context.Context, id string, k store.AgentKey, at time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.agents[id]
	if !ok {
		return fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
	}
	if _, ok := a.byFP[k.Fingerprint]; ok {
		return fmt.Errorf("%w: key %s is already enrolled", store.ErrConflict, k.Fingerprint)
	}
	r = cloneAgent(r)
	for i := range r.Keys {
		if r.Keys[i].ValidUntil.IsZero() {
			r.Keys[i].ValidUntil = at
		}
	}
	k.PublicKey = slices.Clone(k.PublicKey)
	k.ValidFrom, k.ValidUntil = at, time.Time{}
	r.Keys = append(r.Keys, k)
	r.DID, r.Updated = k.DID, at
	a.agents[id] = r
	a.byFP[k.Fingerprint] = id
	return nil
}

// UpdateAgentStatus implements store.Agents.
func (a *Agents) UpdateAgentStatus(_ context.Context, id, from, to string, at time.Time) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	r, ok := a.agents[id]
	if !ok {
		return fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
	}
	if r.Status != from {
		return fmt.Errorf("%w: agent %q has status %q, not %q", store.ErrConflict, id, r.Status, from)
	}
	r.Status, r.Updated = to, at
	a.agents[id] = r
	return nil
}
