package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/logkey"
	"github.com/agentgov/agentgov/internal/store/memory"
)

type logRotator struct{ l *logkey.Log }

func (r logRotator) RotateLogKey(ctx context.Context, reason string) (api.KeyRotateResponse, error) {
	rot, err := r.l.Rotate(ctx, reason)
	return logkey.Response(rot), err
}

func (logRotator) RotateCA(context.Context, string) (api.KeyRotateResponse, error) {
	return api.KeyRotateResponse{}, ErrKeyTargetUnavailable
}

func TestKeyRotationRoute(t *testing.T) {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "agentgov.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, &api.Event{Type: "t", Agent: "a"}, "test"); err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{
		Audit: l, VerifierKey: vkey, Registry: prometheus.NewRegistry(), Keys: logRotator{logkey.InMemory(l, "agentgov.test/log", nil)},
		Tokens: []Token{{Name: "admin", Secret: adminTok, Role: "ADMIN"}, {Name: "auditor", Secret: auditTok, Role: "AUDITOR"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	defer hs.Close()
	f := &fixture{srv: hs, log: l, vkey: vkey}

	for _, tc := range []struct {
		tok, body string
		status    int
		field     string
	}{
		{"", `{"target":"log"}`, 401, ""},
		{auditTok, `{"target":"log"}`, 403, ""},
		{adminTok, `{"target":"moon"}`, 400, "target"},
		{adminTok, `{}`, 400, "target"},
		{adminTok, `{"target":"agent","agent":"a"}`, 400, "target"},
		{adminTok, `{"target":"log","agent":"a"}`, 400, "agent"},
		{adminTok, `{"target":"log","extra":1}`, 400, ""},
		{adminTok, `{"target":"ca"}`, 409, ""},
	} {
		resp, b := f.do(t, "POST", "/v1/admin/keys/rotate", tc.tok, tc.body)
		if resp.StatusCode != tc.status {
			t.Fatalf("%s with %q: %d %s", tc.body, tc.tok, resp.StatusCode, b)
		}
		p := problem(t, resp, b)
		if tc.field != "" && !strings.Contains(p.Detail+p.Title+string(b), tc.field) {
			t.Fatalf("problem does not name %s: %s", tc.field, b)
		}
	}
	if l.KeyChain().Len() != 1 {
		t.Fatal("a refused request rotated the key")
	}
	// (401 and 403 answers are audit entries themselves.)

	resp, b := f.do(t, "POST", "/v1/admin/keys/rotate", adminTok, `{"target":"log","reason":"quarterly"}`)
	var out api.KeyRotateResponse
	if resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil || out.Target != "log" || out.Size != out.Index+1 || out.OldKey != vkey || out.NewKey == "" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	e, err := l.Entry(ctx, out.Index)
	if err != nil || e.Type != audit.TypeKeyRotation || e.Source != audit.SourceAgentgov || e.Reason != "quarterly (requested by token:admin)" {
		t.Fatalf("rotation entry %+v %v", e, err)
	}

	// Text stays the current key alone; JSON is the chain.
	resp, b = f.do(t, "GET", "/v1/audit/pubkey", auditTok, "")
	if resp.StatusCode != 200 || strings.TrimSpace(string(b)) != out.NewKey {
		t.Fatalf("pubkey text %d %q", resp.StatusCode, b)
	}
	req, _ := http.NewRequest("GET", hs.URL+"/v1/audit/pubkey", nil)
	req.Header.Set("Authorization", "Bearer "+auditTok)
	req.Header.Set("Accept", "application/json")
	jr, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer jr.Body.Close()
	var keys api.LogKeys
	if err := json.NewDecoder(jr.Body).Decode(&keys); err != nil || keys.RootKey != vkey || keys.VerifierKey != out.NewKey || len(keys.Rotations) != 1 {
		t.Fatalf("pubkey json %+v %v", keys, err)
	}
	raw, _ := json.Marshal(keys)
	if _, err := audit.ParseKeyChain(raw); err != nil {
		t.Fatalf("the served chain does not verify: %v", err)
	}
}
