package mcpconn

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/agentgov/agentgov/internal/detect/toolscan"
)

// Listing is what a server offers.
type Listing struct {
	// Instructions are the server's initialize instructions to the model.
	Instructions string
	Tools        []toolscan.Tool
	Prompts      []toolscan.Prompt
	Resources    []toolscan.Resource
}

// Options bound a listing.
type Options struct {
	// Timeout bounds start, handshake and listing (default 30s).
	Timeout time.Duration
	// Environ is the base environment of a stdio server (os.Environ when
	// nil); the Spec's Env is laid over it.
	Environ []string
	// Stderr receives a stdio server's standard error (discarded when
	// nil).
	Stderr   *os.File
	Version  string
	MaxItems int
	// TLS configures connections to streamable-HTTP servers (roots,
	// pins, TLS 1.3); nil uses Go's defaults.
	TLS *tls.Config
}

// ErrTooMany reports a server that lists more than MaxItems definitions.
var ErrTooMany = errors.New("mcpconn: the server lists too many definitions")

// List connects to the server, lists its tools, prompts and resources and
// disconnects. A stdio server's process group is killed afterwards, also
// when the deadline passes.
func List(ctx context.Context, sp Spec, o Options) (Listing, error) {
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.MaxItems <= 0 {
		o.MaxItems = toolscan.MaxTools
	}
	ctx, cancel := context.WithTimeout(ctx, o.Timeout)
	defer cancel()
	var tr mcp.Transport
	var gt *GroupTransport
	if sp.URL != "" {
		hc, err := OriginClient(sp.URL, sp.Headers, HTTPTransport(o.TLS))
		if err != nil {
			return Listing{}, fmt.Errorf("server %s: %w", sp.Name, err)
		}
		hc.Timeout = o.Timeout
		if sp.SSE {
			tr = SSETransport(sp.URL, hc)
		} else {
			tr = &mcp.StreamableClientTransport{Endpoint: sp.URL, HTTPClient: hc, MaxRetries: -1, DisableStandaloneSSE: true}
		}
	} else {
		cmd := exec.Command(sp.Command, sp.Args...)
		env := o.Environ
		if env == nil {
			env = os.Environ()
		}
		for k, v := range sp.Env {
			env = append(env, k+"="+v)
		}
		cmd.Env = env
		cmd.Dir = sp.Cwd
		if o.Stderr != nil {
			cmd.Stderr = o.Stderr
		}
		gt = NewGroupTransport(cmd, time.Second)
		tr = gt
		defer gt.Kill()
		// A server that hangs must not hold us past the deadline: when it
		// passes, the process group is killed, which ends every pending
		// read.
		stop := context.AfterFunc(ctx, gt.Kill)
		defer stop()
	}
	version := o.Version
	if version == "" {
		version = "dev"
	}
	c := mcp.NewClient(&mcp.Implementation{Name: "agentgov", Version: version}, nil)
	cs, err := c.Connect(ctx, tr, nil)
	if err != nil {
		return Listing{}, fmt.Errorf("server %s: connect: %w", sp.Name, deadline(ctx, err))
	}
	defer cs.Close()
	l := Listing{Instructions: cs.InitializeResult().Instructions}
	n := 0
	caps := cs.InitializeResult().Capabilities
	// A server that does not declare tools has none to list (and may
	// answer tools/list with "method not found").
	hasTools := caps == nil || caps.Tools != nil
	if hasTools {
		for t, err := range cs.Tools(ctx, nil) {
			if err != nil {
				return Listing{}, fmt.Errorf("server %s: tools/list: %w", sp.Name, deadline(ctx, err))
			}
			if n++; n > o.MaxItems {
				return Listing{}, fmt.Errorf("server %s: %w (more than %d)", sp.Name, ErrTooMany, o.MaxItems)
			}
			tt, err := convertTool(t)
			if err != nil {
				return Listing{}, fmt.Errorf("server %s: tool %q: %w", sp.Name, t.Name, err)
			}
			l.Tools = append(l.Tools, tt)
		}
	}
	if caps != nil && caps.Prompts != nil {
		for p, err := range cs.Prompts(ctx, nil) {
			if err != nil {
				return Listing{}, fmt.Errorf("server %s: prompts/list: %w", sp.Name, deadline(ctx, err))
			}
			if n++; n > o.MaxItems {
				return Listing{}, fmt.Errorf("server %s: %w", sp.Name, ErrTooMany)
			}
			pp := toolscan.Prompt{Name: p.Name, Title: p.Title, Description: p.Description}
			for _, a := range p.Arguments {
				if a != nil {
					pp.Arguments = append(pp.Arguments, toolscan.PromptArgument{Name: a.Name, Title: a.Title, Description: a.Description, Required: a.Required})
				}
			}
			l.Prompts = append(l.Prompts, pp)
		}
	}
	if caps != nil && caps.Resources != nil {
		for r, err := range cs.Resources(ctx, nil) {
			if err != nil {
				return Listing{}, fmt.Errorf("server %s: resources/list: %w", sp.Name, deadline(ctx, err))
			}
			if n++; n > o.MaxItems {
				return Listing{}, fmt.Errorf("server %s: %w", sp.Name, ErrTooMany)
			}
			l.Resources = append(l.Resources, toolscan.Resource{Name: r.Name, Title: r.Title, URI: r.URI, Description: r.Description, MIMEType: r.MIMEType})
		}
		// Templates are resources too, and their descriptions reach the
		// model the same way. A server with no templates may not know the
		// method at all.
		for rt, err := range cs.ResourceTemplates(ctx, nil) {
			var we *jsonrpc.Error
			if errors.As(err, &we) && we.Code == jsonrpc.CodeMethodNotFound {
				break
			}
			if err != nil {
				return Listing{}, fmt.Errorf("server %s: resources/templates/list: %w", sp.Name, deadline(ctx, err))
			}
			if n++; n > o.MaxItems {
				return Listing{}, fmt.Errorf("server %s: %w", sp.Name, ErrTooMany)
			}
			l.Resources = append(l.Resources, toolscan.Resource{Name: rt.Name, Title: rt.Title, URITemplate: rt.URITemplate, Description: rt.Description, MIMEType: rt.MIMEType})
		}
	}
	return l, nil
}

func deadline(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("timed out: %w", err)
	}
	return err
}

// convertTool re-decodes an SDK tool into toolscan's form, keeping every
// string of its schema.
func convertTool(t *mcp.Tool) (toolscan.Tool, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return toolscan.Tool{}, err
	}
	return toolscan.DecodeTool(b)
}

// GroupTransport starts a stdio server in a process group of its own and
// speaks to it over StreamConn framing. It remembers the process id, so
// that the whole group — a server started through npx or uvx is a tree of
// processes — can be killed from any goroutine, and is killed when the
// connection closes.
type GroupTransport struct {
	cmd       *exec.Cmd
	terminate time.Duration
	mu        sync.Mutex
	pid       int
}

// NewGroupTransport runs cmd in its own process group; terminate is how
// long closing waits for the server to exit before signalling it.
func NewGroupTransport(cmd *exec.Cmd, terminate time.Duration) *GroupTransport {
	ownGroup(cmd)
	if terminate <= 0 {
		terminate = 5 * time.Second
	}
	return &GroupTransport{cmd: cmd, terminate: terminate}
}

// Connect implements mcp.Transport: it starts the server.
func (g *GroupTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	// Pipes of our own (not exec's StdoutPipe), so that reaping the
	// process never closes the end we still read.
	inR, inW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		inR.Close()
		inW.Close()
		return nil, err
	}
	g.cmd.Stdin, g.cmd.Stdout = inR, outW
	err = g.cmd.Start()
	inR.Close()
	outW.Close()
	if err != nil {
		inW.Close()
		outR.Close()
		return nil, err
	}
	g.mu.Lock()
	g.pid = g.cmd.Process.Pid
	g.mu.Unlock()
	exited := make(chan struct{})
	go func() {
		g.cmd.Wait()
		close(exited)
	}()
	c := &childCloser{g: g, stdin: inW, stdout: outR, exited: exited}
	return NewStreamConn(outR, inW, c, StreamOptions{}), nil
}

// Kill kills what is left of the server's process group.
func (g *GroupTransport) Kill() {
	g.mu.Lock()
	pid := g.pid
	g.mu.Unlock()
	if pid > 0 {
		killGroup(pid)
	}
}

// childCloser shuts a stdio server down as the MCP specification asks:
// close its input, wait for it to exit, SIGTERM, wait, then kill the
// whole group.
type childCloser struct {
	g             *GroupTransport
	stdin, stdout *os.File
	exited        chan struct{}
}

func (c *childCloser) Close() error {
	err := c.stdin.Close()
	wait := func() bool {
		t := time.NewTimer(c.g.terminate)
		defer t.Stop()
		select {
		case <-c.exited:
			return true
		case <-t.C:
			return false
		}
	}
	if !wait() {
		if c.g.cmd.Process.Signal(syscall.SIGTERM) == nil {
			wait()
		}
	}
	// Whatever the server spawned goes with it.
	c.g.Kill()
	c.stdout.Close()
	return err
}

// HTTPTransport is the transport for streamable-HTTP servers: cfg's TLS
// (roots and pins), never below TLS 1.3, proxies from the environment.
func HTTPTransport(cfg *tls.Config) http.RoundTripper {
	if cfg == nil {
		cfg = &tls.Config{}
	} else {
		cfg = cfg.Clone()
	}
	cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS13)
	return &http.Transport{TLSClientConfig: cfg, Proxy: http.ProxyFromEnvironment, ForceAttemptHTTP2: true,
		MaxResponseHeaderBytes: 64 << 10}
}

// OriginClient is an HTTP client for an MCP server at endpoint that
// speaks to that server's origin (scheme, host and port) only, adding the
// configured headers to every request. A redirect, or an SSE server's
// endpoint event, naming another origin fails instead of carrying the
// server's credentials (or the agent's traffic) elsewhere.
func OriginClient(endpoint string, headers map[string]string, base http.RoundTripper) (*http.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("the server URL %q is not an absolute http(s) URL", endpoint)
	}
	ot := originTransport{scheme: u.Scheme, host: canonicalHost(u), headers: headers, base: base}
	return &http.Client{Transport: ot, CheckRedirect: func(r *http.Request, via []*http.Request) error {
		if err := ot.allowed(r.URL); err != nil {
			return err
		}
		if len(via) >= 5 {
			return errors.New("stopped after 5 redirects")
		}
		return nil
	}}, nil
}

type originTransport struct {
	scheme, host string
	headers      map[string]string
	base         http.RoundTripper
}

// canonicalHost is host:port with the scheme's default port made
// explicit and the host lower-cased.
func canonicalHost(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return net.JoinHostPort(strings.ToLower(u.Hostname()), port)
}

func (o originTransport) allowed(u *url.URL) error {
	if u.Scheme != o.scheme || canonicalHost(u) != o.host {
		return fmt.Errorf("refusing a request to %s://%s: the MCP server is at %s://%s", u.Scheme, u.Host, o.scheme, o.host)
	}
	return nil
}

func (o originTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := o.allowed(r.URL); err != nil {
		if r.Body != nil {
			r.Body.Close()
		}
		return nil, err
	}
	if len(o.headers) > 0 {
		r = r.Clone(r.Context())
		for k, v := range o.headers {
			r.Header.Set(k, v)
		}
	}
	return o.base.RoundTrip(r)
}

// SSETransport reaches a server on the deprecated HTTP+SSE transport
// (protocol 2024-11-05). The SDK's SSE client reads its event stream
// under the context Connect is given, so a connection made under a
// deadline would end with it; here the deadline bounds only the
// connecting, and the stream lives until the connection is closed.
func SSETransport(endpoint string, hc *http.Client) mcp.Transport {
	return sseTransport{inner: &mcp.SSEClientTransport{Endpoint: endpoint, HTTPClient: hc}}
}

type sseTransport struct{ inner mcp.Transport }

func (t sseTransport) Connect(ctx context.Context) (mcp.Connection, error) {
	life, end := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, end)
	c, err := t.inner.Connect(life)
	if !stop() {
		// ctx ended while connecting: the stream is already cut.
		if err == nil {
			c.Close()
		}
		end()
		return nil, fmt.Errorf("connecting over SSE: %w", context.Cause(ctx))
	}
	if err != nil {
		end()
		return nil, err
	}
	return &sseConn{Connection: c, end: end}, nil
}

type sseConn struct {
	mcp.Connection
	end context.CancelFunc
}

func (c *sseConn) Close() error {
	err := c.Connection.Close()
	c.end()
	return err
}
