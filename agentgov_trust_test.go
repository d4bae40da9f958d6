package agentgov_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov"
)

// TestEmbeddedTrustPersists: an embedded Governor enforces minimum tiers
// with its own trust scores, kept in the data directory across restarts,
// and refuses delegation chains it cannot verify.
func TestEmbeddedTrustPersists(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agentgov.yaml")
	src := `
defaults: {role: WRITER, ring: 2, allowed_tools: ["*"]}
tools:
  pay: {ring: 3, permission: write, min_trust_tier: trusted}
  root_tool: {ring: 1, permission: write}
agents:
  bot: {}
`
	if err := os.WriteFile(cfg, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	g, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	s := g.Session("bot", "s1")
	d, err := s.BeforeTool(ctx, "c1", "pay", map[string]any{})
	if err != nil || d.Decision != "deny" || d.Reason != "trust_below_minimum:trusted" {
		t.Fatalf("%+v %v", d, err)
	}
	s.BeforeTool(ctx, "c2", "root_tool", map[string]any{}) // ring breach: -50
	if score, tier := g.TrustScore("bot"); score != 450 || tier != "probationary" {
		t.Fatalf("score %d %s", score, tier)
	}
	d, err = g.Check(ctx, agentgov.CheckRequest{Agent: "bot", InterventionPoint: "pre_tool_call",
		Snapshot: map[string]any{"tool_call": map[string]any{"name": "pay", "args": map[string]any{}}}, Delegation: []string{"agd1.x.y"}})
	if err != nil || d.Decision != "deny" {
		t.Fatalf("%+v %v", d, err)
	}
	if err := g.Close(ctx); err != nil {
		t.Fatal(err)
	}
	g, err = agentgov.New(ctx, agentgov.Options{ConfigFile: cfg, DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	if score, _ := g.TrustScore("bot"); score >= 450 || score < 430 {
		t.Fatalf("score after restart %d", score)
	}
}
