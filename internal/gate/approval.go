package gate

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/agentgov/agentgov/internal/canonical"
)

// Approvals holds escalated actions until approvers decide them. The gate
// opens a request for every escalation it answers and spends an approved
// request when the caller re-submits the action with its id; package
// approval implements it over the store.
type Approvals interface {
	// Open records a request for the escalated action and returns its id.
	Open(ctx context.Context, a ApprovalAction) (string, error)
	// Consume spends the approved request id for exactly action a. A
	// request that does not admit a is an *ApprovalRefusal; any other
	// error is a failure (the gate denies approval_unavailable).
	Consume(ctx context.Context, id string, a ApprovalAction) error
}

// ApprovalAction is the escalated action a request holds.
type ApprovalAction struct {
	Agent, Session, Point, Tool string
	// Identity is what the approval binds to (see actionIdentity);
	// ACSIdentity is the manifest's action identity when one evaluated
	// the action.
	Identity    string
	ACSIdentity string
	// Reasons are the escalation's reasons; Rule the rule that escalated.
	Reasons []string
	Rule    string
	// Requester is the principal that submitted the check.
	Requester string
	// Timeout, when positive, caps how long the request may wait: the
	// profile's ACS manifest approval.timeout_seconds. The configured
	// timeout applies when it is shorter.
	Timeout time.Duration
}

// Reasons a re-check with an approval id is denied for.
const (
	ReasonApprovalUnknown     = "approval_unknown"
	ReasonApprovalPending     = "approval_pending"
	ReasonApprovalDenied      = "approval_denied"
	ReasonApprovalExpired     = "approval_expired"
	ReasonApprovalMismatch    = "approval_mismatch"
	ReasonApprovalConsumed    = "approval_consumed"
	ReasonApprovalUnavailable = "approval_unavailable"
	// ReasonApprovalGranted is the reason of the allow a consumed
	// approval turns the escalation into.
	ReasonApprovalGranted = "approval_granted"
)

// ApprovalRefusal is an approval that does not admit the action.
type ApprovalRefusal struct {
	// Reason is one of the approval_* reasons above.
	Reason  string
	Message string
}

func (e *ApprovalRefusal) Error() string { return e.Reason + ": " + e.Message }

// approval runs after every verdict is in. An escalation that nothing
// denies either opens a request (the answer carries its id) or, when the
// caller re-submits with an approval id, consumes that approval: the same
// action is allowed once. Audit mode and dry runs neither open nor spend
// requests; a deny is never overridden by an approval.
func (c *check) approval() {
	id := c.req.ApprovalID
	if id != "" {
		// Recorded (and answered) whatever becomes of it.
		c.approvalID = id
	}
	if c.prof == nil || c.prof.Mode == AuditOnly || c.req.Mode == "evaluate_only" || c.denied() || c.worst() != Escalate {
		return
	}
	if c.g.approvals == nil {
		if id != "" {
			c.add(Deny, ReasonApprovalUnavailable)
			c.message = "this gate holds no approval requests"
		}
		return
	}
	action, err := c.approvalAction()
	if err != nil {
		c.g.log.Error("approval identity failed; denying", "err", err, "agent", c.req.Agent)
		c.add(Deny, ReasonApprovalUnavailable)
		return
	}
	if id == "" {
		opened, err := c.g.approvals.Open(c.ctx, action)
		if err != nil {
			c.g.log.Error("opening an approval request failed; denying", "err", err, "agent", c.req.Agent)
			c.add(Deny, ReasonApprovalUnavailable)
			return
		}
		c.approvalID = opened
		return
	}
	err = c.g.approvals.Consume(c.ctx, id, action)
	var refused *ApprovalRefusal
	switch {
	case err == nil:
		// The approved escalations are lifted; every other verdict stays.
		c.verdicts = slices.DeleteFunc(c.verdicts, func(v verdict) bool { return v.decision == Escalate })
		c.add(Allow, ReasonApprovalGranted)
	case errors.As(err, &refused):
		c.add(Deny, refused.Reason)
		if c.message == "" {
			c.message = refused.Message
		}
	default:
		c.g.log.Error("consuming an approval failed; denying", "err", err, "agent", c.req.Agent)
		c.add(Deny, ReasonApprovalUnavailable)
	}
}

// approvalAction describes the escalated action, with its identity.
func (c *check) approvalAction() (ApprovalAction, error) {
	a := ApprovalAction{Agent: c.req.Agent, Session: c.req.Session, Point: c.req.Point, Tool: c.toolName,
		ACSIdentity: c.manifestID, Rule: c.rule, Requester: c.req.Principal.Name}
	for _, v := range orderBySeverity(c.verdicts) {
		if v.decision == Escalate {
			a.Reasons = append(a.Reasons, v.reason)
		}
	}
	a.Reasons = dedupe(a.Reasons)
	if a.Requester == "" {
		a.Requester = "embedded"
	}
	if m, ok := c.prof.Manifest.(*acsManifest); ok {
		a.Timeout = m.approvalTimeout
	}
	var err error
	a.Identity, err = actionIdentity(c.g.argsKey, c.req.Agent, c.req.Session, c.req.Point, c.toolName, c.manifestID, c.value)
	return a, err
}

// actionIdentity is the identity an approval binds to: HMAC-SHA256, under
// the arguments-digest key, of the canonical JSON of the agent, session,
// intervention point, tool, the ACS action identity (when a manifest
// evaluated the action) and the inspected value (the tool arguments at
// pre_tool_call). Any change to any of them after approval is a different
// action. The key keeps the identity from being a dictionary-attackable
// digest of the arguments, as the audit log's value_hmac is.
func actionIdentity(key []byte, agent, session, point, tool, acsIdentity string, value any) (string, error) {
	b, err := canonical.AppendValue(nil, map[string]any{"acs_identity": acsIdentity, "agent": agent, "point": point,
		"session": session, "tool": tool, "value": value, "v": "agentgov-approval-1"})
	if err != nil {
		return "", fmt.Errorf("gate: canonical form of the action: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write(b)
	return "hmac-sha256:" + hex.EncodeToString(mac.Sum(nil)), nil
}

// ErrManifestTimeoutAllows is a manifest whose approval section lets a
// request that times out allow the action.
var ErrManifestTimeoutAllows = errors.New("approval.on_timeout: allow is refused: an approval request that nobody decides must deny (fail closed); use deny")

// checkManifestApproval refuses a manifest whose approval section would
// let a timeout allow. agentgov resolves every timeout as a deny, and a
// manifest that says otherwise must not load as if it were honoured.
// "suspend" is accepted and also resolves as a deny: the held action never
// runs without an approval. It returns the section's timeout_seconds (0
// when absent), which caps the wait of the requests the manifest's agents
// open (the runtime has already checked it is a positive integer).
func checkManifestApproval(doc map[string]any) (time.Duration, error) {
	a, ok := doc["approval"].(map[string]any)
	if !ok {
		return 0, nil
	}
	if s, _ := a["on_timeout"].(string); s == "allow" {
		return 0, ErrManifestTimeoutAllows
	}
	var secs float64
	switch n := a["timeout_seconds"].(type) {
	case float64:
		secs = n
	case int64:
		secs = float64(n)
	case int:
		secs = float64(n)
	case json.Number:
		secs, _ = n.Float64()
	}
	if secs <= 0 {
		return 0, nil
	}
	// Beyond a day the configured bound (at most 24h) is shorter anyway.
	return time.Duration(min(secs, 86400) * float64(time.Second)), nil
}
