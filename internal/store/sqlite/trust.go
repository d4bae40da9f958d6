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
	_ store.Trust       = (*Store)(nil)
	_ store.Delegations = (*Store)(nil)
)

// trustTime is the stored layout of trust and delegation times: fixed
// width, so that text order is time order.
const trustTime = "2006-01-02T15:04:05.000000000Z"

func fmtTrustTime(t time.Time) string { return t.UTC().Format(trustTime) }

func parseTrustTime(s string) (time.Time, error) {
	t, err := time.Parse(trustTime, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored time %q: %w", s, err)
	}
	return t, nil
}

// PutTrust implements store.Trust: one transaction for the whole batch.
func (s *Store) PutTrust(ctx context.Context, recs []store.TrustRecord) error {
	if len(recs) == 0 {
		return nil
	}
	return s.withWrite(ctx, func(ctx context.Context) error {
		st, err := s.w.PrepareContext(ctx, `INSERT INTO trust_scores
			(agent, score, updated, tier, clean, denials, ring_breaches, injections, exfiltrations, resets)
			VALUES (?,?,?,?,?,?,?,?,?,?)
			ON CONFLICT (agent) DO UPDATE SET score = excluded.score, updated = excluded.updated, tier = excluded.tier,
			clean = excluded.clean, denials = excluded.denials, ring_breaches = excluded.ring_breaches,
			injections = excluded.injections, exfiltrations = excluded.exfiltrations, resets = excluded.resets`)
		if err != nil {
			return fmt.Errorf("sqlite: put trust: %w", err)
		}
		defer st.Close()
		for _, r := range recs {
			c := r.Counters
			if _, err := st.ExecContext(ctx, r.Agent, r.Score, fmtTrustTime(r.Updated), r.Tier,
				c.Clean, c.Denials, c.RingBreaches, c.Injections, c.Exfiltrations, c.Resets); err != nil {
				return fmt.Errorf("sqlite: put trust of %q: %w", r.Agent, err)
			}
		}
		return nil
	})
}

const trustColumns = `agent, score, updated, tier, clean, denials, ring_breaches, injections, exfiltrations, resets`

func scanTrust(row interface{ Scan(...any) error }) (store.TrustRecord, error) {
	var r store.TrustRecord
	var updated string
	c := &r.Counters
	if err := row.Scan(&r.Agent, &r.Score, &updated, &r.Tier, &c.Clean, &c.Denials, &c.RingBreaches, &c.Injections, &c.Exfiltrations, &c.Resets); err != nil {
		return r, err
	}
	var err error
	r.Updated, err = parseTrustTime(updated)
	return r, err
}

// GetTrust implements store.Trust.
func (s *Store) GetTrust(ctx context.Context, agent string) (store.TrustRecord, error) {
	r, err := scanTrust(s.db.QueryRowContext(ctx, `SELECT `+trustColumns+` FROM trust_scores WHERE agent = ?`, agent))
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: no trust record for %q", store.ErrNotFound, agent)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: get trust: %w", err)
	}
	return r, nil
}

// ScanTrust implements store.Trust.
func (s *Store) ScanTrust(ctx context.Context, fn func(store.TrustRecord) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT `+trustColumns+` FROM trust_scores ORDER BY agent`)
	if err != nil {
		return fmt.Errorf("sqlite: scan trust: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		r, err := scanTrust(rows)
		if err != nil {
			return fmt.Errorf("sqlite: scan trust: %w", err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// PutDelegation implements store.Delegations.
func (s *Store) PutDelegation(ctx context.Context, r store.DelegationRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO delegations (digest, id, from_agent, to_agent, token, expires, created)
			VALUES (?,?,?,?,?,?,?) ON CONFLICT (digest) DO NOTHING`,
			r.Digest, r.ID, r.From, r.To, r.Token, fmtTrustTime(r.Expires), fmtTrustTime(r.Created))
		if err != nil {
			return fmt.Errorf("sqlite: put delegation: %w", err)
		}
		return nil
	})
}

// GetDelegation implements store.Delegations.
func (s *Store) GetDelegation(ctx context.Context, digest string) (store.DelegationRecord, error) {
	var r store.DelegationRecord
	var expires, created string
	err := s.db.QueryRowContext(ctx, `SELECT digest, id, from_agent, to_agent, token, expires, created FROM delegations WHERE digest = ?`, digest).
		Scan(&r.Digest, &r.ID, &r.From, &r.To, &r.Token, &expires, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return r, fmt.Errorf("%w: no delegation %s", store.ErrNotFound, digest)
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: get delegation: %w", err)
	}
	if r.Expires, err = parseTrustTime(expires); err != nil {
		return r, err
	}
	r.Created, err = parseTrustTime(created)
	return r, err
}

// RevokeDelegation implements store.Delegations.
func (s *Store) RevokeDelegation(ctx context.Context, r store.DelegationRevocation) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO delegation_revocations (digest, by, reason, revoked) VALUES (?,?,?,?)`,
			r.Digest, r.By, r.Reason, fmtTrustTime(r.Revoked))
		if isUniqueViolation(err) {
			return fmt.Errorf("%w: delegation %s is already revoked", store.ErrConflict, r.Digest)
		}
		if err != nil {
			return fmt.Errorf("sqlite: revoke delegation: %w", err)
		}
		return nil
	})
}

// ScanRevocations implements store.Delegations.
func (s *Store) ScanRevocations(ctx context.Context, fn func(store.DelegationRevocation) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT digest, by, reason, revoked FROM delegation_revocations ORDER BY revoked, digest`)
	if err != nil {
		return fmt.Errorf("sqlite: scan revocations: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r store.DelegationRevocation
		var revoked string
		if err := rows.Scan(&r.Digest, &r.By, &r.Reason, &revoked); err != nil {
			return fmt.Errorf("sqlite: scan revocations: %w", err)
		}
		if r.Revoked, err = parseTrustTime(revoked); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
