package gate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/policy/engines"
)

const escalatingManifest = `agent_control_specification_version: 0.3.1-beta
policies:
  p:
    type: test
    verdict: {decision: escalate, reason: needs_review}
intervention_points:
  pre_tool_call:
    policy_target: $snap.tool_call.args
    policy: {id: p}
approval:
  timeout_seconds: 60
  on_timeout: ON_TIMEOUT
`

// recordingApprovals opens requests in memory and remembers the actions.
type recordingApprovals struct {
	opened []ApprovalAction
}

func (r *recordingApprovals) Open(_ context.Context, a ApprovalAction) (string, error) {
	r.opened = append(r.opened, a)
	return "apr-test", nil
}

func (r *recordingApprovals) Consume(context.Context, string, ApprovalAction) error {
	return &ApprovalRefusal{Reason: ReasonApprovalPending, Message: "pending"}
}

func manifestConfig(t *testing.T, onTimeout string) (string, string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "m.yaml"), []byte(strings.Replace(escalatingManifest, "ON_TIMEOUT", onTimeout, 1)), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, strings.Replace(testConfig, "  empty:\n", "  acsagent:\n    role: ADMIN\n    allowed_tools: [\"*\"]\n    manifest: m.yaml\n  empty:\n", 1)
}

func TestManifestTimeoutThatAllowsIsRefused(t *testing.T) {
	dir, src := manifestConfig(t, "allow")
	_, err := Compile(loadConfig(t, src), ACSLoader(context.Background(), dir, engines.Options{}))
	if !errors.Is(err, ErrManifestTimeoutAllows) || !strings.Contains(err.Error(), "m.yaml") {
		t.Fatalf("compile: %v", err)
	}
	for _, ok := range []string{"deny", "suspend"} {
		dir, src := manifestConfig(t, ok)
		if _, err := Compile(loadConfig(t, src), ACSLoader(context.Background(), dir, engines.Options{})); err != nil {
			t.Fatalf("on_timeout %s: %v", ok, err)
		}
	}
}

func TestManifestEscalationBindsToTheACSIdentity(t *testing.T) {
	dir, src := manifestConfig(t, "deny")
	f := newFixture(t, src, ACSLoader(context.Background(), dir, engines.Options{}))
	ra := &recordingApprovals{}
	f.g.approvals = ra
	d := f.check(t, "acsagent", PreToolCall, toolCall("kb_read", `{"q":"x"}`))
	if d.Decision != Escalate || d.ApprovalID != "apr-test" || len(ra.opened) != 1 {
		t.Fatalf("%+v", d)
	}
	a := ra.opened[0]
	if a.Timeout != time.Minute {
		t.Fatalf("manifest timeout_seconds 60 gave %v", a.Timeout)
	}
	if !strings.HasPrefix(a.ACSIdentity, "sha256:") || !strings.HasPrefix(a.Identity, "hmac-sha256:") || a.Reasons[0] != "needs_review" {
		t.Fatalf("action %+v", a)
	}
	// Other arguments are another identity; the same arguments the same.
	f.check(t, "acsagent", PreToolCall, toolCall("kb_read", `{"q":"y"}`))
	f.check(t, "acsagent", PreToolCall, toolCall("kb_read", `{"q":"x"}`))
	if ra.opened[1].Identity == a.Identity || ra.opened[2].Identity != a.Identity || ra.opened[1].ACSIdentity == a.ACSIdentity {
		t.Fatalf("identities %q %q %q", a.Identity, ra.opened[1].Identity, ra.opened[2].Identity)
	}
	// Dry runs open nothing.
	n := len(ra.opened)
	d, err := f.g.Check(context.Background(), &Request{Agent: "acsagent", Session: "s1", Point: PreToolCall,
		Snapshot: toolCall("kb_read", `{"q":"x"}`), Mode: "evaluate_only"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Decision != Escalate || d.ApprovalID != "" || len(ra.opened) != n {
		t.Fatalf("evaluate_only: %+v", d)
	}
}

func TestActionIdentityIsKeyedAndCovers(t *testing.T) {
	key := []byte(strings.Repeat("k", 32))
	base, err := actionIdentity(key, "a", "s", PreToolCall, "t", "", map[string]any{"x": "1"})
	if err != nil {
		t.Fatal(err)
	}
	for name, got := range map[string][]any{
		"agent":   {key, "b", "s", PreToolCall, "t", "", map[string]any{"x": "1"}},
		"session": {key, "a", "s2", PreToolCall, "t", "", map[string]any{"x": "1"}},
		"point":   {key, "a", "s", PostToolCall, "t", "", map[string]any{"x": "1"}},
		"tool":    {key, "a", "s", PreToolCall, "u", "", map[string]any{"x": "1"}},
		"acs":     {key, "a", "s", PreToolCall, "t", "sha256:00", map[string]any{"x": "1"}},
		"value":   {key, "a", "s", PreToolCall, "t", "", map[string]any{"x": "2"}},
		"key":     {[]byte(strings.Repeat("j", 32)), "a", "s", PreToolCall, "t", "", map[string]any{"x": "1"}},
	} {
		id, err := actionIdentity(got[0].([]byte), got[1].(string), got[2].(string), got[3].(string), got[4].(string), got[5].(string), got[6])
		if err != nil || id == base {
			t.Errorf("changing the %s kept the identity (%v)", name, err)
		}
	}
}
