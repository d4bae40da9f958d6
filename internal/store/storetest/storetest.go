// Package storetest is the conformance suite every storage backend must
// pass, so that the backends are interchangeable.
package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Indexer is implemented by backends that build query indexes behind the
// log; the suite drives it to check queries before, during and after.
type Indexer interface {
	IndexOnce(ctx context.Context) (int, error)
}

var base = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// record builds entry i. Its leaf is a JSON object carrying the query
// fields, which is all a backend may assume of a leaf.
func record(i int64) store.AuditRecord {
	k := store.AuditKeys{
		Type:     []string{"decision", "external"}[i%2],
		Agent:    fmt.Sprintf("agent-%d", i%3),
		Session:  []string{"", "s1", "s2", "s3", "s4"}[i%5],
		Decision: []string{"allow", "deny", "", "escalate"}[i%4],
	}
	leaf, err := json.Marshal(map[string]any{"time": recordTime(i), "type": k.Type, "agent": k.Agent, "session": k.Session,
		"decision": k.Decision, "action": "tool:x", "n": i})
	if err != nil {
		panic(err)
	}
	return store.AuditRecord{Index: i, Leaf: leaf, Keys: k, Hashes: bytes.Repeat([]byte{byte(i)}, 32),
		Payload: []byte(fmt.Sprintf(`{"i":%d}`, i)), Salt: bytes.Repeat([]byte{7}, 32), ErasedBy: -1}
}

// recordTime is entry i's time: three entries per second.
func recordTime(i int64) string {
	return base.Add(time.Duration(i/3) * time.Second).Format(api.TimeLayout)
}

func appendN(t *testing.T, st store.Audit, from, n int64) {
	t.Helper()
	var b store.AuditBatch
	for i := from; i < from+n; i++ {
		b.Records = append(b.Records, record(i))
	}
	if err := st.AppendAudit(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	// The slices are the caller's again (the audit log reuses them): a
	// backend that kept one instead of copying it reads back this junk.
	for i := range b.Records {
		r := &b.Records[i]
		for _, s := range [][]byte{r.Leaf, r.Hashes, r.Payload, r.Salt} {
			for j := range s {
				s[j] = 0xee
			}
		}
	}
}

// RunAudit runs the audit-domain suite against fresh stores from open.
func RunAudit(t *testing.T, open func(t *testing.T) store.Audit) {
	ctx := context.Background()
	t.Run("AppendContiguous", func(t *testing.T) {
		st := open(t)
		if n, err := st.AuditSize(ctx); err != nil || n != 0 {
			t.Fatalf("empty size %d %v", n, err)
		}
		appendN(t, st, 0, 5)
		bad := []store.AuditBatch{
			{Records: []store.AuditRecord{record(4)}},
			{Records: []store.AuditRecord{record(6)}},
			{Records: []store.AuditRecord{record(5), record(7)}},
		}
		for i, b := range bad {
			if err := st.AppendAudit(ctx, b); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("bad batch %d: %v, want ErrConflict", i, err)
			}
		}
		if n, _ := st.AuditSize(ctx); n != 5 {
			t.Fatalf("size after rejected batches %d", n)
		}
		r, err := st.AuditEntry(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		want := record(3)
		if !bytes.Equal(r.Leaf, want.Leaf) || !bytes.Equal(r.Hashes, want.Hashes) || !bytes.Equal(r.Payload, want.Payload) || !bytes.Equal(r.Salt, want.Salt) || r.ErasedBy != -1 {
			t.Fatalf("entry 3 = %+v, want %+v", r, want)
		}
		if _, err := st.AuditEntry(ctx, 5); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing entry: %v", err)
		}
	})
	t.Run("BatchesOfEverySize", func(t *testing.T) {
		// Backends may write a batch in chunks; every size around the
		// chunk boundaries must land whole and in order, records
		// without a payload among them.
		st := open(t)
		var next int64
		for _, n := range []int64{1, 2, 3, 4, 5, 15, 16, 17, 63, 64, 65, 85, 150} {
			var b store.AuditBatch
			for i := next; i < next+n; i++ {
				r := record(i)
				if i%7 == 3 {
					r.Payload, r.Salt = nil, nil
				}
				b.Records = append(b.Records, r)
			}
			if err := st.AppendAudit(ctx, b); err != nil {
				t.Fatalf("batch of %d at %d: %v", n, next, err)
			}
			next += n
		}
		if size, err := st.AuditSize(ctx); err != nil || size != next {
			t.Fatalf("size %d %v, want %d", size, err, next)
		}
		var i int64
		err := st.ScanAudit(ctx, 0, func(r *store.AuditRecord) error {
			want := record(i)
			if i%7 == 3 {
				want.Payload, want.Salt = nil, nil
			}
			if r.Index != i || !bytes.Equal(r.Leaf, want.Leaf) || !bytes.Equal(r.Hashes, want.Hashes) ||
				!bytes.Equal(r.Payload, want.Payload) || !bytes.Equal(r.Salt, want.Salt) || (r.Payload == nil) != (want.Payload == nil) {
				return fmt.Errorf("entry %d = %+v, want %+v", i, r, want)
			}
			i++
			return nil
		})
		if err != nil || i != next {
			t.Fatalf("scan: %v after %d entries", err, i)
		}
	})
	t.Run("EraseIsAtomic", func(t *testing.T) {
		st := open(t)
		appendN(t, st, 0, 3)
		er := record(3)
		if err := st.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{er}, Erase: []store.Erasure{{Index: 1, By: 3}}}); err != nil {
			t.Fatal(err)
		}
		r, _ := st.AuditEntry(ctx, 1)
		if r.Payload != nil || r.Salt != nil || r.ErasedBy != 3 {
			t.Fatalf("erased entry = %+v", r)
		}
		// Erasing again fails, and nothing of that batch lands.
		er4 := record(4)
		if err := st.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{er4}, Erase: []store.Erasure{{Index: 1, By: 4}}}); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("second erase: %v", err)
		}
		if n, _ := st.AuditSize(ctx); n != 4 {
			t.Fatalf("a failed erase batch changed the size to %d", n)
		}
		if r, _ := st.AuditEntry(ctx, 0); r.Payload == nil {
			t.Fatal("an unrelated payload vanished")
		}
	})
	t.Run("ScanAndHashGroups", func(t *testing.T) {
		st := open(t)
		appendN(t, st, 0, 20)
		var got []int64
		err := st.ScanAudit(ctx, 7, func(r *store.AuditRecord) error {
			got = append(got, r.Index)
			if !bytes.Equal(r.Leaf, record(r.Index).Leaf) {
				return fmt.Errorf("scan returned a wrong record at %d", r.Index)
			}
			return nil
		})
		if err != nil || len(got) != 13 || got[0] != 7 || got[12] != 19 {
			t.Fatalf("scan from 7: %v %v", got, err)
		}
		stop := errors.New("stop")
		if err := st.ScanAudit(ctx, 0, func(*store.AuditRecord) error { return stop }); !errors.Is(err, stop) {
			t.Fatalf("scan did not pass on the callback's error: %v", err)
		}
		gs, err := st.HashGroups(ctx, []int64{9, 2, 9})
		if err != nil || len(gs) != 3 || gs[0][0] != 9 || gs[1][0] != 2 || gs[2][0] != 9 {
			t.Fatalf("hash groups: %v %v", gs, err)
		}
		if _, err := st.HashGroups(ctx, []int64{3, 20}); err == nil {
			t.Fatal("hash group of a missing leaf")
		}
	})
	t.Run("Query", func(t *testing.T) { testQuery(t, open(t)) })
	t.Run("Checkpoints", func(t *testing.T) {
		st := open(t)
		if _, err := st.LatestCheckpoint(ctx); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("latest of none: %v", err)
		}
		for _, sz := range []int64{5, 1, 9} {
			if err := st.PutCheckpoint(ctx, store.Checkpoint{Size: sz, Note: []byte(fmt.Sprintf("note %d", sz)), Created: "t"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.PutCheckpoint(ctx, store.Checkpoint{Size: 5, Note: []byte("other"), Created: "t"}); err != nil {
			t.Fatal(err)
		}
		c, err := st.LatestCheckpoint(ctx)
		if err != nil || c.Size != 9 {
			t.Fatalf("latest %+v %v", c, err)
		}
		c, err = st.CheckpointAt(ctx, 5)
		if err != nil || string(c.Note) != "note 5" {
			t.Fatalf("size 5: %+v %v (the first stored must be kept)", c, err)
		}
		if _, err := st.CheckpointAt(ctx, 6); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("size 6: %v", err)
		}
		var sizes []int64
		if err := st.ScanCheckpoints(ctx, func(c store.Checkpoint) error { sizes = append(sizes, c.Size); return nil }); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(sizes) != "[1 5 9]" {
			t.Fatalf("checkpoint order %v", sizes)
		}
	})
	t.Run("Meta", func(t *testing.T) {
		st := open(t)
		if _, err := st.GetMeta(ctx, "x"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unset meta: %v", err)
		}
		for _, v := range []string{"1", "2"} {
			if err := st.SetMeta(ctx, "x", v); err != nil {
				t.Fatal(err)
			}
		}
		if v, err := st.GetMeta(ctx, "x"); err != nil || v != "2" {
			t.Fatalf("meta %q %v", v, err)
		}
	})
}

func testQuery(t *testing.T, st store.Audit) {
	ctx := context.Background()
	const n = 120
	// Half the log is indexed (where the backend indexes), half is not.
	appendN(t, st, 0, n/2)
	if ix, ok := st.(Indexer); ok {
		if _, err := ix.IndexOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	appendN(t, st, n/2, n/2)
	ts := func(sec int) string { return base.Add(time.Duration(sec) * time.Second).Format(api.TimeLayout) }
	cases := []store.AuditQuery{
		{},
		{Agent: "agent-1"},
		{Session: "s3"},
		{Type: "external"},
		{Decision: "deny"},
		{Agent: "agent-2", Decision: "allow"},
		{Agent: "agent-0", Session: "s1", Type: "decision"},
		{Since: ts(10), Until: ts(20)},
		{Agent: "agent-1", Since: ts(15)},
		{Until: ts(3)},
		{Since: ts(1000)},
		{From: 55, Agent: "agent-1"},
		{From: 50, Limit: 7, Session: "s2"},
		{Agent: "nobody"},
		{Limit: 3},
	}
	check := func(q store.AuditQuery) {
		t.Helper()
		limit := q.Limit
		if limit <= 0 {
			limit = 100
		}
		var want []int64
		for i := max(q.From, 0); i < n && len(want) < limit; i++ {
			h, t := record(i).Keys, recordTime(i)
			if (q.Agent == "" || h.Agent == q.Agent) && (q.Session == "" || h.Session == q.Session) &&
				(q.Type == "" || h.Type == q.Type) && (q.Decision == "" || h.Decision == q.Decision) &&
				(q.Since == "" || t >= q.Since) && (q.Until == "" || t < q.Until) {
				want = append(want, i)
			}
		}
		got, err := st.QueryAudit(ctx, q)
		if err != nil {
			t.Fatalf("%+v: %v", q, err)
		}
		var gotIdx []int64
		for _, r := range got {
			gotIdx = append(gotIdx, r.Index)
			if !bytes.Equal(r.Leaf, record(r.Index).Leaf) {
				t.Fatalf("%+v: wrong record at %d", q, r.Index)
			}
		}
		if fmt.Sprint(gotIdx) != fmt.Sprint(want) {
			t.Fatalf("%+v:\n got %v\nwant %v", q, gotIdx, want)
		}
	}
	for _, q := range cases {
		check(q)
	}
	// And once everything is indexed.
	if ix, ok := st.(Indexer); ok {
		for {
			k, err := ix.IndexOnce(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if k == 0 {
				break
			}
		}
		for _, q := range cases {
			check(q)
		}
	}
}
