package agentgov

import (
	"context"
	"log/slog"
	"sync"

	"github.com/agentgov/agentgov/internal/saga"
	"github.com/agentgov/agentgov/internal/saga/sagahost"
)

// Saga types of the Go API (see docs/sagas.md).
type (
	// SagaRunner runs sagas: Register definitions, Resume what a previous
	// process left unfinished, Start, Wait, Get, Abort.
	SagaRunner = saga.Runner
	// SagaStep is one step: Do, and Undo, its compensation.
	SagaStep = saga.Step
	// SagaFunc is a step or compensation; it returns the JSON result, or
	// an error only when it left no effect.
	SagaFunc = saga.Func
	// SagaCall is what a SagaFunc receives, IdempotencyKey included.
	SagaCall = saga.Call
	// SagaSpec starts a saga.
	SagaSpec = saga.Spec
	// SagaView is a saga's checkpoint.
	SagaView = saga.View
)

// governorSagas is the Governor's runner, made on first use.
type governorSagas struct {
	mu   sync.Mutex
	r    *saga.Runner
	stop func()
}

func (s *governorSagas) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.stop != nil {
		s.stop()
		s.stop = nil
	}
}

// Sagas returns the Governor's saga runner: every step passes this
// Governor's gate as the saga's agent, checkpoints are kept with the audit
// log (in its data directory, across restarts), every step, compensation
// and handoff is recorded in the log, escalations go to the approval
// queue, and this Governor's kills reach running sagas. Register the
// definitions, then call Resume to continue sagas a previous process left
// unfinished. Close stops the runner.
func (g *Governor) Sagas(ctx context.Context) (*SagaRunner, error) {
	g.sagas.mu.Lock()
	defer g.sagas.mu.Unlock()
	if g.sagas.r != nil {
		return g.sagas.r, nil
	}
	o := saga.Options{Store: g.log.sagas, Audit: g.log.log, Gate: sagahost.Gate{G: g.gate}, DefaultSource: g.source}
	if g.approvals != nil {
		o.Escalator = sagahost.Escalator{Approvals: g.approvals}
	}
	r, err := saga.New(o)
	if err != nil {
		return nil, err
	}
	g.sagas.r, g.sagas.stop = r, sagahost.Follow(ctx, r, g.kill, slog.New(slog.DiscardHandler))
	return r, nil
}
