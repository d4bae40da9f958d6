package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

// RunSagas runs the saga-domain suite against fresh stores from open.
func RunSagas(t *testing.T, open func(t *testing.T) store.Sagas) {
	ctx := context.Background()
	t0 := time.Date(2026, 7, 8, 9, 10, 11, 123456789, time.UTC)
	saga := func(id, agent string, created time.Time) store.SagaRecord {
		return store.SagaRecord{
			ID: id, Agent: agent, Acting: agent, Substitute: "sub-" + agent, Session: id, Source: "token:ops",
			Kind: "http", Definition: []byte(`{"steps":[{"name":"a"}]}`), Input: []byte(`{"order":1}`),
			Status: "running", Created: created, Updated: created, Deadline: created.Add(time.Hour), Version: 1,
			Steps: []store.SagaStep{
				{Name: "a", Status: "pending"},
				{Name: "b", Status: "pending"},
			},
		}
	}
	equal := func(t *testing.T, got, want store.SagaRecord) {
		t.Helper()
		if g, w := normalSaga(got), normalSaga(want); !reflect.DeepEqual(g, w) {
			t.Fatalf("saga differs:\n got %+v\nwant %+v", g, w)
		}
	}

	t.Run("CreateGet", func(t *testing.T) {
		st := open(t)
		want := saga("s1", "a1", t0)
		if err := st.CreateSaga(ctx, want); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetSaga(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, got, want)
		if err := st.CreateSaga(ctx, want); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate create: %v, want ErrConflict", err)
		}
		if _, err := st.GetSaga(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing saga: %v", err)
		}
		bad := saga("s2", "a1", t0)
		bad.Version = 2
		if err := st.CreateSaga(ctx, bad); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("create at version 2: %v, want ErrConflict", err)
		}
	})
	t.Run("UpdateIsCompareAndSwap", func(t *testing.T) {
		st := open(t)
		r := saga("s1", "a1", t0)
		if err := st.CreateSaga(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Version = 2
		r.Status, r.Acting, r.Reason, r.Escalation = "compensating", "sub-a1", "step_failed:b", "esc-1"
		r.Updated = t0.Add(time.Minute)
		r.Steps[0] = store.SagaStep{Name: "a", Status: "compensated", Attempts: 1, CompAttempts: 3, Result: []byte(`{"id":7}`),
			Error: "boom", Started: t0, Finished: t0.Add(time.Second), CompFinished: t0.Add(2 * time.Second)}
		r.Steps = append(r.Steps, store.SagaStep{Name: "c", Status: "pending"})
		if err := st.UpdateSaga(ctx, r); err != nil {
			t.Fatal(err)
		}
		got, err := st.GetSaga(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		equal(t, got, r)
		// A stale writer loses, and changes nothing.
		stale := r
		stale.Status = "stale"
		if err := st.UpdateSaga(ctx, stale); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: %v, want ErrConflict", err)
		}
		if got, _ := st.GetSaga(ctx, "s1"); got.Status != "compensating" || len(got.Steps) != 3 {
			t.Fatalf("a refused update changed the saga: %+v", got)
		}
		// Steps can shrink too: the checkpoint is replaced whole.
		r.Version, r.Steps = 3, r.Steps[:1]
		if err := st.UpdateSaga(ctx, r); err != nil {
			t.Fatal(err)
		}
		if got, _ := st.GetSaga(ctx, "s1"); len(got.Steps) != 1 {
			t.Fatalf("steps after shrinking = %d", len(got.Steps))
		}
		missing := saga("nope", "a1", t0)
		missing.Version = 2
		if err := st.UpdateSaga(ctx, missing); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update of a missing saga: %v", err)
		}
	})
	t.Run("CallerKeepsItsSlices", func(t *testing.T) {
		st := open(t)
		r := saga("s1", "a1", t0)
		r.Steps[0].Result = []byte(`{"x":1}`)
		if err := st.CreateSaga(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Steps[0].Result[2] = 'y'
		r.Input[2] = 'X'
		got, _ := st.GetSaga(ctx, "s1")
		if string(got.Steps[0].Result) != `{"x":1}` || string(got.Input) != `{"order":1}` {
			t.Fatalf("the store shares the caller's memory: %s %s", got.Steps[0].Result, got.Input)
		}
	})
	t.Run("List", func(t *testing.T) {
		st := open(t)
		for i := range 6 {
			r := saga(fmt.Sprintf("s%d", i), fmt.Sprintf("a%d", i%2), t0.Add(time.Duration(5-i)*time.Second))
			if err := st.CreateSaga(ctx, r); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				r.Version, r.Finished, r.Status = 2, true, "completed"
				if err := st.UpdateSaga(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		ids := func(rs []store.SagaRecord) []string {
			var out []string
			for _, r := range rs {
				if len(r.Steps) != 2 {
					t.Fatalf("listed saga %s without its steps", r.ID)
				}
				out = append(out, r.ID)
			}
			return out
		}
		for _, tc := range []struct {
			q    store.SagaQuery
			want []string
		}{
			{store.SagaQuery{}, []string{"s5", "s4", "s3", "s2", "s1", "s0"}},
			{store.SagaQuery{Unfinished: true}, []string{"s5", "s4", "s2", "s1"}},
			{store.SagaQuery{Agent: "a1"}, []string{"s5", "s3", "s1"}},
			{store.SagaQuery{Agent: "a1", Unfinished: true}, []string{"s5", "s1"}},
			{store.SagaQuery{Unfinished: true, Limit: 2}, []string{"s5", "s4"}},
			{store.SagaQuery{Agent: "none"}, nil},
			{store.SagaQuery{Newest: true}, []string{"s0", "s1", "s2", "s3", "s4", "s5"}},
			{store.SagaQuery{Newest: true, Unfinished: true, Limit: 3}, []string{"s1", "s2", "s4"}},
		} {
			got, err := st.ListSagas(ctx, tc.q)
			if err != nil {
				t.Fatal(err)
			}
			if g := ids(got); !slices.Equal(g, tc.want) {
				t.Errorf("%+v: got %v, want %v", tc.q, g, tc.want)
			}
		}
	})
	t.Run("ConcurrentWritersOneWins", func(t *testing.T) {
		st := open(t)
		r := saga("s1", "a1", t0)
		if err := st.CreateSaga(ctx, r); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := saga("s1", "a1", t0)
				u.Version, u.Status = 2, fmt.Sprintf("w%d", i)
				err := st.UpdateSaga(ctx, u)
				switch {
				case err == nil:
					mu.Lock()
					wins++
					mu.Unlock()
				case !errors.Is(err, store.ErrConflict):
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d writers advanced version 1 to 2, want exactly 1", wins)
		}
	})
}

// normalSaga makes empty and nil slices alike: backends may return either.
func normalSaga(r store.SagaRecord) store.SagaRecord {
	nilIfEmpty := func(b []byte) []byte {
		if len(b) == 0 {
			return nil
		}
		return b
	}
	r.Definition, r.Input = nilIfEmpty(r.Definition), nilIfEmpty(r.Input)
	r.Steps = slices.Clone(r.Steps)
	for i := range r.Steps {
		r.Steps[i].Result = nilIfEmpty(r.Steps[i].Result)
	}
	if len(r.Steps) == 0 {
		r.Steps = nil
	}
	return r
}
