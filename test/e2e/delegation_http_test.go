package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/identity"
)

// delegationConfig: the planner may read and write the knowledge base and
// search; the searcher may read the knowledge base and search. Neither
// profile changes when a delegation is used.
const delegationConfig = `
defaults:
  role: WRITER
  ring: 3
  mode: strict
  detectors: {prompt_injection: {enabled: false}, pii: {enabled: false}, secrets: {enabled: false}, code: {enabled: false}}
tools:
  kb_read: {ring: 3, permission: read}
  kb_write: {ring: 3, permission: write}
  web_search: {ring: 3, permission: read}
agents:
  planner:
    allowed_tools: [kb_read, kb_write, web_search]
  searcher:
    allowed_tools: [kb_read, web_search]
    min_trust_tier: probationary
`

// TestDelegationJourneyHTTP: agents planner (A) and searcher (B) register
// their keys and log in with the handshake; A delegates kb_read on docs/*
// to B with agentgov delegate; B can use exactly that scope and nothing
// more — another tool, another resource, an expired delegation and, after
// A revokes it, the same chain are denied with their reasons. Issue,
// use and revocation are in the audit log; so is an operator's trust
// change, and every decision carries the trust it was decided with.
func TestDelegationJourneyHTTP(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(cfgPath, []byte(delegationConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfgPath)

	cli := func(args ...string) string {
		t.Helper()
		code, out, errOut := runCLI(t, append(args, "--server", s.url)...)
		if code != 0 {
			t.Fatalf("agentgov %s: exit %d\n%s%s\n%s", strings.Join(args, " "), code, out, errOut, s.stderr)
		}
		return strings.TrimSpace(out)
	}
	keyA, keyB := filepath.Join(dir, "planner.key"), filepath.Join(dir, "searcher.key")
	cli("identity", "register", "--agent", "planner", "--key-out", keyA, "--token", adminToken)
	cli("identity", "register", "--agent", "searcher", "--key-out", keyB, "--token", adminToken)
	sessA := cli("identity", "login", "--key", keyA, "--token-only")
	sessB := cli("identity", "login", "--key", keyB, "--token-only")

	// A signs locally and registers the token with its own session.
	tok := cli("delegate", "--from", "planner", "--to", "searcher", "--tools", "kb_read", "--resources", "docs/*",
		"--expires", "1h", "--key", keyA, "--token", sessA)
	if !strings.HasPrefix(tok, "agd1.") {
		t.Fatalf("not a token: %q", tok)
	}
	digest := delegation.Digest(tok)

	type outcome struct {
		name      string
		chain     []string
		tool      string
		resources []string
		decision  string
		reason    string
	}
	checkB := func(o outcome) api.CheckDecision {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"agent": "searcher", "session": "s1", "intervention_point": "pre_tool_call",
			"snapshot":   map[string]any{"tool_call": map[string]any{"id": "c-" + o.name, "name": o.tool, "args": map[string]any{}}, "resources": o.resources},
			"delegation": o.chain})
		code, b := s.do(t, http.MethodPost, "/v1/check", sessB, string(body))
		if code != http.StatusOK {
			t.Fatalf("%s: HTTP %d %s", o.name, code, b)
		}
		var d api.CheckDecision
		if err := json.Unmarshal(b, &d); err != nil {
			t.Fatal(err)
		}
		if d.Decision != o.decision || (o.reason != "" && !slices.Contains(d.Reasons, o.reason)) {
			t.Fatalf("%s: got %s %v, want %s %s", o.name, d.Decision, d.Reasons, o.decision, o.reason)
		}
		e := s.entry(t, d.AuditIndex)
		var p struct {
			Delegation struct {
				Chain []string `json:"chain"`
				Root  string   `json:"root"`
			} `json:"delegation"`
			Trust struct {
				Score *int   `json:"score"`
				Tier  string `json:"tier"`
			} `json:"trust"`
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if len(p.Delegation.Chain) != len(o.chain) || (len(o.chain) > 0 && p.Delegation.Chain[0] != delegation.Digest(o.chain[0])) {
			t.Fatalf("%s: the decision entry does not show the chain: %s", o.name, e.Payload)
		}
		if p.Trust.Score == nil || p.Trust.Tier == "" {
			t.Fatalf("%s: the decision entry lacks the trust it was decided with: %s", o.name, e.Payload)
		}
		return d
	}

	// An expired delegation, signed with A's real key.
	k, err := identity.ReadKeyFile(keyA, nil)
	if err != nil {
		t.Fatal(err)
	}
	var agentB api.Agent
	if code, b := s.do(t, http.MethodGet, "/v1/identity/agents/searcher", adminToken, ""); code != http.StatusOK || json.Unmarshal(b, &agentB) != nil {
		t.Fatalf("registry: %d %s", code, b)
	}
	now := time.Now()
	expired, err := delegation.Sign(delegation.Claims{ID: "e2e-expired-delegation-1", From: delegation.Party{Agent: "planner", DID: k.DID()},
		To: delegation.Party{Agent: "searcher", DID: agentB.DID}, Tools: []string{"kb_read"}, Resources: []string{"docs/*"},
		Points: []string{"pre_tool_call"}, IssuedAt: now.Add(-2 * time.Hour).Unix(), Expires: now.Add(-time.Hour).Unix()}, k.Key)
	if err != nil {
		t.Fatal(err)
	}

	for _, o := range []outcome{
		{"inside the scope", []string{tok}, "kb_read", []string{"docs/faq.md"}, "allow", ""},
		{"tool outside the scope", []string{tok}, "web_search", []string{"docs/faq.md"}, "deny", delegation.ReasonTool},
		{"resource outside the scope", []string{tok}, "kb_read", []string{"hr/salaries.csv"}, "deny", delegation.ReasonResource},
		{"expired", []string{expired}, "kb_read", []string{"docs/faq.md"}, "deny", "delegation_invalid:expired"},
	} {
		checkB(o)
	}

	// B cannot present A's grant as A, nor revoke it; A revokes it.
	body, _ := json.Marshal(map[string]any{"agent": "planner", "intervention_point": "pre_tool_call",
		"snapshot": map[string]any{"tool_call": map[string]any{"name": "kb_read", "args": map[string]any{}}}, "delegation": []string{tok}})
	if code, b := s.do(t, http.MethodPost, "/v1/check", sessB, string(body)); code != http.StatusForbidden {
		t.Fatalf("B acting as A: %d %s", code, b)
	}
	if code, b := s.do(t, http.MethodPost, "/v1/delegations/revoke", sessB, fmt.Sprintf(`{"digest":%q}`, digest)); code != http.StatusForbidden {
		t.Fatalf("the delegatee revoked: %d %s", code, b)
	}
	out := cli("delegate", "revoke", "--digest", digest, "--reason", "task done", "--token", sessA)
	if !strings.Contains(out, `"revoked":true`) {
		t.Fatalf("revoke: %s", out)
	}
	checkB(outcome{"after revocation", []string{tok}, "kb_read", []string{"docs/faq.md"}, "deny", "delegation_invalid:revoked"})

	// The issue and the revocation are audit entries.
	code, b := s.do(t, http.MethodGet, "/v1/audit/entries?type=delegation", adminToken, "")
	if code != http.StatusOK {
		t.Fatalf("%d %s", code, b)
	}
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range page.Entries {
		actions = append(actions, e.Action)
	}
	if !slices.Equal(actions, []string{"delegation_issue", "delegation_revoke"}) {
		t.Fatalf("delegation entries %v", actions)
	}

	// Trust: B reads its own standing; an operator's reset is recorded;
	// below the profile's minimum B is denied.
	code, b = s.do(t, http.MethodGet, "/v1/trust/searcher", sessB, "")
	var st api.TrustStanding
	if code != http.StatusOK || json.Unmarshal(b, &st) != nil || st.Tier == "" || st.Counters.Denials == 0 {
		t.Fatalf("trust of B: %d %s", code, b)
	}
	if code, b := s.do(t, http.MethodGet, "/v1/trust/planner", sessB, ""); code != http.StatusForbidden {
		t.Fatalf("B read A's trust: %d %s", code, b)
	}
	if code, b := s.do(t, http.MethodPost, "/v1/trust/searcher", sessB, `{"score":900}`); code != http.StatusForbidden {
		t.Fatalf("B set its own trust: %d %s", code, b)
	}
	code, b = s.do(t, http.MethodPost, "/v1/trust/searcher", adminToken, `{"score":250,"reason":"incident review"}`)
	if code != http.StatusOK || !strings.Contains(string(b), `"tier":"untrusted"`) {
		t.Fatalf("set trust: %d %s", code, b)
	}
	checkB(outcome{"below the minimum tier", []string{tok}, "kb_read", []string{"docs/faq.md"}, "deny", "trust_below_minimum:probationary"})
	code, b = s.do(t, http.MethodGet, "/v1/audit/entries?type=trust_change", adminToken, "")
	if code != http.StatusOK || !strings.Contains(string(b), `"trust_set"`) {
		t.Fatalf("trust change not recorded: %d %s", code, b)
	}
	// The scores were written on shutdown and the revocation persisted:
	// a restarted server keeps both; then the whole log verifies.
	// (250 from the operator, less one denial: the revoked chain.)
	r := restartGateServer(t, s)
	code, b = r.do(t, http.MethodGet, "/v1/trust/searcher", adminToken, "")
	if code != http.StatusOK || json.Unmarshal(b, &st) != nil || st.Score != 240 || st.Counters.Resets != 1 {
		t.Fatalf("trust after restart: %d %s", code, b)
	}
	sessB = cli2(t, r, "identity", "login", "--key", keyB, "--token-only")
	body, _ = json.Marshal(map[string]any{"agent": "searcher", "intervention_point": "pre_tool_call",
		"snapshot":   map[string]any{"tool_call": map[string]any{"name": "kb_read", "args": map[string]any{}}, "resources": []string{"docs/faq.md"}},
		"delegation": []string{tok}})
	code, b = r.do(t, http.MethodPost, "/v1/check", sessB, string(body))
	if code != http.StatusOK || !strings.Contains(string(b), "delegation_invalid:revoked") {
		t.Fatalf("revocation lost on restart: %d %s", code, b)
	}
	r.verifyOffline(t)
}

func cli2(t *testing.T, s *gateServer, args ...string) string {
	t.Helper()
	code, out, errOut := runCLI(t, append(args, "--server", s.url)...)
	if code != 0 {
		t.Fatalf("agentgov %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errOut)
	}
	return strings.TrimSpace(out)
}

// TestTrustSettingsReload: trust weights, the half-life and the delegation
// depth change on reload, with an audit entry that says what changed; a
// denial then costs the new weight.
func TestTrustSettingsReload(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agentgov.yaml")
	settings := func(denial, depth int) string {
		return fmt.Sprintf("trust:\n  weights: {clean: 0, denial: %d, ring_breach: 50, injection: 100, exfiltration: 150}\ndelegation:\n  max_depth: %d\n", denial, depth)
	}
	if err := os.WriteFile(cfgPath, []byte(delegationConfig+settings(10, 5)), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfgPath)
	deny := func() {
		t.Helper()
		body := `{"agent":"searcher","session":"s1","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"id":"c","name":"kb_write","args":{}}}}`
		code, b := s.do(t, http.MethodPost, "/v1/check", adminToken, body)
		if code != http.StatusOK || !strings.Contains(string(b), `"decision":"deny"`) {
			t.Fatalf("check: %d %s", code, b)
		}
	}
	score := func() int {
		t.Helper()
		code, b := s.do(t, http.MethodGet, "/v1/trust/searcher", adminToken, "")
		var st api.TrustStanding
		if code != http.StatusOK || json.Unmarshal(b, &st) != nil {
			t.Fatalf("trust: %d %s", code, b)
		}
		return st.Score
	}
	deny()
	if got := score(); got != 490 {
		t.Fatalf("after one denial at weight 10: score %d, want 490", got)
	}
	if err := os.WriteFile(cfgPath, []byte(delegationConfig+settings(200, 3)), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, b := s.do(t, http.MethodPost, "/v1/admin/reload", adminToken, "{}"); code != http.StatusOK {
		t.Fatalf("reload: %d %s", code, b)
	}
	deny()
	if got := score(); got != 290 {
		t.Fatalf("after a denial at the reloaded weight 200: score %d, want 290", got)
	}
	code, b := s.do(t, http.MethodGet, "/v1/audit/entries?type=config_change", adminToken, "")
	var page api.EntryPage
	if code != http.StatusOK || json.Unmarshal(b, &page) != nil {
		t.Fatalf("%d %s", code, b)
	}
	var found bool
	for _, e := range page.Entries {
		if e.Action != "trust_settings" {
			continue
		}
		found = true
		if !strings.Contains(string(e.Payload), `"delegation.max_depth":{"from":5,"to":3}`) || !strings.Contains(string(e.Payload), `"denial":200`) {
			t.Fatalf("trust settings entry %s", e.Payload)
		}
	}
	if !found {
		t.Fatalf("no trust_settings entry among %d config changes", len(page.Entries))
	}
	// A reload that changes nothing records nothing more.
	if code, b := s.do(t, http.MethodPost, "/v1/admin/reload", adminToken, "{}"); code != http.StatusOK {
		t.Fatalf("reload: %d %s", code, b)
	}
	_, b = s.do(t, http.MethodGet, "/v1/audit/entries?type=config_change", adminToken, "")
	var again api.EntryPage
	if json.Unmarshal(b, &again) != nil || len(again.Entries) != len(page.Entries) {
		t.Fatalf("an idle reload was recorded: %d then %d entries", len(page.Entries), len(again.Entries))
	}
}
