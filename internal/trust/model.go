package trust

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Recorder appends audit entries (the audit log).
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Defaults of Options.
const (
	DefaultHalfLife      = 7 * 24 * time.Hour
	DefaultFlushInterval = time.Second
)

// EntryType is the audit entry type of trust changes.
const EntryType = "trust_change"

// Options configure Open.
type Options struct {
	Store    store.Trust
	Recorder Recorder
	// Source is the audit source of the entries the model writes.
	Source  string
	Weights Weights
	// HalfLife is how long it takes without signals for the distance to
	// the default score to halve.
	HalfLife time.Duration
	// FlushInterval bounds how long a score change waits in memory
	// before it is written to the store.
	FlushInterval time.Duration
	Now           func() time.Time
	Logger        *slog.Logger
}

// Standing is an agent's trust at one moment.
type Standing struct {
	Agent string
	// Score is the exact score rounded to an integer; Tier is TierOf(Score).
	Score int
	Tier  Tier
	// Exact is the score before rounding.
	Exact    float64
	Updated  time.Time
	Counters store.TrustCounters
}

type entry struct {
	mu       sync.Mutex
	score    float64
	updated  time.Time
	counters store.TrustCounters
	// tier is the tier last recorded in the audit log (or the default's).
	tier  Tier
	dirty bool
}

// Model keeps every agent's score in memory, computes decay lazily from
// the injected clock, and writes changed scores to the store in batches:
// no decision waits for a store transaction. Changes of tier (and operator
// resets) are audit entries; drift within a tier is not.
type Model struct {
	o Options
	// tune holds the weights and half-life in force (Retune changes them
	// while the model runs; o keeps what it was opened with).
	tune atomic.Pointer[tuning]

	mu     sync.RWMutex
	agents map[string]*entry

	dmu   sync.Mutex
	dirty []string
	kick  chan struct{}

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
}

// tuning is what a configuration reload may change in a running model.
type tuning struct {
	weights  Weights
	halfLife time.Duration
}

// Retune changes the weights and the half-life (zero values: the
// defaults). Scores already held are not recomputed: later signals move
// them by the new weights, and decay from now on runs at the new
// half-life, including the time since each score's last change.
func (m *Model) Retune(w Weights, halfLife time.Duration) error {
	w, halfLife, err := ResolveTuning(w, halfLife)
	if err != nil {
		return err
	}
	m.tune.Store(&tuning{weights: w, halfLife: halfLife})
	return nil
}

// ResolveTuning is what Open and Retune make of weights and a half-life:
// zero values become the defaults, and invalid weights are refused.
func ResolveTuning(w Weights, halfLife time.Duration) (Weights, time.Duration, error) {
	if w == (Weights{}) {
		w = DefaultWeights()
	}
	if err := w.Validate(); err != nil {
		return Weights{}, 0, fmt.Errorf("trust: weights: %w", err)
	}
	if halfLife <= 0 {
		halfLife = DefaultHalfLife
	}
	return w, halfLife, nil
}

// Tuning returns the weights and half-life in force.
func (m *Model) Tuning() (Weights, time.Duration) {
	t := m.tune.Load()
	return t.weights, t.halfLife
}

// Open loads every stored score and starts the flusher.
func Open(ctx context.Context, o Options) (*Model, error) {
	if o.Store == nil || o.Recorder == nil {
		return nil, errors.New("trust: a store and a recorder are required")
	}
	var err error
	if o.Weights, o.HalfLife, err = ResolveTuning(o.Weights, o.HalfLife); err != nil {
		return nil, err
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Source == "" {
		o.Source = "agentgov"
	}
	m := &Model{o: o, agents: map[string]*entry{}, kick: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	m.tune.Store(&tuning{weights: o.Weights, halfLife: o.HalfLife})
	err = o.Store.ScanTrust(ctx, func(r store.TrustRecord) error {
		t, ok := ParseTier(r.Tier)
		if !ok {
			t = TierOf(round(r.Score))
		}
		m.agents[r.Agent] = &entry{score: clamp(r.Score), updated: r.Updated, counters: r.Counters, tier: t}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("trust: loading scores: %w", err)
	}
	go m.run()
	return m, nil
}

// get returns the agent's entry, creating it at the default score.
func (m *Model) get(agent string) *entry {
	m.mu.RLock()
	e := m.agents[agent]
	m.mu.RUnlock()
	if e != nil {
		return e
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e = m.agents[agent]; e == nil {
		e = &entry{score: DefaultScore, updated: m.o.Now(), tier: TierOf(DefaultScore)}
		// A copy: the caller's string may be a view into a request body.
		m.agents[strings.Clone(agent)] = e
	}
	return e
}

// current is e's decayed score now. Caller holds e.mu.
func (m *Model) current(e *entry, now time.Time) float64 {
	return decay(e.score, now.Sub(e.updated), m.tune.Load().halfLife)
}

func (m *Model) standing(agent string, e *entry, exact float64) Standing {
	s := round(exact)
	return Standing{Agent: agent, Score: s, Tier: TierOf(s), Exact: exact, Updated: e.updated, Counters: e.counters}
}

// Standing returns the agent's trust now. It reads only memory.
func (m *Model) Standing(agent string) Standing {
	m.mu.RLock()
	e := m.agents[agent]
	m.mu.RUnlock()
	now := m.o.Now()
	if e == nil {
		return Standing{Agent: agent, Score: DefaultScore, Tier: TierOf(DefaultScore), Exact: DefaultScore, Updated: now}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	return m.standing(agent, e, m.current(e, now))
}

// tierChange is a change to record.
type tierChange struct {
	agent          string
	from, to       Tier
	prevScore, now int
	cause, by      string
	reason         string
	counters       store.TrustCounters
}

// Observe applies one decision's signals: the most severe of them moves
// the score (one action is penalised once), every one of them is counted.
// A change of tier — by this signal or by decay since the last recorded
// one — is written to the audit log before Observe returns; with no
// signal, Observe only records such a change.
func (m *Model) Observe(ctx context.Context, agent string, signals ...Signal) error {
	worst := None
	for _, s := range signals {
		worst = max(worst, s)
	}
	now := m.o.Now()
	var e *entry
	if worst == None {
		// Nothing to apply, but decay alone may have crossed a tier
		// boundary since the last recorded change.
		m.mu.RLock()
		e = m.agents[agent]
		m.mu.RUnlock()
		if e == nil {
			return nil
		}
	} else {
		e = m.get(agent)
	}
	e.mu.Lock()
	before := m.current(e, now)
	after := m.tune.Load().weights.apply(before, worst)
	if worst != None {
		e.score, e.updated = after, now
		for _, s := range signals {
			count(&e.counters, s)
		}
		m.markDirty(agent, e)
	}
	var ch *tierChange
	if t := TierOf(round(after)); t != e.tier {
		cause := worst.String()
		if TierOf(round(before)) == t {
			cause = "decay"
		}
		ch = &tierChange{agent: agent, from: e.tier, to: t, prevScore: round(before), now: round(after), cause: cause, counters: e.counters}
		e.tier = t
		m.markDirty(agent, e)
	}
	e.mu.Unlock()
	if ch == nil {
		return nil
	}
	if err := m.record(ctx, ch); err != nil {
		// Not recorded: forget that it was, so that the next observation
		// records the change again.
		e.mu.Lock()
		if e.tier == ch.to {
			e.tier = ch.from
		}
		e.mu.Unlock()
		return err
	}
	m.flushSoon()
	return nil
}

// Set is an operator's explicit change of an agent's score (a reset to the
// default, or a promotion after review). It is persisted and recorded
// before it returns, whatever the tier.
func (m *Model) Set(ctx context.Context, agent string, score int, by, reason string) (Standing, error) {
	if score < MinScore || score > MaxScore {
		return Standing{}, fmt.Errorf("trust: score %d is outside %d..%d", score, MinScore, MaxScore)
	}
	e := m.get(agent)
	now := m.o.Now()
	e.mu.Lock()
	before := round(m.current(e, now))
	prevTier := e.tier
	oldScore, oldUpdated, oldCounters := e.score, e.updated, e.counters
	e.score, e.updated = float64(score), now
	e.counters.Resets++
	e.tier = TierOf(score)
	rec := m.recordOf(agent, e)
	st := m.standing(agent, e, e.score)
	counters := e.counters
	e.mu.Unlock()
	ch := &tierChange{agent: agent, from: prevTier, to: TierOf(score), prevScore: before, now: score, cause: "operator", by: by, reason: reason, counters: counters}
	if err := m.record(ctx, ch); err != nil {
		e.mu.Lock()
		e.score, e.updated, e.counters, e.tier = oldScore, oldUpdated, oldCounters, prevTier
		e.mu.Unlock()
		return Standing{}, err
	}
	if err := m.o.Store.PutTrust(ctx, []store.TrustRecord{rec}); err != nil {
		// Recorded but not persisted: the memory state is the recorded
		// one, and the flusher retries.
		e.mu.Lock()
		m.markDirty(agent, e)
		e.mu.Unlock()
		return st, fmt.Errorf("trust: persisting the new score: %w", err)
	}
	return st, nil
}

func count(c *store.TrustCounters, s Signal) {
	switch s {
	case Clean:
		c.Clean++
	case Denial:
		c.Denials++
	case RingBreach:
		c.RingBreaches++
	case Injection:
		c.Injections++
	case Exfiltration:
		c.Exfiltrations++
	}
}

func (m *Model) record(ctx context.Context, ch *tierChange) error {
	payload := map[string]any{
		"previous_tier": ch.from, "tier": ch.to, "previous_score": ch.prevScore, "score": ch.now, "cause": ch.cause,
		"counters": map[string]int64{"clean": ch.counters.Clean, "denials": ch.counters.Denials, "ring_breaches": ch.counters.RingBreaches,
			"injections": ch.counters.Injections, "exfiltrations": ch.counters.Exfiltrations, "resets": ch.counters.Resets},
	}
	action := "trust_tier_change"
	if ch.cause == "operator" {
		action = "trust_set"
		payload["by"] = ch.by
		if ch.reason != "" {
			payload["reason"] = ch.reason
		}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	ev := &api.Event{Type: EntryType, Agent: ch.agent, Action: action, Decision: string(ch.to), Reason: ch.cause, Payload: body}
	if _, err := m.o.Recorder.Append(ctx, ev, m.o.Source); err != nil {
		m.o.Logger.Error("recording a trust change failed", "agent", ch.agent, "err", err)
		return fmt.Errorf("trust: recording the change of %s: %w", ch.agent, err)
	}
	m.o.Logger.Info("trust tier changed", "agent", ch.agent, "from", ch.from, "to", ch.to, "cause", ch.cause)
	return nil
}

// markDirty queues e for the next flush. Caller holds e.mu.
func (m *Model) markDirty(agent string, e *entry) {
	if e.dirty {
		return
	}
	e.dirty = true
	m.dmu.Lock()
	m.dirty = append(m.dirty, agent)
	m.dmu.Unlock()
}

func (m *Model) flushSoon() {
	select {
	case m.kick <- struct{}{}:
	default:
	}
}

func (m *Model) recordOf(agent string, e *entry) store.TrustRecord {
	return store.TrustRecord{Agent: agent, Score: e.score, Updated: e.updated, Counters: e.counters, Tier: string(e.tier)}
}

// Flush writes every changed score in one store transaction.
func (m *Model) Flush(ctx context.Context) error {
	m.dmu.Lock()
	agents := m.dirty
	m.dirty = nil
	m.dmu.Unlock()
	if len(agents) == 0 {
		return nil
	}
	recs := make([]store.TrustRecord, 0, len(agents))
	m.mu.RLock()
	for _, a := range agents {
		e := m.agents[a]
		e.mu.Lock()
		e.dirty = false
		recs = append(recs, m.recordOf(a, e))
		e.mu.Unlock()
	}
	m.mu.RUnlock()
	if err := m.o.Store.PutTrust(ctx, recs); err != nil {
		// Queue them again; the next flush retries with their newest state.
		m.mu.RLock()
		for _, a := range agents {
			e := m.agents[a]
			e.mu.Lock()
			m.markDirty(a, e)
			e.mu.Unlock()
		}
		m.mu.RUnlock()
		return fmt.Errorf("trust: flushing %d scores: %w", len(recs), err)
	}
	return nil
}

func (m *Model) run() {
	defer close(m.done)
	t := time.NewTicker(m.o.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-m.stop:
			return
		case <-t.C:
		case <-m.kick:
		}
		if err := m.Flush(context.Background()); err != nil {
			m.o.Logger.Error("trust flush failed; retrying", "err", err)
		}
	}
}

// Close stops the flusher and writes what is left.
func (m *Model) Close(ctx context.Context) error {
	m.closeOnce.Do(func() { close(m.stop) })
	<-m.done
	return m.Flush(ctx)
}
