package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"
)

// Resolver gives the current public key of an agent: from the registry
// (through the server, see ServerResolver) or from a did:key the caller
// already trusts (see StaticResolver).
type Resolver interface {
	Resolve(ctx context.Context, agent string) (ed25519.PublicKey, error)
}

// ResolverFunc adapts a function to Resolver.
type ResolverFunc func(ctx context.Context, agent string) (ed25519.PublicKey, error)

// Resolve implements Resolver.
func (f ResolverFunc) Resolve(ctx context.Context, agent string) (ed25519.PublicKey, error) {
	return f(ctx, agent)
}

// StaticResolver resolves agents to pinned did:key identifiers.
func StaticResolver(dids map[string]string) Resolver {
	return ResolverFunc(func(_ context.Context, agent string) (ed25519.PublicKey, error) {
		did, ok := dids[agent]
		if !ok {
			return nil, fmt.Errorf("identity: no did pinned for agent %q", agent)
		}
		return PublicKeyFromDID(did)
	})
}

// PeerHello opens a mutual handshake: the initiator's challenge.
type PeerHello struct {
	ChallengeID string    `json:"challenge_id"`
	From        string    `json:"from"`
	To          string    `json:"to"`
	Nonce       string    `json:"nonce"`
	Audience    string    `json:"audience"`
	Expires     time.Time `json:"expires"`
}

// PeerReply is the responder's proof and its own challenge.
type PeerReply struct {
	ChallengeID string `json:"challenge_id"`
	Nonce       string `json:"nonce"`
	Signature   string `json:"signature"`
}

// PeerConfirm is the initiator's proof.
type PeerConfirm struct {
	ChallengeID string `json:"challenge_id"`
	Signature   string `json:"signature"`
}

// ErrPeerHandshake reports a failed mutual handshake.
var ErrPeerHandshake = errors.New("identity: peer handshake failed")

// Handshaker authenticates two agentgov-governed agents to each other. Each
// side has one. The initiator calls Hello, the responder Reply, the
// initiator Finish (which proves the responder and returns the initiator's
// proof), and the responder Confirm. Every challenge is single-use and
// short-lived; the outstanding tables are bounded.
type Handshaker struct {
	Self     AgentKey
	Peers    Resolver
	Audience string
	TTL      time.Duration
	// MaxOutstanding bounds open handshakes on each side (default 1024).
	MaxOutstanding int
	Now            func() time.Time
	Rand           io.Reader

	mu      sync.Mutex
	pending map[string]*peerPending // as initiator, by challenge id
	replied map[string]*peerPending // as responder, by challenge id
}

type peerPending struct {
	peer           string
	nonceA, nonceB []byte
	audience       string
	expires        time.Time
}

func (h *Handshaker) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handshaker) random(n int) ([]byte, error) {
	r := h.Rand
	if r == nil {
		r = rand.Reader
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return b, nil
}

func (h *Handshaker) limits() (time.Duration, int) {
	ttl, max := h.TTL, h.MaxOutstanding
	if ttl <= 0 {
		ttl = 30 * time.Second
	}
	if max <= 0 {
		max = 1024
	}
	return ttl, max
}

// put stores p under id in m, evicting expired entries when full.
func (h *Handshaker) put(m *map[string]*peerPending, id string, p *peerPending, now time.Time) error {
	_, max := h.limits()
	h.mu.Lock()
	defer h.mu.Unlock()
	if *m == nil {
		*m = map[string]*peerPending{}
	}
	if len(*m) >= max {
		for k, v := range *m {
			if !now.Before(v.expires) {
				delete(*m, k)
			}
		}
	}
	if len(*m) >= max {
		return ErrBusy
	}
	(*m)[id] = p
	return nil
}

func (h *Handshaker) take(m map[string]*peerPending, id string) (*peerPending, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := m[id]
	delete(m, id)
	return p, ok
}

func peerStatement(label, id string, nonceA, nonceB []byte, from, to, audience string) []byte {
	return statement(label, []byte(id), nonceA, nonceB, []byte(from), []byte(to), []byte(audience))
}

// Hello starts a handshake with peer.
func (h *Handshaker) Hello(peer string) (PeerHello, error) {
	if err := ValidAgentID(peer); err != nil {
		return PeerHello{}, &FieldError{Field: "to", Problem: err.Error()}
	}
	nonce, err := h.random(NonceSize)
	if err != nil {
		return PeerHello{}, err
	}
	idRaw, err := h.random(16)
	if err != nil {
		return PeerHello{}, err
	}
	ttl, _ := h.limits()
	now := h.now()
	hello := PeerHello{ChallengeID: "pch_" + b64(idRaw), From: h.Self.Agent, To: peer, Nonce: b64(nonce), Audience: h.Audience, Expires: now.Add(ttl).UTC()}
	if err := h.put(&h.pending, hello.ChallengeID, &peerPending{peer: peer, nonceA: nonce, audience: h.Audience, expires: now.Add(ttl)}, now); err != nil {
		return PeerHello{}, err
	}
	return hello, nil
}

// Reply answers a Hello addressed to this agent: it signs the initiator's
// nonce together with its own, which the initiator must sign back.
func (h *Handshaker) Reply(ctx context.Context, hello PeerHello) (PeerReply, error) {
	if hello.To != h.Self.Agent || hello.Audience != h.Audience || ValidAgentID(hello.From) != nil {
		return PeerReply{}, ErrPeerHandshake
	}
	now := h.now()
	ttl, _ := h.limits()
	if !now.Before(hello.Expires) || hello.Expires.After(now.Add(ttl+time.Minute)) {
		return PeerReply{}, ErrPeerHandshake
	}
	nonceA, err := decodeB64("nonce", hello.Nonce, NonceSize)
	if err != nil || hello.ChallengeID == "" || len(hello.ChallengeID) > 64 {
		return PeerReply{}, ErrPeerHandshake
	}
	nonceB, err := h.random(NonceSize)
	if err != nil {
		return PeerReply{}, err
	}
	h.mu.Lock()
	_, dup := h.replied[hello.ChallengeID]
	h.mu.Unlock()
	if dup {
		return PeerReply{}, ErrPeerHandshake
	}
	if err := h.put(&h.replied, hello.ChallengeID, &peerPending{peer: hello.From, nonceA: nonceA, nonceB: nonceB, audience: hello.Audience, expires: now.Add(ttl)}, now); err != nil {
		return PeerReply{}, err
	}
	sig := ed25519.Sign(h.Self.Key, peerStatement(labelPeerReply, hello.ChallengeID, nonceA, nonceB, hello.From, h.Self.Agent, hello.Audience))
	return PeerReply{ChallengeID: hello.ChallengeID, Nonce: b64(nonceB), Signature: b64(sig)}, nil
}

// Finish verifies the responder's reply against its resolved key and
// returns the initiator's confirmation. On success the peer is
// authenticated to this side.
func (h *Handshaker) Finish(ctx context.Context, reply PeerReply) (PeerConfirm, error) {
	h.mu.Lock()
	pending := h.pending
	h.mu.Unlock()
	p, ok := h.take(pending, reply.ChallengeID)
	if !ok || !h.now().Before(p.expires) {
		return PeerConfirm{}, ErrPeerHandshake
	}
	nonceB, err := decodeB64("nonce", reply.Nonce, NonceSize)
	if err != nil {
		return PeerConfirm{}, ErrPeerHandshake
	}
	sig, err := decodeB64("signature", reply.Signature, ed25519.SignatureSize)
	if err != nil {
		return PeerConfirm{}, ErrPeerHandshake
	}
	pub, err := h.Peers.Resolve(ctx, p.peer)
	if err != nil {
		return PeerConfirm{}, fmt.Errorf("%w: resolving %q: %w", ErrPeerHandshake, p.peer, err)
	}
	if !ed25519.Verify(pub, peerStatement(labelPeerReply, reply.ChallengeID, p.nonceA, nonceB, h.Self.Agent, p.peer, p.audience), sig) {
		return PeerConfirm{}, ErrPeerHandshake
	}
	mine := ed25519.Sign(h.Self.Key, peerStatement(labelPeerConfirm, reply.ChallengeID, p.nonceA, nonceB, h.Self.Agent, p.peer, p.audience))
	return PeerConfirm{ChallengeID: reply.ChallengeID, Signature: b64(mine)}, nil
}

// Confirm verifies the initiator's confirmation and returns the id of the
// now-authenticated initiator.
func (h *Handshaker) Confirm(ctx context.Context, c PeerConfirm) (string, error) {
	h.mu.Lock()
	replied := h.replied
	h.mu.Unlock()
	p, ok := h.take(replied, c.ChallengeID)
	if !ok || !h.now().Before(p.expires) {
		return "", ErrPeerHandshake
	}
	sig, err := decodeB64("signature", c.Signature, ed25519.SignatureSize)
	if err != nil {
		return "", ErrPeerHandshake
	}
	pub, err := h.Peers.Resolve(ctx, p.peer)
	if err != nil {
		return "", fmt.Errorf("%w: resolving %q: %w", ErrPeerHandshake, p.peer, err)
	}
	if !ed25519.Verify(pub, peerStatement(labelPeerConfirm, c.ChallengeID, p.nonceA, p.nonceB, p.peer, h.Self.Agent, p.audience), sig) {
		return "", ErrPeerHandshake
	}
	return p.peer, nil
}

// AgentLookup fetches a registered agent (client.Client.Agent does, over
// the API with the caller's session or operator token).
type AgentLookup func(ctx context.Context, id string) (Agent, error)

// RegistryResolver resolves a peer through the agentgov registry: its
// current did:key, and only while its status is usable (default: only
// DefaultInitialStatus).
func RegistryResolver(lookup AgentLookup, usable func(status string) bool) Resolver {
	if usable == nil {
		usable = func(s string) bool { return s == DefaultInitialStatus }
	}
	return ResolverFunc(func(ctx context.Context, id string) (ed25519.PublicKey, error) {
		a, err := lookup(ctx, id)
		if err != nil {
			return nil, err
		}
		if !usable(a.Status) {
			return nil, fmt.Errorf("identity: agent %q has status %q", id, a.Status)
		}
		if a.DID == "" {
			return nil, fmt.Errorf("identity: agent %q has no key", id)
		}
		return PublicKeyFromDID(a.DID)
	})
}
