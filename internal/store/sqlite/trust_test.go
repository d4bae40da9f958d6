package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func openTemp(t *testing.T) *Store {
	t.Helper()
	st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func TestTrustConformance(t *testing.T) {
	storetest.RunTrust(t, func(t *testing.T) store.Trust { return openTemp(t) })
	storetest.RunDelegations(t, func(t *testing.T) store.Delegations { return openTemp(t) })
}
