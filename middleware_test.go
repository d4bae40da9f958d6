package agentgov_test

import (
	"bytes"
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov"
	"github.com/agentgov/agentgov/api"
)

// middlewareConfig governs the tool endpoints of the middleware tests.
const middlewareConfig = `
tools:
  sql:      {ring: 3, permission: read}
  fetch:    {ring: 3, permission: read}
  mail:     {ring: 3, permission: write}
  report:
    ring: 3
    permission: read
    output_schema: {type: object, required: [rows], properties: {rows: {type: array}}}
  post_public: {ring: 3, permission: write, clearance: public}
agents:
  bot:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    require_approval: [mail]
    blocked_patterns:
      - substring: "DROP TABLE"
      - regex: 'rm\s+-rf'
    egress:
      default: deny
      rules: [{host: "*.corp.example", action: allow}]
    block_on_drift: true
    concurrency: {max: 1}
  redactor:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    manifest: redact.yaml
`

// redactManifest transforms arguments at pre_tool_call and results at
// post_tool_call, with the ACS test engine.
const redactManifest = `agent_control_specification_version: 0.3.1-beta
policies:
  args:
    type: test
    verdict: {decision: transform, reason: redact_password, transform: {path: $policy_target.password, value: "[redacted]"}}
  result:
    type: test
    verdict: {decision: transform, reason: redact_secret, transform: {path: $policy_target.secret, value: "[redacted]"}}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy: {id: args}
  post_tool_call:
    policy_target: $snap.tool_result
    policy: {id: result}
`

func newMiddlewareGovernor(t testing.TB) *agentgov.Governor {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{"agentgov.yaml": middlewareConfig, "redact.yaml": redactManifest} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	gov, err := agentgov.New(context.Background(), agentgov.Options{ConfigFile: filepath.Join(dir, "agentgov.yaml")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { gov.Close(context.Background()) })
	return gov
}

var quiet = agentgov.WithMiddlewareLogger(slog.New(slog.DiscardHandler))

// seen records what a governed handler received.
type seen struct {
	mu    sync.Mutex
	calls int
	body  string
	query string
	ct    string
	call  agentgov.ToolCall
}

func (s *seen) handler(status int, contentType, answer string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		tc, _ := agentgov.ToolCallFrom(r.Context())
		s.mu.Lock()
		s.calls++
		s.body, s.query, s.ct, s.call = string(b), r.URL.RawQuery, r.Header.Get("Content-Type"), tc
		s.mu.Unlock()
		if contentType != "" {
			w.Header().Set("Content-Type", contentType)
		}
		w.WriteHeader(status)
		io.WriteString(w, answer)
	})
}

func (s *seen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

type problem struct {
	Type       string   `json:"type"`
	Status     int      `json:"status"`
	Detail     string   `json:"detail"`
	Field      string   `json:"field"`
	Decision   string   `json:"decision"`
	Reason     string   `json:"reason"`
	Reasons    []string `json:"reasons"`
	AuditIndex *int64   `json:"audit_index"`
	ToolCallID string   `json:"tool_call_id"`
	Point      string   `json:"intervention_point"`
	ApprovalID string   `json:"approval_id"`
}

func request(method, target, agent, contentType, body string) *http.Request {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, target, rd)
	if agent != "" {
		r.Header.Set(agentgov.DefaultAgentHeader, agent)
		r.Header.Set(agentgov.DefaultSessionHeader, "s-1")
	}
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return r
}

func serve(h http.Handler, r *http.Request) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// refused decodes a problem answer and checks its status, decision and
// reason, and that the audit entry it names holds the same verdict.
func refused(t *testing.T, gov *agentgov.Governor, w *httptest.ResponseRecorder, status int, decision, reason string) problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q", ct)
	}
	var p problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if p.Status != status || p.Decision != decision || p.Reason != reason || p.ToolCallID == "" || p.ToolCallID != w.Header().Get(agentgov.ToolCallIDHeader) {
		t.Fatalf("problem %+v, want %d %s %s", p, status, decision, reason)
	}
	if p.AuditIndex != nil {
		e, err := gov.Log().Entry(context.Background(), *p.AuditIndex)
		if err != nil {
			t.Fatal(err)
		}
		// An unknown agent is refused before the gate reads the tool call,
		// so its entry carries no call id.
		if e.Type != "decision" || e.Decision != decision || e.Reason != reason || (reason != "agent_unknown" && !strings.Contains(string(e.Payload), p.ToolCallID)) {
			t.Fatalf("audit entry %d: %+v", *p.AuditIndex, e)
		}
	}
	return p
}

// callEntries returns the audit entries that carry a tool call id.
func callEntries(t *testing.T, gov *agentgov.Governor, callID string) []api.Entry {
	t.Helper()
	page, err := gov.Log().Query(context.Background(), agentgov.LogQuery{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	var out []api.Entry
	for _, e := range page.Entries {
		var p struct {
			CallID string `json:"call_id"`
		}
		if json.Unmarshal(e.Payload, &p) == nil && p.CallID == callID {
			out = append(out, e)
		}
	}
	return out
}

func TestMiddlewareAllowsAndRestoresTheBody(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	h := gov.Middleware("sql", quiet)(s.handler(200, "application/json", `{"rows":[1]}`))
	body := `{"query": "select 1",  "limit": 10}`
	w := serve(h, request("POST", "/tools/sql?db=main", "bot", "application/json", body))
	if w.Code != 200 || w.Body.String() != `{"rows":[1]}` || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q %v", w.Code, w.Body, w.Header())
	}
	// The handler gets the body byte for byte, not a re-encoding.
	if s.body != body || s.query != "db=main" {
		t.Fatalf("handler saw %q ?%s", s.body, s.query)
	}
	id := w.Header().Get(agentgov.ToolCallIDHeader)
	if s.call.ID != id || s.call.Tool != "sql" || s.call.Agent != "bot" || s.call.Session != "s-1" || s.call.Decision.Decision != "allow" {
		t.Fatalf("ToolCallFrom: %+v (header %s)", s.call, id)
	}
	es := callEntries(t, gov, id)
	if len(es) != 2 || es[0].Action != "pre_tool_call:sql" || es[1].Action != "post_tool_call:sql" || es[0].Decision != "allow" || es[1].Decision != "allow" {
		t.Fatalf("audit entries of the call: %+v", es)
	}
}

func TestMiddlewareDeniesBeforeTheHandler(t *testing.T) {
	cases := []struct {
		name, method, target, agent, ct, body string
		status                                int
		decision, reason                      string
	}{
		{"blocked pattern in JSON", "POST", "/sql", "bot", "application/json", `{"query":"x; drop table users"}`, 403, "deny", "blocked_patterns:blocked_pattern"},
		{"blocked pattern in the query, URL-encoded", "GET", "/sql?cmd=rm%2520-rf%2520%252F", "bot", "", "", 403, "deny", "blocked_patterns:blocked_pattern"},
		{"blocked pattern in a form", "POST", "/sql", "bot", "application/x-www-form-urlencoded", "cmd=cm0gLXJmIC8%3D", 403, "deny", "blocked_patterns:blocked_pattern"},
		{"egress denied", "GET", "/fetch?url=https://evil.example/x", "bot", "", "", 403, "deny", "egress:egress_denied"},
		{"egress: a wildcard does not match its apex", "POST", "/fetch", "bot", "application/json", `{"url":"https://corp.example/"}`, 403, "deny", "egress:egress_denied"},
		{"approval required is not an allow", "POST", "/mail", "bot", "application/json", `{"to":"a@corp.example"}`, 403, "escalate", "approval_required"},
		{"unknown agent", "GET", "/sql?q=1", "stranger", "", "", 403, "deny", "agent_unknown"},
		{"no agent header", "GET", "/sql?q=1", "", "", "", 403, "deny", "caller_unidentified"},
		{"parameter in query and body", "POST", "/sql?q=1", "bot", "application/json", `{"q":"2"}`, 400, "deny", "invalid_request"},
		{"duplicate JSON keys", "POST", "/sql", "bot", "application/json", `{"q":"ls","q":"rm -rf /"}`, 400, "deny", "invalid_request"},
		{"not a JSON object", "POST", "/sql", "bot", "application/json", `["q"]`, 400, "deny", "invalid_request"},
		{"unsupported media type", "POST", "/sql", "bot", "text/plain", "rm -rf /", 415, "deny", "unsupported_media_type"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			gov := newMiddlewareGovernor(t)
			tool := strings.TrimPrefix(strings.SplitN(c.target, "?", 2)[0], "/")
			var s seen
			h := gov.Middleware(tool, quiet)(s.handler(200, "", "ran"))
			w := serve(h, request(c.method, c.target, c.agent, c.ct, c.body))
			p := refused(t, gov, w, c.status, c.decision, c.reason)
			if s.count() != 0 {
				t.Fatal("the handler ran")
			}
			// Every refusal that names an agent is in the audit log.
			if c.agent != "" && p.AuditIndex == nil {
				t.Fatalf("refusal not recorded: %+v", p)
			}
		})
	}
}

func TestMiddlewareRefusesDuplicateIdentity(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	h := gov.Middleware("sql", quiet)(s.handler(200, "", "ran"))
	r := request("GET", "/sql?q=1", "bot", "", "")
	r.Header.Add(agentgov.DefaultAgentHeader, "redactor")
	refused(t, gov, serve(h, r), 403, "deny", "caller_unidentified")
	if s.count() != 0 {
		t.Fatal("the handler ran")
	}
}

func TestMiddlewareCustomCaller(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	// The deployer's own authentication decides the agent; the headers
	// a client sends are ignored.
	tokens := map[string]string{"secret-token-of-bot": "bot"}
	caller := agentgov.WithCaller(func(r *http.Request) (agentgov.Caller, error) {
		agent, ok := tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		if !ok {
			return agentgov.Caller{}, fmt.Errorf("not authenticated")
		}
		return agentgov.Caller{Agent: agent, Session: "from-token"}, nil
	})
	var s seen
	h := gov.Middleware("sql", caller)(s.handler(200, "", "ok"))
	r := request("GET", "/sql?q=1", "redactor", "", "")
	r.Header.Set("Authorization", "Bearer secret-token-of-bot")
	if w := serve(h, r); w.Code != 200 || s.call.Agent != "bot" || s.call.Session != "from-token" {
		t.Fatalf("%d %+v", w.Code, s.call)
	}
	r = request("GET", "/sql?q=1", "bot", "", "")
	refused(t, gov, serve(h, r), 403, "deny", "caller_unidentified")
}

func TestMiddlewareBodyTooLarge(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	h := gov.Middleware("sql", quiet, agentgov.WithMaxRequestBytes(64))(s.handler(200, "", "ran"))
	w := serve(h, request("POST", "/sql", "bot", "application/json", `{"q":"`+strings.Repeat("a", 100)+`"}`))
	p := refused(t, gov, w, 413, "deny", "request_too_large")
	if s.count() != 0 || p.AuditIndex == nil {
		t.Fatalf("handler calls %d, problem %+v", s.count(), p)
	}
	// At the limit it passes.
	w = serve(h, request("POST", "/sql", "bot", "application/json", `{"q":"`+strings.Repeat("a", 56)+`"}`))
	if w.Code != 200 {
		t.Fatalf("a body at the limit: %d %s", w.Code, w.Body)
	}
}

func TestMiddlewareGateErrorDenies(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	long := strings.Repeat("a", 300)
	h := gov.Middleware("sql", agentgov.WithCaller(func(*http.Request) (agentgov.Caller, error) {
		return agentgov.Caller{Agent: long}, nil
	}))(s.handler(200, "", "ran"))
	p := refused(t, gov, serve(h, request("GET", "/sql?q=1", "", "", "")), 400, "deny", "gate_error")
	if p.Field != "agent" || s.count() != 0 {
		t.Fatalf("%+v, handler calls %d", p, s.count())
	}

	// A governor whose audit log is gone cannot record, so it cannot allow.
	h = gov.Middleware("sql", quiet)(s.handler(200, "", "ran"))
	if err := gov.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := serve(h, request("GET", "/sql?q=1", "bot", "", ""))
	if w.Code != 403 || s.count() != 0 || !strings.Contains(w.Body.String(), `"reason":"audit_unavailable"`) {
		t.Fatalf("%d %s, handler calls %d", w.Code, w.Body, s.count())
	}
}

func TestMiddlewarePostToolCall(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	// A result that violates the tool's output schema is withheld.
	h := gov.Middleware("report", quiet)(s.handler(200, "application/json", `{"rows":"not an array"}`))
	w := serve(h, request("GET", "/report?id=7", "bot", "", ""))
	p := refused(t, gov, w, 502, "deny", "drift:output_schema")
	if s.count() != 1 || p.Point != "post_tool_call" || strings.Contains(w.Body.String(), "not an array") {
		t.Fatalf("handler calls %d, %+v, body %s", s.count(), p, w.Body)
	}
	// A result that conforms passes.
	h = gov.Middleware("report", quiet)(s.handler(200, "application/json", `{"rows":[]}`))
	if w := serve(h, request("GET", "/report?id=7", "bot", "", "")); w.Code != 200 || w.Body.String() != `{"rows":[]}` {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// Text the tool's schema cannot accept is withheld too.
	h = gov.Middleware("report", quiet)(s.handler(200, "text/plain", "rows: none"))
	refused(t, gov, serve(h, request("GET", "/report", "bot", "", "")), 502, "deny", "drift:output_schema")
}

func TestMiddlewareTransforms(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	h := gov.Middleware("sql", quiet)(s.handler(200, "application/json", `{"secret":"s3cr3t","rows":[1]}`))
	w := serve(h, request("POST", "/sql?db=main", "redactor", "application/json", `{"user":"ann","password":"hunter2"}`))
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// The handler gets the transformed arguments, in the request's own
	// encoding: body members in the body, query members in the query.
	if s.body != `{"password":"[redacted]","user":"ann"}` || s.query != "db=main" || s.ct != "application/json" {
		t.Fatalf("handler saw %q ?%s (%s)", s.body, s.query, s.ct)
	}
	// The caller gets the transformed result.
	var got map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil || got["secret"] != "[redacted]" || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("result %s (%v)", w.Body, err)
	}
	if strings.Contains(w.Body.String(), "s3cr3t") {
		t.Fatal("the secret reached the caller")
	}

	// A form is delivered as a form.
	w = serve(h, request("POST", "/sql", "redactor", "application/x-www-form-urlencoded", "user=ann&password=hunter2"))
	if w.Code != 200 || s.body != "password=%5Bredacted%5D&user=ann" {
		t.Fatalf("%d, handler saw %q", w.Code, s.body)
	}
	// A query-only call gets its transformed query.
	w = serve(h, request("GET", "/sql?user=ann&password=hunter2", "redactor", "", ""))
	if w.Code != 200 || s.query != "password=%5Bredacted%5D&user=ann" || s.body != "" {
		t.Fatalf("%d, handler saw ?%s %q", w.Code, s.query, s.body)
	}
}

func TestMiddlewareReleasesTheSlot(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	entered, release := make(chan struct{}), make(chan struct{})
	blocking := gov.Middleware("sql", quiet)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		<-release
		w.Write([]byte("done"))
	}))
	first := make(chan *httptest.ResponseRecorder)
	go func() { first <- serve(blocking, request("GET", "/sql?q=1", "bot", "", "")) }()
	<-entered
	// bot may have one call in flight.
	var s seen
	quick := gov.Middleware("sql", quiet)(s.handler(200, "", "ok"))
	refused(t, gov, serve(quick, request("GET", "/sql?q=2", "bot", "", "")), 403, "deny", "concurrency_limit")
	close(release)
	if w := <-first; w.Code != 200 || w.Body.String() != "done" {
		t.Fatalf("first call: %d %s", w.Code, w.Body)
	}
	if w := serve(quick, request("GET", "/sql?q=3", "bot", "", "")); w.Code != 200 {
		t.Fatalf("after the release: %d %s", w.Code, w.Body)
	}

	// Whatever the handler does, the slot comes back.
	handlers := map[string]http.Handler{
		"error status": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "tool failed", 500) }),
		"too large":    http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(bytes.Repeat([]byte("x"), 2048)) }),
		"encoded": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Encoding", "gzip")
			w.Write([]byte{31, 139})
		}),
		"panic": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("tool crashed") }),
	}
	for name, hh := range handlers {
		t.Run(name, func(t *testing.T) {
			h := gov.Middleware("sql", quiet, agentgov.WithMaxResponseBytes(1024))(hh)
			var w *httptest.ResponseRecorder
			var recovered any
			func() {
				defer func() { recovered = recover() }()
				w = serve(h, request("GET", "/sql?q="+url.QueryEscape(name), "bot", "", ""))
			}()
			if name != "panic" && recovered != nil {
				t.Fatalf("panic: %v", recovered)
			}
			switch name {
			case "error status":
				// An error answer is the tool's result: inspected, passed on.
				if w.Code != 500 || !strings.Contains(w.Body.String(), "tool failed") {
					t.Fatalf("%d %s", w.Code, w.Body)
				}
			case "too large":
				refused(t, gov, w, 502, "deny", "result_too_large")
			case "encoded":
				refused(t, gov, w, 502, "deny", "result_unreadable")
			case "panic":
				if recovered != "tool crashed" {
					t.Fatalf("the panic did not continue: %v", recovered)
				}
			}
			if w := serve(quick, request("GET", "/sql?q=next", "bot", "", "")); w.Code != 200 {
				t.Fatalf("the slot was not released: %d %s", w.Code, w.Body)
			}
		})
	}
}

func TestMiddlewareSnapshotHook(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	// The deployer labels what the request carries; confidential data may
	// not flow into a public tool.
	labels := agentgov.WithSnapshot(func(r *http.Request, point string, snap map[string]any) error {
		if l := r.Header.Get("Data-Label"); l != "" {
			snap["ifc"] = map[string]any{"source_labels": []any{l}}
		}
		// The middleware owns tool_call: this does not change what is checked.
		snap["tool_call"] = map[string]any{"name": "sql", "args": map[string]any{}}
		return nil
	})
	h := gov.Middleware("post_public", quiet, labels)(s.handler(200, "", "posted"))
	r := request("POST", "/post_public", "bot", "application/json", `{"text":"q3 numbers"}`)
	r.Header.Set("Data-Label", "confidential")
	refused(t, gov, serve(h, r), 403, "deny", "ifc_clearance_violation")
	r = request("POST", "/post_public", "bot", "application/json", `{"text":"rm -rf /"}`)
	refused(t, gov, serve(h, r), 403, "deny", "blocked_patterns:blocked_pattern")
	if s.count() != 0 {
		t.Fatal("the handler ran")
	}
	r = request("POST", "/post_public", "bot", "application/json", `{"text":"hello"}`)
	r.Header.Set("Data-Label", "public")
	if w := serve(h, r); w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	// A hook that fails refuses the call.
	failing := agentgov.WithSnapshot(func(*http.Request, string, map[string]any) error { return fmt.Errorf("label service down") })
	h = gov.Middleware("sql", quiet, failing)(s.handler(200, "", "ran"))
	refused(t, gov, serve(h, request("GET", "/sql?q=1", "bot", "", "")), 403, "deny", "snapshot_error")
}

func TestMiddlewareOverRealHTTP(t *testing.T) {
	gov := newMiddlewareGovernor(t)
	var s seen
	srv := httptest.NewServer(gov.Middleware("fetch", quiet)(s.handler(200, "application/json", `{"ok":true}`)))
	defer srv.Close()
	do := func(body string) (*http.Response, string) {
		req, _ := http.NewRequest("POST", srv.URL+"/fetch", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(agentgov.DefaultAgentHeader, "bot")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, b := do(`{"url":"https://api.corp.example/v1"}`); resp.StatusCode != 200 || b != `{"ok":true}` || resp.Header.Get(agentgov.ToolCallIDHeader) == "" {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	if resp, b := do(`{"url":"http://169.254.169.254/latest/meta-data"}`); resp.StatusCode != 403 || !strings.Contains(b, `"egress:egress_denied"`) {
		t.Fatalf("%d %s", resp.StatusCode, b)
	}
	// A body far over the limit is cut off, not read to the end.
	start := time.Now()
	if resp, _ := do(`{"q":"` + strings.Repeat("a", 4<<20) + `"}`); resp.StatusCode != 413 {
		t.Fatalf("oversized: %d", resp.StatusCode)
	}
	if time.Since(start) > 10*time.Second {
		t.Fatal("the oversized body took too long")
	}
	rep, err := gov.Log().Verify(context.Background())
	if err != nil || !rep.Intact {
		t.Fatalf("verify: %+v %v", rep, err)
	}
}

// A tool endpoint governed by agentgov: the deployer's authentication
// names the agent, and agentgov decides every call before the handler runs
// and inspects every result before the caller sees it.
func ExampleGovernor_Middleware() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "agentgov-middleware-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "agentgov.yaml")
	os.WriteFile(cfg, []byte(`
tools:
  search: {ring: 3, permission: search}
agents:
  support-bot:
    role: WRITER
    ring: 3
    allowed_tools: [search]
    blocked_patterns: [{substring: "DROP TABLE"}]
`), 0o600)
	gov, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg})
	if err != nil {
		log.Fatal(err)
	}
	defer gov.Close(ctx)

	// Your authentication decides who is calling (here: a fixed token).
	caller := agentgov.WithCaller(func(r *http.Request) (agentgov.Caller, error) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), []byte("Bearer support-bot-token")) != 1 {
			return agentgov.Caller{}, fmt.Errorf("unknown token")
		}
		return agentgov.Caller{Agent: "support-bot", Session: r.Header.Get("Agent-Session")}, nil
	})
	search := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var args struct{ Q string }
		json.NewDecoder(r.Body).Decode(&args)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"results":["about %s"]}`, args.Q)
	})
	mux := http.NewServeMux()
	mux.Handle("POST /tools/search", gov.Middleware("search", caller)(search))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, q := range []string{"refund policy", "x'; DROP TABLE users; --"} {
		body, _ := json.Marshal(map[string]string{"q": q})
		req, _ := http.NewRequest("POST", srv.URL+"/tools/search", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer support-bot-token")
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		var answer struct {
			Results  []string
			Decision string
			Reason   string
		}
		json.NewDecoder(resp.Body).Decode(&answer)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			fmt.Println(resp.StatusCode, answer.Results)
		} else {
			fmt.Println(resp.StatusCode, answer.Decision, answer.Reason)
		}
	}
	// Output:
	// 200 [about refund policy]
	// 403 deny blocked_patterns:blocked_pattern
}

// TestMiddlewareApprovedCallRunsOnce: an escalated call answers 403 with
// the approval request's id; once approved, the same call carrying the id
// runs exactly once, and a different call with the id does not.
func TestMiddlewareApprovedCallRunsOnce(t *testing.T) {
	ctx := context.Background()
	gov := newMiddlewareGovernor(t)
	var s seen
	h := gov.Middleware("mail", quiet)(s.handler(200, "", "sent"))
	body := `{"to":"a@corp.example"}`
	p := refused(t, gov, serve(h, request("POST", "/mail", "bot", "application/json", body)), 403, "escalate", "approval_required")
	if p.ApprovalID == "" {
		t.Fatalf("escalation without an approval id: %+v", p)
	}
	if _, err := gov.Approve(ctx, p.ApprovalID, agentgov.Approver{Name: "ops", Role: "ADMIN"}, "ok"); err != nil {
		t.Fatal(err)
	}
	with := func(body string) *httptest.ResponseRecorder {
		r := request("POST", "/mail", "bot", "application/json", body)
		r.Header.Set(agentgov.ApprovalIDHeader, p.ApprovalID)
		return serve(h, r)
	}
	refused(t, gov, with(`{"to":"rival@evil.example"}`), 403, "deny", "approval_mismatch")
	if w := with(body); w.Code != 200 || s.count() != 1 {
		t.Fatalf("approved call: %d %s (handler ran %d times)", w.Code, w.Body, s.count())
	}
	refused(t, gov, with(body), 403, "deny", "approval_consumed")
	if s.count() != 1 {
		t.Fatalf("the handler ran %d times", s.count())
	}
}
