// Package store declares agentgov's storage domains as interfaces, one per
// domain, so that every backend (SQLite now, PostgreSQL for several replicas)
// passes the same conformance suite (package storetest) and nothing that
// matters lives only in process memory.
package store

import (
	"context"
	"errors"
)

// ErrNotFound reports that a requested record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict reports a write that does not fit the stored state, such as an
// audit batch that does not continue the log.
var ErrConflict = errors.New("store: conflict")

// ErrReadOnly reports a write to a store opened read-only.
var ErrReadOnly = errors.New("store: opened read-only")

// AuditKeys are the fields of an entry that queries filter on by equality.
// They are copies of what the entry's leaf commits to, handed to the
// backend at append so that it need not parse the leaf; a backend may
// instead derive them from the leaf (LeafKeys) and leave them empty on
// reads. Time ranges are not among them: entry times never decrease along
// the log, so a backend finds a time range by searching the leaves.
type AuditKeys struct {
	Type, Agent, Session, Decision string
}

// AuditRecord is one audit entry as a backend keeps it.
type AuditRecord struct {
	Index int64
	// Leaf is the entry's committed header, exactly the bytes whose RFC
	// 9162 leaf hash is in the tree: a JSON object whose string members
	// time, type, agent, session and decision are the Keys. Backends store
	// it verbatim.
	Leaf []byte
	Keys AuditKeys
	// Hashes holds the tree hashes the append of this leaf created
	// (translog.GroupLen(Index) hashes of 32 bytes, level 0 first).
	Hashes []byte
	// Payload is the canonical JSON payload and Salt its digest salt; both
	// are nil once the payload has been erased (or lost).
	Payload []byte
	Salt    []byte
	// ErasedBy is the index of the erasure entry that removed the payload,
	// or -1. It is a convenience for readers; verification trusts only the
	// erasure entries themselves.
	ErasedBy int64
}

// AuditBatch is appended atomically and durably: all of it or none of it.
type AuditBatch struct {
	// Records continue the log: the first has index Size().
	Records []AuditRecord
	// Erase lists payloads to delete in the same transaction, each with the
	// index of the erasure entry (in Records) that accounts for it.
	Erase []Erasure
}

// Erasure deletes the payload of entry Index on behalf of entry By.
type Erasure struct {
	Index, By int64
}

// AuditQuery selects entries in index order. Empty strings match anything.
type AuditQuery struct {
	Agent, Session, Type, Decision string
	// Since (inclusive) and Until (exclusive) compare with the entry time
	// text, which has a fixed layout so that text order is time order, and
	// which never decreases along the log.
	Since, Until string
	// From is the smallest index to return.
	From  int64
	Limit int
}

// Checkpoint is a stored signed checkpoint.
type Checkpoint struct {
	Size    int64
	Note    []byte
	Created string
}

// Audit is the audit-log domain.
type Audit interface {
	// AuditSize is the number of entries.
	AuditSize(ctx context.Context) (int64, error)
	// AppendAudit writes a batch atomically; it returns only once the batch
	// is durable. A batch that does not continue the log, or that erases a
	// payload that is not there, is ErrConflict. The byte slices in b are
	// the caller's again once AppendAudit returns (the audit log reuses
	// them for its next entries): a backend copies what it keeps.
	AppendAudit(ctx context.Context, b AuditBatch) error
	// AuditEntry returns one entry, or ErrNotFound.
	AuditEntry(ctx context.Context, index int64) (AuditRecord, error)
	// QueryAudit returns up to q.Limit entries matching q.
	QueryAudit(ctx context.Context, q AuditQuery) ([]AuditRecord, error)
	// ScanAudit calls fn for every entry with index ≥ from, in index order.
	// The record passed to fn is reused: fn must copy what it keeps.
	ScanAudit(ctx context.Context, from int64, fn func(*AuditRecord) error) error
	// HashGroups returns the stored hash group of each leaf, in order.
	HashGroups(ctx context.Context, leaves []int64) ([][]byte, error)

	// PutCheckpoint stores a signed checkpoint; storing the same size twice
	// keeps the first.
	PutCheckpoint(ctx context.Context, c Checkpoint) error
	// LatestCheckpoint returns the checkpoint of the largest size, or
	// ErrNotFound.
	LatestCheckpoint(ctx context.Context) (Checkpoint, error)
	// CheckpointAt returns the checkpoint of exactly that size, or
	// ErrNotFound.
	CheckpointAt(ctx context.Context, size int64) (Checkpoint, error)
	// ScanCheckpoints calls fn for every checkpoint in increasing size.
	ScanCheckpoints(ctx context.Context, fn func(Checkpoint) error) error

	// Meta reads and writes small named values of the log (its origin,
	// verifier key); GetMeta returns ErrNotFound for an unset name.
	GetMeta(ctx context.Context, name string) (string, error)
	SetMeta(ctx context.Context, name, value string) error
}
