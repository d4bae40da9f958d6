package approval

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
)

// fakeClock fires its timers only when the test advances it.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers map[int]*fakeTimer
	next   int
}

type fakeTimer struct {
	at time.Time
	f  func()
}

func newClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC), timers: map[int]*fakeTimer{}}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) AfterFunc(d time.Duration, f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.next
	c.next++
	c.timers[id] = &fakeTimer{at: c.now.Add(d), f: f}
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, ok := c.timers[id]
		delete(c.timers, id)
		return ok
	}
}

// Advance moves time and runs the timers that came due, in order.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	var due []int
	for id, t := range c.timers {
		if !t.at.After(c.now) {
			due = append(due, id)
		}
	}
	sort.Ints(due)
	var fs []func()
	for _, id := range due {
		fs = append(fs, c.timers[id].f)
		delete(c.timers, id)
	}
	c.mu.Unlock()
	for _, f := range fs {
		f()
	}
}

// events records audit entries.
type events struct {
	mu  sync.Mutex
	evs []api.Event
	src []string
	bad atomic.Bool
}

func (e *events) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	if e.bad.Load() {
		return 0, errors.New("disk full")
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.evs = append(e.evs, *ev)
	e.src = append(e.src, source)
	return int64(len(e.evs) - 1), nil
}

func (e *events) actions() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, ev := range e.evs {
		out = append(out, ev.Action+":"+ev.Decision)
	}
	return out
}

type fixture struct {
	s     *Service
	clock *fakeClock
	rec   *events
	st    store.Approvals
}

func newFixture(t *testing.T, cfg Config, st store.Approvals) *fixture {
	t.Helper()
	if st == nil {
		st = memory.New()
	}
	f := &fixture{clock: newClock(), rec: &events{}, st: st}
	var err error
	f.s, err = New(Options{Store: st, Recorder: f.rec, Config: cfg, Clock: f.clock, Rand: bytes.NewReader(bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7}, 1000))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.s.Close)
	return f
}

var action = gate.ApprovalAction{Agent: "writer", Session: "s1", Point: "pre_tool_call", Tool: "send_email",
	Identity: "hmac-sha256:aaaa", Reasons: []string{"approval_required"}, Rule: "require_approval:send_email", Requester: "token:bot"}

func approver(name string) Approver {
	return Approver{ID: "token:" + name, Role: "ADMIN"}
}

func (f *fixture) open(t *testing.T) string {
	t.Helper()
	id, err := f.s.Open(context.Background(), action)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// waitAsync starts a caller waiting on id and returns once it is
// registered as a waiter, with the channel its result arrives on.
func (f *fixture) waitAsync(t *testing.T, id string) <-chan api.Approval {
	t.Helper()
	out := make(chan api.Approval, 1)
	go func() {
		a, err := f.s.Wait(context.Background(), id)
		if err != nil {
			t.Error(err)
		}
		out <- a
	}()
	for {
		f.s.wmu.Lock()
		_, waiting := f.s.waiters[id]
		f.s.wmu.Unlock()
		if waiting {
			return out
		}
		time.Sleep(time.Millisecond)
	}
}

func kindOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return fmt.Sprint(err)
}

func refusal(err error) string {
	var r *gate.ApprovalRefusal
	if errors.As(err, &r) {
		return r.Reason
	}
	return fmt.Sprint(err)
}

func TestQuorumTwoOfThree(t *testing.T) {
	f := newFixture(t, Config{Quorum: 2}, nil)
	id := f.open(t)
	done := f.waitAsync(t, id)
	ctx := context.Background()
	a, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, "looks right")
	if err != nil || a.State != api.ApprovalPending {
		t.Fatalf("first approval: %v %s", err, a.State)
	}
	select {
	case got := <-done:
		t.Fatalf("caller released after one of two approvals: %s", got.State)
	default:
	}
	if err := f.s.Consume(ctx, id, action); refusal(err) != gate.ReasonApprovalPending {
		t.Fatalf("consume while pending: %v", err)
	}
	a, err = f.s.Vote(ctx, id, approver("bob"), api.VoteApprove, "")
	if err != nil || a.State != api.ApprovalApproved || a.Resolution != ResolutionQuorum {
		t.Fatalf("second approval: %v %+v", err, a)
	}
	if got := <-done; got.State != api.ApprovalApproved || len(got.Votes) != 2 {
		t.Fatalf("waiter got %+v", got)
	}
	// The third approver comes too late.
	if _, err := f.s.Vote(ctx, id, approver("carol"), api.VoteApprove, ""); kindOf(err) != KindResolved {
		t.Fatalf("vote after resolution: %v", err)
	}
	tampered := action
	tampered.Identity = "hmac-sha256:bbbb"
	if err := f.s.Consume(ctx, id, tampered); refusal(err) != gate.ReasonApprovalMismatch {
		t.Fatalf("tampered action: %v", err)
	}
	if err := f.s.Consume(ctx, id, action); err != nil {
		t.Fatalf("consume: %v", err)
	}
	if err := f.s.Consume(ctx, id, action); refusal(err) != gate.ReasonApprovalConsumed {
		t.Fatalf("second consume: %v", err)
	}
	want := []string{"approval_request:pending", "approval_vote:approve", "approval_vote:approve", "approval_resolved:approved", "approval_consumed:consumed"}
	if got := f.rec.actions(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("audit entries %v, want %v", got, want)
	}
	if f.rec.src[1] != "token:alice" || f.rec.src[2] != "token:bob" || f.rec.src[0] != "agentgov" {
		t.Fatalf("sources %v", f.rec.src)
	}
	for _, ev := range f.rec.evs[1:] {
		if ev.Ref == nil || *ev.Ref != 0 {
			t.Fatalf("entry %s does not refer to the request entry", ev.Action)
		}
	}
}

func TestDuplicateApproverCountsOnceAndTimesOut(t *testing.T) {
	f := newFixture(t, Config{Quorum: 2, Timeout: time.Minute}, nil)
	id := f.open(t)
	done := f.waitAsync(t, id)
	ctx := context.Background()
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, "again"); kindOf(err) != KindDuplicate {
		t.Fatalf("duplicate vote: %v", err)
	}
	if a, _ := f.s.Get(ctx, id); a.State != api.ApprovalPending || len(a.Votes) != 1 {
		t.Fatalf("after duplicate: %+v", a)
	}
	f.clock.Advance(59 * time.Second)
	select {
	case got := <-done:
		t.Fatalf("released before the deadline: %s", got.State)
	default:
	}
	f.clock.Advance(time.Second)
	got := <-done
	if got.State != api.ApprovalExpired || got.Resolution != ResolutionTimeout {
		t.Fatalf("after the deadline: %+v", got)
	}
	if err := f.s.Consume(ctx, id, action); refusal(err) != gate.ReasonApprovalExpired {
		t.Fatalf("consume after timeout: %v", err)
	}
}

func TestTimeoutDeniesAndReleasesEveryWaiter(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1}, nil) // default timeout 5m
	id := f.open(t)
	a, _ := f.s.Get(context.Background(), id)
	if a.Deadline.Sub(a.Created) != DefaultTimeout {
		t.Fatalf("default timeout %s", a.Deadline.Sub(a.Created))
	}
	w1, w2 := f.waitAsync(t, id), f.waitAsync(t, id)
	f.clock.Advance(DefaultTimeout)
	for _, w := range []<-chan api.Approval{w1, w2} {
		if got := <-w; got.State != api.ApprovalExpired {
			t.Fatalf("waiter got %s", got.State)
		}
	}
	if _, err := f.s.Vote(context.Background(), id, approver("alice"), api.VoteApprove, ""); kindOf(err) != KindResolved {
		t.Fatalf("late vote: %v", err)
	}
}

func TestRejections(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1, RejectQuorum: 2}, nil)
	id := f.open(t)
	ctx := context.Background()
	if a, err := f.s.Vote(ctx, id, approver("alice"), api.VoteDeny, "no"); err != nil || a.State != api.ApprovalPending {
		t.Fatalf("first rejection: %v %s", err, a.State)
	}
	a, err := f.s.Vote(ctx, id, approver("bob"), api.VoteDeny, "")
	if err != nil || a.State != api.ApprovalDenied || a.Resolution != ResolutionRejected {
		t.Fatalf("second rejection: %v %+v", err, a)
	}
	if err := f.s.Consume(ctx, id, action); refusal(err) != gate.ReasonApprovalDenied {
		t.Fatalf("consume denied: %v", err)
	}
}

func TestWhoMayVote(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1, Tools: map[string]Rule{"send_email": {ApproverRole: "AUDITOR"}}}, nil)
	id := f.open(t)
	ctx := context.Background()
	auditor := func(name string) Approver { return Approver{ID: "token:" + name, Role: "AUDITOR"} }
	for _, tc := range []struct {
		name string
		who  Approver
		kind string
	}{
		{"wrong role", approver("admin"), KindForbidden},
		{"agent principal", Approver{ID: "session:writer", Role: "AUDITOR", Agent: "writer"}, KindForbidden},
		{"requester", auditor("bot"), KindSelf},
		{"token bound to the agent", Approver{ID: "token:ops", Role: "AUDITOR", Speaks: func(a string) bool { return a == "writer" }}, KindSelf},
		{"anonymous", Approver{Role: "AUDITOR"}, KindForbidden},
	} {
		if _, err := f.s.Vote(ctx, id, tc.who, api.VoteApprove, ""); kindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.kind)
		}
	}
	other := Approver{ID: "token:ops2", Role: "AUDITOR", Speaks: func(a string) bool { return a == "someone-else" }}
	if a, err := f.s.Vote(ctx, id, other, api.VoteApprove, ""); err != nil || a.State != api.ApprovalApproved {
		t.Fatalf("eligible approver: %v %+v", err, a)
	}
	if len(f.rec.evs) != 3 {
		t.Fatalf("refused votes were recorded: %v", f.rec.actions())
	}
}

func TestFatigue(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1, Fatigue: Fatigue{MinDecisionTime: 10 * time.Second, MaxConsecutive: 3, Window: time.Hour, ExtraApprovers: 1}}, nil)
	ctx := context.Background()
	// Too fast: flagged, and the request now needs one more approver.
	id := f.open(t)
	f.clock.Advance(time.Second)
	a, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, "")
	if err != nil || a.State != api.ApprovalPending || a.Required != 2 || fmt.Sprint(a.Votes[0].Fatigue) != "[fatigue:fast]" {
		t.Fatalf("fast approval: %v %+v", err, a)
	}
	f.clock.Advance(time.Minute)
	if a, err = f.s.Vote(ctx, id, approver("bob"), api.VoteApprove, ""); err != nil || a.State != api.ApprovalApproved {
		t.Fatalf("extra approver: %v %+v", err, a)
	}
	// Uniform: alice's third approval in a row within the hour.
	for i := range 2 {
		id := f.open(t)
		f.clock.Advance(time.Minute)
		a, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, "")
		if err != nil {
			t.Fatal(err)
		}
		wantFlags := "[]"
		if i == 1 {
			wantFlags = "[fatigue:uniform]"
		}
		if fmt.Sprint(a.Votes[len(a.Votes)-1].Fatigue) != wantFlags {
			t.Fatalf("approval %d flags %v, want %s", i+2, a.Votes[len(a.Votes)-1].Fatigue, wantFlags)
		}
	}
	// A rejection breaks the run.
	id = f.open(t)
	f.clock.Advance(time.Minute)
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteDeny, ""); err != nil {
		t.Fatal(err)
	}
	id = f.open(t)
	f.clock.Advance(time.Minute)
	if a, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err != nil || len(a.Votes[0].Fatigue) != 0 {
		t.Fatalf("after a rejection: %v %+v", err, a.Votes)
	}
	flagged := 0
	for _, ev := range f.rec.evs {
		if ev.Action == ActionVote && (ev.Reason == FatigueFast || ev.Reason == FatigueUniform) {
			flagged++
		}
	}
	if flagged != 2 {
		t.Fatalf("%d flagged vote entries, want 2", flagged)
	}
}

func TestRestartKeepsPending(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.db")
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, Config{Quorum: 2, Timeout: 10 * time.Minute}, st)
	id := f.open(t)
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err != nil {
		t.Fatal(err)
	}
	f.s.Close()
	st.Close()

	st2, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	clock := newClock()
	clock.Advance(4 * time.Minute) // the server was down for four minutes
	s2, err := New(Options{Store: st2, Recorder: f.rec, Config: Config{Quorum: 2}, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if err := s2.Start(ctx); err != nil {
		t.Fatal(err)
	}
	pending, err := s2.List(ctx, Query{State: api.ApprovalPending})
	if err != nil || len(pending.Approvals) != 1 || pending.Approvals[0].ID != id || len(pending.Approvals[0].Votes) != 1 {
		t.Fatalf("pending after restart: %v %+v", err, pending)
	}
	f2 := &fixture{s: s2, clock: clock, rec: f.rec, st: st2}
	done := f2.waitAsync(t, id)
	clock.Advance(5*time.Minute + 59*time.Second)
	select {
	case got := <-done:
		t.Fatalf("released before the stored deadline: %s", got.State)
	default:
	}
	clock.Advance(time.Second) // ten minutes after creation
	if got := <-done; got.State != api.ApprovalExpired {
		t.Fatalf("after the stored deadline: %s", got.State)
	}
}

func TestRestartExpiresOverdue(t *testing.T) {
	st := memory.New()
	f := newFixture(t, Config{Timeout: time.Minute}, st)
	id := f.open(t)
	f.s.Close()
	clock := newClock()
	clock.Advance(time.Hour)
	s2, _ := New(Options{Store: st, Recorder: f.rec, Clock: clock})
	defer s2.Close()
	if err := s2.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	clock.Advance(0)
	if a, _ := s2.Get(context.Background(), id); a.State != api.ApprovalExpired {
		t.Fatalf("overdue request after restart: %s", a.State)
	}
}

func TestConsumeExactlyOnceUnderRace(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1}, nil)
	id := f.open(t)
	ctx := context.Background()
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err != nil {
		t.Fatal(err)
	}
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := f.s.Consume(ctx, id, action)
			switch {
			case err == nil:
				ok.Add(1)
			case refusal(err) != gate.ReasonApprovalConsumed:
				t.Errorf("consume: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("%d consumptions succeeded, want 1", ok.Load())
	}
}

func TestAuditFailureGrantsNothing(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1}, nil)
	id := f.open(t)
	f.rec.bad.Store(true)
	ctx := context.Background()
	if _, err := f.s.Vote(ctx, id, approver("alice"), api.VoteApprove, ""); err == nil {
		t.Fatal("a vote that could not be recorded counted")
	}
	if a, _ := f.s.Get(ctx, id); a.State != api.ApprovalPending || len(a.Votes) != 0 {
		t.Fatalf("state after a failed record: %+v", a)
	}
	if _, err := f.s.Open(ctx, action); err == nil {
		t.Fatal("a request that could not be recorded was opened")
	}
}

func TestUnknownAndInvalid(t *testing.T) {
	f := newFixture(t, Config{}, nil)
	ctx := context.Background()
	if _, err := f.s.Get(ctx, "apr-nope"); kindOf(err) != KindNotFound {
		t.Fatalf("unknown: %v", err)
	}
	if err := f.s.Consume(ctx, "apr-nope", action); refusal(err) != gate.ReasonApprovalUnknown {
		t.Fatalf("consume unknown: %v", err)
	}
	id := f.open(t)
	if _, err := f.s.Vote(ctx, id, approver("a"), "maybe", ""); kindOf(err) != KindInvalid {
		t.Fatalf("bad vote: %v", err)
	}
	if _, err := f.s.Vote(ctx, id, approver("a"), api.VoteApprove, string(bytes.Repeat([]byte("x"), 2000))); kindOf(err) != KindInvalid {
		t.Fatalf("long comment: %v", err)
	}
	if _, err := f.s.List(ctx, Query{Cursor: "garbage"}); kindOf(err) != KindInvalid {
		t.Fatalf("bad cursor: %v", err)
	}
}

func FuzzParseCursor(f *testing.F) {
	f.Add("1700000000000000000.apr-00")
	f.Add("")
	f.Add(".x")
	f.Fuzz(func(t *testing.T, c string) {
		ts, id, err := parseCursor(c)
		if err == nil && (id == "" || len(c) > 128) {
			t.Fatalf("accepted %q as (%v, %q)", c, ts, id)
		}
	})
}

func TestManifestTimeoutCapsTheWait(t *testing.T) {
	f := newFixture(t, Config{Quorum: 1, Timeout: 10 * time.Minute}, nil)
	short := action
	short.Timeout = time.Minute
	id, err := f.s.Open(context.Background(), short)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := f.s.Get(context.Background(), id)
	if a.Deadline.Sub(a.Created) != time.Minute {
		t.Fatalf("deadline after %v, want the manifest's 1m", a.Deadline.Sub(a.Created))
	}
	long := action
	long.Timeout = time.Hour
	id, _ = f.s.Open(context.Background(), long)
	if a, _ := f.s.Get(context.Background(), id); a.Deadline.Sub(a.Created) != 10*time.Minute {
		t.Fatalf("deadline after %v, want the configured 10m", a.Deadline.Sub(a.Created))
	}
}
