package mcpgw

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/internal/mcpconn"
)

// HTTPHandler serves the gateway to clients over streamable HTTP. The
// sessions are the SDK's (initialize, lists, notifications, the GET
// stream, DELETE, errors), but a well-formed POST of one tools/call of a
// published tool, on a session the SDK has initialised with a stateful
// protocol version, is served here: decoded once, governed (govern) and
// answered with a JSON body, without the SDK decoding the request into
// its types and the result out of them. Anything the fast path cannot
// vouch for (a request it does not know, a header the SDK would refuse,
// progress, which needs an event stream) goes to the SDK as it came.
func (g *Gateway) HTTPHandler() http.Handler {
	return &httpFront{g: g, sdk: mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return g.server }, nil)}
}

type httpFront struct {
	g   *Gateway
	sdk http.Handler
}

// httpSession is a client session the SDK initialised, as the fast path
// knows it.
type httpSession struct {
	version string
	mu      sync.Mutex
	calls   map[jsonrpc.ID]context.CancelCauseFunc
}

// maxHTTPBody bounds the request body the fast path reads, as the SDK's
// handler bounds it by default; a longer body goes to the SDK, which
// refuses it.
const maxHTTPBody = mcp.DefaultMaxRequestBodyBytes

// noteInitialized makes an initialised streamable-HTTP session eligible
// for the fast path, until it ends. Only stateful versions the SDK
// accepted as asked are: the negotiated version is then the one asked for.
func (g *Gateway) noteInitialized(ss *mcp.ServerSession) {
	id := ss.ID()
	p := ss.InitializeParams()
	if id == "" || p == nil || p.ProtocolVersion >= modernProtocol || !slices.Contains(mcp.SupportedProtocolVersions(), p.ProtocolVersion) {
		return
	}
	g.hmu.Lock()
	if g.httpSessions == nil {
		g.httpSessions = map[string]*httpSession{}
	}
	g.httpSessions[id] = &httpSession{version: p.ProtocolVersion, calls: map[jsonrpc.ID]context.CancelCauseFunc{}}
	g.hmu.Unlock()
	go func() {
		_ = ss.Wait()
		g.hmu.Lock()
		delete(g.httpSessions, id)
		g.hmu.Unlock()
	}()
}

func (g *Gateway) httpSession(id string) *httpSession {
	g.hmu.Lock()
	defer g.hmu.Unlock()
	return g.httpSessions[id]
}

func (h *httpFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sess := h.eligible(r)
	if sess == nil {
		h.sdk.ServeHTTP(w, r)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxHTTPBody+1))
	if err != nil || len(body) > maxHTTPBody {
		// The SDK reads (and refuses) the rest as it would have.
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
		h.sdk.ServeHTTP(w, r)
		return
	}
	if msg, err := mcpconn.DecodeFrame(body); err == nil {
		if req, ok := msg.(*jsonrpc.Request); ok {
			switch {
			case req.Method == "tools/call" && req.IsCall():
				if p, ok := parseCallParams(req.Params); ok && p.version == "" && p.progressToken == nil && h.g.isVisible(p.name) {
					if h.serveCall(w, r, sess, req.ID, p) {
						return
					}
				}
			case req.Method == "notifications/cancelled" && !req.IsCall():
				if sess.cancel(req.Params) {
					w.WriteHeader(http.StatusAccepted)
					return
				}
			}
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	h.sdk.ServeHTTP(w, r)
}

// eligible returns the session of a POST the fast path may serve: every
// check the SDK's handler makes before it reads the body passes, and the
// session is one the SDK initialised. nil leaves the request to the SDK.
func (h *httpFront) eligible(r *http.Request) *httpSession {
	if r.Method != http.MethodPost {
		return nil
	}
	id := r.Header.Get("Mcp-Session-Id")
	if id == "" {
		return nil
	}
	sess := h.g.httpSession(id)
	if sess == nil {
		return nil
	}
	if v := r.Header.Get("Mcp-Protocol-Version"); v != "" && v != sess.version {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil
	}
	if !acceptsBoth(r.Header.Values("Accept")) {
		return nil
	}
	// The SDK's DNS-rebinding protection: a request that reached a
	// loopback listener under a name that is not loopback is refused.
	if la, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok && la != nil && loopback(la.String()) && !loopback(r.Host) {
		return nil
	}
	// A session bound to an authenticated user is checked by the SDK.
	if auth.TokenInfoFromContext(r.Context()) != nil {
		return nil
	}
	return sess
}

// acceptsBoth reports an Accept header naming both JSON and event
// streams, as streamable HTTP requires of a client.
func acceptsBoth(values []string) bool {
	jsonOK, streamOK := false, false
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			base, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(base)) {
			case "application/json", "application/*":
				jsonOK = true
			case "text/event-stream", "text/*":
				streamOK = true
			case "*/*":
				jsonOK, streamOK = true, true
			}
		}
	}
	return jsonOK && streamOK
}

// loopback is the SDK's own test of a loopback address (host or
// host:port, "localhost" exactly): eligible must not serve a request the
// SDK's rebinding check would refuse, so it does not use the looser
// config.IsLoopbackAddr (any case of "localhost", host:port only).
func loopback(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = strings.Trim(hostport, "[]")
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// serveCall governs one call and answers it with a JSON body; false
// leaves it to the SDK (an id already in flight on the session).
func (h *httpFront) serveCall(w http.ResponseWriter, r *http.Request, sess *httpSession, id jsonrpc.ID, p callParams) bool {
	g := h.g
	// The call ends with the client's request (its answer could not be
	// delivered) or with the client's cancellation.
	ctx, cancel := context.WithCancelCause(context.WithValue(r.Context(), callerKey{}, r.Header))
	defer cancel(nil)
	sess.mu.Lock()
	if _, dup := sess.calls[id]; dup || len(sess.calls) >= maxStreamCalls {
		sess.mu.Unlock()
		return false
	}
	sess.calls[id] = cancel
	sess.mu.Unlock()
	defer func() {
		sess.mu.Lock()
		delete(sess.calls, id)
		sess.mu.Unlock()
	}()
	g.httpServed.Add(1)

	agent := g.o.Agent
	if g.o.CallerAgent != nil {
		if a := g.o.CallerAgent(r.Header); a != "" {
			agent = a
		}
	}
	out := g.govern(ctx, agent, "mcp-"+g.o.Server+"-"+r.Header.Get("Mcp-Session-Id"), p.name, p.args, nil)
	data, err := jsonrpc.EncodeMessage(&jsonrpc.Response{ID: id, Result: out.answer(false)})
	if err != nil {
		http.Error(w, "the answer does not encode", http.StatusInternalServerError)
		return true
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(data); err != nil {
		g.log.Debug("answering a call failed; the client is gone", "server", g.o.Server, "err", err)
	}
	return true
}

// cancel cancels a call the fast path serves on this session; false
// leaves the notification to the SDK.
func (s *httpSession) cancel(params json.RawMessage) bool {
	return cancelIn(&s.mu, s.calls, params)
}
