package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

func certRecord(i int, id, issuer string) store.CertificateRecord {
	at := base.Add(time.Duration(i) * time.Minute).Add(123456789 * time.Nanosecond)
	return store.CertificateRecord{
		Serial: fmt.Sprintf("%032x", i+1), SPIFFEID: id, Issuer: issuer,
		NotBefore: at.Add(-time.Minute), NotAfter: at.Add(time.Hour), SHA256: fmt.Sprintf("%064x", i),
		IssuedAt: at,
	}
}

// RunCertificates runs the certificate-domain suite against fresh stores
// from open.
func RunCertificates(t *testing.T, open func(t *testing.T) store.Certificates) {
	ctx := context.Background()
	t.Run("PutGet", func(t *testing.T) {
		st := open(t)
		r := certRecord(0, "spiffe://td/agent/a", "ca1")
		if err := st.PutCertificate(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetCertificate(ctx, r.Serial)
		if err != nil {
			t.Fatal(err)
		}
		if !got.NotAfter.Equal(r.NotAfter) || !got.NotBefore.Equal(r.NotBefore) || !got.IssuedAt.Equal(r.IssuedAt) {
			t.Fatalf("times changed: %+v, want %+v", got, r)
		}
		got.NotBefore, got.NotAfter, got.IssuedAt = r.NotBefore, r.NotAfter, r.IssuedAt
		if got != r {
			t.Fatalf("got %+v, want %+v", got, r)
		}
		if err := st.PutCertificate(ctx, r); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate serial: %v, want ErrConflict", err)
		}
		if _, err := st.GetCertificate(ctx, "ff"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing serial: %v, want ErrNotFound", err)
		}
	})
	t.Run("ListAndExpiry", func(t *testing.T) {
		st := open(t)
		for i := range 6 {
			id := []string{"spiffe://td/agent/a", "spiffe://td/agent/b"}[i%2]
			issuer := []string{"ca1", "ca1", "ca2"}[i%3]
			if err := st.PutCertificate(ctx, certRecord(i, id, issuer)); err != nil {
				t.Fatal(err)
			}
		}
		all, err := st.ListCertificates(ctx, store.CertificateQuery{})
		if err != nil || len(all) != 6 {
			t.Fatalf("list all: %d %v", len(all), err)
		}
		for i := 1; i < len(all); i++ {
			if all[i].IssuedAt.After(all[i-1].IssuedAt) {
				t.Fatalf("not newest first at %d", i)
			}
		}
		a, err := st.ListCertificates(ctx, store.CertificateQuery{SPIFFEID: "spiffe://td/agent/a", Limit: 2})
		if err != nil || len(a) != 2 || a[0].Serial != certRecord(4, "", "").Serial || a[1].Serial != certRecord(2, "", "").Serial {
			t.Fatalf("list a: %+v %v", a, err)
		}
		c2, err := st.ListCertificates(ctx, store.CertificateQuery{Issuer: "ca2"})
		if err != nil || len(c2) != 2 {
			t.Fatalf("list ca2: %+v %v", c2, err)
		}
		exp, err := st.LatestCertificateExpiry(ctx, "ca1")
		if err != nil || !exp.Equal(certRecord(4, "", "").NotAfter) {
			t.Fatalf("ca1 expiry %v %v", exp, err)
		}
		if _, err := st.LatestCertificateExpiry(ctx, "ca3"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown issuer: %v, want ErrNotFound", err)
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		st := open(t)
		r := certRecord(1, "spiffe://td/agent/a", "ca1")
		if err := st.PutCertificate(ctx, r); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := st.RevokeCertificate(ctx, r.Serial); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.GetCertificate(ctx, r.Serial)
		if err != nil || !got.Revoked {
			t.Fatalf("after revoke: %+v %v", got, err)
		}
		if err := st.RevokeCertificate(ctx, "ff"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("revoke missing: %v, want ErrNotFound", err)
		}
	})
}
