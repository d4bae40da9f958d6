// Package killswitch stops agents: a kill in scope (an agent, a session, a
// tool, or everything) makes the gate deny every later action at once,
// cancels the governed calls in flight through their contexts, and is
// announced to connected agents and supervisors (agentgov run), which
// terminate the agent's processes and report what happened.
//
// The gate reads kill state on every check, so the read path is lock-free:
// an atomic pointer to an immutable snapshot that writers replace whole.
// Kills are kept in the store so that they survive a restart, and every
// kill, unkill and reported outcome is an audit entry.
package killswitch

import (
	"errors"
	"fmt"
	"slices"
	"unicode/utf8"
)

// Scopes.
const (
	ScopeAgent   = "agent"
	ScopeSession = "session"
	ScopeTool    = "tool"
	ScopeGlobal  = "global"
)

// Reasons. New codes are added here; the API, the CLI and the audit log
// take any code in this list.
const (
	ReasonBehavioralDrift   = "BEHAVIORAL_DRIFT"
	ReasonRateLimit         = "RATE_LIMIT"
	ReasonRingBreach        = "RING_BREACH"
	ReasonManual            = "MANUAL"
	ReasonQuarantineTimeout = "QUARANTINE_TIMEOUT"
	ReasonSessionTimeout    = "SESSION_TIMEOUT"
)

var reasons = []string{ReasonBehavioralDrift, ReasonRateLimit, ReasonRingBreach, ReasonManual, ReasonQuarantineTimeout, ReasonSessionTimeout}

// Reasons lists the reason codes a kill may carry.
func Reasons() []string { return slices.Clone(reasons) }

// ValidReason reports whether code is a known reason.
func ValidReason(code string) bool { return slices.Contains(reasons, code) }

// Bounds of what a kill carries.
const (
	maxIDBytes   = 256
	maxNoteBytes = 4096
)

// Target is what a kill applies to.
type Target struct {
	Scope string
	// Agent is the agent of an agent kill; on a session kill it narrows
	// the kill to that agent's session ("" = the session id of any agent).
	Agent   string
	Session string
	Tool    string
}

// FieldError is a kill request that names its bad field.
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Problem }

func checkID(field, v string) error {
	switch {
	case v == "":
		return &FieldError{field, "is required for this scope"}
	case len(v) > maxIDBytes:
		return &FieldError{field, fmt.Sprintf("is longer than %d bytes", maxIDBytes)}
	case !utf8.ValidString(v):
		return &FieldError{field, "is not valid UTF-8"}
	}
	return nil
}

// Validate checks that the target names exactly what its scope needs.
func (t Target) Validate() error {
	unused := func(field, v string) error {
		if v != "" {
			return &FieldError{field, "must be empty for scope " + t.Scope}
		}
		return nil
	}
	switch t.Scope {
	case ScopeAgent:
		return errors.Join(checkID("agent", t.Agent), unused("session", t.Session), unused("tool", t.Tool))
	case ScopeSession:
		var agentErr error
		if t.Agent != "" {
			agentErr = checkID("agent", t.Agent)
		}
		return errors.Join(checkID("session", t.Session), agentErr, unused("tool", t.Tool))
	case ScopeTool:
		return errors.Join(checkID("tool", t.Tool), unused("agent", t.Agent), unused("session", t.Session))
	case ScopeGlobal:
		return errors.Join(unused("agent", t.Agent), unused("session", t.Session), unused("tool", t.Tool))
	case "":
		return &FieldError{"scope", "is required: agent, session, tool or global"}
	}
	return &FieldError{"scope", "must be agent, session, tool or global"}
}

// Covers reports whether an action of agent in session, using tool ("" for
// none), is in the target's scope.
func (t Target) Covers(agent, session, tool string) bool {
	switch t.Scope {
	case ScopeGlobal:
		return true
	case ScopeAgent:
		return agent == t.Agent
	case ScopeSession:
		return session != "" && session == t.Session && (t.Agent == "" || t.Agent == agent)
	case ScopeTool:
		return tool != "" && tool == t.Tool
	}
	return false
}

// Terminates reports whether a kill of this target ends the processes of
// agent's session: tool kills stop the use of a tool, not the agents.
func (t Target) Terminates(agent, session string) bool {
	return t.Scope != ScopeTool && t.Covers(agent, session, "")
}

func checkNote(note string) error {
	switch {
	case len(note) > maxNoteBytes:
		return &FieldError{"note", fmt.Sprintf("is longer than %d bytes", maxNoteBytes)}
	case !utf8.ValidString(note):
		return &FieldError{"note", "is not valid UTF-8"}
	}
	return nil
}
