package trust

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

func TestTierOf(t *testing.T) {
	cases := []struct {
		score int
		want  Tier
	}{
		{0, Untrusted}, {299, Untrusted}, {300, Probationary}, {499, Probationary}, {500, Standard},
		{699, Standard}, {700, Trusted}, {899, Trusted}, {900, VerifiedPartner}, {1000, VerifiedPartner},
	}
	for _, c := range cases {
		if got := TierOf(c.score); got != c.want {
			t.Errorf("TierOf(%d) = %s, want %s", c.score, got, c.want)
		}
	}
	if !Trusted.AtLeast(Standard) || Standard.AtLeast(Trusted) || Tier("bogus").AtLeast(Untrusted) {
		t.Fatal("AtLeast ordering")
	}
	if _, ok := ParseTier("Trusted"); ok {
		t.Fatal("tier names are case-sensitive")
	}
}

func TestWeightsValidate(t *testing.T) {
	cases := []struct {
		name string
		w    Weights
		ok   bool
	}{
		{"defaults", DefaultWeights(), true},
		{"penalty off", Weights{Clean: 1, Denial: 0, RingBreach: 5, Injection: 5, Exfiltration: 5}, true},
		{"clean negative", Weights{Clean: -1, Denial: 10}, false},
		{"clean too high", Weights{Clean: 101, Denial: 200}, false},
		{"symmetric", Weights{Clean: 10, Denial: 10}, false},
		{"penalty above max", Weights{Clean: 1, Injection: 1001}, false},
		{"negative penalty", Weights{Clean: 1, Exfiltration: -5}, false},
	}
	for _, c := range cases {
		if err := c.w.Validate(); (err == nil) != c.ok {
			t.Errorf("%s: %v", c.name, err)
		}
	}
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type recorder struct {
	mu   sync.Mutex
	evs  []api.Event
	fail bool
}

func (r *recorder) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail {
		return 0, errors.New("log down")
	}
	r.evs = append(r.evs, *ev)
	return int64(len(r.evs) - 1), nil
}

func (r *recorder) events() []api.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]api.Event(nil), r.evs...)
}

type countingStore struct {
	*memory.Trust
	mu   sync.Mutex
	puts int
}

func (c *countingStore) PutTrust(ctx context.Context, recs []store.TrustRecord) error {
	c.mu.Lock()
	c.puts++
	c.mu.Unlock()
	return c.Trust.PutTrust(ctx, recs)
}

func newModel(t *testing.T, st store.Trust) (*Model, *clock, *recorder) {
	t.Helper()
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	rec := &recorder{}
	m, err := Open(context.Background(), Options{Store: st, Recorder: rec, Now: c.now, HalfLife: time.Hour, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(context.Background()) })
	return m, c, rec
}

func TestSignalsAreAsymmetric(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newModel(t, memory.NewTrust())
	if s := m.Standing("a"); s.Score != DefaultScore || s.Tier != Standard {
		t.Fatalf("unknown agent %+v", s)
	}
	for range 10 {
		if err := m.Observe(ctx, "a", Clean); err != nil {
			t.Fatal(err)
		}
	}
	up := m.Standing("a").Exact
	if up <= DefaultScore || up > DefaultScore+10 {
		t.Fatalf("ten clean actions: %v", up)
	}
	if err := m.Observe(ctx, "a", Denial); err != nil {
		t.Fatal(err)
	}
	if got := m.Standing("a").Exact; got >= DefaultScore {
		t.Fatalf("one denial did not undo ten clean actions: %v", got)
	}
	// One action, several findings: penalised once, by the worst, and
	// every signal counted.
	before := m.Standing("b").Exact
	if err := m.Observe(ctx, "b", Denial, Injection, RingBreach); err != nil {
		t.Fatal(err)
	}
	s := m.Standing("b")
	if before-s.Exact != 100 {
		t.Fatalf("penalty %v, want the injection weight 100", before-s.Exact)
	}
	if c := s.Counters; c.Denials != 1 || c.Injections != 1 || c.RingBreaches != 1 {
		t.Fatalf("counters %+v", c)
	}
}

func TestCleanGainDiminishes(t *testing.T) {
	w := DefaultWeights()
	g500 := w.apply(500, Clean) - 500
	g900 := w.apply(900, Clean) - 900
	if g500 != 1 || g900 >= g500 || w.apply(1000, Clean) != 1000 {
		t.Fatalf("gains %v %v", g500, g900)
	}
	if w.apply(5, Exfiltration) != 0 {
		t.Fatal("score not clamped at 0")
	}
}

func TestDecayTowardDefaultIsDeterministic(t *testing.T) {
	ctx := context.Background()
	m, c, rec := newModel(t, memory.NewTrust())
	for range 3 {
		m.Observe(ctx, "a", Exfiltration) // 500 → 50: untrusted
	}
	if s := m.Standing("a"); s.Score != 50 || s.Tier != Untrusted {
		t.Fatalf("%+v", s)
	}
	c.add(time.Hour) // one half-life: 500 - 450/2
	if s := m.Standing("a"); s.Score != 275 {
		t.Fatalf("after one half-life %+v, want 275", s)
	}
	c.add(time.Hour)
	if s := m.Standing("a"); s.Score != 388 || s.Tier != Probationary {
		t.Fatalf("after two half-lives %+v", s)
	}
	// The decayed tier change is recorded on the next observation, even
	// one without a signal.
	n := len(rec.events())
	if err := m.Observe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	evs := rec.events()
	if len(evs) != n+1 || evs[n].Decision != string(Probationary) || evs[n].Reason != "decay" {
		t.Fatalf("decay change not recorded: %+v", evs)
	}
	c.add(100 * time.Hour)
	if s := m.Standing("a"); s.Score != DefaultScore {
		t.Fatalf("long decay %+v", s)
	}
	// A score above the default decays down as well.
	if _, err := m.Set(ctx, "b", 950, "ops", "review"); err != nil {
		t.Fatal(err)
	}
	c.add(time.Hour)
	if s := m.Standing("b"); s.Score != 725 {
		t.Fatalf("decay from above %+v", s)
	}
}

func TestTierChangesAreAuditEntriesDriftIsNot(t *testing.T) {
	ctx := context.Background()
	m, _, rec := newModel(t, memory.NewTrust())
	for range 20 {
		m.Observe(ctx, "a", Clean)
	}
	m.Observe(ctx, "a", Denial) // about 509: still standard
	if n := len(rec.events()); n != 0 {
		t.Fatalf("drift within a tier recorded %d entries", n)
	}
	m.Observe(ctx, "a", RingBreach) // about 459: probationary
	evs := rec.events()
	if len(evs) != 1 || evs[0].Type != EntryType || evs[0].Action != "trust_tier_change" || evs[0].Decision != string(Probationary) {
		t.Fatalf("%+v", evs)
	}
	var p map[string]any
	if err := json.Unmarshal(evs[0].Payload, &p); err != nil || p["previous_tier"] != string(Standard) || p["cause"] != "ring_breach" {
		t.Fatalf("payload %s", evs[0].Payload)
	}
	if _, err := m.Set(ctx, "a", 500, "token:ops", "reviewed"); err != nil {
		t.Fatal(err)
	}
	evs = rec.events()
	last := evs[len(evs)-1]
	if last.Action != "trust_set" || last.Decision != string(Standard) || last.Reason != "operator" {
		t.Fatalf("%+v", last)
	}
	// A reset within the same tier is recorded too.
	if _, err := m.Set(ctx, "a", 510, "token:ops", ""); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.events()); n != len(evs)+1 {
		t.Fatalf("operator set in the same tier not recorded")
	}
	if _, err := m.Set(ctx, "a", 1001, "x", ""); err == nil {
		t.Fatal("score above 1000 accepted")
	}
}

func TestFailedRecordIsRetried(t *testing.T) {
	ctx := context.Background()
	m, _, rec := newModel(t, memory.NewTrust())
	rec.fail = true
	if err := m.Observe(ctx, "a", Exfiltration, Exfiltration); err == nil {
		t.Fatal("a tier change that could not be recorded reported success")
	}
	rec.fail = false
	if err := m.Observe(ctx, "a"); err != nil {
		t.Fatal(err)
	}
	if evs := rec.events(); len(evs) != 1 || evs[0].Decision != string(Probationary) {
		t.Fatalf("%+v", evs)
	}
	rec.fail = true
	if _, err := m.Set(ctx, "a", 900, "ops", ""); err == nil {
		t.Fatal("unrecorded set succeeded")
	}
	if s := m.Standing("a"); s.Score == 900 {
		t.Fatal("unrecorded set took effect")
	}
}

func TestWritesAreBatchedAndFlushedOnClose(t *testing.T) {
	ctx := context.Background()
	st := &countingStore{Trust: memory.NewTrust()}
	c := &clock{t: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	m, err := Open(ctx, Options{Store: st, Recorder: &recorder{}, Now: c.now, FlushInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 300 {
		m.Observe(ctx, []string{"a", "b", "c"}[i%3], Clean)
	}
	st.mu.Lock()
	puts := st.puts
	st.mu.Unlock()
	if puts != 0 {
		t.Fatalf("%d store writes before the flush interval", puts)
	}
	if err := m.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if st.puts != 1 {
		t.Fatalf("%d store writes on close, want one batch", st.puts)
	}
	r, err := st.GetTrust(ctx, "a")
	if err != nil || r.Counters.Clean != 100 || r.Score <= DefaultScore {
		t.Fatalf("%+v %v", r, err)
	}
	// A reopened model starts from the stored scores.
	m2, err := Open(ctx, Options{Store: st, Recorder: &recorder{}, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	defer m2.Close(ctx)
	if s := m2.Standing("a"); s.Counters.Clean != 100 || s.Exact != r.Score {
		t.Fatalf("reloaded %+v", s)
	}
}

func TestConcurrentObserve(t *testing.T) {
	ctx := context.Background()
	m, _, _ := newModel(t, memory.NewTrust())
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				m.Observe(ctx, []string{"a", "b"}[(g+i)%2], Signal(1+(i%5)))
				m.Standing("a")
				if i%50 == 0 {
					m.Flush(ctx)
				}
			}
		}()
	}
	wg.Wait()
	s := m.Standing("a")
	if total := s.Counters.Clean + s.Counters.Denials + s.Counters.RingBreaches + s.Counters.Injections + s.Counters.Exfiltrations; total != 800 {
		t.Fatalf("counted %d signals, want 800", total)
	}
}

func TestRetune(t *testing.T) {
	ctx := context.Background()
	m, c, _ := newModel(t, memory.NewTrust())
	if err := m.Observe(ctx, "a", Denial); err != nil {
		t.Fatal(err)
	}
	if got := m.Standing("a").Exact; got != DefaultScore-10 {
		t.Fatalf("denial at the default weight: %v", got)
	}
	w := DefaultWeights()
	w.Denial = 40
	if err := m.Retune(w, 2*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := m.Observe(ctx, "a", Denial); err != nil {
		t.Fatal(err)
	}
	if got := m.Standing("a").Exact; got != DefaultScore-50 {
		t.Fatalf("denial at the retuned weight: %v", got)
	}
	// The new half-life governs decay from now on: after two hours the
	// distance to the default has halved.
	c.t = c.t.Add(2 * time.Hour)
	if got := m.Standing("a").Exact; got < DefaultScore-25.01 || got > DefaultScore-24.99 {
		t.Fatalf("after one retuned half-life: %v", got)
	}
	if gw, hl := m.Tuning(); gw != w || hl != 2*time.Hour {
		t.Fatalf("tuning %+v %v", gw, hl)
	}
	bad := w
	bad.Denial = -1
	if err := m.Retune(bad, time.Hour); err == nil {
		t.Fatal("invalid weights accepted")
	}
	if gw, _ := m.Tuning(); gw != w {
		t.Fatal("a refused retune changed the weights")
	}
}
