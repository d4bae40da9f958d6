package killswitch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// fakeLog records audit entries in memory.
type fakeLog struct {
	mu      sync.Mutex
	entries []api.Event
	sources []string
	fail    bool
}

func (f *fakeLog) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return 0, errors.New("disk full")
	}
	f.entries = append(f.entries, *ev)
	f.sources = append(f.sources, source)
	return int64(len(f.entries) - 1), nil
}

func (f *fakeLog) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.entries {
		out = append(out, e.Action)
	}
	return out
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Millisecond)
	return c.t
}

func newSwitch(t testing.TB, st *memory.Kills, log *fakeLog) *Switch {
	t.Helper()
	c := &clock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	s, err := New(context.Background(), Options{Store: st, Recorder: log, Now: c.now, Rand: bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 1000))})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTargetValidateAndCovers(t *testing.T) {
	cases := []struct {
		t       Target
		bad     string // field at fault
		covers  [][3]string
		escapes [][3]string
	}{
		{t: Target{Scope: ScopeAgent, Agent: "a"}, covers: [][3]string{{"a", "", ""}, {"a", "s", "t"}}, escapes: [][3]string{{"b", "s", "t"}}},
		{t: Target{Scope: ScopeSession, Session: "s"}, covers: [][3]string{{"a", "s", ""}, {"b", "s", "x"}}, escapes: [][3]string{{"a", "", ""}, {"a", "t", ""}}},
		{t: Target{Scope: ScopeSession, Session: "s", Agent: "a"}, covers: [][3]string{{"a", "s", ""}}, escapes: [][3]string{{"b", "s", ""}}},
		{t: Target{Scope: ScopeTool, Tool: "rm"}, covers: [][3]string{{"a", "", "rm"}}, escapes: [][3]string{{"a", "", ""}, {"a", "", "ls"}}},
		{t: Target{Scope: ScopeGlobal}, covers: [][3]string{{"a", "", ""}, {"b", "s", "t"}}},
		{t: Target{Scope: ScopeAgent}, bad: "agent"},
		{t: Target{Scope: ScopeAgent, Agent: "a", Tool: "x"}, bad: "tool"},
		{t: Target{Scope: ScopeGlobal, Agent: "a"}, bad: "agent"},
		{t: Target{Scope: ScopeTool}, bad: "tool"},
		{t: Target{Scope: ScopeSession, Agent: "a"}, bad: "session"},
		{t: Target{}, bad: "scope"},
		{t: Target{Scope: "fleet"}, bad: "scope"},
		{t: Target{Scope: ScopeAgent, Agent: string(bytes.Repeat([]byte("a"), 300))}, bad: "agent"},
	}
	for _, c := range cases {
		err := c.t.Validate()
		if c.bad != "" {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.bad {
				t.Errorf("%+v: error %v, want one about %s", c.t, err, c.bad)
			}
			continue
		}
		if err != nil {
			t.Errorf("%+v: %v", c.t, err)
		}
		for _, a := range c.covers {
			if !c.t.Covers(a[0], a[1], a[2]) {
				t.Errorf("%+v does not cover %v", c.t, a)
			}
		}
		for _, a := range c.escapes {
			if c.t.Covers(a[0], a[1], a[2]) {
				t.Errorf("%+v covers %v", c.t, a)
			}
		}
	}
	if (Target{Scope: ScopeTool, Tool: "rm"}).Terminates("a", "") {
		t.Error("a tool kill must not terminate agents")
	}
}

func TestKillDeniesAndSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	st, log := memory.NewKills(), &fakeLog{}
	s := newSwitch(t, st, log)
	if _, killed := s.Killed("a", "s", "t"); killed {
		t.Fatal("killed before any kill")
	}
	k, err := s.Kill(ctx, Request{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: ReasonManual, Note: "runaway", By: "token:ops"})
	if err != nil {
		t.Fatal(err)
	}
	if r, killed := s.Killed("a", "s", "t"); !killed || r != ReasonManual {
		t.Fatalf("after kill: %q %v", r, killed)
	}
	if _, killed := s.Killed("b", "s", "t"); killed {
		t.Fatal("another agent is killed")
	}
	if k.GateEffectiveAt == "" || !k.Active || k.AuditIndex != 0 || k.By != "token:ops" {
		t.Fatalf("kill %+v", k)
	}
	if _, err := s.Kill(ctx, Request{Target: Target{Scope: ScopeTool, Tool: "rm"}, Reason: ReasonBehavioralDrift}); err != nil {
		t.Fatal(err)
	}

	// A new switch over the same store: the state is back before New
	// returns.
	s2 := newSwitch(t, st, log)
	if r, killed := s2.Killed("a", "", ""); !killed || r != ReasonManual {
		t.Fatalf("after restart: %q %v", r, killed)
	}
	if r, killed := s2.Killed("b", "", "rm"); !killed || r != ReasonBehavioralDrift {
		t.Fatalf("tool kill after restart: %q %v", r, killed)
	}
	lifted, err := s2.Unkill(ctx, k.ID, "token:ops", "resolved")
	if err != nil || lifted.Active || lifted.LiftedBy != "token:ops" {
		t.Fatalf("unkill %+v %v", lifted, err)
	}
	if _, killed := s2.Killed("a", "", ""); killed {
		t.Fatal("still killed after unkill")
	}
	if _, err := s2.Unkill(ctx, k.ID, "x", ""); !errors.Is(err, ErrLifted) {
		t.Fatalf("second unkill: %v", err)
	}
	if _, err := s2.Unkill(ctx, "k-none", "x", ""); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown unkill: %v", err)
	}
	s3 := newSwitch(t, st, log)
	if _, killed := s3.Killed("a", "", ""); killed {
		t.Fatal("an unkill did not survive the restart")
	}
	if got := fmt.Sprint(log.actions()); got != "[kill:agent kill:tool unkill:agent]" {
		t.Fatalf("audit actions %s", got)
	}
}

func TestKillValidation(t *testing.T) {
	s := newSwitch(t, memory.NewKills(), &fakeLog{})
	for _, r := range []Request{
		{Target: Target{Scope: ScopeAgent, Agent: "a"}},
		{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: "BORED"},
		{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: ReasonManual, Note: string(make([]byte, 5000))},
		{Target: Target{Scope: ScopeAgent}, Reason: ReasonManual},
	} {
		var fe *FieldError
		if _, err := s.Kill(context.Background(), r); !errors.As(err, &fe) {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestKillCancelsInFlight(t *testing.T) {
	s := newSwitch(t, memory.NewKills(), &fakeLog{})
	ctx := context.Background()
	inScope, release1 := s.Track(ctx, "a", "s1", "search")
	defer release1()
	otherAgent, release2 := s.Track(ctx, "b", "s1", "search")
	defer release2()
	finished, release3 := s.Track(ctx, "a", "s2", "search")
	release3()

	started := make(chan struct{})
	result := make(chan error, 1)
	go func() {
		close(started)
		// A governed call that blocks until its context ends.
		<-inScope.Done()
		result <- context.Cause(inScope)
	}()
	<-started
	k, err := s.Kill(ctx, Request{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: ReasonRingBreach})
	if err != nil {
		t.Fatal(err)
	}
	cause := <-result
	var ke *KilledError
	if !errors.As(cause, &ke) || ke.ID != k.ID || ke.Reason != ReasonRingBreach {
		t.Fatalf("cause %v", cause)
	}
	if k.InflightCancelled != 1 {
		t.Fatalf("cancelled %d, want 1", k.InflightCancelled)
	}
	if otherAgent.Err() != nil {
		t.Fatal("a call out of scope was cancelled")
	}
	if !errors.Is(context.Cause(finished), context.Canceled) {
		t.Fatal("a released call keeps its context")
	}
	if s.InFlight() != 1 {
		t.Fatalf("in flight %d", s.InFlight())
	}
}

// TestConcurrentKillAndChecks: under the race detector, checks that run
// while a kill is made see either the old or the new state, and every
// check that starts after Kill returns is denied.
func TestConcurrentKillAndChecks(t *testing.T) {
	s := newSwitch(t, memory.NewKills(), &fakeLog{})
	var stop atomic.Bool
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				s.Killed("a", "s", "t")
			}
		}()
	}
	for i := range 20 {
		k, err := s.Kill(context.Background(), Request{Target: Target{Scope: ScopeSession, Session: fmt.Sprint("s", i)}, Reason: ReasonManual})
		if err != nil {
			t.Fatal(err)
		}
		if _, killed := s.Killed("x", fmt.Sprint("s", i), ""); !killed {
			t.Fatal("a check after Kill returned was admitted")
		}
		if _, err := s.Unkill(context.Background(), k.ID, "t", ""); err != nil {
			t.Fatal(err)
		}
	}
	stop.Store(true)
	wg.Wait()
}

func TestAuditFailureKeepsKill(t *testing.T) {
	log := &fakeLog{fail: true}
	s := newSwitch(t, memory.NewKills(), log)
	k, err := s.Kill(context.Background(), Request{Target: Target{Scope: ScopeGlobal}, Reason: ReasonManual})
	if err == nil || k.ID == "" || k.AuditIndex != -1 {
		t.Fatalf("kill %+v %v", k, err)
	}
	if _, killed := s.Killed("any", "", ""); !killed {
		t.Fatal("a kill that could not be recorded must still deny")
	}
}

func TestTripIsIdempotent(t *testing.T) {
	log := &fakeLog{}
	s := newSwitch(t, memory.NewKills(), log)
	for range 3 {
		s.Trip(context.Background(), "a", "", ReasonRingBreach, "3 breaches")
	}
	s.Trip(context.Background(), "a", "s", ReasonSessionTimeout, "timeout")
	if n := len(s.Active()); n != 2 {
		t.Fatalf("%d kills in force, want 2", n)
	}
	if r, _ := s.Killed("a", "", ""); r != ReasonRingBreach {
		t.Fatalf("reason %q", r)
	}
	if r, killed := s.Killed("b", "s", ""); killed {
		t.Fatalf("another agent's session %q", r)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if log.sources[0] != SourceAgentgov {
		t.Fatalf("automatic kills are agentgov's own: %q", log.sources[0])
	}
}

func TestReportOutcome(t *testing.T) {
	ctx := context.Background()
	st := memory.NewKills()
	s := newSwitch(t, st, &fakeLog{})
	k, err := s.Kill(ctx, Request{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: ReasonManual})
	if err != nil {
		t.Fatal(err)
	}
	code := -1
	ts := "2026-01-02T03:04:06Z"
	bad := []api.KillProcess{
		{Runner: "r", Agent: "b", PID: 5, PGID: 5},                                   // not this kill's agent
		{Runner: "r", Agent: "a", PID: 0, PGID: 5},                                   // no pid
		{Runner: "r", Agent: "a", PID: 5, PGID: 5, TerminatedAt: ts},                 // terminated without exit
		{Runner: "r", Agent: "a", PID: 5, PGID: 5, ExitCode: &code, ConfirmedAt: ts}, // confirmed before terminated
		{Runner: "r", Agent: "a", PID: 5, PGID: 5, SignalledAt: "yesterday"},         // bad time
		{Runner: "", Agent: "a", PID: 5, PGID: 5},                                    // no runner
	}
	for i, p := range bad {
		var fe *FieldError
		if _, err := s.Report(ctx, k.ID, p, "agent:a"); !errors.As(err, &fe) {
			t.Errorf("bad report %d accepted: %v", i, err)
		}
	}
	got, err := s.Report(ctx, k.ID, api.KillProcess{Runner: "r", Agent: "a", PID: 5, PGID: 5, SignalledAt: ts, KilledAt: ts,
		ExitCode: &code, ExitSignal: "killed", TerminatedAt: ts, ConfirmedAt: ts}, "agent:a")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Processes) != 1 || got.Processes[0].ConfirmedAt == "" || *got.Processes[0].ExitCode != -1 {
		t.Fatalf("outcome %+v", got)
	}
	if _, err := s.Report(ctx, "k-none", api.KillProcess{Runner: "r", Agent: "a", PID: 5, PGID: 5}, "x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("report for an unknown kill: %v", err)
	}
}

func TestStreamResume(t *testing.T) {
	s := newSwitch(t, memory.NewKills(), &fakeLog{})
	ctx := context.Background()
	k1, _ := s.Kill(ctx, Request{Target: Target{Scope: ScopeAgent, Agent: "a"}, Reason: ReasonManual})

	// A fresh stream starts with the kills in force.
	sub, backlog, resumed := s.Subscribe("")
	if resumed || len(backlog) != 1 || backlog[0].Kill.ID != k1.ID {
		t.Fatalf("backlog %+v resumed %v", backlog, resumed)
	}
	k2, _ := s.Kill(ctx, Request{Target: Target{Scope: ScopeAgent, Agent: "b"}, Reason: ReasonManual})
	e := <-sub.C
	if e.Type != "kill" || e.Kill.ID != k2.ID {
		t.Fatalf("live event %+v", e)
	}
	sub.Close()

	// Resuming after the first event replays only what came later.
	_, _ = s.Unkill(ctx, k1.ID, "x", "")
	sub2, replay, resumed := s.Subscribe(e.ID)
	defer sub2.Close()
	if !resumed || len(replay) != 1 || replay[0].Type != "unkill" || replay[0].Kill.ID != k1.ID {
		t.Fatalf("replay %+v resumed %v", replay, resumed)
	}
	// An id from another process (a restart) resynchronises.
	sub3, backlog, resumed := s.Subscribe("1-1")
	defer sub3.Close()
	if resumed || len(backlog) != 1 || backlog[0].Kill.ID != k2.ID {
		t.Fatalf("after restart %+v %v", backlog, resumed)
	}
}

func TestSlowSubscriberIsClosed(t *testing.T) {
	s := newSwitch(t, memory.NewKills(), &fakeLog{})
	sub, _, _ := s.Subscribe("")
	for i := range subscriberBuffer + 1 {
		s.Trip(context.Background(), fmt.Sprint("a", i), "", ReasonManual, "")
	}
	n := 0
	for range sub.C {
		n++
	}
	if n != subscriberBuffer {
		t.Fatalf("received %d before the close", n)
	}
	sub.Close() // idempotent
}

func BenchmarkKilled(b *testing.B) {
	s := newSwitch(b, memory.NewKills(), &fakeLog{})
	for i := range 100 {
		s.Trip(context.Background(), fmt.Sprint("agent-", i), "", ReasonManual, "")
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			s.Killed("agent-x", "s", "tool")
		}
	})
}
