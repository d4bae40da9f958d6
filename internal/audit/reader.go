package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// Meta names under which a log records its identity in the store.
const (
	metaOrigin      = "audit.origin"
	metaVerifierKey = "audit.verifier_key"
)

// Query limits.
const (
	DefaultQueryLimit = 100
	MaxQueryLimit     = 1000
)

// ErrNotCovered reports a proof request for an entry or size that no signed
// checkpoint covers yet.
var ErrNotCovered = errors.New("audit: not covered by a checkpoint")

// Reader reads a log: entries, checkpoints and proofs. It never writes, so it
// works on a store opened read-only beside a running server.
type Reader struct {
	store    store.Audit
	origin   string
	verifier note.Verifier
	// size reports the committed size; a writer answers from memory.
	size func(context.Context) (int64, error)
	// groups serves proofs, caching the upper levels of the tree.
	groups *groupCache
}

// Proof cache policy: groups of 6 or more hashes close subtrees of 32 or
// more leaves; for a log of a million entries that is some 31,000 groups
// (a few MB), and they make up most of every proof. Past the bound the
// cache starts over and refills with what proofs actually read.
const (
	proofCacheMinLen = 6
	proofCacheMax    = 1 << 16
)

func newReader(st store.Audit, origin string, v note.Verifier, size func(context.Context) (int64, error)) *Reader {
	return &Reader{store: st, origin: origin, verifier: v, size: size, groups: newGroupCache(st, proofCacheMinLen, proofCacheMax)}
}

// NewReader opens the log in st for reading. The origin is the one the log
// recorded when it was created; v must be the verifier of its signing key.
func NewReader(ctx context.Context, st store.Audit, v note.Verifier) (*Reader, error) {
	origin, err := st.GetMeta(ctx, metaOrigin)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errors.New("audit: the store holds no audit log yet (start agentgov serve once)")
	}
	if err != nil {
		return nil, err
	}
	if v != nil && v.Name() != origin {
		return nil, fmt.Errorf("audit: verifier key is for %q, the log's origin is %q", v.Name(), origin)
	}
	return newReader(st, origin, v, st.AuditSize), nil
}

// Origin is the log's origin line.
func (r *Reader) Origin() string { return r.origin }

// Size is the number of committed entries.
func (r *Reader) Size(ctx context.Context) (int64, error) { return r.size(ctx) }

// Entry returns entry index.
func (r *Reader) Entry(ctx context.Context, index int64) (api.Entry, error) {
	rec, err := r.store.AuditEntry(ctx, index)
	if errors.Is(err, store.ErrNotFound) {
		return api.Entry{}, fmt.Errorf("%w: entry %d", ErrNotFound, index)
	}
	if err != nil {
		return api.Entry{}, err
	}
	return ToEntry(&rec)
}

// Query selects entries in index order.
type Query struct {
	Agent, Session, Type, Decision string
	// Since (inclusive) and Until (exclusive) bound the entry time.
	Since, Until time.Time
	Limit        int
	// Cursor is the next_cursor of a previous page, or "".
	Cursor string
}

// Query returns one page of entries.
func (r *Reader) Query(ctx context.Context, q Query) (api.EntryPage, error) {
	limit := q.Limit
	switch {
	case limit == 0:
		limit = DefaultQueryLimit
	case limit < 0 || limit > MaxQueryLimit:
		return api.EntryPage{}, &FieldError{"limit", fmt.Sprintf("must be between 1 and %d", MaxQueryLimit)}
	}
	from, err := parseCursor(q.Cursor)
	if err != nil {
		return api.EntryPage{}, err
	}
	sq := store.AuditQuery{Agent: q.Agent, Session: q.Session, Type: q.Type, Decision: q.Decision, From: from, Limit: limit + 1}
	if !q.Since.IsZero() {
		sq.Since = q.Since.UTC().Format(api.TimeLayout)
	}
	if !q.Until.IsZero() {
		sq.Until = q.Until.UTC().Format(api.TimeLayout)
	}
	recs, err := r.store.QueryAudit(ctx, sq)
	if err != nil {
		return api.EntryPage{}, err
	}
	page := api.EntryPage{Entries: make([]api.Entry, 0, min(len(recs), limit))}
	for i := range recs {
		if i == limit {
			next := formatCursor(recs[i].Index)
			page.NextCursor = &next
			break
		}
		e, err := ToEntry(&recs[i])
		if err != nil {
			return api.EntryPage{}, err
		}
		page.Entries = append(page.Entries, e)
	}
	return page, nil
}

// Cursors are opaque to callers; they carry the next index to read.
const cursorPrefix = "i1."

func formatCursor(next int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(next, 10)))
}

func parseCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(raw), cursorPrefix); ok {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, &FieldError{"cursor", "is not a cursor returned by this log"}
}

// Checkpoint is a stored signed checkpoint.
type Checkpoint = store.Checkpoint

// LatestCheckpoint returns the newest stored checkpoint.
func (r *Reader) LatestCheckpoint(ctx context.Context) (Checkpoint, error) {
	c, err := r.store.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("%w: no checkpoint has been signed yet", ErrNotFound)
	}
	return c, err
}

// CheckpointAt returns the stored checkpoint of exactly that size.
func (r *Reader) CheckpointAt(ctx context.Context, size int64) (Checkpoint, error) {
	c, err := r.store.CheckpointAt(ctx, size)
	if errors.Is(err, store.ErrNotFound) {
		return c, fmt.Errorf("%w: no checkpoint of size %d", ErrNotFound, size)
	}
	return c, err
}

// InclusionProof proves entry index in the tree of the given size; size 0
// means the size of the latest checkpoint, so that the proof verifies against
// what GET /v1/audit/checkpoint returns.
func (r *Reader) InclusionProof(ctx context.Context, index, size int64) (api.InclusionProof, error) {
	if index < 0 {
		return api.InclusionProof{}, &FieldError{"index", "must not be negative"}
	}
	if size == 0 {
		n, err := r.size(ctx)
		if err != nil {
			return api.InclusionProof{}, err
		}
		if index >= n {
			return api.InclusionProof{}, &FieldError{"index", fmt.Sprintf("must be below the log size %d", n)}
		}
		cp, err := r.LatestCheckpoint(ctx)
		if err != nil {
			return api.InclusionProof{}, fmt.Errorf("%w: %v", ErrNotCovered, err)
		}
		size = cp.Size
		if index >= size {
			return api.InclusionProof{}, fmt.Errorf("%w: entry %d is not in the latest checkpoint (size %d)", ErrNotCovered, index, size)
		}
	}
	if err := r.checkSize(ctx, "tree_size", size); err != nil {
		return api.InclusionProof{}, err
	}
	if index >= size {
		return api.InclusionProof{}, &FieldError{"index", fmt.Sprintf("must be below tree_size %d", size)}
	}
	withLeaf := &leafAlong{r: r.groups, leaf: index}
	hs, err := translog.ProveInclusion(ctx, withLeaf, index, size)
	if err != nil {
		return api.InclusionProof{}, fmt.Errorf("audit: inclusion proof of %d in %d: %w", index, size, err)
	}
	leaf := [][]byte{withLeaf.group}
	if withLeaf.group == nil {
		if leaf, err = r.groups.HashGroups(ctx, []int64{index}); err != nil {
			return api.InclusionProof{}, err
		}
	}
	if len(leaf[0]) < translog.HashSize {
		return api.InclusionProof{}, fmt.Errorf("audit: %w at leaf %d", translog.ErrCorruptGroup, index)
	}
	return api.InclusionProof{
		Index:    index,
		TreeSize: size,
		LeafHash: base64.StdEncoding.EncodeToString(leaf[0][:translog.HashSize]),
		Hashes:   encodeHashes(hs),
	}, nil
}

// ConsistencyProof proves that the tree of size from is a prefix of the tree
// of size to.
func (r *Reader) ConsistencyProof(ctx context.Context, from, to int64) (api.ConsistencyProof, error) {
	if from < 0 {
		return api.ConsistencyProof{}, &FieldError{"from", "must not be negative"}
	}
	if to < from {
		return api.ConsistencyProof{}, &FieldError{"to", "must not be smaller than from"}
	}
	if err := r.checkSize(ctx, "to", to); err != nil {
		return api.ConsistencyProof{}, err
	}
	hs, err := translog.ProveConsistency(ctx, r.groups, from, to)
	if err != nil {
		return api.ConsistencyProof{}, fmt.Errorf("audit: consistency proof %d→%d: %w", from, to, err)
	}
	return api.ConsistencyProof{From: from, To: to, Hashes: encodeHashes(hs)}, nil
}

func (r *Reader) checkSize(ctx context.Context, field string, size int64) error {
	n, err := r.size(ctx)
	if err != nil {
		return err
	}
	if size < 0 || size > n {
		return &FieldError{field, fmt.Sprintf("must be between 0 and the log size %d", n)}
	}
	return nil
}

func encodeHashes(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i := range hs {
		out[i] = base64.StdEncoding.EncodeToString(hs[i][:])
	}
	return out
}

// Store is the store the log reads.
func (r *Reader) Store() store.Audit { return r.store }

// leafAlong reads the proven leaf's own hash group in the same store read
// as the proof's first batch of hashes, saving a round trip per proof.
type leafAlong struct {
	r     translog.GroupReader
	leaf  int64
	group []byte
}

func (l *leafAlong) HashGroups(ctx context.Context, leaves []int64) ([][]byte, error) {
	if l.group != nil {
		return l.r.HashGroups(ctx, leaves)
	}
	gs, err := l.r.HashGroups(ctx, append(leaves[:len(leaves):len(leaves)], l.leaf))
	if err != nil {
		return nil, err
	}
	l.group = gs[len(gs)-1]
	return gs[:len(gs)-1], nil
}
