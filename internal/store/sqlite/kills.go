package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

var (
	_ store.Kills     = (*Store)(nil)
	_ store.Lifecycle = (*Store)(nil)
)

// killTime is the stored layout of kill and lifecycle times: fixed width,
// so that text order is time order.
const killTime = "2006-01-02T15:04:05.000000000Z"

func fmtKillTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: t.UTC().Format(killTime), Valid: true}
}

func parseKillTime(s sql.NullString) (time.Time, error) {
	if !s.Valid || s.String == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(killTime, s.String)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored time %q: %w", s.String, err)
	}
	return t, nil
}

// PutKill implements store.Kills.
func (s *Store) PutKill(ctx context.Context, k store.Kill) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO kills (id, scope, agent, session, tool, reason, note, created_by, created,
			gate_effective_at, inflight_cancelled, audit_index, lifted_at, lifted_by) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, agent = excluded.agent, session = excluded.session,
			tool = excluded.tool, reason = excluded.reason, note = excluded.note, created_by = excluded.created_by,
			created = excluded.created, gate_effective_at = excluded.gate_effective_at,
			inflight_cancelled = excluded.inflight_cancelled, audit_index = excluded.audit_index,
			lifted_at = excluded.lifted_at, lifted_by = excluded.lifted_by`,
			k.ID, k.Scope, k.Agent, k.Session, k.Tool, k.Reason, k.Note, k.By, fmtKillTime(k.Created).String,
			fmtKillTime(k.GateEffectiveAt).String, k.InflightCancelled, k.AuditIndex, fmtKillTime(k.LiftedAt), k.LiftedBy)
		if err != nil {
			return fmt.Errorf("sqlite: put kill: %w", err)
		}
		return nil
	})
}

const killColumns = `id, scope, agent, session, tool, reason, note, created_by, created, gate_effective_at,
	inflight_cancelled, audit_index, lifted_at, lifted_by`

func scanKill(sc scanner) (store.Kill, error) {
	var k store.Kill
	var created, effective, lifted sql.NullString
	if err := sc.Scan(&k.ID, &k.Scope, &k.Agent, &k.Session, &k.Tool, &k.Reason, &k.Note, &k.By, &created, &effective,
		&k.InflightCancelled, &k.AuditIndex, &lifted, &k.LiftedBy); err != nil {
		return k, err
	}
	var err error
	if k.Created, err = parseKillTime(created); err != nil {
		return k, err
	}
	if k.GateEffectiveAt, err = parseKillTime(effective); err != nil {
		return k, err
	}
	k.LiftedAt, err = parseKillTime(lifted)
	return k, err
}

// GetKill implements store.Kills.
func (s *Store) GetKill(ctx context.Context, id string) (store.Kill, error) {
	k, err := scanKill(s.db.QueryRowContext(ctx, `SELECT `+killColumns+` FROM kills WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return k, store.ErrNotFound
	}
	if err != nil {
		return k, fmt.Errorf("sqlite: get kill: %w", err)
	}
	return k, nil
}

// ListKills implements store.Kills.
func (s *Store) ListKills(ctx context.Context, q store.KillQuery) ([]store.Kill, error) {
	query := `SELECT ` + killColumns + ` FROM kills`
	if q.ActiveOnly {
		query += ` WHERE lifted_at IS NULL`
	}
	args := []any{}
	if q.Limit > 0 {
		// The newest, returned oldest first.
		query = `SELECT ` + killColumns + ` FROM (` + query + ` ORDER BY created DESC, id DESC LIMIT ?)`
		args = append(args, q.Limit)
	}
	query += ` ORDER BY created, id`
	return queryAll(ctx, s, "list kills", query, args, scanKill)
}

// PutKillProcess implements store.Kills.
func (s *Store) PutKillProcess(ctx context.Context, p store.KillProcess) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		var n int
		if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM kills WHERE id = ?`, p.KillID).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: put kill process: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("%w: kill %q", store.ErrNotFound, p.KillID)
		}
		var exit sql.NullInt64
		if p.Exited {
			exit = sql.NullInt64{Int64: int64(p.ExitCode), Valid: true}
		}
		_, err := s.w.ExecContext(ctx, `INSERT INTO kill_processes (kill_id, runner, agent, session, pid, pgid, signalled_at,
			killed_at, exit_code, exit_signal, terminated_at, confirmed_at, error, reported_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (kill_id, runner) DO UPDATE SET agent = excluded.agent, session = excluded.session, pid = excluded.pid,
			pgid = excluded.pgid, signalled_at = excluded.signalled_at, killed_at = excluded.killed_at,
			exit_code = excluded.exit_code, exit_signal = excluded.exit_signal, terminated_at = excluded.terminated_at,
			confirmed_at = excluded.confirmed_at, error = excluded.error, reported_at = excluded.reported_at`,
			p.KillID, p.Runner, p.Agent, p.Session, p.PID, p.PGID, fmtKillTime(p.SignalledAt), fmtKillTime(p.KilledAt), exit,
			p.ExitSignal, fmtKillTime(p.TerminatedAt), fmtKillTime(p.ConfirmedAt), p.Error, fmtKillTime(p.ReportedAt))
		if err != nil {
			return fmt.Errorf("sqlite: put kill process: %w", err)
		}
		return nil
	})
}

// KillProcesses implements store.Kills.
func (s *Store) KillProcesses(ctx context.Context, killID string) ([]store.KillProcess, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT kill_id, runner, agent, session, pid, pgid, signalled_at, killed_at, exit_code,
		exit_signal, terminated_at, confirmed_at, error, reported_at FROM kill_processes WHERE kill_id = ? ORDER BY runner`, killID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: kill processes: %w", err)
	}
	defer rows.Close()
	var out []store.KillProcess
	for rows.Next() {
		var p store.KillProcess
		var sig, killed, term, conf, rep sql.NullString
		var exit sql.NullInt64
		if err := rows.Scan(&p.KillID, &p.Runner, &p.Agent, &p.Session, &p.PID, &p.PGID, &sig, &killed, &exit, &p.ExitSignal,
			&term, &conf, &p.Error, &rep); err != nil {
			return nil, fmt.Errorf("sqlite: kill processes: %w", err)
		}
		p.Exited, p.ExitCode = exit.Valid, int(exit.Int64)
		for _, t := range []struct {
			dst *time.Time
			src sql.NullString
		}{{&p.SignalledAt, sig}, {&p.KilledAt, killed}, {&p.TerminatedAt, term}, {&p.ConfirmedAt, conf}, {&p.ReportedAt, rep}} {
			if *t.dst, err = parseKillTime(t.src); err != nil {
				return nil, err
			}
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// AgentStates implements store.Lifecycle.
func (s *Store) AgentStates(ctx context.Context) ([]store.AgentLifecycle, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT agent, state, since, changed_by FROM agent_lifecycle ORDER BY agent`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: agent states: %w", err)
	}
	defer rows.Close()
	var out []store.AgentLifecycle
	for rows.Next() {
		var a store.AgentLifecycle
		var since sql.NullString
		if err := rows.Scan(&a.Agent, &a.State, &since, &a.By); err != nil {
			return nil, fmt.Errorf("sqlite: agent states: %w", err)
		}
		if a.Since, err = parseKillTime(since); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// SetAgentState implements store.Lifecycle.
func (s *Store) SetAgentState(ctx context.Context, a store.AgentLifecycle, from string) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		var cur string
		err := s.w.QueryRowContext(ctx, `SELECT state FROM agent_lifecycle WHERE agent = ?`, a.Agent).Scan(&cur)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("sqlite: set agent state: %w", err)
		}
		if cur != from {
			return fmt.Errorf("%w: agent %q is %q, not %q", store.ErrConflict, a.Agent, cur, from)
		}
		_, err = s.w.ExecContext(ctx, `INSERT INTO agent_lifecycle (agent, state, since, changed_by) VALUES (?,?,?,?)
			ON CONFLICT (agent) DO UPDATE SET state = excluded.state, since = excluded.since, changed_by = excluded.changed_by`,
			a.Agent, a.State, fmtKillTime(a.Since).String, a.By)
		if err != nil {
			return fmt.Errorf("sqlite: set agent state: %w", err)
		}
		return nil
	})
}
