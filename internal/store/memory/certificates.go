package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

var _ store.Certificates = (*Store)(nil)

// certLog is the memory store's certificate domain; its zero value is
// ready to use.
type certLog struct {
	mu    sync.RWMutex
	certs map[string]store.CertificateRecord
}

// PutCertificate implements store.Certificates.
func (s *Store) PutCertificate(_ context.Context, r store.CertificateRecord) error {
	c := &s.certs
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.certs[r.Serial]; ok {
		return fmt.Errorf("%w: certificate serial %s is already recorded", store.ErrConflict, r.Serial)
	}
	if c.certs == nil {
		c.certs = map[string]store.CertificateRecord{}
	}
	c.certs[r.Serial] = normCert(r)
	return nil
}

// normCert keeps times as the SQLite backend returns them (UTC,
// nanoseconds, no monotonic reading), so both backends answer alike.
func normCert(r store.CertificateRecord) store.CertificateRecord {
	r.NotBefore, r.NotAfter, r.IssuedAt = r.NotBefore.UTC().Round(0), r.NotAfter.UTC().Round(0), r.IssuedAt.UTC().Round(0)
	return r
}

// GetCertificate implements store.Certificates.
func (s *Store) GetCertificate(_ context.Context, serial string) (store.CertificateRecord, error) {
	c := &s.certs
	c.mu.RLock()
	defer c.mu.RUnlock()
	r, ok := c.certs[serial]
	if !ok {
		return r, store.ErrNotFound
	}
	return r, nil
}

// ListCertificates implements store.Certificates.
func (s *Store) ListCertificates(_ context.Context, q store.CertificateQuery) ([]store.CertificateRecord, error) {
	c := &s.certs
	c.mu.RLock()
	var out []store.CertificateRecord
	for _, r := range c.certs {
		if (q.SPIFFEID == "" || r.SPIFFEID == q.SPIFFEID) && (q.Issuer == "" || r.Issuer == q.Issuer) {
			out = append(out, r)
		}
	}
	c.mu.RUnlock()
	slices.SortFunc(out, func(a, b store.CertificateRecord) int {
		if n := b.IssuedAt.Compare(a.IssuedAt); n != 0 {
			return n
		}
		return cmp.Compare(b.Serial, a.Serial)
	})
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit]
	}
	return out, nil
}

// RevokeCertificate implements store.Certificates.
func (s *Store) RevokeCertificate(_ context.Context, serial string) error {
	c := &s.certs
	c.mu.Lock()
	defer c.mu.Unlock()
	r, ok := c.certs[serial]
	if !ok {
		return fmt.Errorf("%w: certificate serial %s", store.ErrNotFound, serial)
	}
	r.Revoked = true
	c.certs[serial] = r
	return nil
}

// LatestCertificateExpiry implements store.Certificates.
func (s *Store) LatestCertificateExpiry(_ context.Context, issuer string) (time.Time, error) {
	c := &s.certs
	c.mu.RLock()
	defer c.mu.RUnlock()
	var latest time.Time
	found := false
	for _, r := range c.certs {
		if r.Issuer == issuer && (!found || r.NotAfter.After(latest)) {
			latest, found = r.NotAfter, true
		}
	}
	if !found {
		return time.Time{}, store.ErrNotFound
	}
	return latest, nil
}
