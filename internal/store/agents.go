package store

import (
	"context"
	"time"
)

// AgentKey is one public key an agent has held. Keys are never deleted: a
// rotated key keeps verifying what was signed inside its validity window.
type AgentKey struct {
	// Fingerprint is the hex SHA-256 of PublicKey; it is unique across all
	// agents, so that one key can never speak for two agents.
	Fingerprint string
	PublicKey   []byte
	// DID is the did:key identifier of PublicKey.
	DID string
	// ValidFrom is when the key was enrolled; ValidUntil is when it was
	// replaced, zero while it is the current key.
	ValidFrom, ValidUntil time.Time
}

// AgentRecord is the one record agentgov keeps per agent. Profiles stay in
// the configuration; this holds what changes at run time.
type AgentRecord struct {
	ID string
	// DID is the did:key of the current key ("" while the agent has none).
	DID string
	// Keys are oldest first; the current key, if any, is the last and the
	// only one with a zero ValidUntil.
	Keys []AgentKey
	// Status is the lifecycle status; its vocabulary belongs to the
	// lifecycle package, the store only compares it.
	Status           string
	Created, Updated time.Time
}

// CurrentKey returns the key in force, if any.
func (r AgentRecord) CurrentKey() (AgentKey, bool) {
	if n := len(r.Keys); n > 0 && r.Keys[n-1].ValidUntil.IsZero() {
		return r.Keys[n-1], true
	}
	return AgentKey{}, false
}

// Agents is the agent-registry domain.
type Agents interface {
	// CreateAgent stores a new record; ErrConflict if the id exists or a
	// key's fingerprint is already enrolled.
	CreateAgent(ctx context.Context, r AgentRecord) error
	// GetAgent returns one record, or ErrNotFound.
	GetAgent(ctx context.Context, id string) (AgentRecord, error)
	// ListAgents returns every record, ordered by id.
	ListAgents(ctx context.Context) ([]AgentRecord, error)
	// AgentByFingerprint returns the record holding the key with that
	// fingerprint (current or retired), or ErrNotFound.
	AgentByFingerprint(ctx context.Context, fingerprint string) (AgentRecord, error)
	// AddAgentKey retires the current key (ValidUntil = at), if there is
	// one, and makes k current (ValidFrom = at), in one transaction.
	// ErrNotFound for an unknown agent; ErrConflict if k's fingerprint is
	// already enrolled anywhere.
	AddAgentKey(ctx context.Context, id string, k AgentKey, at time.Time) error
	// UpdateAgentStatus sets the status to `to` if it is currently `from`;
	// ErrConflict otherwise, ErrNotFound for an unknown agent.
	UpdateAgentStatus(ctx context.Context, id, from, to string, at time.Time) error
}
