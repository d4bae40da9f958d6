package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

func testKey(n int) store.AgentKey {
	pub := sha256.Sum256(fmt.Appendf(nil, "key-%d", n))
	fp := sha256.Sum256(pub[:])
	return store.AgentKey{Fingerprint: hex.EncodeToString(fp[:]), PublicKey: pub[:], DID: fmt.Sprintf("did:key:z%d", n)}
}

// RunAgents runs the agent-registry suite against fresh stores from open.
func RunAgents(t *testing.T, open func(t *testing.T) store.Agents) {
	ctx := context.Background()
	t0 := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)

	newAgent := func(t *testing.T, st store.Agents, id string, key int) store.AgentRecord {
		t.Helper()
		k := testKey(key)
		k.ValidFrom = t0
		r := store.AgentRecord{ID: id, DID: k.DID, Keys: []store.AgentKey{k}, Status: "active", Created: t0, Updated: t0}
		if err := st.CreateAgent(ctx, r); err != nil {
			t.Fatal(err)
		}
		return r
	}

	t.Run("CreateGet", func(t *testing.T) {
		st := open(t)
		want := newAgent(t, st, "a1", 1)
		got, err := st.GetAgent(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != want.ID || got.DID != want.DID || got.Status != "active" || !got.Created.Equal(t0) || !got.Updated.Equal(t0) {
			t.Fatalf("got %+v", got)
		}
		if len(got.Keys) != 1 || got.Keys[0].Fingerprint != want.Keys[0].Fingerprint || string(got.Keys[0].PublicKey) != string(want.Keys[0].PublicKey) ||
			!got.Keys[0].ValidFrom.Equal(t0) || !got.Keys[0].ValidUntil.IsZero() {
			t.Fatalf("keys %+v", got.Keys)
		}
		if k, ok := got.CurrentKey(); !ok || k.Fingerprint != want.Keys[0].Fingerprint {
			t.Fatalf("current key %+v %v", k, ok)
		}
		if _, err := st.GetAgent(ctx, "nobody"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing agent: %v", err)
		}
	})

	t.Run("CreateConflicts", func(t *testing.T) {
		st := open(t)
		newAgent(t, st, "a1", 1)
		if err := st.CreateAgent(ctx, store.AgentRecord{ID: "a1", Status: "active", Created: t0, Updated: t0}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate id: %v", err)
		}
		// The same key for a second agent is refused, and nothing of the
		// second agent is left behind.
		k := testKey(1)
		k.ValidFrom = t0
		if err := st.CreateAgent(ctx, store.AgentRecord{ID: "a2", Keys: []store.AgentKey{k}, Status: "active", Created: t0, Updated: t0}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("shared key: %v", err)
		}
		if _, err := st.GetAgent(ctx, "a2"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("half-created agent: %v", err)
		}
	})

	t.Run("KeylessRecord", func(t *testing.T) {
		st := open(t)
		if err := st.CreateAgent(ctx, store.AgentRecord{ID: "k", Status: "suspended", Created: t0, Updated: t0}); err != nil {
			t.Fatal(err)
		}
		r, err := st.GetAgent(ctx, "k")
		if err != nil || len(r.Keys) != 0 || r.DID != "" {
			t.Fatalf("%+v %v", r, err)
		}
		if _, ok := r.CurrentKey(); ok {
			t.Fatal("a keyless agent has a current key")
		}
		t1 := t0.Add(time.Minute)
		if err := st.AddAgentKey(ctx, "k", testKey(5), t1); err != nil {
			t.Fatal(err)
		}
		r, _ = st.GetAgent(ctx, "k")
		if len(r.Keys) != 1 || r.DID != testKey(5).DID || !r.Keys[0].ValidFrom.Equal(t1) {
			t.Fatalf("%+v", r)
		}
	})

	t.Run("Rotate", func(t *testing.T) {
		st := open(t)
		newAgent(t, st, "a1", 1)
		t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
		if err := st.AddAgentKey(ctx, "a1", testKey(2), t1); err != nil {
			t.Fatal(err)
		}
		if err := st.AddAgentKey(ctx, "a1", testKey(3), t2); err != nil {
			t.Fatal(err)
		}
		r, err := st.GetAgent(ctx, "a1")
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Keys) != 3 || r.DID != testKey(3).DID || !r.Updated.Equal(t2) {
			t.Fatalf("%+v", r)
		}
		windows := [][2]time.Time{{t0, t1}, {t1, t2}, {t2, {}}}
		for i, w := range windows {
			k := r.Keys[i]
			if k.Fingerprint != testKey(i+1).Fingerprint || !k.ValidFrom.Equal(w[0]) || !k.ValidUntil.Equal(w[1]) {
				t.Fatalf("key %d: %+v, want window %v", i, k, w)
			}
		}
		// A retired key still finds its agent.
		if got, err := st.AgentByFingerprint(ctx, testKey(1).Fingerprint); err != nil || got.ID != "a1" {
			t.Fatalf("by retired fingerprint: %+v %v", got, err)
		}
		if _, err := st.AgentByFingerprint(ctx, testKey(9).Fingerprint); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown fingerprint: %v", err)
		}
		// Reusing any enrolled key is a conflict and changes nothing.
		if err := st.AddAgentKey(ctx, "a1", testKey(1), t2.Add(time.Hour)); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("reused key: %v", err)
		}
		if r2, _ := st.GetAgent(ctx, "a1"); len(r2.Keys) != 3 || !r2.Keys[2].ValidUntil.IsZero() {
			t.Fatalf("failed rotation changed the record: %+v", r2)
		}
		if err := st.AddAgentKey(ctx, "nobody", testKey(8), t2); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown agent: %v", err)
		}
	})

	t.Run("Status", func(t *testing.T) {
		st := open(t)
		newAgent(t, st, "a1", 1)
		t1 := t0.Add(time.Minute)
		if err := st.UpdateAgentStatus(ctx, "a1", "suspended", "active", t1); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("wrong from: %v", err)
		}
		if err := st.UpdateAgentStatus(ctx, "a1", "active", "suspended", t1); err != nil {
			t.Fatal(err)
		}
		r, _ := st.GetAgent(ctx, "a1")
		if r.Status != "suspended" || !r.Updated.Equal(t1) || !r.Created.Equal(t0) {
			t.Fatalf("%+v", r)
		}
		if err := st.UpdateAgentStatus(ctx, "nobody", "", "x", t1); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown agent: %v", err)
		}
	})

	t.Run("ConcurrentStatusOneWins", func(t *testing.T) {
		st := open(t)
		newAgent(t, st, "a1", 1)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := st.UpdateAgentStatus(ctx, "a1", "active", fmt.Sprintf("s%d", i), t0); err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errors.Is(err, store.ErrConflict) {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d compare-and-set transitions from the same status succeeded", wins)
		}
	})

	t.Run("List", func(t *testing.T) {
		st := open(t)
		if l, err := st.ListAgents(ctx); err != nil || len(l) != 0 {
			t.Fatalf("%v %v", l, err)
		}
		newAgent(t, st, "b", 2)
		newAgent(t, st, "a", 1)
		newAgent(t, st, "c", 3)
		l, err := st.ListAgents(ctx)
		if err != nil || len(l) != 3 || l[0].ID != "a" || l[1].ID != "b" || l[2].ID != "c" || len(l[2].Keys) != 1 {
			t.Fatalf("%+v %v", l, err)
		}
	})
}
