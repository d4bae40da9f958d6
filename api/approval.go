package api

import "time"

// Approval states. A request is pending until its quorum of approvals is
// met (approved), its quorum of rejections is met (denied) or its deadline
// passes (expired, which denies); only approved lets the action run, and
// only once.
const (
	ApprovalPending  = "pending"
	ApprovalApproved = "approved"
	ApprovalDenied   = "denied"
	ApprovalExpired  = "expired"
)

// Votes.
const (
	VoteApprove = "approve"
	VoteDeny    = "deny"
)

// Approval is one approval request (GET /v1/approvals/{id}): an escalated
// action held until approvers decide it.
type Approval struct {
	ID    string `json:"id"`
	State string `json:"state"`
	// Agent, Session, InterventionPoint and Tool name the held action.
	Agent             string `json:"agent"`
	Session           string `json:"session,omitempty"`
	InterventionPoint string `json:"intervention_point"`
	Tool              string `json:"tool,omitempty"`
	// ActionIdentity is what the approval binds to: a keyed digest of the
	// agent, session, point, tool, the inspected value (the tool
	// arguments) and the ACS action identity when a manifest evaluated
	// the action (ACSIdentity). A re-check carrying this approval's id is
	// allowed only if it derives the same identity.
	ActionIdentity string `json:"action_identity"`
	ACSIdentity    string `json:"acs_identity,omitempty"`
	// Reasons are the escalation's reasons, Rule the rule that escalated.
	Reasons []string `json:"reasons"`
	Rule    string   `json:"rule,omitempty"`
	// Requester is the principal that submitted the escalated check.
	Requester    string `json:"requester"`
	ApproverRole string `json:"approver_role"`
	// Quorum is the configured number of distinct approvers; Required is
	// the number needed now (Quorum plus any approvers fatigue detection
	// added); RejectQuorum is the number of rejections that deny.
	Quorum       int            `json:"quorum"`
	Required     int            `json:"required"`
	RejectQuorum int            `json:"reject_quorum"`
	Created      time.Time      `json:"created"`
	Deadline     time.Time      `json:"deadline"`
	Votes        []ApprovalVote `json:"votes"`
	// Resolution says why the request left pending: quorum_met, rejected
	// or timeout; Resolved when.
	Resolution string    `json:"resolution,omitempty"`
	Resolved   time.Time `json:"resolved,omitzero"`
	// Consumed is when the approved action was allowed by a re-check; an
	// approval admits one action once.
	Consumed time.Time `json:"consumed,omitzero"`
	// RequestAuditIndex is the audit entry that recorded the request.
	RequestAuditIndex int64 `json:"request_audit_index"`
}

// ApprovalVote is one approver's decision.
type ApprovalVote struct {
	// Approver is the authenticated principal ("token:<name>", ...).
	Approver string    `json:"approver"`
	Role     string    `json:"role"`
	Vote     string    `json:"vote"`
	Comment  string    `json:"comment,omitempty"`
	Time     time.Time `json:"time"`
	// Fatigue lists what fatigue detection found in this vote
	// (fatigue:fast, fatigue:uniform).
	Fatigue []string `json:"fatigue,omitempty"`
}

// ApprovalVoteRequest is the optional body of POST
// /v1/approvals/{id}/approve and /deny.
type ApprovalVoteRequest struct {
	Comment string `json:"comment,omitempty"`
}

// ApprovalList is the answer to GET /v1/approvals.
type ApprovalList struct {
	Approvals []Approval `json:"approvals"`
	// NextCursor continues the listing (?cursor=); nil at the end.
	NextCursor *string `json:"next_cursor"`
}
