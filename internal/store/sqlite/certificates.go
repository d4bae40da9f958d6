package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Certificates = (*Store)(nil)

func certTime(t time.Time) string { return t.UTC().Format(api.TimeLayout) }

func parseCertTime(s string) (time.Time, error) {
	t, err := time.Parse(api.TimeLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("sqlite: stored certificate time %q: %w", s, err)
	}
	return t, nil
}

// PutCertificate implements store.Certificates.
func (s *Store) PutCertificate(ctx context.Context, r store.CertificateRecord) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		var n int
		if err := s.w.QueryRowContext(ctx, `SELECT COUNT(*) FROM certificates WHERE serial = ?`, r.Serial).Scan(&n); err != nil {
			return fmt.Errorf("sqlite: certificate lookup: %w", err)
		}
		if n > 0 {
			return fmt.Errorf("%w: certificate serial %s is already recorded", store.ErrConflict, r.Serial)
		}
		_, err := s.w.ExecContext(ctx, `INSERT INTO certificates (serial, spiffe_id, issuer, not_before, not_after, sha256, issued_at, revoked)
 VALUES (?,?,?,?,?,?,?,?)`, r.Serial, r.SPIFFEID, r.Issuer, certTime(r.NotBefore), certTime(r.NotAfter), r.SHA256, certTime(r.IssuedAt), r.Revoked)
		if err != nil {
			return fmt.Errorf("sqlite: insert certificate %s: %w", r.Serial, err)
		}
		return nil
	})
}

const selectCert = `SELECT serial, spiffe_id, issuer, not_before, not_after, sha256, issued_at, revoked FROM certificates`

func scanCert(sc scanner) (store.CertificateRecord, error) {
	var r store.CertificateRecord
	var nb, na, ia string
	if err := sc.Scan(&r.Serial, &r.SPIFFEID, &r.Issuer, &nb, &na, &r.SHA256, &ia, &r.Revoked); err != nil {
		return r, err
	}
	var err error
	if r.NotBefore, err = parseCertTime(nb); err != nil {
		return r, err
	}
	if r.NotAfter, err = parseCertTime(na); err != nil {
		return r, err
	}
	if r.IssuedAt, err = parseCertTime(ia); err != nil {
		return r, err
	}
	return r, nil
}

// GetCertificate implements store.Certificates.
func (s *Store) GetCertificate(ctx context.Context, serial string) (store.CertificateRecord, error) {
	r, err := scanCert(s.db.QueryRowContext(ctx, selectCert+` WHERE serial = ?`, serial))
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: certificate %s: %w", serial, err)
	}
	return r, nil
}

// ListCertificates implements store.Certificates.
func (s *Store) ListCertificates(ctx context.Context, q store.CertificateQuery) ([]store.CertificateRecord, error) {
	var where []string
	var args []any
	if q.SPIFFEID != "" {
		where, args = append(where, "spiffe_id = ?"), append(args, q.SPIFFEID)
	}
	if q.Issuer != "" {
		where, args = append(where, "issuer = ?"), append(args, q.Issuer)
	}
	query := selectCert
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY issued_at DESC, serial DESC"
	if q.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, q.Limit)
	}
	return queryAll(ctx, s, "list certificates", query, args, scanCert)
}

// RevokeCertificate implements store.Certificates.
func (s *Store) RevokeCertificate(ctx context.Context, serial string) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		res, err := s.w.ExecContext(ctx, `UPDATE certificates SET revoked = 1 WHERE serial = ?`, serial)
		if err != nil {
			return fmt.Errorf("sqlite: revoke certificate %s: %w", serial, err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return fmt.Errorf("%w: certificate serial %s", store.ErrNotFound, serial)
		}
		return nil
	})
}

// LatestCertificateExpiry implements store.Certificates.
func (s *Store) LatestCertificateExpiry(ctx context.Context, issuer string) (time.Time, error) {
	var na sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(not_after) FROM certificates WHERE issuer = ?`, issuer).Scan(&na); err != nil {
		return time.Time{}, fmt.Errorf("sqlite: certificate expiry: %w", err)
	}
	if !na.Valid {
		return time.Time{}, store.ErrNotFound
	}
	return parseCertTime(na.String)
}
