// Package audit is agentgov's audit log: immutable entries for every
// governance event, appended through one sequencer with group commit, kept in
// an RFC 9162 Merkle tree (package translog) with signed checkpoints, and
// verifiable offline by anyone holding the log's public key.
//
// An entry's leaf commits to its header and to a salted digest of its
// payload, never to the payload bytes, so a payload can be erased without
// breaking a single proof. Erasure is itself an entry, which is how
// verification tells an erased payload from a deleted one.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// TypePayloadErased is the type of the entry that records an erasure. Only
// the log itself writes it; callers cannot submit it.
const TypePayloadErased = "payload_erased"

// SourceAgentgov is the source of entries agentgov writes on its own behalf.
const SourceAgentgov = "agentgov"

// LeafVersion is the version of the leaf encoding, committed in every leaf
// so that a future encoding can never be confused with this one.
const LeafVersion = 1

// SaltSize is the size of the per-entry payload salt. The salt is what keeps
// an erased payload from being recovered by guessing candidates against its
// digest, so it must be secret and random.
const SaltSize = 32

// MaxRef is the largest index a ref can name: RFC 8785 writes numbers as
// IEEE-754 doubles, which are exact integers only up to 2^53, and two refs
// must never share one leaf.
const MaxRef = 1<<53 - 1

// Field limits, in bytes. They bound memory per entry and keep leaves small.
const (
	maxTypeLen   = 128
	maxIDLen     = 256
	maxTextLen   = 4096
	maxSourceLen = 256
)

// FieldError reports one invalid field of a submitted event.
type FieldError struct {
	Field   string
	Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

// ErrNotFound reports an entry, checkpoint or proof target that does not exist.
var ErrNotFound = errors.New("audit: not found")

// Header is the part of an entry that its Merkle leaf commits to.
type Header struct {
	Time          string
	Type          string
	Agent         string
	Session       string
	Action        string
	Decision      string
	Reason        string
	Rule          string
	PolicyVersion string
	Source        string
	Ref           int64 // -1 when the entry refers to no earlier entry
	PayloadSHA256 [32]byte
}

// keys are the header fields queries filter on.
func (h *Header) keys() store.AuditKeys {
	return store.AuditKeys{Type: h.Type, Agent: h.Agent, Session: h.Session, Decision: h.Decision}
}

// AppendLeaf appends the leaf data of an entry header to dst: the RFC 8785
// canonical JSON of an object with exactly the keys action, agent, decision,
// payload_sha256 (hex), policy_version, reason, ref (integer or null), rule,
// session, source, time, type and v. The leaf deliberately omits the index:
// the position in the tree already binds it.
func AppendLeaf(dst []byte, h *Header) []byte {
	return appendLeafSuffix(canonical.AppendString(appendLeafPrefix(dst, h), h.Time), h)
}

// appendLeafPrefix appends the leaf up to the time value. Everything in it
// is known before the entry's time, so it is hashed while the payload is
// prepared; the suffix follows once the time is read.
func appendLeafPrefix(dst []byte, h *Header) []byte {
	dst = append(dst, `{"action":`...)
	dst = canonical.AppendString(dst, h.Action)
	dst = append(dst, `,"agent":`...)
	dst = canonical.AppendString(dst, h.Agent)
	dst = append(dst, `,"decision":`...)
	dst = canonical.AppendString(dst, h.Decision)
	dst = append(dst, `,"payload_sha256":"`...)
	dst = hex.AppendEncode(dst, h.PayloadSHA256[:])
	dst = append(dst, `","policy_version":`...)
	dst = canonical.AppendString(dst, h.PolicyVersion)
	dst = append(dst, `,"reason":`...)
	dst = canonical.AppendString(dst, h.Reason)
	dst = append(dst, `,"ref":`...)
	if h.Ref < 0 {
		dst = append(dst, "null"...)
	} else {
		dst = canonical.AppendInt(dst, h.Ref)
	}
	dst = append(dst, `,"rule":`...)
	dst = canonical.AppendString(dst, h.Rule)
	dst = append(dst, `,"session":`...)
	dst = canonical.AppendString(dst, h.Session)
	dst = append(dst, `,"source":`...)
	dst = canonical.AppendString(dst, h.Source)
	return append(dst, `,"time":`...)
}

// appendLeafSuffix appends the rest of the leaf after appendLeafPrefix and
// the time value.
func appendLeafSuffix(dst []byte, h *Header) []byte {
	dst = append(dst, `,"type":`...)
	dst = canonical.AppendString(dst, h.Type)
	dst = append(dst, `,"v":`...)
	dst = canonical.AppendInt(dst, LeafVersion)
	return append(dst, '}')
}

// PayloadDigest is SHA-256(salt ‖ canonical payload).
func PayloadDigest(salt, payload []byte) [32]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write(payload)
	var d [32]byte
	h.Sum(d[:0])
	return d
}

// ErrCorrupt reports a stored entry that cannot be read back; verification
// tells what happened to it.
var ErrCorrupt = errors.New("audit: stored entry is corrupt; run agentgov audit verify")

// ToEntry converts a stored record to its wire form. Every field comes from
// the committed leaf, never from anything derived from it.
func ToEntry(r *store.AuditRecord) (api.Entry, error) {
	h, err := parseLeaf(r.Leaf)
	if err != nil {
		return api.Entry{}, fmt.Errorf("%w: entry %d: %v", ErrCorrupt, r.Index, err)
	}
	e := api.Entry{
		Index:         r.Index,
		Time:          h.Time,
		Type:          h.Type,
		Agent:         h.Agent,
		Session:       h.Session,
		Action:        h.Action,
		Decision:      h.Decision,
		Reason:        h.Reason,
		Rule:          h.Rule,
		PolicyVersion: h.PolicyVersion,
		Source:        h.Source,
		PayloadSHA256: hex.EncodeToString(h.PayloadSHA256[:]),
		Erased:        r.ErasedBy >= 0,
	}
	if h.Ref >= 0 {
		ref := h.Ref
		e.Ref = &ref
	}
	if r.Payload != nil && r.Salt != nil {
		e.Payload = r.Payload
		e.PayloadSalt = base64.StdEncoding.EncodeToString(r.Salt)
	}
	return e, nil
}

// leafJSON mirrors the leaf object for strict decoding.
type leafJSON struct {
	Action        string `json:"action"`
	Agent         string `json:"agent"`
	Decision      string `json:"decision"`
	PayloadSHA256 string `json:"payload_sha256"`
	PolicyVersion string `json:"policy_version"`
	Reason        string `json:"reason"`
	Ref           *int64 `json:"ref"`
	Rule          string `json:"rule"`
	Session       string `json:"session"`
	Source        string `json:"source"`
	Time          string `json:"time"`
	Type          string `json:"type"`
	V             int    `json:"v"`
}

// parseLeaf decodes leaf data and insists that it is exactly the canonical
// encoding of what it decodes to, so that no two byte strings can stand for
// one header.
func parseLeaf(leaf []byte) (Header, error) {
	var l leafJSON
	dec := json.NewDecoder(bytes.NewReader(leaf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return Header{}, fmt.Errorf("leaf: %w", err)
	}
	if l.V != LeafVersion {
		return Header{}, fmt.Errorf("leaf: version %d, want %d", l.V, LeafVersion)
	}
	h := Header{Time: l.Time, Type: l.Type, Agent: l.Agent, Session: l.Session, Action: l.Action, Decision: l.Decision,
		Reason: l.Reason, Rule: l.Rule, PolicyVersion: l.PolicyVersion, Source: l.Source, Ref: -1}
	if l.Ref != nil {
		h.Ref = *l.Ref
	}
	d, err := hex.DecodeString(l.PayloadSHA256)
	if err != nil || len(d) != len(h.PayloadSHA256) {
		return Header{}, errors.New("leaf: payload_sha256 is not 64 hex digits")
	}
	copy(h.PayloadSHA256[:], d)
	if h.Ref < -1 || h.Ref > MaxRef {
		return Header{}, errors.New("leaf: ref out of range")
	}
	if !bytes.Equal(AppendLeaf(make([]byte, 0, len(leaf)), &h), leaf) {
		return Header{}, errors.New("leaf: not in canonical form")
	}
	return h, nil
}

// leafValue returns the raw JSON value of a top-level member of canonical
// leaf data without decoding the rest. It relies on RFC 8785 string
// escaping: a '"' inside a string value is always written \", so the byte
// sequence ,"name": (or {"name": at the start) can only be the member
// itself.
func leafValue(leaf []byte, name string) ([]byte, bool) {
	var pat [64]byte
	p := append(append(append(pat[:0], `,"`...), name...), `":`...)
	i := bytes.Index(leaf, p)
	if i < 0 {
		// The first member follows the opening brace instead of a comma.
		p[0] = '{'
		if !bytes.HasPrefix(leaf, p) {
			return nil, false
		}
		i = 0
	}
	v := leaf[i+len(p):]
	if len(v) > 0 && v[0] == '"' {
		for j := 1; j < len(v); j++ {
			switch v[j] {
			case '\\':
				j++
			case '"':
				return v[:j+1], true
			}
		}
		return nil, false
	}
	end := bytes.IndexAny(v, ",}")
	if end < 0 {
		return nil, false
	}
	return v[:end], true
}

// leafString returns a string member of leaf data that needs no unescaping
// (times, hex digests, types), or false.
func leafString(leaf []byte, name string) (string, bool) {
	v, ok := leafValue(leaf, name)
	if !ok || len(v) < 2 || v[0] != '"' || bytes.IndexByte(v, '\\') >= 0 {
		return "", false
	}
	return string(v[1 : len(v)-1]), true
}

// HeaderOf recovers the committed header of a wire entry, so that a verifier
// holding only an exported or fetched entry can recompute its leaf. It
// checks the payload against the digest when the entry carries one.
func HeaderOf(e *api.Entry) (Header, error) {
	h := Header{
		Time: e.Time, Type: e.Type, Agent: e.Agent, Session: e.Session, Action: e.Action,
		Decision: e.Decision, Reason: e.Reason, Rule: e.Rule, PolicyVersion: e.PolicyVersion,
		Source: e.Source, Ref: -1,
	}
	if e.Ref != nil {
		if *e.Ref < 0 || *e.Ref > MaxRef {
			return h, &FieldError{"ref", fmt.Sprintf("must be between 0 and %d", int64(MaxRef))}
		}
		h.Ref = *e.Ref
	}
	for _, f := range []struct{ name, v string }{
		{"time", h.Time}, {"type", h.Type}, {"agent", h.Agent}, {"session", h.Session}, {"action", h.Action},
		{"decision", h.Decision}, {"reason", h.Reason}, {"rule", h.Rule}, {"policy_version", h.PolicyVersion}, {"source", h.Source},
	} {
		if !utf8.ValidString(f.v) {
			return h, &FieldError{f.name, "is not valid UTF-8"}
		}
	}
	d, err := hex.DecodeString(e.PayloadSHA256)
	if err != nil || len(d) != len(h.PayloadSHA256) {
		return h, &FieldError{"payload_sha256", "must be 64 hex digits"}
	}
	copy(h.PayloadSHA256[:], d)
	if len(e.Payload) > 0 {
		salt, err := base64.StdEncoding.DecodeString(e.PayloadSalt)
		if err != nil || len(salt) != SaltSize {
			return h, &FieldError{"payload_salt", fmt.Sprintf("must be %d bytes in standard base64", SaltSize)}
		}
		body, err := canonical.Canonicalize(e.Payload)
		if err != nil {
			return h, &FieldError{"payload", err.Error()}
		}
		if PayloadDigest(salt, body) != h.PayloadSHA256 {
			return h, &FieldError{"payload", "does not match payload_sha256"}
		}
	}
	return h, nil
}

// LeafHash is the RFC 9162 leaf hash of an entry header.
func LeafHash(h *Header) [32]byte {
	var buf [512]byte
	return translog.LeafHash(AppendLeaf(buf[:0], h))
}
