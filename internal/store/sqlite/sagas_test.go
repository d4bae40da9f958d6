package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestSagasConformance(t *testing.T) {
	storetest.RunSagas(t, func(t *testing.T) store.Sagas {
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
