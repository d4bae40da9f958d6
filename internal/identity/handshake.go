package identity

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// NonceSize is the size of every handshake nonce.
const NonceSize = 32

// SessionTokenPrefix starts every session token, so that a token in the
// wrong place is recognisable (and secret scanners can find one).
const SessionTokenPrefix = "agses_"

// HandshakeConfig bounds and times the handshake.
type HandshakeConfig struct {
	// ChallengeTTL is how long a challenge may be answered (default 30s).
	ChallengeTTL time.Duration
	// SessionTTL is the life of a session token (default 15m).
	SessionTTL time.Duration
	// MaxOutstanding bounds unanswered challenges (default 10000).
	MaxOutstanding int
	// MaxSessions bounds live sessions (default 100000).
	MaxSessions int
	// Rate and Burst limit challenges and responses overall (default
	// 200/s, burst 400); PeerRate and PeerBurst limit them per remote
	// address and per agent (default 5/s, burst 10).
	Rate      float64
	Burst     int
	PeerRate  float64
	PeerBurst int
	// MaxPeers bounds the per-peer limiter table (default 10000).
	MaxPeers int
	// Audience names this server in what agents sign (the trust domain).
	Audience string
}

func (c *HandshakeConfig) defaults() {
	if c.ChallengeTTL <= 0 {
		c.ChallengeTTL = 30 * time.Second
	}
	if c.SessionTTL <= 0 {
		c.SessionTTL = 15 * time.Minute
	}
	if c.MaxOutstanding <= 0 {
		c.MaxOutstanding = 10000
	}
	if c.MaxSessions <= 0 {
		c.MaxSessions = 100000
	}
	if c.Rate <= 0 {
		c.Rate = 200
	}
	if c.Burst <= 0 {
		c.Burst = 400
	}
	if c.PeerRate <= 0 {
		c.PeerRate = 5
	}
	if c.PeerBurst <= 0 {
		c.PeerBurst = 10
	}
	if c.MaxPeers <= 0 {
		c.MaxPeers = 10000
	}
	if c.Audience == "" {
		c.Audience = "agentgov"
	}
}

// Errors of the handshake. The HTTP layer maps them to problems.
var (
	// ErrRateLimited: too many handshakes from this peer or overall.
	ErrRateLimited = errors.New("identity: too many handshake requests")
	// ErrBusy: the outstanding-challenge or session table is full.
	ErrBusy = errors.New("identity: too many outstanding handshakes")
	// ErrHandshake: the response does not prove the key (unknown, used or
	// expired challenge, wrong agent, bad signature). One error for all,
	// so that a prober learns nothing about which part failed.
	ErrHandshake = errors.New("identity: handshake failed")
)

// KeyResolver gives an agent's record: the did of the key it must prove
// and the status that decides whether it may authenticate (*Registry).
type KeyResolver interface {
	Get(ctx context.Context, id string) (Agent, error)
}

// ChallengeRequest is the body of POST /v1/identity/challenge.
type ChallengeRequest struct {
	Agent string `json:"agent"`
	// ClientNonce, if set (32 bytes, base64url), is signed by the server
	// so that the caller authenticates the server.
	ClientNonce string `json:"client_nonce,omitempty"`
}

// Challenge is the response to a ChallengeRequest.
type Challenge struct {
	ChallengeID string    `json:"challenge_id"`
	Nonce       string    `json:"nonce"`
	Agent       string    `json:"agent"`
	Expires     time.Time `json:"expires"`
	ServerDID   string    `json:"server_did"`
	Audience    string    `json:"audience"`
	// ServerSignature signs ServerProofStatement; present when the
	// request carried a client nonce.
	ServerSignature string `json:"server_signature,omitempty"`
}

// ResponseRequest is the body of POST /v1/identity/response.
type ResponseRequest struct {
	ChallengeID string `json:"challenge_id"`
	Agent       string `json:"agent"`
	// Signature (base64url) over AgentResponseStatement.
	Signature string `json:"signature"`
}

// SessionGrant is the response to a valid ResponseRequest.
type SessionGrant struct {
	Token       string    `json:"token"`
	Agent       string    `json:"agent"`
	DID         string    `json:"did"`
	Fingerprint string    `json:"fingerprint"`
	Expires     time.Time `json:"expires"`
}

// Session is what a session token proves.
type Session struct {
	Agent       string
	Fingerprint string
	Expires     time.Time
}

type challenge struct {
	nonce   []byte
	agent   string
	expires time.Time
}

type peerLimiter struct {
	lim  *rate.Limiter
	seen time.Time
}

// Authority is the server side of the handshake. It is safe for concurrent
// use; all its tables are bounded.
type Authority struct {
	cfg       HandshakeConfig
	keys      KeyResolver
	usable    func(status string) bool
	serverKey ed25519.PrivateKey
	serverDID string
	now       func() time.Time
	rand      io.Reader

	mu         sync.Mutex
	challenges map[string]*challenge
	sessions   map[[32]byte]*Session
	global     *rate.Limiter
	peers      map[string]*peerLimiter
	// epochs counts RevokeAgent calls per agent (only agents whose key or
	// status changed are in it), so that a session verified against a key
	// that was rotated out meanwhile is not opened.
	epochs map[string]uint64
	// Sweeps of a full table are O(size) under the lock; they run at most
	// once per sweepEvery per table, so a flood against a table full of
	// live entries costs a map lookup per request, not a scan.
	lastSweep [3]time.Time
}

// sweepEvery bounds how often a full table is scanned for expired entries.
const sweepEvery = time.Second

// Tables whose sweeps are rate-limited.
const (
	tablePeers = iota
	tableChallenges
	tableSessions
)

// maySweep reports whether table may be scanned now. Caller holds a.mu.
func (a *Authority) maySweep(table int, now time.Time) bool {
	if now.Sub(a.lastSweep[table]) < sweepEvery && !a.lastSweep[table].IsZero() {
		return false
	}
	a.lastSweep[table] = now
	return true
}

// AuthorityOptions configure NewAuthority.
type AuthorityOptions struct {
	Config HandshakeConfig
	Keys   KeyResolver
	// ServerKey signs the server's proofs; its did:key is published in
	// every challenge.
	ServerKey ed25519.PrivateKey
	// Usable reports whether an agent in a status may authenticate
	// (default: only DefaultInitialStatus).
	Usable func(status string) bool
	Now    func() time.Time
	Rand   io.Reader
}

// NewAuthority returns the server side of the handshake.
func NewAuthority(o AuthorityOptions) (*Authority, error) {
	if o.Keys == nil || len(o.ServerKey) != ed25519.PrivateKeySize {
		return nil, errors.New("identity: an authority needs a key resolver and an Ed25519 server key")
	}
	o.Config.defaults()
	a := &Authority{cfg: o.Config, keys: o.Keys, usable: o.Usable, serverKey: o.ServerKey,
		serverDID: DIDFromPublicKey(o.ServerKey.Public().(ed25519.PublicKey)), now: o.Now, rand: o.Rand,
		challenges: map[string]*challenge{}, sessions: map[[32]byte]*Session{}, peers: map[string]*peerLimiter{}, epochs: map[string]uint64{}}
	if a.usable == nil {
		a.usable = func(s string) bool { return s == DefaultInitialStatus }
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.rand == nil {
		a.rand = rand.Reader
	}
	a.global = rate.NewLimiter(rate.Limit(a.cfg.Rate), a.cfg.Burst)
	return a, nil
}

// ServerDID is the did:key of the server's handshake key.
func (a *Authority) ServerDID() string { return a.serverDID }

// Config returns the effective configuration.
func (a *Authority) Config() HandshakeConfig { return a.cfg }

// allow charges one request to the global limiter and to each peer key
// (the remote address, the agent). Caller holds a.mu.
func (a *Authority) allow(now time.Time, peers ...string) bool {
	for _, p := range peers {
		pl, ok := a.peers[p]
		if !ok {
			if len(a.peers) >= a.cfg.MaxPeers && a.maySweep(tablePeers, now) {
				a.sweepPeers(now)
			}
			if len(a.peers) >= a.cfg.MaxPeers {
				return false
			}
			pl = &peerLimiter{lim: rate.NewLimiter(rate.Limit(a.cfg.PeerRate), a.cfg.PeerBurst)}
			a.peers[p] = pl
		}
		pl.seen = now
		if !pl.lim.AllowN(now, 1) {
			return false
		}
	}
	return a.global.AllowN(now, 1)
}

// sweepPeers forgets limiters idle long enough to have refilled: dropping
// them loses nothing.
func (a *Authority) sweepPeers(now time.Time) {
	refill := time.Duration(float64(a.cfg.PeerBurst)/a.cfg.PeerRate*float64(time.Second)) + time.Second
	for k, pl := range a.peers {
		if now.Sub(pl.seen) > refill {
			delete(a.peers, k)
		}
	}
}

func (a *Authority) sweepChallenges(now time.Time) {
	for k, c := range a.challenges {
		if !now.Before(c.expires) {
			delete(a.challenges, k)
		}
	}
}

func (a *Authority) sweepSessions(now time.Time) {
	for k, s := range a.sessions {
		if !now.Before(s.Expires) {
			delete(a.sessions, k)
		}
	}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

// decodeB64 decodes base64url without padding, bounded to want bytes.
func decodeB64(field, s string, want int) ([]byte, error) {
	if len(s) > base64.RawURLEncoding.EncodedLen(want)+4 {
		return nil, &FieldError{Field: field, Problem: fmt.Sprintf("must be %d bytes in unpadded base64url", want)}
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil || len(b) != want {
		return nil, &FieldError{Field: field, Problem: fmt.Sprintf("must be %d bytes in unpadded base64url", want)}
	}
	return b, nil
}

// Challenge issues a challenge for req.Agent to the caller at remote.
func (a *Authority) Challenge(ctx context.Context, remote string, req ChallengeRequest) (Challenge, error) {
	if err := ValidAgentID(req.Agent); err != nil {
		return Challenge{}, &FieldError{Field: "agent", Problem: err.Error()}
	}
	var clientNonce []byte
	if req.ClientNonce != "" {
		var err error
		if clientNonce, err = decodeB64("client_nonce", req.ClientNonce, NonceSize); err != nil {
			return Challenge{}, err
		}
	}
	nonce := make([]byte, NonceSize)
	idRaw := make([]byte, 16)
	if _, err := io.ReadFull(a.rand, nonce); err != nil {
		return Challenge{}, fmt.Errorf("identity: %w", err)
	}
	if _, err := io.ReadFull(a.rand, idRaw); err != nil {
		return Challenge{}, fmt.Errorf("identity: %w", err)
	}
	id := "ch_" + b64(idRaw)
	now := a.now()
	c := &challenge{nonce: nonce, agent: req.Agent, expires: now.Add(a.cfg.ChallengeTTL)}
	a.mu.Lock()
	if !a.allow(now, "addr:"+remote, "agent:"+req.Agent) {
		a.mu.Unlock()
		return Challenge{}, ErrRateLimited
	}
	if len(a.challenges) >= a.cfg.MaxOutstanding && a.maySweep(tableChallenges, now) {
		a.sweepChallenges(now)
	}
	if len(a.challenges) >= a.cfg.MaxOutstanding {
		a.mu.Unlock()
		return Challenge{}, ErrBusy
	}
	a.challenges[id] = c
	a.mu.Unlock()

	out := Challenge{ChallengeID: id, Nonce: b64(nonce), Agent: req.Agent, Expires: c.expires.UTC(), ServerDID: a.serverDID, Audience: a.cfg.Audience}
	if clientNonce != nil {
		out.ServerSignature = b64(ed25519.Sign(a.serverKey, ServerProofStatement(id, clientNonce, nonce, req.Agent, a.serverDID, a.cfg.Audience)))
	}
	return out, nil
}

// Respond checks an answer and, if it proves the agent's current key,
// opens a session bound to that key. The challenge is consumed whatever
// the outcome: one challenge, one attempt.
func (a *Authority) Respond(ctx context.Context, remote string, req ResponseRequest) (SessionGrant, error) {
	if err := ValidAgentID(req.Agent); err != nil {
		return SessionGrant{}, &FieldError{Field: "agent", Problem: err.Error()}
	}
	if req.ChallengeID == "" || len(req.ChallengeID) > 64 {
		return SessionGrant{}, &FieldError{Field: "challenge_id", Problem: "must be the challenge_id of a challenge"}
	}
	sig, err := decodeB64("signature", req.Signature, ed25519.SignatureSize)
	if err != nil {
		return SessionGrant{}, err
	}
	now := a.now()
	a.mu.Lock()
	if !a.allow(now, "addr:"+remote, "agent:"+req.Agent) {
		a.mu.Unlock()
		return SessionGrant{}, ErrRateLimited
	}
	c, ok := a.challenges[req.ChallengeID]
	delete(a.challenges, req.ChallengeID)
	epoch := a.epochs[req.Agent]
	a.mu.Unlock()
	if !ok || !now.Before(c.expires) || c.agent != req.Agent {
		return SessionGrant{}, ErrHandshake
	}
	// One read gives status and current key (the record's did is the
	// did:key of its current key).
	ag, err := a.keys.Get(ctx, req.Agent)
	if err != nil || !a.usable(ag.Status) || ag.DID == "" {
		return SessionGrant{}, ErrHandshake
	}
	pub, err := PublicKeyFromDID(ag.DID)
	if err != nil {
		return SessionGrant{}, ErrHandshake
	}
	if !ed25519.Verify(pub, AgentResponseStatement(req.ChallengeID, c.nonce, req.Agent, a.serverDID, a.cfg.Audience), sig) {
		return SessionGrant{}, ErrHandshake
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(a.rand, raw); err != nil {
		return SessionGrant{}, fmt.Errorf("identity: %w", err)
	}
	token := SessionTokenPrefix + b64(raw)
	s := &Session{Agent: req.Agent, Fingerprint: Fingerprint(pub), Expires: now.Add(a.cfg.SessionTTL)}
	a.mu.Lock()
	if a.epochs[req.Agent] != epoch {
		// The agent's key or status changed while we verified.
		a.mu.Unlock()
		return SessionGrant{}, ErrHandshake
	}
	if len(a.sessions) >= a.cfg.MaxSessions && a.maySweep(tableSessions, now) {
		a.sweepSessions(now)
	}
	if len(a.sessions) >= a.cfg.MaxSessions {
		a.mu.Unlock()
		return SessionGrant{}, ErrBusy
	}
	a.sessions[sha256.Sum256([]byte(token))] = s
	a.mu.Unlock()
	return SessionGrant{Token: token, Agent: req.Agent, DID: DIDFromPublicKey(pub), Fingerprint: s.Fingerprint, Expires: s.Expires.UTC()}, nil
}

// Authenticate returns the session a token opened, if it is live. Map
// lookup by digest is safe against timing: the digest of a guess reveals
// nothing about the digests stored, and the final comparison of the
// digest is constant-time.
func (a *Authority) Authenticate(token string) (Session, bool) {
	if !strings.HasPrefix(token, SessionTokenPrefix) || len(token) > 128 {
		return Session{}, false
	}
	d := sha256.Sum256([]byte(token))
	now := a.now()
	a.mu.Lock()
	defer a.mu.Unlock()
	s, ok := a.sessions[d]
	if !ok {
		return Session{}, false
	}
	if !now.Before(s.Expires) {
		delete(a.sessions, d)
		return Session{}, false
	}
	return *s, true
}

// IsSessionToken reports whether a bearer token has the session form.
func IsSessionToken(token string) bool { return strings.HasPrefix(token, SessionTokenPrefix) }

// RevokeAgent ends every session of agent id (after a rotation or a
// status change: a session is bound to the key and status it was opened
// with).
func (a *Authority) RevokeAgent(id string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.epochs[id]++
	for k, s := range a.sessions {
		if s.Agent == id {
			delete(a.sessions, k)
		}
	}
}

// Outstanding reports the sizes of the bounded tables (for tests and
// metrics).
func (a *Authority) Outstanding() (challenges, sessions, peers int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.challenges), len(a.sessions), len(a.peers)
}
