package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"regexp"
	"strings"
	"syscall"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/mcpconn"
	"github.com/agentgov/agentgov/internal/mcpgw"
	"github.com/agentgov/agentgov/internal/outbound"
)

type mcpProxyFlags struct {
	name, agent, session    string
	upstream, listen        string
	upstreamTransport       string
	callTimeout, approvalTO time.Duration
	callerAgentHeader       bool
	allowUnverified         bool
}

func newMCPProxyCmd(g *globals) *cobra.Command {
	f := &mcpProxyFlags{}
	c := &cobra.Command{
		Use:   "proxy [flags] [-- <server command...>]",
		Short: "Govern every tool call to an MCP server: list review, gate checks, approvals, audit",
		Long: `Run an MCP server behind agentgov. The proxy is an MCP server to the client
and an MCP client to the real server, and sits in the path of every call:

  tools/list   the server's tools are scanned (poisoning, hidden characters,
               exfiltration, schema abuse...) and compared with the approved
               pins (agentgov mcp pin); dangerous and rug-pulled tools, and
               tools the agent's profile does not allow, are not shown. A
               changed list is reviewed again before the client sees it.
  tools/call   a pre_tool_call check of <name>/<tool> with the call's
               arguments (allow-lists, rings, blocked patterns, egress,
               supply chain, rate, budgets, trust, kill state); an escalation
               holds the call until its approval resolves; the result passes a
               post_tool_call check (indirect prompt injection, PII and secret
               redaction) before the client sees it. Every check is an audit
               entry.

Two transports:

  agentgov mcp proxy --name files --agent desktop -- npx -y @modelcontextprotocol/server-filesystem@2025.8.21 /data
      stdio: the client starts the proxy, the proxy starts the server.
  agentgov mcp proxy --name docs --agent desktop --upstream https://mcp.example/mcp --listen 127.0.0.1:8471
      streamable HTTP on both sides (--upstream-transport sse for a server
      on the deprecated HTTP+SSE transport).

With --server URL (or AGENTGOV_SERVER) the running agentgov serve decides,
with its sessions, budgets, kill state and approvals; over --listen, a
client's own Authorization: Bearer credential is forwarded so that the
server authenticates the agent itself. Without --server the gate of --config
decides in-process and records to the data directory (taking its lock);
escalations are then refused, since nobody can approve them.

The proxy's own log goes to stderr: stdout is the MCP channel.`,
		Example: `  # In an MCP client's configuration (Claude Desktop, Cursor, VS Code...):
  #   "command": "agentgov",
  #   "args": ["mcp", "proxy", "--name", "files", "--agent", "desktop",
  #            "--server", "http://127.0.0.1:8470", "--",
  #            "npx", "-y", "@modelcontextprotocol/server-filesystem@2025.8.21", "/data"]`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runMCPProxy(cmd, g, f, args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.name, "name", "", "the server's name: tools reach the gate as <name>/<tool> and pins are kept under it (default: from the command or URL)")
	fl.StringVar(&f.agent, "agent", "", "the agent identity calls are checked as")
	fl.StringVar(&f.session, "session", "", "session id for checks (default: one per proxy run, or the client's MCP session over HTTP)")
	fl.StringVar(&f.upstream, "upstream", "", "the MCP server's streamable-HTTP endpoint (instead of a command)")
	fl.StringVar(&f.upstreamTransport, "upstream-transport", "streamable-http", "the --upstream server's transport: streamable-http, or sse for a server on the deprecated HTTP+SSE transport (protocol 2024-11-05)")
	fl.StringVar(&f.listen, "listen", "", "serve clients over streamable HTTP on this loopback address (instead of stdio)")
	fl.DurationVar(&f.callTimeout, "call-timeout", 60*time.Second, "bound on one upstream call; a hung server fails the call and is restarted")
	fl.DurationVar(&f.approvalTO, "approval-timeout", 10*time.Minute, "bound on holding an escalated call for its approval")
	fl.BoolVar(&f.callerAgentHeader, "caller-agent-header", false, "over --listen, take the agent from the client's Agentgov-Agent header (with --server, the server still checks that the client's credential may act for it)")
	fl.BoolVar(&f.allowUnverified, "allow-unverified-launch", false, "start the server command even when the supply-chain guard finds a high or critical problem with what it installs or runs")
	return c
}

// guardLaunch puts the server command through the supply-chain guard
// before it runs: an MCP server started from a package manager is code
// fetched at launch (npx -y, uvx), and a look-alike, deny-listed or
// too-new package must not start.
func guardLaunch(ctx context.Context, cfg *config.Config, args []string, log *slog.Logger, allow bool) error {
	guard, err := gate.NewSupplyChainGuard(cfg)
	if err != nil {
		return usageErr("%v", err)
	}
	all, blocking := launchFindings(ctx, guard, args)
	for _, f := range all {
		log.Warn("supply-chain finding in the server command", "type", f.Type, "severity", f.Severity, "package", f.Package, "detail", f.Detail)
	}
	if len(blocking) > 0 && !allow {
		return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("refusing to start the server command: %s (--allow-unverified-launch overrides)", strings.Join(blocking, "; "))}
	}
	return nil
}

var serverNameRE = regexp.MustCompile(`[^a-z0-9_.-]+`)

// defaultServerName derives a name from the command or URL.
func defaultServerName(args []string, upstream string) string {
	name := ""
	if upstream != "" {
		if u, err := url.Parse(upstream); err == nil {
			name = u.Hostname()
		}
	} else {
		// The last argument that names a package or program: npx -y
		// @scope/server-x@1 /data -> server-x.
		for _, a := range args {
			if strings.HasPrefix(a, "-") || strings.HasPrefix(a, "/") || strings.HasPrefix(a, ".") {
				continue
			}
			base := path.Base(strings.SplitN(strings.TrimPrefix(a, "@"), "@", 2)[0])
			switch base {
			case "npx", "uvx", "node", "python", "python3", "uv", "pipx", "docker", "run", "bunx", "pnpm", "dlx", "exec":
				continue
			}
			name = base
			break
		}
	}
	name = strings.Trim(serverNameRE.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if name == "" {
		name = "mcp"
	}
	return name
}

func runMCPProxy(cmd *cobra.Command, g *globals, f *mcpProxyFlags, args []string) error {
	switch {
	case f.upstream == "" && len(args) == 0:
		return usageErr("agentgov mcp proxy needs a server command after -- or --upstream URL")
	case f.upstream != "" && len(args) > 0:
		return usageErr("give either a server command or --upstream, not both")
	case f.agent == "" && !f.callerAgentHeader:
		return usageErr("--agent is required: the identity the proxy's calls are checked as")
	}
	switch f.upstreamTransport {
	case "streamable-http", "sse":
	default:
		return usageErr("--upstream-transport must be streamable-http or sse, not %q", f.upstreamTransport)
	}
	if f.upstreamTransport == "sse" && f.upstream == "" {
		return usageErr("--upstream-transport sse needs --upstream URL")
	}
	if f.upstream != "" {
		u, err := url.Parse(f.upstream)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return usageErr("--upstream must be an http(s) URL")
		}
		if u.Scheme == "http" && !loopbackHost(u.Hostname()) {
			return usageErr("--upstream over plain HTTP is allowed only on loopback; use https")
		}
	}
	if f.listen != "" {
		host, _, err := net.SplitHostPort(f.listen)
		if err != nil || !loopbackHost(host) {
			return usageErr("--listen must be a loopback host:port: the proxy serves plain HTTP")
		}
	}
	name := f.name
	if name == "" {
		name = defaultServerName(args, f.upstream)
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewJSONHandler(cmd.ErrOrStderr(), &slog.HandlerOptions{Level: slog.LevelInfo})).With("component", "mcp-proxy", "server", name)
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	if len(args) > 0 {
		if err := guardLaunch(ctx, cfg, args, log, f.allowUnverified); err != nil {
			return err
		}
	}

	o := mcpgw.Options{Server: name, Agent: f.agent, Session: f.session, CallTimeout: f.callTimeout, ApprovalTimeout: f.approvalTO, Logger: log}
	if f.callerAgentHeader {
		o.CallerAgent = func(h map[string][]string) string { return http.Header(h).Get("Agentgov-Agent") }
	}
	rv := mcpgw.ScanReviewer{Scanner: toolscan.New(), Agent: f.agent}
	cl, err := g.remote(cfg)
	if err != nil {
		return err
	}
	if cl != nil {
		remote := mcpgw.Remote{Client: cl}
		if f.listen != "" {
			srv := g.serverURL()
			remote.ForCaller = func(tok string) (*client.Client, error) { return g.newClient(cfg, srv, tok) }
		}
		o.Decider, o.Approvals = remote, remote
		rv.Recorder = remoteRecorder{cl}
		rv.Pins = remotePins(cl)
	} else {
		file := g.configFile
		if file == "" {
			file = g.env.get("AGENTGOV_CONFIG")
		}
		if file == "" {
			return usageErr("agentgov mcp proxy needs --server URL to go through a running server, or --config FILE to decide in-process")
		}
		w, err := openWriter(ctx, cfg, "agentgov mcp proxy")
		if err != nil {
			return err
		}
		defer w.close(context.WithoutCancel(ctx))
		// Trust scores and delegation verification, as serve has them.
		tr, err := daemon.OpenTrust(ctx, cfg, w.st, w.log, log)
		if err != nil {
			return err
		}
		defer func() {
			if err := tr.Close(context.WithoutCancel(ctx)); err != nil {
				log.Warn("writing trust scores failed", "err", err)
			}
		}()
		gt, err := daemon.NewGate(ctx, daemon.GateOptions{Config: cfg, ConfigFile: file, Log: w.log, Logger: log, Trigger: "mcp proxy", Trust: tr})
		if err != nil {
			var pe *daemon.PolicyError
			if errors.As(err, &pe) {
				return &ExitCodeError{Code: ExitUsage, Err: err}
			}
			return err
		}
		src := localSource()
		o.Decider = mcpgw.GateDecider{Gate: gt, Principal: src}
		rv.Recorder = localRecorder{log: w.log, source: src}
		rv.Pins = localPins(w)
	}
	o.Reviewer = rv
	upTLS, err := outbound.TLS(cfg, "") // outbound.tls: roots, SPKI pins, TLS 1.3
	if err != nil {
		return err
	}
	o.Upstream, err = upstreamConnector(f.upstream, f.upstreamTransport == "sse", upTLS, args, cmd.ErrOrStderr())
	if err != nil {
		return usageErr("--upstream: %v", err)
	}

	gw, err := mcpgw.New(o)
	if err != nil {
		return usageErr("%v", err)
	}
	if err := gw.Start(ctx); err != nil {
		return err
	}
	defer gw.Close()
	if cl != nil {
		watchAgent := f.agent
		if f.callerAgentHeader {
			watchAgent = ""
		}
		go watchKills(ctx, cl, watchAgent, gw, log)
	}
	log.Info("MCP proxy ready", "tools", gw.Visible())
	if f.listen == "" {
		// The gateway's own stdio framing: governed calls skip the SDK's
		// decoding (mcpgw.StreamTransport); closing closes stdin, as the
		// SDK's stdio transport does.
		err := gw.Server().Run(ctx, gw.StreamTransport(os.Stdin, os.Stdout, os.Stdin))
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	hs := &http.Server{Addr: f.listen, Handler: gw.HTTPHandler(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	ln, err := net.Listen("tcp", f.listen)
	if err != nil {
		return err
	}
	log.Warn("serving MCP over plain HTTP; allowed only because the listener is on loopback", "addr", ln.Addr().String())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		hs.Shutdown(sctx)
	}()
	if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// upstreamConnector starts the server command (in its own process group,
// killed whole on every restart and on exit) or connects to the URL with
// the outbound TLS settings (roots, pins, TLS 1.3), speaking to the URL's
// origin only.
func upstreamConnector(upstream string, sse bool, tlsCfg *tls.Config, args []string, stderr io.Writer) (mcpgw.Connector, error) {
	if upstream != "" {
		hc, err := mcpconn.OriginClient(upstream, nil, mcpconn.HTTPTransport(tlsCfg))
		if err != nil {
			return nil, err
		}
		return func(context.Context) (mcp.Transport, error) {
			if sse {
				return mcpconn.SSETransport(upstream, hc), nil
			}
			// The gateway's own streamable-HTTP framing: governed calls
			// skip the SDK's decoding, and the GET stream carries the
			// list changes the gateway reviews.
			return &mcpconn.StreamableTransport{Endpoint: upstream, Client: hc, Standalone: true, MaxRetries: 2}, nil
		}, nil
	}
	return func(context.Context) (mcp.Transport, error) {
		c := exec.Command(args[0], args[1:]...)
		c.Stderr = stderr
		c.Env = os.Environ()
		return mcpconn.NewGroupTransport(c, 2*time.Second), nil
	}, nil
}

// watchKills holds the server's kill stream open for as long as the proxy
// runs and cancels the calls in flight that a kill covers; the server's
// gate already denies every later one. A lost stream is reopened, resuming
// after the last event seen.
func watchKills(ctx context.Context, cl *client.Client, agent string, gw *mcpgw.Gateway, log *slog.Logger) {
	last := ""
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		ks, err := cl.KillStream(ctx, agent, last)
		if err == nil {
			backoff = 100 * time.Millisecond
			for {
				ev, err := ks.Next()
				if err != nil {
					break
				}
				last = ks.LastID
				if ev.Type == "kill" && ev.Kill != nil {
					if n := gw.Kill(*ev.Kill); n > 0 {
						log.Warn("kill: calls in flight cancelled", "kill", ev.Kill.ID, "scope", ev.Kill.Scope, "reason", ev.Kill.Reason, "cancelled", n)
					}
				}
			}
			ks.Close()
		} else if ctx.Err() == nil {
			log.Warn("kill stream unavailable; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 10*time.Second)
	}
}

type remoteRecorder struct{ c *client.Client }

func (r remoteRecorder) Record(ctx context.Context, ev api.Event) error {
	_, err := r.c.AppendEvent(ctx, ev)
	return err
}

type localRecorder struct {
	log interface {
		Append(ctx context.Context, ev *api.Event, source string) (int64, error)
	}
	source string
}

func (r localRecorder) Record(ctx context.Context, ev api.Event) error {
	_, err := r.log.Append(ctx, &ev, r.source)
	return err
}
