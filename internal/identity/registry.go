// Package identity gives every governed agent a cryptographic identity: an
// Ed25519 key pair named by a did:key, enrolled in a registry in the
// agentgov store (one record per agent, with the history of its keys and
// its lifecycle status), and proven over the network by a challenge-response
// handshake that ends in a session token bound to the proven key.
package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// AuditLog is what the registry needs of the audit log.
type AuditLog interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Audit entry vocabulary of the registry.
const (
	EventType          = "identity"
	ActionRegister     = "agent_register"
	ActionRotate       = "agent_key_rotate"
	ActionStatusChange = "agent_status_change"
)

// DefaultInitialStatus is the status of a newly registered agent unless
// RegistryOptions says otherwise.
const DefaultInitialStatus = "active"

// ErrUnknownAgent reports an agent id the configuration does not define.
var ErrUnknownAgent = errors.New("identity: agent is not defined in the configuration")

// ErrAlreadyRegistered reports a Register for an agent that has a key.
var ErrAlreadyRegistered = errors.New("identity: agent already has a key; rotate it instead")

// Agent is the registry's view of one agent (the API's shape).
type Agent = api.Agent

// AgentPub is one public key of an agent with its validity window.
type AgentPub = api.AgentKey

// Fingerprint is the hex SHA-256 of a public key.
func Fingerprint(pub ed25519.PublicKey) string {
	d := sha256.Sum256(pub)
	return hex.EncodeToString(d[:])
}

// RegistryOptions configure NewRegistry.
type RegistryOptions struct {
	// Known reports whether the configuration defines an agent; nil
	// accepts every syntactically valid id.
	Known func(id string) bool
	// InitialStatus of a registered agent (default DefaultInitialStatus).
	InitialStatus string
	Now           func() time.Time
}

// Registry is the agent registry. Every change it makes is an audit entry,
// written after the store accepted the change: an entry never records a
// change that did not happen.
type Registry struct {
	st      store.Agents
	log     AuditLog
	known   func(string) bool
	initial string
	now     func() time.Time

	mu        sync.Mutex
	listeners []func(id string)
}

// OnChange registers fn to be called after every key rotation and status
// change of an agent (the handshake ends the agent's sessions then).
func (r *Registry) OnChange(fn func(id string)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.listeners = append(r.listeners, fn)
}

func (r *Registry) changed(id string) {
	r.mu.Lock()
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	for _, fn := range ls {
		fn(id)
	}
}

// NewRegistry returns a registry over st, recording into log.
func NewRegistry(st store.Agents, log AuditLog, o RegistryOptions) *Registry {
	r := &Registry{st: st, log: log, known: o.Known, initial: o.InitialStatus, now: o.Now}
	if r.initial == "" {
		r.initial = DefaultInitialStatus
	}
	if r.now == nil {
		r.now = time.Now
	}
	return r
}

type sourceKey struct{}

// WithSource names, for the audit entries of registry changes made under
// ctx, the principal that asked for them ("agentgov" when unset).
func WithSource(ctx context.Context, source string) context.Context {
	return context.WithValue(ctx, sourceKey{}, source)
}

func sourceOf(ctx context.Context) string {
	if s, ok := ctx.Value(sourceKey{}).(string); ok && s != "" {
		return s
	}
	return "agentgov"
}

func (r *Registry) checkID(id string) error {
	if err := ValidAgentID(id); err != nil {
		return &FieldError{Field: "agent", Problem: err.Error()}
	}
	if r.known != nil && !r.known(id) {
		return fmt.Errorf("%w: %q", ErrUnknownAgent, id)
	}
	return nil
}

// FieldError is bad input, naming the field.
type FieldError struct{ Field, Problem string }

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func checkPub(pub ed25519.PublicKey) error {
	if len(pub) != ed25519.PublicKeySize {
		return &FieldError{Field: "public_key", Problem: fmt.Sprintf("is %d bytes; an Ed25519 public key is %d", len(pub), ed25519.PublicKeySize)}
	}
	return nil
}

func storeKey(pub ed25519.PublicKey) store.AgentKey {
	return store.AgentKey{Fingerprint: Fingerprint(pub), PublicKey: append([]byte(nil), pub...), DID: DIDFromPublicKey(pub)}
}

// Register enrols agent id with its public key. A record that exists
// without a key (the lifecycle created it) receives the key; a record that
// has one is ErrAlreadyRegistered.
func (r *Registry) Register(ctx context.Context, id string, pub ed25519.PublicKey) (Agent, error) {
	if err := r.checkID(id); err != nil {
		return Agent{}, err
	}
	if err := checkPub(pub); err != nil {
		return Agent{}, err
	}
	now := r.now().UTC()
	k := storeKey(pub)
	k.ValidFrom = now
	rec := store.AgentRecord{ID: id, DID: k.DID, Keys: []store.AgentKey{k}, Status: r.initial, Created: now, Updated: now}
	err := r.st.CreateAgent(ctx, rec)
	if errors.Is(err, store.ErrConflict) {
		cur, gerr := r.st.GetAgent(ctx, id)
		switch {
		case gerr != nil:
			// The conflict was the key, not the id.
			return Agent{}, fmt.Errorf("identity: this key is already enrolled: %w", err)
		case len(cur.Keys) > 0:
			return Agent{}, fmt.Errorf("%w: %q", ErrAlreadyRegistered, id)
		}
		err = r.st.AddAgentKey(ctx, id, k, now)
	}
	if err != nil {
		return Agent{}, err
	}
	if err := r.record(ctx, id, ActionRegister, map[string]any{"did": k.DID, "fingerprint": k.Fingerprint}); err != nil {
		return Agent{}, err
	}
	return r.Get(ctx, id)
}

// RotateKey makes newPub the agent's key. The old key stays in the record
// with the end of its validity window, so what it signed stays verifiable.
func (r *Registry) RotateKey(ctx context.Context, id string, newPub ed25519.PublicKey) (Agent, error) {
	if err := ValidAgentID(id); err != nil {
		return Agent{}, &FieldError{Field: "agent", Problem: err.Error()}
	}
	if err := checkPub(newPub); err != nil {
		return Agent{}, err
	}
	cur, err := r.st.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	old, _ := cur.CurrentKey()
	k := storeKey(newPub)
	if err := r.st.AddAgentKey(ctx, id, k, r.now().UTC()); err != nil {
		return Agent{}, err
	}
	r.changed(id)
	if err := r.record(ctx, id, ActionRotate, map[string]any{"did": k.DID, "fingerprint": k.Fingerprint,
		"previous_did": old.DID, "previous_fingerprint": old.Fingerprint}); err != nil {
		return Agent{}, err
	}
	return r.Get(ctx, id)
}

// SetAgentStatus moves agent id from status `from` to `to`, failing with
// store.ErrConflict if its status is not `from`. An agent without a record
// gets one (without a key) when from is "", so that the lifecycle can
// govern agents that never registered a key.
func (r *Registry) SetAgentStatus(ctx context.Context, id, from, to string) error {
	if err := r.MoveAgentStatus(ctx, id, from, to); err != nil {
		return err
	}
	return r.record(ctx, id, ActionStatusChange, map[string]any{"from": from, "to": to})
}

// MoveAgentStatus is SetAgentStatus without its audit entry, for a caller
// that records the change itself, with more to say about it (the
// lifecycle: who moved the agent, and why), so that one change is one
// entry.
func (r *Registry) MoveAgentStatus(ctx context.Context, id, from, to string) error {
	if err := ValidAgentID(id); err != nil {
		return &FieldError{Field: "agent", Problem: err.Error()}
	}
	if to == "" {
		return &FieldError{Field: "status", Problem: "must not be empty"}
	}
	now := r.now().UTC()
	err := r.st.UpdateAgentStatus(ctx, id, from, to, now)
	if errors.Is(err, store.ErrNotFound) && from == "" {
		err = r.st.CreateAgent(ctx, store.AgentRecord{ID: id, Status: to, Created: now, Updated: now})
	}
	if err != nil {
		return err
	}
	r.changed(id)
	return nil
}

// Get returns one agent, or an error wrapping store.ErrNotFound.
func (r *Registry) Get(ctx context.Context, id string) (Agent, error) {
	rec, err := r.st.GetAgent(ctx, id)
	if err != nil {
		return Agent{}, err
	}
	return toAgent(rec), nil
}

// List returns every registered agent, ordered by id.
func (r *Registry) List(ctx context.Context) ([]Agent, error) {
	recs, err := r.st.ListAgents(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Agent, len(recs))
	for i, rec := range recs {
		out[i] = toAgent(rec)
	}
	return out, nil
}

// CurrentKey returns the key agent id proves itself with now.
func (r *Registry) CurrentKey(ctx context.Context, id string) (ed25519.PublicKey, error) {
	rec, err := r.st.GetAgent(ctx, id)
	if err != nil {
		return nil, err
	}
	k, ok := rec.CurrentKey()
	if !ok {
		return nil, fmt.Errorf("identity: agent %q has no key", id)
	}
	return ed25519.PublicKey(k.PublicKey), nil
}

// KeyAt returns the key that was agent id's at time t: a signature made at
// t verifies against it even after rotation.
func (r *Registry) KeyAt(ctx context.Context, id string, t time.Time) (ed25519.PublicKey, error) {
	rec, err := r.st.GetAgent(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, k := range rec.Keys {
		if !t.Before(k.ValidFrom) && (k.ValidUntil.IsZero() || t.Before(k.ValidUntil)) {
			return ed25519.PublicKey(k.PublicKey), nil
		}
	}
	return nil, fmt.Errorf("identity: agent %q held no key at %s", id, t.UTC().Format(time.RFC3339))
}

func toAgent(rec store.AgentRecord) Agent {
	a := Agent{ID: rec.ID, DID: rec.DID, Status: rec.Status, Created: rec.Created, Updated: rec.Updated, Keys: make([]AgentPub, len(rec.Keys))}
	for i, k := range rec.Keys {
		p := AgentPub{DID: k.DID, Fingerprint: k.Fingerprint, ValidFrom: k.ValidFrom}
		if !k.ValidUntil.IsZero() {
			u := k.ValidUntil
			p.ValidUntil = &u
		}
		a.Keys[i] = p
	}
	return a
}

func (r *Registry) record(ctx context.Context, id, action string, payload map[string]any) error {
	if r.log == nil {
		return nil
	}
	b, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	if _, err := r.log.Append(ctx, &api.Event{Type: EventType, Agent: id, Action: action, Decision: "recorded", Payload: b}, sourceOf(ctx)); err != nil {
		return fmt.Errorf("identity: recording %s for %q: %w", action, id, err)
	}
	return nil
}
