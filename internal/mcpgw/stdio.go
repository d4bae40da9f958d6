package mcpgw

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/internal/jsonplain"
	"github.com/agentgov/agentgov/internal/mcpconn"
)

// StreamTransport is the transport of a client on a byte stream (the
// proxy's stdin and stdout): serve it with Server().Run or Connect. The
// session is the SDK's (initialize, tools/list, notifications, errors),
// but a well-formed tools/call of a published tool on an initialised
// session is taken off the stream before the SDK decodes it and goes
// through the same governed path (govern) with one JSON decoding of the
// request and one of the upstream's result; the answer is written back on
// the stream. Anything else, and any call the stream path cannot vouch
// for, is left to the SDK, whose handler governs it the same way.
func (g *Gateway) StreamTransport(r io.Reader, w io.Writer, c io.Closer) mcp.Transport {
	return &clientTransport{g: g, inner: &mcpconn.StreamTransport{Reader: r, Writer: w, Closer: c,
		Opts: mcpconn.StreamOptions{AnswerMalformed: true}}}
}

type clientTransport struct {
	g     *Gateway
	inner mcp.Transport
}

func (t *clientTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	cctx, cancel := context.WithCancel(context.Background())
	cc := &clientConn{Connection: c, g: t.g, ctx: cctx, cancel: cancel,
		watch: map[jsonrpc.ID]string{}, modern: map[string]bool{}, calls: map[jsonrpc.ID]context.CancelCauseFunc{}}
	if sc, ok := c.(*mcpconn.StreamConn); ok {
		// Calls are taken on the stream's reader goroutine: one hand-off
		// fewer per call.
		sc.SetIntercept(cc.intercept)
		cc.onReader = true
	}
	return cc, nil
}

// modernProtocol is the first protocol version without a session
// (SEP-2575): every request carries its version, client info and
// capabilities in _meta, and results carry a resultType.
const modernProtocol = "2026-07-28"

// maxWatched bounds the SDK-answered requests a connection watches;
// maxStreamCalls bounds the calls the stream path runs at once on one
// connection (beyond it, the SDK serves them).
const (
	maxWatched     = 256
	maxStreamCalls = 1024
)

// errClientCancelled is the cause of a call the client cancelled; it gets
// no answer (MCP: the receiver of a cancellation does not respond).
var errClientCancelled = errors.New("cancelled by the client")

// clientConn is a client's connection as the SDK server session sees it,
// minus the tools/calls the stream path serves. It learns what the SDK
// accepted (which protocol the session speaks) from the SDK's own
// answers, so that it takes a call only where the SDK would have.
type clientConn struct {
	mcp.Connection
	g      *Gateway
	ctx    context.Context
	cancel context.CancelFunc

	// onReader reports that intercept runs on the stream's reader
	// goroutine, so Read has nothing left to take.
	onReader bool

	mu sync.Mutex
	// watch names SDK-answered requests whose success establishes the
	// protocol: "initialize", or a modern protocol version.
	watch  map[jsonrpc.ID]string
	legacy string          // the version initialize negotiated
	modern map[string]bool // modern versions the SDK has accepted
	calls  map[jsonrpc.ID]context.CancelCauseFunc
}

// Read implements mcp.Connection.
func (c *clientConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		msg, err := c.Connection.Read(ctx)
		if err != nil || c.onReader || !c.intercept(msg) {
			return msg, err
		}
	}
}

// intercept takes the calls the stream path serves and their
// cancellations, and notes what tells the session's protocol; it reports
// whether it consumed msg.
func (c *clientConn) intercept(msg jsonrpc.Message) bool {
	req, ok := msg.(*jsonrpc.Request)
	if !ok {
		return false
	}
	switch {
	case req.Method == "tools/call" && req.IsCall():
		if c.take(req) {
			return true
		}
	case req.Method == "notifications/cancelled" && !req.IsCall():
		return c.cancelCall(req)
	}
	if req.IsCall() {
		c.observe(req)
	}
	return false
}

// Write implements mcp.Connection.
func (c *clientConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if resp, ok := msg.(*jsonrpc.Response); ok {
		c.mu.Lock()
		kind, watched := c.watch[resp.ID]
		if watched {
			delete(c.watch, resp.ID)
			if resp.Error == nil {
				if kind == "initialize" {
					var r struct {
						ProtocolVersion string `json:"protocolVersion"`
					}
					if json.Unmarshal(resp.Result, &r) == nil {
						c.legacy = r.ProtocolVersion
					}
				} else {
					c.modern[kind] = true
				}
			}
		}
		c.mu.Unlock()
	}
	return c.Connection.Write(ctx, msg)
}

// Close implements mcp.Connection: calls in flight end with the client.
func (c *clientConn) Close() error {
	c.cancel()
	return c.Connection.Close()
}

// observe notes a request whose answer tells which protocol the session
// speaks.
func (c *clientConn) observe(req *jsonrpc.Request) {
	kind := ""
	if req.Method == "initialize" {
		kind = "initialize"
	} else if v := metaVersion(req.Params); v >= modernProtocol {
		kind = v
	}
	if kind == "" {
		return
	}
	c.mu.Lock()
	// Bounded: an answer the SDK never writes (a call the client
	// cancelled) must not grow the map without end.
	if (kind == "initialize" || !c.modern[kind]) && len(c.watch) < maxWatched {
		c.watch[req.ID] = kind
	}
	c.mu.Unlock()
}

// metaVersion is the protocol version in a request's _meta, if any.
func metaVersion(params json.RawMessage) string {
	var p map[string]json.RawMessage
	if json.Unmarshal(params, &p) != nil {
		return ""
	}
	var meta map[string]json.RawMessage
	if json.Unmarshal(p["_meta"], &meta) != nil {
		return ""
	}
	var v string
	if json.Unmarshal(meta["io.modelcontextprotocol/protocolVersion"], &v) != nil {
		return ""
	}
	return v
}

// callParams is a tools/call the stream path serves.
type callParams struct {
	name string
	args json.RawMessage
	// version is the modern protocol version the request names in _meta;
	// "" for the stateful protocol.
	version string
	// progressToken is the client's token for progress (raw JSON), if it
	// asked for progress.
	progressToken json.RawMessage
}

// parseCallParams reads tools/call params with exact member names. ok is
// false for anything the stream path leaves to the SDK: members it does
// not know (multi-round-trip input responses, request state), a _meta
// the SDK would examine further.
func parseCallParams(raw json.RawMessage) (p callParams, ok bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return p, false
	}
	for k, v := range m {
		switch k {
		case "name":
			if json.Unmarshal(v, &p.name) != nil || p.name == "" {
				return p, false
			}
		case "arguments":
			p.args = v
		case "_meta":
			var meta map[string]json.RawMessage
			if json.Unmarshal(v, &meta) != nil {
				return p, false
			}
			if tok, present := meta["progressToken"]; present {
				if p.progressToken, ok = clientProgressToken(tok); !ok {
					return p, false
				}
			}
			if pv, present := meta["io.modelcontextprotocol/protocolVersion"]; present {
				if json.Unmarshal(pv, &p.version) != nil {
					return p, false
				}
				if p.version < modernProtocol {
					p.version = ""
					continue
				}
				// The modern protocol: the SDK requires the client's
				// capabilities and checks its info; such a request it
				// would refuse is left to it.
				if !isObject(meta["io.modelcontextprotocol/clientCapabilities"]) {
					return p, false
				}
				if ci, has := meta["io.modelcontextprotocol/clientInfo"]; has && !isObject(ci) {
					return p, false
				}
			}
		default:
			return p, false
		}
	}
	return p, p.name != ""
}

func isObject(raw json.RawMessage) bool {
	for _, b := range raw {
		switch b {
		case ' ', '\t', '\r', '\n':
			continue
		case '{':
			return true
		}
		return false
	}
	return false
}

// take starts serving a tools/call, or reports false to leave it to the
// SDK: on a session the SDK has not initialised (or a modern version it
// has not accepted), for a tool it does not publish, with an id already
// in flight.
func (c *clientConn) take(req *jsonrpc.Request) bool {
	p, ok := parseCallParams(req.Params)
	if !ok || !c.g.isVisible(p.name) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	complete := false
	if p.version != "" {
		if !c.modern[p.version] {
			return false
		}
		complete = true
	} else {
		if c.legacy == "" {
			return false
		}
		complete = c.legacy >= modernProtocol
	}
	if _, dup := c.calls[req.ID]; dup || len(c.calls) >= maxStreamCalls {
		return false
	}
	ctx, cancel := context.WithCancelCause(c.ctx)
	c.calls[req.ID] = cancel
	c.g.streamed.Add(1)
	go c.serve(ctx, req.ID, p, complete)
	return true
}

// serve runs one call and writes its answer.
func (c *clientConn) serve(ctx context.Context, id jsonrpc.ID, p callParams, complete bool) {
	defer func() {
		c.mu.Lock()
		cancel := c.calls[id]
		delete(c.calls, id)
		c.mu.Unlock()
		if cancel != nil {
			cancel(nil)
		}
	}()
	var sink progressSink
	if p.progressToken != nil {
		sink = c.progressSink(p.progressToken)
	}
	out := c.g.govern(ctx, c.g.o.Agent, c.g.o.Session, p.name, p.args, sink)
	if errors.Is(context.Cause(ctx), errClientCancelled) {
		return
	}
	if err := c.Connection.Write(context.Background(), &jsonrpc.Response{ID: id, Result: out.answer(complete)}); err != nil {
		c.g.log.Debug("answering a call failed; the client is gone", "server", c.g.o.Server, "err", err)
	}
}

// answer is the outcome as the result of the client's call: the checked
// result, or an error result carrying the refusal.
func (o outcome) answer(complete bool) json.RawMessage {
	res := o.result
	if o.refusal != "" {
		res = map[string]any{"isError": true, "content": []any{map[string]any{"type": "text", "text": o.refusal}}}
	}
	raw, err := jsonplain.Marshal(answerOf(res, complete))
	if err != nil {
		raw, _ = jsonplain.Marshal(answerOf(map[string]any{"isError": true, "content": []any{map[string]any{"type": "text", "text": "the result was withheld: it does not encode"}}}, complete))
	}
	return raw
}

// answerOf is the result as the client's protocol wants it: content never
// null, a resultType in the modern protocol only. The checked result is
// not modified (the gate may still hold it).
func answerOf(res map[string]any, complete bool) map[string]any {
	out := make(map[string]any, len(res)+2)
	for k, v := range res {
		out[k] = v
	}
	if out["content"] == nil {
		out["content"] = []any{}
	}
	if complete {
		out["resultType"] = "complete"
	} else {
		delete(out, "resultType")
	}
	return out
}

// cancelCall cancels a call the stream path serves; false leaves the
// notification to the SDK (a call it serves, or none).
func (c *clientConn) cancelCall(req *jsonrpc.Request) bool {
	return cancelIn(&c.mu, c.calls, req.Params)
}

// cancelIn cancels, with the client's cause, the call among calls (guarded
// by mu) that a notifications/cancelled names; false when it names none.
func cancelIn(mu *sync.Mutex, calls map[jsonrpc.ID]context.CancelCauseFunc, params json.RawMessage) bool {
	var p struct {
		RequestID json.RawMessage `json:"requestId"`
	}
	var v any
	if json.Unmarshal(params, &p) != nil || json.Unmarshal(p.RequestID, &v) != nil {
		return false
	}
	id, err := jsonrpc.MakeID(v)
	if err != nil {
		return false
	}
	mu.Lock()
	cancel := calls[id]
	mu.Unlock()
	if cancel == nil {
		return false
	}
	cancel(errClientCancelled)
	return true
}

// progressSink writes progress notifications under the client's token
// straight onto the client's stream.
func (c *clientConn) progressSink(token json.RawMessage) progressSink {
	return func(ctx context.Context, progress, total float64) error {
		params, err := jsonplain.Marshal(struct {
			Token    json.RawMessage `json:"progressToken"`
			Progress float64         `json:"progress"`
			Total    float64         `json:"total,omitempty"`
		}{token, progress, total})
		if err != nil {
			return err
		}
		return c.Connection.Write(ctx, &jsonrpc.Request{Method: "notifications/progress", Params: params})
	}
}
