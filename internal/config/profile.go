package config

import (
	"fmt"
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Profile is an agent's governance profile (issue: the gate). A profile
// under `defaults` is laid under every profile in `agents`; a member an
// agent leaves unset takes the default's value. Unset is distinct from
// empty: `allowed_tools: []` in strict mode allows nothing.
type Profile struct {
	Role               *RoleGrant
	Ring               *int   // 1–3
	Mode               string // strict | permissive | audit; "" = unset
	AllowedTools       List
	DeniedTools        List
	BlockedPatterns    []BlockedPattern
	BlockedPatternsSet bool
	Limits             SessionLimits
	Rate               Rate
	Concurrency        Concurrency
	Egress             *Egress
	RequireApproval    List
	DataClassification string // public | internal | confidential | secret; "" = unset
	BlockOnDrift       *bool
	DriftThreshold     *float64
	Manifest           string
	// Detectors configures the content detectors by name.
	Detectors map[string]DetectorPolicy
	// MinTrustTier is the lowest trust tier the agent may act in ("" =
	// none).
	MinTrustTier string
}

// List is a list of strings whose absence differs from emptiness.
type List struct {
	Values []string
	Set    bool
}

// RoleGrant is a role, possibly granted until a deadline.
type RoleGrant struct {
	Name    string
	Expires time.Time // zero: never
}

// BlockedPattern is one of {substring: P}, {regex: P}, {glob: P}.
type BlockedPattern struct {
	Kind    string
	Pattern string
}

// SessionLimits bound one session.
type SessionLimits struct {
	MaxToolCalls *int64
	MaxTokens    *int64
	MaxCost      *float64
	Timeout      *Duration
}

// RateSpec is one token bucket.
type RateSpec struct {
	PerSecond float64
	Burst     int64
}

// Rate limits an agent, and each tool separately.
type Rate struct {
	PerSecond *float64
	Burst     *int64
	PerTool   map[string]RateSpec
}

// Concurrency bounds the tool calls an agent has in flight.
type Concurrency struct {
	Max *int64
	// Backpressure is how long a pre_tool_call may wait for a free slot
	// before it is denied; zero denies at once.
	Backpressure *Duration
}

// Egress restricts where tool calls may connect.
type Egress struct {
	Default string // allow | deny
	Rules   []EgressRule
}

// EgressRule is one {host, action} rule.
type EgressRule struct {
	Host   string
	Action string
}

// Tool is a catalogued tool.
type Tool struct {
	Ring         int    // 1–3; default 3
	Permission   string // default write
	Clearance    string // public | internal | confidential | secret; "" = public
	OutputSchema map[string]any
	Approval     *ToolApproval
	Labels       []string
	// MinTrustTier is the lowest trust tier an agent may use the tool in.
	MinTrustTier string
}

// ToolApproval overrides the approval settings for one tool.
type ToolApproval struct {
	Quorum       int64
	ApproverRole string
	Timeout      Duration
}

// Profile, tool and role vocabularies.
var (
	profileModes     = []string{"strict", "permissive", "audit"}
	classifications  = []string{"public", "internal", "confidential", "secret"}
	permissions      = []string{"read", "write", "search", "delete", "admin", "audit"}
	builtinRoles     = []string{"ADMIN", "AUDITOR", "WRITER", "READER"}
	blockedKinds     = []string{"substring", "regex", "glob"}
	profileKeys      = []string{"allowed_tools", "block_on_drift", "blocked_patterns", "concurrency", "data_classification", "denied_tools", "detectors", "drift_threshold", "egress", "limits", "manifest", "min_trust_tier", "mode", "rate", "require_approval", "ring", "role"}
	toolKeys         = []string{"approval", "clearance", "labels", "min_trust_tier", "output_schema", "permission", "ring"}
	roleNamePattern  = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
	agentIDPattern   = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,255}$`)
	toolNamePattern  = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9._:/-]{0,255}$`)
	simplePathSymbol = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)
)

// ClassificationRank orders data classifications; -1 for an unknown one.
func ClassificationRank(c string) int {
	if c == "" {
		return 0
	}
	return slices.Index(classifications, c)
}

// memberPath renders a map member in error paths: agents.bot, or
// agents["bot.v2"] when the name would read as nesting.
func memberPath(parent, name string) string {
	if simplePathSymbol.MatchString(name) {
		return parent + "." + name
	}
	return fmt.Sprintf("%s[%q]", parent, name)
}

// Merge lays p over base: every member p sets wins, per-tool rate limits
// merge tool by tool.
func Merge(base, p Profile) Profile {
	out := base
	if p.Role != nil {
		out.Role = p.Role
	}
	mergePtr(&out.Ring, p.Ring)
	if p.Mode != "" {
		out.Mode = p.Mode
	}
	if p.AllowedTools.Set {
		out.AllowedTools = p.AllowedTools
	}
	if p.DeniedTools.Set {
		out.DeniedTools = p.DeniedTools
	}
	if p.BlockedPatternsSet {
		out.BlockedPatterns, out.BlockedPatternsSet = p.BlockedPatterns, true
	}
	mergePtr(&out.Limits.MaxToolCalls, p.Limits.MaxToolCalls)
	mergePtr(&out.Limits.MaxTokens, p.Limits.MaxTokens)
	mergePtr(&out.Limits.MaxCost, p.Limits.MaxCost)
	mergePtr(&out.Limits.Timeout, p.Limits.Timeout)
	mergePtr(&out.Rate.PerSecond, p.Rate.PerSecond)
	mergePtr(&out.Rate.Burst, p.Rate.Burst)
	if len(p.Rate.PerTool) > 0 {
		merged := maps.Clone(base.Rate.PerTool)
		if merged == nil {
			merged = map[string]RateSpec{}
		}
		maps.Copy(merged, p.Rate.PerTool)
		out.Rate.PerTool = merged
	}
	mergePtr(&out.Concurrency.Max, p.Concurrency.Max)
	mergePtr(&out.Concurrency.Backpressure, p.Concurrency.Backpressure)
	if p.Egress != nil {
		out.Egress = p.Egress
	}
	if p.RequireApproval.Set {
		out.RequireApproval = p.RequireApproval
	}
	if p.DataClassification != "" {
		out.DataClassification = p.DataClassification
	}
	mergePtr(&out.BlockOnDrift, p.BlockOnDrift)
	mergePtr(&out.DriftThreshold, p.DriftThreshold)
	if p.Manifest != "" {
		out.Manifest = p.Manifest
	}
	if p.MinTrustTier != "" {
		out.MinTrustTier = p.MinTrustTier
	}
	out.Detectors = MergeDetectors(base.Detectors, p.Detectors)
	return out
}

func mergePtr[T any](dst **T, src *T) {
	if src != nil {
		*dst = src
	}
}

// Effective returns the profile of agent id laid over the defaults, and
// whether the agent is configured at all (an unknown agent is denied
// everything).
func (c *Config) Effective(id string) (Profile, bool) {
	p, ok := c.Agents[id]
	if !ok {
		return Profile{}, false
	}
	return Merge(c.Defaults, p), true
}

// profileProblems validates the governance sections.
func (c *Config) profileProblems(add func(field, format string, args ...any)) {
	for name, perms := range c.Roles {
		path := memberPath("roles", name)
		if !roleNamePattern.MatchString(name) {
			add(path, "a role name is 1 to 64 upper-case letters, digits or '_', starting with a letter")
		}
		if slices.Contains(builtinRoles, name) {
			add(path, "%s is a built-in role and cannot be redefined", name)
		}
		for i, p := range perms {
			if !slices.Contains(permissions, p) {
				add(fmt.Sprintf("%s[%d]", path, i), "unknown permission; want one of %s", strings.Join(permissions, ", "))
			}
		}
	}
	c.checkProfile("defaults", c.Defaults, add)
	for id, p := range c.Agents {
		path := memberPath("agents", id)
		if !agentIDPattern.MatchString(id) {
			add(path, "an agent id is 1 to 256 characters of letters, digits and . _ : @ / -, starting with a letter or digit")
		}
		c.checkProfile(path, p, add)
		eff := Merge(c.Defaults, p)
		if eff.Role == nil {
			add(path+".role", "is required (here or under defaults): an agent without a role may do nothing, so configure that explicitly with a role that has no permission instead")
		}
		if eff.Ring == nil {
			add(path+".ring", "is required (here or under defaults): 1, 2 or 3")
		}
	}
	for name, t := range c.Tools {
		path := memberPath("tools", name)
		if !toolNamePattern.MatchString(name) {
			add(path, "a tool name is 1 to 256 characters of letters, digits and . _ : / -")
		}
		if t.Ring < 1 || t.Ring > 3 {
			add(path+".ring", "must be 1, 2 or 3 (ring 0 is agentgov's own)")
		}
		if !slices.Contains(permissions, t.Permission) {
			add(path+".permission", "must be one of %s", strings.Join(permissions, ", "))
		}
		if t.Clearance != "" && !slices.Contains(classifications, t.Clearance) {
			add(path+".clearance", "must be one of %s", strings.Join(classifications, ", "))
		}
		checkTier(path+".min_trust_tier", t.MinTrustTier, add)
		if a := t.Approval; a != nil {
			if a.Quorum < 1 || a.Quorum > 16 {
				add(path+".approval.quorum", "must be between 1 and 16")
			}
			if a.ApproverRole != "" && !c.roleKnown(a.ApproverRole) {
				add(path+".approval.approver_role", "is not a built-in or configured role")
			}
			if a.Timeout.Duration < 0 {
				add(path+".approval.timeout", "must not be negative")
			}
		}
	}
}

func (c *Config) roleKnown(r string) bool {
	if slices.Contains(builtinRoles, r) {
		return true
	}
	_, ok := c.Roles[r]
	return ok
}

func (c *Config) checkProfile(path string, p Profile, add func(field, format string, args ...any)) {
	if p.Role != nil && !c.roleKnown(p.Role.Name) {
		add(path+".role", "is not a built-in role (ADMIN, AUDITOR, WRITER, READER) or one configured under roles")
	}
	if p.Ring != nil && (*p.Ring < 1 || *p.Ring > 3) {
		add(path+".ring", "must be 1, 2 or 3 (ring 0 is agentgov's own and never granted)")
	}
	if p.Mode != "" && !slices.Contains(profileModes, p.Mode) {
		add(path+".mode", "must be one of %s", strings.Join(profileModes, ", "))
	}
	for _, l := range []struct {
		name string
		list List
	}{{"allowed_tools", p.AllowedTools}, {"denied_tools", p.DeniedTools}, {"require_approval", p.RequireApproval}} {
		for i, g := range l.list.Values {
			if g == "" || len(g) > 256 {
				add(fmt.Sprintf("%s.%s[%d]", path, l.name, i), "must be a tool name or glob of 1 to 256 bytes")
			}
		}
	}
	for i, bp := range p.BlockedPatterns {
		bpath := fmt.Sprintf("%s.blocked_patterns[%d]", path, i)
		switch {
		case !slices.Contains(blockedKinds, bp.Kind):
			add(bpath, "must be one of {substring: P}, {regex: P}, {glob: P}")
		case bp.Pattern == "" || len(bp.Pattern) > 4096:
			add(bpath+"."+bp.Kind, "must be 1 to 4096 bytes")
		case bp.Kind == "regex":
			if _, err := regexp.Compile(bp.Pattern); err != nil {
				add(bpath+".regex", "is not an RE2 regular expression: %v", err)
			}
		}
	}
	checkDetectors(path, p.Detectors, add)
	nonNeg := func(field string, v *int64) {
		if v != nil && *v < 0 {
			add(path+"."+field, "must not be negative")
		}
	}
	nonNeg("limits.max_tool_calls", p.Limits.MaxToolCalls)
	nonNeg("limits.max_tokens", p.Limits.MaxTokens)
	if v := p.Limits.MaxCost; v != nil && (*v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0)) {
		add(path+".limits.max_cost", "must be a non-negative number")
	}
	if v := p.Limits.Timeout; v != nil && v.Duration <= 0 {
		add(path+".limits.timeout", "must be positive")
	}
	if v := p.Rate.PerSecond; v != nil && (*v <= 0 || math.IsInf(*v, 0) || math.IsNaN(*v)) {
		add(path+".rate.per_second", "must be positive")
	}
	if v := p.Rate.Burst; v != nil && (*v < 1 || *v > 1_000_000) {
		add(path+".rate.burst", "must be between 1 and 1000000")
	}
	for tool, rs := range p.Rate.PerTool {
		tpath := memberPath(path+".rate.per_tool", tool)
		if rs.PerSecond <= 0 || math.IsInf(rs.PerSecond, 0) || math.IsNaN(rs.PerSecond) {
			add(tpath+".per_second", "must be positive")
		}
		if rs.Burst < 1 || rs.Burst > 1_000_000 {
			add(tpath+".burst", "must be between 1 and 1000000")
		}
	}
	if v := p.Concurrency.Max; v != nil && (*v < 1 || *v > 1_000_000) {
		add(path+".concurrency.max", "must be between 1 and 1000000")
	}
	if v := p.Concurrency.Backpressure; v != nil && (v.Duration < 0 || v.Duration > time.Minute) {
		add(path+".concurrency.backpressure", "must be between 0s and 1m")
	}
	if e := p.Egress; e != nil {
		if e.Default != "allow" && e.Default != "deny" {
			add(path+".egress.default", "must be allow or deny")
		}
		for i, r := range e.Rules {
			rpath := fmt.Sprintf("%s.egress.rules[%d]", path, i)
			if r.Host == "" {
				add(rpath+".host", "is required")
			}
			if r.Action != "allow" && r.Action != "deny" {
				add(rpath+".action", "must be allow or deny")
			}
		}
	}
	checkTier(path+".min_trust_tier", p.MinTrustTier, add)
	if p.DataClassification != "" && !slices.Contains(classifications, p.DataClassification) {
		add(path+".data_classification", "must be one of %s", strings.Join(classifications, ", "))
	}
	if v := p.DriftThreshold; v != nil && (*v < 0 || *v > 1 || math.IsNaN(*v)) {
		add(path+".drift_threshold", "must be between 0 and 1")
	}
}
