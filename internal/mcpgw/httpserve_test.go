package mcpgw

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/api"
)

// httpGateway serves a gateway over streamable HTTP and connects an SDK
// client to it; it returns the client session and the gateway's URL.
func httpGateway(t *testing.T, o Options, copts *mcp.ClientOptions) (*Gateway, *mcp.ClientSession, string) {
	t.Helper()
	g := newGateway(t, o)
	hs := httptest.NewServer(g.HTTPHandler())
	t.Cleanup(hs.Close)
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, copts).Connect(context.Background(),
		&mcp.StreamableClientTransport{Endpoint: hs.URL, MaxRetries: -1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	// The SDK handles notifications/initialized after answering its
	// POST: until then the session's calls go to the SDK.
	deadline := time.Now().Add(5 * time.Second)
	for g.httpSession(cs.ID()) == nil {
		if time.Now().After(deadline) {
			t.Fatal("the initialised session never became eligible for the fast path")
		}
		time.Sleep(time.Millisecond)
	}
	return g, cs, hs.URL
}

// rawPost sends one JSON-RPC message to the gateway as a client would,
// with headers changed by edit.
func rawPost(t *testing.T, url, session, body string, edit func(*http.Request)) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Mcp-Session-Id", session)
	req.Header.Set("Mcp-Protocol-Version", "2025-11-25")
	if edit != nil {
		edit(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHTTPFastPathIdentityAndSession(t *testing.T) {
	u := newUpstream(t)
	dec := &fakeDecider{}
	g, cs, _ := httpGateway(t, Options{Upstream: u.connector(t), Decider: dec,
		CallerAgent: func(h map[string][]string) string { return http.Header(h).Get("X-Agent") }}, nil)
	if res := callTool(t, cs, "echo", map[string]any{"text": "hi"}); res.IsError || text(res) != "echo: hi" {
		t.Fatalf("call: %q", text(res))
	}
	if g.httpServed.Load() != 1 {
		t.Fatalf("fast path served %d calls, want 1", g.httpServed.Load())
	}
	dec.mu.Lock()
	last := dec.seen[len(dec.seen)-1]
	dec.mu.Unlock()
	if want := "mcp-files-" + cs.ID(); last.Session != want || last.Agent != "bot" {
		t.Fatalf("checked as agent %q in session %q, want bot in %q", last.Agent, last.Session, want)
	}
}

func TestHTTPFastPathLeavesTheRestToTheSDK(t *testing.T) {
	u := newUpstream(t)
	var progress int
	g, cs, _ := httpGateway(t, Options{Upstream: u.connector(t), Decider: &fakeDecider{decide: func(req api.CheckRequest) (api.CheckDecision, error) {
		if toolOf(req) == "files/delete_all" {
			return api.CheckDecision{Decision: "deny", Reason: "tool_not_allowed"}, nil
		}
		return api.CheckDecision{Decision: "allow"}, nil
	}}}, &mcp.ClientOptions{ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress++ }})
	// A hidden tool is the SDK's to refuse.
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "delete_all"}); err == nil && !res.IsError {
		t.Fatalf("hidden tool called: %+v", res)
	}
	// A call asking for progress needs an event stream: the SDK's
	// handler serves it, governed the same way.
	p := &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "with progress"}}
	p.SetProgressToken("job-1")
	if res, err := cs.CallTool(context.Background(), p); err != nil || res.IsError || text(res) != "echo: with progress" {
		t.Fatalf("progress call: %v %+v", err, res)
	}
	if g.httpServed.Load() != 0 {
		t.Fatalf("the fast path took %d calls it should have left to the SDK", g.httpServed.Load())
	}
	if u.calls.Load() != 1 {
		t.Fatalf("upstream calls: %d, want 1", u.calls.Load())
	}
}

// TestHTTPFastPathKeepsTheSDKsChecks sends a fast-path call with one
// thing wrong at a time: the SDK's answer, not the fast path's, comes
// back.
func TestHTTPFastPathKeepsTheSDKsChecks(t *testing.T) {
	u := newUpstream(t)
	g, cs, url := httpGateway(t, Options{Upstream: u.connector(t), Decider: &fakeDecider{}}, nil)
	call := `{"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"echo","arguments":{"text":"raw"}}}`
	if code, body := rawPost(t, url, cs.ID(), call, nil); code != http.StatusOK || !strings.Contains(body, "echo: raw") || !strings.Contains(body, `"id":41`) {
		t.Fatalf("well-formed call: %d %s", code, body)
	}
	if g.httpServed.Load() != 1 {
		t.Fatalf("fast path served %d", g.httpServed.Load())
	}
	for _, tc := range []struct {
		name    string
		session string
		edit    func(*http.Request)
		status  int
	}{
		{"DNS rebinding: a loopback listener reached under another name", cs.ID(), func(r *http.Request) { r.Host = "attacker.example" }, http.StatusForbidden},
		{"Accept without event streams", cs.ID(), func(r *http.Request) { r.Header.Set("Accept", "application/json") }, http.StatusBadRequest},
		{"not JSON", cs.ID(), func(r *http.Request) { r.Header.Set("Content-Type", "text/plain") }, http.StatusUnsupportedMediaType},
		{"unsupported protocol version", cs.ID(), func(r *http.Request) { r.Header.Set("Mcp-Protocol-Version", "1999-01-01") }, http.StatusBadRequest},
		{"unknown session", "no-such-session", nil, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := rawPost(t, url, tc.session, call, tc.edit); code != tc.status {
				t.Fatalf("status %d (%s), want %d", code, body, tc.status)
			}
		})
	}
	if g.httpServed.Load() != 1 || u.calls.Load() != 1 {
		t.Fatalf("refused requests reached the fast path (%d) or the upstream (%d)", g.httpServed.Load(), u.calls.Load())
	}
	// After the client ends its session, its id serves nothing.
	id := cs.ID()
	cs.Close()
	deadline := time.Now().Add(5 * time.Second)
	for g.httpSession(id) != nil {
		if time.Now().After(deadline) {
			t.Fatal("the ended session is still eligible")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code, _ := rawPost(t, url, id, call, nil); code != http.StatusNotFound {
		t.Fatalf("call on an ended session: %d", code)
	}
}

func TestHTTPFastPathCancellation(t *testing.T) {
	u := newUpstream(t)
	g, cs, url := httpGateway(t, Options{Upstream: u.connector(t), Decider: &fakeDecider{}}, nil)
	done := make(chan string, 1)
	go func() {
		_, body := rawPost(t, url, cs.ID(), `{"jsonrpc":"2.0","id":"slow-1","method":"tools/call","params":{"name":"slow","arguments":{}}}`, nil)
		done <- body
	}()
	deadline := time.Now().Add(5 * time.Second)
	for u.started.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the slow call never started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if code, body := rawPost(t, url, cs.ID(), `{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":"slow-1"}}`, nil); code != http.StatusAccepted {
		t.Fatalf("cancellation: %d %s", code, body)
	}
	select {
	case body := <-done:
		if !strings.Contains(body, `"isError":true`) {
			t.Fatalf("the cancelled call answered %s", body)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the cancelled call never ended")
	}
	for u.cancelled.Load() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the upstream was not told the call was cancelled")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if g.httpServed.Load() != 1 {
		t.Fatalf("fast path served %d", g.httpServed.Load())
	}
}

// TestRugPullOverHTTP changes a tool on an upstream reached over
// streamable HTTP: the list change arrives on the GET stream of the
// gateway's own transport, and the changed tool is withdrawn.
func TestRugPullOverHTTP(t *testing.T) {
	u := newUpstream(t)
	rv := &reviewer{}
	g, cs, _ := httpGateway(t, Options{Upstream: u.httpConnector(t), Decider: &fakeDecider{}, Reviewer: rv}, nil)
	if got := listed(t, cs); !slices.Contains(got, "echo") {
		t.Fatalf("before: %q", got)
	}
	time.Sleep(50 * time.Millisecond) // the GET stream opens after initialisation
	rugPullEcho(t, u, g, rv)
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "x"}})
	if err == nil && !res.IsError {
		t.Fatalf("the withdrawn tool was called: %s", text(res))
	}
}
