package approval

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/gate"
)

const gateConfig = `
approvals: {quorum: 2, timeout: 5m}
tools:
  send_email: {ring: 3, permission: write}
agents:
  writer:
    role: WRITER
    ring: 3
    allowed_tools: ["*"]
    require_approval: [send_email]
`

func newGate(t *testing.T) (*gate.Gate, *fixture) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(p, []byte(gateConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{File: p})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := gate.Compile(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, ConfigFrom(cfg), nil)
	g, err := gate.New(gate.Options{Policy: pol, Recorder: f.rec, ArgsKey: bytes.Repeat([]byte{9}, 32), Approvals: f.s, Now: f.clock.Now,
		Detectors: gate.StandardDetectors()})
	if err != nil {
		t.Fatal(err)
	}
	return g, f
}

func sendEmail(to, approvalID string) *gate.Request {
	return &gate.Request{Agent: "writer", Session: "s1", Point: gate.PreToolCall, ApprovalID: approvalID, Principal: gate.Principal{Name: "token:bot"},
		Snapshot: map[string]any{"tool_call": map[string]any{"id": "c1", "name": "send_email", "args": map[string]any{"to": to}}}}
}

// TestGateHoldsAndAdmitsOnce drives the approval through the gate: the
// escalation opens a request, two distinct approvers approve it, and the
// same action is then allowed exactly once; the action with changed
// arguments is refused.
func TestGateHoldsAndAdmitsOnce(t *testing.T) {
	g, f := newGate(t)
	ctx := context.Background()
	d, err := g.Check(ctx, sendEmail("a@example.com", ""))
	if err != nil {
		t.Fatal(err)
	}
	if d.Decision != gate.Escalate || d.ApprovalID == "" {
		t.Fatalf("first check: %+v", d)
	}
	id := d.ApprovalID
	w, err := d.Wire()
	if err != nil || w.ApprovalID != id {
		t.Fatalf("wire: %v %+v", err, w)
	}
	// Re-checking before the quorum is met is denied.
	if d, _ := g.Check(ctx, sendEmail("a@example.com", id)); d.Decision != gate.Deny || d.Reason != gate.ReasonApprovalPending {
		t.Fatalf("re-check while pending: %+v", d)
	}
	done := f.waitAsync(t, id)
	for _, who := range []string{"alice", "bob"} {
		if _, err := f.s.Vote(ctx, id, approver(who), api.VoteApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	if a := <-done; a.State != api.ApprovalApproved {
		t.Fatalf("waiter: %s", a.State)
	}
	if a, _ := f.s.Get(ctx, id); a.ActionIdentity == "" || a.Tool != "send_email" || a.Requester != "token:bot" {
		t.Fatalf("request %+v", a)
	}
	// Different arguments after approval: a different action.
	if d, _ := g.Check(ctx, sendEmail("attacker@example.com", id)); d.Decision != gate.Deny || d.Reason != gate.ReasonApprovalMismatch {
		t.Fatalf("tampered re-check: %+v", d)
	}
	d, _ = g.Check(ctx, sendEmail("a@example.com", id))
	if d.Decision != gate.Allow || d.Reason != gate.ReasonApprovalGranted || d.ApprovalID != id {
		t.Fatalf("approved re-check: %+v", d)
	}
	if d, _ := g.Check(ctx, sendEmail("a@example.com", id)); d.Decision != gate.Deny || d.Reason != gate.ReasonApprovalConsumed {
		t.Fatalf("second use: %+v", d)
	}
	// A fresh check of the same action escalates again, with a new request.
	if d, _ := g.Check(ctx, sendEmail("a@example.com", "")); d.Decision != gate.Escalate || d.ApprovalID == id || d.ApprovalID == "" {
		t.Fatalf("fresh check: %+v", d)
	}
}

func TestGateApprovalNeverOverridesDeny(t *testing.T) {
	g, f := newGate(t)
	ctx := context.Background()
	d, _ := g.Check(ctx, sendEmail("a@example.com", ""))
	id := d.ApprovalID
	for _, who := range []string{"alice", "bob"} {
		if _, err := f.s.Vote(ctx, id, approver(who), api.VoteApprove, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Another agent replaying the id is denied before any approval.
	req := sendEmail("a@example.com", id)
	req.Agent = "ghost"
	if d, _ := g.Check(ctx, req); d.Decision != gate.Deny || d.Reason != "agent_unknown" {
		t.Fatalf("unknown agent: %+v", d)
	}
	// The approval is still there for the real action.
	if d, _ := g.Check(ctx, sendEmail("a@example.com", id)); d.Decision != gate.Allow {
		t.Fatalf("approved re-check: %+v", d)
	}
}
