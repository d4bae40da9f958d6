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

var _ store.Sagas = (*Store)(nil)

func sagaNanos(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func sagaTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func sagaBool(b bool) int {
	if b {
		return 1
	}
	return 0
}

// CreateSaga implements store.Sagas.
func (s *Store) CreateSaga(ctx context.Context, r store.SagaRecord) error {
	if r.Version != 1 {
		return fmt.Errorf("%w: a new saga has version 1, got %d", store.ErrConflict, r.Version)
	}
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO sagas (id, agent, acting, substitute, session, source, kind, definition, input,
 status, reason, escalation, finished, created, updated, deadline, version) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,1)`,
			r.ID, r.Agent, r.Acting, r.Substitute, r.Session, r.Source, r.Kind, r.Definition, r.Input,
			r.Status, r.Reason, r.Escalation, sagaBool(r.Finished), sagaNanos(r.Created), sagaNanos(r.Updated), sagaNanos(r.Deadline))
		if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("%w: saga %s exists", store.ErrConflict, r.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create saga: %w", err)
		}
		return s.putSagaSteps(ctx, r)
	})
}

// putSagaSteps replaces the steps of r inside the caller's transaction.
func (s *Store) putSagaSteps(ctx context.Context, r store.SagaRecord) error {
	if _, err := s.w.ExecContext(ctx, `DELETE FROM saga_steps WHERE saga_id = ?`, r.ID); err != nil {
		return fmt.Errorf("sqlite: saga steps: %w", err)
	}
	for i, st := range r.Steps {
		_, err := s.w.ExecContext(ctx, `INSERT INTO saga_steps (saga_id, idx, name, status, attempts, comp_attempts, result, error,
 started, finished, comp_finished) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
			r.ID, i, st.Name, st.Status, st.Attempts, st.CompAttempts, st.Result, st.Error,
			sagaNanos(st.Started), sagaNanos(st.Finished), sagaNanos(st.CompFinished))
		if err != nil {
			return fmt.Errorf("sqlite: saga step %d: %w", i, err)
		}
	}
	return nil
}

// UpdateSaga implements store.Sagas.
func (s *Store) UpdateSaga(ctx context.Context, r store.SagaRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, `UPDATE sagas SET agent = ?, acting = ?, substitute = ?, session = ?, source = ?, kind = ?,
 definition = ?, input = ?, status = ?, reason = ?, escalation = ?, finished = ?, created = ?, updated = ?, deadline = ?, version = ?
 WHERE id = ? AND version = ?`,
			r.Agent, r.Acting, r.Substitute, r.Session, r.Source, r.Kind, r.Definition, r.Input, r.Status, r.Reason, r.Escalation,
			sagaBool(r.Finished), sagaNanos(r.Created), sagaNanos(r.Updated), sagaNanos(r.Deadline), r.Version, r.ID, r.Version-1)
		if err != nil {
			return fmt.Errorf("sqlite: update saga: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite: update saga: %w", err)
		}
		if n != 1 {
			var v int64
			err = s.w.QueryRowContext(ctx, `SELECT version FROM sagas WHERE id = ?`, r.ID).Scan(&v)
			if errors.Is(err, sql.ErrNoRows) {
				return fmt.Errorf("%w: saga %s", store.ErrNotFound, r.ID)
			}
			if err != nil {
				return fmt.Errorf("sqlite: update saga: %w", err)
			}
			return fmt.Errorf("%w: saga %s is at version %d, the update expects %d", store.ErrConflict, r.ID, v, r.Version-1)
		}
		return s.putSagaSteps(ctx, r)
	})
}

const sagaColumns = `id, agent, acting, substitute, session, source, kind, definition, input, status, reason, escalation,
 finished, created, updated, deadline, version`

type sagaQuerier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

func scanSaga(row interface{ Scan(...any) error }) (store.SagaRecord, error) {
	var r store.SagaRecord
	var finished int
	var created, updated, deadline int64
	err := row.Scan(&r.ID, &r.Agent, &r.Acting, &r.Substitute, &r.Session, &r.Source, &r.Kind, &r.Definition, &r.Input,
		&r.Status, &r.Reason, &r.Escalation, &finished, &created, &updated, &deadline, &r.Version)
	r.Finished = finished != 0
	r.Created, r.Updated, r.Deadline = sagaTime(created), sagaTime(updated), sagaTime(deadline)
	return r, err
}

// sagaSteps reads the steps of r.
func sagaSteps(ctx context.Context, q sagaQuerier, r *store.SagaRecord) error {
	rows, err := q.QueryContext(ctx, `SELECT name, status, attempts, comp_attempts, result, error, started, finished, comp_finished
 FROM saga_steps WHERE saga_id = ? ORDER BY idx`, r.ID)
	if err != nil {
		return fmt.Errorf("sqlite: saga steps: %w", err)
	}
	defer rows.Close()
	r.Steps = nil
	for rows.Next() {
		var st store.SagaStep
		var started, finished, comp int64
		if err := rows.Scan(&st.Name, &st.Status, &st.Attempts, &st.CompAttempts, &st.Result, &st.Error, &started, &finished, &comp); err != nil {
			return fmt.Errorf("sqlite: saga steps: %w", err)
		}
		st.Started, st.Finished, st.CompFinished = sagaTime(started), sagaTime(finished), sagaTime(comp)
		r.Steps = append(r.Steps, st)
	}
	return rows.Err()
}

// GetSaga implements store.Sagas.
func (s *Store) GetSaga(ctx context.Context, id string) (store.SagaRecord, error) {
	// One read transaction, so that the saga row and its steps are of the
	// same checkpoint.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return store.SagaRecord{}, fmt.Errorf("sqlite: read saga: %w", err)
	}
	defer tx.Rollback()
	r, err := scanSaga(tx.QueryRowContext(ctx, `SELECT `+sagaColumns+` FROM sagas WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: saga %s", store.ErrNotFound, id)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: read saga: %w", err)
	}
	if err := sagaSteps(ctx, tx, &r); err != nil {
		return r, err
	}
	return r, nil
}

// ListSagas implements store.Sagas.
func (s *Store) ListSagas(ctx context.Context, q store.SagaQuery) ([]store.SagaRecord, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sagas: %w", err)
	}
	defer tx.Rollback()
	var where []string
	var args []any
	if q.Unfinished {
		where = append(where, `finished = 0`)
	}
	if q.Agent != "" {
		where, args = append(where, `agent = ?`), append(args, q.Agent)
	}
	query := `SELECT ` + sagaColumns + ` FROM sagas`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	if q.Newest {
		query += ` ORDER BY created DESC, rowid DESC`
	} else {
		query += ` ORDER BY created, rowid`
	}
	if q.Limit > 0 {
		query += ` LIMIT ?`
		args = append(args, q.Limit)
	}
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list sagas: %w", err)
	}
	var out []store.SagaRecord
	for rows.Next() {
		r, err := scanSaga(rows)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("sqlite: list sagas: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("sqlite: list sagas: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("sqlite: list sagas: %w", err)
	}
	for i := range out {
		if err := sagaSteps(ctx, tx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}
