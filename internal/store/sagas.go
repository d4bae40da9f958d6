package store

import (
	"context"
	"time"
)

// SagaRecord is the checkpoint of one saga: its definition, where it
// stands, and every step's outcome. The saga package writes it after every
// step and compensation, so that a restarted process continues from it.
// The store keeps what it is given; statuses are the saga package's
// vocabulary, not the store's.
type SagaRecord struct {
	ID string
	// Agent is the agent the saga was started for; Acting is the agent
	// whose calls run now (Agent, or Substitute after a handoff).
	Agent, Acting, Substitute string
	// Session is the gate session the saga's steps are checked in.
	Session string
	// Source is the principal that started the saga, as audit entries name
	// it.
	Source string
	// Kind says how the steps run: "http" (Definition holds them) or
	// "go:<name>" (a program registers the functions under that name).
	Kind       string
	Definition []byte
	// Input is the JSON value every step receives.
	Input []byte
	// Status and Reason: where the saga stands and why.
	Status, Reason string
	// Escalation identifies the request a human was asked to resolve, if
	// any.
	Escalation string
	// Finished is set once nothing more will run; unfinished sagas are
	// resumed when a runner starts.
	Finished                   bool
	Created, Updated, Deadline time.Time
	// Version increases by one with every update, so that two writers
	// cannot both advance the same saga.
	Version int64
	Steps   []SagaStep
}

// SagaStep is one step's checkpoint.
type SagaStep struct {
	Name   string
	Status string
	// Attempts and CompAttempts count deliveries of the step and of its
	// compensation; the attempt in flight is counted once it starts.
	Attempts, CompAttempts int
	// Result is the step's JSON result once it succeeded.
	Result []byte
	Error  string
	// Started and Finished bound the step; CompFinished is when its
	// compensation ended (zero when none ran).
	Started, Finished, CompFinished time.Time
}

// SagaQuery selects sagas, oldest first unless Newest.
type SagaQuery struct {
	// Unfinished selects only sagas whose Finished is false.
	Unfinished bool
	// Agent, when set, selects sagas started for that agent.
	Agent string
	// Limit bounds the answer (0: no limit).
	Limit int
	// Newest lists newest first (and Limit keeps the newest).
	Newest bool
}

// Sagas is the saga domain.
type Sagas interface {
	// CreateSaga stores a new saga; an existing id is ErrConflict. The
	// record's Version must be 1.
	CreateSaga(ctx context.Context, r SagaRecord) error
	// UpdateSaga replaces a saga's checkpoint, steps included, atomically
	// and durably. It is ErrNotFound for an unknown id and ErrConflict
	// unless the stored version is r.Version-1.
	UpdateSaga(ctx context.Context, r SagaRecord) error
	// GetSaga returns one saga, or ErrNotFound.
	GetSaga(ctx context.Context, id string) (SagaRecord, error)
	// ListSagas returns the sagas matching q, oldest first.
	ListSagas(ctx context.Context, q SagaQuery) ([]SagaRecord, error)
}
