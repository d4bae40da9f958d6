// Package gate is agentgov's one enforcement point. Every agent action —
// at each of the eight ACS intervention points — passes the same pipeline:
//
//	identify → admit → detect → decide → act → record
//
// identify resolves the authenticated agent to its profile (an unknown
// agent is denied everything); admit applies kill state, session timeout,
// budgets, rate limits and concurrency; detect runs the enabled detectors
// (blocked patterns, egress, and the content detectors plugged in); decide
// combines the profile's native checks (RBAC, rings, allow and deny lists,
// approval, data classification, drift) with the profile's ACS manifest,
// most restrictive verdict winning; act applies the manifest's transform
// and the detectors' redactions; record writes exactly one audit entry per
// check. Any error anywhere is a deny with a reason, and a decision that
// cannot be recorded is a deny: there is no unrecorded allow.
//
// The gate is the ACS host: it keeps the state the ACS runtime must not
// (sessions, budgets, limits, labels) and calls the runtime for the
// stateless policy decision.
package gate

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/detect/redact"
	"github.com/agentgov/agentgov/internal/ratelimit"
)

// Verdicts, most restrictive last.
const (
	Allow     = "allow"
	Warn      = "warn"
	Transform = "transform"
	Escalate  = "escalate"
	Deny      = "deny"
)

// severity orders verdicts: deny > escalate > transform > warn > allow.
func severity(d string) int {
	switch d {
	case Allow:
		return 0
	case Warn:
		return 1
	case Transform:
		return 2
	case Escalate:
		return 3
	}
	return 4 // deny, and anything unknown
}

// Intervention points.
const (
	AgentStartup  = "agent_startup"
	Input         = "input"
	PreModelCall  = "pre_model_call"
	PostModelCall = "post_model_call"
	PreToolCall   = "pre_tool_call"
	PostToolCall  = "post_tool_call"
	Output        = "output"
	AgentShutdown = "agent_shutdown"
)

func validPoint(p string) bool {
	switch p {
	case AgentStartup, Input, PreModelCall, PostModelCall, PreToolCall, PostToolCall, Output, AgentShutdown:
		return true
	}
	return false
}

// Recorder appends audit entries. The gate records through it and denies
// when it fails.
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// minimisingRecorder is a Recorder that lends the gate its minimiser and
// takes an event the gate has minimised itself: the log's own
// minimisation would run the detectors over every field of every
// decision, where only a few strings come from the caller. It also takes
// the payload as the gate built it, already in canonical form, without
// parsing it again (payload_test.go proves the form).
type minimisingRecorder interface {
	MinimiseText(ctx context.Context, s string) (string, error)
	AppendCanonical(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// KillState answers whether an agent, session or tool has been killed.
// Nil means nothing is killed.
type KillState interface {
	Killed(agent, session, tool string) (reason string, killed bool)
}

// Principal is who authenticated the request. The gate acts only for the
// agents the principal may speak for.
type Principal struct {
	// Name is recorded as the audit source.
	Name string
	// Agents returns whether the principal may act as agent id. Nil means
	// any agent: an in-process caller of the Go API, trusted by the
	// program that embeds the gate.
	Agents func(id string) bool
}

// Request is one check.
type Request struct {
	Agent     string
	Session   string
	Point     string
	Snapshot  map[string]any
	Mode      string // "enforce" (default) or "evaluate_only"
	Principal Principal
	// ApprovalID re-submits an escalated action whose approval request
	// was approved: the action is allowed once if it is the action that
	// was approved (approval.go).
	ApprovalID string
	// Delegation is the delegation chain the request acts under, root
	// first (encoded tokens); empty when the agent acts on its own.
	Delegation []string
}

// Decision is the gate's answer.
type Decision struct {
	Decision string
	// Reason is the decisive reason; Reasons every reason, decisive first.
	Reason  string
	Reasons []string
	Message string
	// Transformed is the rewritten policy target when a transform was
	// applied (HasTransformed true).
	Transformed    any
	HasTransformed bool
	AuditIndex     int64
	Findings       []Finding
	// Canary is the session's system-prompt canary, answered to an
	// allowed agent_startup when the profile plants one: put it in the
	// system prompt; if it ever appears in what the agent says or sends,
	// the system prompt has leaked and the gate denies.
	Canary string
	// ApprovalID names the approval request that holds an escalated
	// action, or the approval a re-check consumed.
	ApprovalID string
}

// Allowed reports whether the action may proceed. Escalate is not an allow:
// until an approval resolves it, it is treated as a deny.
func (d Decision) Allowed() bool {
	return d.Decision == Allow || d.Decision == Warn || d.Decision == Transform
}

// Options configure New.
type Options struct {
	Policy    *Policy
	Recorder  Recorder
	Kill      KillState
	Detectors []Detector
	// ArgsKey keys the digest of tool arguments recorded in the audit log
	// (HMAC-SHA256): equal arguments can be correlated without being
	// stored.
	ArgsKey []byte
	Now     func() time.Time
	// PseudonymKey keys the hash redaction strategy (HMAC): the same value
	// gets the same pseudonym under one key. Without it, profiles that
	// ask for hash redaction are denied.
	PseudonymKey []byte
	// Rand is the source of canaries (crypto/rand when nil).
	Rand    io.Reader
	Logger  *slog.Logger
	Metrics *Metrics
	// Approvals holds escalated actions for approval; nil leaves an
	// escalation as an answer without a request.
	Approvals Approvals
	// States admits actions by the agent's lifecycle state (nil: every
	// configured agent is active); Trip receives automatic kills
	// (incident.go).
	States AgentStates
	Trip   Tripper
	// Trust is the trust score (nil: no scores; a minimum tier then
	// denies). Delegation verifies delegation chains (nil: a request
	// carrying one is denied).
	Trust      TrustModel
	Delegation DelegationVerifier
	// MaxSessions bounds the sessions remembered at once (default
	// DefaultMaxSessions); past it the longest-idle are forgotten.
	MaxSessions int
}

// Gate is safe for concurrent use.
type Gate struct {
	policy    atomic.Pointer[Policy]
	rec       Recorder
	kill      KillState
	detectors []Detector
	argsKey   []byte
	now       func() time.Time
	rand      io.Reader
	log       *slog.Logger
	m         *Metrics
	sessions  *sessions
	rates     *ratelimit.Limiter
	breaches  *counters
	drift     *driftBaseline
	scratch   *scratchPool
	// checks holds spent checks for reuse: a check is large, and nothing
	// of it outlives Check (the decision is returned by value, and
	// detectors run synchronously).
	checks    sync.Pool
	redactors map[redact.Strategy]*redact.Redactor
	approvals Approvals
	states    AgentStates
	trip      Tripper
	trips     *tripCounters
	trust     TrustModel
	chains    DelegationVerifier
}

// New builds a gate.
func New(o Options) (*Gate, error) {
	if o.Policy == nil || o.Recorder == nil {
		return nil, errors.New("gate: a policy and a recorder are required")
	}
	if len(o.ArgsKey) < 32 {
		return nil, errors.New("gate: the arguments digest key must be at least 32 bytes")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	g := &Gate{rec: o.Recorder, kill: o.Kill, detectors: o.Detectors, argsKey: o.ArgsKey, now: o.Now, rand: o.Rand, log: o.Logger, m: o.Metrics,
		sessions: newSessions(o.Now, o.MaxSessions), rates: ratelimit.New(o.Now), breaches: newCounters(), drift: newDriftBaseline(), scratch: newScratchPool(o.ArgsKey)}
	var err error
	if g.redactors, err = newRedactors(o.PseudonymKey); err != nil {
		return nil, err
	}
	g.approvals = o.Approvals
	g.states, g.trip, g.trips = o.States, o.Trip, newTripCounters()
	g.trust, g.chains = o.Trust, o.Delegation
	g.policy.Store(o.Policy)
	return g, nil
}

// hasDetector reports whether the gate runs a detector of that name.
func (g *Gate) hasDetector(name string) bool {
	for _, d := range g.detectors {
		if d.Name() == name {
			return true
		}
	}
	return false
}

// Policy is the active policy.
func (g *Gate) Policy() *Policy { return g.policy.Load() }

// Swap activates a new policy and returns the old one. The caller records
// the change.
func (g *Gate) Swap(p *Policy) *Policy { return g.policy.Swap(p) }

// RingBreaches returns how many ring breaches an agent has committed.
func (g *Gate) RingBreaches(agent string) int64 { return g.breaches.get(agent) }

// Check decides one request and records the decision. The returned error
// is non-nil only when the request itself is malformed (a caller bug the
// transport reports as 400); every other failure is a recorded deny.
func (g *Gate) Check(ctx context.Context, req *Request) (Decision, error) {
	if err := validate(req); err != nil {
		return Decision{}, err
	}
	start := g.now()
	c := g.newCheck(ctx, req)
	defer g.releaseCheck(c)
	// One reading of the clock serves every stage of the check: each
	// reading costs as much as a small stage.
	c.now = start
	c.run()
	c.recheckKill()
	d := c.finish()
	c.trip()
	c.observeTrust(d)
	if g.m != nil {
		g.m.observe(req.Point, d.Decision, g.now().Sub(start))
	}
	return d, nil
}

// RequestError is a malformed request; Field names the member at fault.
type RequestError struct {
	Field, Problem string
}

func (e *RequestError) Error() string { return e.Field + ": " + e.Problem }

func validate(req *Request) error {
	switch {
	case req.Agent == "":
		return &RequestError{"agent", "is required"}
	case len(req.Agent) > 256:
		return &RequestError{"agent", "is longer than 256 bytes"}
	case len(req.Session) > 256:
		return &RequestError{"session", "is longer than 256 bytes"}
	case !validPoint(req.Point):
		return &RequestError{"intervention_point", fmt.Sprintf("%q is not one of the eight intervention points", req.Point)}
	case req.Mode != "" && req.Mode != "enforce" && req.Mode != "evaluate_only":
		return &RequestError{"mode", "must be enforce or evaluate_only"}
	case req.Snapshot == nil:
		return &RequestError{"snapshot", "is required (an object)"}
	}
	return nil
}
