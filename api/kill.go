package api

// KillRequest is the body of POST /v1/kill and of POST /v1/unkill (where
// Reason is not used): what to kill and why.
type KillRequest struct {
	// Scope is agent, session, tool or global.
	Scope string `json:"scope"`
	// Agent names the agent (scope agent); with scope session it narrows
	// the kill to that agent's session.
	Agent   string `json:"agent,omitempty"`
	Session string `json:"session,omitempty"`
	Tool    string `json:"tool,omitempty"`
	// Reason is BEHAVIORAL_DRIFT, RATE_LIMIT, RING_BREACH, MANUAL,
	// QUARANTINE_TIMEOUT or SESSION_TIMEOUT.
	Reason string `json:"reason,omitempty"`
	// Note is free text for the record (bounded).
	Note string `json:"note,omitempty"`
}

// Kill is one kill and its measured outcome (GET /v1/kills/{id}).
type Kill struct {
	ID      string `json:"id"`
	Scope   string `json:"scope"`
	Agent   string `json:"agent,omitempty"`
	Session string `json:"session,omitempty"`
	Tool    string `json:"tool,omitempty"`
	Reason  string `json:"reason"`
	Note    string `json:"note,omitempty"`
	// By is the principal (or agentgov itself, for automatic kills).
	By      string `json:"by"`
	Created string `json:"created"`
	// GateEffectiveAt is when the gate began to deny in scope; POST
	// /v1/kill answers only after it.
	GateEffectiveAt string `json:"gate_effective_at"`
	// InflightCancelled counts governed calls in flight whose context the
	// kill cancelled.
	InflightCancelled int64 `json:"inflight_cancelled"`
	// Active is false once the kill is lifted.
	Active   bool   `json:"active"`
	LiftedAt string `json:"lifted_at,omitempty"`
	LiftedBy string `json:"lifted_by,omitempty"`
	// AuditIndex is the index of the kill's audit entry (-1: not recorded).
	AuditIndex int64 `json:"audit_index"`
	// Processes are the supervised processes the kill reached, as their
	// supervisors reported them.
	Processes []KillProcess `json:"processes"`
}

// KillProcess is the measured outcome of a kill on one supervised process
// (agentgov run). TerminatedAt is set only after the child has exited,
// ConfirmedAt only after no process of its process group remains.
type KillProcess struct {
	// Runner identifies the agentgov run instance that supervises it.
	Runner  string `json:"runner"`
	Agent   string `json:"agent"`
	Session string `json:"session,omitempty"`
	PID     int    `json:"pid"`
	PGID    int    `json:"pgid"`
	// SignalledAt is when SIGTERM went to the group; KilledAt when SIGKILL
	// did, if the grace period ran out.
	SignalledAt string `json:"signalled_at,omitempty"`
	KilledAt    string `json:"killed_at,omitempty"`
	// ExitCode is the child's exit status (-1 when a signal ended it, then
	// ExitSignal names the signal); nil until it has exited.
	ExitCode     *int   `json:"exit_code,omitempty"`
	ExitSignal   string `json:"exit_signal,omitempty"`
	TerminatedAt string `json:"terminated_at,omitempty"`
	ConfirmedAt  string `json:"confirmed_at,omitempty"`
	// Error says what the supervisor could not do (e.g. the group did not
	// disappear within its bound).
	Error      string `json:"error,omitempty"`
	ReportedAt string `json:"reported_at,omitempty"`
}

// KillList is the answer of GET /v1/kills.
type KillList struct {
	Kills []Kill `json:"kills"`
}

// KillEvent is one event of GET /v1/kills/stream: type kill (a kill in
// force, sent for every active kill when a stream starts and for every new
// one), unkill (a kill lifted) or ready (the initial state has been sent).
type KillEvent struct {
	Type string `json:"type"`
	Kill *Kill  `json:"kill,omitempty"`
}

// AgentStateRequest is the body of POST /v1/agents/{id}/state.
type AgentStateRequest struct {
	To   string `json:"to"`
	Note string `json:"note,omitempty"`
}

// AgentState is an agent's lifecycle state.
type AgentState struct {
	Agent    string `json:"agent"`
	State    string `json:"state"`
	Previous string `json:"previous,omitempty"`
	Since    string `json:"since,omitempty"`
	// Registered is false when the agent has no registry record and counts
	// as active because it is configured.
	Registered bool  `json:"registered"`
	AuditIndex int64 `json:"audit_index,omitempty"`
}
