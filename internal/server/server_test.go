package server

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const (
	adminTok  = "admin-token-0123456789abcdef0123456789"
	readerTok = "reader-token-0123456789abcdef012345678"
	writerTok = "writer-token-0123456789abcdef012345678"
	auditTok  = "auditor-token-0123456789abcdef01234567"
)

type fixture struct {
	srv  *httptest.Server
	log  *audit.Log
	vkey string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "agentgov.test/log")
	if err != nil {
		t.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey, MaxPayloadBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	s, err := New(Options{
		Audit: l, VerifierKey: vkey, MaxRequestBytes: 16 << 10, Registry: prometheus.NewRegistry(),
		Tokens: []Token{
			{Name: "admin", Secret: adminTok, Role: "ADMIN"},
			{Name: "reader", Secret: readerTok, Role: "READER"},
			{Name: "writer", Secret: writerTok, Role: "WRITER"},
			{Name: "auditor", Secret: auditTok, Role: "AUDITOR"},
		},
		Ready: []Check{{Name: "store", Fn: func(context.Context) error { return nil }}},
	})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return &fixture{srv: hs, log: l, vkey: vkey}
}

func (f *fixture) do(t *testing.T, method, path, token, body string) (*http.Response, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

func problem(t *testing.T, resp *http.Response, b []byte) api.Problem {
	t.Helper()
	if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, body %s", ct, b)
	}
	var p api.Problem
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != resp.StatusCode || p.Type == "" || p.Title == "" {
		t.Fatalf("incomplete problem %+v", p)
	}
	return p
}

func TestPostEvent(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do(t, "POST", "/v1/audit/events", writerTok, `{"type":"decision","agent":"a1","session":"s1","action":"tool:x","decision":"deny","reason":"r","payload":{"k":[1,2]}}`)
	if resp.StatusCode != 201 || strings.TrimSpace(string(b)) != `{"index":0}` || resp.Header.Get("Location") != "/v1/audit/entries/0" {
		t.Fatalf("%d %s %v", resp.StatusCode, b, resp.Header)
	}
	resp, b = f.do(t, "GET", "/v1/audit/entries/0", auditTok, "")
	var e api.Entry
	if err := json.Unmarshal(b, &e); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if e.Source != "token:writer" || e.Decision != "deny" || string(e.Payload) != `{"k":[1,2]}` {
		t.Fatalf("entry %+v", e)
	}
}

func TestBadRequestsNameTheFieldAndStoreNothing(t *testing.T) {
	f := newFixture(t)
	big := `{"type":"x","agent":"a","payload":"` + strings.Repeat("a", 5000) + `"}`
	huge := `{"type":"x","agent":"a","payload":"` + strings.Repeat("a", 17<<10) + `"}`
	cases := []struct {
		name, body string
		status     int
		field      string
	}{
		{"malformed", `{"type":`, 400, "type"},
		{"not an object", `[1,2]`, 400, ""},
		{"trailing garbage", `{"type":"x","agent":"a"} x`, 400, ""},
		{"wrong type", `{"type":5,"agent":"a"}`, 400, "type"},
		{"unknown field", `{"type":"x","agent":"a","agnet":"b"}`, 400, "agnet"},
		{"duplicate key", `{"type":"x","agent":"a","agent":"b"}`, 400, "agent"},
		{"missing agent", `{"type":"x"}`, 400, "agent"},
		{"missing type", `{"agent":"a"}`, 400, "type"},
		{"ref not a number", `{"type":"x","agent":"a","ref":"1"}`, 400, "ref"},
		{"payload over limit", big, 400, "payload"},
		{"body over limit", huge, 413, ""},
		{"reserved type", `{"type":"payload_erased","agent":"a"}`, 400, "type"},
		{"empty body", ``, 400, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, b := f.do(t, "POST", "/v1/audit/events", writerTok, c.body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, b)
			}
			p := problem(t, resp, b)
			if p.Field != c.field {
				t.Fatalf("field %q, want %q (%s)", p.Field, c.field, p.Detail)
			}
		})
	}
	if n, _ := f.log.Size(context.Background()); n != 0 {
		t.Fatalf("bad requests stored %d entries", n)
	}
	resp, b := f.do(t, "POST", "/v1/audit/events", writerTok, `{"type":"x","agent":"a"}`)
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"index":0`) {
		t.Fatalf("good request after bad ones: %d %s", resp.StatusCode, b)
	}
}

func TestAuthentication(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		method, path, token, body string
		status                    int
	}{
		{"POST", "/v1/audit/events", "", `{"type":"x","agent":"a"}`, 401},
		{"POST", "/v1/audit/events", "wrong-token-wrong-token-wrong-token-xx", `{"type":"x","agent":"a"}`, 401},
		{"POST", "/v1/audit/events", readerTok, `{"type":"x","agent":"a"}`, 403},
		{"POST", "/v1/audit/events", auditTok, `{"type":"x","agent":"a"}`, 403},
		{"GET", "/v1/audit/entries", readerTok, "", 403},
		{"GET", "/v1/audit/entries", writerTok, "", 403},
		{"GET", "/v1/audit/entries", auditTok, "", 200},
		{"GET", "/v1/audit/checkpoint", readerTok, "", 200},
		{"POST", "/v1/audit/entries/0/erasure", auditTok, `{"reason":"x"}`, 403},
		{"GET", "/healthz", "", "", 200},
		{"GET", "/readyz", "", "", 200},
		{"GET", "/metrics", "", "", 200},
	}
	for _, c := range cases {
		resp, b := f.do(t, c.method, c.path, c.token, c.body)
		if resp.StatusCode != c.status {
			t.Errorf("%s %s with %q: %d, want %d: %s", c.method, c.path, c.token, resp.StatusCode, c.status, b)
		}
		if c.status == 401 && resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("401 without WWW-Authenticate")
		}
	}
}

func TestRoutingProblems(t *testing.T) {
	f := newFixture(t)
	resp, b := f.do(t, "DELETE", "/v1/audit/events", adminTok, "")
	if resp.StatusCode != 405 || !strings.Contains(resp.Header.Get("Allow"), "POST") {
		t.Fatalf("%d %v %s", resp.StatusCode, resp.Header, b)
	}
	problem(t, resp, b)
	resp, b = f.do(t, "GET", "/v1/nothing", adminTok, "")
	if resp.StatusCode != 404 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	problem(t, resp, b)
	resp, b = f.do(t, "GET", "/v1/audit/entries/7", adminTok, "")
	if resp.StatusCode != 404 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	problem(t, resp, b)
}

func TestQueryAndProofs(t *testing.T) {
	f := newFixture(t)
	for i := range 12 {
		agent := []string{"a", "b", "c"}[i%3]
		resp, b := f.do(t, "POST", "/v1/audit/events", writerTok, `{"type":"decision","agent":"`+agent+`","decision":"allow"}`)
		if resp.StatusCode != 201 {
			t.Fatalf("%d %s", resp.StatusCode, b)
		}
	}
	resp, b := f.do(t, "GET", "/v1/audit/entries?agent=b&limit=3", auditTok, "")
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if len(page.Entries) != 3 || page.Entries[0].Index != 1 || page.NextCursor == nil {
		t.Fatalf("page %s", b)
	}
	resp, b = f.do(t, "GET", "/v1/audit/entries?agent=b&limit=3&cursor="+*page.NextCursor, auditTok, "")
	page = api.EntryPage{}
	if err := json.Unmarshal(b, &page); err != nil || resp.StatusCode != 200 || len(page.Entries) != 1 || page.Entries[0].Index != 10 || page.NextCursor != nil {
		t.Fatalf("second page %s", b)
	}
	if !strings.Contains(string(b), `"next_cursor":null`) {
		t.Fatalf("next_cursor must be null on the last page: %s", b)
	}
	for _, q := range []string{"limit=0", "limit=1001", "limit=x", "since=yesterday", "cursor=zz", "agnet=a", "agent=a&agent=b"} {
		resp, b := f.do(t, "GET", "/v1/audit/entries?"+q, auditTok, "")
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, b)
		}
	}

	resp, b = f.do(t, "GET", "/v1/audit/checkpoint", readerTok, "")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("%d %v", resp.StatusCode, resp.Header)
	}
	cpNote := b
	v, _ := note.NewVerifier(f.vkey)
	resp, b = f.do(t, "GET", "/v1/audit/proof/inclusion?index=4", readerTok, "")
	var ip api.InclusionProof
	if err := json.Unmarshal(b, &ip); err != nil || resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	var raw map[string]any
	_ = json.Unmarshal(b, &raw)
	for _, k := range []string{"index", "tree_size", "leaf_hash", "hashes"} {
		if _, ok := raw[k]; !ok {
			t.Fatalf("inclusion proof lacks %q: %s", k, b)
		}
	}
	_, eb := f.do(t, "GET", "/v1/audit/entries/4", auditTok, "")
	var e api.Entry
	_ = json.Unmarshal(eb, &e)
	if _, err := audit.VerifyInclusion(cpNote, v, &ip, &e); err != nil {
		t.Fatal(err)
	}
	resp, b = f.do(t, "GET", "/v1/audit/proof/consistency?from=5&to=12", readerTok, "")
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"from":5`) || !strings.Contains(string(b), `"to":12`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	for _, q := range []string{"/v1/audit/proof/inclusion?index=12", "/v1/audit/proof/inclusion?index=-1", "/v1/audit/proof/inclusion", "/v1/audit/proof/inclusion?index=1&tree_size=99", "/v1/audit/proof/consistency?from=5", "/v1/audit/proof/consistency?from=9&to=3"} {
		resp, b := f.do(t, "GET", q, readerTok, "")
		if resp.StatusCode != 400 {
			t.Errorf("%s: %d %s", q, resp.StatusCode, b)
		}
		problem(t, resp, b)
	}
	resp, b = f.do(t, "GET", "/v1/audit/checkpoint?size=3", readerTok, "")
	if resp.StatusCode != 404 {
		t.Fatalf("unstored checkpoint size: %d %s", resp.StatusCode, b)
	}
}

func TestErasureEndpoint(t *testing.T) {
	f := newFixture(t)
	f.do(t, "POST", "/v1/audit/events", writerTok, `{"type":"decision","agent":"a","payload":{"email":"x@example.com"}}`)
	resp, b := f.do(t, "POST", "/v1/audit/entries/0/erasure", adminTok, `{"reason":"dsar-17"}`)
	if resp.StatusCode != 201 || !strings.Contains(string(b), `"index":1`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	_, b = f.do(t, "GET", "/v1/audit/entries/0", adminTok, "")
	if strings.Contains(string(b), "example.com") || !strings.Contains(string(b), `"erased":true`) {
		t.Fatalf("erased entry still shows its payload: %s", b)
	}
	_, b = f.do(t, "GET", "/v1/audit/entries/1", adminTok, "")
	if !strings.Contains(string(b), `"source":"agentgov"`) || !strings.Contains(string(b), "token:admin") {
		t.Fatalf("erasure entry: %s", b)
	}
	resp, b = f.do(t, "POST", "/v1/audit/entries/0/erasure", adminTok, `{"reason":"again"}`)
	if resp.StatusCode != 400 {
		t.Fatalf("second erasure: %d %s", resp.StatusCode, b)
	}
}
