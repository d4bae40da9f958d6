package mcpgw

import (
	"context"
	"crypto/rand"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/gate"
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
func BenchmarkMCPProxyOverhead(b *testing.B) {
	ctx := context.Background()
	args := map[string]any{"text": "summarise the quarterly report for the finance team"}
	run := func(b *testing.B, cs *mcp.ClientSession) time.Duration {
		b.ReportAllocs()
		b.ResetTimer()
		start := time.Now()
		for b.Loop() {
			res, err := cs.CallTool(ctx, &mcp.CallToolParams{Name: "echo", Arguments: args})
			if err != nil || res.IsError {
				b.Fatalf("%v %v", err, res)
			}
		}
		return time.Since(start)
	}
	var direct, hop, proxied float64
	b.Run("direct", func(b *testing.B) {
		u := newUpstream(b)
		t, _ := u.connector(b)(ctx)
		cs, err := mcp.NewClient(&mcp.Implementation{Name: "agent", Version: "1"}, nil).Connect(ctx, t, nil)
		if err != nil {
			b.Fatal(err)
		}
		defer cs.Close()
		d := run(b, cs)
		direct = float64(d.Nanoseconds()) / float64(b.N)
	})
	// A gateway that decides nothing (an instant allow, no review): what
	// the second SDK hop costs by itself, so that the gateway's own share
	// of the overhead can be told from the SDK's.
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
			b.ReportMetric((hop-direct)/1e3, "sdk-hop-µs/call")
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
	})
}

// allowAll allows everything at once.
type allowAll struct{}

func (allowAll) Check(context.Context, api.CheckRequest) (api.CheckDecision, error) {
	return api.CheckDecision{Decision: "allow"}, nil
}
