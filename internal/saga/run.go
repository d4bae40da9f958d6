package saga

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/jsonplain"
	"github.com/agentgov/agentgov/internal/store"
)

// run is one saga being driven by this runner.
type run struct {
	rec   store.SagaRecord
	steps []Step
	done  chan struct{}

	mu sync.Mutex
	// abort cancels the forward phase; pending holds a cause that arrived
	// before the phase began.
	abort   context.CancelCauseFunc
	pending error
	// call cancels the delivery in flight.
	call context.CancelCauseFunc
	// handoffTo is the substitute a kill handed the saga to; kill is that
	// kill.
	handoffTo string
	kill      Kill
	// acting and from mirror rec.Acting and the index of the step under
	// way, for OnKill, which runs beside the driver.
	acting string
	from   int
}

func (ru *run) progress(acting string, from int) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.acting, ru.from = acting, from
}

func newRun(rec store.SagaRecord, steps []Step) *run {
	return &run{rec: rec, steps: steps, done: make(chan struct{}), acting: rec.Acting}
}

// abortCause ends the forward phase; reason is recorded as the saga's.
type abortCause struct{ reason string }

func (a *abortCause) Error() string { return "saga: " + a.reason }

var errHandoff = errors.New("saga: handed off to a substitute")

// abortWith stops the forward phase for cause (the first cause wins).
func (ru *run) abortWith(cause error) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	if ru.pending == nil {
		ru.pending = cause
	}
	if ru.abort != nil {
		ru.abort(cause)
	}
}

func (ru *run) setAbort(f context.CancelCauseFunc) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.abort = f
	if f != nil && ru.pending != nil {
		f(ru.pending)
	}
}

// setCall registers the cancel of the delivery in flight; a handoff that
// is already pending cancels it at once.
func (ru *run) setCall(f context.CancelCauseFunc) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	ru.call = f
	if f != nil && ru.handoffTo != "" {
		f(errHandoff)
	}
}

func (ru *run) takeHandoff() (string, Kill) {
	ru.mu.Lock()
	defer ru.mu.Unlock()
	to, k := ru.handoffTo, ru.kill
	ru.handoffTo = ""
	return to, k
}

// Start begins a saga and returns its id once its first checkpoint and
// its start entry are written; the steps run in the background.
func (r *Runner) Start(ctx context.Context, s Spec) (string, error) {
	now := r.o.Now().UTC()
	if s.Source == "" {
		s.Source = r.o.DefaultSource
	}
	rec := store.SagaRecord{Source: s.Source, Status: StatusRunning, Created: now, Updated: now, Version: 1}
	var steps []Step
	var timeout time.Duration
	switch {
	case s.HTTP != nil && s.Name != "":
		return "", bad("", "a saga is either a registered Go definition or an HTTP definition, not both")
	case s.HTTP != nil:
		d := s.HTTP
		if err := Validate(d); err != nil {
			return "", err
		}
		def, err := json.Marshal(d)
		if err != nil {
			return "", err
		}
		if steps, err = r.httpSteps(d); err != nil {
			return "", err
		}
		timeout, _ = parseDuration("timeout", d.Timeout, MinSagaTimeout, MaxSagaTimeout)
		rec.Kind, rec.Definition = KindHTTP, def
		rec.Agent, rec.Substitute, rec.Session, rec.Input = d.Agent, d.Substitute, d.Session, d.Input
	default:
		r.mu.Lock()
		steps = r.defs[s.Name]
		r.mu.Unlock()
		if steps == nil {
			return "", bad("name", "no saga definition is registered under this name")
		}
		for _, f := range []struct{ name, v string }{{"agent", s.Agent}, {"substitute", s.Substitute}, {"session", s.Session}} {
			if err := checkID(f.name, f.v, f.name == "agent"); err != nil {
				return "", err
			}
		}
		if len(s.Input) > MaxInputBytes || (len(bytes.TrimSpace(s.Input)) > 0 && !json.Valid(s.Input)) {
			return "", bad("input", "must be valid JSON of at most %d bytes", MaxInputBytes)
		}
		if s.Timeout != 0 && (s.Timeout < MinSagaTimeout || s.Timeout > MaxSagaTimeout) {
			return "", bad("timeout", "must be between %s and %s", MinSagaTimeout, MaxSagaTimeout)
		}
		timeout = s.Timeout
		rec.Kind = "go:" + s.Name
		rec.Agent, rec.Substitute, rec.Session = s.Agent, s.Substitute, s.Session
		if in := bytes.TrimSpace(s.Input); len(in) > 0 {
			rec.Input = slices.Clone(in)
		}
	}
	if timeout == 0 {
		timeout = r.o.SagaTimeout
	}
	id, err := r.newID()
	if err != nil {
		return "", err
	}
	rec.ID, rec.Acting, rec.Deadline = id, rec.Agent, now.Add(timeout)
	if rec.Session == "" {
		rec.Session = id
	}
	if rec.Substitute == "" {
		rec.Substitute = r.o.Substitutes(rec.Agent)
	}
	for _, st := range steps {
		rec.Steps = append(rec.Steps, store.SagaStep{Name: st.Name, Status: StepPending})
	}
	ru := newRun(rec, steps)
	names := make([]string, len(steps))
	for i, st := range steps {
		names[i] = st.Name
	}
	// The start is written ahead of the saga, as every step is: a saga
	// that any reader (or a restart) can find has its start in the log.
	// Nothing is stored when the start cannot be recorded.
	if _, err := r.record(ctx, ru, "saga_start", "started", "", map[string]any{"steps": names, "substitute": rec.Substitute,
		"deadline": rec.Deadline.Format(time.RFC3339Nano), "kind": rec.Kind}); err != nil {
		return "", fmt.Errorf("saga: recording the start: %w", err)
	}
	if err := r.o.Store.CreateSaga(ctx, rec); err != nil {
		// The log holds a start for a saga that never ran: close it.
		if _, aerr := r.record(ctx, ru, "saga_end", StatusCompensated, "store_unavailable", map[string]any{"steps": map[string]int{StepPending: len(steps)}}); aerr != nil {
			r.log.Error("saga audit write failed", "saga", id, "err", aerr)
		}
		return "", fmt.Errorf("saga: %w", err)
	}
	if err := r.launch(ru); err != nil {
		return "", err
	}
	return id, nil
}

// httpSteps turns a definition's steps into steps that POST.
func (r *Runner) httpSteps(d *Definition) ([]Step, error) {
	var out []Step
	for i, sd := range d.Steps {
		t, err := parseDuration(fmt.Sprintf("steps[%d].timeout", i), sd.Timeout, MinStepTimeout, MaxStepTimeout)
		if err != nil {
			return nil, err
		}
		u, cu := sd.URL, sd.CompensationURL
		out = append(out, Step{Name: sd.Name, Tool: sd.Tool, Timeout: t, MaxAttempts: sd.MaxAttempts, url: u, compURL: cu,
			Do: func(ctx context.Context, c Call) (json.RawMessage, error) {
				return r.http.post(ctx, u, KindStep, c)
			},
			Undo: func(ctx context.Context, c Call) (json.RawMessage, error) {
				return r.http.post(ctx, cu, KindCompensation, c)
			},
		})
	}
	return out, nil
}

func (r *Runner) launch(ru *run) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return ErrClosed
	}
	if _, ok := r.active[ru.rec.ID]; ok {
		return nil
	}
	r.active[ru.rec.ID] = ru
	r.wg.Add(1)
	go r.drive(ru)
	return nil
}

// Resume continues every unfinished saga in the store that this runner
// can run: HTTP sagas, and Go sagas whose definition is registered. It
// returns how many it resumed.
//
// A delivery that was in flight when the previous process stopped (a step
// or compensation checkpointed as running) is re-sent with the same attempt
// number and idempotency key, after the step passes the gate again; a saga
// whose deadline passed meanwhile compensates instead, counting such a step
// as unknown (and so compensating it too).
func (r *Runner) Resume(ctx context.Context) (int, error) {
	recs, err := r.o.Store.ListSagas(ctx, store.SagaQuery{Unfinished: true})
	if err != nil {
		return 0, fmt.Errorf("saga: resume: %w", err)
	}
	n := 0
	for _, rec := range recs {
		var steps []Step
		if rec.Kind == KindHTTP {
			d, err := DecodeDefinition(rec.Definition)
			if err == nil {
				steps, err = r.httpSteps(d)
			}
			if err != nil {
				r.log.Error("saga definition in the store is unreadable; not resumed", "saga", rec.ID, "err", err)
				continue
			}
		} else {
			name, _ := cutPrefix(rec.Kind, "go:")
			r.mu.Lock()
			steps = r.defs[name]
			r.mu.Unlock()
			if steps == nil {
				continue
			}
		}
		if len(steps) != len(rec.Steps) {
			r.log.Error("saga checkpoint does not match its definition; not resumed", "saga", rec.ID)
			continue
		}
		ru := newRun(rec, steps)
		if _, err := r.record(ctx, ru, "saga_resume", rec.Status, "", nil); err != nil {
			return n, fmt.Errorf("saga: recording the resumption of %s: %w", rec.ID, err)
		}
		if err := r.launch(ru); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}

// drive runs a saga until it finishes or the runner closes.
func (r *Runner) drive(ru *run) {
	defer r.wg.Done()
	defer func() {
		r.mu.Lock()
		delete(r.active, ru.rec.ID)
		r.mu.Unlock()
		close(ru.done)
	}()
	ctx := r.base
	for !ru.rec.Finished {
		var err error
		switch ru.rec.Status {
		case StatusRunning:
			err = r.forward(ctx, ru)
		case StatusCompensating:
			err = r.compensate(ctx, ru)
		default:
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				r.log.Error("saga stopped; it resumes from its checkpoint when agentgov restarts", "saga", ru.rec.ID, "err", err)
			}
			return
		}
	}
}

// checkpoint writes ru's state.
func (r *Runner) checkpoint(ctx context.Context, ru *run) error {
	ru.rec.Version++
	ru.rec.Updated = r.o.Now().UTC()
	if err := r.o.Store.UpdateSaga(ctx, ru.rec); err != nil {
		ru.rec.Version--
		return fmt.Errorf("saga: checkpoint: %w", err)
	}
	return nil
}

// record writes one audit entry about ru.
func (r *Runner) record(ctx context.Context, ru *run, action, decision, reason string, payload map[string]any) (int64, error) {
	if payload == nil {
		payload = map[string]any{}
	}
	payload["saga_id"] = ru.rec.ID
	payload["started_by"] = ru.rec.Source
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	// The acting agent is read under the run's lock: Abort records from
	// another goroutine than the driver's.
	ru.mu.Lock()
	acting := ru.acting
	ru.mu.Unlock()
	return r.o.Audit.Append(context.WithoutCancel(ctx), &api.Event{Type: "saga", Agent: acting, Session: ru.rec.Session,
		Action: action, Decision: decision, Reason: reason, Payload: b}, audit.SourceAgentgov)
}

// call builds the Call for delivery attempt of step i.
func (r *Runner) call(ru *run, i int, kind string, attempt int) Call {
	prev := map[string]json.RawMessage{}
	for j := range i {
		if st := ru.rec.Steps[j]; st.Status == StepSucceeded && st.Result != nil {
			prev[st.Name] = json.RawMessage(st.Result)
		}
	}
	return Call{SagaID: ru.rec.ID, Step: ru.steps[i].Name, Index: i, Attempt: attempt, Agent: ru.rec.Acting,
		IdempotencyKey: IdempotencyKey(ru.rec.ID, i, kind, attempt), Input: json.RawMessage(ru.rec.Input), Previous: prev}
}

func decodeAny(b []byte) any {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return v
}

// checkPre asks the gate whether the acting agent may run delivery c of
// step i. A transform rewrites c's input and previous results.
func (r *Runner) checkPre(ctx context.Context, ru *run, i int, c *Call) Verdict {
	st := ru.steps[i]
	prev := map[string]any{}
	for k, v := range c.Previous {
		prev[k] = decodeAny(v)
	}
	args := map[string]any{"saga_id": ru.rec.ID, "step": st.Name, "input": decodeAny(c.Input), "previous": prev}
	if st.url != "" {
		args["url"], args["compensation_url"] = st.url, st.compURL
	}
	v, err := r.o.Gate.Check(ctx, Action{Agent: ru.rec.Acting, Session: ru.rec.Session, Source: ru.rec.Source, Point: PreToolCall,
		Tool: toolOf(st), CallID: c.IdempotencyKey, Args: args})
	if err != nil {
		return Verdict{Decision: "deny", Reason: "gate_error", AuditIndex: -1}
	}
	if v.Allowed && v.Transformed != nil {
		// The destination is the definition's: a transform may rewrite
		// what is sent, not where (nor where the undo goes).
		if st.url != "" && (v.Transformed["url"] != st.url || v.Transformed["compensation_url"] != st.compURL) {
			return Verdict{Decision: "deny", Reason: "transform_changes_destination", AuditIndex: v.AuditIndex}
		}
		in, err1 := jsonplain.Marshal(v.Transformed["input"])
		p, _ := v.Transformed["previous"].(map[string]any)
		np := map[string]json.RawMessage{}
		var err2 error
		for k, x := range p {
			var b []byte
			if b, err2 = jsonplain.Marshal(x); err2 != nil {
				break
			}
			np[k] = b
		}
		if err1 != nil || err2 != nil {
			return Verdict{Decision: "deny", Reason: "transform_unreadable", AuditIndex: v.AuditIndex}
		}
		c.Input, c.Previous = in, np
	}
	return v
}

// checkPost shows the gate a delivery's result (or error); it also ends
// the call the pre check began.
func (r *Runner) checkPost(ctx context.Context, ru *run, i int, c Call, res json.RawMessage, callErr error) Verdict {
	var result any = decodeAny(res)
	if callErr != nil {
		result = map[string]any{"error": callErr.Error()}
	}
	v, err := r.o.Gate.Check(context.WithoutCancel(ctx), Action{Agent: c.Agent, Session: ru.rec.Session, Source: ru.rec.Source,
		Point: PostToolCall, Tool: toolOf(ru.steps[i]), CallID: c.IdempotencyKey, Result: result})
	if err != nil {
		return Verdict{Decision: "deny", Reason: "gate_error", AuditIndex: -1}
	}
	return v
}

func toolOf(s Step) string {
	if s.Tool != "" {
		return s.Tool
	}
	return s.Name
}

// outcomeOf classifies a delivery's error.
func outcomeOf(err error) (string, bool) {
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Outcome, ce.Retryable
	}
	return StepFailed, true
}

// forward runs the steps in order from the checkpoint.
func (r *Runner) forward(ctx context.Context, ru *run) error {
	fctx, abort := context.WithCancelCause(ctx)
	defer abort(nil)
	// The deadline is measured on the injected clock.
	fctx, stopDeadline := context.WithTimeoutCause(fctx, ru.rec.Deadline.Sub(r.o.Now()), &abortCause{"timeout"})
	defer stopDeadline()
	ru.setAbort(abort)
	defer ru.setAbort(nil)

	for i := range ru.steps {
		st := &ru.rec.Steps[i]
		if st.Status == StepSucceeded {
			continue
		}
		ru.progress(ru.rec.Acting, i)
		// A step checkpointed as running was in flight when the previous
		// process stopped (or when its agent was killed): its outcome is
		// unknown, and it is re-sent under the same key.
		redeliver := st.Status == StepRunning
		for {
			if to, k := ru.takeHandoff(); to != "" {
				if err := r.handoff(ctx, ru, i, to, k); err != nil {
					return err
				}
			}
			if fctx.Err() != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if redeliver {
					st.Status = StepUnknown
				}
				return r.beginCompensation(ctx, ru, reasonOf(fctx))
			}
			attempt := st.Attempts + 1
			if redeliver {
				attempt = st.Attempts
			}
			c := r.call(ru, i, KindStep, attempt)
			v := r.checkPre(fctx, ru, i, &c)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if !v.Allowed {
				reason := "step_denied:" + st.Name + ":" + v.Reason
				if fctx.Err() != nil {
					reason = reasonOf(fctx)
				}
				if redeliver {
					st.Status = StepUnknown
				} else {
					st.Status = StepFailed
				}
				st.Error = "the gate answered " + v.Decision + " (" + v.Reason + ")"
				if _, err := r.record(ctx, ru, "step:"+st.Name, "denied", v.Reason, map[string]any{"step": st.Name, "attempt": attempt,
					"gate_decision": v.Decision, "gate_audit_index": v.AuditIndex}); err != nil {
					r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", err)
				}
				return r.beginCompensation(ctx, ru, reason)
			}
			if !redeliver {
				st.Attempts, st.Status, st.Error = attempt, StepRunning, ""
				if st.Started.IsZero() {
					st.Started = r.o.Now().UTC()
				}
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
			}
			d := r.deliver(fctx, ru, i, c, ru.steps[i].Do, true)
			res, err := d.res, d.err
			post := r.checkPost(ctx, ru, i, c, res, err)
			if ctx.Err() != nil {
				return ctx.Err() // shutdown: the delivery stays running, re-sent on resume
			}
			payload := map[string]any{"step": st.Name, "attempt": attempt, "idempotency_key": c.IdempotencyKey}
			if err == nil {
				st.Status, st.Result, st.Finished = StepSucceeded, res, r.o.Now().UTC()
				if _, aerr := r.record(ctx, ru, "step:"+st.Name, StepSucceeded, "", payload); aerr != nil {
					return r.beginCompensation(ctx, ru, "audit_unavailable")
				}
				if !post.Allowed {
					st.Error = "the gate answered " + post.Decision + " on the result (" + post.Reason + ")"
					return r.beginCompensation(ctx, ru, "result_denied:"+st.Name+":"+post.Reason)
				}
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
				break
			}
			if errors.Is(d.cause, errHandoff) {
				// The kill cut the delivery off: the substitute re-sends it
				// under the same key.
				redeliver = true
				continue
			}
			outcome, retryable := outcomeOf(err)
			st.Error = err.Error()
			payload["error"] = err.Error()
			var ce *CallError
			if errors.As(err, &ce) && ce.Status != 0 {
				payload["http_status"] = ce.Status
			}
			if _, aerr := r.record(ctx, ru, "step:"+st.Name, outcome, "", payload); aerr != nil {
				r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", aerr)
			}
			reason := "step_failed:" + st.Name
			if fctx.Err() != nil {
				reason = reasonOf(fctx)
			}
			if outcome == StepUnknown {
				st.Status = StepUnknown
				return r.beginCompensation(ctx, ru, reason)
			}
			if retryable && fctx.Err() == nil && attempt < max(ru.steps[i].MaxAttempts, 1) {
				// Between deliveries the step is pending: a crash now
				// leads to a fresh attempt, not a re-send of this one.
				st.Status, redeliver = StepPending, false
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
				_ = r.o.Sleep(fctx, r.backoff(attempt))
				continue
			}
			st.Status = StepFailed
			return r.beginCompensation(ctx, ru, reason)
		}
	}
	ru.rec.Reason = ""
	return r.finish(ctx, ru, StatusCompleted, StatusRunning)
}

// delivered is the outcome of one delivery: its result or error, and the
// context cause when the delivery was cut off.
type delivered struct {
	res   json.RawMessage
	err   error
	cause error
}

// deliver runs one delivery of f under the step's timeout, cancellable by a
// handoff when handoffable (a compensation is not: it finishes as the
// agent it began as).
func (r *Runner) deliver(fctx context.Context, ru *run, i int, c Call, f Func, handoffable bool) delivered {
	cctx, cancel := context.WithCancelCause(fctx)
	defer cancel(nil)
	timeout := ru.steps[i].Timeout
	if timeout <= 0 {
		timeout = r.o.StepTimeout
	}
	tctx, stop := context.WithTimeoutCause(cctx, timeout, &abortCause{"step_timeout:" + ru.steps[i].Name})
	defer stop()
	if handoffable {
		ru.setCall(cancel)
	}
	res, err := safeCall(tctx, f, c)
	if handoffable {
		ru.setCall(nil)
	}
	var cause error
	if cctx.Err() != nil {
		cause = context.Cause(cctx)
	}
	if err == nil && len(bytes.TrimSpace(res)) > 0 && !json.Valid(res) {
		err = &CallError{Outcome: StepUnknown, Err: errors.New("saga: the step returned a result that is not JSON")}
	}
	if err == nil && int64(len(res)) > r.o.MaxResponseBytes {
		err = &CallError{Outcome: StepUnknown, Err: fmt.Errorf("saga: the step's result exceeds %d bytes", r.o.MaxResponseBytes)}
	}
	if err == nil && len(bytes.TrimSpace(res)) == 0 {
		res = json.RawMessage("null")
	}
	return delivered{res: res, err: err, cause: cause}
}

// safeCall turns a panicking Go step into an error of unknown outcome.
func safeCall(ctx context.Context, f Func, c Call) (res json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			res, err = nil, &CallError{Outcome: StepUnknown, Err: fmt.Errorf("saga: the step panicked: %v", p)}
		}
	}()
	return f(ctx, c)
}

func reasonOf(ctx context.Context) string {
	var a *abortCause
	if errors.As(context.Cause(ctx), &a) {
		return a.reason
	}
	return "aborted"
}

// beginCompensation turns the saga around. Its entry is written before the
// checkpoint that shows the saga compensating, as finish does.
func (r *Runner) beginCompensation(ctx context.Context, ru *run, reason string) error {
	ru.rec.Status, ru.rec.Reason = StatusCompensating, reason
	if _, err := r.record(ctx, ru, "saga_compensate", StatusCompensating, reason, nil); err != nil {
		r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", err)
	}
	return r.checkpoint(ctx, ru)
}

// handoff moves the saga to the substitute a kill named.
func (r *Runner) handoff(ctx context.Context, ru *run, i int, to string, k Kill) error {
	from := ru.rec.Acting
	st := ru.rec.Steps[i]
	// The entry is written under the killed agent, before the substitute
	// acts; without it there is no handoff.
	if _, err := r.record(ctx, ru, "handoff", "handed_off", "killed:"+k.Reason, map[string]any{"from": from, "to": to,
		"kill_id": k.ID, "step": st.Name, "step_status": st.Status, "attempt": st.Attempts}); err != nil {
		ru.abortWith(&abortCause{"killed:" + k.Reason})
		return nil
	}
	ru.rec.Acting = to
	ru.progress(to, i)
	return r.checkpoint(ctx, ru)
}

// compensate undoes, in reverse order, every step that succeeded or whose
// outcome is unknown.
func (r *Runner) compensate(ctx context.Context, ru *run) error {
	escalated := false
	for i := len(ru.steps) - 1; i >= 0; i-- {
		st := &ru.rec.Steps[i]
		var redeliver bool
		switch st.Status {
		case StepSucceeded, StepUnknown:
		case StepCompensating:
			redeliver = st.CompAttempts > 0
		case StepCompensationFailed:
			escalated = true
			continue
		default:
			continue
		}
		// A step with a finish time answered success; one without may or
		// may not have happened.
		outcome := StepUnknown
		if !st.Finished.IsZero() {
			outcome = StepSucceeded
		}
		for {
			if !redeliver {
				st.CompAttempts++
				st.Status = StepCompensating
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
			}
			redeliver = false
			c := r.call(ru, i, KindCompensation, st.CompAttempts)
			c.Outcome = outcome
			if outcome == StepSucceeded {
				c.Result = json.RawMessage(st.Result)
			}
			err := r.deliver(ctx, ru, i, c, ru.steps[i].Undo, false).err
			if ctx.Err() != nil {
				return ctx.Err()
			}
			payload := map[string]any{"step": st.Name, "attempt": st.CompAttempts, "idempotency_key": c.IdempotencyKey, "step_outcome": outcome}
			if err == nil {
				st.Status, st.CompFinished = StepCompensated, r.o.Now().UTC()
				if _, aerr := r.record(ctx, ru, "compensate:"+st.Name, StepCompensated, "", payload); aerr != nil {
					r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", aerr)
				}
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
				break
			}
			payload["error"] = err.Error()
			if _, aerr := r.record(ctx, ru, "compensate:"+st.Name, "failed", "", payload); aerr != nil {
				r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", aerr)
			}
			if st.CompAttempts >= r.o.CompensationAttempts {
				st.Status, st.Error, st.CompFinished = StepCompensationFailed, err.Error(), r.o.Now().UTC()
				r.escalate(ctx, ru, i, err)
				escalated = true
				if err := r.checkpoint(ctx, ru); err != nil {
					return err
				}
				break
			}
			if err := r.o.Sleep(ctx, r.backoff(st.CompAttempts)); err != nil && ctx.Err() != nil {
				return ctx.Err()
			}
		}
	}
	end := StatusCompensated
	if escalated {
		end = StatusEscalated
	}
	return r.finish(ctx, ru, end, StatusCompensating)
}

// escalate asks a human to resolve step i's compensation. The saga keeps
// the request's id; without an escalator (or when it fails) the saga's own
// record and the audit entry are the escalation.
func (r *Runner) escalate(ctx context.Context, ru *run, i int, cause error) {
	st := ru.rec.Steps[i]
	idx, aerr := r.record(ctx, ru, "escalate", "escalated", "compensation_failed:"+st.Name, map[string]any{"step": st.Name,
		"attempts": st.CompAttempts, "error": cause.Error()})
	if aerr != nil {
		r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", aerr)
		idx = -1
	}
	id := ru.rec.ID + "." + st.Name
	if r.o.Escalator != nil {
		eid, err := r.o.Escalator.Escalate(context.WithoutCancel(ctx), Escalation{SagaID: ru.rec.ID, Agent: ru.rec.Agent, Step: st.Name,
			Attempts: st.CompAttempts, LastError: cause.Error(), AuditIndex: idx})
		if err != nil {
			r.log.Error("filing the escalation failed; the saga and the audit log hold it", "saga", ru.rec.ID, "err", err)
		} else {
			id = eid
		}
	}
	if ru.rec.Escalation == "" {
		ru.rec.Escalation = id
	} else {
		ru.rec.Escalation += "," + id
	}
	r.log.Warn("saga compensation escalated to a human", "saga", ru.rec.ID, "step", st.Name, "escalation", id)
}

// finish ends the saga with status. The saga_end entry is written before
// the checkpoint that marks the saga finished, as every step's entry is
// written before its checkpoint: whoever sees a finished saga finds its
// end in the audit log, and a crash between the two leaves a saga that
// resumes (and records its end again) rather than one that ended
// unrecorded. If the checkpoint fails the saga goes back to unfinished.
func (r *Runner) finish(ctx context.Context, ru *run, status, unfinished string) error {
	ru.rec.Status, ru.rec.Finished = status, true
	counts := map[string]int{}
	for _, st := range ru.rec.Steps {
		counts[st.Status]++
	}
	if _, err := r.record(ctx, ru, "saga_end", ru.rec.Status, ru.rec.Reason, map[string]any{"steps": counts, "escalation": ru.rec.Escalation}); err != nil {
		r.log.Error("saga audit write failed", "saga", ru.rec.ID, "err", err)
	}
	if err := r.checkpoint(ctx, ru); err != nil {
		ru.rec.Status, ru.rec.Finished = unfinished, false
		return err
	}
	return nil
}

// Abort stops a running saga and compensates what it did. by is recorded.
func (r *Runner) Abort(ctx context.Context, id, by string) error {
	r.mu.Lock()
	ru := r.active[id]
	r.mu.Unlock()
	if ru == nil {
		rec, err := r.o.Store.GetSaga(ctx, id)
		if err != nil {
			return err
		}
		if rec.Finished {
			return ErrFinished
		}
		return fmt.Errorf("%w: %s (its definition is not registered)", ErrNotRunning, id)
	}
	if _, err := r.record(ctx, ru, "saga_abort", "aborted", "aborted", map[string]any{"by": by}); err != nil {
		return fmt.Errorf("saga: recording the abort: %w", err)
	}
	ru.abortWith(&abortCause{"aborted"})
	return nil
}

// OnKill applies a kill to the sagas this runner drives: a kill of a
// saga's acting agent hands the saga to its substitute when one is
// registered (and is not the killed agent); every other kill in scope
// cancels the step in flight and compensates. It returns how many sagas
// the kill reached.
func (r *Runner) OnKill(k Kill) int {
	r.mu.Lock()
	runs := make([]*run, 0, len(r.active))
	for _, ru := range r.active {
		runs = append(runs, ru)
	}
	r.mu.Unlock()
	n := 0
	for _, ru := range runs {
		// Session and substitute never change once the saga exists.
		session, sub := ru.rec.Session, ru.rec.Substitute
		ru.mu.Lock()
		acting := ru.acting
		var tools []string
		for _, st := range ru.steps[min(ru.from, len(ru.steps)):] {
			tools = append(tools, toolOf(st))
		}
		ru.mu.Unlock()
		switch {
		case k.Scope == ScopeGlobal:
		case k.Scope == ScopeAgent && k.Target == acting:
			if sub == "" {
				sub = r.o.Substitutes(acting)
			}
			if sub != "" && sub != acting {
				ru.mu.Lock()
				ru.handoffTo, ru.kill = sub, k
				if ru.call != nil {
					ru.call(errHandoff)
				}
				ru.mu.Unlock()
				n++
				continue
			}
		case k.Scope == ScopeSession && k.Target == session:
		case k.Scope == ScopeTool && slices.Contains(tools, k.Target):
		default:
			continue
		}
		ru.abortWith(&abortCause{"killed:" + k.Reason})
		n++
	}
	return n
}

// Wait blocks until the saga is no longer driven by this runner (it
// finished, or the runner closed) and returns its state.
func (r *Runner) Wait(ctx context.Context, id string) (View, error) {
	r.mu.Lock()
	ru := r.active[id]
	r.mu.Unlock()
	if ru != nil {
		select {
		case <-ru.done:
		case <-ctx.Done():
			return View{}, ctx.Err()
		}
	}
	return r.Get(ctx, id)
}

// List returns the last checkpoints of the sagas q selects.
func (r *Runner) List(ctx context.Context, q store.SagaQuery) ([]View, error) {
	recs, err := r.o.Store.ListSagas(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]View, len(recs))
	for i := range recs {
		out[i] = ViewOf(recs[i])
	}
	return out, nil
}

// Get returns a saga's last checkpoint.
func (r *Runner) Get(ctx context.Context, id string) (View, error) {
	rec, err := r.o.Store.GetSaga(ctx, id)
	if err != nil {
		return View{}, err
	}
	return ViewOf(rec), nil
}
