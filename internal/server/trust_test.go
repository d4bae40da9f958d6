package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/trust"
)

const (
	aTok = "agent-a-token-0123456789abcdef0123456789"
	bTok = "agent-b-token-0123456789abcdef0123456789"
)

type trustSvc struct{ m *trust.Model }

func (s trustSvc) Standing(agent string) (trust.Standing, bool) {
	if agent != "a" && agent != "b" {
		return trust.Standing{}, false
	}
	return s.m.Standing(agent), true
}

func (s trustSvc) Set(ctx context.Context, agent string, score int, by, reason string) (trust.Standing, bool, error) {
	if agent != "a" && agent != "b" {
		return trust.Standing{}, false, nil
	}
	st, err := s.m.Set(ctx, agent, score, by, reason)
	return st, true, err
}

type dids map[string]string

func (d dids) AgentForDID(_ context.Context, did string) (string, error) {
	if a, ok := d[did]; ok {
		return a, nil
	}
	return "", errors.New("unknown key")
}

func TestTrustAndDelegationRoutes(t *testing.T) {
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	m, err := trust.Open(ctx, trust.Options{Store: memory.NewTrust(), Recorder: l})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(ctx)
	keys, reg := map[string]ed25519.PrivateKey{}, dids{}
	for _, n := range []string{"a", "b"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		keys[n] = k
		reg[identity.DIDFromPublicKey(k.Public().(ed25519.PublicKey))] = n
	}
	v, err := delegation.NewVerifier(delegation.Options{Resolver: reg})
	if err != nil {
		t.Fatal(err)
	}
	dreg, err := delegation.NewRegistry(ctx, v, memory.NewDelegations(), l, "agentgov", nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{Audit: l, VerifierKey: vkey, MaxRequestBytes: 16 << 10, Registry: prometheus.NewRegistry(),
		Tokens: []Token{{Name: "admin", Secret: adminTok, Role: "ADMIN"}, {Name: "auditor", Secret: auditTok, Role: "AUDITOR"},
			{Name: "a", Secret: aTok, Role: "WRITER", Agents: []string{"a"}}, {Name: "b", Secret: bTok, Role: "WRITER", Agents: []string{"b"}}},
		Trust: trustSvc{m}, Delegations: dreg})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	f := &fixture{srv: hs, log: l, vkey: vkey}

	did := func(n string) string { return identity.DIDFromPublicKey(keys[n].Public().(ed25519.PublicKey)) }
	now := time.Now()
	tok, err := delegation.Sign(delegation.Claims{ID: "server-test-delegation", From: delegation.Party{Agent: "a", DID: did("a")},
		To: delegation.Party{Agent: "b", DID: did("b")}, Tools: []string{"kb_*"}, Resources: []string{"*"}, Points: []string{"pre_tool_call"},
		IssuedAt: now.Unix(), Expires: now.Add(time.Hour).Unix()}, keys["a"])
	if err != nil {
		t.Fatal(err)
	}
	digest := delegation.Digest(tok)
	cases := []struct {
		name, method, path, token, body string
		status                          int
		want                            string
	}{
		{"own trust", "GET", "/v1/trust/a", aTok, "", 200, `"tier":"standard"`},
		{"another's trust", "GET", "/v1/trust/b", aTok, "", 403, ""},
		{"auditor reads any", "GET", "/v1/trust/b", auditTok, "", 200, `"score":500`},
		{"unknown agent", "GET", "/v1/trust/zed", adminTok, "", 404, ""},
		{"agent sets its own", "POST", "/v1/trust/a", aTok, `{"score":900}`, 403, ""},
		{"score out of range", "POST", "/v1/trust/a", adminTok, `{"score":1001}`, 400, `score`},
		{"admin sets", "POST", "/v1/trust/a", adminTok, `{"score":720,"reason":"review"}`, 200, `"tier":"trusted"`},
		{"delegatee registers", "POST", "/v1/delegations", bTok, fmt.Sprintf(`{"token":%q}`, tok), 403, ""},
		{"garbage token", "POST", "/v1/delegations", aTok, `{"token":"agd1.x.y"}`, 400, `token`},
		{"delegator registers", "POST", "/v1/delegations", aTok, fmt.Sprintf(`{"token":%q}`, tok), 201, `"registered":true`},
		{"registered again", "POST", "/v1/delegations", aTok, fmt.Sprintf(`{"token":%q}`, tok), 200, `"registered":false`},
		{"both token and digest", "POST", "/v1/delegations/revoke", aTok, fmt.Sprintf(`{"token":%q,"digest":%q}`, tok, digest), 400, ""},
		{"bad digest", "POST", "/v1/delegations/revoke", aTok, `{"digest":"sha256:xyz"}`, 400, `digest`},
		{"unknown digest", "POST", "/v1/delegations/revoke", aTok, `{"digest":"sha256:` + strings.Repeat("0", 64) + `"}`, 404, ""},
		{"delegatee revokes", "POST", "/v1/delegations/revoke", bTok, fmt.Sprintf(`{"digest":%q}`, digest), 403, ""},
		{"delegator revokes", "POST", "/v1/delegations/revoke", aTok, fmt.Sprintf(`{"digest":%q,"reason":"done"}`, digest), 200, `"revoked":true`},
		{"revoked again", "POST", "/v1/delegations/revoke", adminTok, fmt.Sprintf(`{"token":%q}`, tok), 200, `"revoked":false`},
		{"revoked cannot register", "POST", "/v1/delegations", aTok, fmt.Sprintf(`{"token":%q}`, tok), 422, `revoked`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := f.do(t, c.method, c.path, c.token, c.body)
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.want) {
				t.Fatalf("%d %s, want %d with %s", resp.StatusCode, b, c.status, c.want)
			}
			if c.status >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("error is not problem+json: %s", resp.Header.Get("Content-Type"))
			}
		})
	}
	if !v.Revoked(digest) {
		t.Fatal("the verifier does not know the revocation")
	}
	resp, b := f.do(t, http.MethodGet, "/v1/audit/entries?type=delegation", adminTok, "")
	if resp.StatusCode != 200 || strings.Count(string(b), `"action":"delegation_`) != 2 {
		t.Fatalf("delegation entries: %s", b)
	}
	resp, b = f.do(t, http.MethodGet, "/v1/audit/entries?type=trust_change", adminTok, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"action":"trust_set"`) {
		t.Fatalf("trust entries: %s", b)
	}
}
