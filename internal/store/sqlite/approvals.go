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

var _ store.Approvals = (*Store)(nil)

// CreateApproval implements store.Approvals.
func (s *Store) CreateApproval(ctx context.Context, r store.ApprovalRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO approvals (id, agent, state, created, deadline, version, body) VALUES (?, ?, ?, ?, ?, 1, ?)`,
			r.ID, r.Agent, r.State, r.Created.UnixNano(), r.Deadline.UnixNano(), r.Body)
		if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
			return fmt.Errorf("%w: approval %s exists", store.ErrConflict, r.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: create approval: %w", err)
		}
		return nil
	})
}

const approvalColumns = `id, agent, state, created, deadline, version, body`

func scanApproval(row scanner) (store.ApprovalRecord, error) {
	var r store.ApprovalRecord
	var created, deadline int64
	if err := row.Scan(&r.ID, &r.Agent, &r.State, &created, &deadline, &r.Version, &r.Body); err != nil {
		return r, err
	}
	r.Created, r.Deadline = time.Unix(0, created).UTC(), time.Unix(0, deadline).UTC()
	return r, nil
}

// GetApproval implements store.Approvals.
func (s *Store) GetApproval(ctx context.Context, id string) (store.ApprovalRecord, error) {
	r, err := scanApproval(s.db.QueryRowContext(ctx, `SELECT `+approvalColumns+` FROM approvals WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: approval %s", store.ErrNotFound, id)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: read approval: %w", err)
	}
	return r, nil
}

// UpdateApproval implements store.Approvals.
func (s *Store) UpdateApproval(ctx context.Context, r store.ApprovalRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, `UPDATE approvals SET agent = ?, state = ?, created = ?, deadline = ?, version = version + 1, body = ? WHERE id = ? AND version = ?`,
			r.Agent, r.State, r.Created.UnixNano(), r.Deadline.UnixNano(), r.Body, r.ID, r.Version)
		if err != nil {
			return fmt.Errorf("sqlite: update approval: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("sqlite: update approval: %w", err)
		}
		if n == 1 {
			return nil
		}
		var v int64
		err = s.w.QueryRowContext(ctx, `SELECT version FROM approvals WHERE id = ?`, r.ID).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: approval %s", store.ErrNotFound, r.ID)
		}
		if err != nil {
			return fmt.Errorf("sqlite: update approval: %w", err)
		}
		return fmt.Errorf("%w: approval %s is at version %d, not %d", store.ErrConflict, r.ID, v, r.Version)
	})
}

// ListApprovals implements store.Approvals.
func (s *Store) ListApprovals(ctx context.Context, q store.ApprovalQuery) ([]store.ApprovalRecord, error) {
	limit := q.Limit
	if limit <= 0 || limit > store.MaxApprovalList {
		limit = store.MaxApprovalList
	}
	var where []string
	var args []any
	if q.State != "" {
		where, args = append(where, `state = ?`), append(args, q.State)
	}
	if q.Agent != "" {
		where, args = append(where, `agent = ?`), append(args, q.Agent)
	}
	if !q.CreatedSince.IsZero() {
		where, args = append(where, `created >= ?`), append(args, q.CreatedSince.UnixNano())
	}
	if !q.AfterCreated.IsZero() || q.AfterID != "" {
		c := q.AfterCreated.UnixNano()
		where, args = append(where, `(created > ? OR (created = ? AND id > ?))`), append(args, c, c, q.AfterID)
	}
	query := `SELECT ` + approvalColumns + ` FROM approvals`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	query += ` ORDER BY created, id LIMIT ?`
	args = append(args, limit)
	return queryAll(ctx, s, "list approvals", query, args, scanApproval)
}
