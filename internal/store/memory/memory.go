// Package memory is an in-process implementation of the store domains. It
// keeps nothing across restarts, so agentgov never uses it for a real log;
// it exists for tests, benchmarks and embedders who want a throwaway log.
package memory

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
)

// Store is safe for concurrent use.
type Store struct {
	mu sync.RWMutex
	// entries grow in fixed-size chunks so that appending never copies
	// the whole log.
	entries     chunks
	checkpoints []store.Checkpoint // sorted by size
	meta        map[string]string
	approvals   approvalTable
	certs       certLog   // certificates.go
	sagas       sagaTable // sagas.go
}

var _ store.Audit = (*Store)(nil)

const chunkSize = 4096

type chunks struct {
	c [][]entry
	n int64
}

// entry is an audit record as the store keeps it: its index is its
// position, and its query keys are read from the leaf when a query needs
// them. A record's pointers are what the garbage collector scans on every
// cycle, for every entry a long-lived log holds, so an entry keeps only
// the four slices it cannot do without.
type entry struct {
	leaf, hashes, payload, salt []byte
	erasedBy                    int64
}

func (c *chunks) len() int64 { return c.n }

func (c *chunks) at(i int64) *entry { return &c.c[i/chunkSize][i%chunkSize] }

func (c *chunks) record(i int64) store.AuditRecord {
	e := c.at(i)
	return store.AuditRecord{Index: i, Leaf: e.leaf, Hashes: e.hashes, Payload: e.payload, Salt: e.salt, ErasedBy: e.erasedBy}
}

func (c *chunks) push(r *store.AuditRecord) {
	if c.n%chunkSize == 0 {
		c.c = append(c.c, make([]entry, 0, chunkSize))
	}
	last := len(c.c) - 1
	c.c[last] = append(c.c[last], entry{leaf: r.Leaf, hashes: r.Hashes, payload: r.Payload, salt: r.Salt, erasedBy: -1})
	c.n++
}

// New returns an empty store.
func New() *Store { return &Store{meta: map[string]string{}} }

// AuditSize implements store.Audit.
func (s *Store) AuditSize(context.Context) (int64, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.entries.len(), nil
}

// AppendAudit implements store.Audit.
func (s *Store) AppendAudit(_ context.Context, b store.AuditBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	next := s.entries.len()
	for i := range b.Records {
		if b.Records[i].Index != next+int64(i) {
			return fmt.Errorf("%w: record %d has index %d, want %d", store.ErrConflict, i, b.Records[i].Index, next+int64(i))
		}
	}
	for _, e := range b.Erase {
		if e.Index < 0 || e.Index >= next || s.entries.at(e.Index).payload == nil {
			return fmt.Errorf("%w: entry %d has no payload to erase", store.ErrConflict, e.Index)
		}
	}
	for i := range b.Records {
		s.entries.push(&b.Records[i])
	}
	for _, e := range b.Erase {
		// Readers may still hold the old slices, so drop the references
		// rather than zeroing shared memory under them. The leaf may share
		// an allocation with the payload (the audit log allocates an
		// entry's bytes together), so it is copied out, leaving nothing
		// here that keeps the erased bytes alive.
		r := s.entries.at(e.Index)
		r.leaf = slices.Clone(r.leaf)
		r.payload, r.salt, r.erasedBy = nil, nil, e.By
	}
	return nil
}

// AuditEntry implements store.Audit.
func (s *Store) AuditEntry(_ context.Context, index int64) (store.AuditRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if index < 0 || index >= s.entries.len() {
		return store.AuditRecord{}, store.ErrNotFound
	}
	return s.entries.record(index), nil
}

// matches reads the entry's keys from its leaf, as the SQLite store's
// query index does; a member that is not a string matches only an empty
// filter.
func matches(e *entry, q *store.AuditQuery) bool {
	if q.Agent == "" && q.Session == "" && q.Type == "" && q.Decision == "" && q.Since == "" && q.Until == "" {
		return true // no filter: the leaf need not be decoded
	}
	h, t, _ := store.LeafKeys(e.leaf)
	return (q.Agent == "" || h.Agent == q.Agent) &&
		(q.Session == "" || h.Session == q.Session) &&
		(q.Type == "" || h.Type == q.Type) &&
		(q.Decision == "" || h.Decision == q.Decision) &&
		(q.Since == "" || t >= q.Since) &&
		(q.Until == "" || t < q.Until)
}

// QueryAudit implements store.Audit.
func (s *Store) QueryAudit(_ context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	var out []store.AuditRecord
	for i := max(q.From, 0); i < s.entries.len() && len(out) < limit; i++ {
		if matches(s.entries.at(i), &q) {
			out = append(out, s.entries.record(i))
		}
	}
	return out, nil
}

// ScanAudit implements store.Audit.
func (s *Store) ScanAudit(_ context.Context, from int64, fn func(*store.AuditRecord) error) error {
	for i := max(from, 0); ; i++ {
		s.mu.RLock()
		if i >= s.entries.len() {
			s.mu.RUnlock()
			return nil
		}
		r := s.entries.record(i)
		s.mu.RUnlock()
		if err := fn(&r); err != nil {
			return err
		}
	}
}

// HashGroups implements store.Audit.
func (s *Store) HashGroups(_ context.Context, leaves []int64) ([][]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		if l < 0 || l >= s.entries.len() {
			return nil, fmt.Errorf("%w: no hashes for leaf %d", store.ErrNotFound, l)
		}
		out[i] = s.entries.at(l).hashes
	}
	return out, nil
}

// PutCheckpoint implements store.Audit.
func (s *Store) PutCheckpoint(_ context.Context, c store.Checkpoint) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := sort.Search(len(s.checkpoints), func(i int) bool { return s.checkpoints[i].Size >= c.Size })
	if i < len(s.checkpoints) && s.checkpoints[i].Size == c.Size {
		return nil
	}
	c.Note = slices.Clone(c.Note)
	s.checkpoints = slices.Insert(s.checkpoints, i, c)
	return nil
}

// LatestCheckpoint implements store.Audit.
func (s *Store) LatestCheckpoint(context.Context) (store.Checkpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.checkpoints) == 0 {
		return store.Checkpoint{}, store.ErrNotFound
	}
	return s.checkpoints[len(s.checkpoints)-1], nil
}

// CheckpointAt implements store.Audit.
func (s *Store) CheckpointAt(_ context.Context, size int64) (store.Checkpoint, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	i := sort.Search(len(s.checkpoints), func(i int) bool { return s.checkpoints[i].Size >= size })
	if i < len(s.checkpoints) && s.checkpoints[i].Size == size {
		return s.checkpoints[i], nil
	}
	return store.Checkpoint{}, store.ErrNotFound
}

// ScanCheckpoints implements store.Audit.
func (s *Store) ScanCheckpoints(_ context.Context, fn func(store.Checkpoint) error) error {
	s.mu.RLock()
	cps := slices.Clone(s.checkpoints)
	s.mu.RUnlock()
	for _, c := range cps {
		if err := fn(c); err != nil {
			return err
		}
	}
	return nil
}

// GetMeta implements store.Audit.
func (s *Store) GetMeta(_ context.Context, name string) (string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.meta[name]
	if !ok {
		return "", store.ErrNotFound
	}
	return v, nil
}

// SetMeta implements store.Audit.
func (s *Store) SetMeta(_ context.Context, name, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.meta[name] = value
	return nil
}

// Close releases nothing; it exists so that the memory store can stand in
// wherever a closable store is expected.
func (s *Store) Close() error { return nil }
