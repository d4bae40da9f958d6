package identity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Client performs the handshake against an agentgov server and returns a
// session token for the agent. It authenticates the server too: it sends
// its own nonce and checks the server's signature over it.
type Client struct {
	// BaseURL of the server, e.g. http://127.0.0.1:8470.
	BaseURL string
	HTTP    *http.Client
	Key     AgentKey
	// ServerDID, if set, pins the server's handshake key; otherwise the
	// did the server presents is accepted once its signature verifies.
	ServerDID string
	// Audience, if set, must be the audience the server names.
	Audience string
	Rand     io.Reader
}

// maxHandshakeBody bounds what the client reads of a response.
const maxHandshakeBody = 64 << 10

// Login runs challenge and response and returns the session.
func (c *Client) Login(ctx context.Context) (SessionGrant, error) {
	rnd := c.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	clientNonce := make([]byte, NonceSize)
	if _, err := io.ReadFull(rnd, clientNonce); err != nil {
		return SessionGrant{}, fmt.Errorf("identity: %w", err)
	}
	var ch Challenge
	if err := c.post(ctx, "/v1/identity/challenge", ChallengeRequest{Agent: c.Key.Agent, ClientNonce: b64(clientNonce)}, &ch); err != nil {
		return SessionGrant{}, err
	}
	if err := VerifyServerChallenge(ch, c.Key.Agent, clientNonce, c.ServerDID, c.Audience); err != nil {
		return SessionGrant{}, err
	}
	nonce, err := decodeB64("nonce", ch.Nonce, NonceSize)
	if err != nil {
		return SessionGrant{}, fmt.Errorf("identity: server challenge: %w", err)
	}
	sig := ed25519.Sign(c.Key.Key, AgentResponseStatement(ch.ChallengeID, nonce, c.Key.Agent, ch.ServerDID, ch.Audience))
	var g SessionGrant
	if err := c.post(ctx, "/v1/identity/response", ResponseRequest{ChallengeID: ch.ChallengeID, Agent: c.Key.Agent, Signature: b64(sig)}, &g); err != nil {
		return SessionGrant{}, err
	}
	if g.Agent != c.Key.Agent || g.Fingerprint != Fingerprint(c.Key.Key.Public().(ed25519.PublicKey)) || !IsSessionToken(g.Token) {
		return SessionGrant{}, errors.New("identity: the server granted a session for another agent or key")
	}
	return g, nil
}

// VerifyServerChallenge checks the server's proof in a challenge: it is
// for agent, signs clientNonce, and comes from wantDID and wantAudience
// when those are set.
func VerifyServerChallenge(ch Challenge, agent string, clientNonce []byte, wantDID, wantAudience string) error {
	if ch.Agent != agent {
		return errors.New("identity: the server's challenge names another agent")
	}
	if wantDID != "" && ch.ServerDID != wantDID {
		return fmt.Errorf("identity: the server presents %s, not the pinned %s", ch.ServerDID, wantDID)
	}
	if wantAudience != "" && ch.Audience != wantAudience {
		return fmt.Errorf("identity: the server's audience is %q, not %q", ch.Audience, wantAudience)
	}
	pub, err := PublicKeyFromDID(ch.ServerDID)
	if err != nil {
		return fmt.Errorf("identity: server did: %w", err)
	}
	nonce, err := decodeB64("nonce", ch.Nonce, NonceSize)
	if err != nil {
		return fmt.Errorf("identity: server challenge: %w", err)
	}
	sig, err := decodeB64("server_signature", ch.ServerSignature, ed25519.SignatureSize)
	if err != nil {
		return fmt.Errorf("identity: server challenge: %w", err)
	}
	if !ed25519.Verify(pub, ServerProofStatement(ch.ChallengeID, clientNonce, nonce, agent, ch.ServerDID, ch.Audience), sig) {
		return errors.New("identity: the server's signature over our nonce does not verify")
	}
	return nil
}

// HTTPError is a non-2xx answer from the server.
type HTTPError struct {
	Status int
	Body   string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("identity: server answered %d: %s", e.Status, e.Body)
}

func (c *Client) post(ctx context.Context, path string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+path, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxHandshakeBody))
	if err != nil {
		return fmt.Errorf("identity: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		return &HTTPError{Status: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	if err := json.Unmarshal(b, out); err != nil {
		return fmt.Errorf("identity: decoding the server's answer: %w", err)
	}
	return nil
}
