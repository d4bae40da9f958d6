package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) store.Audit {
		// A small chunk puts the suite's queries across indexed chunks,
		// a partly indexed log and the unindexed tail.
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db"), IndexChunk: 16})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
	storetest.RunCertificates(t, func(t *testing.T) store.Certificates {
		st, err := Open(context.Background(), Options{Path: filepath.Join(t.TempDir(), "s.db")})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	rw, err := Open(ctx, Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	ro, err := Open(ctx, Options{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if err := ro.SetMeta(ctx, "x", "y"); err == nil {
		t.Fatal("a read-only store accepted a write")
	}
	if err := ro.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{{Index: 0}}}); err == nil {
		t.Fatal("a read-only store accepted an append")
	}
	if _, err := Open(ctx, Options{Path: filepath.Join(t.TempDir(), "none.db"), ReadOnly: true}); err == nil {
		t.Fatal("opened a missing database read-only")
	}
}
