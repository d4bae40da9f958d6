package delegation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Recorder appends audit entries (the audit log).
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// EntryType is the audit entry type of registrations and revocations.
const EntryType = "delegation"

// Registry is the server's side of delegation: registered tokens and
// revocations, persisted in the store and applied to the verifier.
type Registry struct {
	v      *Verifier
	st     store.Delegations
	rec    Recorder
	source string
	now    func() time.Time
}

// NewRegistry loads every persisted revocation into v.
func NewRegistry(ctx context.Context, v *Verifier, st store.Delegations, rec Recorder, source string, now func() time.Time) (*Registry, error) {
	if v == nil || st == nil || rec == nil {
		return nil, errors.New("delegation: a verifier, a store and a recorder are required")
	}
	if now == nil {
		now = time.Now
	}
	err := st.ScanRevocations(ctx, func(r store.DelegationRevocation) error {
		v.Revoke(r.Digest)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delegation: loading revocations: %w", err)
	}
	return &Registry{v: v, st: st, rec: rec, source: source, now: now}, nil
}

// Verifier is the registry's verifier.
func (r *Registry) Verifier() *Verifier { return r.v }

// Register verifies one token on its own (signature, parties in the
// registry, not expired, not revoked), stores it and records its issue.
// Registering the same token again records nothing. by is who registered
// it (the audit source of the caller).
func (r *Registry) Register(ctx context.Context, raw, by string) (*Token, bool, error) {
	t, err := r.v.VerifyOne(ctx, raw)
	if err != nil {
		return nil, false, err
	}
	if !r.now().Before(t.Expiry()) {
		return nil, false, chainErr(CodeExpired, 0, "expired at %s", t.Expiry().Format(time.RFC3339))
	}
	if r.v.Revoked(t.Digest) {
		return nil, false, chainErr(CodeRevoked, 0, "revoked")
	}
	if _, err := r.st.GetDelegation(ctx, t.Digest); err == nil {
		return t, false, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return nil, false, err
	}
	if err := r.st.PutDelegation(ctx, store.DelegationRecord{Digest: t.Digest, ID: t.ID, From: t.From.Agent, To: t.To.Agent,
		Token: []byte(raw), Expires: t.Expiry(), Created: r.now()}); err != nil {
		return nil, false, err
	}
	payload, err := json.Marshal(map[string]any{"digest": t.Digest, "id": t.ID, "from": t.From, "to": t.To, "tools": t.Tools,
		"resources": t.Resources, "points": t.Points, "expires": t.Expiry().Format(time.RFC3339), "max_depth": t.MaxDepth,
		"parent": t.Parent, "registered_by": by})
	if err != nil {
		return nil, false, err
	}
	if _, err := r.rec.Append(ctx, &api.Event{Type: EntryType, Agent: t.From.Agent, Action: "delegation_issue", Decision: "issued",
		Reason: "to:" + t.To.Agent, Payload: payload}, r.source); err != nil {
		return nil, false, fmt.Errorf("delegation: recording the issue: %w", err)
	}
	return t, true, nil
}

// Lookup returns a registered token.
func (r *Registry) Lookup(ctx context.Context, digest string) (store.DelegationRecord, error) {
	return r.st.GetDelegation(ctx, digest)
}

// ErrAlreadyRevoked reports a second revocation of one token.
var ErrAlreadyRevoked = errors.New("delegation: already revoked")

// Revoke revokes the token with this digest: at once in the verifier (so
// that no check after this call accepts a chain through it, cached or
// not), then in the store, then in the audit log. agent is the delegator
// when known ("" otherwise).
func (r *Registry) Revoke(ctx context.Context, digest, agent, by, reason string) error {
	r.v.Revoke(digest)
	err := r.st.RevokeDelegation(ctx, store.DelegationRevocation{Digest: digest, By: by, Reason: reason, Revoked: r.now()})
	if errors.Is(err, store.ErrConflict) {
		return ErrAlreadyRevoked
	}
	if err != nil {
		return fmt.Errorf("delegation: persisting the revocation: %w", err)
	}
	payload, err := json.Marshal(map[string]any{"digest": digest, "revoked_by": by, "reason": reason})
	if err != nil {
		return err
	}
	if agent == "" {
		agent = "agentgov"
	}
	if _, err := r.rec.Append(ctx, &api.Event{Type: EntryType, Agent: agent, Action: "delegation_revoke", Decision: "revoked",
		Reason: reason, Payload: payload}, r.source); err != nil {
		return fmt.Errorf("delegation: recording the revocation: %w", err)
	}
	return nil
}
