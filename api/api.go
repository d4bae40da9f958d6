// Package api holds agentgov's wire types: the shapes that cross the HTTP API,
// appear in exported files, and that an independent verifier needs. It has no
// dependencies beyond the standard library so that a verifier can import it
// without pulling in the runtime.
package api

import "encoding/json"

// TimeLayout is the layout of every timestamp agentgov writes into its audit
// log: UTC, RFC 3339 with exactly nine fractional digits. A fixed width keeps
// the text of a time byte-stable across encoders and makes lexical order equal
// time order.
const TimeLayout = "2006-01-02T15:04:05.000000000Z"

// Event is what a caller submits to the audit log (POST /v1/audit/events).
// Type and Agent are required.
type Event struct {
	Type          string          `json:"type"`
	Agent         string          `json:"agent"`
	Session       string          `json:"session,omitempty"`
	Action        string          `json:"action,omitempty"`
	Decision      string          `json:"decision,omitempty"`
	Reason        string          `json:"reason,omitempty"`
	Rule          string          `json:"rule,omitempty"`
	PolicyVersion string          `json:"policy_version,omitempty"`
	Ref           *int64          `json:"ref,omitempty"`
	Payload       json.RawMessage `json:"payload,omitempty"`
}

// EventAccepted is the 201 response to an appended event.
type EventAccepted struct {
	Index int64 `json:"index"`
}

// Entry is one immutable audit-log record as stored and served.
//
// The Merkle leaf of an entry commits to its header fields and to
// PayloadSHA256, a salted digest of the canonical payload; it does not commit
// to the payload bytes. That is what lets a payload be erased (retention,
// right to erasure) while every proof still verifies.
type Entry struct {
	Index         int64  `json:"index"`
	Time          string `json:"time"`
	Type          string `json:"type"`
	Agent         string `json:"agent"`
	Session       string `json:"session"`
	Action        string `json:"action"`
	Decision      string `json:"decision"`
	Reason        string `json:"reason"`
	Rule          string `json:"rule"`
	PolicyVersion string `json:"policy_version"`
	// Source is the principal that wrote the entry ("agentgov" for the log
	// itself, "token:<name>" for an API caller), set by agentgov, never by
	// the caller.
	Source string `json:"source"`
	// Ref is the index of an earlier entry this one refers to (an escalation
	// resolved, a payload erased), or nil.
	Ref *int64 `json:"ref"`
	// PayloadSHA256 is hex SHA-256(salt ‖ canonical payload).
	PayloadSHA256 string `json:"payload_sha256"`
	// Payload is the canonical JSON payload; absent once erased.
	Payload json.RawMessage `json:"payload,omitempty"`
	// PayloadSalt is the standard-base64 salt; absent once erased.
	PayloadSalt string `json:"payload_salt,omitempty"`
	// Erased is true when the payload has been erased by an erasure entry.
	Erased bool `json:"erased,omitempty"`
}

// EntryPage is one page of a query (GET /v1/audit/entries).
type EntryPage struct {
	Entries    []Entry `json:"entries"`
	NextCursor *string `json:"next_cursor"`
}

// InclusionProof proves that the leaf at Index is in the tree of TreeSize
// leaves (RFC 9162 §2.1.3). Hashes are standard base64, bottom-up, as in
// C2SP tlog proofs.
type InclusionProof struct {
	Index    int64    `json:"index"`
	TreeSize int64    `json:"tree_size"`
	LeafHash string   `json:"leaf_hash"`
	Hashes   []string `json:"hashes"`
}

// ConsistencyProof proves that the tree of size From is a prefix of the tree
// of size To (RFC 9162 §2.1.4).
type ConsistencyProof struct {
	From   int64    `json:"from"`
	To     int64    `json:"to"`
	Hashes []string `json:"hashes"`
}

// Problem is an RFC 9457 problem details body (application/problem+json).
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`
	// Field names the request field at fault, as a JSON Pointer or dotted
	// name, when the problem is with one field.
	Field string `json:"field,omitempty"`
}

// ExportRecord is one line of an exported log (agentgov audit export): an
// entry with everything needed to verify it alone, given the log's public
// key: its leaf data, its inclusion proof and the checkpoint that proof
// leads to.
type ExportRecord struct {
	Entry Entry `json:"entry"`
	// Leaf is the standard-base64 leaf data whose RFC 9162 leaf hash is
	// Proof.LeafHash.
	Leaf       string         `json:"leaf"`
	Proof      InclusionProof `json:"proof"`
	Checkpoint string         `json:"checkpoint"`
}

// Checkpoint is the content of a signed checkpoint once its signature has
// been checked: the log's origin, its size and its RFC 9162 root hash
// (standard base64).
type Checkpoint struct {
	Origin   string `json:"origin"`
	TreeSize int64  `json:"tree_size"`
	RootHash string `json:"root_hash"`
}
