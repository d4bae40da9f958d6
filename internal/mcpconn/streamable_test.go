package mcpconn

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// sdkServer is an MCP server on the SDK's streamable-HTTP handler, with
// an echo tool and a tool that reports progress before answering.
func sdkServer(t *testing.T, jsonResponse bool) (*mcp.Server, *httptest.Server) {
	t.Helper()
	srv := mcp.NewServer(&mcp.Implementation{Name: "up", Version: "1"}, nil)
	type in struct {
		Text string `json:"text"`
	}
	mcp.AddTool(srv, &mcp.Tool{Name: "echo", Description: "Echo."}, func(ctx context.Context, _ *mcp.CallToolRequest, a in) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "echo: " + a.Text}}}, nil, nil
	})
	mcp.AddTool(srv, &mcp.Tool{Name: "report", Description: "Report progress."}, func(ctx context.Context, req *mcp.CallToolRequest, _ struct{}) (*mcp.CallToolResult, any, error) {
		if tok := req.Params.GetProgressToken(); tok != nil {
			for i := 1; i <= 3; i++ {
				_ = req.Session.NotifyProgress(ctx, &mcp.ProgressNotificationParams{ProgressToken: tok, Progress: float64(i), Total: 3})
			}
		}
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "done"}}}, nil, nil
	})
	hs := httptest.NewServer(mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{JSONResponse: jsonResponse}))
	t.Cleanup(hs.Close)
	return srv, hs
}

func resultText(res *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok {
			b.WriteString(tc.Text)
		}
	}
	return b.String()
}

// TestStreamableWithTheSDKServer runs an SDK client over the transport
// against the SDK's own server, answering with event streams and with
// JSON bodies: initialise, list, call, progress on the call's stream, a
// list change on the GET stream, and DELETE on close.
func TestStreamableWithTheSDKServer(t *testing.T) {
	for _, jsonResponse := range []bool{false, true} {
		t.Run(fmt.Sprintf("json=%v", jsonResponse), func(t *testing.T) {
			srv, hs := sdkServer(t, jsonResponse)
			ctx := context.Background()
			changed := make(chan struct{}, 1)
			var progress atomic.Int64
			cl := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, &mcp.ClientOptions{
				ToolListChangedHandler: func(context.Context, *mcp.ToolListChangedRequest) {
					select {
					case changed <- struct{}{}:
					default:
					}
				},
				ProgressNotificationHandler: func(context.Context, *mcp.ProgressNotificationClientRequest) { progress.Add(1) },
			})
			cs, err := cl.Connect(ctx, &StreamableTransport{Endpoint: hs.URL, Standalone: true}, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
			if err != nil {
				t.Fatal(err)
			}
			if cs.ID() == "" {
				t.Fatal("no session id was taken from the server")
			}
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: map[string]any{"text": "hi"}})
			if err != nil || resultText(res) != "echo: hi" {
				t.Fatalf("call: %v %+v", err, res)
			}
			if !jsonResponse {
				p := &mcp.CallToolParams{Name: "report", Arguments: map[string]any{}}
				p.SetProgressToken("job")
				if res, err := cs.CallTool(ctx, p); err != nil || resultText(res) != "done" {
					t.Fatalf("report: %v %+v", err, res)
				}
				waitFor(t, func() bool { return progress.Load() == 3 }, "three progress notifications")
			}
			// A new tool: the server tells its sessions on the GET stream.
			waitFor(t, func() bool { return sessions(srv) == 1 }, "the server session")
			time.Sleep(50 * time.Millisecond) // let the GET stream open
			mcp.AddTool(srv, &mcp.Tool{Name: "late", Description: "Added later."}, func(context.Context, *mcp.CallToolRequest, struct{}) (*mcp.CallToolResult, any, error) {
				return &mcp.CallToolResult{}, nil, nil
			})
			select {
			case <-changed:
			case <-time.After(5 * time.Second):
				t.Fatal("the list change never arrived on the GET stream")
			}
			if err := cs.Close(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, func() bool { return sessions(srv) == 0 }, "the session ended by DELETE")
		})
	}
}

func sessions(srv *mcp.Server) int {
	n := 0
	for range srv.Sessions() {
		n++
	}
	return n
}

func waitFor(t *testing.T, ok func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// scripted is a streamable-HTTP server whose answers to tools/call a test
// writes; initialize and notifications are answered as a server does.
type scripted struct {
	mu       sync.Mutex
	seen     []http.Header // headers of every request, in order
	methods  []string
	call     func(w http.ResponseWriter, id json.RawMessage)
	resume   func(w http.ResponseWriter, lastID string)
	gone     atomic.Bool // answer 404: the session ended
	deleted  atomic.Bool
	protocol string
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.seen = append(s.seen, r.Header.Clone())
	s.mu.Unlock()
	if s.gone.Load() {
		http.Error(w, "session not found", http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodDelete:
		s.deleted.Store(true)
		w.WriteHeader(http.StatusNoContent)
		return
	case http.MethodGet:
		if s.resume == nil {
			http.Error(w, "no stream", http.StatusMethodNotAllowed)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		s.resume(w, r.Header.Get("Last-Event-ID"))
		return
	}
	var m struct {
		ID     json.RawMessage `json:"id"`
		Method string          `json:"method"`
	}
	body, _ := io.ReadAll(r.Body)
	_ = json.Unmarshal(body, &m)
	s.mu.Lock()
	s.methods = append(s.methods, m.Method)
	s.mu.Unlock()
	switch {
	case m.Method == "initialize":
		w.Header().Set("Mcp-Session-Id", "sess-1")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":%q,"capabilities":{},"serverInfo":{"name":"s","version":"1"}}}`, m.ID, s.protocol)
	case m.ID == nil:
		w.WriteHeader(http.StatusAccepted)
	default:
		s.call(w, m.ID)
	}
}

func (s *scripted) headers() []http.Header {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]http.Header(nil), s.seen...)
}

// rawConn connects the transport to a scripted server and initialises it
// by hand.
func rawConn(t *testing.T, s *scripted) *StreamableConn {
	t.Helper()
	if s.protocol == "" {
		s.protocol = "2025-11-25"
	}
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	c, err := (&StreamableTransport{Endpoint: hs.URL, MaxRetries: 1}).Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sc := c.(*StreamableConn)
	t.Cleanup(func() { sc.Close() })
	ctx := context.Background()
	id, _ := jsonrpc.MakeID(float64(0))
	if err := sc.Write(ctx, &jsonrpc.Request{ID: id, Method: "initialize", Params: json.RawMessage(`{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := sc.Read(ctx); err != nil {
		t.Fatal(err)
	}
	if err := sc.Write(ctx, &jsonrpc.Request{Method: "notifications/initialized"}); err != nil {
		t.Fatal(err)
	}
	return sc
}

// callOnce sends a tools/call and returns the answer Read gets.
func callOnce(t *testing.T, c *StreamableConn, n int) (*jsonrpc.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	id, _ := jsonrpc.MakeID(float64(n))
	if err := c.Write(ctx, &jsonrpc.Request{ID: id, Method: "tools/call", Params: json.RawMessage(`{"name":"x","arguments":{}}`)}); err != nil {
		return nil, err
	}
	for {
		msg, err := c.Read(ctx)
		if err != nil {
			return nil, err
		}
		if r, ok := msg.(*jsonrpc.Response); ok {
			if r.ID != id {
				t.Fatalf("answer to %v, want %v", r.ID, id)
			}
			return r, nil
		}
	}
}

func TestStreamableAnswers(t *testing.T) {
	tests := []struct {
		name    string
		call    func(w http.ResponseWriter, id json.RawMessage)
		resume  func(w http.ResponseWriter, lastID string)
		result  string // the answer's result, or
		errText string // a part of its error message
	}{
		{name: "JSON body",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "application/json; charset=utf-8")
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"ok":1}}`, id)
			},
			result: `{"ok":1}`},
		{name: "event stream with a server request, a notification and other event types first",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "id: e0\ndata\n\n: comment\n\nevent: ping\ndata: not json\n\n")
				fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{\"progressToken\":1,\"progress\":1}}\n\n")
				fmt.Fprintf(w, "event: message\r\ndata: {\"jsonrpc\":\"2.0\",\r\ndata: \"id\":%s,\"result\":{\"ok\":2}}\r\n\r\n", id)
			},
			result: `{"ok":2}`},
		{name: "JSON-RPC error in an error status",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"error":{"code":-32602,"message":"bad params"}}`, id)
			},
			errText: "bad params"},
		{name: "plain error status",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				http.Error(w, "overloaded", http.StatusServiceUnavailable)
			},
			errText: "HTTP 503"},
		{name: "stream ended without an answer and without ids",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprint(w, ": nothing\n\n")
			},
			errText: "ended the stream without answering"},
		{name: "stream resumed after its last id",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "id: s-0\nretry: 5\ndata\n\n")
				pending.Store(string(id))
			},
			resume: func(w http.ResponseWriter, lastID string) {
				if lastID != "s-0" {
					http.Error(w, "bad Last-Event-ID "+lastID, http.StatusBadRequest)
					return
				}
				fmt.Fprintf(w, "id: s-1\ndata: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"ok\":3}}\n\n", pending.Load())
			},
			result: `{"ok":3}`},
		{name: "resumption that never progresses",
			call: func(w http.ResponseWriter, id json.RawMessage) {
				w.Header().Set("Content-Type", "text/event-stream")
				fmt.Fprintf(w, "id: s-0\nretry: 5\ndata\n\n")
			},
			resume: func(w http.ResponseWriter, lastID string) {
				fmt.Fprintf(w, "retry: 5\n\n")
			},
			errText: "made no progress"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &scripted{call: tt.call, resume: tt.resume}
			c := rawConn(t, s)
			for n := 1; n <= 2; n++ { // the connection stays usable
				r, err := callOnce(t, c, n)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case tt.result != "" && (r.Error != nil || string(r.Result) != tt.result):
					t.Fatalf("answer %d: %s %v, want %s", n, r.Result, r.Error, tt.result)
				case tt.errText != "" && (r.Error == nil || !strings.Contains(r.Error.Error(), tt.errText)):
					t.Fatalf("answer %d: %s %v, want an error with %q", n, r.Result, r.Error, tt.errText)
				}
			}
		})
	}
}

// pending carries the id of the call a resumption test answers later.
var pending atomic.Value

func TestStreamableHeaders(t *testing.T) {
	s := &scripted{call: func(w http.ResponseWriter, id json.RawMessage) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, id)
	}}
	c := rawConn(t, s)
	if _, err := callOnce(t, c, 1); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	h := s.headers()
	if len(h) != 4 {
		t.Fatalf("%d requests, want initialize, initialized, the call and DELETE", len(h))
	}
	if h[0].Get("Mcp-Session-Id") != "" || h[0].Get("Mcp-Protocol-Version") != "" {
		t.Fatalf("initialize carried session headers: %v", h[0])
	}
	for i, r := range h[1:] {
		if r.Get("Mcp-Session-Id") != "sess-1" || r.Get("Mcp-Protocol-Version") != "2025-11-25" {
			t.Fatalf("request %d: %v", i+1, r)
		}
		if r.Get("Mcp-Method") != "" {
			t.Fatalf("request %d carries a sessionless protocol's header: %v", i+1, r)
		}
	}
	if !strings.Contains(h[2].Get("Accept"), "application/json") || !strings.Contains(h[2].Get("Accept"), "text/event-stream") {
		t.Fatalf("Accept: %q", h[2].Get("Accept"))
	}
	if !s.deleted.Load() {
		t.Fatal("Close did not end the session")
	}
}

func TestStreamableSessionlessHeaders(t *testing.T) {
	s := &scripted{protocol: "2026-07-28", call: func(w http.ResponseWriter, id json.RawMessage) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, id)
	}}
	c := rawConn(t, s)
	if _, err := callOnce(t, c, 1); err != nil {
		t.Fatal(err)
	}
	h := s.headers()
	last := h[len(h)-1]
	if last.Get("Mcp-Method") != "tools/call" || last.Get("Mcp-Name") != "x" || last.Get("Mcp-Protocol-Version") != "2026-07-28" {
		t.Fatalf("headers: %v", last)
	}
}

func TestStreamableSessionGone(t *testing.T) {
	s := &scripted{call: func(w http.ResponseWriter, id json.RawMessage) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{}}`, id)
	}}
	c := rawConn(t, s)
	s.gone.Store(true)
	if _, err := callOnce(t, c, 1); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("call on an ended session: %v", err)
	}
	if _, err := c.Read(context.Background()); !errors.Is(err, ErrSessionGone) {
		t.Fatalf("read after the end: %v", err)
	}
	c.Close()
	if s.deleted.Load() {
		t.Fatal("an ended session was deleted again")
	}
}

func TestStreamableMalformedAndOversizedAnswersFail(t *testing.T) {
	for name, body := range map[string]string{
		"malformed JSON":  `{"jsonrpc":"2.0","id":`,
		"oversized event": "data: " + strings.Repeat("x", 4096) + "\n\n",
	} {
		t.Run(name, func(t *testing.T) {
			s := &scripted{call: func(w http.ResponseWriter, id json.RawMessage) {
				if strings.HasPrefix(body, "data:") {
					w.Header().Set("Content-Type", "text/event-stream")
				} else {
					w.Header().Set("Content-Type", "application/json")
				}
				fmt.Fprint(w, body)
			}}
			c := rawConn(t, s)
			c.t.MaxMessage = 1024
			if _, err := callOnce(t, c, 1); err == nil {
				t.Fatal("a broken answer was accepted")
			}
			if c.failure() == nil {
				t.Fatal("the connection survived a server that answers garbage")
			}
		})
	}
}

func TestStreamableIntercept(t *testing.T) {
	s := &scripted{call: func(w http.ResponseWriter, id json.RawMessage) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprintf(w, "data: {\"jsonrpc\":\"2.0\",\"id\":%s,\"result\":{\"ok\":1}}\n\n", id)
	}}
	c := rawConn(t, s)
	var got *jsonrpc.Response
	c.SetIntercept(func(m jsonrpc.Message) bool {
		r, ok := m.(*jsonrpc.Response)
		if ok {
			got = r
		}
		return ok
	})
	id, _ := jsonrpc.MakeID("own-1")
	if err := c.Write(context.Background(), &jsonrpc.Request{ID: id, Method: "tools/call", Params: json.RawMessage(`{"name":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	// The answer was taken before Write returned, on the caller's
	// goroutine, and Read never sees it.
	if got == nil || got.ID != id {
		t.Fatalf("intercepted %+v", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if m, err := c.Read(ctx); err == nil {
		t.Fatalf("Read got an intercepted message: %+v", m)
	}
}
