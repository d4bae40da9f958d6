// Package lifecycle owns the states an agent passes through — from
// provisioning to decommissioned or revoked — the transitions allowed
// between them, and what each state admits at the gate. Transitions are
// audit entries; the gate reads states lock-free from an immutable
// snapshot.
//
// An agent with no recorded state counts as active when it is configured
// under agents: (the gate denies unconfigured agents before asking).
package lifecycle

import (
	"slices"

	"github.com/agentgov/agentgov/internal/rbac"
)

// States.
const (
	Provisioning   = "provisioning"
	Active         = "active"
	Suspended      = "suspended"
	Quarantined    = "quarantined"
	Degraded       = "degraded"
	Retiring       = "retiring"
	Decommissioned = "decommissioned"
	Revoked        = "revoked"
)

// transitions is the allowed transition table: from → the states it may
// move to. Decommissioned and revoked are terminal.
var transitions = map[string][]string{
	Provisioning:   {Active, Decommissioned, Revoked},
	Active:         {Suspended, Quarantined, Degraded, Retiring, Revoked},
	Suspended:      {Active, Quarantined, Retiring, Decommissioned, Revoked},
	Quarantined:    {Active, Suspended, Decommissioned, Revoked},
	Degraded:       {Active, Suspended, Quarantined, Retiring, Revoked},
	Retiring:       {Active, Decommissioned, Revoked},
	Decommissioned: nil,
	Revoked:        nil,
}

// States lists every state.
func States() []string {
	return []string{Provisioning, Active, Suspended, Quarantined, Degraded, Retiring, Decommissioned, Revoked}
}

// Valid reports whether s is a state.
func Valid(s string) bool {
	_, ok := transitions[s]
	return ok
}

// Allowed reports whether an agent may move from one state to another.
func Allowed(from, to string) bool {
	return slices.Contains(transitions[from], to)
}

// Terminal reports whether no transition leaves s.
func Terminal(s string) bool {
	return Valid(s) && len(transitions[s]) == 0
}

// Intervention points the admission rules name (the gate's vocabulary).
const (
	pointStartup  = "agent_startup"
	pointShutdown = "agent_shutdown"
	pointPreTool  = "pre_tool_call"
	pointPostTool = "post_tool_call"
)

// readOnly reports whether a tool permission only reads.
func readOnly(permission string) bool {
	return permission == rbac.Read || permission == rbac.Search
}

// Admits reports whether an agent in state may act at point, on a tool
// with permission when the point is a tool call, and the reason when it
// may not:
//
//   - active: everything;
//   - degraded: everything but tools that change anything (read and
//     search tools only);
//   - retiring: no new sessions (agent_startup), read and search tools
//     only, so that work in progress can wind down;
//   - provisioning, suspended, quarantined, decommissioned, revoked:
//     nothing.
//
// agent_shutdown is admitted in every state: an agent must be able to end
// its session. A state this build does not know admits nothing.
func Admits(state, point, permission string) (string, bool) {
	if point == pointShutdown {
		return "", true
	}
	switch state {
	case Active:
		return "", true
	case Degraded, Retiring:
		if state == Retiring && point == pointStartup {
			return "lifecycle:" + state, false
		}
		if point == pointPreTool && !readOnly(permission) {
			return "lifecycle:" + state + ":read_only", false
		}
		return "", true
	case Provisioning, Suspended, Quarantined, Decommissioned, Revoked:
		return "lifecycle:" + state, false
	}
	return "lifecycle:unknown_state", false
}
