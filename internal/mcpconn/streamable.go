package mcpconn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/internal/sse"
)

// StreamableTransport connects to an MCP server over streamable HTTP, as
// a client: every message is a POST to the endpoint, answered by a JSON
// body or an event stream; the server's own messages arrive on those
// streams and on an optional GET stream. It decodes each message once and
// hands answers to SetIntercept's function on the goroutine that read
// them, where the SDK's client transport decodes with a fresh buffer per
// message and delivers through a goroutine per response.
//
// It speaks the stateful protocol versions (up to 2025-11-25). Under a
// later, sessionless version it sends the Mcp-Method and Mcp-Name
// headers but not the per-parameter headers a tool's schema may ask for;
// such a call is refused by the server, not sent without them.
type StreamableTransport struct {
	Endpoint string
	// Client makes the requests (default http.DefaultClient). Its
	// Timeout must be 0: streams stay open.
	Client *http.Client
	// Standalone opens the GET stream for the server's own messages
	// (list-changed notifications, requests) once the session is
	// initialised.
	Standalone bool
	// MaxRetries bounds reconnections of a stream that make no progress
	// (default 2; negative: none).
	MaxRetries int
	// MaxMessage bounds one message (default DefaultMaxHTTPMessage).
	MaxMessage int
	Logger     *slog.Logger
}

// DefaultMaxHTTPMessage bounds one message received over HTTP.
const DefaultMaxHTTPMessage = 32 << 20

// ErrSessionGone is the failure of a connection whose session the server
// no longer knows (404 to a request carrying its id).
var ErrSessionGone = errors.New("mcpconn: the server ended the MCP session")

// Header names of the streamable-HTTP transport.
const (
	hdrSession  = "Mcp-Session-Id"
	hdrProtocol = "Mcp-Protocol-Version"
	hdrMethod   = "Mcp-Method"
	hdrName     = "Mcp-Name"
	hdrLastID   = "Last-Event-ID"
)

// sessionlessProtocol is the first protocol version without sessions,
// whose requests carry Mcp-Method and Mcp-Name headers.
const sessionlessProtocol = "2026-07-28"

// closeTimeout bounds the DELETE that ends a session.
const closeTimeout = 5 * time.Second

// Connect implements mcp.Transport. Nothing is sent until the first
// message.
func (t *StreamableTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	if t.Endpoint == "" {
		return nil, errors.New("mcpconn: a streamable-HTTP endpoint is required")
	}
	c := &StreamableConn{t: *t, incoming: make(chan jsonrpc.Message, 16), failed: make(chan struct{}), done: make(chan struct{})}
	if c.t.Client == nil {
		c.t.Client = http.DefaultClient
	}
	switch {
	case c.t.MaxRetries == 0:
		c.t.MaxRetries = 2
	case c.t.MaxRetries < 0:
		c.t.MaxRetries = 0
	}
	if c.t.MaxMessage <= 0 {
		c.t.MaxMessage = DefaultMaxHTTPMessage
	}
	if c.t.Logger == nil {
		c.t.Logger = slog.New(slog.DiscardHandler)
	}
	// The connection outlives the context it was opened with; its values
	// (for an authorising round tripper) are kept.
	c.ctx, c.cancel = context.WithCancel(context.WithoutCancel(ctx))
	return c, nil
}

// StreamableConn is a client connection over streamable HTTP.
type StreamableConn struct {
	t      StreamableTransport
	ctx    context.Context
	cancel context.CancelFunc

	intercept atomic.Pointer[func(jsonrpc.Message) bool]
	incoming  chan jsonrpc.Message

	failOnce sync.Once
	failErr  error
	failed   chan struct{}

	closeOnce sync.Once
	done      chan struct{}

	mu       sync.Mutex
	session  string
	protocol string
	// initID is the id of the initialize request in flight, whose answer
	// names the protocol version.
	initID     jsonrpc.ID
	standalone bool
}

// SetIntercept has f see every message from the server first, on the
// goroutine that read it; a message f reports consumed is not returned
// by Read. f must not block.
func (c *StreamableConn) SetIntercept(f func(jsonrpc.Message) bool) { c.intercept.Store(&f) }

// SessionID implements mcp.Connection.
func (c *StreamableConn) SessionID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.session
}

// Protocol is the protocol version the server answered initialize with.
func (c *StreamableConn) Protocol() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.protocol
}

// Read implements mcp.Connection.
func (c *StreamableConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case msg := <-c.incoming:
		return msg, nil
	case <-c.failed:
		return nil, c.failErr
	case <-c.done:
		return nil, io.EOF
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *StreamableConn) fail(err error) {
	c.failOnce.Do(func() {
		c.failErr = err
		close(c.failed)
	})
}

func (c *StreamableConn) failure() error {
	select {
	case <-c.failed:
		return c.failErr
	default:
		return nil
	}
}

// deliver hands a message from the server to the intercept or to Read;
// false when the connection ended first.
func (c *StreamableConn) deliver(msg jsonrpc.Message) bool {
	if resp, ok := msg.(*jsonrpc.Response); ok {
		c.noteInitialize(resp)
	}
	if f := c.intercept.Load(); f != nil && (*f)(msg) {
		return true
	}
	select {
	case c.incoming <- msg:
		return true
	case <-c.failed:
		return false
	case <-c.done:
		return false
	}
}

// noteInitialize learns the protocol version from the answer to
// initialize: later requests carry it in a header.
func (c *StreamableConn) noteInitialize(resp *jsonrpc.Response) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.initID.IsValid() || resp.ID != c.initID {
		return
	}
	c.initID = jsonrpc.ID{}
	if resp.Error != nil {
		return
	}
	var r struct {
		ProtocolVersion string `json:"protocolVersion"`
	}
	if json.Unmarshal(resp.Result, &r) == nil {
		c.protocol = r.ProtocolVersion
	}
}

// Write implements mcp.Connection: one POST. The answer to a request is
// read before Write returns (a JSON body, or the event stream up to the
// answer), so that an intercepted answer reaches its caller without a
// hand-off. A failure the server reports (a JSON-RPC error, an HTTP
// error status) is delivered as the request's answer and leaves the
// connection usable; a transport failure is returned, and a lost session
// ends the connection.
func (c *StreamableConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if err := c.ended(); err != nil {
		return err
	}
	data, err := encode(msg)
	if err != nil {
		return err
	}
	req, _ := msg.(*jsonrpc.Request)
	call := req != nil && req.IsCall()
	if call && req.Method == "initialize" {
		c.mu.Lock()
		c.initID = req.ID
		c.mu.Unlock()
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.t.Endpoint, bytes.NewReader(data))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Accept", "application/json, text/event-stream")
	c.setHeaders(hr.Header, req)
	resp, err := c.t.Client.Do(hr)
	if err != nil {
		return fmt.Errorf("mcpconn: POST %s: %w", c.t.Endpoint, err)
	}
	defer resp.Body.Close()
	if err := c.noteSession(resp); err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return c.refused(resp, req, call)
	}
	if !call {
		// A notification or an answer: 202 Accepted, no body.
		discard(resp.Body)
		if req != nil && req.Method == "notifications/initialized" {
			c.startStandalone()
		}
		return nil
	}
	switch mediaType(resp.Header.Get("Content-Type")) {
	case "application/json":
		body, err := readBounded(resp.Body, c.t.MaxMessage)
		if err != nil {
			return fmt.Errorf("mcpconn: reading the answer to %s: %w", req.Method, err)
		}
		m, err := DecodeFrame(body)
		if err != nil {
			// A server that answers garbage is broken.
			c.fail(fmt.Errorf("mcpconn: the answer to %s: %w", req.Method, err))
			return c.failErr
		}
		c.deliver(m)
		return nil
	case "text/event-stream":
		return c.readStream(ctx, resp, req)
	default:
		c.fail(fmt.Errorf("mcpconn: the answer to %s has content type %q", req.Method, resp.Header.Get("Content-Type")))
		return c.failErr
	}
}

// setHeaders sets the session's headers on a request.
func (c *StreamableConn) setHeaders(h http.Header, req *jsonrpc.Request) {
	c.mu.Lock()
	session, protocol := c.session, c.protocol
	c.mu.Unlock()
	if session != "" {
		h.Set(hdrSession, session)
	}
	if v := metaProtocol(req); v != "" {
		protocol = v
	}
	if protocol != "" {
		h.Set(hdrProtocol, protocol)
	}
	if req != nil && protocol >= sessionlessProtocol {
		h.Set(hdrMethod, req.Method)
		if name := requestName(req); name != "" {
			h.Set(hdrName, name)
		}
	}
}

// metaProtocol is the protocol version a sessionless request names in
// its _meta, if any.
func metaProtocol(req *jsonrpc.Request) string {
	if req == nil || !bytes.Contains(req.Params, []byte("io.modelcontextprotocol/protocolVersion")) {
		return ""
	}
	var p struct {
		Meta map[string]json.RawMessage `json:"_meta"`
	}
	var v string
	if json.Unmarshal(req.Params, &p) != nil || json.Unmarshal(p.Meta["io.modelcontextprotocol/protocolVersion"], &v) != nil {
		return ""
	}
	return v
}

// requestName is what the Mcp-Name header carries for a request: the
// tool or prompt name, or the resource URI.
func requestName(req *jsonrpc.Request) string {
	var p struct {
		Name string `json:"name"`
		URI  string `json:"uri"`
	}
	switch req.Method {
	case "tools/call", "prompts/get":
		if json.Unmarshal(req.Params, &p) == nil {
			return p.Name
		}
	case "resources/read":
		if json.Unmarshal(req.Params, &p) == nil {
			return p.URI
		}
	}
	return ""
}

// noteSession takes the session id the server assigns; a different one
// later is a protocol violation.
func (c *StreamableConn) noteSession(resp *http.Response) error {
	id := resp.Header.Get(hdrSession)
	if id == "" {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.session {
	case "":
		c.session = id
	case id:
	default:
		err := fmt.Errorf("mcpconn: the server changed the session id from %q to %q", c.session, id)
		c.fail(err)
		return err
	}
	return nil
}

// refused handles an error status: a JSON-RPC error in the body is the
// request's answer; 404 on a session is the session's end; anything else
// answers a request with an error naming the status.
func (c *StreamableConn) refused(resp *http.Response, req *jsonrpc.Request, call bool) error {
	body, _ := readBounded(resp.Body, 1<<20)
	if err := c.sessionGone(resp); err != nil {
		return err
	}
	if !call {
		c.t.Logger.Warn("the MCP server refused a message", "status", resp.StatusCode)
		return nil
	}
	if m, err := DecodeFrame(body); err == nil {
		if r, ok := m.(*jsonrpc.Response); ok && r.ID == req.ID && r.Error != nil {
			c.deliver(r)
			return nil
		}
	}
	c.deliver(&jsonrpc.Response{ID: req.ID, Error: &jsonrpc.Error{Code: jsonrpc.CodeInternalError,
		Message: fmt.Sprintf("the MCP server answered %s with HTTP %d", req.Method, resp.StatusCode)}})
	return nil
}

// readStream reads a POST's event stream until the answer to req, then
// lets the stream end. A stream that ends first is resumed with GET and
// Last-Event-ID when the server gave event ids; otherwise the request is
// answered with an error.
func (c *StreamableConn) readStream(ctx context.Context, resp *http.Response, req *jsonrpc.Request) error {
	body := resp.Body
	lastID, retry, retries := "", time.Duration(0), 0
	for {
		r := sse.NewReader(body, c.t.MaxMessage)
		answered, err := c.events(r, req.ID)
		if answered {
			// The caller has its answer; the stream's end (which the
			// server writes after it) is read off the caller's path.
			go finish(body)
			return nil
		}
		body.Close()
		if e := c.ended(); e != nil {
			return e
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if unreadable(err) {
			c.fail(fmt.Errorf("mcpconn: the answer to %s: %w", req.Method, err))
			return c.failErr
		}
		if r.Retry() > 0 {
			retry = r.Retry()
		}
		switch id := r.LastID(); {
		case id != "" && id != lastID:
			lastID, retries = id, 0
		case lastID == "":
			c.answerError(req, "the MCP server ended the stream without answering "+req.Method)
			return nil
		default:
			if retries++; retries > c.t.MaxRetries {
				c.answerError(req, fmt.Sprintf("the MCP server's stream for %s made no progress in %d reconnections", req.Method, c.t.MaxRetries))
				return nil
			}
		}
		next, err := c.resume(ctx, lastID, backoff(retry, retries))
		if err != nil {
			if errors.Is(err, ErrSessionGone) || ctx.Err() != nil || c.ended() != nil {
				return err
			}
			c.answerError(req, "resuming the MCP server's stream failed: "+err.Error())
			return nil
		}
		body = next.Body
	}
}

// answerError answers req, on the server's behalf, with an error.
func (c *StreamableConn) answerError(req *jsonrpc.Request, msg string) {
	c.deliver(&jsonrpc.Response{ID: req.ID, Error: &jsonrpc.Error{Code: jsonrpc.CodeInternalError, Message: msg}})
}

// ended is the connection's failure, or ErrConnectionClosed after Close.
func (c *StreamableConn) ended() error {
	if err := c.failure(); err != nil {
		return err
	}
	select {
	case <-c.done:
		return mcp.ErrConnectionClosed
	default:
		return nil
	}
}

// backoff is the wait before reopening a stream: the server's retry
// field, or a delay growing with the attempts.
func backoff(retry time.Duration, attempt int) time.Duration {
	if retry > 0 {
		return retry
	}
	return time.Duration(attempt) * 250 * time.Millisecond
}

// errMalformed is an event that is not a JSON-RPC message.
var errMalformed = errors.New("an event is not a JSON-RPC message")

// unreadable reports a stream error that no reconnection mends: an event
// beyond the bound or one that is not a JSON-RPC message (a server that
// writes those is broken); an ended or cut stream may be resumed.
func unreadable(err error) bool {
	return errors.Is(err, sse.ErrTooLarge) || errors.Is(err, errMalformed)
}

// events delivers a stream's messages until the answer to id (true) or
// the stream's end; a zero id reads to the end.
func (c *StreamableConn) events(r *sse.Reader, id jsonrpc.ID) (bool, error) {
	for {
		ev, err := r.Next()
		if err != nil {
			return false, err
		}
		// Other event types are not MCP's; an empty message is a
		// priming event, which only carries an id to resume from.
		if (ev.Type != "" && ev.Type != "message") || len(bytes.TrimSpace(ev.Data)) == 0 {
			continue
		}
		m, err := DecodeFrame(ev.Data)
		if err != nil {
			return false, fmt.Errorf("%w: %v", errMalformed, err)
		}
		if !c.deliver(m) {
			return false, io.EOF
		}
		if resp, ok := m.(*jsonrpc.Response); ok && id.IsValid() && resp.ID == id {
			return true, nil
		}
	}
}

// resume opens a stream with GET after delay, resuming after lastID
// when set.
func (c *StreamableConn) resume(ctx context.Context, lastID string, delay time.Duration) (*http.Response, error) {
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-c.done:
		return nil, mcp.ErrConnectionClosed
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodGet, c.t.Endpoint, nil)
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		hr.Header.Set(hdrLastID, lastID)
	}
	c.setHeaders(hr.Header, nil)
	resp, err := c.t.Client.Do(hr)
	if err != nil {
		return nil, err
	}
	if err := c.sessionGone(resp); err != nil {
		resp.Body.Close()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK || mediaType(resp.Header.Get("Content-Type")) != "text/event-stream" {
		resp.Body.Close()
		return nil, fmt.Errorf("GET answered HTTP %d (%s)", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return resp, nil
}

// sessionGone ends the connection when the server answers 404 to a
// request carrying the session's id: the server no longer knows it.
func (c *StreamableConn) sessionGone(resp *http.Response) error {
	if resp.StatusCode != http.StatusNotFound || c.SessionID() == "" {
		return nil
	}
	err := fmt.Errorf("%w (HTTP 404)", ErrSessionGone)
	c.fail(err)
	return err
}

// startStandalone opens the GET stream once, after initialisation, on a
// session-ful protocol.
func (c *StreamableConn) startStandalone() {
	c.mu.Lock()
	start := c.t.Standalone && !c.standalone && c.protocol != "" && c.protocol < sessionlessProtocol
	c.standalone = true
	c.mu.Unlock()
	if start {
		go c.listen()
	}
}

// listen holds the GET stream open for the connection's life. A server
// without one (405, or another refusal of the first GET) is left alone;
// a stream that cannot be reopened ends the connection, since the
// list-changed notifications the gateway reviews would be lost.
func (c *StreamableConn) listen() {
	resp, err := c.resume(c.ctx, "", 0)
	if err != nil {
		if c.ctx.Err() == nil && !errors.Is(err, ErrSessionGone) {
			c.t.Logger.Info("the MCP server offers no stream of its own messages", "err", err)
		}
		return
	}
	lastID, retry, retries := "", time.Duration(0), 0
	for {
		r := sse.NewReader(resp.Body, c.t.MaxMessage)
		_, err := c.events(r, jsonrpc.ID{})
		resp.Body.Close()
		if c.ctx.Err() != nil || c.ended() != nil {
			return
		}
		if unreadable(err) {
			c.fail(fmt.Errorf("mcpconn: the server's message stream: %w", err))
			return
		}
		if r.Retry() > 0 {
			retry = r.Retry()
		}
		for {
			if id := r.LastID(); id != "" && id != lastID {
				lastID, retries = id, 0
			} else if retries++; retries > c.t.MaxRetries {
				c.fail(fmt.Errorf("mcpconn: the server's message stream could not be kept open (%v)", err))
				return
			}
			if resp, err = c.resume(c.ctx, lastID, backoff(retry, retries)); err == nil {
				break
			}
			if c.ctx.Err() != nil || errors.Is(err, ErrSessionGone) {
				return
			}
		}
	}
}

// Close implements mcp.Connection: the session is ended with DELETE
// (bounded, best effort) unless the server already ended it.
func (c *StreamableConn) Close() error {
	var err error
	c.closeOnce.Do(func() {
		if id := c.SessionID(); id != "" && !errors.Is(c.failure(), ErrSessionGone) {
			ctx, cancel := context.WithTimeout(c.ctx, closeTimeout)
			if hr, rerr := http.NewRequestWithContext(ctx, http.MethodDelete, c.t.Endpoint, nil); rerr == nil {
				c.setHeaders(hr.Header, nil)
				if resp, derr := c.t.Client.Do(hr); derr == nil {
					discard(resp.Body)
					resp.Body.Close()
				} else {
					err = derr
				}
			}
			cancel()
		}
		c.cancel()
		close(c.done)
	})
	return err
}

func mediaType(v string) string {
	mt, _, err := mime.ParseMediaType(v)
	if err != nil {
		return strings.ToLower(strings.TrimSpace(v))
	}
	return mt
}

// readBounded reads all of r, failing beyond max bytes.
func readBounded(r io.Reader, max int) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, err
	}
	if len(b) > max {
		return nil, fmt.Errorf("a message exceeds %d bytes", max)
	}
	return b, nil
}

// discard reads a little of what is left of a body, so that the HTTP
// connection can be reused.
func discard(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }

// finish lets a stream that delivered its answer end: the server closes
// it right after, and reading to its end returns the HTTP connection to
// the pool. A server that holds it open is cut off after a moment.
func finish(body io.ReadCloser) {
	t := time.AfterFunc(time.Second, func() { body.Close() })
	discard(body)
	t.Stop()
	body.Close()
}
