package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

// RunTrust runs the trust-domain suite against fresh stores from open.
func RunTrust(t *testing.T, open func(t *testing.T) store.Trust) {
	ctx := context.Background()
	at := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	t.Run("RoundTripAndUpsert", func(t *testing.T) {
		st := open(t)
		if _, err := st.GetTrust(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing record: %v, want ErrNotFound", err)
		}
		if err := st.PutTrust(ctx, nil); err != nil {
			t.Fatalf("empty batch: %v", err)
		}
		a := store.TrustRecord{Agent: "a", Score: 512.25, Updated: at, Tier: "standard",
			Counters: store.TrustCounters{Clean: 7, Denials: 2, RingBreaches: 1, Injections: 3, Exfiltrations: 4, Resets: 5}}
		b := store.TrustRecord{Agent: "b", Score: 120, Updated: at.Add(time.Second), Tier: "untrusted"}
		if err := st.PutTrust(ctx, []store.TrustRecord{b, a}); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetTrust(ctx, "a")
		if err != nil {
			t.Fatal(err)
		}
		if got.Score != a.Score || !got.Updated.Equal(a.Updated) || got.Tier != a.Tier || got.Counters != a.Counters {
			t.Fatalf("got %+v, want %+v", got, a)
		}
		a.Score, a.Tier, a.Counters.Denials = 300, "probationary", 9
		if err := st.PutTrust(ctx, []store.TrustRecord{a}); err != nil {
			t.Fatal(err)
		}
		var seen []store.TrustRecord
		if err := st.ScanTrust(ctx, func(r store.TrustRecord) error { seen = append(seen, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[0].Agent != "a" || seen[1].Agent != "b" || seen[0].Score != 300 || seen[0].Counters.Denials != 9 || seen[0].Tier != "probationary" {
			t.Fatalf("scan %+v", seen)
		}
		stop := errors.New("stop")
		if err := st.ScanTrust(ctx, func(store.TrustRecord) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("scan error not returned: %v", err)
		}
	})
}

// RunDelegations runs the delegation-domain suite against fresh stores.
func RunDelegations(t *testing.T, open func(t *testing.T) store.Delegations) {
	ctx := context.Background()
	at := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	t.Run("RegisterAndRevoke", func(t *testing.T) {
		st := open(t)
		if _, err := st.GetDelegation(ctx, "sha256:00"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing: %v", err)
		}
		r := store.DelegationRecord{Digest: "sha256:01", ID: "n1", From: "a", To: "b", Token: []byte("tok"), Expires: at.Add(time.Hour), Created: at}
		if err := st.PutDelegation(ctx, r); err != nil {
			t.Fatal(err)
		}
		dup := r
		dup.Token = []byte("other")
		if err := st.PutDelegation(ctx, dup); err != nil {
			t.Fatalf("re-register: %v", err)
		}
		got, err := st.GetDelegation(ctx, "sha256:01")
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Token) != "tok" || got.ID != "n1" || got.From != "a" || got.To != "b" || !got.Expires.Equal(r.Expires) || !got.Created.Equal(at) {
			t.Fatalf("got %+v", got)
		}
		rv := store.DelegationRevocation{Digest: "sha256:01", By: "token:ops", Reason: "left", Revoked: at.Add(time.Minute)}
		if err := st.RevokeDelegation(ctx, rv); err != nil {
			t.Fatal(err)
		}
		if err := st.RevokeDelegation(ctx, store.DelegationRevocation{Digest: "sha256:01", By: "x", Revoked: at.Add(2 * time.Minute)}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second revocation: %v, want ErrConflict", err)
		}
		// An unregistered digest can be revoked too (an ADMIN revoking a
		// token the server never saw).
		if err := st.RevokeDelegation(ctx, store.DelegationRevocation{Digest: "sha256:02", By: "y", Revoked: at.Add(3 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
		var seen []store.DelegationRevocation
		if err := st.ScanRevocations(ctx, func(r store.DelegationRevocation) error { seen = append(seen, r); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(seen) != 2 || seen[0].Digest != "sha256:01" || seen[0].By != "token:ops" || seen[0].Reason != "left" || !seen[0].Revoked.Equal(rv.Revoked) || seen[1].Digest != "sha256:02" {
			t.Fatalf("revocations %+v", seen)
		}
	})
}
