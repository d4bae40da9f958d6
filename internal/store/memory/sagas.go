package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Sagas = (*Store)(nil)

// sagaTable is the saga domain; its zero value is empty.
type sagaTable struct {
	mu  sync.Mutex
	m   map[string]store.SagaRecord
	seq map[string]int64 // creation order
	n   int64
}

// cloneSaga copies every slice, so that neither the caller nor the store
// sees the other's later changes.
func cloneSaga(r store.SagaRecord) store.SagaRecord {
	r.Definition = slices.Clone(r.Definition)
	r.Input = slices.Clone(r.Input)
	r.Steps = slices.Clone(r.Steps)
	for i := range r.Steps {
		r.Steps[i].Result = slices.Clone(r.Steps[i].Result)
	}
	return r
}

// CreateSaga implements store.Sagas.
func (s *Store) CreateSaga(_ context.Context, r store.SagaRecord) error {
	t := &s.sagas
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m, t.seq = map[string]store.SagaRecord{}, map[string]int64{}
	}
	if _, ok := t.m[r.ID]; ok {
		return fmt.Errorf("%w: saga %s exists", store.ErrConflict, r.ID)
	}
	if r.Version != 1 {
		return fmt.Errorf("%w: a new saga has version 1, got %d", store.ErrConflict, r.Version)
	}
	t.m[r.ID] = cloneSaga(r)
	t.seq[r.ID] = t.n
	t.n++
	return nil
}

// UpdateSaga implements store.Sagas.
func (s *Store) UpdateSaga(_ context.Context, r store.SagaRecord) error {
	t := &s.sagas
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.m[r.ID]
	if !ok {
		return fmt.Errorf("%w: saga %s", store.ErrNotFound, r.ID)
	}
	if old.Version != r.Version-1 {
		return fmt.Errorf("%w: saga %s is at version %d, the update expects %d", store.ErrConflict, r.ID, old.Version, r.Version-1)
	}
	t.m[r.ID] = cloneSaga(r)
	return nil
}

// GetSaga implements store.Sagas.
func (s *Store) GetSaga(_ context.Context, id string) (store.SagaRecord, error) {
	t := &s.sagas
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[id]
	if !ok {
		return store.SagaRecord{}, fmt.Errorf("%w: saga %s", store.ErrNotFound, id)
	}
	return cloneSaga(r), nil
}

// ListSagas implements store.Sagas.
func (s *Store) ListSagas(_ context.Context, q store.SagaQuery) ([]store.SagaRecord, error) {
	t := &s.sagas
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []store.SagaRecord
	for _, r := range t.m {
		if (q.Unfinished && r.Finished) || (q.Agent != "" && r.Agent != q.Agent) {
			continue
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		before := t.seq[a.ID] < t.seq[b.ID]
		if !a.Created.Equal(b.Created) {
			before = a.Created.Before(b.Created)
		}
		return before != q.Newest
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	for i := range out {
		out[i] = cloneSaga(out[i])
	}
	return out, nil
}
