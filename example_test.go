package agentgov_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/agentgov/agentgov"
	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/api"
)

// An agent records a decision; an auditor who holds only the log's public
// key, a checkpoint, a proof and the entry verifies it offline.
func ExampleOpenLog() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "agentgov-example-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	l, err := agentgov.OpenLog(ctx, agentgov.LogOptions{DataDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	defer l.Close(ctx)

	idx, err := l.Append(ctx, api.Event{
		Type: "decision", Agent: "support-bot", Action: "tool:send_email",
		Decision: "deny", Reason: "egress:blocked", Payload: json.RawMessage(`{"to":"ops@example.com"}`),
	})
	if err != nil {
		log.Fatal(err)
	}

	// What the auditor is handed.
	checkpoint, _ := l.Checkpoint(ctx)
	proof, _ := l.InclusionProof(ctx, idx, 0)
	entry, _ := l.Entry(ctx, idx)
	pubkey := l.VerifierKey()

	if err := agentgov.VerifyInclusion(checkpoint, pubkey, proof, &entry); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("entry %d (%s %s) verified in a log of %d\n", idx, entry.Agent, entry.Decision, proof.TreeSize)

	// A forged entry does not verify against the same proof.
	entry.Decision = "allow"
	fmt.Println("forged entry verifies:", agentgov.VerifyInclusion(checkpoint, pubkey, proof, &entry) == nil)
	// Output:
	// entry 0 (support-bot deny) verified in a log of 1
	// forged entry verifies: false
}

// Verify recomputes every hash of the log and checks every checkpoint.
func ExampleLog_Verify() {
	ctx := context.Background()
	l, err := agentgov.OpenMemoryLog(ctx, "example.com/audit")
	if err != nil {
		log.Fatal(err)
	}
	for _, agent := range []string{"a", "b", "c"} {
		if _, err := l.Append(ctx, api.Event{Type: "decision", Agent: agent, Decision: "allow"}); err != nil {
			log.Fatal(err)
		}
	}
	note, err := l.Checkpoint(ctx)
	if err != nil {
		log.Fatal(err)
	}
	cp, err := agentgov.OpenCheckpoint(note, l.VerifierKey())
	if err != nil {
		log.Fatal(err)
	}
	rep, err := l.Verify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(cp.Origin, cp.TreeSize, rep.Size, rep.Intact)
	// Output: example.com/audit 3 3 true
}

// An ACS manifest with rego and cedar policies, evaluated in-process.
func ExampleLoadPolicy() {
	ctx := context.Background()
	rt, err := agentgov.LoadPolicy(ctx, "examples/acs/manifest.yaml")
	if err != nil {
		log.Fatal(err)
	}
	snapshot := map[string]any{
		"envelope":  map[string]any{"agent": map[string]any{"id": "support-bot"}},
		"tool_call": map[string]any{"name": "send_email", "args": map[string]any{"to": "ceo@rival.example", "body": "hi"}},
	}
	res := rt.Evaluate(ctx, acs.Request{Point: "pre_tool_call", Snapshot: snapshot})
	fmt.Println(res.Verdict.Decision, res.Verdict.Reason)

	res = rt.Evaluate(ctx, acs.Request{Point: "output", Snapshot: map[string]any{
		"envelope": map[string]any{"agent": map[string]any{"id": "support-bot"}},
		"output":   "our INTERNAL roadmap",
	}})
	fmt.Println(res.Verdict.Decision, res.TransformedPolicyTarget)
	// Output:
	// escalate external_recipient
	// transform [withheld: internal]
}

// A multi-step agent keeps a session handle: every step is checked before
// it runs, results and output are checked before they are used, and each
// decision is one audit entry.
func ExampleGovernor_Session() {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "agentgov-session-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	cfg := filepath.Join(dir, "agentgov.yaml")
	err = os.WriteFile(cfg, []byte(`
tools:
  kb_search: {ring: 3, permission: search}
  delete_user: {ring: 1, permission: delete}
agents:
  support-bot:
    role: WRITER
    ring: 2
    allowed_tools: [kb_search]
`), 0o600)
	if err != nil {
		log.Fatal(err)
	}
	gov, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg})
	if err != nil {
		log.Fatal(err)
	}
	defer gov.Close(ctx)

	s := gov.Session("support-bot", "s-1")
	start, _ := s.Start(ctx)
	fmt.Println("start:", start.Decision, "canary planted:", start.Canary != "")

	d, _ := s.BeforeTool(ctx, "c1", "kb_search", map[string]any{"q": "refund window"})
	fmt.Println("kb_search:", d.Decision)
	d, _ = s.AfterTool(ctx, "c1", "kb_search", map[string]any{"hits": []any{"Refunds within 30 days."}})
	fmt.Println("result:", d.Decision)

	d, _ = s.BeforeTool(ctx, "c2", "delete_user", map[string]any{"id": "u-7"})
	fmt.Println("delete_user:", d.Decision, d.Reasons)

	d, _ = s.Output(ctx, "Refunds are accepted within 30 days. Contact ops@example.com.")
	fmt.Println("output:", d.Decision, d.Transformed)
	// Output:
	// start: allow canary planted: true
	// kb_search: allow
	// result: allow
	// delete_user: deny [permission_denied:delete ring_breach tool_not_allowed]
	// output: transform Refunds are accepted within 30 days. Contact <EMAIL_ADDRESS>.
}
