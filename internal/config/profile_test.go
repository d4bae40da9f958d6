package config

import (
	"strings"
	"testing"
	"time"
)

const governanceYAML = `roles:
  SUPPORT: [read, search]
defaults:
  role: READER
  ring: 3
  mode: strict
  limits: {max_tool_calls: 100, timeout: 30m}
  rate: {per_second: 5, burst: 10, per_tool: {web_search: {per_second: 1, burst: 2}}}
  blocked_patterns:
    - substring: "DROP TABLE"
    - regex: 'rm\s+-rf'
  egress:
    default: deny
    rules:
      - {host: "*.corp.com", action: allow}
agents:
  support-bot:
    role: SUPPORT
    allowed_tools: [web_search, "kb.*"]
    rate: {per_tool: {kb.lookup: {per_second: 2, burst: 4}}}
  ops.agent:
    role: {name: ADMIN, expires: "2027-01-31T00:00:00Z"}
    ring: 1
    mode: audit
    allowed_tools: []
    concurrency: {max: 4, backpressure: 2s}
    require_approval: [delete_user]
    data_classification: confidential
    block_on_drift: true
    drift_threshold: 0.35
    manifest: ./policies/ops.yaml
tools:
  web_search: {ring: 3, permission: search, clearance: public}
  delete_user:
    ring: 1
    permission: delete
    clearance: confidential
    approval: {quorum: 2, approver_role: ADMIN, timeout: 10m}
    output_schema:
      type: object
      required: [deleted]
  kb.lookup: {}
`

func TestGovernanceSections(t *testing.T) {
	cfg := mustLoad(t, Options{File: writeConfig(t, governanceYAML)})
	if got := cfg.Roles["SUPPORT"]; strings.Join(got, ",") != "read,search" {
		t.Fatalf("roles: %v", got)
	}
	sb, ok := cfg.Effective("support-bot")
	if !ok {
		t.Fatal("support-bot not configured")
	}
	if sb.Role.Name != "SUPPORT" || *sb.Ring != 3 || sb.Mode != "strict" || !sb.AllowedTools.Set || len(sb.AllowedTools.Values) != 2 {
		t.Fatalf("support-bot: %+v", sb)
	}
	if *sb.Limits.MaxToolCalls != 100 || sb.Limits.Timeout.Duration != 30*time.Minute {
		t.Fatalf("limits not inherited: %+v", sb.Limits)
	}
	if *sb.Rate.PerSecond != 5 || sb.Rate.PerTool["web_search"].Burst != 2 || sb.Rate.PerTool["kb.lookup"].PerSecond != 2 {
		t.Fatalf("rate merge: %+v", sb.Rate)
	}
	if len(sb.BlockedPatterns) != 2 || sb.BlockedPatterns[1].Kind != "regex" || sb.Egress.Default != "deny" || sb.Egress.Rules[0].Host != "*.corp.com" {
		t.Fatalf("inherited patterns/egress: %+v %+v", sb.BlockedPatterns, sb.Egress)
	}
	ops, _ := cfg.Effective("ops.agent")
	if ops.Role.Name != "ADMIN" || ops.Role.Expires.IsZero() || *ops.Ring != 1 || ops.Mode != "audit" {
		t.Fatalf("ops: %+v", ops)
	}
	if !ops.AllowedTools.Set || len(ops.AllowedTools.Values) != 0 {
		t.Fatalf("an empty allow-list must stay set and empty: %+v", ops.AllowedTools)
	}
	if *ops.Concurrency.Max != 4 || ops.Concurrency.Backpressure.Duration != 2*time.Second || !*ops.BlockOnDrift || *ops.DriftThreshold != 0.35 || ops.Manifest != "./policies/ops.yaml" {
		t.Fatalf("ops details: %+v", ops)
	}
	if _, ok := cfg.Effective("stranger"); ok {
		t.Fatal("an unconfigured agent has a profile")
	}
	du := cfg.Tools["delete_user"]
	if du.Ring != 1 || du.Permission != "delete" || du.Approval.Quorum != 2 || du.Approval.Timeout.Duration != 10*time.Minute || du.OutputSchema["type"] != "object" {
		t.Fatalf("delete_user: %+v", du)
	}
	if kb := cfg.Tools["kb.lookup"]; kb.Ring != 3 || kb.Permission != "write" {
		t.Fatalf("tool defaults: %+v", kb)
	}
}

func TestGovernanceErrors(t *testing.T) {
	cases := []struct {
		name, src string
		want      []string
	}{
		{"unknown profile key", "agents:\n  a:\n    role: READER\n    ring: 2\n    rings: 3\n",
			[]string{`FILE:5:5: agents.a.rings: unknown key "rings"; did you mean "ring"?`}},
		{"ring out of range", "agents:\n  a:\n    role: READER\n    ring: 0\n",
			[]string{`FILE:4:11: agents.a.ring: must be 1, 2 or 3 (ring 0 is agentgov's own and never granted)`}},
		{"unknown role", "agents:\n  a:\n    role: GOD\n    ring: 2\n",
			[]string{`FILE:3:11: agents.a.role: is not a built-in role (ADMIN, AUDITOR, WRITER, READER) or one configured under roles`}},
		{"missing role and ring", "agents:\n  a: {mode: strict}\n",
			[]string{
				`FILE:2:3: agents.a.role: is required (here or under defaults): an agent without a role may do nothing, so configure that explicitly with a role that has no permission instead`,
				`FILE:2:3: agents.a.ring: is required (here or under defaults): 1, 2 or 3`,
			}},
		{"bad mode", "defaults: {role: READER, ring: 2, mode: lax}\n",
			[]string{`FILE:1:41: defaults.mode: must be one of strict, permissive, audit`}},
		{"bad blocked pattern", "defaults:\n  blocked_patterns:\n    - {substring: a, regex: b}\n    - regex: '(a'\n",
			[]string{
				`FILE:3:7: defaults.blocked_patterns[0]: each blocked pattern is exactly one of {substring: P}, {regex: P}, {glob: P}`,
				"FILE:4:14: defaults.blocked_patterns[1].regex: is not an RE2 regular expression: error parsing regexp: missing closing ): `(a`",
			}},
		{"bad egress", "defaults:\n  egress: {default: maybe, rules: [{host: a.com, action: go}]}\n",
			[]string{
				`FILE:2:21: defaults.egress.default: must be allow or deny`,
				`FILE:2:58: defaults.egress.rules[0].action: must be allow or deny`,
			}},
		{"tool ring and permission", "tools:\n  t: {ring: 4, permission: fly}\n",
			[]string{
				`FILE:2:13: tools.t.ring: must be 1, 2 or 3 (ring 0 is agentgov's own)`,
				`FILE:2:28: tools.t.permission: must be one of read, write, search, delete, admin, audit`,
			}},
		{"redefined built-in role", "roles:\n  ADMIN: [read]\n",
			[]string{`FILE:2:3: roles.ADMIN: ADMIN is a built-in role and cannot be redefined`}},
		{"duplicate agent", "agents:\n  a: {role: READER, ring: 2}\n  a: {role: READER, ring: 2}\n",
			[]string{`FILE:3:3: agents.a: duplicate key (first set on line 2)`}},
		{"role expiry", "agents:\n  a: {role: {name: READER, expires: tomorrow}, ring: 2}\n",
			[]string{`FILE:2:37: agents.a.role.expires: must be an RFC 3339 time such as 2027-01-31T00:00:00Z`}},
		{"drift threshold", "defaults: {role: READER, ring: 2, drift_threshold: 2}\n",
			[]string{`FILE:1:52: defaults.drift_threshold: must be between 0 and 1`}},
		{"unknown detector", "defaults:\n  detectors: {pii_plus: {}}\n",
			[]string{`FILE:2:15: defaults.detectors.pii_plus: unknown key "pii_plus"; valid keys here: ` + strings.Join(DetectorNames, ", ")}},
		{"detector actions", "defaults:\n  detectors:\n    prompt_injection:\n      actions: {high: nuke, lowercase_type: deny}\n",
			[]string{
				`FILE:4:23: defaults.detectors.prompt_injection.actions.high: must be one of allow, record, warn, redact, escalate, deny, not "nuke"`,
				`FILE:4:45: defaults.detectors.prompt_injection.actions.lowercase_type: a key is a severity (low, medium, high, critical), a finding type in upper case, or default`,
			}},
		{"detector thresholds and points", "defaults:\n  detectors:\n    prompt_injection:\n      thresholds: {high: 0.4, medium: 0.6}\n      points: {postmodel: {high: warn}}\n",
			[]string{
				`FILE:4:39: defaults.detectors.prompt_injection.thresholds.medium: must not exceed thresholds.high`,
				`FILE:5:16: defaults.detectors.prompt_injection.points.postmodel: is not an intervention point; want one of agent_startup, agent_shutdown, input, pre_model_call, post_model_call, pre_tool_call, post_tool_call, output`,
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectErr(t, Options{File: writeConfig(t, c.src)}, c.want...)
		})
	}
}
