package saga

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// benchSaga runs b.N three-step Go sagas to completion: per saga, six gate
// checks (pre and post per step), eight store writes (the creation, two
// checkpoints per step, the end) and five audit entries — the runner's
// bookkeeping around steps that do nothing.
func benchSaga(b *testing.B, st store.Sagas) {
	h := newHarness(st)
	r, err := New(Options{Store: st, Audit: h.log, Gate: h.gate})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	nop := func(context.Context, Call) (json.RawMessage, error) { return json.RawMessage(`{}`), nil }
	steps := []Step{{Name: "a", Do: nop, Undo: nop}, {Name: "b", Do: nop, Undo: nop}, {Name: "c", Do: nop, Undo: nop}}
	if err := r.Register("bench", steps); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for range b.N {
		id, err := r.Start(ctx, Spec{Name: "bench", Agent: "bot", Input: json.RawMessage(`{"n":1}`)})
		if err != nil {
			b.Fatal(err)
		}
		if v, err := r.Wait(ctx, id); err != nil || v.Status != StatusCompleted {
			b.Fatalf("%v %s", err, v.Status)
		}
		// The fake gate and log would otherwise grow without bound.
		h.gate.mu.Lock()
		h.gate.actions = h.gate.actions[:0]
		h.gate.mu.Unlock()
		h.log.mu.Lock()
		h.log.events = h.log.events[:0]
		h.log.mu.Unlock()
	}
}

func BenchmarkSagaThreeStepsMemory(b *testing.B) { benchSaga(b, memory.New()) }

// BenchmarkSagaThreeStepsSQLite checkpoints durably (WAL, synchronous=FULL):
// eight write transactions per saga.
func BenchmarkSagaThreeStepsSQLite(b *testing.B) {
	st := openSQLiteB(b, filepath.Join(b.TempDir(), "s.db"))
	defer st.Close()
	benchSaga(b, st)
}
