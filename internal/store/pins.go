package store

import (
	"context"
	"time"
)

// Pin is one approved version of an MCP tool definition, keyed by server
// and tool name. Versions count from 1 per (Server, Tool); every approval
// adds a version, so the history of what was approved is kept.
type Pin struct {
	Server, Tool string
	Version      int64
	// Hash is "sha256:<hex>" of Definition; empty, with Definition nil,
	// for a removal (the tool is no longer approved).
	Hash string
	// Definition is the canonical JSON (RFC 8785) of the approved tool.
	Definition []byte
	By         string
	// At is in UTC.
	At time.Time
	// AuditIndex is the audit entry that recorded the approval.
	AuditIndex int64
}

// Removed reports whether the pin withdraws an earlier approval.
func (p Pin) Removed() bool { return p.Hash == "" }

// Pins is the MCP approval-pin domain.
type Pins interface {
	// AppendPins adds a version for each pin atomically (all or none) and
	// returns them with Version set: one more than the tool's latest. The
	// Version field of the arguments is ignored.
	AppendPins(ctx context.Context, pins []Pin) ([]Pin, error)
	// CurrentPins returns the latest version of every tool of server that
	// is not a removal, ordered by tool.
	CurrentPins(ctx context.Context, server string) ([]Pin, error)
	// PinHistory returns every version of one tool, oldest first.
	PinHistory(ctx context.Context, server, tool string) ([]Pin, error)
	// PinnedServers returns the servers with at least one current pin,
	// ordered.
	PinnedServers(ctx context.Context) ([]string, error)
}
