// Package approval holds escalated actions until people decide them. The
// gate opens a request for every escalation it answers; approvers — never
// agents, never a credential bound to the requesting agent — vote on it;
// the request resolves when its quorum of distinct approvers approves,
// when its quorum of rejections denies, or when its deadline passes
// (which denies), and every caller waiting on it is released at that
// moment. An approved request admits exactly the action that was approved,
// once: it binds to the action's identity and is consumed atomically in
// the store.
//
// Every request, vote, resolution, timeout and consumption is an audit
// entry of type "approval". State lives in the store, so a restarted
// server keeps its pending requests and their deadlines.
package approval

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
	"unicode/utf8"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/store"
)

// EventType is the audit entry type of everything this package records.
const EventType = "approval"

// Audit actions.
const (
	ActionRequest  = "approval_request"
	ActionVote     = "approval_vote"
	ActionResolve  = "approval_resolved"
	ActionConsume  = "approval_consumed"
	maxCommentSize = 1024
	maxIDSize      = 64
)

// Resolutions.
const (
	ResolutionQuorum   = "quorum_met"
	ResolutionRejected = "rejected"
	ResolutionTimeout  = "timeout"
)

// Recorder appends audit entries (the audit log).
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Notifier is told of every request opened and resolved (the webhook). It
// must not block: it queues.
type Notifier interface {
	Notify(kind string, a api.Approval)
}

// Clock is the time source; tests inject one whose timers they fire.
type Clock interface {
	Now() time.Time
	// AfterFunc calls f after d and returns a function that cancels it.
	AfterFunc(d time.Duration, f func()) (stop func() bool)
}

type systemClock struct{}

func (systemClock) Now() time.Time { return time.Now() }

func (systemClock) AfterFunc(d time.Duration, f func()) func() bool { return time.AfterFunc(d, f).Stop }

// Approver is an authenticated principal casting a vote.
type Approver struct {
	// ID identifies the principal; two votes with one ID are one approver.
	// It is the principal as the audit log records it ("token:<name>").
	ID string
	// Role is the role the principal's credential holds.
	Role string
	// Agent is set when the principal is an agent itself: agents never
	// approve.
	Agent string
	// Speaks reports whether the credential is bound to an agent (a
	// token's agents list): it may not approve that agent's requests. Nil
	// means bound to none.
	Speaks func(agent string) bool
}

// Error kinds callers branch on.
const (
	KindNotFound  = "not_found"
	KindForbidden = "forbidden"
	KindSelf      = "self_approval"
	KindDuplicate = "duplicate_vote"
	KindResolved  = "resolved"
	KindInvalid   = "invalid"
	KindConflict  = "conflict"
)

// Error is a refused operation.
type Error struct {
	Kind, Msg string
}

func (e *Error) Error() string { return "approval: " + e.Msg }

func errorf(kind, format string, args ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// Options configure New.
type Options struct {
	Store    store.Approvals
	Recorder Recorder
	Config   Config
	Clock    Clock
	// Rand is the source of request ids (crypto/rand when nil).
	Rand     io.Reader
	Notifier Notifier
	Logger   *slog.Logger
	Metrics  *Metrics
}

// Service is safe for concurrent use.
type Service struct {
	st     store.Approvals
	rec    Recorder
	cfg    atomic.Pointer[Config]
	clock  Clock
	rand   io.Reader
	notify Notifier
	log    *slog.Logger
	m      *Metrics

	// mu serialises changes, so that a vote, its resolution and their
	// audit entries happen as one step; the store's compare-and-swap
	// guards against another replica.
	mu sync.Mutex

	wmu     sync.Mutex
	waiters map[string]chan struct{}
	timers  map[string]func() bool
	closed  bool
}

var _ gate.Approvals = (*Service)(nil)

// New builds the service; Start arms the deadlines of stored requests.
func New(o Options) (*Service, error) {
	if o.Store == nil || o.Recorder == nil {
		return nil, errors.New("approval: a store and a recorder are required")
	}
	if o.Clock == nil {
		o.Clock = systemClock{}
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{st: o.Store, rec: o.Recorder, clock: o.Clock, rand: o.Rand, notify: o.Notifier, log: o.Logger, m: o.Metrics,
		waiters: map[string]chan struct{}{}, timers: map[string]func() bool{}}
	s.SetConfig(o.Config)
	return s, nil
}

// SetConfig replaces the policy for requests opened from now on; open
// requests keep the quorum, role and deadline they were opened with.
func (s *Service) SetConfig(c Config) {
	if c.RejectQuorum < 1 {
		c.RejectQuorum = 1
	}
	s.cfg.Store(&c)
}

// Start arms the deadline of every pending request in the store: a
// request whose deadline passed while the server was down expires now.
func (s *Service) Start(ctx context.Context) error {
	q := store.ApprovalQuery{State: store.ApprovalPending, Limit: store.MaxApprovalList}
	for {
		page, err := s.st.ListApprovals(ctx, q)
		if err != nil {
			return fmt.Errorf("approval: loading pending requests: %w", err)
		}
		for _, r := range page {
			s.arm(r.ID, r.Deadline)
		}
		if len(page) < q.Limit {
			return nil
		}
		last := page[len(page)-1]
		q.AfterCreated, q.AfterID = last.Created, last.ID
	}
}

// Close stops the deadline timers and releases every waiter (they see the
// request as stored). Deadlines continue from the store after a restart.
func (s *Service) Close() {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.closed = true
	for id, stop := range s.timers {
		stop()
		delete(s.timers, id)
	}
	for id, ch := range s.waiters {
		close(ch)
		delete(s.waiters, id)
	}
}

func (s *Service) arm(id string, deadline time.Time) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		return
	}
	if stop, ok := s.timers[id]; ok {
		stop()
	}
	d := max(deadline.Sub(s.clock.Now()), 0)
	s.timers[id] = s.clock.AfterFunc(d, func() { s.expire(id) })
}

func (s *Service) disarm(id string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if stop, ok := s.timers[id]; ok {
		stop()
		delete(s.timers, id)
	}
}

// watch returns a channel closed when request id next changes state.
func (s *Service) watch(id string) <-chan struct{} {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if s.closed {
		ch := make(chan struct{})
		close(ch)
		return ch
	}
	ch, ok := s.waiters[id]
	if !ok {
		ch = make(chan struct{})
		s.waiters[id] = ch
	}
	return ch
}

// release wakes everyone waiting on id.
func (s *Service) release(id string) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if ch, ok := s.waiters[id]; ok {
		close(ch)
		delete(s.waiters, id)
	}
}

func (s *Service) newID() (string, error) {
	b := make([]byte, 16)
	if _, err := io.ReadFull(s.rand, b); err != nil {
		return "", fmt.Errorf("approval: request id: %w", err)
	}
	return "apr-" + hex.EncodeToString(b), nil
}

// load reads and decodes one request.
func (s *Service) load(ctx context.Context, id string) (store.ApprovalRecord, api.Approval, error) {
	var a api.Approval
	if id == "" || len(id) > maxIDSize {
		return store.ApprovalRecord{}, a, errorf(KindNotFound, "no approval request %q", truncate(id))
	}
	r, err := s.st.GetApproval(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return r, a, errorf(KindNotFound, "no approval request %q", id)
	}
	if err != nil {
		return r, a, err
	}
	if err := json.Unmarshal(r.Body, &a); err != nil {
		return r, a, fmt.Errorf("approval: stored request %s: %w", id, err)
	}
	return r, a, nil
}

// save writes a over the version r was read at.
func (s *Service) save(ctx context.Context, r store.ApprovalRecord, a api.Approval) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	r.State, r.Body = a.State, body
	err = s.st.UpdateApproval(ctx, r)
	if errors.Is(err, store.ErrConflict) {
		return errorf(KindConflict, "request %s changed meanwhile; try again", a.ID)
	}
	return err
}

// record appends one approval entry.
func (s *Service) record(ctx context.Context, a *api.Approval, action, decision, reason, source string, payload map[string]any) (int64, error) {
	payload["approval_id"] = a.ID
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	// Reason and rule come from policy text; the log bounds both.
	ev := &api.Event{Type: EventType, Agent: a.Agent, Session: a.Session, Action: action, Decision: decision, Reason: clip(reason, 4096),
		Rule: clip(a.Rule, 4096), Payload: body}
	if action != ActionRequest {
		ref := a.RequestAuditIndex
		ev.Ref = &ref
	}
	idx, err := s.rec.Append(ctx, ev, source)
	if err != nil {
		return 0, fmt.Errorf("approval: recording %s: %w", action, err)
	}
	return idx, nil
}

// Open implements gate.Approvals: it records and stores a pending request
// for the escalated action and arms its deadline.
func (s *Service) Open(ctx context.Context, act gate.ApprovalAction) (string, error) {
	cfg := s.cfg.Load()
	rule := cfg.rule(act.Tool)
	if act.Timeout > 0 && act.Timeout < rule.Timeout {
		rule.Timeout = act.Timeout
	}
	id, err := s.newID()
	if err != nil {
		return "", err
	}
	now := s.clock.Now().UTC()
	a := api.Approval{ID: id, State: api.ApprovalPending, Agent: act.Agent, Session: act.Session, InterventionPoint: act.Point,
		Tool: act.Tool, ActionIdentity: act.Identity, ACSIdentity: act.ACSIdentity, Reasons: slices.Clone(act.Reasons),
		Rule: act.Rule, Requester: act.Requester, ApproverRole: rule.ApproverRole, Quorum: rule.Quorum, Required: rule.Quorum,
		RejectQuorum: cfg.RejectQuorum, Created: now, Deadline: now.Add(rule.Timeout), Votes: []api.ApprovalVote{}}
	if a.Reasons == nil {
		a.Reasons = []string{}
	}
	reason := ""
	if len(a.Reasons) > 0 {
		reason = a.Reasons[0]
	}
	idx, err := s.record(ctx, &a, ActionRequest, api.ApprovalPending, reason, audit.SourceAgentgov, map[string]any{
		"tool": a.Tool, "point": a.InterventionPoint, "action_identity": a.ActionIdentity, "requester": a.Requester,
		"approver_role": a.ApproverRole, "quorum": a.Quorum, "reject_quorum": a.RejectQuorum,
		"deadline": a.Deadline.Format(time.RFC3339Nano), "reasons": a.Reasons})
	if err != nil {
		return "", err
	}
	a.RequestAuditIndex = idx
	body, err := json.Marshal(a)
	if err != nil {
		return "", err
	}
	if err := s.st.CreateApproval(ctx, store.ApprovalRecord{ID: id, Agent: a.Agent, State: a.State, Created: a.Created,
		Deadline: a.Deadline, Body: body}); err != nil {
		return "", fmt.Errorf("approval: storing request: %w", err)
	}
	s.arm(id, a.Deadline)
	s.m.open()
	s.tell("approval.requested", a)
	return id, nil
}

func (s *Service) tell(kind string, a api.Approval) {
	if s.notify != nil {
		s.notify.Notify(kind, a)
	}
}

// Get returns one request.
func (s *Service) Get(ctx context.Context, id string) (api.Approval, error) {
	_, a, err := s.load(ctx, id)
	return a, err
}

// Wait returns the request once it has left pending, or as it stands
// when ctx ends (bound the wait with a deadline on ctx). A request is
// released at the moment it resolves: by its quorum, its rejections or
// its deadline.
func (s *Service) Wait(ctx context.Context, id string) (api.Approval, error) {
	for {
		// Watch before reading, so that a resolution between the read and
		// the wait is not missed.
		ch := s.watch(id)
		_, a, err := s.load(ctx, id)
		if err != nil || a.State != api.ApprovalPending {
			return a, err
		}
		select {
		case <-ch:
			s.wmu.Lock()
			closed := s.closed
			s.wmu.Unlock()
			if closed {
				_, a, err := s.load(context.WithoutCancel(ctx), id)
				return a, err
			}
		case <-ctx.Done():
			_, a, err := s.load(context.WithoutCancel(ctx), id)
			return a, err
		}
	}
}

// Query selects requests for List.
type Query struct {
	State, Agent string
	Limit        int
	// Cursor continues a listing (the NextCursor of the previous page).
	Cursor string
}

// List returns requests in creation order.
func (s *Service) List(ctx context.Context, q Query) (api.ApprovalList, error) {
	sq := store.ApprovalQuery{State: q.State, Agent: q.Agent, Limit: q.Limit}
	if sq.Limit <= 0 || sq.Limit > store.MaxApprovalList {
		sq.Limit = 100
	}
	if q.Cursor != "" {
		var err error
		if sq.AfterCreated, sq.AfterID, err = parseCursor(q.Cursor); err != nil {
			return api.ApprovalList{}, err
		}
	}
	rs, err := s.st.ListApprovals(ctx, sq)
	if err != nil {
		return api.ApprovalList{}, err
	}
	out := api.ApprovalList{Approvals: make([]api.Approval, 0, len(rs))}
	for _, r := range rs {
		var a api.Approval
		if err := json.Unmarshal(r.Body, &a); err != nil {
			return out, fmt.Errorf("approval: stored request %s: %w", r.ID, err)
		}
		out.Approvals = append(out.Approvals, a)
	}
	if len(rs) == sq.Limit {
		c := makeCursor(rs[len(rs)-1])
		out.NextCursor = &c
	}
	return out, nil
}

func makeCursor(r store.ApprovalRecord) string {
	return fmt.Sprintf("%d.%s", r.Created.UnixNano(), r.ID)
}

func parseCursor(c string) (time.Time, string, error) {
	var ns int64
	var id string
	if len(c) > 128 {
		return time.Time{}, "", errorf(KindInvalid, "cursor: not a cursor this server issued")
	}
	for i := 0; i < len(c); i++ {
		if c[i] == '.' {
			if _, err := fmt.Sscanf(c[:i], "%d", &ns); err != nil || i+1 >= len(c) {
				break
			}
			id = c[i+1:]
			return time.Unix(0, ns).UTC(), id, nil
		}
	}
	return time.Time{}, "", errorf(KindInvalid, "cursor: not a cursor this server issued")
}

// Vote casts who's vote (api.VoteApprove or api.VoteDeny) on request id
// and returns the request as it stands after it.
func (s *Service) Vote(ctx context.Context, id string, who Approver, vote, comment string) (api.Approval, error) {
	if vote != api.VoteApprove && vote != api.VoteDeny {
		return api.Approval{}, errorf(KindInvalid, "vote must be %s or %s", api.VoteApprove, api.VoteDeny)
	}
	if len(comment) > maxCommentSize || !utf8.ValidString(comment) {
		return api.Approval{}, errorf(KindInvalid, "comment must be valid UTF-8 of at most %d bytes", maxCommentSize)
	}
	if who.ID == "" {
		return api.Approval{}, errorf(KindForbidden, "an unauthenticated principal cannot vote")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, a, err := s.load(ctx, id)
	if err != nil {
		return a, err
	}
	now := s.clock.Now().UTC()
	if a.State == api.ApprovalPending && !now.Before(a.Deadline) {
		// The deadline passed and its timer has not run yet: it wins.
		if err := s.expireLocked(ctx, r, a, now); err != nil {
			return a, err
		}
		return a, errorf(KindResolved, "request %s expired at %s", id, a.Deadline.Format(time.RFC3339))
	}
	switch {
	case a.State != api.ApprovalPending:
		return a, errorf(KindResolved, "request %s is already %s", id, a.State)
	case who.Agent != "":
		return a, errorf(KindForbidden, "an agent cannot approve or deny requests")
	case who.Role != a.ApproverRole:
		return a, errorf(KindForbidden, "request %s needs an approver with role %s; %s holds %s", id, a.ApproverRole, who.ID, who.Role)
	case who.ID == a.Requester:
		return a, errorf(KindSelf, "%s submitted the escalated check and cannot decide its own request", who.ID)
	case who.Speaks != nil && who.Speaks(a.Agent):
		return a, errorf(KindSelf, "%s speaks for agent %s and cannot decide that agent's request", who.ID, a.Agent)
	}
	for _, v := range a.Votes {
		if v.Approver == who.ID {
			return a, errorf(KindDuplicate, "%s already voted %s on request %s; each approver counts once", who.ID, v.Vote, id)
		}
	}
	v := api.ApprovalVote{Approver: who.ID, Role: who.Role, Vote: vote, Comment: comment, Time: now}
	if vote == api.VoteApprove {
		if v.Fatigue, err = s.fatigue(ctx, a, who.ID, now); err != nil {
			return a, err
		}
	}
	next := a
	next.Votes = append(slices.Clone(a.Votes), v)
	cfg := s.cfg.Load()
	if len(v.Fatigue) > 0 && cfg.Fatigue.ExtraApprovers > 0 && next.Required == next.Quorum {
		next.Required += cfg.Fatigue.ExtraApprovers
	}
	approvals, rejections := 0, 0
	for _, x := range next.Votes {
		if x.Vote == api.VoteApprove {
			approvals++
		} else {
			rejections++
		}
	}
	switch {
	case rejections >= next.RejectQuorum:
		next.State, next.Resolution, next.Resolved = api.ApprovalDenied, ResolutionRejected, now
	case approvals >= next.Required:
		next.State, next.Resolution, next.Resolved = api.ApprovalApproved, ResolutionQuorum, now
	}
	reason := ""
	if len(v.Fatigue) > 0 {
		reason = v.Fatigue[0]
	}
	// The vote and the resolution are recorded before they take effect:
	// nothing is approved that the log does not show.
	if _, err := s.record(ctx, &next, ActionVote, vote, reason, who.ID, map[string]any{"comment": comment, "fatigue": v.Fatigue,
		"approvals": approvals, "rejections": rejections, "required": next.Required, "reject_quorum": next.RejectQuorum}); err != nil {
		return a, err
	}
	if next.State != api.ApprovalPending {
		if _, err := s.record(ctx, &next, ActionResolve, next.State, next.Resolution, audit.SourceAgentgov, map[string]any{
			"approvers": approversOf(next.Votes), "approvals": approvals, "rejections": rejections}); err != nil {
			return a, err
		}
	}
	if err := s.save(ctx, r, next); err != nil {
		return a, err
	}
	s.m.vote(vote, v.Fatigue)
	if len(v.Fatigue) > 0 {
		s.log.Warn("approver fatigue flagged", "approver", who.ID, "approval_id", id, "flags", v.Fatigue)
	}
	if next.State != api.ApprovalPending {
		s.disarm(id)
		s.release(id)
		s.m.resolve(next.State)
		s.tell("approval.resolved", next)
	}
	return next, nil
}

func approversOf(vs []api.ApprovalVote) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		out = append(out, v.Vote+":"+v.Approver)
	}
	return out
}

// expire runs at a request's deadline.
func (s *Service) expire(id string) {
	ctx := context.Background()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.wmu.Lock()
	delete(s.timers, id)
	closed := s.closed
	s.wmu.Unlock()
	if closed {
		return
	}
	r, a, err := s.load(ctx, id)
	if err != nil {
		s.log.Error("approval deadline: reading the request failed; it stays pending and denies until resolved", "approval_id", id, "err", err)
		return
	}
	if a.State != api.ApprovalPending {
		return
	}
	now := s.clock.Now().UTC()
	if now.Before(a.Deadline) {
		s.arm(id, a.Deadline)
		return
	}
	if err := s.expireLocked(ctx, r, a, now); err != nil {
		s.log.Error("approval deadline: expiring the request failed; retrying", "approval_id", id, "err", err)
		s.arm(id, now.Add(time.Second))
	}
}

// expireLocked resolves a pending request as expired (a deny). s.mu is
// held.
func (s *Service) expireLocked(ctx context.Context, r store.ApprovalRecord, a api.Approval, now time.Time) error {
	next := a
	next.State, next.Resolution, next.Resolved = api.ApprovalExpired, ResolutionTimeout, now
	if _, err := s.record(ctx, &next, ActionResolve, api.ApprovalExpired, ResolutionTimeout, audit.SourceAgentgov, map[string]any{
		"deadline": a.Deadline.Format(time.RFC3339Nano), "approvers": approversOf(a.Votes)}); err != nil {
		return err
	}
	if err := s.save(ctx, r, next); err != nil {
		return err
	}
	s.disarm(a.ID)
	s.release(a.ID)
	s.m.resolve(next.State)
	s.tell("approval.resolved", next)
	return nil
}

// Consume implements gate.Approvals: it spends the approved request id
// for action act, exactly once.
func (s *Service) Consume(ctx context.Context, id string, act gate.ApprovalAction) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, a, err := s.load(ctx, id)
	var e *Error
	if errors.As(err, &e) && e.Kind == KindNotFound {
		return &gate.ApprovalRefusal{Reason: gate.ReasonApprovalUnknown, Message: "no approval request with this id"}
	}
	if err != nil {
		return err
	}
	now := s.clock.Now().UTC()
	refuse := func(reason, format string, args ...any) error {
		return &gate.ApprovalRefusal{Reason: reason, Message: fmt.Sprintf(format, args...)}
	}
	switch {
	case a.Agent != act.Agent || a.ActionIdentity != act.Identity:
		// Checked first: a request for another action says nothing about
		// this one, whatever its state.
		return refuse(gate.ReasonApprovalMismatch, "approval %s was given for a different action", id)
	case a.State == api.ApprovalPending && !now.Before(a.Deadline):
		if err := s.expireLocked(ctx, r, a, now); err != nil {
			return err
		}
		return refuse(gate.ReasonApprovalExpired, "approval %s expired without its quorum", id)
	case a.State == api.ApprovalPending:
		return refuse(gate.ReasonApprovalPending, "approval %s is still pending (%d of %d approvals)", id, countVotes(a.Votes, api.VoteApprove), a.Required)
	case a.State == api.ApprovalDenied:
		return refuse(gate.ReasonApprovalDenied, "approval %s was denied", id)
	case a.State == api.ApprovalExpired:
		return refuse(gate.ReasonApprovalExpired, "approval %s expired without its quorum", id)
	case a.State != api.ApprovalApproved:
		return refuse(gate.ReasonApprovalDenied, "approval %s is %s", id, a.State)
	case !a.Consumed.IsZero():
		return refuse(gate.ReasonApprovalConsumed, "approval %s was already used at %s", id, a.Consumed.Format(time.RFC3339))
	}
	next := a
	next.Consumed = now
	// The compare-and-swap is the single point of consumption: of two
	// re-checks racing (even on two replicas) exactly one writes.
	if err := s.save(ctx, r, next); err != nil {
		var e *Error
		if errors.As(err, &e) && e.Kind == KindConflict {
			return refuse(gate.ReasonApprovalConsumed, "approval %s was used concurrently", id)
		}
		return err
	}
	if _, err := s.record(ctx, &next, ActionConsume, "consumed", "", audit.SourceAgentgov, map[string]any{
		"action_identity": act.Identity, "requester": act.Requester}); err != nil {
		// Spent but unrecorded: the gate denies (approval_unavailable), so
		// nothing runs that the log does not show.
		return err
	}
	s.m.consume()
	return nil
}

func countVotes(vs []api.ApprovalVote, vote string) int {
	n := 0
	for _, v := range vs {
		if v.Vote == vote {
			n++
		}
	}
	return n
}

// clip cuts s to at most n bytes on a rune boundary.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

func truncate(s string) string {
	if len(s) > maxIDSize {
		return clip(s, maxIDSize) + "…"
	}
	return s
}
