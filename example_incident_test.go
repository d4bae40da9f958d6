package agentgov_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/agentgov/agentgov"
)

// exampleGovernor writes cfg into a temporary directory and opens a
// Governor on it; done removes everything.
func exampleGovernor(cfg string) (gov *agentgov.Governor, done func()) {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "agentgov-example-")
	if err != nil {
		log.Fatal(err)
	}
	file := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(file, []byte(cfg), 0o600); err != nil {
		log.Fatal(err)
	}
	gov, err = agentgov.New(ctx, agentgov.Options{ConfigFile: file})
	if err != nil {
		log.Fatal(err)
	}
	return gov, func() { gov.Close(ctx); os.RemoveAll(dir) }
}

// An action that needs approval is escalated, not run: the caller holds
// it until two distinct approvers agree, then runs exactly that action,
// once.
func ExampleGovernor_Approve() {
	ctx := context.Background()
	gov, done := exampleGovernor(`
approvals: {quorum: 2, timeout: 5m}
tools:
  refund: {ring: 3, permission: write}
agents:
  billing-bot:
    role: WRITER
    ring: 3
    allowed_tools: [refund]
    require_approval: [refund]
`)
	defer done()

	s := gov.Session("billing-bot", "s-1")
	args := map[string]any{"order": "A-1001", "amount": 120}
	d, _ := s.BeforeTool(ctx, "c1", "refund", args)
	fmt.Println("refund:", d.Decision, d.Reason)

	for _, approver := range []string{"alice", "bob"} {
		a, err := gov.Approve(ctx, d.ApprovalID, agentgov.Approver{Name: approver, Role: "ADMIN"}, "checked the order")
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(approver, "approved:", a.State)
	}

	again, _ := gov.Check(ctx, agentgov.CheckRequest{Agent: "billing-bot", Session: "s-1", InterventionPoint: "pre_tool_call",
		ApprovalID: d.ApprovalID, Snapshot: map[string]any{"tool_call": map[string]any{"id": "c2", "name": "refund", "args": args}}})
	fmt.Println("with the approval:", again.Decision)
	twice, _ := gov.Check(ctx, agentgov.CheckRequest{Agent: "billing-bot", Session: "s-1", InterventionPoint: "pre_tool_call",
		ApprovalID: d.ApprovalID, Snapshot: map[string]any{"tool_call": map[string]any{"id": "c3", "name": "refund", "args": args}}})
	fmt.Println("a second time:", twice.Decision, twice.Reason)
	// Output:
	// refund: escalate approval_required
	// alice approved: pending
	// bob approved: approved
	// with the approval: allow
	// a second time: deny approval_consumed
}

// The kill switch stops an agent at once: every later action of the agent
// is denied, while other agents carry on.
func ExampleGovernor_Kill() {
	ctx := context.Background()
	gov, done := exampleGovernor(`
tools:
  web_search: {ring: 3, permission: read}
agents:
  scraper: {role: READER, ring: 3, allowed_tools: [web_search]}
  helper:  {role: READER, ring: 3, allowed_tools: [web_search]}
`)
	defer done()

	k, err := gov.Kill(ctx, agentgov.KillRequest{Scope: "agent", Agent: "scraper", Reason: "BEHAVIORAL_DRIFT", Note: "crawling in a loop"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("kill:", k.Scope, k.Agent, k.Reason, k.Active)

	for _, agent := range []string{"scraper", "helper"} {
		d, _ := gov.Session(agent, "s-1").BeforeTool(ctx, "c1", "web_search", map[string]any{"q": "weather"})
		fmt.Println(strings.TrimSpace(agent + ": " + d.Decision + " " + d.Reason))
	}

	if _, err := gov.Unkill(ctx, k.ID, "loop fixed"); err != nil {
		log.Fatal(err)
	}
	d, _ := gov.Session("scraper", "s-2").BeforeTool(ctx, "c2", "web_search", map[string]any{"q": "weather"})
	fmt.Println("after unkill:", d.Decision)
	// Output:
	// kill: agent scraper BEHAVIORAL_DRIFT true
	// scraper: deny killed:BEHAVIORAL_DRIFT
	// helper: allow
	// after unkill: allow
}
