package delegation

import (
	"context"
	"testing"
)

// BenchmarkDelegationVerify: a chain of depth 5. cold verifies all five
// signatures (empty caches); warm is the gate's steady state (cached
// links and chain: digests, revocation and expiry checks only).
func BenchmarkDelegationVerify(b *testing.B) {
	w := newWorld("a", "b", "c", "d", "e", "f")
	ch := w.chain(b, []string{"a", "b", "c", "d", "e", "f"}, nil)
	ctx := context.Background()
	b.Run("cold", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			v := w.verifier(b, 5)
			if _, err := v.Verify(ctx, ch); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("warm", func(b *testing.B) {
		v := w.verifier(b, 5)
		if _, err := v.Verify(ctx, ch); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := v.Verify(ctx, ch); err != nil {
				b.Fatal(err)
			}
		}
	})
}
