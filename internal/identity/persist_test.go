package identity

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store/sqlite"
)

// The registry survives a restart: keys, their windows and status are in
// the SQLite store, not in memory.
func TestRegistryPersistsInSQLite(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "agentgov.db")
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: testTime}
	r := NewRegistry(st, &fakeLog{}, RegistryOptions{Now: clk.now})
	if _, err := r.Register(ctx, "alice", pubOf(keyFor(1))); err != nil {
		t.Fatal(err)
	}
	clk.add(time.Hour)
	if _, err := r.RotateKey(ctx, "alice", pubOf(keyFor(2))); err != nil {
		t.Fatal(err)
	}
	if err := r.SetAgentStatus(ctx, "alice", "active", "degraded"); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st, err = sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r = NewRegistry(st, &fakeLog{}, RegistryOptions{Now: clk.now})
	a, err := r.Get(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != "degraded" || a.DID != DIDFromPublicKey(pubOf(keyFor(2))) || len(a.Keys) != 2 ||
		a.Keys[0].ValidUntil == nil || !a.Keys[0].ValidUntil.Equal(testTime.Add(time.Hour)) || !a.Created.Equal(testTime) {
		t.Fatalf("after reopen: %+v", a)
	}
	if k, err := r.KeyAt(ctx, "alice", testTime.Add(time.Minute)); err != nil || !k.Equal(pubOf(keyFor(1))) {
		t.Fatalf("old key after reopen: %v", err)
	}
}
