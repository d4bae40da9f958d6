package gate

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/detect/injection"
	"github.com/agentgov/agentgov/internal/trust"
)

// verdict is one stage's opinion.
type verdict struct {
	decision string
	reason   string
	// hard verdicts are not softened by audit mode: a killed or unknown
	// agent, a failed authentication, a failed audit write.
	hard bool
}

type check struct {
	g    *Gate
	ctx  context.Context
	req  *Request
	pol  *Policy
	prof *Profile

	tool     *Tool
	toolName string
	callID   string
	value    any
	snapshot map[string]any
	sess     *session

	verdicts []verdict
	findings []Finding
	rule     string
	message  string

	transformed    any
	hasTransformed bool
	manifestID     string
	canary         string
	// manifestReason is the reason the manifest gave, which is text from
	// outside the gate's vocabulary.
	manifestReason string
	approvalID     string

	// trust standing the check was decided with; the delegation chain it
	// carried.
	trustScore        int
	trustTier         trust.Tier
	delegationDigests []string
	delegationRoot    string

	in Inspection
	// now is the time the check started, read once.
	now time.Time
}

func (g *Gate) newCheck(ctx context.Context, req *Request) *check {
	c, _ := g.checks.Get().(*check)
	if c == nil {
		c = new(check)
	}
	c.g, c.ctx, c.req, c.pol = g, ctx, req, g.policy.Load()
	return c
}

// releaseCheck clears a finished check, so that the pool holds no caller
// data and the slices a decision took with it are never written again,
// and keeps it for reuse.
func (g *Gate) releaseCheck(c *check) {
	*c = check{}
	g.checks.Put(c)
}

func (c *check) add(decision, reason string) {
	c.verdicts = append(c.verdicts, verdict{decision: decision, reason: reason})
}

func (c *check) hardDeny(reason string) {
	c.verdicts = append(c.verdicts, verdict{decision: Deny, reason: reason, hard: true})
}

func (c *check) denied() bool {
	for _, v := range c.verdicts {
		if v.decision == Deny {
			return true
		}
	}
	return false
}

// run executes the pipeline up to the decision; finish records it.
func (c *check) run() {
	defer func() {
		if r := recover(); r != nil {
			c.g.log.Error("gate pipeline panicked; denying", "panic", fmt.Sprint(r), "agent", c.req.Agent)
			c.hardDeny("internal_error")
		}
	}()
	// The call is read first so that even a refused agent's entry names
	// the tool and the call it tried.
	c.extract()
	if !c.identify() {
		return
	}
	if c.prof.Manifest != nil {
		c.snapshot = c.manifestSnapshot()
	}
	if !c.admit() {
		return
	}
	c.detect()
	c.decideNative()
	c.decideManifest()
	c.approval()
	c.concurrency()
	c.plantCanary()
}

// plantCanary mints the session's canary at agent_startup when the
// profile asks for one. A session keeps its first canary: a repeated
// startup must not invalidate the prompt already built with it.
func (c *check) plantCanary() {
	if c.req.Point != AgentStartup || c.sess == nil {
		return
	}
	if pol := c.prof.Content["prompt_injection"]; pol == nil || !pol.Enabled || !pol.Canary {
		return
	}
	c.sess.mu.Lock()
	defer c.sess.mu.Unlock()
	if c.sess.canary == "" {
		tok, err := injection.MintCanary(c.g.rand)
		if err != nil {
			c.hardDeny("canary_unavailable")
			return
		}
		c.sess.canary = tok
	}
	c.canary = c.sess.canary
}

// identify resolves the agent and checks that the principal may act for it.
func (c *check) identify() bool {
	prof, ok := c.pol.Agent(c.req.Agent)
	if !ok {
		c.hardDeny("agent_unknown")
		return false
	}
	c.prof = prof
	if a := c.req.Principal.Agents; a != nil && !a(c.req.Agent) {
		c.hardDeny("agent_not_authorized")
		return false
	}
	c.decideTrust()
	c.decideDelegation()
	return true
}

// member reads an object member of a snapshot value.
func member(v any, name string) any {
	if m, ok := v.(map[string]any); ok {
		return m[name]
	}
	return nil
}

// extract finds the tool and the value under inspection, and builds the
// snapshot the manifest sees, with the authenticated agent written in.
func (c *check) extract() {
	s := c.req.Snapshot
	switch c.req.Point {
	case PreToolCall, PostToolCall:
		tc := member(s, "tool_call")
		if name, ok := member(tc, "name").(string); ok {
			c.toolName = name
		}
		if id, ok := member(tc, "id").(string); ok {
			c.callID = id
		}
		if c.req.Point == PreToolCall {
			c.value = member(tc, "args")
		} else {
			c.value = s["tool_result"]
		}
		c.tool, _ = c.pol.Tool(c.toolName)
	case PreModelCall:
		c.value = s["model_request"]
	case PostModelCall:
		c.value = s["model_response"]
	case Input:
		c.value = s["input"]
	case Output:
		c.value = s["output"]
	}
}

// manifestSnapshot is the snapshot the manifest sees: the caller's, with
// the authenticated agent written over whatever the caller put there.
func (c *check) manifestSnapshot() map[string]any {
	s := c.req.Snapshot
	snap := maps.Clone(s)
	identity := map[string]any{"id": c.req.Agent, "session": c.req.Session, "role": c.prof.Role.Role, "ring": int64(c.prof.Ring)}
	snap["agent"] = identity
	env, _ := snap["envelope"].(map[string]any)
	env = maps.Clone(env)
	if env == nil {
		env = map[string]any{}
	}
	env["agent"] = map[string]any{"id": c.req.Agent}
	snap["envelope"] = env
	return snap
}

// admit applies kill state, session timeout, rate limits and budgets.
func (c *check) admit() bool {
	if c.g.kill != nil {
		if reason, killed := c.g.kill.Killed(c.req.Agent, c.req.Session, c.toolName); killed {
			c.hardDeny("killed:" + reason)
			c.releaseOnRefusal()
			return false
		}
	}
	if !c.admitLifecycle() {
		return false
	}
	lim := c.prof.Limits
	c.sess = c.g.sessions.getAt(c.req.Agent, c.req.Session, lim.Timeout, c.now)
	now := c.now
	c.sess.mu.Lock()
	c.sess.lastSeen = now
	expired := lim.Timeout > 0 && now.Sub(c.sess.started) > lim.Timeout
	toolCalls, tokens, cost := c.sess.toolCalls, c.sess.tokens, c.sess.cost
	c.sess.mu.Unlock()
	if expired && c.req.Point != AgentShutdown {
		c.add(Deny, "session_timeout")
	}
	pre := c.req.Point == PreToolCall || c.req.Point == PreModelCall || c.req.Point == Input
	if pre && !c.g.rates.AllowAt(c.req.Agent, c.prof.Rate, c.now) {
		c.add(Deny, "rate_limited")
	}
	if c.req.Point == PreToolCall {
		if spec, ok := c.prof.PerToolRate[c.toolName]; ok && !c.g.rates.AllowAt(c.req.Agent+"\x00"+c.toolName, spec, c.now) {
			c.add(Deny, "rate_limited:"+c.toolName)
		}
		if lim.MaxToolCalls > 0 && toolCalls >= lim.MaxToolCalls {
			c.add(Deny, "budget_exceeded:tool_calls")
		}
	}
	if pre {
		if lim.MaxTokens > 0 && tokens >= lim.MaxTokens {
			c.add(Deny, "budget_exceeded:tokens")
		}
		if lim.MaxCost > 0 && cost >= lim.MaxCost {
			c.add(Deny, "budget_exceeded:cost")
		}
	}
	if c.req.Point == PostModelCall {
		c.charge()
	}
	return true
}

// charge records the usage a post_model_call reports and denies the call
// that crosses a budget: its response must not be used.
func (c *check) charge() {
	u := member(c.req.Snapshot, "usage")
	if u == nil {
		u = member(c.req.Snapshot["model_response"], "usage")
	}
	if u == nil {
		return
	}
	num := func(name string) (float64, bool) {
		switch x := member(u, name).(type) {
		case json.Number:
			f, err := x.Float64()
			return f, err == nil && f >= 0
		case float64:
			return x, x >= 0
		case int64:
			return float64(x), x >= 0
		case int:
			return float64(x), x >= 0
		}
		return 0, false
	}
	tokens, ok := num("total_tokens")
	if !ok {
		in, ok1 := num("input_tokens")
		out, ok2 := num("output_tokens")
		if !ok1 && !ok2 {
			in, ok1 = num("prompt_tokens")
			out, ok2 = num("completion_tokens")
		}
		if ok1 || ok2 {
			tokens = in + out
		}
	}
	cost, _ := num("cost")
	lim := c.prof.Limits
	c.sess.mu.Lock()
	c.sess.tokens += int64(tokens)
	c.sess.cost += cost
	total, spent := c.sess.tokens, c.sess.cost
	c.sess.mu.Unlock()
	if lim.MaxTokens > 0 && total > lim.MaxTokens {
		c.add(Deny, "budget_exceeded:tokens")
	}
	if lim.MaxCost > 0 && spent > lim.MaxCost {
		c.add(Deny, "budget_exceeded:cost")
	}
}

// detect runs the detectors.
func (c *check) detect() {
	// The inspection lives in the check, which is allocated anyway.
	in := &c.in
	*in = Inspection{Agent: c.req.Agent, Session: c.req.Session, Point: c.req.Point, Tool: c.toolName,
		Profile: c.prof, Value: c.value, Snapshot: c.req.Snapshot, ToolInfo: c.tool}
	if c.sess != nil {
		c.sess.mu.Lock()
		if c.sess.canary != "" {
			in.Canaries = []string{c.sess.canary}
		}
		c.sess.mu.Unlock()
	}
	for _, key := range c.prof.enabledContent {
		if !c.g.hasDetector(key) {
			// The profile relies on a detector this gate does not run:
			// never let that pass as an allow.
			c.add(Deny, "detector_unavailable:"+key)
		}
	}
	for _, d := range c.g.detectors {
		fs, err := safeInspect(c.ctx, d, in)
		if err != nil {
			c.g.log.Error("detector failed; denying", "detector", d.Name(), "err", err)
			c.add(Deny, "detector_error:"+d.Name())
			continue
		}
		for _, f := range fs {
			c.findings = append(c.findings, f)
			switch f.Action {
			case Deny:
				c.add(Deny, strings.ToLower(f.Detector)+":"+strings.ToLower(f.Type))
			case Escalate:
				c.add(Escalate, strings.ToLower(f.Detector)+":"+strings.ToLower(f.Type))
			case Warn:
				c.add(Warn, strings.ToLower(f.Detector)+":"+strings.ToLower(f.Type))
			case Redact:
				c.add(Transform, strings.ToLower(f.Detector)+":"+strings.ToLower(f.Type))
			case Allow, Record:
			default:
				// An action the gate does not know cannot be honoured:
				// fail closed.
				c.add(Deny, "detector_action_unknown:"+strings.ToLower(f.Detector))
			}
		}
	}
}

// decideNative applies the profile: permissions, rings, tool lists,
// approval, data classification and information-flow labels, drift.
func (c *check) decideNative() {
	if c.req.Point != PreToolCall && c.req.Point != PostToolCall {
		return
	}
	if c.toolName == "" {
		c.add(Deny, "tool_name_missing")
		return
	}
	t, p := c.tool, c.prof
	if !c.pol.roles.Allows(p.Role, t.Permission, c.now) {
		c.add(Deny, "permission_denied:"+t.Permission)
	}
	if t.Ring < p.Ring {
		n := c.g.breaches.add(c.req.Agent)
		c.g.m.ringBreach()
		c.add(Deny, "ring_breach")
		c.message = fmt.Sprintf("tool %s is in ring %d; agent %s may use ring %d and outer only (breach %d)", c.toolName, t.Ring, c.req.Agent, p.Ring, n)
	}
	if g, ok := p.Denied.Match(c.toolName); ok {
		c.add(Deny, "tool_denied")
		c.rule = "denied_tools:" + g.String()
	}
	if p.Mode != Permissive {
		if rule, ok := p.allowedRule(c.toolName); ok {
			if c.rule == "" {
				c.rule = rule
			}
		} else {
			c.add(Deny, "tool_not_allowed")
		}
	}
	if c.req.Point == PreToolCall {
		if g, ok := p.RequireApproval.Match(c.toolName); ok {
			c.add(Escalate, "approval_required")
			if c.rule == "" {
				c.rule = "require_approval:" + g.String()
			}
		}
	}
	if t.Clearance < p.Classification {
		c.add(Deny, "clearance_write_down")
		c.message = fmt.Sprintf("agent handles %s data; tool %s is cleared for %s only", p.ClassName, c.toolName, t.ClearName)
	}
	c.checkLabels()
	if c.req.Point == PostToolCall {
		c.drift()
	}
}

// checkLabels enforces no write-down for the labels the host reports on
// the data flowing into this tool (snapshot.ifc.source_labels). A label
// agentgov does not know is treated as the highest: unknown sensitivity
// fails closed.
func (c *check) checkLabels() {
	labels, ok := member(c.req.Snapshot["ifc"], "source_labels").([]any)
	if !ok {
		if member(c.req.Snapshot["ifc"], "source_labels") != nil {
			c.add(Deny, "ifc_labels_invalid")
		}
		return
	}
	for _, l := range labels {
		s, isStr := l.(string)
		rank := config.ClassificationRank(s)
		if !isStr || rank < 0 || s == "" {
			rank = 3
		}
		if rank > c.tool.Clearance {
			c.add(Deny, "ifc_clearance_violation")
			return
		}
	}
}

// decideManifest evaluates the profile's ACS manifest, if any.
func (c *check) decideManifest() {
	mp := c.prof.Manifest
	if mp == nil {
		return
	}
	mode := c.req.Mode
	if mode == "" {
		mode = "enforce"
	}
	if c.prof.Mode == AuditOnly {
		// Audit mode never changes what proceeds: evaluate, never apply.
		mode = "evaluate_only"
	}
	res := mp.Evaluate(c.ctx, c.req.Point, c.snapshot, mode)
	c.manifestID = res.Identity
	if res.Decision == "" {
		c.add(Deny, "manifest_error")
		return
	}
	reason := res.Reason
	if reason == "" {
		reason = "manifest:" + res.Decision
	}
	if res.Decision != Allow {
		c.add(res.Decision, reason)
		c.manifestReason = reason
		if c.rule == "" {
			c.rule = "manifest"
		}
	}
	if res.Message != "" && c.message == "" {
		c.message = res.Message
	}
	if res.Applied {
		c.transformed, c.hasTransformed = res.Transformed, true
	}
}

// concurrency takes a slot for a pre_tool_call that is about to proceed,
// and releases it at the matching post_tool_call.
func (c *check) concurrency() {
	if c.sess == nil {
		return
	}
	switch c.req.Point {
	case PostToolCall:
		if c.callID != "" {
			c.sess.mu.Lock()
			delete(c.sess.slots, c.callID)
			c.sess.mu.Unlock()
		}
		return
	case AgentShutdown:
		return
	case PreToolCall:
	default:
		return
	}
	if c.denied() || c.worst() == Escalate || c.req.Mode == "evaluate_only" {
		// A call that will not run, or a dry run, holds no slot and
		// spends no budget.
		return
	}
	if max := c.prof.MaxConcurrent; max > 0 {
		if !c.takeSlot(max) {
			c.add(Deny, "concurrency_limit")
			return
		}
	}
	c.sess.mu.Lock()
	c.sess.toolCalls++
	c.sess.mu.Unlock()
}

// takeSlot waits up to the profile's backpressure for a free slot. A call
// without an id still takes a slot, which then only expires.
func (c *check) takeSlot(limit int) bool {
	ttl := c.prof.Limits.Timeout
	if ttl <= 0 {
		ttl = 5 * time.Minute
	}
	id := c.callID
	if id == "" {
		id = fmt.Sprintf("anonymous-%p-%d", c, c.now.UnixNano())
	}
	deadline := c.now.Add(c.prof.Backpressure)
	for now := c.now; ; now = c.g.now() {
		c.sess.mu.Lock()
		if _, dup := c.sess.slots[id]; dup || c.sess.inFlight(now, limit) < limit {
			if !dup {
				// The slot outlives the request: keep a copy of the id,
				// not a view into the request body.
				id = strings.Clone(id)
			}
			c.sess.slots[id] = now.Add(ttl)
			c.sess.mu.Unlock()
			return true
		}
		c.sess.mu.Unlock()
		if !now.Before(deadline) {
			return false
		}
		select {
		case <-c.ctx.Done():
			return false
		case <-time.After(min(5*time.Millisecond, deadline.Sub(now))):
		}
	}
}

// worst is the most restrictive verdict so far.
func (c *check) worst() string {
	w := Allow
	for _, v := range c.verdicts {
		if severity(v.decision) > severity(w) {
			w = v.decision
		}
	}
	return w
}

// finish combines the verdicts, applies audit mode, records, and answers.
func (c *check) finish() Decision {
	d := Decision{Decision: Allow}
	var hard []verdict
	var soft []verdict
	for _, v := range c.verdicts {
		if v.hard {
			hard = append(hard, v)
		} else {
			soft = append(soft, v)
		}
	}
	audit := c.prof != nil && c.prof.Mode == AuditOnly
	switch {
	case len(hard) > 0:
		d.Decision = Deny
		for _, v := range hard {
			d.Reasons = append(d.Reasons, v.reason)
		}
		for _, v := range soft {
			d.Reasons = append(d.Reasons, v.reason)
		}
	case audit:
		// Audit mode answers warn and says what it would have done.
		worst := c.worst()
		if worst != Allow {
			d.Decision = Warn
			for _, v := range orderBySeverity(soft) {
				if v.decision == Warn {
					d.Reasons = append(d.Reasons, v.reason)
					continue
				}
				d.Reasons = append(d.Reasons, "audit_mode:would_"+v.decision+":"+v.reason)
			}
		}
	default:
		d.Decision = c.worst()
		for _, v := range orderBySeverity(soft) {
			d.Reasons = append(d.Reasons, v.reason)
		}
	}
	if d.Decision == Transform && !audit && c.req.Mode != "evaluate_only" {
		// The ACS transform first, then the detectors' redactions.
		base := c.value
		if c.hasTransformed {
			base = c.transformed
		}
		if v, err := c.redact(base, c.hasTransformed); err != nil {
			c.g.log.Error("redaction failed; denying", "err", err, "agent", c.req.Agent)
			d.Decision = Deny
			d.Reasons = append([]string{"redaction_failed"}, d.Reasons...)
		} else {
			d.Transformed, d.HasTransformed = v, true
		}
	}
	d.Reasons = dedupe(d.Reasons)
	if len(d.Reasons) > 0 {
		d.Reason = d.Reasons[0]
	}
	d.Message = c.message
	d.Findings = c.findings
	d.ApprovalID = c.approvalID
	if d.Allowed() {
		d.Canary = c.canary
	}
	if c.req.Point == AgentShutdown && c.prof != nil {
		c.g.sessions.end(c.req.Agent, c.req.Session)
	}
	idx, err := c.record(d)
	if err != nil {
		c.g.log.Error("audit write failed; denying", "err", err, "agent", c.req.Agent)
		c.releaseSlot()
		return Decision{Decision: Deny, Reason: "audit_unavailable", Reasons: []string{"audit_unavailable"}, AuditIndex: -1, Findings: c.findings}
	}
	d.AuditIndex = idx
	return d
}

// releaseSlot gives back a slot taken for a call that will not proceed.
func (c *check) releaseSlot() {
	if c.sess != nil && c.req.Point == PreToolCall && c.callID != "" {
		c.sess.mu.Lock()
		delete(c.sess.slots, c.callID)
		c.sess.mu.Unlock()
	}
}

// dedupe keeps the first of equal reasons (two patterns hit, one reason).
func dedupe(rs []string) []string {
	out := rs[:0]
	for i, r := range rs {
		if !slices.Contains(rs[:i], r) {
			out = append(out, r)
		}
	}
	return out
}

func orderBySeverity(vs []verdict) []verdict {
	out := make([]verdict, 0, len(vs))
	for s := 4; s >= 0; s-- {
		for _, v := range vs {
			if severity(v.decision) == s {
				out = append(out, v)
			}
		}
	}
	return out
}

// record writes the one audit entry of this check. The arguments are kept
// as a keyed digest only: equal arguments correlate, their content is not
// stored.
func (c *check) record(d Decision) (int64, error) {
	rec, minimised := c.g.rec.(minimisingRecorder)
	callID := c.callID
	if minimised {
		var err error
		if d, callID, err = c.minimised(rec, d); err != nil {
			return 0, err
		}
	}
	sc := c.g.scratch.get()
	defer c.g.scratch.put(sc)
	var digest []byte
	if c.value != nil {
		var err error
		if digest, err = sc.valueDigest(sc.digest[:0], c.value); err != nil {
			return 0, fmt.Errorf("digest of the inspected value: %w", err)
		}
	}
	body := c.appendPayload(sc.buf[:0], &d, callID, digest)
	sc.buf = body[:0]
	action := c.action()
	version := c.pol.Version
	if c.prof != nil && c.prof.ManifestVersion != "" {
		version += "+" + c.prof.ManifestVersion
	}
	source := c.req.Principal.Name
	if source == "" {
		source = "embedded"
	}
	if minimised {
		// The event lives in the scratch: the log copies what it keeps
		// before it returns.
		ev := &sc.ev
		defer func() { *ev = api.Event{} }()
		c.fillEvent(ev, &d, action, version, body)
		return rec.AppendCanonical(c.ctx, ev, source)
	}
	ev := new(api.Event)
	c.fillEvent(ev, &d, action, version, body)
	return c.g.rec.Append(c.ctx, ev, source)
}

// action is the entry's action: the point, and the tool of a tool call.
func (c *check) action() string {
	if c.toolName == "" {
		return c.req.Point
	}
	// Only a catalogued tool has its actions built (an uncatalogued one
	// is a copy of the default that carries just the name).
	if t := c.tool; t != nil && t.Name == c.toolName {
		switch {
		case c.req.Point == PreToolCall && t.preAction != "":
			return t.preAction
		case c.req.Point == PostToolCall && t.postAction != "":
			return t.postAction
		}
	}
	return c.req.Point + ":" + c.toolName
}

// fillEvent sets the header fields of the decision's entry.
func (c *check) fillEvent(ev *api.Event, d *Decision, action, version string, body []byte) {
	*ev = api.Event{Type: "decision", Agent: c.req.Agent, Session: c.req.Session, Action: truncate(action, 256),
		Decision: d.Decision, Reason: truncate(d.Reason, 4096), Rule: truncate(c.rule, 4096), PolicyVersion: truncate(version, 256), Payload: body}
}

// appendPayload appends the decision's audit payload to dst, built
// directly in RFC 8785 canonical form: members in ascending key order,
// strings through canonical.AppendString. payload_test.go checks it
// against the generic encoder, which the log would otherwise run.
func (c *check) appendPayload(dst []byte, d *Decision, callID string, digest []byte) []byte {
	o := object{b: dst}
	if c.manifestID != "" {
		o.str("action_identity", c.manifestID)
	}
	if c.approvalID != "" {
		o.str("approval_id", c.approvalID)
	}
	if callID != "" {
		o.str("call_id", callID)
	}
	c.recordDelegation(&o)
	if len(d.Findings) > 0 {
		o.key("findings")
		o.b = appendFindings(o.b, d.Findings)
	}
	if c.req.Mode == "evaluate_only" {
		o.str("mode", "evaluate_only")
	}
	o.str("point", c.req.Point)
	if c.prof != nil {
		o.str("profile_mode", string(c.prof.Mode))
	}
	o.strs("reasons", d.Reasons)
	if c.toolName != "" {
		o.str("tool", c.toolName)
	}
	if d.HasTransformed {
		o.key("transformed")
		o.b = append(o.b, "true"...)
	}
	c.recordTrust(&o)
	if digest != nil {
		o.key("value_hmac")
		o.b = append(append(append(o.b, '"'), digest...), '"')
	}
	return o.close()
}

// minimised returns the decision as it is recorded, with the strings a
// caller supplied minimised: the call id, the paths of findings (object
// keys of the inspected value) and the manifest's reason. Everything else
// the gate records is its own vocabulary, configuration or a digest.
func (c *check) minimised(rec minimisingRecorder, d Decision) (Decision, string, error) {
	m := func(s string) (string, error) {
		if s == "" {
			return s, nil
		}
		out, err := rec.MinimiseText(c.ctx, s)
		if err != nil {
			return "", fmt.Errorf("minimising the audit entry: %w", err)
		}
		return out, nil
	}
	callID, err := m(c.callID)
	if err != nil {
		return d, "", err
	}
	if c.manifestReason != "" {
		mr, err := m(c.manifestReason)
		if err != nil {
			return d, "", err
		}
		// Audit mode records it as audit_mode:would_<verdict>:<reason>.
		swap := func(r string) string {
			if r == c.manifestReason {
				return mr
			}
			if p, ok := strings.CutSuffix(r, ":"+c.manifestReason); ok {
				return p + ":" + mr
			}
			return r
		}
		d.Reasons = slices.Clone(d.Reasons)
		for i, r := range d.Reasons {
			d.Reasons[i] = swap(r)
		}
		d.Reason = swap(d.Reason)
	}
	if len(d.Findings) > 0 {
		d.Findings = slices.Clone(d.Findings)
		for i := range d.Findings {
			// Token by token: each is an object key or an index of the
			// caller's value.
			toks := strings.Split(d.Findings[i].Path, "/")
			for j, tok := range toks {
				if toks[j], err = m(tok); err != nil {
					return d, "", err
				}
			}
			d.Findings[i].Path = strings.Join(toks, "/")
		}
	}
	return d, callID, nil
}

// appendFindings appends the findings as recorded: what and where, never
// the matched text (it may be the very secret or personal data found).
func appendFindings(b []byte, fs []Finding) []byte {
	b = append(b, '[')
	for i, f := range fs {
		if i > 0 {
			b = append(b, ',')
		}
		o := object{b: b}
		o.str("action", f.Action)
		o.str("detector", f.Detector)
		if f.Path != "" {
			o.str("path", f.Path)
		}
		o.str("severity", f.Severity)
		o.str("type", f.Type)
		b = o.close()
	}
	return append(b, ']')
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
