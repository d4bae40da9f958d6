// Package mcpgw is agentgov's MCP gateway: an MCP server to the client and
// an MCP client to one upstream server, built on the official Go SDK. The
// tools it shows are the upstream's tools minus those the agent may not
// use and those a review of their definitions (poisoning, rug pulls
// against approved pins) marks dangerous; every call passes the gate at
// pre_tool_call before it reaches the upstream, and its result passes the
// gate at post_tool_call before it reaches the client. An escalation holds
// the call until its approval resolves.
//
// The gateway survives its upstream: a crash, a hang or malformed
// JSON-RPC fails the call in progress with an error result, and the next
// call reconnects.
package mcpgw

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/api"
)

// Decider decides checks: the gate in process, or agentgov serve over
// HTTP.
type Decider interface {
	Check(ctx context.Context, req api.CheckRequest) (api.CheckDecision, error)
}

// Approvals waits for an approval request to resolve. Approved false with
// a nil error is a denial or a timeout.
type Approvals interface {
	Wait(ctx context.Context, id string) (approved bool, err error)
}

// Reviewer judges a server's tool definitions: which to hide and why
// (dangerous findings, changes from the approved pins).
type Reviewer interface {
	Review(ctx context.Context, server string, tools []*mcp.Tool) (Review, error)
}

// Review is a Reviewer's verdict on a tool list.
type Review struct {
	// Hidden maps a tool name to the reason it is withheld from clients.
	Hidden map[string]string
	// Catalogued reports tools the deployment has approved (pinned).
	Catalogued map[string]bool
}

// Connector opens a transport to the upstream; it is called again after
// the upstream dies.
type Connector func(ctx context.Context) (mcp.Transport, error)

// Options configure a Gateway.
type Options struct {
	// Server names the upstream; tools reach the gate as <Server>/<tool>.
	Server string
	// Agent is the identity calls are checked as, unless the caller's
	// transport names one (see CallerAgent).
	Agent string
	// Session is the session id for checks of a stdio client; HTTP
	// clients get their MCP session id.
	Session   string
	Upstream  Connector
	Decider   Decider
	Approvals Approvals
	Reviewer  Reviewer
	// CallTimeout bounds one upstream call (default 60 s);
	// ApprovalTimeout bounds the wait for an approval (default 10 min;
	// the approval's own timeout normally ends it first).
	CallTimeout, ApprovalTimeout time.Duration
	// CallerAgent, if set, names the agent of an HTTP caller from its
	// request headers; "" keeps Agent.
	CallerAgent func(h map[string][]string) string
	Logger      *slog.Logger
}

// Gateway is one proxied upstream server.
type Gateway struct {
	o      Options
	server *mcp.Server
	log    *slog.Logger

	mu       sync.Mutex
	upstream *mcp.ClientSession
	upConn   *upstreamConn // upstream's connection, for governed calls
	visible  map[string]*mcp.Tool
	closed   bool

	// published is the set of visible tool names, read without g.mu (which
	// a reconnect holds for as long as the upstream takes) by the stream
	// path's reader.
	published atomic.Pointer[map[string]struct{}]

	// streamed counts the calls the stream path served (stdio.go),
	// httpServed those the HTTP fast path served (httpserve.go).
	streamed, httpServed atomic.Uint64

	// hmu guards the streamable-HTTP sessions the fast path may serve.
	hmu          sync.Mutex
	httpSessions map[string]*httpSession

	// refreshMu serialises tool-list refreshes.
	refreshMu sync.Mutex

	// fmu guards the calls in flight, which a kill cancels (inflight.go).
	fmu        sync.Mutex
	flights    map[uint64]*flight
	nextFlight uint64
}

// New builds a gateway; Start connects it.
func New(o Options) (*Gateway, error) {
	switch {
	case o.Server == "" || strings.ContainsAny(o.Server, "/ \t\n"):
		return nil, errors.New("mcpgw: a server name without '/' or spaces is required")
	case o.Upstream == nil || o.Decider == nil:
		return nil, errors.New("mcpgw: an upstream and a decider are required")
	case o.Agent == "" && o.CallerAgent == nil:
		return nil, errors.New("mcpgw: an agent identity is required")
	}
	if o.CallTimeout <= 0 {
		o.CallTimeout = 60 * time.Second
	}
	if o.ApprovalTimeout <= 0 {
		o.ApprovalTimeout = 10 * time.Minute
	}
	if o.Session == "" {
		var b [8]byte
		rand.Read(b[:])
		o.Session = "mcp-" + o.Server + "-" + hex.EncodeToString(b[:])
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gateway{o: o, log: o.Logger, visible: map[string]*mcp.Tool{}, flights: map[uint64]*flight{}}
	g.server = mcp.NewServer(&mcp.Implementation{Name: "agentgov-mcp-gateway/" + o.Server, Version: "1"},
		&mcp.ServerOptions{Capabilities: &mcp.ServerCapabilities{Tools: &mcp.ToolCapabilities{ListChanged: true}},
			InitializedHandler: func(_ context.Context, req *mcp.InitializedRequest) { g.noteInitialized(req.Session) }})
	return g, nil
}

// Server is the MCP server clients connect to (over stdio or streamable
// HTTP).
func (g *Gateway) Server() *mcp.Server { return g.server }

// Start connects to the upstream and publishes its reviewed tools.
func (g *Gateway) Start(ctx context.Context) error {
	if _, _, err := g.session(ctx); err != nil {
		return err
	}
	return g.Refresh(ctx)
}

// Close disconnects the upstream.
func (g *Gateway) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	if g.upstream != nil {
		err := g.upstream.Close()
		g.upstream, g.upConn = nil, nil
		return err
	}
	return nil
}

// upstreamProtocol is the protocol version the gateway asks its upstream
// for: the stateful one every server speaks, which needs no per-request
// session metadata on the calls the gateway sends itself.
const upstreamProtocol = "2025-11-25"

// session returns a live upstream session and its connection, connecting
// when there is none.
func (g *Gateway) session(ctx context.Context) (*mcp.ClientSession, *upstreamConn, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return nil, nil, errors.New("mcpgw: closed")
	}
	if g.upstream != nil {
		return g.upstream, g.upConn, nil
	}
	inner, err := g.o.Upstream(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("mcpgw: upstream %s: %w", g.o.Server, err)
	}
	t := &upstreamTransport{inner: inner}
	c := mcp.NewClient(&mcp.Implementation{Name: "agentgov-mcp-gateway", Version: "1"}, &mcp.ClientOptions{
		ToolListChangedHandler: func(ctx context.Context, _ *mcp.ToolListChangedRequest) {
			// A changed list is reviewed before clients see it. The
			// handler runs on the connection's goroutine, so the refresh
			// (which calls the upstream) runs on its own.
			go func() {
				rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.o.CallTimeout)
				defer cancel()
				if err := g.Refresh(rctx); err != nil {
					g.log.Warn("refreshing the tool list failed; the previous list stays", "server", g.o.Server, "err", err)
				}
			}()
		},
	})
	cctx, cancel := context.WithTimeout(ctx, g.o.CallTimeout)
	defer cancel()
	cs, err := c.Connect(cctx, t, &mcp.ClientSessionOptions{ProtocolVersion: upstreamProtocol})
	if err != nil {
		return nil, nil, fmt.Errorf("mcpgw: upstream %s: %w", g.o.Server, err)
	}
	g.upstream, g.upConn = cs, t.conn
	go func() {
		// When the upstream goes away, forget the session so that the
		// next call reconnects.
		cs.Wait()
		g.mu.Lock()
		if g.upstream == cs {
			g.upstream, g.upConn = nil, nil
		}
		g.mu.Unlock()
		g.log.Warn("upstream MCP server disconnected", "server", g.o.Server)
	}()
	return cs, t.conn, nil
}

// dropSession discards a session that failed.
func (g *Gateway) dropSession(cs *mcp.ClientSession) {
	g.mu.Lock()
	if g.upstream == cs {
		g.upstream, g.upConn = nil, nil
	}
	g.mu.Unlock()
	cs.Close()
}

// maxTools bounds the tools one upstream may publish.
const maxTools = 1024

// Refresh lists the upstream's tools, reviews them and publishes those
// that pass.
func (g *Gateway) Refresh(ctx context.Context) error {
	g.refreshMu.Lock()
	defer g.refreshMu.Unlock()
	cs, _, err := g.session(ctx)
	if err != nil {
		return err
	}
	var tools []*mcp.Tool
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			g.dropSession(cs)
			return fmt.Errorf("mcpgw: listing tools of %s: %w", g.o.Server, err)
		}
		if len(tools) >= maxTools {
			return fmt.Errorf("mcpgw: %s publishes more than %d tools", g.o.Server, maxTools)
		}
		tools = append(tools, t)
	}
	rev := Review{}
	if g.o.Reviewer != nil {
		if rev, err = g.o.Reviewer.Review(ctx, g.o.Server, tools); err != nil {
			// Fail closed: an unreviewed list is not published.
			g.publish(nil)
			return fmt.Errorf("mcpgw: reviewing the tools of %s: %w", g.o.Server, err)
		}
	}
	var keep []*mcp.Tool
	for _, t := range tools {
		if why, hidden := rev.Hidden[t.Name]; hidden {
			g.log.Warn("tool hidden", "server", g.o.Server, "tool", t.Name, "reason", why)
			continue
		}
		if err := publishable(t); err != nil {
			g.log.Warn("tool hidden", "server", g.o.Server, "tool", t.Name, "reason", err.Error())
			continue
		}
		if g.o.Agent != "" && !g.mayUse(ctx, t.Name) {
			continue
		}
		keep = append(keep, t)
	}
	g.publish(keep)
	return nil
}

// publishable rejects definitions the SDK would refuse to serve.
func publishable(t *mcp.Tool) error {
	if t.Name == "" || len(t.Name) > 128 {
		return errors.New("the tool name is empty or longer than 128 bytes")
	}
	raw, err := json.Marshal(t.InputSchema)
	if err != nil {
		return fmt.Errorf("the input schema does not encode: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil || m["type"] != "object" {
		return errors.New(`the input schema is not an object schema ("type": "object")`)
	}
	return nil
}

// mayUse asks the gate whether the gateway's agent may call a tool at all
// (an evaluate-only check with no arguments): a tool outside the agent's
// allow-list, ring or permissions is not shown. An error hides the tool.
func (g *Gateway) mayUse(ctx context.Context, tool string) bool {
	d, err := g.o.Decider.Check(ctx, api.CheckRequest{Agent: g.o.Agent, Session: g.o.Session, InterventionPoint: "pre_tool_call", Mode: "evaluate_only",
		Snapshot: map[string]any{"tool_call": map[string]any{"id": "tools/list", "name": g.gateName(tool), "args": map[string]any{}}}})
	if err != nil {
		g.log.Warn("tool hidden: the gate could not be asked", "server", g.o.Server, "tool", tool, "err", err)
		return false
	}
	return d.Decision != "deny"
}

// publish makes exactly tools visible to clients.
func (g *Gateway) publish(tools []*mcp.Tool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	next := map[string]*mcp.Tool{}
	for _, t := range tools {
		next[t.Name] = t
	}
	var gone []string
	for name := range g.visible {
		if _, ok := next[name]; !ok {
			gone = append(gone, name)
		}
	}
	sort.Strings(gone)
	if len(gone) > 0 {
		g.server.RemoveTools(gone...)
	}
	for _, t := range tools {
		if old, ok := g.visible[t.Name]; ok && sameTool(old, t) {
			continue
		}
		name := t.Name
		func() {
			defer func() {
				if p := recover(); p != nil {
					g.log.Warn("tool hidden: the SDK refused its definition", "server", g.o.Server, "tool", name, "err", fmt.Sprint(p))
					delete(next, name)
				}
			}()
			g.server.AddTool(t, func(ctx context.Context, req *mcp.CallToolRequest) (*mcp.CallToolResult, error) {
				return g.call(ctx, name, req), nil
			})
		}()
	}
	g.visible = next
	names := make(map[string]struct{}, len(next))
	for n := range next {
		names[n] = struct{}{}
	}
	g.published.Store(&names)
}

func sameTool(a, b *mcp.Tool) bool {
	x, err1 := json.Marshal(a)
	y, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(x) == string(y)
}

// Visible lists the tools clients see, sorted.
func (g *Gateway) Visible() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	out := make([]string, 0, len(g.visible))
	for n := range g.visible {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// isVisible reports whether clients are shown the tool.
func (g *Gateway) isVisible(name string) bool {
	p := g.published.Load()
	if p == nil {
		return false
	}
	_, ok := (*p)[name]
	return ok
}

// gateName is the tool's name in the gate's catalog.
func (g *Gateway) gateName(tool string) string { return g.o.Server + "/" + tool }
