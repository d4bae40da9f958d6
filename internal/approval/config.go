package approval

import (
	"time"

	"github.com/agentgov/agentgov/internal/config"
)

// DefaultTimeout is how long a request waits for its quorum before it
// expires, which denies.
const DefaultTimeout = 5 * time.Minute

// Config is the approval policy: who may approve, how many must, and how
// long they have.
type Config struct {
	// Quorum is the number of distinct approvers that approve a request.
	Quorum int
	// RejectQuorum is the number of distinct rejections that deny it.
	RejectQuorum int
	// ApproverRole is the role an approver must hold.
	ApproverRole string
	Timeout      time.Duration
	Fatigue      Fatigue
	// Tools overrides quorum, role and timeout per tool.
	Tools map[string]Rule
}

// Rule is the part of the policy a tool may override; zero fields keep
// the global value.
type Rule struct {
	Quorum       int
	ApproverRole string
	Timeout      time.Duration
}

// Fatigue configures the detection of approvers who approve without
// looking: too fast after the request was opened, or too uniformly.
type Fatigue struct {
	// MinDecisionTime flags an approval given sooner than this after the
	// request was opened (fatigue:fast); 0 turns the check off.
	MinDecisionTime time.Duration
	// MaxConsecutive flags an approval that makes this many approvals in
	// a row by one approver, with no rejection between them, within
	// Window (fatigue:uniform); 0 turns the check off.
	MaxConsecutive int
	Window         time.Duration
	// ExtraApprovers are added to the quorum of a request that received a
	// flagged approval; 0 only flags.
	ExtraApprovers int
}

// rule is the effective policy for a tool.
func (c *Config) rule(tool string) Rule {
	r := Rule{Quorum: c.Quorum, ApproverRole: c.ApproverRole, Timeout: c.Timeout}
	if t, ok := c.Tools[tool]; ok && tool != "" {
		if t.Quorum > 0 {
			r.Quorum = t.Quorum
		}
		if t.ApproverRole != "" {
			r.ApproverRole = t.ApproverRole
		}
		if t.Timeout > 0 {
			r.Timeout = t.Timeout
		}
	}
	if r.Quorum < 1 {
		r.Quorum = 1
	}
	if r.ApproverRole == "" {
		r.ApproverRole = string(config.RoleAdmin)
	}
	if r.Timeout <= 0 {
		r.Timeout = DefaultTimeout
	}
	return r
}

// ConfigFrom is the approval policy of a validated configuration: the
// approvals section and the catalog's per-tool approval overrides.
func ConfigFrom(cfg *config.Config) Config {
	a := cfg.Approvals
	out := Config{Quorum: int(a.Quorum), RejectQuorum: int(a.RejectQuorum), ApproverRole: a.ApproverRole, Timeout: a.Timeout.Duration,
		Fatigue: Fatigue{MinDecisionTime: a.Fatigue.MinDecisionTime.Duration, MaxConsecutive: int(a.Fatigue.MaxConsecutive),
			Window: a.Fatigue.Window.Duration, ExtraApprovers: int(a.Fatigue.ExtraApprovers)}}
	if out.RejectQuorum < 1 {
		out.RejectQuorum = 1
	}
	for name, t := range cfg.Tools {
		if t.Approval == nil {
			continue
		}
		if out.Tools == nil {
			out.Tools = map[string]Rule{}
		}
		out.Tools[name] = Rule{Quorum: int(t.Approval.Quorum), ApproverRole: t.Approval.ApproverRole, Timeout: t.Approval.Timeout.Duration}
	}
	return out
}
