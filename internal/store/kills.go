package store

import (
	"context"
	"time"
)

// Kill is one kill-switch activation as a backend keeps it. Times are UTC.
type Kill struct {
	ID                       string
	Scope                    string
	Agent, Session, Tool     string
	Reason, Note, By         string
	Created, GateEffectiveAt time.Time
	InflightCancelled        int64
	AuditIndex               int64
	// LiftedAt is zero while the kill is in force.
	LiftedAt time.Time
	LiftedBy string
}

// KillProcess is the reported outcome of a kill on one supervised process,
// keyed by (KillID, Runner). Zero times are unset; ExitCode is meaningful
// only when Exited.
type KillProcess struct {
	KillID, Runner, Agent, Session string
	PID, PGID                      int
	SignalledAt, KilledAt          time.Time
	Exited                         bool
	ExitCode                       int
	ExitSignal                     string
	TerminatedAt, ConfirmedAt      time.Time
	Error                          string
	ReportedAt                     time.Time
}

// KillQuery selects kills, oldest first.
type KillQuery struct {
	ActiveOnly bool
	// Limit bounds the answer to the newest matches (0: every match);
	// they are still returned oldest first.
	Limit int
}

// Kills is the kill-switch domain: kills survive a restart, and so do the
// outcomes their supervisors report.
type Kills interface {
	// PutKill inserts a kill or replaces the one with the same ID.
	PutKill(ctx context.Context, k Kill) error
	// GetKill returns one kill, or ErrNotFound.
	GetKill(ctx context.Context, id string) (Kill, error)
	// ListKills returns kills in creation order (ties by ID).
	ListKills(ctx context.Context, q KillQuery) ([]Kill, error)
	// PutKillProcess inserts or replaces the outcome of (KillID, Runner).
	// The kill must exist (ErrNotFound otherwise).
	PutKillProcess(ctx context.Context, p KillProcess) error
	// KillProcesses returns the outcomes of one kill, ordered by Runner.
	KillProcesses(ctx context.Context, killID string) ([]KillProcess, error)
}

// AgentLifecycle is an agent's lifecycle state with the time it was
// entered.
type AgentLifecycle struct {
	Agent, State string
	Since        time.Time
	By           string
}

// Lifecycle keeps agents' lifecycle states until the agent registry does:
// a compare-and-set per agent, so that two operators cannot both move an
// agent from the same state.
type Lifecycle interface {
	// AgentStates returns every recorded state, ordered by agent.
	AgentStates(ctx context.Context) ([]AgentLifecycle, error)
	// SetAgentState records s if the agent's current state is from ("" for
	// an agent with no record); otherwise it returns ErrConflict.
	SetAgentState(ctx context.Context, s AgentLifecycle, from string) error
}
