package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

func TestTransitionTable(t *testing.T) {
	// Every pair of states, against the table written out by hand.
	allowed := map[string]string{
		Provisioning:   "active decommissioned revoked",
		Active:         "suspended quarantined degraded retiring revoked",
		Suspended:      "active quarantined retiring decommissioned revoked",
		Quarantined:    "active suspended decommissioned revoked",
		Degraded:       "active suspended quarantined retiring revoked",
		Retiring:       "active decommissioned revoked",
		Decommissioned: "",
		Revoked:        "",
	}
	for _, from := range States() {
		for _, to := range States() {
			want := false
			for _, s := range splitWords(allowed[from]) {
				want = want || s == to
			}
			if got := Allowed(from, to); got != want {
				t.Errorf("%s → %s: allowed %v, want %v", from, to, got, want)
			}
		}
	}
	for _, s := range []string{Decommissioned, Revoked} {
		if !Terminal(s) {
			t.Errorf("%s is not terminal", s)
		}
	}
	if Terminal(Active) || Valid("zombie") || Allowed("zombie", Active) {
		t.Error("unknown states must allow nothing")
	}
}

func splitWords(s string) []string {
	var out []string
	var w []rune
	for _, r := range s + " " {
		if r == ' ' {
			if len(w) > 0 {
				out = append(out, string(w))
			}
			w = w[:0]
			continue
		}
		w = append(w, r)
	}
	return out
}

func TestAdmits(t *testing.T) {
	cases := []struct {
		state, point, perm string
		ok                 bool
		reason             string
	}{
		{Active, "pre_tool_call", "delete", true, ""},
		{Degraded, "pre_tool_call", "read", true, ""},
		{Degraded, "pre_tool_call", "search", true, ""},
		{Degraded, "pre_tool_call", "write", false, "lifecycle:degraded:read_only"},
		{Degraded, "pre_model_call", "", true, ""},
		{Degraded, "post_tool_call", "write", true, ""},
		{Retiring, "agent_startup", "", false, "lifecycle:retiring"},
		{Retiring, "pre_tool_call", "read", true, ""},
		{Retiring, "pre_tool_call", "admin", false, "lifecycle:retiring:read_only"},
		{Quarantined, "input", "", false, "lifecycle:quarantined"},
		{Quarantined, "pre_tool_call", "read", false, "lifecycle:quarantined"},
		{Suspended, "output", "", false, "lifecycle:suspended"},
		{Provisioning, "agent_startup", "", false, "lifecycle:provisioning"},
		{Revoked, "pre_tool_call", "read", false, "lifecycle:revoked"},
		{Decommissioned, "input", "", false, "lifecycle:decommissioned"},
		{Revoked, "agent_shutdown", "", true, ""},
		{"zombie", "input", "", false, "lifecycle:unknown_state"},
	}
	for _, c := range cases {
		reason, ok := Admits(c.state, c.point, c.perm)
		if ok != c.ok || reason != c.reason {
			t.Errorf("%s at %s (%s): %q %v, want %q %v", c.state, c.point, c.perm, reason, ok, c.reason, c.ok)
		}
	}
}

type fakeLog struct {
	mu sync.Mutex
	ev []api.Event
}

func (f *fakeLog) Append(_ context.Context, ev *api.Event, _ string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ev = append(f.ev, *ev)
	return int64(len(f.ev) - 1), nil
}

// fakeRegistry is the agent registry's status column.
type fakeRegistry struct {
	mu     sync.Mutex
	status map[string]string
}

func (r *fakeRegistry) AgentStatuses(context.Context) (map[string]string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string]string{}
	for k, v := range r.status {
		out[k] = v
	}
	return out, nil
}

func (r *fakeRegistry) SetAgentStatus(_ context.Context, id, from, to string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	cur, ok := r.status[id]
	if !ok && from == "" && id == "creatable" {
		r.status[id] = to
		return nil
	}
	if !ok {
		return store.ErrNotFound
	}
	if cur != from {
		return fmt.Errorf("%w: %s", store.ErrConflict, cur)
	}
	r.status[id] = to
	return nil
}

type fakeKiller struct {
	mu    sync.Mutex
	trips []string
}

func (k *fakeKiller) Trip(_ context.Context, agent, session, reason, _ string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.trips = append(k.trips, agent+"/"+session+"/"+reason)
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func TestManager(t *testing.T) {
	ctx := context.Background()
	st := memory.NewKills()
	reg := &fakeRegistry{status: map[string]string{"enrolled": Provisioning}}
	log, killer := &fakeLog{}, &fakeKiller{}
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	configured := func(a string) bool { return a != "stranger" }
	open := func() *Manager {
		m, err := New(ctx, Options{Store: st, Registry: reg, Recorder: log, Killer: killer, QuarantineTimeout: time.Minute,
			Configured: configured, Now: c.now})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := open()
	// Unregistered configured agents count as active; the registry's
	// status counts for enrolled ones.
	if _, ok := m.Admit("plain", "pre_tool_call", "write"); !ok {
		t.Fatal("a configured agent without a record is not active")
	}
	if r, ok := m.Admit("enrolled", "input", ""); ok || r != "lifecycle:provisioning" {
		t.Fatalf("provisioning agent: %q %v", r, ok)
	}
	if _, err := m.Transition(ctx, "enrolled", Active, "token:ops", "go live"); err != nil {
		t.Fatal(err)
	}
	if reg.status["enrolled"] != Active {
		t.Fatalf("registry not kept in step: %v", reg.status)
	}
	if s, err := m.Transition(ctx, "creatable", Degraded, "token:ops", ""); err != nil || !s.Registered || reg.status["creatable"] != Degraded {
		t.Fatalf("an unregistered agent gets a registry record: %+v %v %v", s, err, reg.status)
	}
	if _, err := m.Transition(ctx, "plain", Provisioning, "token:ops", ""); !errors.Is(err, ErrTransition) {
		t.Fatalf("active → provisioning: %v", err)
	}
	if _, err := m.Transition(ctx, "stranger", Suspended, "token:ops", ""); !errors.Is(err, ErrUnknownAgent) {
		t.Fatalf("unconfigured agent: %v", err)
	}
	var fe *FieldError
	if _, err := m.Transition(ctx, "plain", "paused", "token:ops", ""); !errors.As(err, &fe) || fe.Field != "to" {
		t.Fatalf("bad state: %v", err)
	}
	s, err := m.Transition(ctx, "plain", Quarantined, "token:ops", "odd outputs")
	if err != nil || s.Previous != Active || s.State != Quarantined || s.Registered {
		t.Fatalf("quarantine %+v %v", s, err)
	}
	if _, ok := m.Admit("plain", "pre_tool_call", "read"); ok {
		t.Fatal("a quarantined agent may read")
	}

	// The quarantine timeout kills once per quarantine.
	m.CheckQuarantine(ctx)
	c.add(61 * time.Second)
	m.CheckQuarantine(ctx)
	m.CheckQuarantine(ctx)
	if fmt.Sprint(killer.trips) != "[plain//QUARANTINE_TIMEOUT]" {
		t.Fatalf("trips %v", killer.trips)
	}

	// State survives a restart.
	m2 := open()
	if got := m2.State("plain"); got.State != Quarantined {
		t.Fatalf("after restart %+v", got)
	}
	if got := m2.State("enrolled"); got.State != Active || !got.Registered {
		t.Fatalf("enrolled after restart %+v", got)
	}
	if _, err := m2.Transition(ctx, "plain", Revoked, "token:ops", ""); err != nil {
		t.Fatal(err)
	}
	for _, to := range States() {
		if _, err := m2.Transition(ctx, "plain", to, "token:ops", ""); !errors.Is(err, ErrTransition) {
			t.Fatalf("revoked → %s: %v", to, err)
		}
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	if len(log.ev) != 4 || log.ev[0].Type != "lifecycle" || log.ev[0].Reason != "provisioning->active" {
		t.Fatalf("audit %+v", log.ev)
	}
}

func TestConcurrentTransitions(t *testing.T) {
	ctx := context.Background()
	m, err := New(ctx, Options{Store: memory.NewKills(), Recorder: &fakeLog{}})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Transition(ctx, "a", Suspended, "x", ""); err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			}
			m.Admit("a", "input", "")
		}()
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d transitions active → suspended succeeded", wins)
	}
}
