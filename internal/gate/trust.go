package gate

import (
	"context"
	"strings"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/trust"
)

// TrustModel is the trust score the gate reads and feeds.
type TrustModel interface {
	Standing(agent string) trust.Standing
	Observe(ctx context.Context, agent string, signals ...trust.Signal) error
}

// decideTrust reads the agent's standing, which the decision is made and
// recorded with, and enforces the minimum tier the profile (at every point
// but agent_shutdown) and the tool (at tool points) require. A minimum
// without a trust model to read is a deny: the control cannot be skipped.
func (c *check) decideTrust() {
	var need trust.Tier
	if c.req.Point != AgentShutdown {
		need = c.prof.MinTrustTier
	}
	if c.tool != nil && (c.req.Point == PreToolCall || c.req.Point == PostToolCall) && c.tool.MinTrustTier.Rank() > need.Rank() {
		need = c.tool.MinTrustTier
	}
	if c.g.trust == nil {
		if need != "" {
			c.add(Deny, "trust_unavailable")
		}
		return
	}
	st := c.g.trust.Standing(c.req.Agent)
	c.trustScore, c.trustTier = st.Score, st.Tier
	if need != "" && !st.Tier.AtLeast(need) {
		c.add(Deny, "trust_below_minimum:"+string(need))
		if c.message == "" {
			c.message = "agent " + c.req.Agent + " is " + string(st.Tier) + "; this action requires " + string(need) + " or higher"
		}
	}
}

// operational reasons are denials that say nothing about the agent's
// behaviour (limits, the system's own failures, trust itself); they do not
// lower its score. A denial by trust must not feed back into trust.
var operational = []string{"rate_limited", "budget_exceeded", "concurrency_limit", "session_timeout", "killed",
	"trust_below_minimum", "trust_unavailable", "audit_unavailable", "internal_error", "detector_error",
	"detector_unavailable", "detector_action_unknown", "manifest_error", "redaction_failed", "canary_unavailable",
	"delegation_unavailable", "approval_"}

func isOperational(reason string) bool {
	for _, p := range operational {
		if strings.HasPrefix(reason, p) {
			return true
		}
	}
	return false
}

// outbound points carry data out of the agent.
func outbound(point string) bool {
	return point == PreToolCall || point == PreModelCall || point == Output
}

// trustSignals derives what this decision says about the agent:
// injection findings; secret or personal data the gate stopped on its way
// out (exfiltration); ring breaches; other policy denials (audit mode's
// would-be denials included: the agent did it either way); and clean
// completed work — an allowed post_tool_call, post_model_call or output
// without findings that asked for anything.
func (c *check) trustSignals(d Decision) []trust.Signal {
	if c.prof == nil || c.req.Mode == "evaluate_only" {
		return nil
	}
	var out []trust.Signal
	actionable := false
	for _, f := range c.findings {
		if f.Action == Allow || f.Action == Record {
			continue
		}
		actionable = true
		switch {
		case f.Detector == "prompt_injection" && (f.Action == Deny || f.Action == Escalate):
			out = append(out, trust.Injection)
		case (f.Detector == "secrets" || f.Detector == "pii") && f.Action == Deny && outbound(c.req.Point):
			out = append(out, trust.Exfiltration)
		}
	}
	for _, v := range c.verdicts {
		if v.decision != Deny {
			continue
		}
		switch {
		case v.reason == "ring_breach":
			out = append(out, trust.RingBreach)
		case strings.HasPrefix(v.reason, "delegation_"):
			// A forged, widened, revoked or misused delegation is the
			// agent's doing, hard verdict or not.
			out = append(out, trust.Denial)
		case v.hard || isOperational(v.reason):
		default:
			out = append(out, trust.Denial)
		}
	}
	if len(out) == 0 && !actionable && d.Decision == Allow &&
		(c.req.Point == PostToolCall || c.req.Point == PostModelCall || c.req.Point == Output) {
		out = append(out, trust.Clean)
	}
	return out
}

// observeTrust feeds the decision to the trust model, after it has been
// recorded. A failure to record a resulting tier change is logged; the
// model records it again at the agent's next check.
func (c *check) observeTrust(d Decision) {
	if c.g.trust == nil || c.prof == nil {
		return
	}
	if err := c.g.trust.Observe(c.ctx, c.req.Agent, c.trustSignals(d)...); err != nil {
		c.g.log.Error("trust change not recorded; retried at the next check", "agent", c.req.Agent, "err", err)
	}
}

// recordTrust adds the standing the decision was made with.
func (c *check) recordTrust(o *object) {
	if c.trustTier == "" {
		return
	}
	o.key("trust")
	in := object{b: o.b}
	in.key("score")
	in.b = canonical.AppendInt(in.b, int64(c.trustScore))
	in.str("tier", string(c.trustTier))
	o.b = in.close()
}
