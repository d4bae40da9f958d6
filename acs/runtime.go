package acs

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/acs/internal/jsonv"
	"github.com/agentgov/agentgov/internal/canonical"
)

// Options configure a Runtime. Engines receive values the runtime shares
// across concurrent evaluations (policy inputs, specs, annotator configs,
// the manifest's own maps): they must treat all of them as read-only.
type Options struct {
	// Limits are the resource limits of §15. The zero value means
	// DefaultLimits(); otherwise every field is taken as given (start from
	// DefaultLimits() to change one).
	Limits Limits
	// Policies are the engines by policy type. The built-in test engine
	// (NewTestEngine) is used for type test unless Policies has its own.
	// A custom policy uses Custom[adapter], else Policies[Custom].
	Policies map[PolicyType]PolicyEngine
	Custom   map[string]PolicyEngine
	// Annotators runs every annotator. Nil makes every annotator dispatch
	// fail closed with ReasonAnnotationFailed.
	Annotators AnnotatorEngine
}

// Runtime evaluates intervention points against one compiled manifest. It
// is immutable after New and safe for concurrent use.
type Runtime struct {
	limits     Limits
	points     [len(pointNames)]*pointPlan
	annotators AnnotatorEngine
	// defaultResolver is approval.default_resolver ("" when unset).
	defaultResolver string
	// bufs recycles canonical-encoding buffers for identity hashing; it
	// holds scratch memory only, never anything that influences a verdict.
	bufs sync.Pool
}

var pointNames = [...]Point{AgentStartup, Input, PreModelCall, PostModelCall, PreToolCall, PostToolCall, Output, AgentShutdown}

func pointIndex(p string) int {
	for i, n := range pointNames {
		if string(n) == p {
			return i
		}
	}
	return -1
}

func isToolPoint(p Point) bool { return p == PreToolCall || p == PostToolCall }

type pointPlan struct {
	point     Point
	targetRaw string
	target    *path
	kind      string
	hasKind   bool
	toolFrom  *path
	// tools is the projected catalog (entries with "name"), shared by the
	// tool points, and toolDepths the nesting of each entry.
	tools      map[string]map[string]any
	toolDepths map[string]int
	annotators []*annotatorPlan // sorted by name (§10.3)
	policy     policyPlan
}

type annotatorPlan struct {
	name   string
	typ    string
	from   *path
	config map[string]any
	source Source
}

type policyPlan struct {
	spec     *PolicySpec
	prepared PreparedPolicy
	// prepErr makes every evaluation at this binding fail closed.
	prepErr *Error
}

// New validates a manifest and compiles it into a Runtime: every path is
// parsed once and every policy binding is prepared once by its engine. An
// invalid manifest is an *Error (ReasonManifestInvalid, with every problem
// in Problems); a policy that cannot be prepared does not stop New, it makes
// the evaluations bound to it deny with ReasonPolicyInvocationFailed.
func New(ctx context.Context, doc *Document, o Options) (*Runtime, error) {
	if doc == nil || doc.Doc == nil {
		return nil, errorf(ReasonManifestInvalid, "no manifest")
	}
	lim := o.Limits
	if lim == (Limits{}) {
		lim = DefaultLimits()
	}
	c := compiler{validator: validator{doc: doc}, m: doc.Doc}
	plans := c.compile()
	if err := c.err(); err != nil {
		return nil, err
	}
	rt := &Runtime{limits: lim, annotators: o.Annotators, defaultResolver: c.defaultResolver}
	rt.bufs.New = func() any { b := make([]byte, 0, 4096); return &b }
	for _, pl := range plans {
		rt.points[pointIndex(string(pl.point))] = pl
		pl.policy.prepare(ctx, doc, o)
	}
	return rt, nil
}

// prepare binds the policy to its engine; failures are kept for
// evaluation time (§12.3).
func (pp *policyPlan) prepare(ctx context.Context, doc *Document, o Options) {
	spec := pp.spec
	spec.Source = doc.Policies[spec.PolicyID]
	var eng PolicyEngine
	switch {
	case spec.Type == Custom && o.Custom[spec.Adapter] != nil:
		eng = o.Custom[spec.Adapter]
	case o.Policies[spec.Type] != nil:
		eng = o.Policies[spec.Type]
	case spec.Type == Test:
		eng = NewTestEngine()
	}
	if eng == nil {
		what := string(spec.Type)
		if spec.Type == Custom {
			what = "custom adapter " + spec.Adapter
		}
		pp.prepErr = errorf(ReasonPolicyInvocationFailed, "policy %q: no %s engine is configured", spec.PolicyID, what)
		return
	}
	prepared, err := safePrepare(ctx, eng, spec)
	if err != nil {
		pp.prepErr = &Error{Reason: engineReason(err), Message: fmt.Sprintf("policy %q could not be prepared: %v", spec.PolicyID, err), Err: err}
		return
	}
	if prepared == nil {
		pp.prepErr = errorf(ReasonPolicyInvocationFailed, "policy %q: engine prepared nothing", spec.PolicyID)
		return
	}
	pp.prepared = prepared
}

func safePrepare(ctx context.Context, eng PolicyEngine, spec *PolicySpec) (p PreparedPolicy, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("policy engine panicked: %v", r)
		}
	}()
	return eng.Prepare(ctx, spec)
}

// engineReason is the reason an engine error fails closed with: an engine
// may pick one of the reasons §12.4 assigns to it by returning an *Error;
// anything else is a dispatcher failure.
func engineReason(err error) string {
	var e *Error
	if errors.As(err, &e) {
		switch e.Reason {
		case ReasonPolicyOutputInvalid, ReasonTransformInvalid, ReasonTransformTargetForbidden, ReasonPolicyInvocationFailed:
			return e.Reason
		}
	}
	return ReasonPolicyInvocationFailed
}

// DefaultResolver is the manifest's approval.default_resolver, "" when the
// manifest declares none.
func (rt *Runtime) DefaultResolver() string { return rt.defaultResolver }

// Points lists the configured intervention points in loop order.
func (rt *Runtime) Points() []Point {
	var out []Point
	for _, pl := range rt.points {
		if pl != nil {
			out = append(out, pl.point)
		}
	}
	return out
}

// compiler validates the merged manifest and builds the point plans.
type compiler struct {
	validator
	m               map[string]any
	policies        map[string]map[string]any
	annotators      map[string]map[string]any
	tools           map[string]map[string]any
	toolDepths      map[string]int
	defaultResolver string
}

func (c *compiler) compile() []*pointPlan {
	for _, k := range sortedKeys(c.m) {
		if !topLevelMembers[k] {
			c.add(k, "unknown top-level member (allowed: agent_control_specification_version, metadata, extends, policies, intervention_points, tools, annotators, approval)")
		}
	}
	c.version()
	if raw, ok := c.m["extends"]; ok && raw != nil {
		arr, isArr := raw.([]any)
		switch {
		case !isArr:
			c.add("extends", "must be an array, got %s", jsonv.Kind(raw))
		case len(arr) > 0:
			c.add("extends", "extends is not resolved: an in-memory manifest must be merged already (load it with acs/load)")
		}
	}
	c.compilePolicies()
	c.compileAnnotators()
	c.compileTools()
	c.compileApproval()
	return c.compilePoints()
}

func (c *compiler) version() {
	raw, ok := c.m["agent_control_specification_version"]
	if !ok {
		c.add("agent_control_specification_version", "is required")
		return
	}
	s, ok := raw.(string)
	switch {
	case !ok:
		c.add("agent_control_specification_version", "must be a string, got %s", jsonv.Kind(raw))
	case strings.TrimSpace(s) == "":
		c.add("agent_control_specification_version", "must not be empty")
	case !versionAccepted(s):
		c.add("agent_control_specification_version", "version %q is not supported (this runtime implements %s and accepts %s, optionally with an -agt[+rev] suffix)", s, Version, strings.Join(acceptedVersions[:], ", "))
	}
}

// section reads a top-level map of named objects.
func (c *compiler) section(name string, required bool) map[string]map[string]any {
	raw, ok := c.m[name]
	if !ok || raw == nil {
		if required {
			c.add(name, "is required and must have at least one entry")
		}
		return nil
	}
	obj, ok := c.object(raw, name)
	if !ok {
		return nil
	}
	if required && len(obj) == 0 {
		c.add(name, "must have at least one entry")
	}
	out := make(map[string]map[string]any, len(obj))
	for _, k := range sortedKeys(obj) {
		p := join(name, k)
		if strings.TrimSpace(k) == "" {
			c.add(p, "names must not be empty")
			continue
		}
		if e, ok := c.object(obj[k], p); ok {
			out[k] = e
		}
	}
	return out
}

func (c *compiler) compilePolicies() {
	c.policies = c.section("policies", true)
	for _, name := range sortedKeys2(c.policies) {
		def, p := c.policies[name], join("policies", name)
		typ, ok := c.reqString(def, "type", p)
		if !ok {
			delete(c.policies, name)
			continue
		}
		switch PolicyType(typ) {
		case Rego:
			c.optString(def, "query", p)
			_, hasBundle := c.optString(def, "bundle", p)
			if raw, ok := def["bundle_url"]; ok && raw != nil {
				c.pinnedURL(raw, join(p, "bundle_url"))
				if hasBundle {
					c.add(p, "bundle and bundle_url are mutually exclusive")
				}
			}
			for _, f := range cedarDefinitionFields {
				if _, ok := def[f]; ok {
					c.add(join(p, f), "is a cedar field; a rego policy declares bundle or bundle_url")
				}
			}
		case Cedar:
			_, hasSet := c.optString(def, "policy_set", p)
			_, hasPath := c.optString(def, "policy_path", p)
			if hasSet == hasPath {
				c.add(p, "a cedar policy declares exactly one of policy_set and policy_path")
			}
			c.optString(def, "entities_path", p)
			c.optString(def, "schema_path", p)
			if q, ok := def["query"]; ok && q != nil {
				if _, isObj := q.(map[string]any); !isObj {
					c.add(join(p, "query"), "must be an object (a cedar request template), got %s", jsonv.Kind(q))
				}
			}
		case Test:
		case Custom:
			c.reqString(def, "adapter", p)
		default:
			c.add(join(p, "type"), "unknown policy type %q (allowed: rego, cedar, test, custom)", typ)
			delete(c.policies, name)
		}
	}
}

func (c *compiler) compileAnnotators() {
	c.annotators = c.section("annotators", false)
	for _, name := range sortedKeys2(c.annotators) {
		decl, p := c.annotators[name], join("annotators", name)
		typ, ok := c.reqString(decl, "type", p)
		if ok && !annotatorTypes[typ] {
			c.add(join(p, "type"), "unknown annotator type %q (allowed: classifier, llm, endpoint)", typ)
		}
		if raw, ok := decl["system_prompt_url"]; ok && raw != nil {
			c.pinnedURL(raw, join(p, "system_prompt_url"))
		}
		if typ == "llm" {
			c.promptSources(decl, p)
		}
	}
}

// promptSources enforces at most one prompt source on an llm annotator
// (§10): inline (system_prompt, or its alias prompt), a file, or a URL.
func (c *compiler) promptSources(cfg map[string]any, p string) {
	var present []string
	for _, k := range []string{"system_prompt", "prompt", "system_prompt_file", "system_prompt_url"} {
		if v, ok := cfg[k]; ok && v != nil {
			present = append(present, k)
		}
	}
	if len(present) > 1 {
		c.add(p, "an llm annotator takes at most one prompt source, found %s", strings.Join(present, ", "))
	}
}

func (c *compiler) compileTools() {
	raw, ok := c.m["tools"]
	if !ok || raw == nil {
		return
	}
	obj, ok := c.object(raw, "tools")
	if !ok {
		return
	}
	c.tools = make(map[string]map[string]any, len(obj))
	c.toolDepths = make(map[string]int, len(obj))
	for _, name := range sortedKeys(obj) {
		p := join("tools", name)
		entry, ok := c.object(obj[name], p)
		if !ok {
			continue
		}
		// The projection is built once and shared: "name" is the invoked
		// name and overrides any "name" member of the entry (§9.2).
		proj := make(map[string]any, len(entry)+1)
		for k, v := range entry {
			proj[k] = v
		}
		proj["name"] = name
		_, d, err := canonical.MeasureACS(proj, -1, -1)
		if err != nil {
			c.add(p, "%v", err)
			continue
		}
		c.toolDepths[name] = d
		c.tools[name] = proj
	}
}

var approvalMembers = map[string]bool{
	"default_resolver": true, "timeout_seconds": true, "on_timeout": true,
	"fatigue_threshold": true, "fatigue_window_seconds": true, "resolvers": true,
}

// compileApproval checks the approval section (§24, approval schema). The
// runtime treats resolver descriptors as opaque beyond their type.
func (c *compiler) compileApproval() {
	raw, ok := c.m["approval"]
	if !ok {
		return
	}
	a, ok := c.object(raw, "approval")
	if !ok {
		return
	}
	for _, k := range sortedKeys(a) {
		if !approvalMembers[k] {
			c.add(join("approval", k), "unknown member (allowed: default_resolver, timeout_seconds, on_timeout, fatigue_threshold, fatigue_window_seconds, resolvers)")
		}
	}
	def, hasDef := c.optString(a, "default_resolver", "approval")
	if raw, ok := a["default_resolver"]; ok && raw == nil {
		c.add("approval.default_resolver", "must be a string, got null")
	}
	for _, k := range []string{"timeout_seconds", "fatigue_threshold", "fatigue_window_seconds"} {
		c.positiveInt(a, k, "approval")
	}
	if raw, ok := a["on_timeout"]; ok {
		s, isStr := raw.(string)
		switch {
		case !isStr:
			c.add("approval.on_timeout", "must be a string, got %s", jsonv.Kind(raw))
		case s != "deny" && s != "allow" && s != "suspend":
			c.add("approval.on_timeout", "must be deny, allow or suspend, got %q", s)
		}
	}
	var resolvers map[string]any
	if raw, ok := a["resolvers"]; ok {
		if resolvers, ok = c.object(raw, "approval.resolvers"); ok {
			for _, name := range sortedKeys(resolvers) {
				p := join("approval.resolvers", name)
				if strings.TrimSpace(name) == "" {
					c.add(p, "resolver names must not be empty")
					continue
				}
				if d, ok := c.object(resolvers[name], p); ok {
					c.reqString(d, "type", p)
				}
			}
		}
	}
	if hasDef {
		if len(resolvers) > 0 {
			if _, ok := resolvers[def]; !ok {
				c.add("approval.default_resolver", "%q names no entry of approval.resolvers", def)
			}
		}
		c.defaultResolver = def
	}
}

func (c *compiler) compilePoints() []*pointPlan {
	raw, ok := c.m["intervention_points"]
	if !ok || raw == nil {
		c.add("intervention_points", "is required and must have at least one entry")
		return nil
	}
	obj, ok := c.object(raw, "intervention_points")
	if !ok {
		return nil
	}
	if len(obj) == 0 {
		c.add("intervention_points", "must have at least one entry")
	}
	var plans []*pointPlan
	for _, name := range sortedKeys(obj) {
		p := join("intervention_points", name)
		if pointIndex(name) < 0 {
			c.add(p, "unknown intervention point %q (allowed: %s)", name, joinPoints())
			continue
		}
		entry, ok := c.object(obj[name], p)
		if !ok {
			continue
		}
		if pl := c.compilePoint(Point(name), entry, p); pl != nil {
			plans = append(plans, pl)
		}
	}
	return plans
}

func joinPoints() string {
	s := make([]string, len(pointNames))
	for i, p := range pointNames {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}

func (c *compiler) compilePoint(point Point, entry map[string]any, p string) *pointPlan {
	before := len(c.problems)
	for _, k := range sortedKeys(entry) {
		if !pointMembers[k] {
			c.add(join(p, k), "unknown member (allowed: policy_target, policy_target_kind, tool_name_from, annotations, policy)")
		}
	}
	pl := &pointPlan{point: point}
	if raw, ok := entry["policy_target"]; !ok || raw == nil {
		c.add(join(p, "policy_target"), "is required")
	} else if pl.target = c.path(raw, join(p, "policy_target"), rootSnap); pl.target != nil {
		pl.targetRaw = pl.target.raw
	}
	if kind, ok := c.optString(entry, "policy_target_kind", p); ok {
		pl.kind, pl.hasKind = kind, true
	}
	if raw, ok := entry["tool_name_from"]; ok && raw != nil {
		if !isToolPoint(point) {
			c.add(join(p, "tool_name_from"), "tool_name_from is only valid at pre_tool_call and post_tool_call")
		} else {
			pl.toolFrom = c.path(raw, join(p, "tool_name_from"), rootSnap)
		}
	}
	if isToolPoint(point) {
		pl.tools, pl.toolDepths = c.tools, c.toolDepths
	}
	c.compileAnnotations(pl, entry, p)
	c.compileBinding(pl, entry, p)
	if len(c.problems) > before {
		return nil
	}
	return pl
}

func (c *compiler) compileAnnotations(pl *pointPlan, entry map[string]any, p string) {
	raw, ok := entry["annotations"]
	if !ok || raw == nil {
		return
	}
	p = join(p, "annotations")
	obj, ok := c.object(raw, p)
	if !ok {
		return
	}
	for _, name := range sortedKeys(obj) { // §10.3: code-point order
		ap := join(p, name)
		decl, declared := c.annotators[name]
		if !declared {
			c.add(ap, "names no annotator declared under annotators")
		}
		binding, ok := c.object(obj[name], ap)
		if !ok {
			continue
		}
		if _, ok := binding["annotator"]; ok {
			c.add(join(ap, "annotator"), "is not allowed: the annotations key names the annotator")
		}
		var from *path
		if raw, ok := binding["from"]; !ok || raw == nil {
			c.add(join(ap, "from"), "is required")
		} else if from = c.path(raw, join(ap, "from"), rootPI, rootPolicyTarget, rootTool, rootSnap); from != nil {
			if from.root == rootPI && len(from.segs) > 0 && !from.segs[0].isIndex && from.segs[0].name == "annotations" {
				c.add(join(ap, "from"), "must not read $pi.annotations: annotator outputs do not exist when annotator inputs are resolved")
				from = nil
			}
		}
		if !declared || from == nil {
			continue
		}
		// The dispatcher sees the declaration overlaid with the binding,
		// plus the declared type and the binding's from (§10.2).
		cfg := make(map[string]any, len(decl)+len(binding)+1)
		for k, v := range decl {
			cfg[k] = v
		}
		for k, v := range binding {
			cfg[k] = v
		}
		typ, _ := decl["type"].(string)
		cfg["type"] = typ
		cfg["from"] = from.raw
		if raw, ok := binding["system_prompt_url"]; ok && raw != nil {
			c.pinnedURL(raw, join(ap, "system_prompt_url"))
		}
		if typ == "llm" {
			c.promptSources(cfg, ap)
		}
		pl.annotators = append(pl.annotators, &annotatorPlan{
			name: name, typ: typ, from: from, config: cfg,
			source: c.doc.Annotators[name],
		})
	}
}

func (c *compiler) compileBinding(pl *pointPlan, entry map[string]any, p string) {
	raw, ok := entry["policy"]
	if !ok || raw == nil {
		c.add(join(p, "policy"), "is required")
		return
	}
	p = join(p, "policy")
	binding, ok := c.object(raw, p)
	if !ok {
		return
	}
	id, ok := c.reqString(binding, "id", p)
	if !ok {
		return
	}
	query, hasQuery := c.optString(binding, "query", p)
	def, ok := c.policies[id]
	if !ok {
		if raw, _ := c.m["policies"].(map[string]any); raw[id] == nil {
			c.add(join(p, "id"), "names no policy defined under policies: %q", id)
		}
		// Otherwise the definition itself is invalid and already reported.
		return
	}
	typ, _ := def["type"].(string)
	spec := &PolicySpec{Point: pl.point, PolicyID: id, Type: PolicyType(typ), Definition: def, Binding: binding}
	switch spec.Type {
	case Rego:
		if !hasQuery {
			query, hasQuery = def["query"].(string)
		}
		if !hasQuery || strings.TrimSpace(query) == "" {
			c.add(join(p, "query"), "a rego policy needs a query on the binding or on policies.%s", id)
			return
		}
		spec.Query = query
	case Custom:
		spec.Adapter, _ = def["adapter"].(string)
		if hasQuery {
			spec.Query = query
		}
	default:
		if hasQuery {
			spec.Query = query
		}
	}
	pl.policy.spec = spec
}

func sortedKeys2(m map[string]map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// PolicySources lists, for every intervention point with a policy, the
// point, the policy id and the digest of the prepared policy's sources
// (empty when its engine does not implement SourceDigester), sorted.
func (rt *Runtime) PolicySources() []string {
	var out []string
	for _, pl := range rt.points {
		if pl == nil || pl.policy.spec == nil {
			continue
		}
		digest := ""
		if d, ok := pl.policy.prepared.(SourceDigester); ok {
			digest = d.SourceDigest()
		}
		out = append(out, fmt.Sprintf("%s %s %s", pl.point, pl.policy.spec.PolicyID, digest))
	}
	slices.Sort(out)
	return out
}

// PolicyErrors lists the policy bindings that could not be prepared (no
// engine for their type, or the engine refused them): every evaluation at
// those intervention points denies with the error's reason.
func (rt *Runtime) PolicyErrors() []*Error {
	var out []*Error
	for _, pl := range rt.points {
		if pl != nil && pl.policy.prepErr != nil {
			out = append(out, &Error{Reason: pl.policy.prepErr.Reason, Message: fmt.Sprintf("%s: %s", pl.point, pl.policy.prepErr.Message)})
		}
	}
	return out
}
