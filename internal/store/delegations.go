package store

import (
	"context"
	"time"
)

// DelegationRecord is a delegation token registered with the server.
type DelegationRecord struct {
	// Digest identifies the token: "sha256:" + hex of its encoded bytes.
	Digest string
	// ID is the token's own nonce; From and To are the delegator and the
	// delegatee agent ids.
	ID       string
	From, To string
	Token    []byte
	Expires  time.Time
	Created  time.Time
}

// DelegationRevocation revokes one token, by digest. A revocation is
// permanent.
type DelegationRevocation struct {
	Digest  string
	By      string
	Reason  string
	Revoked time.Time
}

// Delegations is the delegation domain: registered tokens and revocations.
type Delegations interface {
	// PutDelegation stores a registered token; storing the same digest
	// again keeps the first.
	PutDelegation(ctx context.Context, r DelegationRecord) error
	// GetDelegation returns a registered token, or ErrNotFound.
	GetDelegation(ctx context.Context, digest string) (DelegationRecord, error)
	// RevokeDelegation records a revocation; revoking a digest that is
	// already revoked keeps the first revocation and returns ErrConflict.
	RevokeDelegation(ctx context.Context, r DelegationRevocation) error
	// ScanRevocations calls fn for every revocation, oldest first.
	ScanRevocations(ctx context.Context, fn func(DelegationRevocation) error) error
}
