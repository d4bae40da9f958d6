package killswitch

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
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

// SourceAgentgov is the audit source of kills agentgov makes itself.
const SourceAgentgov = "agentgov"

// ErrNotFound is a kill id that does not exist.
var ErrNotFound = errors.New("killswitch: no such kill")

// ErrLifted is a report or unkill for a kill that is no longer in force.
var ErrLifted = errors.New("killswitch: the kill has been lifted")

// KilledError is the cause with which a kill cancels calls in flight.
type KilledError struct {
	ID, Scope, Reason string
}

func (e *KilledError) Error() string {
	return fmt.Sprintf("agentgov: killed (%s, scope %s, kill %s)", e.Reason, e.Scope, e.ID)
}

// Options configure New.
type Options struct {
	Store    store.Kills
	Recorder Recorder
	Now      func() time.Time
	Rand     io.Reader
	Logger   *slog.Logger
	// History bounds the events kept for resuming streams (default 1024).
	History int
}

// Switch is the kill switch. It is safe for concurrent use.
type Switch struct {
	snap atomic.Pointer[snapshot]

	mu     sync.Mutex // serialises writers
	active []*record
	st     store.Kills
	rec    Recorder
	now    func() time.Time
	rand   io.Reader
	log    *slog.Logger
	calls  *inflight
	hub    *hub
}

// record is an active kill.
type record struct {
	store.Kill
	target Target
}

// New loads the kills in force from the store; the gate sees them before
// New returns.
func New(ctx context.Context, o Options) (*Switch, error) {
	if o.Store == nil || o.Recorder == nil {
		return nil, errors.New("killswitch: a store and a recorder are required")
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
	if o.History <= 0 {
		o.History = 1024
	}
	s := &Switch{st: o.Store, rec: o.Recorder, now: o.Now, rand: o.Rand, log: o.Logger, calls: newInflight(),
		hub: newHub(o.Now().UnixNano(), o.History)}
	ks, err := o.Store.ListKills(ctx, store.KillQuery{ActiveOnly: true})
	if err != nil {
		return nil, fmt.Errorf("killswitch: loading kills: %w", err)
	}
	for _, k := range ks {
		s.active = append(s.active, &record{Kill: k, target: Target{Scope: k.Scope, Agent: k.Agent, Session: k.Session, Tool: k.Tool}})
	}
	s.snap.Store(build(s.active))
	return s, nil
}

// Killed implements the gate's KillState: lock-free, allocation-free.
func (s *Switch) Killed(agent, session, tool string) (string, bool) {
	return s.snap.Load().killed(agent, session, tool)
}

// Track registers a governed call in flight: the returned context is
// cancelled, with a *KilledError cause, when a kill covers the call.
// release must be called when the call ends.
func (s *Switch) Track(ctx context.Context, agent, session, tool string) (context.Context, func()) {
	return s.calls.track(ctx, agent, session, tool)
}

// InFlight is the number of tracked calls.
func (s *Switch) InFlight() int { return s.calls.count() }

func (s *Switch) newID() (string, error) {
	b := make([]byte, 12)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("killswitch: kill id: %w", err)
	}
	return "k-" + hex.EncodeToString(b), nil
}

// Request is one kill.
type Request struct {
	Target Target
	Reason string
	Note   string
	// By is the audit source of who asked (a principal, or "agentgov").
	By string
}

func (r *Request) validate() error {
	if err := r.Target.Validate(); err != nil {
		return err
	}
	if r.Reason == "" {
		return &FieldError{"reason", "is required: one of BEHAVIORAL_DRIFT, RATE_LIMIT, RING_BREACH, MANUAL, QUARANTINE_TIMEOUT, SESSION_TIMEOUT"}
	}
	if !ValidReason(r.Reason) {
		return &FieldError{"reason", "must be one of BEHAVIORAL_DRIFT, RATE_LIMIT, RING_BREACH, MANUAL, QUARANTINE_TIMEOUT, SESSION_TIMEOUT"}
	}
	return checkNote(r.Note)
}

// Kill activates a kill. It returns once the gate denies in scope: the
// kill is stored (so it survives a restart), published to the gate,
// in-flight calls in scope are cancelled, the kill is recorded in the audit
// log and announced to streams. A kill that cannot be stored is not made;
// one whose audit entry fails stays in force (denying is the safe side)
// and the error says so.
func (s *Switch) Kill(ctx context.Context, req Request) (api.Kill, error) {
	if err := req.validate(); err != nil {
		return api.Kill{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.killLocked(ctx, req)
}

func (s *Switch) killLocked(ctx context.Context, req Request) (api.Kill, error) {
	id, err := s.newID()
	if err != nil {
		return api.Kill{}, err
	}
	t := req.Target
	r := &record{target: t, Kill: store.Kill{ID: id, Scope: t.Scope, Agent: t.Agent, Session: t.Session, Tool: t.Tool,
		Reason: req.Reason, Note: req.Note, By: req.By, Created: s.now().UTC(), AuditIndex: -1}}
	if err := s.st.PutKill(ctx, r.Kill); err != nil {
		return api.Kill{}, fmt.Errorf("killswitch: storing the kill: %w", err)
	}
	s.active = append(s.active, r)
	s.snap.Store(build(s.active))
	r.GateEffectiveAt = s.now().UTC()
	r.InflightCancelled = s.calls.cancel(t, &KilledError{ID: id, Scope: t.Scope, Reason: req.Reason})
	idx, aerr := s.audit(ctx, "kill", r, req.By, map[string]any{"note": req.Note,
		"gate_effective_at": r.GateEffectiveAt.Format(api.TimeLayout), "inflight_cancelled": r.InflightCancelled})
	r.AuditIndex = idx
	if err := s.st.PutKill(context.WithoutCancel(ctx), r.Kill); err != nil {
		s.log.Error("kill in force but its outcome could not be stored", "kill", id, "err", err)
		aerr = errors.Join(aerr, err)
	}
	k := toAPI(r.Kill, nil)
	s.hub.publish(api.KillEvent{Type: "kill", Kill: &k})
	s.log.Warn("kill in force", "kill", id, "scope", t.Scope, "agent", t.Agent, "session", t.Session, "tool", t.Tool,
		"reason", req.Reason, "by", req.By, "inflight_cancelled", r.InflightCancelled)
	if aerr != nil {
		return k, fmt.Errorf("killswitch: kill %s is in force, but recording it failed: %w", id, aerr)
	}
	return k, nil
}

// Trip makes an automatic kill of agent (or, with a session, of that
// agent's session) unless one with the same target and reason is already
// in force. It is how the gate and the lifecycle signal: errors are logged,
// not returned, since the caller has already denied the triggering action.
func (s *Switch) Trip(ctx context.Context, agent, session, reason, note string) {
	t := Target{Scope: ScopeAgent, Agent: agent}
	if session != "" {
		t = Target{Scope: ScopeSession, Agent: agent, Session: session}
	}
	req := Request{Target: t, Reason: reason, Note: note, By: SourceAgentgov}
	if err := req.validate(); err != nil {
		s.log.Error("automatic kill refused", "agent", agent, "reason", reason, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.active {
		if r.target == t && r.Reason == reason {
			return
		}
	}
	if _, err := s.killLocked(context.WithoutCancel(ctx), req); err != nil {
		s.log.Error("automatic kill failed", "agent", agent, "reason", reason, "err", err)
	}
}

// audit records a kill-switch entry. The agent of an agent or session
// kill is the entry's agent, so that the agent's history shows it.
func (s *Switch) audit(ctx context.Context, action string, r *record, by string, extra map[string]any) (int64, error) {
	payload := map[string]any{"kill_id": r.ID, "scope": r.Scope, "reason": r.Reason, "by": by}
	for _, kv := range []struct{ k, v string }{{"agent", r.Agent}, {"session", r.Session}, {"tool", r.Tool}} {
		if kv.v != "" {
			payload[kv.k] = kv.v
		}
	}
	for k, v := range extra {
		if v != "" {
			payload[k] = v
		}
	}
	body, err := json.Marshal(payload)
	if err != nil {
		return -1, err
	}
	agent := r.Agent
	if agent == "" {
		agent = SourceAgentgov
	}
	decision := map[string]string{"kill": "killed", "unkill": "lifted", "kill_outcome": "reported"}[action]
	source := by
	if source == "" {
		source = SourceAgentgov
	}
	idx, err := s.rec.Append(context.WithoutCancel(ctx), &api.Event{Type: "killswitch", Agent: agent, Session: r.Session,
		Action: action + ":" + r.Scope, Decision: decision, Reason: r.Reason, Payload: body}, source)
	if err != nil {
		return -1, fmt.Errorf("audit: %w", err)
	}
	return idx, nil
}

// Unkill lifts the kill id.
func (s *Switch) Unkill(ctx context.Context, id, by, note string) (api.Kill, error) {
	if err := checkNote(note); err != nil {
		return api.Kill{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.active, func(r *record) bool { return r.ID == id })
	if i < 0 {
		if _, err := s.st.GetKill(ctx, id); errors.Is(err, store.ErrNotFound) {
			return api.Kill{}, ErrNotFound
		}
		return api.Kill{}, ErrLifted
	}
	return s.liftLocked(ctx, i, by, note)
}

// UnkillTarget lifts every kill in force whose target is exactly t.
func (s *Switch) UnkillTarget(ctx context.Context, t Target, by, note string) ([]api.Kill, error) {
	if err := errors.Join(t.Validate(), checkNote(note)); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []api.Kill
	for i := 0; i < len(s.active); {
		if s.active[i].target != t {
			i++
			continue
		}
		k, err := s.liftLocked(ctx, i, by, note)
		if err != nil {
			return out, err
		}
		out = append(out, k)
	}
	return out, nil
}

func (s *Switch) liftLocked(ctx context.Context, i int, by, note string) (api.Kill, error) {
	r := *s.active[i]
	r.LiftedAt, r.LiftedBy = s.now().UTC(), by
	if err := s.st.PutKill(ctx, r.Kill); err != nil {
		return api.Kill{}, fmt.Errorf("killswitch: storing the unkill: %w", err)
	}
	s.active = slices.Delete(slices.Clone(s.active), i, i+1)
	s.snap.Store(build(s.active))
	_, aerr := s.audit(ctx, "unkill", &r, by, map[string]any{"note": note, "lifted_at": r.LiftedAt.Format(api.TimeLayout)})
	k := toAPI(r.Kill, nil)
	s.hub.publish(api.KillEvent{Type: "unkill", Kill: &k})
	s.log.Warn("kill lifted", "kill", r.ID, "by", by)
	if aerr != nil {
		return k, fmt.Errorf("killswitch: kill %s is lifted, but recording it failed: %w", r.ID, aerr)
	}
	return k, nil
}

// Get returns a kill and its reported outcome.
func (s *Switch) Get(ctx context.Context, id string) (api.Kill, error) {
	k, err := s.st.GetKill(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return api.Kill{}, ErrNotFound
	}
	if err != nil {
		return api.Kill{}, err
	}
	ps, err := s.st.KillProcesses(ctx, id)
	if err != nil {
		return api.Kill{}, err
	}
	return toAPI(k, ps), nil
}

// List returns kills, oldest first, with their outcomes.
func (s *Switch) List(ctx context.Context, activeOnly bool, limit int) ([]api.Kill, error) {
	ks, err := s.st.ListKills(ctx, store.KillQuery{ActiveOnly: activeOnly, Limit: limit})
	if err != nil {
		return nil, err
	}
	out := make([]api.Kill, 0, len(ks))
	for _, k := range ks {
		ps, err := s.st.KillProcesses(ctx, k.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, toAPI(k, ps))
	}
	return out, nil
}

// Active returns the kills in force, oldest first.
func (s *Switch) Active() []api.Kill {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]api.Kill, 0, len(s.active))
	for _, r := range s.active {
		out = append(out, toAPI(r.Kill, nil))
	}
	return out
}

// Report records what a supervisor measured of a kill's effect on its
// process. The kill must exist; the report must be for a process the kill
// terminates.
func (s *Switch) Report(ctx context.Context, killID string, p api.KillProcess, by string) (api.Kill, error) {
	k, err := s.st.GetKill(ctx, killID)
	if errors.Is(err, store.ErrNotFound) {
		return api.Kill{}, ErrNotFound
	}
	if err != nil {
		return api.Kill{}, err
	}
	t := Target{Scope: k.Scope, Agent: k.Agent, Session: k.Session, Tool: k.Tool}
	sp, err := fromAPIProcess(killID, p)
	if err != nil {
		return api.Kill{}, err
	}
	if !t.Terminates(p.Agent, p.Session) {
		return api.Kill{}, &FieldError{"agent", "the kill does not terminate this agent's processes"}
	}
	sp.ReportedAt = s.now().UTC()
	if err := s.st.PutKillProcess(ctx, sp); err != nil {
		return api.Kill{}, fmt.Errorf("killswitch: storing the report: %w", err)
	}
	extra := map[string]any{"runner": p.Runner, "pid": p.PID, "pgid": p.PGID, "signalled_at": p.SignalledAt, "killed_at": p.KilledAt,
		"terminated_at": p.TerminatedAt, "confirmed_at": p.ConfirmedAt, "exit_signal": p.ExitSignal, "error": p.Error,
		"process_agent": p.Agent}
	if p.ExitCode != nil {
		extra["exit_code"] = *p.ExitCode
	}
	if _, err := s.audit(ctx, "kill_outcome", &record{Kill: k}, by, extra); err != nil {
		return api.Kill{}, fmt.Errorf("killswitch: the report is stored, but recording it failed: %w", err)
	}
	return s.Get(ctx, killID)
}

func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return t, &FieldError{field, "must be an RFC 3339 time"}
	}
	return t.UTC(), nil
}

func fromAPIProcess(killID string, p api.KillProcess) (store.KillProcess, error) {
	sp := store.KillProcess{KillID: killID, Runner: p.Runner, Agent: p.Agent, Session: p.Session, PID: p.PID, PGID: p.PGID,
		ExitSignal: p.ExitSignal, Error: p.Error}
	if err := errors.Join(checkID("runner", p.Runner), checkID("agent", p.Agent)); err != nil {
		return sp, err
	}
	if len(p.Session) > maxIDBytes || len(p.ExitSignal) > 64 || len(p.Error) > maxNoteBytes {
		return sp, &FieldError{"", "a member is too long"}
	}
	if p.PID <= 0 || p.PGID <= 0 {
		return sp, &FieldError{"pid", "pid and pgid must be positive"}
	}
	if p.ExitCode != nil {
		sp.Exited, sp.ExitCode = true, *p.ExitCode
	}
	var err error
	for _, f := range []struct {
		name string
		v    string
		dst  *time.Time
	}{{"signalled_at", p.SignalledAt, &sp.SignalledAt}, {"killed_at", p.KilledAt, &sp.KilledAt},
		{"terminated_at", p.TerminatedAt, &sp.TerminatedAt}, {"confirmed_at", p.ConfirmedAt, &sp.ConfirmedAt}} {
		if *f.dst, err = parseTime(f.name, f.v); err != nil {
			return sp, err
		}
	}
	// The contract: terminated only with an exit status, confirmed only
	// after termination.
	if !sp.TerminatedAt.IsZero() && !sp.Exited {
		return sp, &FieldError{"terminated_at", "needs exit_code: terminated means the child has exited"}
	}
	if !sp.ConfirmedAt.IsZero() && sp.TerminatedAt.IsZero() {
		return sp, &FieldError{"confirmed_at", "needs terminated_at: the group is gone only after the child has exited"}
	}
	return sp, nil
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func toAPI(k store.Kill, ps []store.KillProcess) api.Kill {
	out := api.Kill{ID: k.ID, Scope: k.Scope, Agent: k.Agent, Session: k.Session, Tool: k.Tool, Reason: k.Reason, Note: k.Note,
		By: k.By, Created: fmtTime(k.Created), GateEffectiveAt: fmtTime(k.GateEffectiveAt), InflightCancelled: k.InflightCancelled,
		Active: k.LiftedAt.IsZero(), LiftedAt: fmtTime(k.LiftedAt), LiftedBy: k.LiftedBy, AuditIndex: k.AuditIndex,
		Processes: []api.KillProcess{}}
	for _, p := range ps {
		ap := api.KillProcess{Runner: p.Runner, Agent: p.Agent, Session: p.Session, PID: p.PID, PGID: p.PGID,
			SignalledAt: fmtTime(p.SignalledAt), KilledAt: fmtTime(p.KilledAt), ExitSignal: p.ExitSignal,
			TerminatedAt: fmtTime(p.TerminatedAt), ConfirmedAt: fmtTime(p.ConfirmedAt), Error: p.Error, ReportedAt: fmtTime(p.ReportedAt)}
		if p.Exited {
			c := p.ExitCode
			ap.ExitCode = &c
		}
		out.Processes = append(out.Processes, ap)
	}
	return out
}

// TargetOf is the target of an API kill.
func TargetOf(k api.Kill) Target {
	return Target{Scope: k.Scope, Agent: k.Agent, Session: k.Session, Tool: k.Tool}
}
