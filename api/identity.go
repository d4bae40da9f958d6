package api

import "time"

// Agent is a registered agent as GET /v1/identity/agents/{id} returns it.
type Agent struct {
	ID string `json:"id"`
	// DID is the did:key of the current key ("" while it has none).
	DID    string `json:"did,omitempty"`
	Status string `json:"status"`
	// Keys are every key the agent has held, oldest first; the current
	// one is last and has no valid_until.
	Keys    []AgentKey `json:"keys"`
	Created time.Time  `json:"created"`
	Updated time.Time  `json:"updated"`
}

// AgentKey is one public key of an agent with its validity window.
type AgentKey struct {
	DID string `json:"did"`
	// Fingerprint is the hex SHA-256 of the public key.
	Fingerprint string     `json:"fingerprint"`
	ValidFrom   time.Time  `json:"valid_from"`
	ValidUntil  *time.Time `json:"valid_until,omitempty"`
}

// AgentRegistration is the body of POST /v1/identity/agents (ADMIN).
type AgentRegistration struct {
	Agent string `json:"agent"`
	// PublicKey is a did:key or an unpadded base64url Ed25519 key.
	PublicKey string `json:"public_key"`
}

// AgentKeyRotation is the body of POST /v1/identity/agents/{id}/keys
// (ADMIN).
type AgentKeyRotation struct {
	PublicKey string `json:"public_key"`
}
