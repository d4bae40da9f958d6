package mcpgw

import (
	"bufio"
	"context"
	"encoding/json"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
)

// wire is a client that speaks raw JSON-RPC lines to the gateway's stdio
// transport.
type wire struct {
	t    *testing.T
	conn net.Conn
	in   *bufio.Reader
}

func dialWire(t *testing.T, g *Gateway) *wire {
	t.Helper()
	cl, gw := net.Pipe()
	ss, err := g.Server().Connect(context.Background(), g.StreamTransport(gw, gw, gw), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ss.Close(); cl.Close() })
	return &wire{t: t, conn: cl, in: bufio.NewReader(cl)}
}

func (w *wire) send(line string) {
	w.t.Helper()
	w.conn.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := w.conn.Write([]byte(line + "\n")); err != nil {
		w.t.Fatalf("send %s: %v", line, err)
	}
}

// recv reads the next message the gateway writes.
func (w *wire) recv() map[string]any {
	w.t.Helper()
	w.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := w.in.ReadBytes('\n')
	if err != nil {
		w.t.Fatalf("recv: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		w.t.Fatalf("recv %q: %v", line, err)
	}
	return m
}

// initialize completes the stateful handshake.
func (w *wire) initialize() {
	w.t.Helper()
	w.send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if m := w.recv(); m["error"] != nil {
		w.t.Fatalf("initialize: %v", m)
	}
	w.send(`{"jsonrpc":"2.0","method":"notifications/initialized","params":{}}`)
}

func errCode(m map[string]any) float64 {
	e, _ := m["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return c
}

func resultText(m map[string]any) (string, bool) {
	r, _ := m["result"].(map[string]any)
	var b strings.Builder
	cs, _ := r["content"].([]any)
	for _, c := range cs {
		if c, ok := c.(map[string]any); ok {
			s, _ := c["text"].(string)
			b.WriteString(s)
		}
	}
	isErr, _ := r["isError"].(bool)
	return b.String(), isErr
}

func TestStreamPathOnTheWire(t *testing.T) {
	u := newUpstream(t)
	dec := &fakeDecider{decide: func(req api.CheckRequest) (api.CheckDecision, error) {
		if toolOf(req) == "files/delete_all" {
			return api.CheckDecision{Decision: "deny", Reason: "tool_not_allowed", AuditIndex: 3}, nil
		}
		return api.CheckDecision{Decision: "allow"}, nil
	}}
	g := newGateway(t, Options{Upstream: u.connector(t), Decider: dec, CallTimeout: 5 * time.Second})
	w := dialWire(t, g)

	// Before initialize the SDK refuses the call; the stream path does
	// not take it.
	w.send(`{"jsonrpc":"2.0","id":"early","method":"tools/call","params":{"name":"echo","arguments":{"text":"x"}}}`)
	if m := w.recv(); m["id"] != "early" || m["error"] == nil {
		t.Fatalf("a call before initialize: %v", m)
	}
	if g.streamed.Load() != 0 || u.calls.Load() != 0 {
		t.Fatal("a call before initialize was served")
	}

	// A line that is not JSON is answered with a parse error (id null)
	// and the session goes on; so is a batch, and a request that is not
	// JSON-RPC 2.0.
	w.send(`{{{ not json`)
	if m := w.recv(); errCode(m) != -32700 || m["id"] != nil {
		t.Fatalf("garbage: %v", m)
	}
	w.send(`[{"jsonrpc":"2.0","id":5,"method":"ping"}]`)
	if m := w.recv(); errCode(m) != -32600 {
		t.Fatalf("batch: %v", m)
	}
	w.send(`{"jsonrpc":"1.0","id":6,"method":"ping"}`)
	if m := w.recv(); errCode(m) != -32600 || m["id"] != float64(6) {
		t.Fatalf("wrong version: %v", m)
	}

	w.initialize()
	w.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hi <b>"},"_meta":{"progressToken":7}}}`)
	m := w.recv()
	if txt, isErr := resultText(m); m["id"] != float64(2) || isErr || txt != "echo: hi <b>" {
		t.Fatalf("call: %v", m)
	}
	if r := m["result"].(map[string]any); r["resultType"] != nil {
		t.Fatalf("a stateful-protocol client got a resultType: %v", r)
	}
	if g.streamed.Load() != 1 {
		t.Fatalf("the call did not take the stream path (%d)", g.streamed.Load())
	}

	// A denied call is refused with the gate's reason; arguments that
	// are not an object are refused before the gate.
	w.send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":[1,2]}}`)
	if txt, isErr := resultText(w.recv()); !isErr || !strings.Contains(txt, "not a JSON object") {
		t.Fatalf("array arguments: %q", txt)
	}

	// An unpublished tool and unknown members are the SDK's to answer:
	// unknown tool is invalid params.
	w.send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete_all","arguments":{}}}`)
	if m := w.recv(); errCode(m) != -32602 {
		t.Fatalf("hidden tool: %v", m)
	}
	w.send(`{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo","arguments":{"text":"y"},"requestState":"s"}}`)
	if m := w.recv(); m["id"] != float64(8) {
		t.Fatalf("call with an unknown member: %v", m)
	}
	// Member names are exact: "Name" is not "name".
	w.send(`{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"Name":"echo","arguments":{"text":"z"}}}`)
	if m := w.recv(); m["error"] == nil {
		t.Fatalf("a call without a name: %v", m)
	}
	if g.streamed.Load() != 2 {
		t.Fatalf("stream path served %d calls, want 2", g.streamed.Load())
	}

	// A cancelled call is cancelled upstream and gets no answer; the next
	// call is answered.
	w.send(`{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"slow","arguments":{}}}`)
	waitFlights(t, g, 1)
	// Cancel once the upstream runs the call: cancelled before it was
	// sent, there is nothing to tell the upstream.
	for deadline := time.Now().Add(5 * time.Second); u.started.Load() == 0; time.Sleep(2 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the upstream never started the slow call")
		}
	}
	w.send(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":10,"reason":"user"}}`)
	waitFlights(t, g, 0)
	w.send(`{"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"echo","arguments":{"text":"after"}}}`)
	if m := w.recv(); m["id"] != float64(11) {
		t.Fatalf("after a cancellation the next answer is %v (a cancelled call must not be answered)", m)
	}
	for deadline := time.Now().Add(5 * time.Second); u.cancelled.Load() == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the upstream was not told the call was cancelled")
		}
	}
	if got := dec.points("files/slow"); len(got) != 2 {
		t.Fatalf("the cancelled call's checks: %q (its failure is recorded post_tool_call)", got)
	}
}

func waitFlights(t *testing.T, g *Gateway, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g.fmu.Lock()
		got := len(g.flights)
		g.fmu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls in flight: %d, want %d", got, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestModernClientGetsResultType: a client on the sessionless protocol
// (the SDK's default) is served on the stream path once the SDK has
// accepted its version, and its results say they are complete.
func TestModernClientGetsResultType(t *testing.T) {
	u := newUpstream(t)
	g := newGateway(t, Options{Upstream: u.connector(t), Decider: &fakeDecider{}})
	cs := connectClient(t, g)
	if cs.InitializeResult().ProtocolVersion < modernProtocol {
		t.Skipf("the SDK client negotiated %s", cs.InitializeResult().ProtocolVersion)
	}
	if res := callTool(t, cs, "echo", map[string]any{"text": "m"}); res.IsError || text(res) != "echo: m" {
		t.Fatalf("modern call: %q", text(res))
	}
	if g.streamed.Load() != 1 {
		t.Fatalf("stream path served %d calls", g.streamed.Load())
	}
	// The same on the wire: the answer carries resultType complete.
	w := dialWire(t, g)
	meta := `"_meta":{"io.modelcontextprotocol/protocolVersion":"` + modernProtocol + `","io.modelcontextprotocol/clientInfo":{"name":"raw","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}`
	w.send(`{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{` + meta + `}}`)
	if m := w.recv(); m["error"] != nil {
		t.Fatalf("modern tools/list: %v", m)
	}
	w.send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"w"},` + meta + `}}`)
	m := w.recv()
	if r, _ := m["result"].(map[string]any); r == nil || r["resultType"] != "complete" {
		t.Fatalf("modern answer: %v", m)
	}
	if g.streamed.Load() != 2 {
		t.Fatalf("stream path served %d calls", g.streamed.Load())
	}
}

// TestUpstreamErrorAnswerKeepsTheSession: a JSON-RPC error from the
// upstream fails the call and leaves the connection in use.
func TestUpstreamErrorAnswerKeepsTheSession(t *testing.T) {
	u := newUpstream(t)
	g := newGateway(t, Options{Upstream: u.connector(t), Decider: &fakeDecider{}})
	cs := connectClient(t, g)
	// The upstream drops echo after the gateway published it.
	u.srv.RemoveTools("echo")
	res := callTool(t, cs, "echo", map[string]any{"text": "x"})
	if !res.IsError || !strings.Contains(text(res), "unknown tool") {
		t.Fatalf("call of a tool the upstream dropped: %q", text(res))
	}
	if u.connects.Load() != 1 {
		t.Fatalf("an error answer replaced the session (connects=%d)", u.connects.Load())
	}
}

func FuzzParseCallParams(f *testing.F) {
	for _, s := range []string{
		`{"name":"echo","arguments":{"text":"x"}}`,
		`{"name":"echo","_meta":{"progressToken":1}}`,
		`{"name":"echo","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}`,
		`{"name":"","arguments":null}`,
		`{"Name":"echo"}`,
		`[]`, `null`, `{"name":1}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, ok := parseCallParams(b)
		if !ok {
			return
		}
		// What the stream path takes has a name, and the name is what the
		// params say under exactly "name".
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("accepted params that do not decode: %v", err)
		}
		var name string
		if err := json.Unmarshal(m["name"], &name); err != nil || name != p.name || name == "" {
			t.Fatalf("name %q, params say %q", p.name, m["name"])
		}
		if p.version != "" && p.version < modernProtocol {
			t.Fatalf("a stateful version %q was taken as modern", p.version)
		}
	})
}
