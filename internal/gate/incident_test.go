package gate

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/lifecycle"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const triggerConfig = `
killswitch:
  ring_breaches: 3
  ring_breach_window: 1m
  rate_limit_denials: 2
  rate_limit_window: 1m
  kill_on_session_timeout: true
`

// incidentFixture is the gate with a real kill switch (memory store) for
// kill state and automatic kills.
func incidentFixture(t *testing.T) (*fixture, *killswitch.Switch) {
	t.Helper()
	f := newFixture(t, testConfig+triggerConfig, nil)
	ks, err := killswitch.New(context.Background(), killswitch.Options{Store: memory.NewKills(), Recorder: f.log, Now: f.clock.now})
	if err != nil {
		t.Fatal(err)
	}
	f.g.kill, f.g.trip = ks, ks
	return f, ks
}

func TestAutomaticKillAfterRingBreaches(t *testing.T) {
	f, ks := incidentFixture(t)
	breach := toolCall("delete_user", `{"id": 1}`)
	// Two breaches, then a pause longer than the window: no kill.
	for range 2 {
		if d := f.check(t, "support", PreToolCall, breach); d.Reason == "killed:RING_BREACH" {
			t.Fatal("killed too early")
		}
	}
	f.clock.add(2 * time.Minute)
	for i := range 3 {
		d := f.check(t, "support", PreToolCall, breach)
		if d.Allowed() {
			t.Fatalf("breach %d allowed", i)
		}
		if i < 2 && len(ks.Active()) != 0 {
			t.Fatalf("killed after %d breaches in the window", i+1)
		}
	}
	active := ks.Active()
	if len(active) != 1 || active[0].Agent != "support" || active[0].Reason != killswitch.ReasonRingBreach || active[0].By != killswitch.SourceAgentgov {
		t.Fatalf("kills %+v", active)
	}
	// Every later action of the agent is denied, even a harmless one.
	if d := f.check(t, "support", PreToolCall, toolCall("kb_read", `{}`)); d.Reason != "killed:RING_BREACH" {
		t.Fatalf("after the automatic kill: %+v", d)
	}
	if d := f.check(t, "writer", PreToolCall, toolCall("kb_read", `{}`)); d.Reason == "killed:RING_BREACH" {
		t.Fatalf("another agent: %+v", d)
	}
}

func TestAutomaticKillOnRateLimitStorm(t *testing.T) {
	f, ks := incidentFixture(t)
	search := toolCall("web_search", `{"q": "x"}`)
	for range 3 {
		f.check(t, "support", PreToolCall, search) // burst 2: the third is rate limited
	}
	if len(ks.Active()) != 0 {
		t.Fatal("one rate-limit denial killed the agent")
	}
	f.check(t, "support", PreToolCall, search)
	if a := ks.Active(); len(a) != 1 || a[0].Reason != killswitch.ReasonRateLimit {
		t.Fatalf("kills %+v", a)
	}
}

func TestAutomaticKillOnSessionTimeout(t *testing.T) {
	f, ks := incidentFixture(t)
	f.check(t, "budget", Input, map[string]any{"input": "hi"})
	f.clock.add(2 * time.Hour)
	if d := f.check(t, "budget", Input, map[string]any{"input": "hi"}); d.Reason != "session_timeout" {
		t.Fatalf("%+v", d)
	}
	a := ks.Active()
	if len(a) != 1 || a[0].Scope != killswitch.ScopeSession || a[0].Session != "s1" || a[0].Agent != "budget" || a[0].Reason != killswitch.ReasonSessionTimeout {
		t.Fatalf("kills %+v", a)
	}
	d, _ := f.g.Check(context.Background(), &Request{Agent: "budget", Session: "s2", Point: Input, Snapshot: map[string]any{"input": "hi"}})
	if !d.Allowed() {
		t.Fatalf("another session of the agent: %+v", d)
	}
}

func TestDryRunsAndAuditModeNeverKill(t *testing.T) {
	f, ks := incidentFixture(t)
	breach := toolCall("delete_user", `{}`)
	for range 5 {
		if _, err := f.g.Check(context.Background(), &Request{Agent: "support", Session: "s1", Point: PreToolCall, Snapshot: breach, Mode: "evaluate_only"}); err != nil {
			t.Fatal(err)
		}
		f.check(t, "auditor", PreToolCall, breach)
	}
	if a := ks.Active(); len(a) != 0 {
		t.Fatalf("kills %+v", a)
	}
}

type fixedStates map[string]string

func (s fixedStates) Admit(agent, point, perm string) (string, bool) {
	st, ok := s[agent]
	if !ok {
		st = lifecycle.Active
	}
	return lifecycle.Admits(st, point, perm)
}

func TestLifecycleAdmission(t *testing.T) {
	f := newFixture(t, testConfig, nil)
	f.g.states = fixedStates{"support": lifecycle.Degraded, "writer": lifecycle.Quarantined, "admin": lifecycle.Revoked}
	if d := f.check(t, "support", PreToolCall, toolCall("kb_read", `{}`)); !d.Allowed() {
		t.Fatalf("degraded read: %+v", d)
	}
	if d := f.check(t, "writer", PreToolCall, toolCall("notes_write", `{}`)); d.Reason != "lifecycle:quarantined" {
		t.Fatalf("quarantined: %+v", d)
	}
	if d := f.check(t, "admin", Input, map[string]any{"input": "x"}); d.Reason != "lifecycle:revoked" {
		t.Fatalf("revoked: %+v", d)
	}
	f.g.states = fixedStates{"writer": lifecycle.Degraded}
	if d := f.check(t, "writer", PreToolCall, toolCall("notes_write", `{}`)); d.Reason != "lifecycle:degraded:read_only" {
		t.Fatalf("degraded write: %+v", d)
	}
}

// TestKillOvertakesACheck: a check that was admitted before a kill and is
// still running when the kill lands is denied with the kill's reason and
// recorded, although the kill cancelled its context.
func TestKillOvertakesACheck(t *testing.T) {
	f, ks := incidentFixture(t)
	slow := &slowDetector{entered: make(chan struct{}), release: make(chan struct{})}
	f.g.detectors = append(f.g.detectors, slow)
	ctx, done := ks.Track(context.Background(), "admin", "s1", "kb_read")
	defer done()
	res := make(chan Decision, 1)
	go func() {
		d, _ := f.g.Check(ctx, &Request{Agent: "admin", Session: "s1", Point: PreToolCall, Snapshot: toolCall("kb_read", `{}`)})
		res <- d
	}()
	<-slow.entered
	k, err := ks.Kill(context.Background(), killswitch.Request{Target: killswitch.Target{Scope: killswitch.ScopeAgent, Agent: "admin"}, Reason: killswitch.ReasonManual})
	if err != nil || k.InflightCancelled != 1 {
		t.Fatalf("kill %+v %v", k, err)
	}
	close(slow.release)
	d := <-res
	if d.Decision != Deny || d.Reason != "killed:MANUAL" || d.AuditIndex < 0 {
		t.Fatalf("overtaken check: %+v", d)
	}
}

type slowDetector struct {
	once             sync.Once
	entered, release chan struct{}
}

func (s *slowDetector) Name() string { return "slow" }

func (s *slowDetector) Inspect(ctx context.Context, in *Inspection) ([]Finding, error) {
	s.once.Do(func() { close(s.entered) })
	<-s.release
	return nil, nil
}
