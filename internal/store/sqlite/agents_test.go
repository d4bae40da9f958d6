package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestAgentsConformance(t *testing.T) {
	storetest.RunAgents(t, func(t *testing.T) store.Agents {
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
