package agentgov_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov"
)

const approvalsYAML = `
approvals: {quorum: 2, timeout: 5m}
tools:
  send_email: {ring: 3, permission: write}
agents:
  mailer:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    require_approval: [send_email]
`

func TestGovernorWaitApproval(t *testing.T) {
	cfg := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte(approvalsYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	g, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg})
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close(ctx)
	s := g.Session("mailer", "s1")
	args := map[string]any{"to": "customer@example.com"}
	d, err := s.BeforeTool(ctx, "c1", "send_email", args)
	if err != nil || d.Decision != "escalate" || d.ApprovalID == "" || d.Allowed() {
		t.Fatalf("escalation: %v %+v", err, d)
	}
	done := make(chan agentgov.Approval, 1)
	go func() {
		a, err := g.WaitApproval(ctx, d.ApprovalID)
		if err != nil {
			t.Error(err)
		}
		done <- a
	}()
	ops := agentgov.Approver{Name: "ops", Role: "ADMIN", Agents: []string{"mail*"}}
	if _, err := g.Approve(ctx, d.ApprovalID, ops, ""); !errors.Is(err, agentgov.ErrApproval) {
		t.Fatalf("approver bound to the agent: %v", err)
	}
	for _, name := range []string{"alice", "bob"} {
		if _, err := g.Approve(ctx, d.ApprovalID, agentgov.Approver{Name: name, Role: "ADMIN"}, "ok"); err != nil {
			t.Fatal(err)
		}
	}
	if a := <-done; a.State != "approved" {
		t.Fatalf("waiter: %+v", a)
	}
	req := agentgov.CheckRequest{Agent: "mailer", Session: "s1", InterventionPoint: "pre_tool_call", ApprovalID: d.ApprovalID,
		Snapshot: map[string]any{"tool_call": map[string]any{"id": "c2", "name": "send_email", "args": args}}}
	if d, err := g.Check(ctx, req); err != nil || !d.Allowed() {
		t.Fatalf("approved re-check: %v %+v", err, d)
	}
	if d, _ := g.Check(ctx, req); d.Allowed() || d.Reason != "approval_consumed" {
		t.Fatalf("second use: %+v", d)
	}
}
