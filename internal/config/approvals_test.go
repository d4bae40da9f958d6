package config

import (
	"strings"
	"testing"
	"time"
)

func TestApprovalsValidation(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  func(a *Approvals)
		field string
	}{
		{"quorum zero", func(a *Approvals) { a.Quorum = 0 }, "approvals.quorum"},
		{"quorum too large", func(a *Approvals) { a.Quorum = 17 }, "approvals.quorum"},
		{"reject quorum", func(a *Approvals) { a.RejectQuorum = 0 }, "approvals.reject_quorum"},
		{"role empty", func(a *Approvals) { a.ApproverRole = "" }, "approvals.approver_role"},
		{"role unknown", func(a *Approvals) { a.ApproverRole = "PRESIDENT" }, "approvals.approver_role"},
		{"timeout short", func(a *Approvals) { a.Timeout = Duration{time.Millisecond} }, "approvals.timeout"},
		{"timeout long", func(a *Approvals) { a.Timeout = Duration{25 * time.Hour} }, "approvals.timeout"},
		{"fatigue negative", func(a *Approvals) { a.Fatigue.MinDecisionTime = Duration{-time.Second} }, "approvals.fatigue.min_decision_time"},
		{"fatigue window", func(a *Approvals) { a.Fatigue.Window = Duration{time.Second} }, "approvals.fatigue.window"},
		{"extra approvers", func(a *Approvals) { a.Fatigue.ExtraApprovers = -1 }, "approvals.fatigue.extra_approvers"},
		{"webhook plain http", func(a *Approvals) { a.Webhook.URL = "http://hooks.example.com/x" }, "approvals.webhook.url"},
		{"webhook userinfo", func(a *Approvals) { a.Webhook.URL = "https://u:p@hooks.example.com/x" }, "approvals.webhook.url"},
		{"webhook scheme", func(a *Approvals) { a.Webhook.URL = "ftp://hooks.example.com/x" }, "approvals.webhook.url"},
		{"webhook relative", func(a *Approvals) { a.Webhook.URL = "/hook" }, "approvals.webhook.url"},
		{"ca without url", func(a *Approvals) { a.Webhook.CAFile = "/ca.pem" }, "approvals.webhook.ca_file"},
		{"attempts", func(a *Approvals) { a.Webhook.MaxAttempts = 0 }, "approvals.webhook.max_attempts"},
		{"queue", func(a *Approvals) { a.Webhook.QueueSize = 0 }, "approvals.webhook.queue_size"},
	} {
		c := Default()
		tc.edit(&c.Approvals)
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field) {
			t.Errorf("%s: %v, want a problem with %s", tc.name, err, tc.field)
		}
	}
	for _, ok := range []string{"https://hooks.example.com/agentgov", "http://127.0.0.1:9000/hook", "http://[::1]/hook"} {
		c := Default()
		c.Approvals.Webhook.URL = ok
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	if err := Default().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
}

func TestApprovalsFromFileAndEnv(t *testing.T) {
	p := writeConfig(t, `
approvals:
  quorum: 2
  approver_role: AUDITOR
  timeout: 10m
  fatigue: {min_decision_time: 3s, max_consecutive: 5, window: 30m, extra_approvers: 1}
  webhook: {url: "https://hooks.example.com/T0K3N?x=1"}
tools:
  send_email: {ring: 2, permission: write, approval: {quorum: 3, timeout: 48h}}
`)
	_, err := Load(Options{File: p})
	if err == nil || !strings.Contains(err.Error(), "tools.send_email.approval.timeout") {
		t.Fatalf("a tool timeout beyond 24h: %v", err)
	}
	p = writeConfig(t, `
approvals:
  quorum: 2
  approver_role: AUDITOR
  webhook: {url: "https://hooks.example.com/T0K3N?x=1"}
`)
	cfg, err := Load(Options{File: p, LookupEnv: envOf("AGENTGOV_APPROVALS_TIMEOUT", "90s")})
	if err != nil {
		t.Fatal(err)
	}
	a := cfg.Approvals
	if a.Quorum != 2 || a.ApproverRole != "AUDITOR" || a.Timeout.Duration != 90*time.Second || a.RejectQuorum != 1 {
		t.Fatalf("%+v", a)
	}
	if r := cfg.Redacted().Approvals.Webhook.URL; strings.Contains(r, "T0K3N") || !strings.HasPrefix(r, "https://hooks.example.com/") {
		t.Fatalf("redacted webhook URL %q", r)
	}
}
