package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Agents = (*Store)(nil)

// agentTime is the stored layout of agent times: fixed width, so that text
// order is time order.
const agentTime = "2006-01-02T15:04:05.000000000Z"

func fmtAgentTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(agentTime)
}

func parseAgentTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(agentTime, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored agent time %q: %w", s, err)
	}
	return t, nil
}

// isUniqueViolation reports a UNIQUE or PRIMARY KEY constraint failure.
func isUniqueViolation(err error) bool {
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

// CreateAgent implements store.Agents.
func (s *Store) CreateAgent(ctx context.Context, r store.AgentRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO agents (id, did, status, created, updated) VALUES (?, ?, ?, ?, ?)`,
			r.ID, r.DID, r.Status, fmtAgentTime(r.Created), fmtAgentTime(r.Updated))
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: agent %q already exists", store.ErrConflict, r.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create agent: %w", err)
		}
		for i, k := range r.Keys {
			if err := s.insertKey(ctx, r.ID, int64(i), k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Store) insertKey(ctx context.Context, agent string, seq int64, k store.AgentKey) error {
	_, err := s.w.ExecContext(ctx, `INSERT INTO agent_keys (fingerprint, agent, seq, public_key, did, valid_from, valid_until) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		k.Fingerprint, agent, seq, k.PublicKey, k.DID, fmtAgentTime(k.ValidFrom), fmtAgentTime(k.ValidUntil))
	if isUniqueViolation(err) {
		return fmt.Errorf("%w: key %s is already enrolled", store.ErrConflict, k.Fingerprint)
	}
	if err != nil {
		return fmt.Errorf("sqlite: insert agent key: %w", err)
	}
	return nil
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func getAgent(ctx context.Context, q queryer, id string) (store.AgentRecord, error) {
	r := store.AgentRecord{ID: id}
	var created, updated string
	err := q.QueryRowContext(ctx, `SELECT did, status, created, updated FROM agents WHERE id = ?`, id).Scan(&r.DID, &r.Status, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: read agent: %w", err)
	}
	if r.Created, err = parseAgentTime(created); err != nil {
		return r, err
	}
	if r.Updated, err = parseAgentTime(updated); err != nil {
		return r, err
	}
	rows, err := q.QueryContext(ctx, `SELECT fingerprint, public_key, did, valid_from, valid_until FROM agent_keys WHERE agent = ? ORDER BY seq`, id)
	if err != nil {
		return r, fmt.Errorf("sqlite: read agent keys: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k store.AgentKey
		var from, until string
		if err := rows.Scan(&k.Fingerprint, &k.PublicKey, &k.DID, &from, &until); err != nil {
			return r, fmt.Errorf("sqlite: read agent key: %w", err)
		}
		if k.ValidFrom, err = parseAgentTime(from); err != nil {
			return r, err
		}
		if k.ValidUntil, err = parseAgentTime(until); err != nil {
			return r, err
		}
		r.Keys = append(r.Keys, k)
	}
	if err := rows.Err(); err != nil {
		return r, fmt.Errorf("sqlite: read agent keys: %w", err)
	}
	return r, nil
}

// GetAgent implements store.Agents.
func (s *Store) GetAgent(ctx context.Context, id string) (store.AgentRecord, error) {
	return getAgent(ctx, s.db, id)
}

// ListAgents implements store.Agents.
func (s *Store) ListAgents(ctx context.Context) ([]store.AgentRecord, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM agents ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list agents: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: list agents: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list agents: %w", err)
	}
	out := make([]store.AgentRecord, 0, len(ids))
	for _, id := range ids {
		r, err := getAgent(ctx, s.db, id)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// AgentByFingerprint implements store.Agents.
func (s *Store) AgentByFingerprint(ctx context.Context, fp string) (store.AgentRecord, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT agent FROM agent_keys WHERE fingerprint = ?`, fp).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return store.AgentRecord{}, fmt.Errorf("%w: key %s", store.ErrNotFound, fp)
	}
	if err != nil {
		return store.AgentRecord{}, fmt.Errorf("sqlite: find key: %w", err)
	}
	return getAgent(ctx, s.db, id)
}

// AddAgentKey implements store.Agents.
func (s *Store) AddAgentKey(ctx context.Context, id string, k store.AgentKey, at time.Time) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		var exists, n int64
		err := s.w.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM agents WHERE id = ?), (SELECT count(*) FROM agent_keys WHERE agent = ?)`, id, id).Scan(&exists, &n)
		if err != nil {
			return fmt.Errorf("sqlite: add agent key: %w", err)
		}
		if exists == 0 {
			return fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
		}
		ts := fmtAgentTime(at)
		if _, err := s.w.ExecContext(ctx, `UPDATE agent_keys SET valid_until = ? WHERE agent = ? AND valid_until = ''`, ts, id); err != nil {
			return fmt.Errorf("sqlite: retire agent key: %w", err)
		}
		k.ValidFrom, k.ValidUntil = at, time.Time{}
		if err := s.insertKey(ctx, id, n, k); err != nil {
			return err
		}
		if _, err := s.w.ExecContext(ctx, `UPDATE agents SET did = ?, updated = ? WHERE id = ?`, k.DID, ts, id); err != nil {
			return fmt.Errorf("sqlite: update agent: %w", err)
		}
		return nil
	})
}

// UpdateAgentStatus implements store.Agents.
func (s *Store) UpdateAgentStatus(ctx context.Context, id, from, to string, at time.Time) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, `UPDATE agents SET status = ?, updated = ? WHERE id = ? AND status = ?`, to, fmtAgentTime(at), id, from)
		if err != nil {
			return fmt.Errorf("sqlite: update agent status: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("sqlite: update agent status: %w", err)
		} else if n == 1 {
			return nil
		}
		var cur string
		err = s.w.QueryRowContext(ctx, `SELECT status FROM agents WHERE id = ?`, id).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: agent %q", store.ErrNotFound, id)
		}
		if err != nil {
			return fmt.Errorf("sqlite: read agent status: %w", err)
		}
		return fmt.Errorf("%w: agent %q has status %q, not %q", store.ErrConflict, id, cur, from)
	})
}
