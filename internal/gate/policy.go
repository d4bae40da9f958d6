package gate

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/agentgov/agentgov/internal/blockpattern"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/egress"
	"github.com/agentgov/agentgov/internal/glob"
	"github.com/agentgov/agentgov/internal/ratelimit"
	"github.com/agentgov/agentgov/internal/rbac"
	"github.com/agentgov/agentgov/internal/supplychain"
	"github.com/agentgov/agentgov/internal/trust"
)

// Mode is a profile's enforcement mode.
type Mode string

// Modes.
const (
	Strict     Mode = "strict"
	Permissive Mode = "permissive"
	AuditOnly  Mode = "audit"
)

// Policy is an immutable, compiled configuration: every profile and the
// tool catalog, ready to decide without further parsing. A reload builds a
// new Policy completely before it replaces the old one.
type Policy struct {
	// Version identifies this policy: the SHA-256 of its canonical
	// configuration (and of every manifest it loaded).
	Version string
	roles   *rbac.Roles
	agents  map[string]*Profile
	tools   map[string]*Tool
	// triggers are the automatic-kill thresholds (incident.go).
	triggers Triggers
}

// Profile is one agent's compiled profile.
type Profile struct {
	Agent           string
	Role            rbac.Grant
	Ring            int
	Mode            Mode
	Allowed         glob.Set
	AllowedSet      bool
	Denied          glob.Set
	RequireApproval glob.Set
	Patterns        *blockpattern.Matcher
	Limits          Limits
	Rate            ratelimit.Spec
	PerToolRate     map[string]ratelimit.Spec
	MaxConcurrent   int
	Backpressure    time.Duration
	// Egress is nil when the profile sets no egress key: no restriction.
	Egress          *egress.Policy
	Classification  int
	ClassName       string
	BlockOnDrift    bool
	DriftThreshold  float64
	Manifest        ManifestPolicy
	ManifestVersion string
	// Content is the policy for each content detector, by profile key.
	Content map[string]*ContentPolicy
	// enabledContent lists the enabled content detectors, sorted.
	enabledContent []string
	// allow indexes Allowed for the check's lookup; profiles with the same
	// allow-list share one.
	allow *allowList
	// SupplyChain is the deployment's guard over installed and launched
	// code; every profile of a policy shares it.
	SupplyChain *supplychain.Guard
	// MinTrustTier is the lowest trust tier the agent may act in ("":
	// none).
	MinTrustTier trust.Tier
}

// Limits bound one session; zero means unlimited.
type Limits struct {
	MaxToolCalls int64
	MaxTokens    int64
	MaxCost      float64
	Timeout      time.Duration
}

// Tool is one catalogued tool.
type Tool struct {
	Name         string
	Ring         int
	Permission   string
	Clearance    int
	ClearName    string
	OutputSchema *jsonschema.Schema
	Labels       []string
	MinTrustTier trust.Tier
	// preAction and postAction are the audit actions of calls to a
	// catalogued tool, built once rather than per entry.
	preAction, postAction string
}

// uncatalogued is what an unknown tool counts as: the outermost ring, the
// write permission, public clearance.
var uncatalogued = Tool{Ring: 3, Permission: rbac.Write, Clearance: 0, ClearName: "public"}

// ManifestLoader turns a profile's manifest path into a policy; the gate's
// owner supplies it (it knows the ACS engines).
type ManifestLoader func(path string) (ManifestPolicy, string, error)

// Compile builds a Policy from a validated configuration. Every error names
// the configuration path at fault; a failed compile leaves nothing behind.
func Compile(cfg *config.Config, loadManifest ManifestLoader) (*Policy, error) {
	roles, err := rbac.NewRoles(cfg.Roles)
	if err != nil {
		return nil, err
	}
	p := &Policy{roles: roles, agents: map[string]*Profile{}, tools: map[string]*Tool{}}
	for name, t := range cfg.Tools {
		ct := &Tool{Name: name, Ring: t.Ring, Permission: t.Permission, Clearance: max(config.ClassificationRank(t.Clearance), 0),
			ClearName: t.Clearance, Labels: t.Labels, MinTrustTier: trust.Tier(t.MinTrustTier)}
		if ct.ClearName == "" {
			ct.ClearName = "public"
		}
		ct.preAction, ct.postAction = PreToolCall+":"+name, PostToolCall+":"+name
		if t.OutputSchema != nil {
			c := jsonschema.NewCompiler()
			if err := c.AddResource("tool.json", t.OutputSchema); err != nil {
				return nil, fmt.Errorf("tools.%s.output_schema: %w", name, err)
			}
			s, err := c.Compile("tool.json")
			if err != nil {
				return nil, fmt.Errorf("tools.%s.output_schema: %w", name, err)
			}
			ct.OutputSchema = s
		}
		p.tools[name] = ct
	}
	manifestVersions := map[string]string{}
	manifests := map[string]ManifestPolicy{}
	// Agents usually share their patterns and allow-lists through
	// defaults: one copy per distinct list keeps compile time and cache
	// footprint independent of the number of agents.
	interned := &sharedParts{matchers: map[string]*blockpattern.Matcher{}, allows: map[string]*allowList{}}
	for _, id := range sortedKeys(cfg.Agents) {
		eff, _ := cfg.Effective(id)
		cp, err := compileProfile(id, eff, interned)
		if err != nil {
			return nil, fmt.Errorf("agents.%s.%w", id, err)
		}
		if eff.Manifest != "" {
			if loadManifest == nil {
				return nil, fmt.Errorf("agents.%s.manifest: no ACS runtime is available to load it", id)
			}
			mp, ok := manifests[eff.Manifest]
			if !ok {
				var version string
				if mp, version, err = loadManifest(eff.Manifest); err != nil {
					return nil, fmt.Errorf("agents.%s.manifest: %w", id, err)
				}
				manifests[eff.Manifest], manifestVersions[eff.Manifest] = mp, version
			}
			cp.Manifest, cp.ManifestVersion = mp, manifestVersions[eff.Manifest]
		}
		p.agents[id] = cp
	}
	guard, err := NewSupplyChainGuard(cfg)
	if err != nil {
		return nil, err
	}
	for _, cp := range p.agents {
		cp.SupplyChain = guard
	}
	p.Version = version(cfg, manifestVersions)
	p.triggers = compileTriggers(cfg.Killswitch)
	return p, nil
}

// sharedParts are the compiled pieces that profiles with equal settings
// share, so that their cost and memory do not grow with the number of
// agents (and a thousand agents' checks read one copy from cache).
type sharedParts struct {
	matchers map[string]*blockpattern.Matcher
	allows   map[string]*allowList
}

func (sp *sharedParts) allowList(set glob.Set, values []string) *allowList {
	var key strings.Builder
	for _, v := range values {
		fmt.Fprintf(&key, "%q\n", v)
	}
	if a, ok := sp.allows[key.String()]; ok {
		return a
	}
	a := newAllowList(set)
	sp.allows[key.String()] = a
	return a
}

func compileProfile(id string, e config.Profile, interned *sharedParts) (*Profile, error) {
	cp := &Profile{Agent: id, Mode: Strict, DriftThreshold: 0.5}
	if e.Role != nil {
		cp.Role = rbac.Grant{Role: e.Role.Name, Expires: e.Role.Expires}
	}
	if e.Ring != nil {
		cp.Ring = *e.Ring
	}
	if e.Mode != "" {
		cp.Mode = Mode(e.Mode)
	}
	var err error
	if cp.Allowed, err = glob.CompileSet(e.AllowedTools.Values); err != nil {
		return nil, fmt.Errorf("allowed_tools: %w", err)
	}
	cp.AllowedSet = e.AllowedTools.Set
	cp.allow = interned.allowList(cp.Allowed, e.AllowedTools.Values)
	if cp.Denied, err = glob.CompileSet(e.DeniedTools.Values); err != nil {
		return nil, fmt.Errorf("denied_tools: %w", err)
	}
	if cp.RequireApproval, err = glob.CompileSet(e.RequireApproval.Values); err != nil {
		return nil, fmt.Errorf("require_approval: %w", err)
	}
	var pats []blockpattern.Pattern
	var key strings.Builder
	for _, bp := range e.BlockedPatterns {
		pats = append(pats, blockpattern.Pattern{Kind: blockpattern.Kind(bp.Kind), Pattern: bp.Pattern})
		fmt.Fprintf(&key, "%q %q\n", bp.Kind, bp.Pattern)
	}
	if m, ok := interned.matchers[key.String()]; ok {
		cp.Patterns = m
	} else {
		if cp.Patterns, err = blockpattern.Compile(pats); err != nil {
			return nil, err
		}
		interned.matchers[key.String()] = cp.Patterns
	}
	if v := e.Limits.MaxToolCalls; v != nil {
		cp.Limits.MaxToolCalls = *v
	}
	if v := e.Limits.MaxTokens; v != nil {
		cp.Limits.MaxTokens = *v
	}
	if v := e.Limits.MaxCost; v != nil {
		cp.Limits.MaxCost = *v
	}
	if v := e.Limits.Timeout; v != nil {
		cp.Limits.Timeout = v.Duration
	}
	if e.Rate.PerSecond != nil {
		cp.Rate = ratelimit.Spec{PerSecond: *e.Rate.PerSecond, Burst: 1}
		if e.Rate.Burst != nil {
			cp.Rate.Burst = int(*e.Rate.Burst)
		} else {
			cp.Rate.Burst = max(int(*e.Rate.PerSecond), 1)
		}
	}
	if len(e.Rate.PerTool) > 0 {
		cp.PerToolRate = map[string]ratelimit.Spec{}
		for tool, rs := range e.Rate.PerTool {
			cp.PerToolRate[tool] = ratelimit.Spec{PerSecond: rs.PerSecond, Burst: int(rs.Burst)}
		}
	}
	if v := e.Concurrency.Max; v != nil {
		cp.MaxConcurrent = int(*v)
	}
	if v := e.Concurrency.Backpressure; v != nil {
		cp.Backpressure = v.Duration
	}
	if e.Egress != nil {
		var rules []egress.Rule
		for _, r := range e.Egress.Rules {
			rules = append(rules, egress.Rule{Host: r.Host, Action: egress.Action(r.Action)})
		}
		if cp.Egress, err = egress.Compile(egress.Action(e.Egress.Default), rules); err != nil {
			return nil, err
		}
	}
	cp.MinTrustTier = trust.Tier(e.MinTrustTier)
	cp.ClassName = e.DataClassification
	if cp.ClassName == "" {
		cp.ClassName = "public"
	}
	cp.Classification = max(config.ClassificationRank(e.DataClassification), 0)
	if e.BlockOnDrift != nil {
		cp.BlockOnDrift = *e.BlockOnDrift
	}
	if e.DriftThreshold != nil {
		cp.DriftThreshold = *e.DriftThreshold
	}
	cp.Content = compileContent(e.Detectors)
	for _, k := range sortedKeys(cp.Content) {
		if cp.Content[k].Enabled {
			cp.enabledContent = append(cp.enabledContent, k)
		}
	}
	return cp, nil
}

// version hashes what decides: the governance sections of the configuration
// and the manifests' own versions, rendered in a fixed order, so that two
// gates with the same policy report the same version and any change yields
// a new one.
func version(cfg *config.Config, manifests map[string]string) string {
	h := sha256.New()
	write := func(format string, args ...any) { fmt.Fprintf(h, format, args...) }
	for _, name := range sortedKeys(cfg.Roles) {
		write("role %q %q\n", name, cfg.Roles[name])
	}
	write("defaults %s\n", profileDoc(cfg.Defaults))
	for _, id := range sortedKeys(cfg.Agents) {
		write("agent %q %s\n", id, profileDoc(cfg.Agents[id]))
	}
	for _, name := range sortedKeys(cfg.Tools) {
		t := cfg.Tools[name]
		schema, _ := canonical.AppendValue(nil, t.OutputSchema)
		write("tool %q %d %q %q %q %v %s\n", name, t.Ring, t.Permission, t.Clearance, t.Labels, t.Approval, schema)
		if t.MinTrustTier != "" {
			write("tool %q min_trust_tier %q\n", name, t.MinTrustTier)
		}
	}
	for _, path := range sortedKeys(manifests) {
		write("manifest %q %s\n", path, manifests[path])
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// profileDoc renders a profile deterministically (pointers dereferenced).
func profileDoc(p config.Profile) string {
	var b []byte
	b = fmt.Appendf(b, "role=%v ring=%v mode=%q allowed=%v denied=%v approval=%v patterns=%v class=%q manifest=%q",
		deref(p.Role), deref(p.Ring), p.Mode, p.AllowedTools, p.DeniedTools, p.RequireApproval, p.BlockedPatterns, p.DataClassification, p.Manifest)
	b = fmt.Appendf(b, " limits=%v/%v/%v/%v", deref(p.Limits.MaxToolCalls), deref(p.Limits.MaxTokens), deref(p.Limits.MaxCost), deref(p.Limits.Timeout))
	b = fmt.Appendf(b, " rate=%v/%v", deref(p.Rate.PerSecond), deref(p.Rate.Burst))
	for _, t := range sortedKeys(p.Rate.PerTool) {
		b = fmt.Appendf(b, " %q=%v", t, p.Rate.PerTool[t])
	}
	if p.MinTrustTier != "" {
		b = fmt.Appendf(b, " min_trust=%q", p.MinTrustTier)
	}
	b = fmt.Appendf(b, " conc=%v/%v egress=%v drift=%v/%v", deref(p.Concurrency.Max), deref(p.Concurrency.Backpressure), deref(p.Egress), deref(p.BlockOnDrift), deref(p.DriftThreshold))
	for _, name := range sortedKeys(p.Detectors) {
		d := p.Detectors[name]
		// fmt prints maps with sorted keys, so the rendering is stable.
		b = fmt.Appendf(b, " detector %q on=%v t=%v/%v canary=%v redaction=%q actions=%v points=%v", name, deref(d.Enabled), deref(d.High), deref(d.Medium), deref(d.Canary), d.Redaction, d.Actions, d.Points)
	}
	return string(b)
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Agent returns an agent's compiled profile.
func (p *Policy) Agent(id string) (*Profile, bool) {
	a, ok := p.agents[id]
	return a, ok
}

// Tool returns a tool from the catalog, or the uncatalogued default.
func (p *Policy) Tool(name string) (*Tool, bool) {
	if t, ok := p.tools[name]; ok {
		return t, true
	}
	t := uncatalogued
	t.Name = name
	return &t, false
}

// allowedRule returns the rule of the first allowed_tools glob that admits
// tool (as Allowed.Match), or false.
func (p *Profile) allowedRule(tool string) (string, bool) {
	if p.allow == nil {
		// A profile built outside Compile has no index of its own.
		return newAllowList(p.Allowed).rule(tool)
	}
	return p.allow.rule(tool)
}

// allowList answers allowedRule without trying every glob: most entries
// of an allow-list are plain names, found in a map, and only the
// wildcards before the name's own position can still take precedence.
type allowList struct {
	set   glob.Set
	rules []string       // rules[i] is recorded when set[i] admits a tool
	exact map[string]int // a plain name's first position
	wild  []int          // positions of the wildcard globs, ascending
}

func newAllowList(set glob.Set) *allowList {
	a := &allowList{set: set, rules: make([]string, len(set)), exact: make(map[string]int, len(set))}
	for i, g := range set {
		a.rules[i] = "allowed_tools:" + g.String()
		if !g.Literal() {
			a.wild = append(a.wild, i)
		} else if _, dup := a.exact[g.String()]; !dup {
			a.exact[g.String()] = i
		}
	}
	return a
}

func (a *allowList) rule(tool string) (string, bool) {
	at, ok := a.exact[tool]
	if !ok {
		at = len(a.set)
	}
	for _, i := range a.wild {
		if i > at {
			break
		}
		if a.set[i].Match(tool) {
			return a.rules[i], true
		}
	}
	if ok {
		return a.rules[at], true
	}
	return "", false
}
