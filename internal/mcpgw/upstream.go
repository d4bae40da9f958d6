package mcpgw

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// upstreamTransport wraps the upstream's transport so that the gateway
// can send a governed tools/call straight on the connection the SDK
// client session owns, and take its answer off the connection before the
// session sees it. Everything else (initialize, tools/list, list-changed
// notifications, pings) stays the SDK's.
type upstreamTransport struct {
	inner mcp.Transport
	conn  *upstreamConn
}

func (t *upstreamTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	c, err := t.inner.Connect(ctx)
	if err != nil {
		return nil, err
	}
	ic, direct := c.(interceptor)
	t.conn = &upstreamConn{Connection: c, direct: direct, waiting: map[string]chan *jsonrpc.Response{}, gone: make(chan struct{})}
	if direct {
		// Answers reach their call from the goroutine that read them
		// (the stream's reader, or the call's own POST): one hand-off
		// fewer per call.
		ic.SetIntercept(t.conn.claim)
	}
	return t.conn, nil
}

// interceptor is a connection of the gateway's own framing
// (mcpconn.StreamConn over stdio, mcpconn.StreamableConn over HTTP),
// which lets the gateway take answers before the SDK session sees them.
type interceptor interface {
	SetIntercept(func(jsonrpc.Message) bool)
}

// upstreamConn is the upstream connection seen by the SDK client
// session, with the gateway's own calls multiplexed onto it under string
// ids of their own ("agentgov-N"; the SDK numbers its calls).
type upstreamConn struct {
	mcp.Connection
	// direct reports a connection of the gateway's own framing, over
	// which governed calls bypass the SDK client session; over the SDK's
	// transports (legacy SSE) they go through it.
	direct bool

	next atomic.Uint64
	// nextProgress numbers the progress tokens of governed calls.
	nextProgress atomic.Uint64
	mu           sync.Mutex
	waiting      map[string]chan *jsonrpc.Response
	relays       map[string]*progressRelay // progress.go
	err          error
	gone         chan struct{}
}

const callIDPrefix = "agentgov-"

// errUpstreamGone is the failure of calls pending when the connection
// ends.
var errUpstreamGone = errors.New("the connection to the upstream MCP server closed")

// Read implements mcp.Connection: answers to the gateway's own calls are
// delivered to them, everything else goes to the SDK.
func (c *upstreamConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	for {
		msg, err := c.Connection.Read(ctx)
		if err != nil {
			c.fail(err)
			return nil, err
		}
		if !c.claim(msg) {
			return msg, nil
		}
	}
}

// claim delivers an answer to one of the gateway's own calls, or
// progress reported under one of its tokens, and reports whether msg was
// one. It never blocks.
func (c *upstreamConn) claim(msg jsonrpc.Message) bool {
	resp, ok := msg.(*jsonrpc.Response)
	if !ok {
		if req, isReq := msg.(*jsonrpc.Request); isReq && !req.IsCall() && req.Method == "notifications/progress" {
			return c.claimProgress(req.Params)
		}
		return false
	}
	id, isStr := resp.ID.Raw().(string)
	if !isStr || !strings.HasPrefix(id, callIDPrefix) {
		return false
	}
	c.mu.Lock()
	ch := c.waiting[id]
	delete(c.waiting, id)
	c.mu.Unlock()
	if ch != nil {
		ch <- resp // buffered, and sent to once
	}
	// An answer to a call that gave up is dropped: the SDK session never
	// sent that id.
	return true
}

// Close implements mcp.Connection.
func (c *upstreamConn) Close() error {
	c.fail(errUpstreamGone)
	return c.Connection.Close()
}

func (c *upstreamConn) fail(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err == nil {
		c.err = err
		close(c.gone)
	}
}

// call sends one request and waits for its answer. When ctx ends first
// the upstream is told the request is cancelled, as the SDK does.
func (c *upstreamConn) call(ctx context.Context, method string, params json.RawMessage) (*jsonrpc.Response, error) {
	id := callIDPrefix + strconv.FormatUint(c.next.Add(1), 10)
	ch := make(chan *jsonrpc.Response, 1)
	c.mu.Lock()
	if c.err != nil {
		err := c.err
		c.mu.Unlock()
		return nil, fmt.Errorf("%w (%v)", errUpstreamGone, err)
	}
	c.waiting[id] = ch
	c.mu.Unlock()
	jid, _ := jsonrpc.MakeID(id)
	if err := c.Connection.Write(ctx, &jsonrpc.Request{ID: jid, Method: method, Params: params}); err != nil {
		c.forget(id)
		return nil, err
	}
	select {
	case resp := <-ch:
		return resp, nil
	case <-c.gone:
		c.forget(id)
		select {
		case resp := <-ch: // answered just before the end
			return resp, nil
		default:
		}
		return nil, errUpstreamGone
	case <-ctx.Done():
		c.forget(id)
		go c.notifyCancelled(jid)
		return nil, ctx.Err()
	}
}

func (c *upstreamConn) forget(id string) {
	c.mu.Lock()
	delete(c.waiting, id)
	c.mu.Unlock()
}

// notifyCancelled tells the upstream a request was abandoned; best
// effort, bounded, off the caller's path. The reason is generic: why the
// gateway gave up (a kill, the client) is not the server's business.
func (c *upstreamConn) notifyCancelled(id jsonrpc.ID) {
	params, err := json.Marshal(struct {
		RequestID any    `json:"requestId"`
		Reason    string `json:"reason"`
	}{id.Raw(), "cancelled by agentgov"})
	if err != nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = c.Connection.Write(ctx, &jsonrpc.Request{Method: "notifications/cancelled", Params: params})
}
