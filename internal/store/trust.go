package store

import (
	"context"
	"time"
)

// TrustCounters count the signals an agent's score has taken.
type TrustCounters struct {
	Clean         int64
	Denials       int64
	RingBreaches  int64
	Injections    int64
	Exfiltrations int64
	Resets        int64
}

// TrustRecord is one agent's persisted trust standing. Score is the exact
// value at Updated; decay from there is computed by the reader, never
// stored.
type TrustRecord struct {
	Agent    string
	Score    float64
	Updated  time.Time
	Counters TrustCounters
	// Tier is the last tier written to the audit log for the agent, so
	// that a restart does not record a tier change twice (or miss one).
	Tier string
}

// Trust is the trust-score domain. Writes are batched by the caller: one
// PutTrust per flush, never one per decision.
type Trust interface {
	// PutTrust upserts every record in one transaction.
	PutTrust(ctx context.Context, recs []TrustRecord) error
	// GetTrust returns one record, or ErrNotFound.
	GetTrust(ctx context.Context, agent string) (TrustRecord, error)
	// ScanTrust calls fn for every record, ordered by agent.
	ScanTrust(ctx context.Context, fn func(TrustRecord) error) error
}
