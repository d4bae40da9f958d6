package gate

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/agentgov/agentgov/internal/config"
)

// AgentStates answers whether an agent's lifecycle state admits an action
// at point on a tool with permission ("" when no tool is involved). The
// lifecycle package implements it; the read must not lock or do I/O.
type AgentStates interface {
	Admit(agent, point, permission string) (reason string, ok bool)
}

// Tripper makes automatic kills: of agent, or of agent's session when
// session is set. The kill switch implements it; the gate only signals.
type Tripper interface {
	Trip(ctx context.Context, agent, session, reason, note string)
}

// Reasons of automatic kills (the kill switch's vocabulary).
const (
	tripRingBreach     = "RING_BREACH"
	tripRateLimit      = "RATE_LIMIT"
	tripSessionTimeout = "SESSION_TIMEOUT"
)

// Triggers are the automatic-kill thresholds of a policy; zero counts are
// off.
type Triggers struct {
	RingBreaches     int
	RingWindow       time.Duration
	RateLimitDenials int
	RateLimitWindow  time.Duration
	SessionTimeout   bool
}

func compileTriggers(k config.Killswitch) Triggers {
	return Triggers{RingBreaches: int(k.RingBreaches), RingWindow: k.RingBreachWindow.Duration,
		RateLimitDenials: int(k.RateLimitDenials), RateLimitWindow: k.RateLimitWindow.Duration,
		SessionTimeout: k.KillOnSessionTimeout}
}

// admitLifecycle applies the agent's lifecycle state.
func (c *check) admitLifecycle() bool {
	if c.g.states == nil {
		return true
	}
	perm := ""
	if c.tool != nil && (c.req.Point == PreToolCall || c.req.Point == PostToolCall) {
		perm = c.tool.Permission
	}
	if reason, ok := c.g.states.Admit(c.req.Agent, c.req.Point, perm); !ok {
		c.hardDeny(reason)
		c.releaseOnRefusal()
		return false
	}
	return true
}

// trip feeds the automatic-kill triggers with this check's verdicts and
// kills the agent (or session) when one fires. Dry runs and audit-mode
// profiles never kill: they must not change what proceeds.
func (c *check) trip() {
	if c.g.trip == nil || c.prof == nil || c.req.Mode == "evaluate_only" || c.prof.Mode == AuditOnly {
		return
	}
	t := c.pol.triggers
	var ring, rate, timeout bool
	for _, v := range c.verdicts {
		switch {
		case v.reason == "ring_breach":
			ring = true
		case v.reason == "rate_limited" || strings.HasPrefix(v.reason, "rate_limited:"):
			rate = true
		case v.reason == "session_timeout":
			timeout = true
		}
	}
	now := c.g.now()
	ctx := context.WithoutCancel(c.ctx)
	if ring && t.RingBreaches > 0 && c.g.trips.hit("r\x00"+c.req.Agent, now, t.RingBreaches, t.RingWindow) {
		c.g.trip.Trip(ctx, c.req.Agent, "", tripRingBreach,
			fmt.Sprintf("%d ring breaches within %s", t.RingBreaches, t.RingWindow))
	}
	if rate && t.RateLimitDenials > 0 && c.g.trips.hit("l\x00"+c.req.Agent, now, t.RateLimitDenials, t.RateLimitWindow) {
		c.g.trip.Trip(ctx, c.req.Agent, "", tripRateLimit,
			fmt.Sprintf("%d rate-limit denials within %s", t.RateLimitDenials, t.RateLimitWindow))
	}
	if timeout && t.SessionTimeout && c.req.Session != "" {
		c.g.trip.Trip(ctx, c.req.Agent, c.req.Session, tripSessionTimeout, "the session ran past limits.timeout")
	}
}

// tripCounters keep, per key, the times of the latest events, enough to
// tell whether n of them fell within a window. Only denied checks touch
// them, never the allow path.
type tripCounters struct {
	mu sync.Mutex
	m  map[string][]time.Time
}

func newTripCounters() *tripCounters { return &tripCounters{m: map[string][]time.Time{}} }

// maxTrackedKeys bounds the memory an agent population can pin.
const maxTrackedKeys = 1 << 16

// hit records an event at now and reports whether it is the n-th within
// window; the count restarts after it fires.
func (t *tripCounters) hit(key string, now time.Time, n int, window time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.m[key]
	if ts == nil && len(t.m) >= maxTrackedKeys {
		for k, v := range t.m {
			if len(v) == 0 || now.Sub(v[len(v)-1]) > window {
				delete(t.m, k)
			}
		}
	}
	ts = append(ts, now)
	if len(ts) > n {
		ts = ts[len(ts)-n:]
	}
	if len(ts) == n && now.Sub(ts[0]) <= window {
		delete(t.m, key)
		return true
	}
	t.m[key] = ts
	return false
}

// releaseOnRefusal gives back the concurrency slot of a post_tool_call
// refused before the pipeline reaches its release (a kill, the
// lifecycle): the call has ended either way, and a kept slot would block
// the agent's next call after an unkill.
func (c *check) releaseOnRefusal() {
	if c.req.Point != PostToolCall || c.callID == "" || c.prof == nil {
		return
	}
	s := c.g.sessions.get(c.req.Agent, c.req.Session, c.prof.Limits.Timeout)
	s.mu.Lock()
	delete(s.slots, c.callID)
	s.mu.Unlock()
}

// recheckKill denies a check that a kill overtook while it ran (a slow
// detector, a wait for a concurrency slot): its action has not happened,
// and once POST /v1/kill has returned no check in scope may answer allow.
// The kill cancelled the call's context; the decision is still recorded.
func (c *check) recheckKill() {
	if c.g.kill == nil {
		return
	}
	reason, killed := c.g.kill.Killed(c.req.Agent, c.req.Session, c.toolName)
	if !killed {
		return
	}
	r := "killed:" + reason
	for _, v := range c.verdicts {
		if v.hard && v.reason == r {
			return // denied at admission
		}
	}
	c.hardDeny(r)
	c.releaseSlot()
	c.releaseOnRefusal()
	c.ctx = context.WithoutCancel(c.ctx)
}
