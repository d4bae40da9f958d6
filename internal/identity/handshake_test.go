package identity

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"
)

type hsFixture struct {
	reg  *Registry
	auth *Authority
	clk  *clock
	keys map[string]ed25519.PrivateKey
}

func newHS(t *testing.T, cfg HandshakeConfig) *hsFixture {
	t.Helper()
	reg, _, clk := newRegistry(t)
	f := &hsFixture{reg: reg, clk: clk, keys: map[string]ed25519.PrivateKey{"alice": keyFor(1), "bob": keyFor(2)}}
	for id, k := range f.keys {
		if _, err := reg.Register(context.Background(), id, pubOf(k)); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	f.auth, err = NewAuthority(AuthorityOptions{Config: cfg, Keys: reg, ServerKey: keyFor(9), Now: clk.now, Rand: newDetRand(7)})
	if err != nil {
		t.Fatal(err)
	}
	reg.OnChange(f.auth.RevokeAgent)
	return f
}

func (f *hsFixture) sign(t *testing.T, ch Challenge, agent string, key ed25519.PrivateKey) ResponseRequest {
	t.Helper()
	nonce, err := base64.RawURLEncoding.DecodeString(ch.Nonce)
	if err != nil {
		t.Fatal(err)
	}
	sig := ed25519.Sign(key, AgentResponseStatement(ch.ChallengeID, nonce, agent, ch.ServerDID, ch.Audience))
	return ResponseRequest{ChallengeID: ch.ChallengeID, Agent: agent, Signature: b64(sig)}
}

func TestHandshake(t *testing.T) {
	ctx := context.Background()
	f := newHS(t, HandshakeConfig{ChallengeTTL: 30 * time.Second, SessionTTL: time.Minute, Audience: "agentgov.test"})
	clientNonce := make([]byte, NonceSize)
	clientNonce[0] = 42
	ch, err := f.auth.Challenge(ctx, "10.0.0.1", ChallengeRequest{Agent: "alice", ClientNonce: b64(clientNonce)})
	if err != nil {
		t.Fatal(err)
	}
	// The caller authenticates the server.
	if err := VerifyServerChallenge(ch, "alice", clientNonce, f.auth.ServerDID(), "agentgov.test"); err != nil {
		t.Fatal(err)
	}
	other := make([]byte, NonceSize)
	if err := VerifyServerChallenge(ch, "alice", other, "", ""); err == nil {
		t.Fatal("server proof verified over another nonce")
	}
	if err := VerifyServerChallenge(ch, "alice", clientNonce, DIDFromPublicKey(pubOf(keyFor(8))), ""); err == nil {
		t.Fatal("a pinned server did was not enforced")
	}

	g, err := f.auth.Respond(ctx, "10.0.0.1", f.sign(t, ch, "alice", f.keys["alice"]))
	if err != nil {
		t.Fatal(err)
	}
	if g.Agent != "alice" || g.Fingerprint != Fingerprint(pubOf(f.keys["alice"])) || !IsSessionToken(g.Token) {
		t.Fatalf("%+v", g)
	}
	s, ok := f.auth.Authenticate(g.Token)
	if !ok || s.Agent != "alice" {
		t.Fatalf("session %+v %v", s, ok)
	}
	if _, ok := f.auth.Authenticate(g.Token + "x"); ok {
		t.Fatal("a mangled token authenticated")
	}

	t.Run("replay", func(t *testing.T) {
		if _, err := f.auth.Respond(ctx, "10.0.0.1", f.sign(t, ch, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("replayed response: %v", err)
		}
	})
	t.Run("expired challenge", func(t *testing.T) {
		c2, _ := f.auth.Challenge(ctx, "10.0.0.2", ChallengeRequest{Agent: "alice"})
		f.clk.add(31 * time.Second)
		if _, err := f.auth.Respond(ctx, "10.0.0.2", f.sign(t, c2, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("expired: %v", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		c3, _ := f.auth.Challenge(ctx, "10.0.0.3", ChallengeRequest{Agent: "alice"})
		if _, err := f.auth.Respond(ctx, "10.0.0.3", f.sign(t, c3, "alice", f.keys["bob"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("bob's key for alice: %v", err)
		}
		// The failed attempt consumed the challenge.
		if _, err := f.auth.Respond(ctx, "10.0.0.3", f.sign(t, c3, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("second attempt on a consumed challenge: %v", err)
		}
	})
	t.Run("swapped nonces", func(t *testing.T) {
		ca, _ := f.auth.Challenge(ctx, "10.0.0.4", ChallengeRequest{Agent: "alice"})
		cb, _ := f.auth.Challenge(ctx, "10.0.0.4", ChallengeRequest{Agent: "alice"})
		swapped := ca
		swapped.Nonce = cb.Nonce
		if _, err := f.auth.Respond(ctx, "10.0.0.4", f.sign(t, swapped, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("signature over another challenge's nonce: %v", err)
		}
		// A challenge issued to bob cannot be answered as alice.
		cbob, _ := f.auth.Challenge(ctx, "10.0.0.5", ChallengeRequest{Agent: "bob"})
		if _, err := f.auth.Respond(ctx, "10.0.0.5", f.sign(t, cbob, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("bob's challenge answered by alice: %v", err)
		}
		// Another audience or server did in the statement fails.
		cc, _ := f.auth.Challenge(ctx, "10.0.0.6", ChallengeRequest{Agent: "alice"})
		cc.Audience = "elsewhere"
		if _, err := f.auth.Respond(ctx, "10.0.0.6", f.sign(t, cc, "alice", f.keys["alice"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("signature for another audience: %v", err)
		}
	})
	t.Run("rotation and status end sessions", func(t *testing.T) {
		c4, _ := f.auth.Challenge(ctx, "10.0.0.7", ChallengeRequest{Agent: "bob"})
		g, err := f.auth.Respond(ctx, "10.0.0.7", f.sign(t, c4, "bob", f.keys["bob"]))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.reg.RotateKey(ctx, "bob", pubOf(keyFor(3))); err != nil {
			t.Fatal(err)
		}
		if _, ok := f.auth.Authenticate(g.Token); ok {
			t.Fatal("a session survived its key's rotation")
		}
		// The old key no longer proves bob.
		c5, _ := f.auth.Challenge(ctx, "10.0.0.7", ChallengeRequest{Agent: "bob"})
		if _, err := f.auth.Respond(ctx, "10.0.0.7", f.sign(t, c5, "bob", f.keys["bob"])); !errors.Is(err, ErrHandshake) {
			t.Fatalf("rotated-out key: %v", err)
		}
		if err := f.reg.SetAgentStatus(ctx, "bob", "active", "suspended"); err != nil {
			t.Fatal(err)
		}
		c6, _ := f.auth.Challenge(ctx, "10.0.0.7", ChallengeRequest{Agent: "bob"})
		if _, err := f.auth.Respond(ctx, "10.0.0.7", f.sign(t, c6, "bob", keyFor(3))); !errors.Is(err, ErrHandshake) {
			t.Fatalf("suspended agent authenticated: %v", err)
		}
	})
	t.Run("session expiry", func(t *testing.T) {
		f.clk.add(2 * time.Minute)
		if _, ok := f.auth.Authenticate(g.Token); ok {
			t.Fatal("an expired session authenticated")
		}
	})
	t.Run("bad input", func(t *testing.T) {
		var fe *FieldError
		if _, err := f.auth.Challenge(ctx, "x", ChallengeRequest{Agent: "alice", ClientNonce: "short"}); !errors.As(err, &fe) || fe.Field != "client_nonce" {
			t.Fatalf("short client nonce: %v", err)
		}
		if _, err := f.auth.Respond(ctx, "x", ResponseRequest{ChallengeID: "ch_x", Agent: "alice", Signature: "AAAA"}); !errors.As(err, &fe) || fe.Field != "signature" {
			t.Fatalf("short signature: %v", err)
		}
	})
}

func TestHandshakeFloodIsBounded(t *testing.T) {
	ctx := context.Background()
	f := newHS(t, HandshakeConfig{MaxOutstanding: 100, Rate: 1000, Burst: 1000, PeerRate: 1, PeerBurst: 5, MaxPeers: 50})
	// One peer: its burst, then 429s.
	var limited int
	for range 20 {
		if _, err := f.auth.Challenge(ctx, "10.1.1.1", ChallengeRequest{Agent: "alice"}); errors.Is(err, ErrRateLimited) {
			limited++
		}
	}
	if limited != 15 {
		t.Fatalf("%d of 20 refused from one peer, want 15 (burst 5)", limited)
	}
	// Many peers and agents: the table never exceeds its bound.
	var busy, ok int
	for i := range 5000 {
		_, err := f.auth.Challenge(ctx, fmt.Sprintf("10.2.%d.%d", i/250, i%250), ChallengeRequest{Agent: fmt.Sprintf("a%d", i)})
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrBusy), errors.Is(err, ErrRateLimited):
			busy++
		default:
			t.Fatal(err)
		}
		if ch, _, peers := f.auth.Outstanding(); ch > 100 || peers > 50 {
			t.Fatalf("tables grew past their bounds: %d challenges, %d peers", ch, peers)
		}
	}
	if busy == 0 {
		t.Fatal("a flood was never refused")
	}
	// Once the challenges expire and peers go idle, the tables make room.
	f.clk.add(time.Minute)
	if _, err := f.auth.Challenge(ctx, "10.9.9.9", ChallengeRequest{Agent: "alice"}); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if ch, _, _ := f.auth.Outstanding(); ch > 100 {
		t.Fatalf("%d challenges outstanding", ch)
	}
}

func TestPeerHandshake(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)}
	ka, kb := keyFor(1), keyFor(2)
	pins := StaticResolver(map[string]string{"alice": DIDFromPublicKey(pubOf(ka)), "bob": DIDFromPublicKey(pubOf(kb))})
	a := &Handshaker{Self: AgentKey{Agent: "alice", Key: ka}, Peers: pins, Audience: "t", Now: clk.now, Rand: newDetRand(1)}
	b := &Handshaker{Self: AgentKey{Agent: "bob", Key: kb}, Peers: pins, Audience: "t", Now: clk.now, Rand: newDetRand(2)}

	hello, err := a.Hello("bob")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := b.Reply(ctx, hello)
	if err != nil {
		t.Fatal(err)
	}
	confirm, err := a.Finish(ctx, reply)
	if err != nil {
		t.Fatal(err)
	}
	who, err := b.Confirm(ctx, confirm)
	if err != nil || who != "alice" {
		t.Fatalf("%q %v", who, err)
	}
	// Replays of each message fail.
	if _, err := a.Finish(ctx, reply); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("replayed reply: %v", err)
	}
	if _, err := b.Confirm(ctx, confirm); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("replayed confirm: %v", err)
	}

	// An impostor holding another key cannot pass as bob.
	mallory := &Handshaker{Self: AgentKey{Agent: "bob", Key: keyFor(6)}, Peers: pins, Audience: "t", Now: clk.now}
	h2, _ := a.Hello("bob")
	r2, _ := mallory.Reply(ctx, h2)
	if _, err := a.Finish(ctx, r2); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("impostor reply: %v", err)
	}
	// Nor as alice towards bob.
	fakeA := &Handshaker{Self: AgentKey{Agent: "alice", Key: keyFor(6)}, Peers: pins, Audience: "t", Now: clk.now}
	h3, _ := fakeA.Hello("bob")
	r3, _ := b.Reply(ctx, h3)
	c3, err := fakeA.Finish(ctx, r3)
	if err != nil {
		t.Fatal(err) // fakeA verifies bob correctly
	}
	if _, err := b.Confirm(ctx, c3); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("impostor confirm: %v", err)
	}
	// Swapped nonces: a reply to one hello does not finish another.
	h4, _ := a.Hello("bob")
	h5, _ := a.Hello("bob")
	r4, _ := b.Reply(ctx, h4)
	r4.ChallengeID = h5.ChallengeID
	if _, err := a.Finish(ctx, r4); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("reply moved to another hello: %v", err)
	}
	// Expiry.
	h6, _ := a.Hello("bob")
	r6, _ := b.Reply(ctx, h6)
	clk.add(31 * time.Second)
	if _, err := a.Finish(ctx, r6); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := b.Reply(ctx, h6); !errors.Is(err, ErrPeerHandshake) {
		t.Fatalf("expired hello answered: %v", err)
	}
}

// The configuration refuses operator tokens with the session prefix; keep
// the two spellings equal.
func TestSessionPrefixMatchesConfig(t *testing.T) {
	if SessionTokenPrefix != "agses_" {
		t.Fatal("update internal/config/handshake.go sessionTokenPrefix too")
	}
}

func TestHandshakeConcurrent(t *testing.T) {
	ctx := context.Background()
	f := newHS(t, HandshakeConfig{Rate: 1e6, Burst: 1e6, PeerRate: 1e6, PeerBurst: 1e6})
	errs := make(chan error, 64)
	for i := range 16 {
		go func() {
			agent := []string{"alice", "bob"}[i%2]
			for range 4 {
				ch, err := f.auth.Challenge(ctx, fmt.Sprintf("10.3.0.%d", i), ChallengeRequest{Agent: agent})
				if err != nil {
					errs <- err
					return
				}
				nonce, _ := base64.RawURLEncoding.DecodeString(ch.Nonce)
				sig := ed25519.Sign(f.keys[agent], AgentResponseStatement(ch.ChallengeID, nonce, agent, ch.ServerDID, ch.Audience))
				g, err := f.auth.Respond(ctx, fmt.Sprintf("10.3.0.%d", i), ResponseRequest{ChallengeID: ch.ChallengeID, Agent: agent, Signature: b64(sig)})
				if err != nil {
					errs <- err
					return
				}
				if s, ok := f.auth.Authenticate(g.Token); !ok || s.Agent != agent {
					errs <- fmt.Errorf("session of %s: %+v %v", agent, s, ok)
					return
				}
			}
			errs <- nil
		}()
	}
	for range 16 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if _, se, _ := f.auth.Outstanding(); se != 64 {
		t.Fatalf("%d sessions, want 64", se)
	}
	f.auth.RevokeAgent("alice")
	if _, se, _ := f.auth.Outstanding(); se != 32 {
		t.Fatalf("%d sessions after revoking alice's, want 32", se)
	}
}

func TestPeerHandshakeConcurrentAndBounded(t *testing.T) {
	ctx := context.Background()
	ka, kb := keyFor(1), keyFor(2)
	pins := StaticResolver(map[string]string{"alice": DIDFromPublicKey(pubOf(ka)), "bob": DIDFromPublicKey(pubOf(kb))})
	a := &Handshaker{Self: AgentKey{Agent: "alice", Key: ka}, Peers: pins, MaxOutstanding: 8}
	b := &Handshaker{Self: AgentKey{Agent: "bob", Key: kb}, Peers: pins, MaxOutstanding: 64}
	done := make(chan error, 8)
	for range 8 {
		go func() {
			for range 8 {
				h, err := a.Hello("bob")
				if err != nil {
					done <- err
					return
				}
				r, err := b.Reply(ctx, h)
				if err != nil {
					done <- err
					return
				}
				c, err := a.Finish(ctx, r)
				if err != nil {
					done <- err
					return
				}
				if who, err := b.Confirm(ctx, c); err != nil || who != "alice" {
					done <- fmt.Errorf("%q %v", who, err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	// Unanswered hellos fill the initiator's table to its bound, no further.
	var busy int
	for range 20 {
		if _, err := a.Hello("bob"); errors.Is(err, ErrBusy) {
			busy++
		}
	}
	if busy != 12 {
		t.Fatalf("%d of 20 unanswered hellos refused, want 12 (bound 8)", busy)
	}
}
