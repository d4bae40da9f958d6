package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestPinsConformance(t *testing.T) {
	storetest.RunPins(t, func(t *testing.T) store.Pins {
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
