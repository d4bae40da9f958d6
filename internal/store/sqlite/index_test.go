package sqlite

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/internal/store"
)

// indexRecord is entry i with leaf members that vary like real ones,
// including an escaped character in an agent name.
func indexRecord(i int64) store.AuditRecord {
	k := store.AuditKeys{Type: []string{"decision", "kill"}[i%2],
		Agent: fmt.Sprintf("agent-%d\n", i%5), Session: []string{"", "s1", "s2"}[i%3], Decision: []string{"allow", "", "deny"}[i%3]}
	leaf, _ := json.Marshal(map[string]any{"time": "2026-01-01T00:00:00.000000000Z", "type": k.Type, "agent": k.Agent, "session": k.Session, "decision": k.Decision, "n": i})
	return store.AuditRecord{Index: i, Leaf: leaf, Keys: k, Hashes: bytes.Repeat([]byte{1}, 32), Payload: []byte(`{}`), Salt: make([]byte, 32), ErasedBy: -1}
}

// The postings the indexer builds from the keys of this process's appends
// are exactly those it builds by reading the leaves back, which is what
// it does for entries appended before the process started.
func TestFreshPostingsMatchTheTable(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "s.db")
	st, err := Open(ctx, Options{Path: path, IndexChunk: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	quiesceIndexer(st)
	var next int64
	for _, n := range []int64{5, 11, 16, 3, 20} {
		var b store.AuditBatch
		for i := next; i < next+n; i++ {
			b.Records = append(b.Records, indexRecord(i))
		}
		if err := st.AppendAudit(ctx, b); err != nil {
			t.Fatal(err)
		}
		next += n
	}
	for upto := int64(0); upto+16 <= next; upto += 16 {
		fromTable, err := st.chunkPostings(ctx, upto)
		if err != nil {
			t.Fatal(err)
		}
		fresh, ok := st.fresh.postings(upto, 16)
		if !ok {
			t.Fatalf("chunk at %d: the appends' keys do not cover it", upto)
		}
		if !maps.EqualFunc(fresh, fromTable, bytes.Equal) {
			t.Fatalf("chunk at %d: postings from the appends %v, from the table %v", upto, fresh, fromTable)
		}
	}
	// Keys of chunks already taken are gone; a reopened store reads back.
	if _, ok := st.fresh.postings(0, 16); ok {
		t.Fatal("a chunk's keys were handed out twice")
	}
	st.Close()
	st2, err := Open(ctx, Options{Path: path, IndexChunk: 16})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	quiesceIndexer(st2)
	if _, ok := st2.fresh.postings(0, 16); ok {
		t.Fatal("a reopened store claims keys it never saw")
	}
	if n, err := st2.IndexOnce(ctx); err != nil || n != 16 {
		t.Fatalf("indexing read back: %d %v", n, err)
	}
}

// quiesceIndexer stops the background indexer, so that the test alone
// decides when chunks are indexed.
func quiesceIndexer(st *Store) {
	st.stopIndexer()
	<-st.indexerDone
	st.stopIndexer = nil
}
