package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/saga"
	"github.com/agentgov/agentgov/internal/store/memory"
)

type sagaAllowAll struct{}

func (sagaAllowAll) Check(context.Context, saga.Action) (saga.Verdict, error) {
	return saga.Verdict{Allowed: true, Decision: "allow"}, nil
}

const sagaBotTok = "bot-writer-token-0123456789abcdef0123456"

// sagaFixture serves the saga routes over a real runner whose steps are
// loopback endpoints; /hold blocks until release is closed.
func sagaFixture(t *testing.T) (*fixture, string, chan struct{}) {
	t.Helper()
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey, MaxPayloadBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	r, err := saga.New(saga.Options{Store: memory.New(), Audit: l, Gate: sagaAllowAll{}, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	release := make(chan struct{})
	steps := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path == "/hold" {
			select {
			case <-release:
			case <-req.Context().Done():
			}
		}
		w.Write([]byte(`{}`))
	}))
	t.Cleanup(steps.Close)
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	s, err := New(Options{
		Audit: l, VerifierKey: vkey, MaxRequestBytes: 16 << 10, Registry: prometheus.NewRegistry(), Sagas: r,
		Tokens: []Token{
			{Name: "admin", Secret: adminTok, Role: "ADMIN"},
			{Name: "reader", Secret: readerTok, Role: "READER"},
			{Name: "auditor", Secret: auditTok, Role: "AUDITOR"},
			{Name: "bots", Secret: sagaBotTok, Role: "WRITER", Agents: []string{"bot-*"}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &fixture{srv: hs, log: l, vkey: vkey}, steps.URL, release
}

func sagaDef(agent, substitute, base, path string) string {
	b, _ := json.Marshal(map[string]any{"agent": agent, "substitute": substitute,
		"steps": []map[string]any{{"name": "a", "url": base + path, "compensation_url": base + "/undo"}}})
	return string(b)
}

func TestSagaRoutes(t *testing.T) {
	f, base, _ := sagaFixture(t)

	// Who may start a saga: whoever may act for its agent and substitute.
	for _, tc := range []struct {
		token, body string
		status      int
		field       string
	}{
		{sagaBotTok, sagaDef("bot-1", "", base, "/a"), http.StatusCreated, ""},
		{sagaBotTok, sagaDef("other", "", base, "/a"), http.StatusForbidden, "agent"},
		{sagaBotTok, sagaDef("bot-1", "other", base, "/a"), http.StatusForbidden, "substitute"},
		{readerTok, sagaDef("bot-1", "", base, "/a"), http.StatusForbidden, ""},
		{"", sagaDef("bot-1", "", base, "/a"), http.StatusUnauthorized, ""},
		{adminTok, `{"agent":"bot-1","steps":[{"name":"a","url":"ftp://x/a","compensation_url":"https://x/b"}]}`, http.StatusBadRequest, "steps[0].url"},
		{adminTok, `{"agent":"bot-1","steps":[],"agent":"x"}`, http.StatusBadRequest, "agent"},
	} {
		resp, b := f.do(t, "POST", "/v1/sagas", tc.token, tc.body)
		if resp.StatusCode != tc.status {
			t.Fatalf("%s: %d %s, want %d", tc.body, resp.StatusCode, b, tc.status)
		}
		if tc.status != http.StatusCreated {
			if p := problem(t, resp, b); tc.field != "" && p.Field != tc.field {
				t.Fatalf("%s: field %q, want %q", tc.body, p.Field, tc.field)
			}
			continue
		}
		var v saga.View
		if err := json.Unmarshal(b, &v); err != nil || resp.Header.Get("Location") != "/v1/sagas/"+v.ID || v.StartedBy != "token:bots" {
			t.Fatalf("created %s (%v)", b, err)
		}
	}

	// Who may see and abort one.
	resp, b := f.do(t, "POST", "/v1/sagas", sagaBotTok, sagaDef("bot-2", "", base, "/hold"))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var v saga.View
	_ = json.Unmarshal(b, &v)
	for tok, want := range map[string]int{sagaBotTok: 200, auditTok: 200, adminTok: 200, readerTok: 404} {
		if resp, b := f.do(t, "GET", "/v1/sagas/"+v.ID, tok, ""); resp.StatusCode != want {
			t.Fatalf("GET as %s: %d %s, want %d", tok[:5], resp.StatusCode, b, want)
		}
	}
	if resp, b := f.do(t, "POST", "/v1/sagas/"+v.ID+"/abort", auditTok, ""); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("abort by an auditor: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "POST", "/v1/sagas/"+v.ID+"/abort", sagaBotTok, ""); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("abort: %d %s", resp.StatusCode, b)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		_, b := f.do(t, "GET", "/v1/sagas/"+v.ID, sagaBotTok, "")
		var got saga.View
		_ = json.Unmarshal(b, &got)
		if got.Finished {
			if got.Status != saga.StatusCompensated || got.Reason != "aborted" {
				t.Fatalf("after abort: %s", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the aborted saga did not finish: %s", b)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if resp, b := f.do(t, "POST", "/v1/sagas/"+v.ID+"/abort", sagaBotTok, ""); resp.StatusCode != http.StatusConflict || problem(t, resp, b).Type != probSagaFinished {
		t.Fatalf("abort of a finished saga: %d %s", resp.StatusCode, b)
	}
	if resp, b := f.do(t, "GET", "/v1/sagas/saga_nope", adminTok, ""); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown saga: %d %s", resp.StatusCode, b)
	}
}

func TestSagaList(t *testing.T) {
	f, base, _ := sagaFixture(t)
	var ids []string
	for _, agent := range []string{"bot-1", "bot-2", "bot-1"} {
		resp, b := f.do(t, "POST", "/v1/sagas", sagaBotTok, sagaDef(agent, "", base, "/hold"))
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
		var v saga.View
		_ = json.Unmarshal(b, &v)
		ids = append(ids, v.ID)
		time.Sleep(2 * time.Millisecond) // distinct creation times
	}
	list := func(tok, query string) (int, []string, *http.Response, []byte) {
		t.Helper()
		resp, b := f.do(t, "GET", "/v1/sagas"+query, tok, "")
		var l struct {
			Sagas []saga.View `json:"sagas"`
		}
		_ = json.Unmarshal(b, &l)
		var got []string
		for _, s := range l.Sagas {
			got = append(got, s.ID)
		}
		return resp.StatusCode, got, resp, b
	}
	for _, tc := range []struct {
		tok, query string
		status     int
		want       []string
		field      string
	}{
		{auditTok, "", 200, []string{ids[2], ids[1], ids[0]}, ""},
		{adminTok, "?agent=bot-1", 200, []string{ids[2], ids[0]}, ""},
		{sagaBotTok, "?agent=bot-1&limit=1", 200, []string{ids[2]}, ""},
		{sagaBotTok, "?agent=bot-2&unfinished=true", 200, []string{ids[1]}, ""},
		{sagaBotTok, "?agent=bot-9", 200, nil, ""},
		{sagaBotTok, "", 400, nil, "agent"},
		{sagaBotTok, "?agent=other", 403, nil, "agent"},
		{readerTok, "?agent=bot-1", 403, nil, "agent"},
		{auditTok, "?limit=0", 400, nil, "limit"},
		{auditTok, "?unfinished=yes", 400, nil, "unfinished"},
		{auditTok, "?state=running", 400, nil, "state"},
		{"", "", 401, nil, ""},
	} {
		status, got, resp, b := list(tc.tok, tc.query)
		if status != tc.status {
			t.Fatalf("%s as %.5s: %d %s, want %d", tc.query, tc.tok, status, b, tc.status)
		}
		if status != 200 {
			if p := problem(t, resp, b); tc.field != "" && p.Field != tc.field {
				t.Fatalf("%s: field %q, want %q", tc.query, p.Field, tc.field)
			}
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Fatalf("%s as %.5s: %v, want %v", tc.query, tc.tok, got, tc.want)
		}
	}
}
