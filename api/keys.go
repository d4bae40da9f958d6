package api

// LogKeys is the key chain of an audit log: every key that has signed its
// checkpoints, with the tree sizes each signs, and the rotations that link
// them. GET /v1/audit/pubkey serves it with Accept: application/json (the
// plain-text answer stays the current key alone), and
// agentgov audit pubkey --chain prints it.
//
// A verifier trusts only the log's first key (RootKey, obtained out of
// band); every later key is accepted because the key before it signed the
// rotation, so the document needs no trust of its own.
type LogKeys struct {
	Origin string `json:"origin"`
	// VerifierKey is the key that signs new checkpoints.
	VerifierKey string `json:"verifier_key"`
	// RootKey is the log's first key, the trust root.
	RootKey   string        `json:"root_key"`
	Keys      []LogKey      `json:"keys"`
	Rotations []KeyRotation `json:"rotations"`
}

// LogKey is one key of the chain. Checkpoints of tree sizes from FirstSize
// to LastSize (inclusive; no LastSize: the current key) are signed by it.
type LogKey struct {
	VerifierKey string `json:"verifier_key"`
	FirstSize   int64  `json:"first_size"`
	LastSize    *int64 `json:"last_size,omitempty"`
}

// KeyRotation is one link: the key_rotation entry at Index hands the log
// over from OldKey to NewKey after tree size Size (= Index+1). Signature is
// OldKey's Ed25519 signature (standard base64) over the domain-separated
// canonical statement of origin, old key, new key and size.
type KeyRotation struct {
	Index     int64  `json:"index"`
	OldKey    string `json:"old_key"`
	NewKey    string `json:"new_key"`
	Size      int64  `json:"size"`
	Signature string `json:"signature"`
}

// KeyRotateRequest is the body of POST /v1/admin/keys/rotate.
type KeyRotateRequest struct {
	// Target is "log" (the audit log signing key), "agent" (with Agent) or
	// "ca" (the SPIFFE CA).
	Target string `json:"target"`
	Agent  string `json:"agent,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// KeyRotateResponse answers a rotation of the log key.
type KeyRotateResponse struct {
	Target string `json:"target"`
	// Index is the key_rotation entry, Size the tree size after which the
	// new key signs; OldKey and NewKey are verifier keys.
	Index  int64  `json:"index"`
	Size   int64  `json:"size"`
	OldKey string `json:"old_key,omitempty"`
	NewKey string `json:"new_key,omitempty"`
	// Checkpoint is the checkpoint of size Size signed by the old key,
	// which covers the rotation entry.
	Checkpoint string `json:"checkpoint,omitempty"`
	Detail     string `json:"detail,omitempty"`
}
