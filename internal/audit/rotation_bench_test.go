package audit

import (
	"context"
	"testing"

	"github.com/agentgov/agentgov/internal/store/memory"
)

// BenchmarkRotateKey measures one log key rotation end to end on the
// memory store: the signed rotation entry committed alone, the old key's
// checkpoint signed and stored, the signer switched. Key generation is
// outside the timer.
func BenchmarkRotateKey(b *testing.B) {
	ctx := context.Background()
	const perLog = 512
	var l *Log
	keys := make([]testKey, 0, perLog)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if i%perLog == 0 {
			b.StopTimer()
			l = openLog(b, memory.New(), newKey(b))
			keys = keys[:0]
			for range perLog {
				keys = append(keys, newKey(b))
			}
			appendN(b, l, 10)
			b.StartTimer()
		}
		k := keys[i%perLog]
		if _, err := l.RotateKey(ctx, k.signer, k.vkey, "bench"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkKeyChainOpen measures opening a checkpoint along a chain of 8
// keys (signed by the current key): one Ed25519 verification plus the
// choice of key by size.
func BenchmarkKeyChainOpen(b *testing.B) {
	ctx := context.Background()
	l := openLog(b, memory.New(), newKey(b))
	for range 7 {
		appendN(b, l, 3)
		k := newKey(b)
		if _, err := l.RotateKey(ctx, k.signer, k.vkey, "bench"); err != nil {
			b.Fatal(err)
		}
	}
	appendN(b, l, 3)
	c, err := l.Checkpoint(ctx)
	if err != nil {
		b.Fatal(err)
	}
	chain := l.KeyChain()
	b.ReportAllocs()
	for b.Loop() {
		if _, i, err := chain.Open(c.Note); err != nil || i != 7 {
			b.Fatal(i, err)
		}
	}
}
