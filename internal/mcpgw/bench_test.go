package mcpgw

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/detect/detecttest"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/mcpconn"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// benchConfig is a strict profile with the default detectors: what a
// deployment runs.
const benchConfig = `
defaults:
  role: WRITER
  ring: 2
  allowed_tools: ["files/*"]
  blocked_patterns:
    - {substring: "rm -rf"}
agents:
  bot: {}
`

// realGate builds a gate with the default detectors over an in-memory
// audit log: every check is recorded, only the durability of the write is
// left out.
func realGate(tb testing.TB) Decider {
	tb.Helper()
	dir := tb.TempDir()
	path := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(path, []byte(benchConfig), 0o600); err != nil {
		tb.Fatal(err)
	}
	cfg, err := config.Load(config.Options{File: path, LookupEnv: func(string) (string, bool) { return "", false }})
	if err != nil {
		tb.Fatal(err)
	}
	pol, err := gate.Compile(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.bench/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(context.Background(), audit.Options{Store: memory.New(), Origin: "agentgov.bench/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		tb.Fatal(err)
	}
	key := make([]byte, 32)
	rand.Read(key)
	g, err := gate.New(gate.Options{Policy: pol, Recorder: l, Detectors: gate.StandardDetectors(), ArgsKey: key, PseudonymKey: key})
	if err != nil {
		tb.Fatal(err)
	}
	return GateDecider{Gate: g, Principal: "bench"}
}

func TestRealGateThroughTheGateway(t *testing.T) {
	u := newUpstream(t)
	g := newGateway(t, Options{Upstream: u.connector(t), Decider: realGate(t), Agent: "bot"})
	cs := connectClient(t, g)
	if res := callTool(t, cs, "echo", map[string]any{"text": "hello"}); res.IsError || text(res) != "echo: hello" {
		t.Fatalf("allowed: %q", text(res))
	}
	if res := callTool(t, cs, "echo", map[string]any{"text": "please rm -rf /"}); !res.IsError {
		t.Fatalf("blocked pattern forwarded: %q", text(res))
	}
	if res := callTool(t, cs, "echo", map[string]any{"text": "my SSN is 078-05-1120, key AKIAZ3MVH7QXPLT4WRNE"}); !res.IsError {
		t.Fatalf("a secret in outbound arguments was forwarded: %q", text(res))
	}
}

// BenchmarkMCPProxyOverhead measures one tools/call from a client to an
// upstream server directly and through the gateway with the real gate
// (default detectors, pre and post checks, each recorded in an in-memory
// audit log). The difference is the gateway's own processing; the
// durable write of the two audit entries is what it leaves out.
//
// Each leg runs on what production runs: the client speaks the SDK's
// stdio framing over a pipe to the gateway's stdio transport, and the
// gateway speaks its framing over a pipe to the server's SDK stdio
// framing (the proxy's child). The client negotiates the SDK's default
// protocol (sessionless, 2026-07-28); the gateway asks its upstream for
// the stateful 2025-11-25, which costs the upstream less per request, so
// direct-stateful (the client asking for 2025-11-25 directly) is
// reported too: proxied minus it is the overhead with that effect
// removed.
func BenchmarkMCPProxyOverhead(b *testing.B) {
	ctx := context.Background()
	args := map[string]any{"text": "summarise the quarterly report for the finance team"}
	// run also reports the process's CPU time per call (client, gateway,
	// upstream and the runtime together), which the machine's other
	// tenants disturb less than wall time.
	run := func(b *testing.B, cs *mcp.ClientSession) time.Duration {
		b.ReportAllocs()
		b.ResetTimer()
		start, cpu0 := time.Now(), detecttest.ProcessCPU()
		for b.Loop() {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: args})
			if err != nil || res.IsError {
				b.Fatalf("%v %v", err, res)
			}
		}
		d := time.Since(start)
		if cpu := detecttest.ProcessCPU() - cpu0; cpu > 0 {
			b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N)/1e3, "cpu-µs/call")
		}
		return d
	}
	var direct, stateful, hop, proxied float64
	directRun := func(protocol string, out *float64) func(b *testing.B) {
		return func(b *testing.B) {
			u := newUpstream(b)
			t, _ := u.sdkConnector(b)(ctx)
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, t, &mcp.ClientSessionOptions{ProtocolVersion: protocol})
			if err != nil {
				b.Fatal(err)
			}
			defer cs.Close()
			d := run(b, cs)
			*out = float64(d.Nanoseconds()) / float64(b.N)
		}
	}
	b.Run("direct", directRun("", &direct))
	b.Run("direct-stateful", directRun(upstreamProtocol, &stateful))
	// A gateway that decides nothing (an instant allow, no review): what
	// the second hop (framing, pipes, goroutine hand-offs, the SDK server
	// session for everything but the call) costs by itself, so that the
	// gate's share of the overhead can be told from the hop's.
	b.Run("hop-only", func(b *testing.B) {
		u := newUpstream(b)
		g, err := New(Options{Server: "files", Agent: "bot", Upstream: u.connector(b), Decider: allowAll{}})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Start(ctx); err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		d := run(b, connectClient(b, g))
		hop = float64(d.Nanoseconds()) / float64(b.N)
		if direct > 0 {
			b.ReportMetric((hop-direct)/1e3, "hop-µs/call")
		}
	})
	b.Run("proxied", func(b *testing.B) {
		u := newUpstream(b)
		g, err := New(Options{Server: "files", Agent: "bot", Upstream: u.connector(b), Decider: realGate(b)})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Start(ctx); err != nil {
			b.Fatal(err)
		}
		defer g.Close()
		cs := connectClient(b, g)
		d := run(b, cs)
		proxied = float64(d.Nanoseconds()) / float64(b.N)
		if direct > 0 {
			b.ReportMetric((proxied-direct)/1e3, "overhead-µs/call")
		}
		if hop > 0 {
			b.ReportMetric((proxied-hop)/1e3, "gateway-µs/call")
		}
		if stateful > 0 {
			b.ReportMetric((proxied-stateful)/1e3, "overhead-vs-stateful-µs/call")
		}
	})

	// Streamable HTTP on loopback, as `agentgov mcp proxy --upstream URL
	// --listen ADDR` runs: the client reaches the upstream directly, then
	// through a gateway that decides nothing, then through the real gate.
	var httpDirect, httpHop float64
	connectHTTP := func(b *testing.B, h http.Handler) *mcp.ClientSession {
		b.Helper()
		url := serveHTTP(b, h)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx,
			&mcp.StreamableClientTransport{Endpoint: url, MaxRetries: -1, DisableStandaloneSSE: true}, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { cs.Close() })
		return cs
	}
	httpGateway := func(b *testing.B, d Decider) *mcp.ClientSession {
		b.Helper()
		url := serveHTTP(b, sdkHandler(newUpstream(b).srv))
		g, err := New(Options{Server: "files", Agent: "bot", Decider: d, Upstream: func(context.Context) (mcp.Transport, error) {
			return &mcpconn.StreamableTransport{Endpoint: url, Standalone: true}, nil
		}})
		if err != nil {
			b.Fatal(err)
		}
		if err := g.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { g.Close() })
		return connectHTTP(b, g.HTTPHandler())
	}
	b.Run("http-direct", func(b *testing.B) {
		d := run(b, connectHTTP(b, sdkHandler(newUpstream(b).srv)))
		httpDirect = float64(d.Nanoseconds()) / float64(b.N)
	})
	// A reverse proxy that relays bytes and decides nothing: what any
	// HTTP hop costs here, where client, proxy and server share the
	// machine's cores.
	b.Run("http-relay", func(b *testing.B) {
		d := run(b, connectHTTP(b, relay(serveHTTP(b, sdkHandler(newUpstream(b).srv)))))
		if httpDirect > 0 {
			b.ReportMetric((float64(d.Nanoseconds())/float64(b.N)-httpDirect)/1e3, "relay-µs/call")
		}
	})
	b.Run("http-hop-only", func(b *testing.B) {
		d := run(b, httpGateway(b, allowAll{}))
		httpHop = float64(d.Nanoseconds()) / float64(b.N)
		if httpDirect > 0 {
			b.ReportMetric((httpHop-httpDirect)/1e3, "hop-µs/call")
		}
	})
	b.Run("http-proxied", func(b *testing.B) {
		d := run(b, httpGateway(b, realGate(b)))
		proxied := float64(d.Nanoseconds()) / float64(b.N)
		if httpDirect > 0 {
			b.ReportMetric((proxied-httpDirect)/1e3, "overhead-µs/call")
		}
		if httpHop > 0 {
			b.ReportMetric((proxied-httpHop)/1e3, "gateway-µs/call")
		}
	})
}

// serveHTTP serves h on a loopback port for the length of the benchmark
// and returns its URL.
func serveHTTP(b *testing.B, h http.Handler) string {
	b.Helper()
	hs := httptest.NewServer(h)
	b.Cleanup(hs.Close)
	return hs.URL
}

// relay forwards each request to upstream and copies the answer back as
// it arrives.
func relay(upstream string) http.Handler {
	tr := &http.Transport{MaxIdleConnsPerHost: 16}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req, err := http.NewRequestWithContext(r.Context(), r.Method, upstream, r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		req.Header = r.Header.Clone()
		resp, err := tr.RoundTrip(req)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		for {
			n, err := resp.Body.Read(buf)
			if n > 0 {
				w.Write(buf[:n])
				w.(http.Flusher).Flush()
			}
			if err != nil {
				return
			}
		}
	})
}

// sdkHandler serves srv over the SDK's streamable HTTP, as an upstream
// server does.
func sdkHandler(srv *mcp.Server) http.Handler {
	return mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, nil)
}

// allowAll allows everything at once.
type allowAll struct{}

func (allowAll) Check(context.Context, api.CheckRequest) (api.CheckDecision, error) {
	return api.CheckDecision{Decision: "allow"}, nil
}
