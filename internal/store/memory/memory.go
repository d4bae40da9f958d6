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
	// bytes holds every entry's leaf, hashes, payload and salt (arena.go).
	bytes *arena
}

// entry is an audit record as the store keeps it: where its bytes are in
// the arena (leaf, hashes, payload and salt, one after another) and how
// long each part is. Its index is its position, and its query keys are
// read from the leaf when a query needs them, as the SQLite store's index
// does. An entry holds no pointer, so a collection does not scan the log.
type entry struct {
	slab, off int32
	// Lengths; payload and salt are -1 once erased (or when absent).
	leaf, hashes, payload, salt int32
	erasedBy                    int64
}

func (c *chunks) len() int64 { return c.n }

func (c *chunks) at(i int64) *entry { return &c.c[i/chunkSize][i%chunkSize] }

// size is the number of bytes e holds in the arena.
func (e *entry) size() int {
	return int(e.leaf) + int(e.hashes) + max(int(e.payload), 0) + max(int(e.salt), 0)
}

// leafView and hashesView are e's leaf and hashes in the arena; they must
// not leave the store.
func (c *chunks) leafView(e *entry) []byte { return c.bytes.view(e.slab, e.off, int(e.leaf)) }

func (c *chunks) hashesView(e *entry) []byte {
	return c.bytes.view(e.slab, e.off+e.leaf, int(e.hashes))
}

// record copies entry i out of the arena into buf (grown as needed) and
// returns the record and the buffer. Records handed to callers never
// share memory with the arena.
func (c *chunks) record(i int64, buf []byte) (store.AuditRecord, []byte) {
	e := c.at(i)
	n := e.size()
	if cap(buf) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	copy(buf, c.bytes.view(e.slab, e.off, n))
	r := store.AuditRecord{Index: i, ErasedBy: e.erasedBy}
	r.Leaf, buf = cut(buf, int(e.leaf))
	r.Hashes, buf = cut(buf, int(e.hashes))
	r.Payload, buf = cut(buf, int(e.payload))
	r.Salt, _ = cut(buf, int(e.salt))
	return r, buf[:0]
}

// cut splits the first n bytes off b, or returns nil for a negative n (an
// absent part).
func cut(b []byte, n int) (part, rest []byte) {
	if n < 0 {
		return nil, b
	}
	return b[:n:n], b[n:]
}

// lengthOf is len(b), or -1 for nil.
func lengthOf(b []byte) int32 {
	if b == nil {
		return -1
	}
	return int32(len(b))
}

func (c *chunks) push(r *store.AuditRecord) error {
	slab, off, err := c.bytes.put(r.Leaf, r.Hashes, r.Payload, r.Salt)
	if err != nil {
		return err
	}
	if c.n%chunkSize == 0 {
		c.c = append(c.c, make([]entry, 0, chunkSize))
	}
	last := len(c.c) - 1
	c.c[last] = append(c.c[last], entry{
		slab: slab, off: off,
		leaf: int32(len(r.Leaf)), hashes: int32(len(r.Hashes)),
		payload: lengthOf(r.Payload), salt: lengthOf(r.Salt),
		erasedBy: -1,
	})
	c.n++
	return nil
}

// truncate drops the entries from index n on.
func (c *chunks) truncate(n int64) {
	for c.n > n {
		c.n--
		last := len(c.c) - 1
		c.c[last] = c.c[last][:len(c.c[last])-1]
		if len(c.c[last]) == 0 {
			c.c = c.c[:last]
		}
	}
}

// erase overwrites the payload and salt of entry i in the arena: no reader
// holds them, since reads copy.
func (c *chunks) erase(i, by int64) {
	e := c.at(i)
	start := e.off + e.leaf + e.hashes
	clear(c.bytes.view(e.slab, start, max(int(e.payload), 0)+max(int(e.salt), 0)))
	e.payload, e.salt, e.erasedBy = -1, -1, by
}

// New returns an empty store.
func New() *Store {
	s := &Store{meta: map[string]string{}}
	s.entries.bytes = newArena(s)
	return s
}

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
		if e.Index < 0 || e.Index >= next || s.entries.at(e.Index).payload < 0 {
			return fmt.Errorf("%w: entry %d has no payload to erase", store.ErrConflict, e.Index)
		}
	}
	for i := range b.Records {
		if err := s.entries.push(&b.Records[i]); err != nil {
			// All or nothing: the entries of this batch pushed so far
			// are dropped (their bytes stay unused in the arena).
			s.entries.truncate(next)
			return err
		}
	}
	for _, e := range b.Erase {
		s.entries.erase(e.Index, e.By)
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
	r, _ := s.entries.record(index, nil)
	return r, nil
}

// matches reads the entry's keys from its leaf, as the SQLite store's
// query index does; a member that is not a string matches only an empty
// filter.
func matches(leaf []byte, q *store.AuditQuery) bool {
	if q.Agent == "" && q.Session == "" && q.Type == "" && q.Decision == "" && q.Since == "" && q.Until == "" {
		return true // no filter: the leaf need not be decoded
	}
	h, t, _ := store.LeafKeys(leaf)
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
		if matches(s.entries.leafView(s.entries.at(i)), &q) {
			r, _ := s.entries.record(i, nil)
			out = append(out, r)
		}
	}
	return out, nil
}

// ScanAudit implements store.Audit.
func (s *Store) ScanAudit(_ context.Context, from int64, fn func(*store.AuditRecord) error) error {
	// The record is reused, as the interface allows, and so is the buffer
	// its bytes are copied into.
	var buf []byte
	for i := max(from, 0); ; i++ {
		s.mu.RLock()
		if i >= s.entries.len() {
			s.mu.RUnlock()
			return nil
		}
		var r store.AuditRecord
		r, buf = s.entries.record(i, buf)
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
	n := 0
	for _, l := range leaves {
		if l < 0 || l >= s.entries.len() {
			return nil, fmt.Errorf("%w: no hashes for leaf %d", store.ErrNotFound, l)
		}
		n += int(s.entries.at(l).hashes)
	}
	buf := make([]byte, 0, n)
	for i, l := range leaves {
		start := len(buf)
		buf = append(buf, s.entries.hashesView(s.entries.at(l))...)
		out[i] = buf[start:len(buf):len(buf)]
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
