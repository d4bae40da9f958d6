package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

func record(i int64, payloadLen int) store.AuditRecord {
	p := bytes.Repeat([]byte{byte('a' + i%26)}, payloadLen)
	return store.AuditRecord{
		Index:    i,
		Leaf:     fmt.Appendf(nil, `{"agent":"a","i":%d,"time":"2026-11-28T00:00:00Z"}`, i),
		Hashes:   bytes.Repeat([]byte{byte(i)}, 32*(1+int(i%3))),
		Payload:  p,
		Salt:     bytes.Repeat([]byte{0x5a}, 32),
		ErasedBy: -1,
	}
}

// Entries fill many slabs, one of them larger than a slab ever is, and
// read back byte for byte, through every read path.
func TestArenaRoundTrip(t *testing.T) {
	ctx := context.Background()
	s := New()
	var want []store.AuditRecord
	for i := int64(0); i < 3000; i++ {
		n := 700
		switch i {
		case 1500:
			n = maxSlab + 12345 // a slab of its own
		case 1501:
			n = 0
		}
		r := record(i, n)
		if i == 1502 {
			r.Payload, r.Salt = nil, nil // absent, not empty
		}
		want = append(want, r)
		if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{r}}); err != nil {
			t.Fatal(err)
		}
	}
	if got := len(s.entries.bytes.slabs); got < 5 {
		t.Fatalf("%d slabs; the test means to cross several", got)
	}
	same := func(got, want store.AuditRecord) {
		t.Helper()
		if got.Index != want.Index || !bytes.Equal(got.Leaf, want.Leaf) || !bytes.Equal(got.Hashes, want.Hashes) ||
			!bytes.Equal(got.Payload, want.Payload) || !bytes.Equal(got.Salt, want.Salt) ||
			(got.Payload == nil) != (want.Payload == nil) || (got.Salt == nil) != (want.Salt == nil) || got.ErasedBy != -1 {
			t.Fatalf("entry %d read back differently", want.Index)
		}
	}
	for _, w := range want {
		got, err := s.AuditEntry(ctx, w.Index)
		if err != nil {
			t.Fatal(err)
		}
		same(got, w)
	}
	i := 0
	if err := s.ScanAudit(ctx, 0, func(r *store.AuditRecord) error {
		same(*r, want[i])
		i++
		return nil
	}); err != nil || i != len(want) {
		t.Fatalf("scan read %d of %d entries: %v", i, len(want), err)
	}
	got, err := s.QueryAudit(ctx, store.AuditQuery{From: 1490, Limit: 20})
	if err != nil || len(got) != 20 {
		t.Fatalf("query: %d records, %v", len(got), err)
	}
	for _, r := range got {
		same(r, want[r.Index])
	}
	groups, err := s.HashGroups(ctx, []int64{7, 1500, 2})
	if err != nil {
		t.Fatal(err)
	}
	for i, l := range []int64{7, 1500, 2} {
		if !bytes.Equal(groups[i], want[l].Hashes) {
			t.Fatalf("hash group of %d differs", l)
		}
	}
}

// What a reader is given is its own: changing it changes nothing stored.
func TestRecordsAreCopies(t *testing.T) {
	ctx := context.Background()
	s := New()
	r := record(0, 64)
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{r}}); err != nil {
		t.Fatal(err)
	}
	// Neither the appender's slices nor a reader's alias the store.
	clear(r.Payload)
	got, _ := s.AuditEntry(ctx, 0)
	clear(got.Leaf)
	clear(got.Payload)
	groups, _ := s.HashGroups(ctx, []int64{0})
	clear(groups[0])
	again, _ := s.AuditEntry(ctx, 0)
	same := record(0, 64)
	if !bytes.Equal(again.Leaf, same.Leaf) || !bytes.Equal(again.Payload, same.Payload) || !bytes.Equal(again.Hashes, same.Hashes) {
		t.Fatal("a write to a returned or appended slice reached the store")
	}
}

// An erased payload and its salt are overwritten where the store keeps
// them, not merely forgotten.
func TestEraseOverwrites(t *testing.T) {
	ctx := context.Background()
	s := New()
	recs := []store.AuditRecord{record(0, 100), record(1, 100)}
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	e := *s.entries.at(0)
	kept := s.entries.bytes.view(e.slab, e.off+e.leaf+e.hashes, int(e.payload+e.salt))
	if bytes.Count(kept, []byte{0}) != 0 {
		t.Fatal("the test's payload must hold no zero byte")
	}
	erasure := record(2, 10)
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{erasure}, Erase: []store.Erasure{{Index: 0, By: 2}}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(kept, make([]byte, len(kept))) {
		t.Fatal("erased bytes are still in the arena")
	}
	got, _ := s.AuditEntry(ctx, 0)
	if got.Payload != nil || got.Salt != nil || got.ErasedBy != 2 || !bytes.Equal(got.Leaf, recs[0].Leaf) {
		t.Fatalf("erased entry reads %+v", got)
	}
	if other, _ := s.AuditEntry(ctx, 1); !bytes.Equal(other.Payload, recs[1].Payload) {
		t.Fatal("erasing entry 0 touched entry 1")
	}
	// A second erasure of the same payload is a conflict, as in every
	// backend.
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{record(3, 1)}, Erase: []store.Erasure{{Index: 0, By: 3}}}); err == nil {
		t.Fatal("erasing an erased payload succeeded")
	}
}

// A slab prepared for a set that is closed meanwhile is released, and a
// closed set prepares nothing.
func TestSlabSetClose(t *testing.T) {
	set := &slabSet{mapSlab: mapSlab}
	set.cond.L = &set.mu
	set.prepare(minSlab)
	set.close()
	set.mu.Lock()
	for set.preparing {
		set.cond.Wait()
	}
	owned, ready := len(set.owned), set.ready
	set.mu.Unlock()
	if owned != 0 || ready != nil {
		t.Fatalf("after close: %d slabs owned, ready %v", owned, ready != nil)
	}
	set.prepare(minSlab)
	set.mu.Lock()
	preparing := set.preparing
	set.mu.Unlock()
	if preparing {
		t.Fatal("a closed set started preparing a slab")
	}
}

// A store nobody references any more gives its slabs back.
func TestUnreachableStoreReleasesSlabs(t *testing.T) {
	set := func() *slabSet {
		s := New()
		if err := s.AppendAudit(context.Background(), store.AuditBatch{Records: []store.AuditRecord{record(0, 10)}}); err != nil {
			t.Fatal(err)
		}
		return s.entries.bytes.set
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		runtime.GC()
		set.mu.Lock()
		closed := set.closed
		set.mu.Unlock()
		if closed {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the slabs of an unreachable store were not released")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Appends that cross slabs, reads of every kind and erasures run at once;
// every read sees either an entry as appended or its erased form.
func TestConcurrentUse(t *testing.T) {
	ctx := context.Background()
	s := New()
	const n = 4000
	done := make(chan struct{})
	errs := make(chan error, 8)
	go func() {
		defer close(done)
		for i := int64(0); i < n; i++ {
			b := store.AuditBatch{Records: []store.AuditRecord{record(i, 300)}}
			if i%10 == 9 {
				b.Erase = []store.Erasure{{Index: i - 5, By: i}}
			}
			if err := s.AppendAudit(ctx, b); err != nil {
				errs <- err
				return
			}
		}
	}()
	check := func(r store.AuditRecord) error {
		want := record(r.Index, 300)
		if !bytes.Equal(r.Leaf, want.Leaf) || !bytes.Equal(r.Hashes, want.Hashes) {
			return fmt.Errorf("entry %d: leaf or hashes differ", r.Index)
		}
		if r.ErasedBy >= 0 {
			if r.Payload != nil || r.Salt != nil {
				return fmt.Errorf("entry %d: erased by %d but has a payload", r.Index, r.ErasedBy)
			}
			return nil
		}
		if !bytes.Equal(r.Payload, want.Payload) || !bytes.Equal(r.Salt, want.Salt) {
			return fmt.Errorf("entry %d: payload differs", r.Index)
		}
		return nil
	}
	reader := func(kind int) {
		for {
			select {
			case <-done:
				errs <- nil
				return
			default:
			}
			size, _ := s.AuditSize(ctx)
			if size == 0 {
				continue
			}
			var err error
			switch kind {
			case 0:
				var r store.AuditRecord
				if r, err = s.AuditEntry(ctx, size-1); err == nil {
					err = check(r)
				}
			case 1:
				var rs []store.AuditRecord
				rs, err = s.QueryAudit(ctx, store.AuditQuery{From: max(size-50, 0), Limit: 50})
				for _, r := range rs {
					if err == nil {
						err = check(r)
					}
				}
			case 2:
				err = s.ScanAudit(ctx, max(size-100, 0), func(r *store.AuditRecord) error { return check(*r) })
			}
			if err != nil {
				errs <- err
				return
			}
		}
	}
	for k := range 3 {
		go reader(k)
	}
	<-done
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	select {
	case err := <-errs:
		t.Fatal(err)
	default:
	}
}

// When no memory can be mapped, a batch fails whole: none of its entries
// is kept, what was kept before is intact, and the store appends again
// once memory can be had.
func TestMapFailureFailsTheBatch(t *testing.T) {
	ctx := context.Background()
	s := New()
	set := s.entries.bytes.set
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{record(0, 10)}}); err != nil {
		t.Fatal(err)
	}
	set.mu.Lock()
	for set.preparing {
		set.cond.Wait()
	}
	set.ready = nil // what was prepared is not offered again
	set.mapSlab = func(int) ([]byte, error) { return nil, errors.New("no memory") }
	set.mu.Unlock()
	// Two small entries, then one that needs a slab of its own.
	batch := store.AuditBatch{Records: []store.AuditRecord{record(1, 10), record(2, 10), record(3, 2*maxSlab)}}
	if err := s.AppendAudit(ctx, batch); err == nil {
		t.Fatal("a batch that needs memory the store cannot map was accepted")
	}
	if n, _ := s.AuditSize(ctx); n != 1 {
		t.Fatalf("size %d after a failed batch, want 1", n)
	}
	if r, err := s.AuditEntry(ctx, 0); err != nil || !bytes.Equal(r.Payload, record(0, 10).Payload) {
		t.Fatalf("entry 0 after a failed batch: %v", err)
	}
	set.mu.Lock()
	set.mapSlab = mapSlab
	set.mu.Unlock()
	if err := s.AppendAudit(ctx, store.AuditBatch{Records: []store.AuditRecord{record(1, 10), record(2, 10), record(3, 2*maxSlab)}}); err != nil {
		t.Fatal(err)
	}
	for i := int64(0); i < 4; i++ {
		r, err := s.AuditEntry(ctx, i)
		want := record(i, []int{10, 10, 10, 2 * maxSlab}[i])
		if err != nil || !bytes.Equal(r.Payload, want.Payload) || !bytes.Equal(r.Leaf, want.Leaf) {
			t.Fatalf("entry %d after recovery: %v", i, err)
		}
	}
}
