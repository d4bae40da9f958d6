package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Approvals = (*Store)(nil)

// approvalTable is the approvals domain; its zero value is empty.
type approvalTable struct {
	mu sync.Mutex
	m  map[string]store.ApprovalRecord
}

func cloneApproval(r store.ApprovalRecord) store.ApprovalRecord {
	r.Body = slices.Clone(r.Body)
	return r
}

// CreateApproval implements store.Approvals.
func (s *Store) CreateApproval(_ context.Context, r store.ApprovalRecord) error {
	t := &s.approvals
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]store.ApprovalRecord{}
	}
	if _, ok := t.m[r.ID]; ok {
		return fmt.Errorf("%w: approval %s exists", store.ErrConflict, r.ID)
	}
	r = cloneApproval(r)
	r.Version = 1
	t.m[r.ID] = r
	return nil
}

// GetApproval implements store.Approvals.
func (s *Store) GetApproval(_ context.Context, id string) (store.ApprovalRecord, error) {
	t := &s.approvals
	t.mu.Lock()
	defer t.mu.Unlock()
	r, ok := t.m[id]
	if !ok {
		return store.ApprovalRecord{}, fmt.Errorf("%w: approval %s", store.ErrNotFound, id)
	}
	return cloneApproval(r), nil
}

// UpdateApproval implements store.Approvals.
func (s *Store) UpdateApproval(_ context.Context, r store.ApprovalRecord) error {
	t := &s.approvals
	t.mu.Lock()
	defer t.mu.Unlock()
	old, ok := t.m[r.ID]
	if !ok {
		return fmt.Errorf("%w: approval %s", store.ErrNotFound, r.ID)
	}
	if old.Version != r.Version {
		return fmt.Errorf("%w: approval %s is at version %d, not %d", store.ErrConflict, r.ID, old.Version, r.Version)
	}
	r = cloneApproval(r)
	r.Version++
	t.m[r.ID] = r
	return nil
}

// ListApprovals implements store.Approvals.
func (s *Store) ListApprovals(_ context.Context, q store.ApprovalQuery) ([]store.ApprovalRecord, error) {
	limit := q.Limit
	if limit <= 0 || limit > store.MaxApprovalList {
		limit = store.MaxApprovalList
	}
	t := &s.approvals
	t.mu.Lock()
	var out []store.ApprovalRecord
	for _, r := range t.m {
		switch {
		case q.State != "" && r.State != q.State,
			q.Agent != "" && r.Agent != q.Agent,
			!q.CreatedSince.IsZero() && r.Created.Before(q.CreatedSince):
			continue
		}
		if !q.AfterCreated.IsZero() || q.AfterID != "" {
			if r.Created.Before(q.AfterCreated) || r.Created.Equal(q.AfterCreated) && r.ID <= q.AfterID {
				continue
			}
		}
		out = append(out, cloneApproval(r))
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b store.ApprovalRecord) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		switch {
		case a.ID < b.ID:
			return -1
		case a.ID > b.ID:
			return 1
		}
		return 0
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}
