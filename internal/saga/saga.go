// Package saga runs multi-step agent workflows whose steps each have a
// compensating action. A step is an agent action: it passes the gate as the
// acting agent before it runs (a deny fails the step), and its result passes
// the gate after. The saga's state is checkpointed in the store after every
// step and compensation, so that a restarted runner continues from the
// checkpoint. On a step failure, a kill, an abort or the saga's timeout,
// the steps that completed — and any whose outcome is unknown — are
// compensated in reverse order, each compensation retried with exponential
// backoff and jitter up to a bound; a compensation that still fails is
// escalated to a human and the saga ends as compensation_failed_escalated,
// never as done. A kill of the acting agent hands the saga, in-flight step
// included, to a registered substitute when there is one.
//
// Steps are Go functions (Register) or HTTP endpoints (a Definition): each
// step and each compensation is a POST of a Request, answered 2xx with a
// JSON result. Every delivery carries an Idempotency-Key naming the saga,
// the step, step or compensation, and the attempt; a delivery whose outcome
// was lost (a crash, a handoff) is re-sent under the same key, so that a
// receiver that remembers keys executes it once.
//
// Every step, compensation, handoff and escalation is an audit entry.
package saga

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Saga statuses. Running and compensating sagas are resumed when a runner
// starts; the others are final.
const (
	StatusRunning      = "running"
	StatusCompensating = "compensating"
	StatusCompleted    = "completed"
	// StatusCompensated: the saga failed, was aborted, killed or timed
	// out, and every step that may have taken effect was undone.
	StatusCompensated = "compensated"
	// StatusEscalated: at least one compensation kept failing; a human
	// was asked to resolve it.
	StatusEscalated = "compensation_failed_escalated"
)

// Step statuses.
const (
	StepPending = "pending"
	StepRunning = "running"
	// StepSucceeded: the step answered success; it is compensated if the
	// saga fails later.
	StepSucceeded = "succeeded"
	// StepFailed: the step answered that it did not happen (an error from
	// a Go step, a non-2xx HTTP answer, a gate deny before it was sent).
	// Nothing is compensated for it.
	StepFailed = "failed"
	// StepUnknown: the outcome was lost (a timeout, a broken connection,
	// an unreadable 2xx answer, a kill while in flight). It is compensated,
	// so a compensation must be harmless for a step that never happened.
	StepUnknown            = "unknown"
	StepCompensating       = "compensating"
	StepCompensated        = "compensated"
	StepCompensationFailed = "compensation_failed"
)

// Gate intervention points a step is checked at.
const (
	PreToolCall  = "pre_tool_call"
	PostToolCall = "post_tool_call"
)

// Kind of a saga whose steps are HTTP endpoints.
const KindHTTP = "http"

// Action is one check of a step by the gate.
type Action struct {
	// Agent is the acting agent; Session the saga's session.
	Agent, Session string
	// Source is the principal that started the saga (the audit source of
	// the gate's entry).
	Source string
	Point  string // PreToolCall or PostToolCall
	Tool   string
	// CallID is the delivery's idempotency key: the gate pairs the pre and
	// post checks of one call by it.
	CallID string
	// Args is the pre_tool_call argument object: input, previous and, for
	// HTTP steps, url and compensation_url (so that egress rules apply).
	Args map[string]any
	// Result is the post_tool_call result.
	Result any
}

// Verdict is the gate's answer.
type Verdict struct {
	Allowed          bool
	Decision, Reason string
	AuditIndex       int64
	// Transformed, when not nil, replaces Args (pre) — e.g. redacted
	// input — for the call that follows.
	Transformed map[string]any
}

// Checker decides step actions; the daemon fills it with the gate. An
// error is a deny.
type Checker interface {
	Check(ctx context.Context, a Action) (Verdict, error)
}

// Recorder appends audit entries (the audit log).
type Recorder interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Escalation asks a human to resolve a compensation that kept failing.
type Escalation struct {
	SagaID, Agent, Step string
	Attempts            int
	LastError           string
	AuditIndex          int64
}

// Escalator files escalations (the approval system). It returns the id of
// the request it created.
type Escalator interface {
	Escalate(ctx context.Context, e Escalation) (string, error)
}

// Kill is a kill as the runner learns of it.
type Kill struct {
	ID string
	// Scope is agent, session, tool or global; Target the agent id,
	// session id or tool name (empty for global).
	Scope, Target string
	Reason        string
}

// Kill scopes.
const (
	ScopeAgent   = "agent"
	ScopeSession = "session"
	ScopeTool    = "tool"
	ScopeGlobal  = "global"
)

// Options configure New.
type Options struct {
	Store store.Sagas
	Audit Recorder
	Gate  Checker
	// Escalator is optional: without it an escalation is recorded in the
	// saga and the audit log only.
	Escalator Escalator
	// Substitutes returns the substitute registered for an agent in the
	// configuration ("" for none); a saga's own substitute comes first.
	Substitutes func(agent string) string
	// DefaultSource names the principal of a saga whose Spec names none.
	DefaultSource string

	// StepTimeout and SagaTimeout are the defaults when a step or saga
	// sets none (30s and 1h).
	StepTimeout, SagaTimeout time.Duration
	// CompensationAttempts bounds the deliveries of one compensation
	// before it is escalated (default 5).
	CompensationAttempts int
	// BackoffInitial and BackoffMax shape the retry delays: the n-th retry
	// waits a uniformly random time in [d/2, d], d = min(initial·2ⁿ⁻¹, max)
	// (defaults 500ms and 30s).
	BackoffInitial, BackoffMax time.Duration

	// TLS is the client configuration for HTTPS step endpoints (roots,
	// pins); it is used with TLS 1.3 as the minimum whatever it says. Nil:
	// the system roots. MaxResponseBytes bounds an answer (default 1 MiB).
	TLS              *tls.Config
	MaxResponseBytes int64

	Now    func() time.Time
	Rand   io.Reader
	Sleep  func(ctx context.Context, d time.Duration) error
	Logger *slog.Logger
}

// Runner runs sagas. It is safe for concurrent use.
type Runner struct {
	o    Options
	http *httpCaller
	log  *slog.Logger

	mu     sync.Mutex
	defs   map[string][]Step
	active map[string]*run
	closed bool
	wg     sync.WaitGroup
	// base is cancelled by Close: the runs stop where they are, as in a
	// crash, and resume from their checkpoints next time.
	base   context.Context
	cancel context.CancelFunc
}

// ErrClosed is returned after Close.
var ErrClosed = errors.New("saga: runner closed")

// ErrNotFound is an unknown saga id.
var ErrNotFound = store.ErrNotFound

// ErrFinished is an abort of a saga that has already ended.
var ErrFinished = errors.New("saga: already finished")

// ErrNotRunning is an abort of an unfinished saga that this runner does
// not drive (a Go saga whose definition is not registered here).
var ErrNotRunning = errors.New("saga: not running in this process")

// New builds a runner. Call Resume to continue the sagas a previous
// process left unfinished.
func New(o Options) (*Runner, error) {
	if o.Store == nil || o.Audit == nil || o.Gate == nil {
		return nil, errors.New("saga: a store, an audit log and a gate are required")
	}
	if o.StepTimeout <= 0 {
		o.StepTimeout = 30 * time.Second
	}
	if o.SagaTimeout <= 0 {
		o.SagaTimeout = time.Hour
	}
	if o.CompensationAttempts <= 0 {
		o.CompensationAttempts = 5
	}
	if o.BackoffInitial <= 0 {
		o.BackoffInitial = 500 * time.Millisecond
	}
	if o.BackoffMax < o.BackoffInitial {
		o.BackoffMax = max(30*time.Second, o.BackoffInitial)
	}
	if o.MaxResponseBytes <= 0 {
		o.MaxResponseBytes = 1 << 20
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	if o.Sleep == nil {
		o.Sleep = sleep
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Substitutes == nil {
		o.Substitutes = func(string) string { return "" }
	}
	base, cancel := context.WithCancel(context.Background())
	r := &Runner{o: o, log: o.Logger, defs: map[string][]Step{}, active: map[string]*run{}, base: base, cancel: cancel}
	r.http = newHTTPCaller(o.TLS, o.MaxResponseBytes)
	return r, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Func is a Go step or compensation. It returns the step's JSON result
// (nil for none). Return an error only when the call left no effect: a
// step that returns an error is not compensated.
type Func func(ctx context.Context, c Call) (json.RawMessage, error)

// Call is what a step or compensation receives.
type Call struct {
	SagaID string
	Step   string
	Index  int
	// Attempt counts deliveries of this step (or of its compensation),
	// from 1. IdempotencyKey names the delivery; a delivery re-sent after
	// a crash or a handoff keeps its key.
	Attempt        int
	IdempotencyKey string
	// Agent is the acting agent (the substitute after a handoff).
	Agent    string
	Input    json.RawMessage
	Previous map[string]json.RawMessage
	// Compensation only: the step's result and whether it is known to
	// have happened ("succeeded") or may have ("unknown").
	Result  json.RawMessage
	Outcome string
}

// Step is one step of a Go saga.
type Step struct {
	Name string
	// Tool is the tool name the gate checks the step as (default Name).
	Tool string
	Do   Func
	Undo Func
	// Timeout bounds one delivery (default Options.StepTimeout).
	Timeout time.Duration
	// MaxAttempts bounds deliveries of the step (default 1).
	MaxAttempts int

	url, compURL string // HTTP steps
}

// Register makes a Go saga definition startable (and resumable) by name.
// Register every definition before Resume.
func (r *Runner) Register(name string, steps []Step) error {
	if err := checkName("name", name); err != nil {
		return err
	}
	if len(steps) == 0 || len(steps) > MaxSteps {
		return bad("steps", "a saga has 1 to %d steps", MaxSteps)
	}
	seen := map[string]bool{}
	for i, s := range steps {
		p := fmt.Sprintf("steps[%d].", i)
		if err := checkName(p+"name", s.Name); err != nil {
			return err
		}
		if seen[s.Name] {
			return bad(p+"name", "is not unique")
		}
		seen[s.Name] = true
		if s.Do == nil || s.Undo == nil {
			return bad(p+"do", "a step needs Do and Undo (its compensation)")
		}
		if s.MaxAttempts < 0 || s.MaxAttempts > MaxStepAttempts {
			return bad(p+"max_attempts", "must be between 1 and %d", MaxStepAttempts)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.defs[name] = append([]Step(nil), steps...)
	return nil
}

// Spec starts a saga.
type Spec struct {
	// Name is a registered Go definition; HTTP is an HTTP definition.
	// Exactly one is set.
	Name string
	HTTP *Definition
	// Agent, Substitute, Session, Input and Timeout apply to a Go saga;
	// an HTTP saga takes them from its definition.
	Agent, Substitute, Session string
	Input                      json.RawMessage
	Timeout                    time.Duration
	// Source is the principal starting the saga, as audit entries name it.
	Source string
}

// newID returns a random saga id.
func (r *Runner) newID() (string, error) {
	var b [16]byte
	if _, err := io.ReadFull(r.o.Rand, b[:]); err != nil {
		return "", fmt.Errorf("saga: id: %w", err)
	}
	return "saga_" + hex.EncodeToString(b[:]), nil
}

// jitter returns a uniformly random fraction in [0, 1) from Rand; a failed
// read gives 1 (the longest wait), never a shorter one.
func (r *Runner) jitter() float64 {
	var b [8]byte
	if _, err := io.ReadFull(r.o.Rand, b[:]); err != nil {
		return 1
	}
	return float64(binary.BigEndian.Uint64(b[:])>>11) / (1 << 53)
}

// backoff is the wait before retry n (n ≥ 1).
func (r *Runner) backoff(n int) time.Duration {
	d := r.o.BackoffInitial
	for i := 1; i < n && d < r.o.BackoffMax; i++ {
		d *= 2
	}
	d = min(d, r.o.BackoffMax)
	return d/2 + time.Duration(r.jitter()*float64(d/2))
}

// Close stops every run where it stands, as a crash would, and waits for
// them. Their checkpoints stay; a new runner resumes them.
func (r *Runner) Close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}
