package api

import "encoding/json"

// CheckRequest is one check (POST /v1/check, agentgov check, the Go
// facade): an agent's action at one ACS intervention point.
type CheckRequest struct {
	Agent   string `json:"agent"`
	Session string `json:"session,omitempty"`
	// InterventionPoint is agent_startup, input, pre_model_call,
	// post_model_call, pre_tool_call, post_tool_call, output or
	// agent_shutdown.
	InterventionPoint string `json:"intervention_point"`
	// Snapshot is the ACS host snapshot: tool_call {id, name, args},
	// tool_result, input, model_request, model_response, output, ifc,
	// usage... Decode it with json.Decoder.UseNumber to keep numbers
	// exactly as they were written.
	Snapshot map[string]any `json:"snapshot"`
	// Mode is "enforce" (the default when empty) or "evaluate_only":
	// decided and recorded, but no transform is applied, no slot is held
	// and no budget is spent.
	Mode string `json:"mode,omitempty"`
	// ApprovalID re-submits an escalated action once its approval request
	// was approved: the same action is then allowed exactly once; a
	// different action is denied approval_mismatch, a second use
	// approval_consumed.
	ApprovalID string `json:"approval_id,omitempty"`
	// Delegation is the delegation chain the agent acts under: encoded
	// tokens (agentgov delegate), root first, the last one delegating to
	// this agent. The action must then be inside the chain's narrowest
	// scope and allowed by both the agent's and the root delegator's
	// profiles. When the chain restricts resources, the snapshot names
	// the resources the action touches in "resources" (a list of
	// strings).
	Delegation []string `json:"delegation,omitempty"`
}

// CheckDecision is the answer to one check. Every verdict, including deny,
// is a decision and not an error.
type CheckDecision struct {
	// Decision is allow, warn, transform, escalate or deny.
	Decision string `json:"decision"`
	// Reason is the decisive reason; Reasons every reason, decisive first.
	Reason  string   `json:"reason"`
	Reasons []string `json:"reasons"`
	Message *string  `json:"message"`
	// Transformed is the value to use in place of the inspected one,
	// present only when a transform was applied (it may then be null).
	Transformed json.RawMessage `json:"transformed,omitempty"`
	AuditIndex  int64           `json:"audit_index"`
	// Canary is present only on an allowed agent_startup whose profile
	// plants a session canary: put it in the system prompt.
	Canary string `json:"canary,omitempty"`
	// ApprovalID is present on an escalate that opened an approval
	// request (wait on GET /v1/approvals/{id}), and on a re-check that
	// consumed an approval.
	ApprovalID string `json:"approval_id,omitempty"`
}

// Allowed reports whether the action may proceed. Escalate is not an
// allow: until an approval resolves it, it counts as a deny.
func (d CheckDecision) Allowed() bool {
	switch d.Decision {
	case "allow", "warn", "transform":
		return true
	}
	return false
}

// CheckBatch is the body of POST /v1/check/batch.
type CheckBatch struct {
	Requests []CheckRequest `json:"requests"`
}

// CheckBatchDecisions is its answer, in request order.
type CheckBatchDecisions struct {
	Decisions []CheckDecision `json:"decisions"`
}
