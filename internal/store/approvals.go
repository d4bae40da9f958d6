package store

import (
	"context"
	"time"
)

// ApprovalPending is the state of an approval request that is still open;
// backends compare State with it and with nothing else.
const ApprovalPending = "pending"

// ApprovalRecord is one approval request as a backend keeps it. The
// backend reads only the keys; Body is the request's whole state, owned
// and encoded by package approval and stored verbatim.
type ApprovalRecord struct {
	ID       string
	Agent    string
	State    string
	Created  time.Time
	Deadline time.Time
	// Version counts the writes of the record: 1 once created.
	// UpdateApproval writes only over the version the caller read, which
	// is what makes a vote, a resolution or a consumption atomic even
	// between replicas.
	Version int64
	Body    []byte
}

// ApprovalQuery selects approval requests in (Created, ID) order. Zero
// fields match anything.
type ApprovalQuery struct {
	State string
	Agent string
	// CreatedSince (inclusive) bounds the creation time from below.
	CreatedSince time.Time
	// AfterCreated and AfterID continue a listing after the last record
	// of the previous page (both set, or neither).
	AfterCreated time.Time
	AfterID      string
	Limit        int
}

// MaxApprovalList bounds one ListApprovals page.
const MaxApprovalList = 1000

// Approvals is the approval-request domain.
type Approvals interface {
	// CreateApproval stores a new request with Version 1; an existing ID
	// is ErrConflict.
	CreateApproval(ctx context.Context, r ApprovalRecord) error
	// GetApproval returns one request, or ErrNotFound.
	GetApproval(ctx context.Context, id string) (ApprovalRecord, error)
	// UpdateApproval replaces the request's keys and body if its stored
	// version is still r.Version, and stores r.Version+1. A stored version
	// that differs is ErrConflict; an unknown ID is ErrNotFound.
	UpdateApproval(ctx context.Context, r ApprovalRecord) error
	// ListApprovals returns up to q.Limit (at most MaxApprovalList)
	// requests matching q.
	ListApprovals(ctx context.Context, q ApprovalQuery) ([]ApprovalRecord, error)
}
