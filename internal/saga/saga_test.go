package saga

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
)

// fakeGate allows everything except the tools and agents it is told to
// deny, and remembers every check.
type fakeGate struct {
	mu      sync.Mutex
	denied  map[string]bool // "tool:NAME" or "agent:ID"
	actions []Action
	// transform, when set, rewrites pre_tool_call arguments.
	transform func(args map[string]any) map[string]any
}

func (g *fakeGate) Check(_ context.Context, a Action) (Verdict, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.actions = append(g.actions, a)
	if a.Point == PreToolCall && (g.denied["tool:"+a.Tool] || g.denied["agent:"+a.Agent]) {
		return Verdict{Decision: "deny", Reason: "tool_denied", AuditIndex: int64(len(g.actions))}, nil
	}
	if a.Point == PreToolCall && g.transform != nil {
		return Verdict{Allowed: true, Decision: "transform", AuditIndex: int64(len(g.actions)), Transformed: g.transform(a.Args)}, nil
	}
	return Verdict{Allowed: true, Decision: "allow", AuditIndex: int64(len(g.actions))}, nil
}

func (g *fakeGate) pre() []Action {
	g.mu.Lock()
	defer g.mu.Unlock()
	var out []Action
	for _, a := range g.actions {
		if a.Point == PreToolCall {
			out = append(out, a)
		}
	}
	return out
}

// fakeLog is an audit log in memory.
type fakeLog struct {
	mu     sync.Mutex
	events []api.Event
	fail   bool
}

func (l *fakeLog) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail {
		return 0, errors.New("disk full")
	}
	if source != "agentgov" {
		return 0, fmt.Errorf("source %q", source)
	}
	l.events = append(l.events, *ev)
	return int64(len(l.events) - 1), nil
}

// actions lists the actions of the entries for saga id.
func (l *fakeLog) actions(id string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, e := range l.events {
		var p map[string]any
		_ = json.Unmarshal(e.Payload, &p)
		if p["saga_id"] == id {
			out = append(out, e.Action+"="+e.Decision)
		}
	}
	return out
}

// journal records the calls of Go steps.
type journal struct {
	mu    sync.Mutex
	calls []string // "do:NAME@AGENT#KEY" / "undo:NAME#KEY"
}

func (j *journal) add(s string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.calls = append(j.calls, s)
}

func (j *journal) list(prefix string) []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []string
	for _, c := range j.calls {
		if strings.HasPrefix(c, prefix) {
			out = append(out, c)
		}
	}
	return out
}

type harness struct {
	gate  *fakeGate
	log   *fakeLog
	store store.Sagas
	j     *journal
	// sleeps are the backoff delays asked for.
	mu     sync.Mutex
	sleeps []time.Duration
}

func newHarness(st store.Sagas) *harness {
	return &harness{gate: &fakeGate{denied: map[string]bool{}}, log: &fakeLog{}, store: st, j: &journal{}}
}

func (h *harness) runner(t *testing.T, mod func(*Options)) *Runner {
	t.Helper()
	o := Options{Store: h.store, Audit: h.log, Gate: h.gate, Rand: rand.NewChaCha8([32]byte{1}),
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.mu.Lock()
			h.sleeps = append(h.sleeps, d)
			h.mu.Unlock()
			return ctx.Err()
		}}
	if mod != nil {
		mod(&o)
	}
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// step is a Go step that records its calls; do, when set, decides its
// answer.
func (h *harness) step(name string, do func(ctx context.Context, c Call) (json.RawMessage, error)) Step {
	return Step{Name: name,
		Do: func(ctx context.Context, c Call) (json.RawMessage, error) {
			h.j.add("do:" + name + "@" + c.Agent + "#" + c.IdempotencyKey)
			if do != nil {
				return do(ctx, c)
			}
			return json.RawMessage(fmt.Sprintf(`{"done":%q}`, name)), nil
		},
		Undo: func(ctx context.Context, c Call) (json.RawMessage, error) {
			h.j.add("undo:" + name + "#" + c.IdempotencyKey)
			return nil, nil
		},
	}
}

// blockUntilCancelled signals entered and waits for its context.
func blockUntilCancelled(entered chan<- string) func(ctx context.Context, c Call) (json.RawMessage, error) {
	return func(ctx context.Context, c Call) (json.RawMessage, error) {
		entered <- c.Agent
		<-ctx.Done()
		return nil, ctx.Err()
	}
}

func wait(t *testing.T, r *Runner, id string) View {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	v, err := r.Wait(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func statuses(v View) []string {
	var out []string
	for _, s := range v.Steps {
		out = append(out, s.Name+"="+s.Status)
	}
	return out
}

func TestCompletes(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	var got []Call
	var mu sync.Mutex
	rec := func(ctx context.Context, c Call) (json.RawMessage, error) {
		mu.Lock()
		got = append(got, c)
		mu.Unlock()
		return json.RawMessage(`{"n":` + fmt.Sprint(c.Index) + `}`), nil
	}
	if err := r.Register("order", []Step{h.step("a", rec), h.step("b", rec), h.step("c", rec)}); err != nil {
		t.Fatal(err)
	}
	id, err := r.Start(context.Background(), Spec{Name: "order", Agent: "bot", Input: json.RawMessage(`{"sku":"x"}`), Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	v := wait(t, r, id)
	if v.Status != StatusCompleted || !v.Finished {
		t.Fatalf("status %s %v", v.Status, statuses(v))
	}
	if len(h.j.list("undo:")) != 0 {
		t.Fatalf("a completed saga compensated: %v", h.j.list("undo:"))
	}
	// Each step sees the input and the results before it.
	if string(got[2].Input) != `{"sku":"x"}` || len(got[2].Previous) != 2 || string(got[2].Previous["b"]) != `{"n":1}` {
		t.Fatalf("step c got input %s previous %v", got[2].Input, got[2].Previous)
	}
	if got[0].IdempotencyKey != id+".0.step.1" {
		t.Fatalf("key %s", got[0].IdempotencyKey)
	}
	// Every step passed the gate as the agent, in the saga's session.
	pre := h.gate.pre()
	if len(pre) != 3 || pre[1].Tool != "b" || pre[1].Agent != "bot" || pre[1].Session != id || pre[1].CallID != id+".1.step.1" {
		t.Fatalf("gate saw %+v", pre)
	}
	want := []string{"saga_start=started", "step:a=succeeded", "step:b=succeeded", "step:c=succeeded", "saga_end=completed"}
	if a := h.log.actions(id); !slices.Equal(a, want) {
		t.Fatalf("audit %v, want %v", a, want)
	}
}

// A saga killed mid-way compensates exactly the steps that completed, in
// reverse order, each once.
func TestKillCompensatesCompletedSteps(t *testing.T) {
	for _, scope := range []Kill{
		{ID: "k1", Scope: ScopeAgent, Target: "bot", Reason: "MANUAL"},
		{ID: "k2", Scope: ScopeGlobal, Reason: "BEHAVIORAL_DRIFT"},
		{ID: "k3", Scope: ScopeTool, Target: "d", Reason: "MANUAL"},
	} {
		t.Run(scope.Scope, func(t *testing.T) {
			h := newHarness(memory.New())
			r := h.runner(t, nil)
			entered := make(chan string, 1)
			steps := []Step{h.step("a", nil), h.step("b", nil), h.step("c", blockUntilCancelled(entered)), h.step("d", nil)}
			if err := r.Register("four", steps); err != nil {
				t.Fatal(err)
			}
			id, err := r.Start(context.Background(), Spec{Name: "four", Agent: "bot"})
			if err != nil {
				t.Fatal(err)
			}
			<-entered
			// A kill of someone else reaches nothing.
			if n := r.OnKill(Kill{Scope: ScopeAgent, Target: "other", Reason: "MANUAL"}); n != 0 {
				t.Fatalf("an unrelated kill reached %d sagas", n)
			}
			if n := r.OnKill(scope); n != 1 {
				t.Fatalf("the kill reached %d sagas", n)
			}
			v := wait(t, r, id)
			if v.Status != StatusCompensated || v.Reason != "killed:"+scope.Reason {
				t.Fatalf("status %s reason %s", v.Status, v.Reason)
			}
			wantUndo := []string{"undo:b#" + id + ".1.compensation.1", "undo:a#" + id + ".0.compensation.1"}
			if u := h.j.list("undo:"); !slices.Equal(u, wantUndo) {
				t.Fatalf("compensations %v, want %v", u, wantUndo)
			}
			if d := h.j.list("do:d"); len(d) != 0 {
				t.Fatal("a step after the kill ran")
			}
			want := []string{"a=compensated", "b=compensated", "c=failed", "d=pending"}
			if s := statuses(v); !slices.Equal(s, want) {
				t.Fatalf("steps %v, want %v", s, want)
			}
			a := h.log.actions(id)
			if !slices.Contains(a, "compensate:b=compensated") || !slices.Contains(a, "compensate:a=compensated") || a[len(a)-1] != "saga_end=compensated" {
				t.Fatalf("audit %v", a)
			}
		})
	}
}

// A kill of the acting agent hands the saga, in-flight step included, to
// the substitute: the step is re-sent under the same key, as the
// substitute, through the gate.
func TestKillHandsOffToSubstitute(t *testing.T) {
	for _, viaConfig := range []bool{false, true} {
		t.Run(fmt.Sprintf("config=%v", viaConfig), func(t *testing.T) {
			h := newHarness(memory.New())
			r := h.runner(t, func(o *Options) {
				if viaConfig {
					o.Substitutes = func(a string) string { return map[string]string{"bot": "standby"}[a] }
				}
			})
			entered := make(chan string, 2)
			blockFirst := func(ctx context.Context, c Call) (json.RawMessage, error) {
				if c.Agent == "bot" {
					return blockUntilCancelled(entered)(ctx, c)
				}
				return json.RawMessage(`{"by":"` + c.Agent + `"}`), nil
			}
			if err := r.Register("two", []Step{h.step("a", nil), h.step("b", blockFirst), h.step("c", nil)}); err != nil {
				t.Fatal(err)
			}
			spec := Spec{Name: "two", Agent: "bot"}
			if !viaConfig {
				spec.Substitute = "standby"
			}
			id, err := r.Start(context.Background(), spec)
			if err != nil {
				t.Fatal(err)
			}
			<-entered
			if n := r.OnKill(Kill{ID: "k9", Scope: ScopeAgent, Target: "bot", Reason: "BEHAVIORAL_DRIFT"}); n != 1 {
				t.Fatalf("kill reached %d", n)
			}
			v := wait(t, r, id)
			if v.Status != StatusCompleted || v.ActingAgent != "standby" || v.Agent != "bot" {
				t.Fatalf("status %s acting %s", v.Status, v.ActingAgent)
			}
			key := id + ".1.step.1"
			want := []string{"do:b@bot#" + key, "do:b@standby#" + key}
			if d := h.j.list("do:b"); !slices.Equal(d, want) {
				t.Fatalf("deliveries of b %v, want %v", d, want)
			}
			if d := h.j.list("do:c"); len(d) != 1 || !strings.HasPrefix(d[0], "do:c@standby#") {
				t.Fatalf("step c ran as %v", d)
			}
			var agents []string
			for _, a := range h.gate.pre() {
				agents = append(agents, a.Tool+"@"+a.Agent)
			}
			if !slices.Equal(agents, []string{"a@bot", "b@bot", "b@standby", "c@standby"}) {
				t.Fatalf("gate checks %v", agents)
			}
			if a := h.log.actions(id); !slices.Contains(a, "handoff=handed_off") {
				t.Fatalf("no handoff entry in %v", a)
			}
		})
	}
}

// A kill of the substitute after a handoff has nowhere to go: the saga
// compensates.
func TestKillOfSubstituteCompensates(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	entered := make(chan string, 2)
	if err := r.Register("one", []Step{h.step("a", nil), h.step("b", blockUntilCancelled(entered))}); err != nil {
		t.Fatal(err)
	}
	id, err := r.Start(context.Background(), Spec{Name: "one", Agent: "bot", Substitute: "standby"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	r.OnKill(Kill{Scope: ScopeAgent, Target: "bot", Reason: "MANUAL"})
	if who := <-entered; who != "standby" {
		t.Fatalf("re-sent as %s", who)
	}
	r.OnKill(Kill{Scope: ScopeAgent, Target: "standby", Reason: "MANUAL"})
	v := wait(t, r, id)
	if v.Status != StatusCompensated || v.Reason != "killed:MANUAL" {
		t.Fatalf("status %s reason %s", v.Status, v.Reason)
	}
	if u := h.j.list("undo:"); len(u) != 1 || !strings.HasPrefix(u[0], "undo:a#") {
		t.Fatalf("compensations %v", u)
	}
}

func TestGateDenyFailsStepAndCompensates(t *testing.T) {
	h := newHarness(memory.New())
	h.gate.denied["tool:ship"] = true
	r := h.runner(t, nil)
	steps := []Step{h.step("pay", nil), h.step("ship", nil)}
	if err := r.Register("deny", steps); err != nil {
		t.Fatal(err)
	}
	id, err := r.Start(context.Background(), Spec{Name: "deny", Agent: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	v := wait(t, r, id)
	if v.Status != StatusCompensated || v.Reason != "step_denied:ship:tool_denied" {
		t.Fatalf("status %s reason %s", v.Status, v.Reason)
	}
	if d := h.j.list("do:ship"); len(d) != 0 {
		t.Fatal("a denied step ran")
	}
	if s := statuses(v); !slices.Equal(s, []string{"pay=compensated", "ship=failed"}) || v.Steps[1].Attempts != 0 {
		t.Fatalf("steps %v attempts %d", s, v.Steps[1].Attempts)
	}
	if a := h.log.actions(id); !slices.Contains(a, "step:ship=denied") {
		t.Fatalf("audit %v", a)
	}
}

func TestStepRetriesThenFails(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	flaky := h.step("flaky", func(ctx context.Context, c Call) (json.RawMessage, error) {
		return nil, errors.New("try later")
	})
	flaky.MaxAttempts = 3
	if err := r.Register("retry", []Step{h.step("a", nil), flaky}); err != nil {
		t.Fatal(err)
	}
	id, err := r.Start(context.Background(), Spec{Name: "retry", Agent: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	v := wait(t, r, id)
	if v.Status != StatusCompensated || v.Steps[1].Attempts != 3 || v.Steps[1].Status != StepFailed {
		t.Fatalf("%s %+v", v.Status, v.Steps[1])
	}
	var keys []string
	for _, d := range h.j.list("do:flaky") {
		_, k, _ := strings.Cut(d, "#")
		keys = append(keys, k)
	}
	if !slices.Equal(keys, []string{id + ".1.step.1", id + ".1.step.2", id + ".1.step.3"}) {
		t.Fatalf("keys %v", keys)
	}
}

// A step whose outcome is unknown is compensated; an error is not.
func TestUnknownOutcomeIsCompensated(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	lost := h.step("lost", func(ctx context.Context, c Call) (json.RawMessage, error) {
		return nil, OutcomeUnknown(errors.New("connection reset"))
	})
	if err := r.Register("lost", []Step{h.step("a", nil), lost, h.step("c", nil)}); err != nil {
		t.Fatal(err)
	}
	id, _ := r.Start(context.Background(), Spec{Name: "lost", Agent: "bot"})
	v := wait(t, r, id)
	if s := statuses(v); !slices.Equal(s, []string{"a=compensated", "lost=compensated", "c=pending"}) {
		t.Fatalf("steps %v", s)
	}
	u := h.j.list("undo:")
	if len(u) != 2 || !strings.HasPrefix(u[0], "undo:lost#") {
		t.Fatalf("compensations %v", u)
	}
}

// A compensation that keeps failing is retried with growing, jittered,
// bounded delays and then escalated; the saga never ends as done.
func TestCompensationFailingEscalates(t *testing.T) {
	h := newHarness(memory.New())
	esc := &fakeEscalator{}
	r := h.runner(t, func(o *Options) {
		o.Escalator = esc
		o.CompensationAttempts = 4
		o.BackoffInitial, o.BackoffMax = 100*time.Millisecond, 250*time.Millisecond
	})
	stuck := h.step("stuck", nil)
	undoCalls := 0
	stuck.Undo = func(ctx context.Context, c Call) (json.RawMessage, error) {
		undoCalls++
		h.j.add("undo:stuck#" + c.IdempotencyKey)
		return nil, errors.New("refund service down")
	}
	fail := h.step("fail", func(context.Context, Call) (json.RawMessage, error) { return nil, errors.New("no stock") })
	if err := r.Register("esc", []Step{h.step("first", nil), stuck, fail}); err != nil {
		t.Fatal(err)
	}
	id, _ := r.Start(context.Background(), Spec{Name: "esc", Agent: "bot"})
	v := wait(t, r, id)
	if v.Status != StatusEscalated || !v.Finished || v.Escalation != "approval-1" {
		t.Fatalf("status %s escalation %q", v.Status, v.Escalation)
	}
	if undoCalls != 4 || v.Steps[1].CompensationAttempts != 4 || v.Steps[1].Status != StepCompensationFailed {
		t.Fatalf("undo calls %d step %+v", undoCalls, v.Steps[1])
	}
	// The earlier step is still compensated.
	if v.Steps[0].Status != StepCompensated {
		t.Fatalf("first step %s", v.Steps[0].Status)
	}
	if len(esc.got) != 1 || esc.got[0].Step != "stuck" || esc.got[0].Attempts != 4 || esc.got[0].AuditIndex < 0 {
		t.Fatalf("escalations %+v", esc.got)
	}
	h.mu.Lock()
	sleeps := slices.Clone(h.sleeps)
	h.mu.Unlock()
	if len(sleeps) != 3 {
		t.Fatalf("sleeps %v", sleeps)
	}
	for i, d := range sleeps {
		ceil := min(100*time.Millisecond<<i, 250*time.Millisecond)
		if d < ceil/2 || d > ceil {
			t.Fatalf("retry %d waited %s, want within [%s, %s]", i+1, d, ceil/2, ceil)
		}
	}
	a := h.log.actions(id)
	if !slices.Contains(a, "escalate=escalated") || a[len(a)-1] != "saga_end="+StatusEscalated {
		t.Fatalf("audit %v", a)
	}
}

type fakeEscalator struct{ got []Escalation }

func (f *fakeEscalator) Escalate(_ context.Context, e Escalation) (string, error) {
	f.got = append(f.got, e)
	return fmt.Sprintf("approval-%d", len(f.got)), nil
}

func TestEscalationWithoutEscalator(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, func(o *Options) { o.CompensationAttempts = 1 })
	s := h.step("s", nil)
	s.Undo = func(context.Context, Call) (json.RawMessage, error) { return nil, errors.New("down") }
	fail := h.step("f", func(context.Context, Call) (json.RawMessage, error) { return nil, errors.New("x") })
	if err := r.Register("e", []Step{s, fail}); err != nil {
		t.Fatal(err)
	}
	id, _ := r.Start(context.Background(), Spec{Name: "e", Agent: "bot"})
	v := wait(t, r, id)
	if v.Status != StatusEscalated || v.Escalation != id+".s" {
		t.Fatalf("%s %q", v.Status, v.Escalation)
	}
}

func TestAbortAndTimeout(t *testing.T) {
	t.Run("abort", func(t *testing.T) {
		h := newHarness(memory.New())
		r := h.runner(t, nil)
		entered := make(chan string, 1)
		if err := r.Register("x", []Step{h.step("a", nil), h.step("b", blockUntilCancelled(entered))}); err != nil {
			t.Fatal(err)
		}
		id, _ := r.Start(context.Background(), Spec{Name: "x", Agent: "bot"})
		<-entered
		if err := r.Abort(context.Background(), id, "token:ops"); err != nil {
			t.Fatal(err)
		}
		v := wait(t, r, id)
		if v.Status != StatusCompensated || v.Reason != "aborted" {
			t.Fatalf("%s %s", v.Status, v.Reason)
		}
		if err := r.Abort(context.Background(), id, "token:ops"); !errors.Is(err, ErrFinished) {
			t.Fatalf("second abort: %v", err)
		}
		if err := r.Abort(context.Background(), "saga_none", "token:ops"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("abort of an unknown saga: %v", err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h := newHarness(memory.New())
		r := h.runner(t, nil)
		entered := make(chan string, 1)
		if err := r.Register("x", []Step{h.step("a", nil), h.step("b", blockUntilCancelled(entered))}); err != nil {
			t.Fatal(err)
		}
		id, _ := r.Start(context.Background(), Spec{Name: "x", Agent: "bot", Timeout: time.Second})
		v := wait(t, r, id)
		if v.Status != StatusCompensated || v.Reason != "timeout" || v.Steps[0].Status != StepCompensated {
			t.Fatalf("%s %s %v", v.Status, v.Reason, statuses(v))
		}
	})
}

func TestStartRefusesWithoutAudit(t *testing.T) {
	h := newHarness(memory.New())
	h.log.fail = true
	r := h.runner(t, nil)
	if err := r.Register("x", []Step{h.step("a", nil)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background(), Spec{Name: "x", Agent: "bot"}); err == nil {
		t.Fatal("a saga started without an audit log")
	}
	if d := h.j.list("do:"); len(d) != 0 {
		t.Fatal("a step ran unrecorded")
	}
	// The start is written ahead of the saga: nothing a reader could
	// list exists without it.
	if l, err := h.store.ListSagas(context.Background(), store.SagaQuery{}); err != nil || len(l) != 0 {
		t.Fatalf("a saga was stored without its start in the log: %+v %v", l, err)
	}
}

// failCreate is a store that cannot create sagas.
type failCreate struct{ store.Sagas }

func (failCreate) CreateSaga(context.Context, store.SagaRecord) error { return errors.New("disk full") }

// A saga the store cannot create after its start was logged is closed in
// the log, and nothing runs.
func TestStartClosedWhenStoreFails(t *testing.T) {
	h := newHarness(failCreate{memory.New()})
	r := h.runner(t, nil)
	if err := r.Register("x", []Step{h.step("a", nil)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background(), Spec{Name: "x", Agent: "bot"}); err == nil {
		t.Fatal("a saga started without a store")
	}
	if d := h.j.list("do:"); len(d) != 0 {
		t.Fatal("a step ran")
	}
	h.log.mu.Lock()
	var got []string
	for _, e := range h.log.events {
		got = append(got, e.Action+"="+e.Decision+":"+e.Reason)
	}
	h.log.mu.Unlock()
	if want := []string{"saga_start=started:", "saga_end=" + StatusCompensated + ":store_unavailable"}; !slices.Equal(got, want) {
		t.Fatalf("audit %v, want %v", got, want)
	}
}

func openSQLite(t *testing.T, path string) *sqlite.Store { return openSQLiteB(t, path) }

func openSQLiteB(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// A saga interrupted mid-step (the runner stops as in a crash) resumes in
// a new runner on the same database: the in-flight step is re-sent under
// the same key and the saga finishes.
func TestCrashResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st1 := openSQLite(t, path)
	h := newHarness(st1)
	r1 := h.runner(t, nil)
	entered := make(chan string, 1)
	if err := r1.Register("crash", []Step{h.step("a", nil), h.step("b", blockUntilCancelled(entered)), h.step("c", nil)}); err != nil {
		t.Fatal(err)
	}
	id, err := r1.Start(context.Background(), Spec{Name: "crash", Agent: "bot"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	r1.Close()
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}

	st2 := openSQLite(t, path)
	defer st2.Close()
	h.store = st2
	r2 := h.runner(t, nil)
	// An unregistered Go saga is left alone.
	if n, err := r2.Resume(context.Background()); err != nil || n != 0 {
		t.Fatalf("resume without the definition: %d %v", n, err)
	}
	if err := r2.Register("crash", []Step{h.step("a", nil), h.step("b", nil), h.step("c", nil)}); err != nil {
		t.Fatal(err)
	}
	if n, err := r2.Resume(context.Background()); err != nil || n != 1 {
		t.Fatalf("resume: %d %v", n, err)
	}
	v := wait(t, r2, id)
	if v.Status != StatusCompleted {
		t.Fatalf("status %s %v", v.Status, statuses(v))
	}
	key := id + ".1.step.1"
	if d := h.j.list("do:b"); !slices.Equal(d, []string{"do:b@bot#" + key, "do:b@bot#" + key}) {
		t.Fatalf("deliveries of b %v", d)
	}
	if d := h.j.list("do:a"); len(d) != 1 {
		t.Fatalf("step a ran %d times", len(d))
	}
	if v.Steps[1].Attempts != 1 {
		t.Fatalf("attempts of b %d", v.Steps[1].Attempts)
	}
	if a := h.log.actions(id); !slices.Contains(a, "saga_resume=running") {
		t.Fatalf("audit %v", a)
	}
}

// Interrupted while compensating, a saga resumes compensating: the
// compensation in flight is re-sent under its key, completed ones are not
// repeated.
func TestCrashDuringCompensationResumes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st1 := openSQLite(t, path)
	h := newHarness(st1)
	r1 := h.runner(t, nil)
	entered := make(chan string, 1)
	b := h.step("b", nil)
	b.Undo = func(ctx context.Context, c Call) (json.RawMessage, error) {
		h.j.add("undo:b#" + c.IdempotencyKey)
		entered <- c.Agent
		<-ctx.Done()
		return nil, ctx.Err()
	}
	fail := h.step("c", func(context.Context, Call) (json.RawMessage, error) { return nil, errors.New("x") })
	if err := r1.Register("cc", []Step{h.step("a", nil), b, fail}); err != nil {
		t.Fatal(err)
	}
	id, _ := r1.Start(context.Background(), Spec{Name: "cc", Agent: "bot"})
	<-entered
	r1.Close()
	st1.Close()

	st2 := openSQLite(t, path)
	defer st2.Close()
	h.store = st2
	r2 := h.runner(t, nil)
	if err := r2.Register("cc", []Step{h.step("a", nil), h.step("b", nil), fail}); err != nil {
		t.Fatal(err)
	}
	if n, err := r2.Resume(context.Background()); err != nil || n != 1 {
		t.Fatalf("resume %d %v", n, err)
	}
	v := wait(t, r2, id)
	if v.Status != StatusCompensated {
		t.Fatalf("%s %v", v.Status, statuses(v))
	}
	key := id + ".1.compensation.1"
	if u := h.j.list("undo:"); !slices.Equal(u, []string{"undo:b#" + key, "undo:b#" + key, "undo:a#" + id + ".0.compensation.1"}) {
		t.Fatalf("compensations %v", u)
	}
}

// A saga whose deadline passed while no process ran it compensates on
// resume, counting the step that was in flight as unknown.
func TestResumeAfterDeadlineCompensatesInFlightStep(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	st1 := openSQLite(t, path)
	h := newHarness(st1)
	clock := time.Now()
	var cmu sync.Mutex
	now := func() time.Time { cmu.Lock(); defer cmu.Unlock(); return clock }
	r1 := h.runner(t, func(o *Options) { o.Now = now })
	entered := make(chan string, 1)
	if err := r1.Register("late", []Step{h.step("a", nil), h.step("b", blockUntilCancelled(entered))}); err != nil {
		t.Fatal(err)
	}
	id, _ := r1.Start(context.Background(), Spec{Name: "late", Agent: "bot", Timeout: time.Hour})
	<-entered
	r1.Close()
	st1.Close()
	cmu.Lock()
	clock = clock.Add(2 * time.Hour)
	cmu.Unlock()

	st2 := openSQLite(t, path)
	defer st2.Close()
	h.store = st2
	r2 := h.runner(t, func(o *Options) { o.Now = now })
	if err := r2.Register("late", []Step{h.step("a", nil), h.step("b", nil)}); err != nil {
		t.Fatal(err)
	}
	if _, err := r2.Resume(context.Background()); err != nil {
		t.Fatal(err)
	}
	v := wait(t, r2, id)
	if v.Status != StatusCompensated || v.Reason != "timeout" {
		t.Fatalf("%s %s", v.Status, v.Reason)
	}
	if s := statuses(v); !slices.Equal(s, []string{"a=compensated", "b=compensated"}) {
		t.Fatalf("steps %v", s)
	}
	if d := h.j.list("do:b"); len(d) != 1 {
		t.Fatalf("b was re-sent after the deadline: %v", d)
	}
}

func TestBackoffBounds(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, func(o *Options) { o.BackoffInitial, o.BackoffMax = time.Second, 8*time.Second })
	for n := 1; n <= 8; n++ {
		ceil := min(time.Second<<(n-1), 8*time.Second)
		for range 50 {
			if d := r.backoff(n); d < ceil/2 || d > ceil {
				t.Fatalf("backoff(%d) = %s, want within [%s, %s]", n, d, ceil/2, ceil)
			}
		}
	}
}

func TestRegisterRefusesIncompleteSteps(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	ok := h.step("a", nil)
	noUndo := ok
	noUndo.Undo = nil
	for name, steps := range map[string][]Step{
		"none":     nil,
		"no undo":  {noUndo},
		"dup":      {ok, ok},
		"bad name": {{Name: "a b", Do: ok.Do, Undo: ok.Undo}},
	} {
		if err := r.Register("x", steps); err == nil {
			t.Errorf("%s: registered", name)
		}
	}
	if _, err := r.Start(context.Background(), Spec{Name: "missing", Agent: "bot"}); err == nil {
		t.Error("started an unregistered saga")
	}
}

// Many sagas at once, some of whose agents are killed mid-step, some
// handed off: every saga ends, each compensation runs at most once, and
// the race detector sees the runner's bookkeeping.
func TestConcurrentSagasAndKills(t *testing.T) {
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	entered := make(chan string, 64)
	slow := func(ctx context.Context, c Call) (json.RawMessage, error) {
		if strings.HasPrefix(c.Agent, "victim") {
			entered <- c.Agent
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return json.RawMessage(`{}`), nil
	}
	if err := r.Register("c", []Step{h.step("a", nil), h.step("b", slow), h.step("c", nil)}); err != nil {
		t.Fatal(err)
	}
	const n = 24
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			spec := Spec{Name: "c", Agent: fmt.Sprintf("calm-%d", i)}
			switch i % 3 {
			case 1:
				spec.Agent = fmt.Sprintf("victim-%d", i)
			case 2:
				spec.Agent, spec.Substitute = fmt.Sprintf("victim-%d", i), fmt.Sprintf("spare-%d", i)
			}
			id, err := r.Start(context.Background(), spec)
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for range 2 * n / 3 {
		agent := <-entered
		go r.OnKill(Kill{Scope: ScopeAgent, Target: agent, Reason: "MANUAL"})
	}
	for i, id := range ids {
		v := wait(t, r, id)
		want := map[int]string{0: StatusCompleted, 1: StatusCompensated, 2: StatusCompleted}[i%3]
		if v.Status != want {
			t.Errorf("saga %d (%s): %s %s, want %s", i, v.Agent, v.Status, v.Reason, want)
		}
		if i%3 == 2 && v.ActingAgent != fmt.Sprintf("spare-%d", i) {
			t.Errorf("saga %d acting %s", i, v.ActingAgent)
		}
	}
	seen := map[string]bool{}
	for _, u := range h.j.list("undo:") {
		if seen[u] {
			t.Fatalf("compensation %s ran twice", u)
		}
		seen[u] = true
	}
	if len(seen) != n/3 {
		t.Fatalf("%d compensations, want %d (step a of each killed saga)", len(seen), n/3)
	}
}

// A transform verdict rewrites what a step receives, never where it goes.
func TestGateTransform(t *testing.T) {
	t.Run("input is rewritten", func(t *testing.T) {
		h := newHarness(memory.New())
		h.gate.transform = func(args map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range args {
				out[k] = v
			}
			out["input"] = map[string]any{"email": "<EMAIL_ADDRESS>"}
			return out
		}
		r := h.runner(t, nil)
		var got json.RawMessage
		if err := r.Register("t", []Step{h.step("a", func(_ context.Context, c Call) (json.RawMessage, error) {
			got = c.Input
			return nil, nil
		})}); err != nil {
			t.Fatal(err)
		}
		id, _ := r.Start(context.Background(), Spec{Name: "t", Agent: "bot", Input: json.RawMessage(`{"email":"a@b.example"}`)})
		if v := wait(t, r, id); v.Status != StatusCompleted || string(got) != `{"email":"<EMAIL_ADDRESS>"}` {
			t.Fatalf("%s, step got %s", v.Status, got)
		}
	})
	t.Run("destination cannot change", func(t *testing.T) {
		h := newHarness(memory.New())
		h.gate.transform = func(args map[string]any) map[string]any {
			out := map[string]any{}
			for k, v := range args {
				out[k] = v
			}
			out["url"] = "https://elsewhere.example/"
			return out
		}
		r := h.runner(t, nil)
		id, err := r.Start(context.Background(), Spec{HTTP: httpDef("https://127.0.0.1:1", "a")})
		if err != nil {
			t.Fatal(err)
		}
		if v := wait(t, r, id); v.Reason != "step_denied:a:transform_changes_destination" || v.Steps[0].Status != StepFailed {
			t.Fatalf("%s %s %v", v.Status, v.Reason, statuses(v))
		}
	})
}

// endFirst is a saga store that notes, each time a finished saga is
// checkpointed, whether its saga_end entry was already in the audit log.
type endFirst struct {
	store.Sagas
	log *fakeLog
	mu  sync.Mutex
	// seen is one entry per finishing checkpoint: was saga_end logged.
	seen []bool
	// compensatingFirst is set when the saga was checkpointed as
	// compensating before its saga_compensate entry was logged.
	compensatingFirst bool
}

func (s *endFirst) UpdateSaga(ctx context.Context, rec store.SagaRecord) error {
	a := s.log.actions(rec.ID)
	s.mu.Lock()
	if rec.Finished {
		s.seen = append(s.seen, len(a) > 0 && strings.HasPrefix(a[len(a)-1], "saga_end="))
	}
	if rec.Status == StatusCompensating && !slices.Contains(a, "saga_compensate="+StatusCompensating) {
		s.compensatingFirst = true
	}
	s.mu.Unlock()
	return s.Sagas.UpdateSaga(ctx, rec)
}

// A finished saga's end is in the audit log before the saga reads as
// finished, whether it completed or compensated, and its turn to
// compensation before it reads as compensating: a reader who sees a state
// must find its entry.
func TestEndRecordedBeforeFinished(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprint("fail=", fail), func(t *testing.T) {
			h := newHarness(nil)
			st := &endFirst{Sagas: memory.New(), log: h.log}
			h.store = st
			r := h.runner(t, nil)
			last := h.step("b", nil)
			if fail {
				last = h.step("b", func(context.Context, Call) (json.RawMessage, error) { return nil, errors.New("refused") })
			}
			if err := r.Register("order", []Step{h.step("a", nil), last}); err != nil {
				t.Fatal(err)
			}
			id, err := r.Start(context.Background(), Spec{Name: "order", Agent: "bot", Source: "test"})
			if err != nil {
				t.Fatal(err)
			}
			v := wait(t, r, id)
			if !v.Finished {
				t.Fatalf("not finished: %+v", v)
			}
			st.mu.Lock()
			defer st.mu.Unlock()
			if !slices.Equal(st.seen, []bool{true}) {
				t.Fatalf("saga_end logged before each finishing checkpoint: %v (audit %v)", st.seen, h.log.actions(id))
			}
			if st.compensatingFirst {
				t.Fatalf("the saga read as compensating before saga_compensate was logged (audit %v)", h.log.actions(id))
			}
		})
	}
}
