package server

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const boundTok = "bound-token-0123456789abcdef0123456789a"

type approvalFixture struct {
	srv *httptest.Server
	svc *approval.Service
}

func newApprovalFixture(t *testing.T) *approvalFixture {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "agentgov.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	st := memory.New()
	l, err := audit.Open(ctx, audit.Options{Store: st, Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey, MaxPayloadBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := approval.New(approval.Options{Store: st, Recorder: l, Config: approval.Config{Quorum: 1, ApproverRole: "ADMIN"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(svc.Close)
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	s, err := New(Options{
		Audit: l, VerifierKey: vkey, MaxRequestBytes: 16 << 10, Registry: prometheus.NewRegistry(), Approvals: svc,
		WebhookKey: &WebhookKey{ID: "ed25519:00", Key: pub},
		Tokens: []Token{
			{Name: "admin", Secret: adminTok, Role: "ADMIN"},
			{Name: "reader", Secret: readerTok, Role: "READER"},
			{Name: "bound", Secret: boundTok, Role: "ADMIN", Agents: []string{"writer*"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &approvalFixture{srv: srv, svc: svc}
}

func (f *approvalFixture) do(t *testing.T, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func TestApprovalRoutes(t *testing.T) {
	f := newApprovalFixture(t)
	id, err := f.svc.Open(context.Background(), gate.ApprovalAction{Agent: "writer", Point: "pre_tool_call", Tool: "send_email",
		Identity: "hmac-sha256:00", Reasons: []string{"approval_required"}, Requester: "token:someone"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		contains                        string
	}{
		{"unauthenticated", "GET", "/v1/approvals", "", "", 401, ""},
		{"list pending", "GET", "/v1/approvals?state=pending", readerTok, "", 200, id},
		{"bad state", "GET", "/v1/approvals?state=maybe", readerTok, "", 400, "state"},
		{"unknown param", "GET", "/v1/approvals?sort=x", readerTok, "", 400, "sort"},
		{"get", "GET", "/v1/approvals/" + id, readerTok, "", 200, `"state":"pending"`},
		{"short wait returns pending", "GET", "/v1/approvals/" + id + "?wait=10ms", readerTok, "", 200, `"state":"pending"`},
		{"bad wait", "GET", "/v1/approvals/" + id + "?wait=soon", readerTok, "", 400, "wait"},
		{"unknown id", "GET", "/v1/approvals/apr-nope", readerTok, "", 404, ""},
		{"wrong role", "POST", "/v1/approvals/" + id + "/approve", readerTok, "", 403, "role ADMIN"},
		{"bound to the agent", "POST", "/v1/approvals/" + id + "/approve", boundTok, "", 403, "self-approval"},
		{"unknown body member", "POST", "/v1/approvals/" + id + "/approve", adminTok, `{"note":"x"}`, 400, "note"},
		{"webhook key", "GET", "/v1/approvals/webhook-key", readerTok, "", 200, `"algorithm":"ed25519"`},
		{"approve", "POST", "/v1/approvals/" + id + "/approve", adminTok, `{"comment":"fine"}`, 200, `"state":"approved"`},
		{"second vote", "POST", "/v1/approvals/" + id + "/deny", adminTok, "", 409, ""},
		{"list approved", "GET", "/v1/approvals?state=approved&limit=5", readerTok, "", 200, id},
	} {
		code, b := f.do(t, tc.method, tc.path, tc.token, tc.body)
		if code != tc.status || !strings.Contains(string(b), tc.contains) {
			t.Errorf("%s: %d %s, want %d containing %q", tc.name, code, b, tc.status, tc.contains)
		}
	}
}

func TestApprovalLongPollReleasedByVote(t *testing.T) {
	f := newApprovalFixture(t)
	id, err := f.svc.Open(context.Background(), gate.ApprovalAction{Agent: "writer", Point: "pre_tool_call", Identity: "hmac-sha256:00", Requester: "token:x"})
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan api.Approval, 1)
	go func() {
		_, b := f.do(t, "GET", "/v1/approvals/"+id+"?wait=45s", readerTok, "")
		var a api.Approval
		_ = json.Unmarshal(b, &a)
		got <- a
	}()
	// Give the poll a moment to be held; if it was not yet, it still
	// answers approved, only later.
	select {
	case a := <-got:
		t.Fatalf("poll answered before the vote: %+v", a)
	case <-time.After(20 * time.Millisecond):
	}
	if _, err := f.svc.Vote(context.Background(), id, approval.Approver{ID: "token:admin", Role: "ADMIN"}, api.VoteApprove, ""); err != nil {
		t.Fatal(err)
	}
	if a := <-got; a.State != api.ApprovalApproved {
		t.Fatalf("poll got %+v", a)
	}
}

func TestApproverOf(t *testing.T) {
	s := &Server{o: Options{Tokens: []Token{{Name: "bound", Role: "ADMIN", Agents: []string{"w*"}}, {Name: "free", Role: "ADMIN"}}}}
	if a := s.approverOf(Principal{Name: "x", Kind: kindSession, Agent: "writer", Role: RoleAgent}); a.Agent != "writer" {
		t.Fatalf("agent principal: %+v", a)
	}
	if a := s.approverOf(Principal{Kind: kindAnonymous, Role: "ADMIN"}); a.ID != "" {
		t.Fatalf("anonymous principal has an identity: %+v", a)
	}
	if a := s.approverOf(Principal{Name: "bound", Kind: kindOperator, Role: "ADMIN"}); a.ID != "token:bound" || a.Speaks == nil || !a.Speaks("writer") || a.Speaks("other") {
		t.Fatalf("bound token: %+v", a)
	}
	if a := s.approverOf(Principal{Name: "free", Kind: kindOperator, Role: "ADMIN"}); a.Speaks != nil {
		t.Fatalf("unbound token: %+v", a)
	}
}

func TestParseWait(t *testing.T) {
	for in, want := range map[string]time.Duration{"": 0, "30s": 30 * time.Second, "5": 5 * time.Second, "10m": MaxApprovalWait, "0s": 0} {
		if got, err := parseWait(in); err != nil || got != want {
			t.Errorf("parseWait(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"-1s", "x", "99999999"} {
		if _, err := parseWait(bad); err == nil {
			t.Errorf("parseWait(%q) accepted", bad)
		}
	}
}

func FuzzParseWait(f *testing.F) {
	for _, s := range []string{"30s", "5", "-1s", "1h", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := parseWait(s)
		if err == nil && (d < 0 || d > MaxApprovalWait) {
			t.Fatalf("parseWait(%q) = %v, outside [0, %v]", s, d, MaxApprovalWait)
		}
	})
}
