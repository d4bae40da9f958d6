package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestKillsConformance(t *testing.T) {
	storetest.RunKills(t, func(t *testing.T) storetest.KillStore {
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

// TestKillsSurviveReopen: kill state is durable across a restart.
func TestKillsSurviveReopen(t *testing.T) {
	storetest.RunKillsReopen(t, func(t *testing.T, path string) (storetest.KillStore, func()) {
		st, err := Open(context.Background(), Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return st, func() { st.Close() }
	}, filepath.Join(t.TempDir(), "s.db"))
}
