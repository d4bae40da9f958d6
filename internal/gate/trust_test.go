package gate

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/trust"
)

const trustConfig = `
defaults:
  role: WRITER
  ring: 3
  mode: strict
  allowed_tools: ["kb_*", web_search]
  detectors: {prompt_injection: {enabled: false}, pii: {enabled: false}, secrets: {enabled: false}, code: {enabled: false}}
tools:
  kb_read: {ring: 3, permission: read}
  kb_write: {ring: 3, permission: write}
  web_search: {ring: 3, permission: read}
  payments: {ring: 3, permission: write, min_trust_tier: trusted}
  admin_tool: {ring: 1, permission: write}
agents:
  std:
    allowed_tools: ["*"]
  low:
    min_trust_tier: standard
  watcher:
    min_trust_tier: standard
    mode: audit
  a: {}
  b: {}
  c:
    allowed_tools: [web_search]
  d:
    allowed_tools: [kb_read]
`

func newTrust(t *testing.T, f *fixture) *trust.Model {
	t.Helper()
	m, err := trust.Open(context.Background(), trust.Options{Store: memory.NewTrust(), Recorder: f.log, Now: f.clock.now, HalfLife: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	f.g.trust = m
	return m
}

func payloadOf(t *testing.T, f *fixture, d Decision) map[string]any {
	t.Helper()
	e, err := f.log.Entry(context.Background(), d.AuditIndex)
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(e.Payload, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestTrustTiersAreEnforced(t *testing.T) {
	f := newFixture(t, trustConfig, nil)
	m := newTrust(t, f)
	ctx := context.Background()
	if _, err := m.Set(ctx, "low", 400, "test", ""); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, agent, point string
		snap               map[string]any
		decision, reason   string
	}{
		{"profile minimum", "low", PreToolCall, toolCall("kb_read", `{}`), Deny, "trust_below_minimum:standard"},
		{"profile minimum at input", "low", Input, map[string]any{"input": "hi"}, Deny, "trust_below_minimum:standard"},
		{"shutdown always passes", "low", AgentShutdown, map[string]any{}, Allow, ""},
		{"tool minimum", "std", PreToolCall, toolCall("payments", `{}`), Deny, "trust_below_minimum:trusted"},
		{"no minimum", "std", PreToolCall, toolCall("kb_read", `{}`), Allow, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := f.check(t, c.agent, c.point, c.snap)
			if d.Decision != c.decision || d.Reason != c.reason {
				t.Fatalf("got %s %q %v", d.Decision, d.Reason, d.Reasons)
			}
			tr, ok := payloadOf(t, f, d)["trust"].(map[string]any)
			if !ok || tr["tier"] == "" || tr["score"] == nil {
				t.Fatalf("decision entry lacks the trust it was decided with: %v", payloadOf(t, f, d))
			}
		})
	}
	if _, err := m.Set(ctx, "std", 750, "test", "reviewed"); err != nil {
		t.Fatal(err)
	}
	if d := f.check(t, "std", PreToolCall, toolCall("payments", `{}`)); d.Decision != Allow {
		t.Fatalf("trusted agent denied: %+v", d)
	}
	// Audit mode softens the trust minimum like any policy denial.
	if _, err := m.Set(ctx, "watcher", 100, "test", ""); err != nil {
		t.Fatal(err)
	}
	d := f.check(t, "watcher", PreToolCall, toolCall("kb_read", `{}`))
	if d.Decision != Warn || d.Reason != "audit_mode:would_deny:trust_below_minimum:standard" {
		t.Fatalf("audit mode: %+v", d)
	}
	// The decision entry carries the standing it was decided with.
	p := payloadOf(t, f, d)["trust"].(map[string]any)
	if p["score"].(float64) != 100 || p["tier"] != "untrusted" {
		t.Fatalf("recorded standing %v", p)
	}
}

func TestTrustMinimumWithoutModelFailsClosed(t *testing.T) {
	f := newFixture(t, trustConfig, nil)
	if d := f.check(t, "low", PreToolCall, toolCall("kb_read", `{}`)); d.Decision != Deny || d.Reason != "trust_unavailable" {
		t.Fatalf("%+v", d)
	}
	if d := f.check(t, "std", PreToolCall, toolCall("kb_read", `{}`)); d.Decision != Allow {
		t.Fatalf("an agent without minimum needs no model: %+v", d)
	}
}

func TestDecisionsFeedTrust(t *testing.T) {
	f := newFixture(t, trustConfig, nil)
	m := newTrust(t, f)
	f.check(t, "std", PreToolCall, toolCall("admin_tool", `{}`)) // ring breach
	s := m.Standing("std")
	if s.Score != 450 || s.Counters.RingBreaches != 1 || s.Counters.Denials != 0 {
		t.Fatalf("after a ring breach %+v", s)
	}
	f.check(t, "a", PreToolCall, toolCall("shell", `{}`)) // not allowed
	if s := m.Standing("a"); s.Score != 490 || s.Counters.Denials != 1 {
		t.Fatalf("after a denial %+v", s)
	}
	snap := toolCall("kb_read", `{}`)
	snap["tool_result"] = map[string]any{"rows": []any{}}
	f.check(t, "b", PostToolCall, snap)
	if s := m.Standing("b"); s.Score != 501 || s.Counters.Clean != 1 {
		t.Fatalf("after clean work %+v", s)
	}
	// A pre_tool_call allow is not completed work; a trust denial does not
	// feed back; a dry run changes nothing.
	f.check(t, "b", PreToolCall, toolCall("kb_read", `{}`))
	m.Set(context.Background(), "low", 400, "t", "")
	f.check(t, "low", PreToolCall, toolCall("kb_read", `{}`))
	f.g.Check(context.Background(), &Request{Agent: "a", Session: "s1", Point: PreToolCall, Snapshot: toolCall("shell", `{}`), Mode: "evaluate_only"})
	if s := m.Standing("b"); s.Counters.Clean != 1 {
		t.Fatalf("%+v", s)
	}
	if s := m.Standing("low"); s.Score != 400 {
		t.Fatalf("trust denial fed back: %+v", s)
	}
	if s := m.Standing("a"); s.Counters.Denials != 1 {
		t.Fatalf("dry run counted: %+v", s)
	}
}

// delegation fixtures: agents a..d with deterministic keys, registered
// in a fake registry.
type fakeRegistry map[string]string

func (r fakeRegistry) AgentForDID(_ context.Context, did string) (string, error) {
	if a, ok := r[did]; ok {
		return a, nil
	}
	return "", errors.New("unknown key")
}

type party struct {
	key ed25519.PrivateKey
	p   delegation.Party
}

func parties(names ...string) (map[string]party, fakeRegistry) {
	out, reg := map[string]party{}, fakeRegistry{}
	for _, n := range names {
		seed := make([]byte, ed25519.SeedSize)
		copy(seed, "gate-test-"+n)
		k := ed25519.NewKeyFromSeed(seed)
		did := identity.DIDFromPublicKey(k.Public().(ed25519.PublicKey))
		out[n] = party{key: k, p: delegation.Party{Agent: n, DID: did}}
		reg[did] = n
	}
	return out, reg
}

func signLink(t testing.TB, ps map[string]party, from, to, parent string, now time.Time, tools, resources []string) string {
	t.Helper()
	raw, err := delegation.Sign(delegation.Claims{ID: "gate-test-" + from + "-" + to + "-000001", From: ps[from].p, To: ps[to].p,
		Tools: tools, Resources: resources, Points: []string{PreToolCall, PostToolCall},
		IssuedAt: now.Add(-time.Minute).Unix(), Expires: now.Add(time.Hour).Unix(), MaxDepth: 2, Parent: parent}, ps[from].key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func withResources(snap map[string]any, rs ...string) map[string]any {
	l := make([]any, len(rs))
	for i, r := range rs {
		l[i] = r
	}
	snap["resources"] = l
	return snap
}

func TestDelegationNarrowsOnly(t *testing.T) {
	f := newFixture(t, trustConfig, nil)
	ps, reg := parties("a", "b", "c", "d")
	v, err := delegation.NewVerifier(delegation.Options{Resolver: reg, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	f.g.chains = v
	now := f.clock.now()
	ab := []string{signLink(t, ps, "a", "b", "", now, []string{"kb_read", "web_search"}, []string{"docs/*"})}
	// c's own profile allows only web_search: it cannot hand out kb_read.
	cb := []string{signLink(t, ps, "c", "b", "", now, []string{"kb_read"}, []string{"*"})}
	// d's profile allows only kb_read; a grants it web_search.
	ad := []string{signLink(t, ps, "a", "d", "", now, []string{"web_search"}, []string{"*"})}
	broken := []string{ab[0][:len(ab[0])-4] + "AAAA"}
	cases := []struct {
		name, agent string
		chain       []string
		snap        map[string]any
		decision    string
		reason      string
	}{
		{"inside the scope", "b", ab, withResources(toolCall("kb_read", `{}`), "docs/faq.md"), Allow, ""},
		{"tool outside the scope", "b", ab, withResources(toolCall("kb_write", `{}`), "docs/faq.md"), Deny, delegation.ReasonTool},
		{"resource outside the scope", "b", ab, withResources(toolCall("kb_read", `{}`), "secrets/keys"), Deny, delegation.ReasonResource},
		{"resource left out", "b", ab, toolCall("kb_read", `{}`), Deny, delegation.ReasonResourceMissing},
		{"malformed resources", "b", ab, map[string]any{"tool_call": map[string]any{"name": "kb_read", "args": map[string]any{}}, "resources": "docs/faq.md"}, Deny, "delegation_resources_invalid"},
		{"not the holder", "a", ab, withResources(toolCall("kb_read", `{}`), "docs/faq.md"), Deny, "delegation_holder_mismatch"},
		{"broken signature", "b", broken, withResources(toolCall("kb_read", `{}`), "docs/faq.md"), Deny, "delegation_invalid:bad_signature"},
		{"root lacks the tool", "b", cb, withResources(toolCall("kb_read", `{}`), "x"), Deny, "delegation_root_not_allowed"},
		{"delegatee's profile lacks the tool", "d", ad, withResources(toolCall("web_search", `{}`), "x"), Deny, "tool_not_allowed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, err := f.g.Check(context.Background(), &Request{Agent: c.agent, Session: "s1", Point: PreToolCall, Snapshot: c.snap, Delegation: c.chain})
			if err != nil {
				t.Fatal(err)
			}
			if d.Decision != c.decision || (c.reason != "" && !slices.Contains(d.Reasons, c.reason)) || (c.reason == "" && d.Reason != "") {
				t.Fatalf("got %s %v, want %s %s", d.Decision, d.Reasons, c.decision, c.reason)
			}
			del, ok := payloadOf(t, f, d)["delegation"].(map[string]any)
			if !ok || len(del["chain"].([]any)) != len(c.chain) || !strings.HasPrefix(del["chain"].([]any)[0].(string), "sha256:") {
				t.Fatalf("decision entry does not show the chain: %v", payloadOf(t, f, d))
			}
		})
	}
	// Revocation and expiry end the chain at once, cached or not.
	v.Revoke(delegation.Digest(ab[0]))
	d, _ := f.g.Check(context.Background(), &Request{Agent: "b", Session: "s1", Point: PreToolCall, Snapshot: withResources(toolCall("kb_read", `{}`), "docs/faq.md"), Delegation: ab})
	if d.Decision != Deny || d.Reason != "delegation_invalid:revoked" {
		t.Fatalf("revoked chain: %+v", d)
	}
	f.clock.add(2 * time.Hour)
	d, _ = f.g.Check(context.Background(), &Request{Agent: "d", Session: "s1", Point: PreToolCall, Snapshot: withResources(toolCall("kb_read", `{}`), "x"), Delegation: ad})
	if d.Decision != Deny || d.Reason != "delegation_invalid:expired" {
		t.Fatalf("expired chain: %+v", d)
	}
	// Without a verifier a chain is never honoured.
	f.g.chains = nil
	d, _ = f.g.Check(context.Background(), &Request{Agent: "b", Session: "s1", Point: PreToolCall, Snapshot: toolCall("kb_read", `{}`), Delegation: ab})
	if d.Reason != "delegation_unavailable" {
		t.Fatalf("%+v", d)
	}
}
