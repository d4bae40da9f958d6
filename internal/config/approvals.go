package config

import (
	"net/url"
	"time"
)

// Approvals configures how escalated actions are approved.
type Approvals struct {
	// Quorum is the number of distinct approvers that approve a request.
	Quorum int64 `yaml:"quorum"`
	// RejectQuorum is the number of distinct rejections that deny it.
	RejectQuorum int64 `yaml:"reject_quorum"`
	// ApproverRole is the role an approver's credential must hold.
	ApproverRole string `yaml:"approver_role"`
	// Timeout is how long a request waits; then it expires, which denies.
	Timeout Duration        `yaml:"timeout"`
	Fatigue ApprovalFatigue `yaml:"fatigue"`
	Webhook ApprovalWebhook `yaml:"webhook"`
}

// ApprovalFatigue flags approvers who approve too fast or too uniformly.
type ApprovalFatigue struct {
	MinDecisionTime Duration `yaml:"min_decision_time"`
	MaxConsecutive  int64    `yaml:"max_consecutive"`
	Window          Duration `yaml:"window"`
	ExtraApprovers  int64    `yaml:"extra_approvers"`
}

// ApprovalWebhook is the outgoing notification of every approval request.
type ApprovalWebhook struct {
	// URL receives a signed POST per request and per resolution; empty
	// sends none.
	URL string `yaml:"url"`
	// CAFile is a PEM bundle of CAs trusted for the receiver's certificate
	// in addition to the system's.
	CAFile      string   `yaml:"ca_file"`
	Timeout     Duration `yaml:"timeout"`
	MaxAttempts int64    `yaml:"max_attempts"`
	QueueSize   int64    `yaml:"queue_size"`
}

// Bounds of the approvals section.
const (
	maxApprovalQuorum  = 16
	minApprovalTimeout = time.Second
	maxApprovalTimeout = 24 * time.Hour
)

func defaultApprovals() Approvals {
	return Approvals{
		Quorum: 1, RejectQuorum: 1, ApproverRole: string(RoleAdmin), Timeout: Duration{5 * time.Minute},
		Fatigue: ApprovalFatigue{MinDecisionTime: Duration{5 * time.Second}, MaxConsecutive: 20, Window: Duration{time.Hour}},
		Webhook: ApprovalWebhook{Timeout: Duration{10 * time.Second}, MaxAttempts: 5, QueueSize: 1000},
	}
}

// approvalProblems validates the approvals section and the catalog's
// per-tool approval timeouts against the same bounds.
func (c *Config) approvalProblems(add func(field, format string, args ...any)) {
	a := &c.Approvals
	if a.Quorum < 1 || a.Quorum > maxApprovalQuorum {
		add("approvals.quorum", "must be between 1 and %d, got %d", maxApprovalQuorum, a.Quorum)
	}
	if a.RejectQuorum < 1 || a.RejectQuorum > maxApprovalQuorum {
		add("approvals.reject_quorum", "must be between 1 and %d, got %d", maxApprovalQuorum, a.RejectQuorum)
	}
	if a.ApproverRole == "" {
		add("approvals.approver_role", "must not be empty: the role whose holders may approve, e.g. ADMIN")
	} else if !c.roleKnown(a.ApproverRole) {
		add("approvals.approver_role", "is not a built-in role (ADMIN, AUDITOR, WRITER, READER) or one configured under roles")
	}
	if d := a.Timeout.Duration; d < minApprovalTimeout || d > maxApprovalTimeout {
		add("approvals.timeout", "must be between %s and %s, got %s", shortDuration(minApprovalTimeout), shortDuration(maxApprovalTimeout), d)
	}
	for name, t := range c.Tools {
		if t.Approval != nil && t.Approval.Timeout.Duration > maxApprovalTimeout {
			add(memberPath("tools", name)+".approval.timeout", "must be at most %s", shortDuration(maxApprovalTimeout))
		}
	}
	f := &a.Fatigue
	if d := f.MinDecisionTime.Duration; d < 0 || d > time.Hour {
		add("approvals.fatigue.min_decision_time", "must be between 0 (off) and 1h, got %s", d)
	}
	if f.MaxConsecutive < 0 || f.MaxConsecutive > 10000 {
		add("approvals.fatigue.max_consecutive", "must be between 0 (off) and 10000, got %d", f.MaxConsecutive)
	}
	if d := f.Window.Duration; f.MaxConsecutive > 0 && (d < time.Minute || d > 30*24*time.Hour) {
		add("approvals.fatigue.window", "must be between 1m and 720h when max_consecutive is set, got %s", d)
	}
	if f.ExtraApprovers < 0 || f.ExtraApprovers > maxApprovalQuorum {
		add("approvals.fatigue.extra_approvers", "must be between 0 and %d, got %d", maxApprovalQuorum, f.ExtraApprovers)
	}
	w := &a.Webhook
	if w.URL != "" {
		if msg := checkWebhookURL(w.URL); msg != "" {
			add("approvals.webhook.url", "%s", msg)
		}
	} else if w.CAFile != "" {
		add("approvals.webhook.ca_file", "needs approvals.webhook.url")
	}
	if d := w.Timeout.Duration; d < time.Second || d > 5*time.Minute {
		add("approvals.webhook.timeout", "must be between 1s and 5m, got %s", d)
	}
	if w.MaxAttempts < 1 || w.MaxAttempts > 20 {
		add("approvals.webhook.max_attempts", "must be between 1 and 20, got %d", w.MaxAttempts)
	}
	if w.QueueSize < 1 || w.QueueSize > 100000 {
		add("approvals.webhook.queue_size", "must be between 1 and 100000, got %d", w.QueueSize)
	}
}

// checkWebhookURL allows https URLs, and plain http only to a loopback
// host (the rule server.addr follows). It never quotes the URL: it may
// carry a secret in its path.
func checkWebhookURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "is not a URL"
	case u.User != nil:
		return "must not carry user:password@; put credentials in the path or use a signed receiver"
	case u.Host == "" || u.Hostname() == "":
		return "must be an absolute URL with a host, e.g. https://hooks.example.com/agentgov"
	case u.Fragment != "":
		return "must not have a #fragment"
	case u.Scheme == "https":
		return ""
	case u.Scheme == "http":
		if isLoopbackHost(u.Hostname()) {
			return ""
		}
		return "plain http is allowed only to a loopback host; use https (TLS 1.3, verified)"
	}
	return "scheme must be https (or http to a loopback host)"
}

// redactWebhookURL keeps the scheme and host of a webhook URL and hides
// the rest: receivers often take their secret in the path or query.
func redactWebhookURL(s string) string {
	if s == "" {
		return s
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return RedactedText
	}
	if u.Path == "" && u.RawQuery == "" && u.User == nil {
		return s
	}
	return u.Scheme + "://" + u.Host + "/" + RedactedText
}
