package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Pins = (*Store)(nil)

// pinTime is the stored layout of pin times: fixed width, so text order is
// time order.
const pinTime = "2006-01-02T15:04:05.000000000Z"

// AppendPins implements store.Pins.
func (s *Store) AppendPins(ctx context.Context, pins []store.Pin) ([]store.Pin, error) {
	out := make([]store.Pin, len(pins))
	err := s.withWrite(ctx, func(ctx context.Context) error {
		for i, p := range pins {
			if p.Server == "" || p.Tool == "" {
				return fmt.Errorf("%w: a pin needs a server and a tool", store.ErrConflict)
			}
			var v int64
			if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM mcp_pins WHERE server = ? AND tool = ?`,
				p.Server, p.Tool).Scan(&v); err != nil {
				return fmt.Errorf("sqlite: pin version: %w", err)
			}
			p.Version = v + 1
			var def any
			if p.Definition != nil {
				def = p.Definition
			}
			if _, err := s.w.ExecContext(ctx, `INSERT INTO mcp_pins (server, tool, version, hash, definition, pinned_by, pinned_at, audit_index)
				VALUES (?,?,?,?,?,?,?,?)`, p.Server, p.Tool, p.Version, p.Hash, def, p.By, p.At.UTC().Format(pinTime), p.AuditIndex); err != nil {
				return fmt.Errorf("sqlite: append pin: %w", err)
			}
			out[i] = p
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

const pinColumns = `server, tool, version, hash, definition, pinned_by, pinned_at, audit_index`

func scanPins(rows *sql.Rows) ([]store.Pin, error) {
	defer rows.Close()
	var out []store.Pin
	for rows.Next() {
		var p store.Pin
		var at string
		var def []byte
		if err := rows.Scan(&p.Server, &p.Tool, &p.Version, &p.Hash, &def, &p.By, &at, &p.AuditIndex); err != nil {
			return nil, fmt.Errorf("sqlite: read pin: %w", err)
		}
		t, err := time.Parse(pinTime, at)
		if err != nil {
			return nil, fmt.Errorf("sqlite: stored pin time %q: %w", at, err)
		}
		p.At = t
		if def != nil {
			p.Definition = append([]byte(nil), def...)
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read pins: %w", err)
	}
	return out, nil
}

// CurrentPins implements store.Pins.
func (s *Store) CurrentPins(ctx context.Context, server string) ([]store.Pin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+pinColumns+` FROM mcp_pins p WHERE server = ?
		AND version = (SELECT MAX(version) FROM mcp_pins q WHERE q.server = p.server AND q.tool = p.tool)
		AND hash != '' ORDER BY tool`, server)
	if err != nil {
		return nil, fmt.Errorf("sqlite: current pins: %w", err)
	}
	return scanPins(rows)
}

// PinHistory implements store.Pins.
func (s *Store) PinHistory(ctx context.Context, server, tool string) ([]store.Pin, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+pinColumns+` FROM mcp_pins WHERE server = ? AND tool = ? ORDER BY version`, server, tool)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pin history: %w", err)
	}
	return scanPins(rows)
}

// PinnedServers implements store.Pins.
func (s *Store) PinnedServers(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT server FROM mcp_pins p WHERE hash != ''
		AND version = (SELECT MAX(version) FROM mcp_pins q WHERE q.server = p.server AND q.tool = p.tool) ORDER BY server`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: pinned servers: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
