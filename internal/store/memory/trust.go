package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

// Trust is an in-process trust-score store.
type Trust struct {
	mu   sync.RWMutex
	recs map[string]store.TrustRecord
}

var _ store.Trust = (*Trust)(nil)

// NewTrust returns an empty trust store.
func NewTrust() *Trust { return &Trust{recs: map[string]store.TrustRecord{}} }

// PutTrust implements store.Trust.
func (t *Trust) PutTrust(_ context.Context, recs []store.TrustRecord) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, r := range recs {
		t.recs[r.Agent] = r
	}
	return nil
}

// GetTrust implements store.Trust.
func (t *Trust) GetTrust(_ context.Context, agent string) (store.TrustRecord, error) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	r, ok := t.recs[agent]
	if !ok {
		return r, fmt.Errorf("%w: no trust record for %q", store.ErrNotFound, agent)
	}
	return r, nil
}

// ScanTrust implements store.Trust.
func (t *Trust) ScanTrust(_ context.Context, fn func(store.TrustRecord) error) error {
	t.mu.RLock()
	recs := make([]store.TrustRecord, 0, len(t.recs))
	for _, r := range t.recs {
		recs = append(recs, r)
	}
	t.mu.RUnlock()
	sort.Slice(recs, func(i, j int) bool { return recs[i].Agent < recs[j].Agent })
	for _, r := range recs {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

// Delegations is an in-process delegation store.
type Delegations struct {
	mu      sync.RWMutex
	tokens  map[string]store.DelegationRecord
	revoked []store.DelegationRevocation
}

var _ store.Delegations = (*Delegations)(nil)

// NewDelegations returns an empty delegation store.
func NewDelegations() *Delegations {
	return &Delegations{tokens: map[string]store.DelegationRecord{}}
}

// PutDelegation implements store.Delegations.
func (d *Delegations) PutDelegation(_ context.Context, r store.DelegationRecord) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.tokens[r.Digest]; !ok {
		r.Token = slices.Clone(r.Token)
		d.tokens[r.Digest] = r
	}
	return nil
}

// GetDelegation implements store.Delegations.
func (d *Delegations) GetDelegation(_ context.Context, digest string) (store.DelegationRecord, error) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	r, ok := d.tokens[digest]
	if !ok {
		return r, fmt.Errorf("%w: no delegation %s", store.ErrNotFound, digest)
	}
	r.Token = slices.Clone(r.Token)
	return r, nil
}

// RevokeDelegation implements store.Delegations.
func (d *Delegations) RevokeDelegation(_ context.Context, r store.DelegationRevocation) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, x := range d.revoked {
		if x.Digest == r.Digest {
			return fmt.Errorf("%w: delegation %s is already revoked", store.ErrConflict, r.Digest)
		}
	}
	d.revoked = append(d.revoked, r)
	return nil
}

// ScanRevocations implements store.Delegations.
func (d *Delegations) ScanRevocations(_ context.Context, fn func(store.DelegationRevocation) error) error {
	d.mu.RLock()
	out := slices.Clone(d.revoked)
	d.mu.RUnlock()
	sort.SliceStable(out, func(i, j int) bool { return out[i].Revoked.Before(out[j].Revoked) })
	for _, r := range out {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
