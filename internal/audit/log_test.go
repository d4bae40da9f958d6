package audit

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/translog"
)

const testOrigin = "agentgov.test/log"

type testKey struct {
	signer note.Signer
	vkey   string
	v      note.Verifier
}

func newKey(t testing.TB) testKey {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{s, vkey, v}
}

// fakeClock returns strictly increasing times, one millisecond apart.
func fakeClock() func() time.Time {
	var mu sync.Mutex
	t := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t = t.Add(time.Millisecond)
		return t
	}
}

type backend struct {
	name string
	open func(t testing.TB) store.Audit
}

func backends() []backend {
	return []backend{
		{"memory", func(testing.TB) store.Audit { return memory.New() }},
		{"sqlite", func(t testing.TB) store.Audit {
			st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(t.TempDir(), "a.db")})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}},
	}
}

func openLog(t testing.TB, st store.Audit, k testKey) *Log {
	t.Helper()
	l, err := Open(context.Background(), Options{Store: st, Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey, Now: fakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func ev(agent, typ string, payload string) *api.Event {
	e := &api.Event{Type: typ, Agent: agent, Session: "s-" + agent, Action: "tool:search", Decision: "allow", Reason: "ok"}
	if payload != "" {
		e.Payload = json.RawMessage(payload)
	}
	return e
}

func mustAppend(t testing.TB, l *Log, e *api.Event) int64 {
	t.Helper()
	i, err := l.Append(context.Background(), e, "test")
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func TestAppendGetQuery(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			l := openLog(t, b.open(t), newKey(t))
			for i := range 25 {
				agent := []string{"a1", "a2"}[i%2]
				idx := mustAppend(t, l, ev(agent, "decision", fmt.Sprintf(`{"n": %d, "b": [1, 2.50, "x"]}`, i)))
				if idx != int64(i) {
					t.Fatalf("append %d got index %d", i, idx)
				}
			}
			e, err := l.Entry(ctx, 4)
			if err != nil {
				t.Fatal(err)
			}
			if e.Index != 4 || e.Agent != "a1" || e.Source != "test" || string(e.Payload) != `{"b":[1,2.5,"x"],"n":4}` {
				t.Fatalf("entry 4 = %+v (payload %s)", e, e.Payload)
			}
			if _, err := time.Parse(api.TimeLayout, e.Time); err != nil || len(e.Time) != len(api.TimeLayout) {
				t.Fatalf("time %q is not in the fixed layout", e.Time)
			}
			if _, err := l.Entry(ctx, 25); !errors.Is(err, ErrNotFound) {
				t.Fatalf("missing entry: %v", err)
			}
			// Paginate through a2's entries.
			var got []int64
			q := Query{Agent: "a2", Limit: 5}
			for {
				p, err := l.Query(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range p.Entries {
					got = append(got, e.Index)
				}
				if p.NextCursor == nil {
					break
				}
				q.Cursor = *p.NextCursor
			}
			if len(got) != 12 || got[0] != 1 || got[11] != 23 {
				t.Fatalf("a2 pages = %v", got)
			}
			since, _ := time.Parse(api.TimeLayout, e.Time)
			e7, _ := l.Entry(ctx, 7)
			until, _ := time.Parse(api.TimeLayout, e7.Time)
			p, err := l.Query(ctx, Query{Since: since, Until: until, Limit: 100})
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Entries) != 3 || p.Entries[0].Index != 4 {
				t.Fatalf("time window = %d entries starting %v", len(p.Entries), p.Entries)
			}
			if _, err := l.Query(ctx, Query{Limit: 1001}); err == nil {
				t.Fatal("limit 1001 accepted")
			}
			if _, err := l.Query(ctx, Query{Cursor: "bogus"}); err == nil {
				t.Fatal("bogus cursor accepted")
			}
		})
	}
}

func TestProofsVerifyAgainstCheckpoint(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			k := newKey(t)
			l := openLog(t, b.open(t), k)
			for i := range 37 {
				mustAppend(t, l, ev("a", "decision", fmt.Sprintf(`{"i":%d}`, i)))
			}
			old, err := l.Checkpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 20 {
				mustAppend(t, l, ev("b", "decision", fmt.Sprintf(`{"i":%d}`, i)))
			}
			// Index 50 is not covered yet: the writer signs on demand.
			p, err := l.InclusionProof(ctx, 50, 0)
			if err != nil {
				t.Fatal(err)
			}
			cur, err := l.LatestCheckpoint(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if cur.Size != 57 || p.TreeSize != 57 {
				t.Fatalf("checkpoint %d, proof size %d", cur.Size, p.TreeSize)
			}
			cp, err := translog.Open(cur.Note, testOrigin, k.v)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := l.Entry(ctx, 50)
			h, err := HeaderOf(&e)
			if err != nil {
				t.Fatal(err)
			}
			if got := base64.StdEncoding.EncodeToString(func() []byte { x := LeafHash(&h); return x[:] }()); got != p.LeafHash {
				t.Fatalf("recomputed leaf hash %s, proof says %s", got, p.LeafHash)
			}
			if err := translog.VerifyInclusion(50, 57, LeafHash(&h), decode(t, p.Hashes), cp.Root); err != nil {
				t.Fatal(err)
			}
			oldCp, err := translog.Open(old.Note, testOrigin, k.v)
			if err != nil {
				t.Fatal(err)
			}
			c, err := l.ConsistencyProof(ctx, old.Size, cur.Size)
			if err != nil {
				t.Fatal(err)
			}
			if err := translog.VerifyConsistency(c.From, c.To, decode(t, c.Hashes), oldCp.Root, cp.Root); err != nil {
				t.Fatal(err)
			}
			if _, err := l.InclusionProof(ctx, 5, 58); err == nil {
				t.Fatal("proof for a tree larger than the log")
			}
			if _, err := l.ConsistencyProof(ctx, 10, 5); err == nil {
				t.Fatal("backwards consistency proof")
			}
		})
	}
}

func decode(t testing.TB, hs []string) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(hs))
	for i, s := range hs {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			t.Fatalf("bad hash %q", s)
		}
		copy(out[i][:], b)
	}
	return out
}

func TestEventValidation(t *testing.T) {
	l := openLog(t, memory.New(), newKey(t))
	long := string(make([]byte, 5000))
	cases := []struct {
		name  string
		e     api.Event
		field string
	}{
		{"no type", api.Event{Agent: "a"}, "type"},
		{"no agent", api.Event{Type: "decision"}, "agent"},
		{"bad type chars", api.Event{Type: "a b", Agent: "a"}, "type"},
		{"reserved type", api.Event{Type: TypePayloadErased, Agent: "a"}, "type"},
		{"invalid utf8", api.Event{Type: "x", Agent: "a\xff"}, "agent"},
		{"nul", api.Event{Type: "x", Agent: "a", Reason: "a\x00b"}, "reason"},
		{"long reason", api.Event{Type: "x", Agent: "a", Reason: long}, "reason"},
		{"negative ref", api.Event{Type: "x", Agent: "a", Ref: new(int64(-1))}, "ref"},
		{"future ref", api.Event{Type: "x", Agent: "a", Ref: new(int64(7))}, "ref"},
		{"bad payload", api.Event{Type: "x", Agent: "a", Payload: json.RawMessage(`{"a":}`)}, "payload"},
		{"duplicate keys", api.Event{Type: "x", Agent: "a", Payload: json.RawMessage(`{"a":1,"a":2}`)}, "payload"},
		{"huge payload", api.Event{Type: "x", Agent: "a", Payload: json.RawMessage(`"` + string(make([]byte, 0)) + fmt.Sprintf("%01048577d", 0) + `"`)}, "payload"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := l.Append(context.Background(), &c.e, "test")
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != c.field {
				t.Fatalf("got %v, want a FieldError on %s", err, c.field)
			}
		})
	}
	if n, _ := l.Size(context.Background()); n != 0 {
		t.Fatalf("rejected events changed the log: size %d", n)
	}
}

func TestEraseKeepsProofsAndIsReported(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			k := newKey(t)
			st := b.open(t)
			l := openLog(t, st, k)
			for i := range 10 {
				mustAppend(t, l, ev("a", "decision", fmt.Sprintf(`{"email":"user%d@example.com"}`, i)))
			}
			if _, err := l.Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			ei, err := l.Erase(ctx, 3, "retention", SourceAgentgov)
			if err != nil {
				t.Fatal(err)
			}
			if ei != 10 {
				t.Fatalf("erasure entry at %d", ei)
			}
			e, _ := l.Entry(ctx, 3)
			if e.Payload != nil || e.PayloadSalt != "" || !e.Erased || e.PayloadSHA256 == "" {
				t.Fatalf("erased entry = %+v", e)
			}
			er, _ := l.Entry(ctx, 10)
			if er.Type != TypePayloadErased || er.Ref == nil || *er.Ref != 3 || er.Source != SourceAgentgov {
				t.Fatalf("erasure entry = %+v", er)
			}
			if _, err := l.Erase(ctx, 3, "again", SourceAgentgov); err == nil {
				t.Fatal("second erasure accepted")
			}
			if _, err := l.Erase(ctx, 99, "none", SourceAgentgov); !errors.Is(err, ErrNotFound) {
				t.Fatalf("erasing a missing entry: %v", err)
			}
			// The erased entry still proves.
			p, err := l.InclusionProof(ctx, 3, 0)
			if err != nil {
				t.Fatal(err)
			}
			h, err := HeaderOf(&e)
			if err != nil {
				t.Fatal(err)
			}
			cp, _ := l.LatestCheckpoint(ctx)
			opened, _ := translog.Open(cp.Note, testOrigin, k.v)
			if err := translog.VerifyInclusion(3, p.TreeSize, LeafHash(&h), decode(t, p.Hashes), opened.Root); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(ctx, st, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !rep.Intact || len(rep.Erased) != 1 || rep.Erased[0] != 3 {
				t.Fatalf("report = %+v", rep)
			}
		})
	}
}

func TestConcurrentAppendsAreContiguous(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.open(t)
			l := openLog(t, st, newKey(t))
			const writers, each = 16, 40
			var wg sync.WaitGroup
			seen := make([]map[int64]bool, writers)
			for w := range writers {
				seen[w] = map[int64]bool{}
				wg.Go(func() {
					for i := range each {
						idx, err := l.Append(ctx, ev(fmt.Sprintf("w%d", w), "decision", fmt.Sprintf(`{"i":%d}`, i)), "test")
						if err != nil {
							t.Error(err)
							return
						}
						seen[w][idx] = true
					}
				})
			}
			wg.Wait()
			all := map[int64]bool{}
			for w := range writers {
				for idx := range seen[w] {
					if all[idx] {
						t.Fatalf("index %d acknowledged twice", idx)
					}
					all[idx] = true
					e, err := l.Entry(ctx, idx)
					if err != nil || e.Agent != fmt.Sprintf("w%d", w) {
						t.Fatalf("index %d holds %+v (%v), want agent w%d", idx, e, err, w)
					}
				}
			}
			if len(all) != writers*each {
				t.Fatalf("%d distinct indexes", len(all))
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(ctx, st, VerifyOptions{})
			if err != nil || !rep.Intact || rep.Size != writers*each || rep.UncoveredEntries != 0 {
				t.Fatalf("verify after close: %+v, %v", rep, err)
			}
			if _, err := l.Append(ctx, ev("a", "x", ""), "test"); !errors.Is(err, ErrClosed) {
				t.Fatalf("append after close: %v", err)
			}
		})
	}
}

// An appender's time is read before it joins the queue, so concurrent
// appenders can join in the opposite order to their clock readings, and
// the wall clock itself can step back. Neither may make a time go backwards
// along the log, and an entry whose time the sequencer corrects must still
// verify.
func TestTimesNeverGoBackwards(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.open(t)
			k := newKey(t)
			var mu sync.Mutex
			base := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
			calls := 0
			// A clock that mostly advances but steps back by up to 40ms
			// every third reading.
			clock := func() time.Time {
				mu.Lock()
				defer mu.Unlock()
				calls++
				at := base.Add(time.Duration(calls) * time.Millisecond)
				if calls%3 == 0 {
					at = at.Add(-time.Duration(calls%41) * time.Millisecond)
				}
				return at
			}
			l, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey, Now: clock})
			if err != nil {
				t.Fatal(err)
			}
			const writers, each = 8, 30
			var wg sync.WaitGroup
			for w := range writers {
				wg.Go(func() {
					for i := range each {
						if _, err := l.Append(ctx, ev(fmt.Sprintf("w%d", w), "decision", fmt.Sprintf(`{"i":%d}`, i)), "test"); err != nil {
							t.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			prev := ""
			for i := range int64(writers * each) {
				e, err := l.Entry(ctx, i)
				if err != nil {
					t.Fatal(err)
				}
				if e.Time < prev {
					t.Fatalf("entry %d has time %s, before its predecessor's %s", i, e.Time, prev)
				}
				prev = e.Time
			}
			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(ctx, st, VerifyOptions{})
			if err != nil || !rep.Intact || rep.Size != writers*each {
				t.Fatalf("verify: %+v, %v", rep, err)
			}
		})
	}
}

func TestReopenResumesAndRefusesOtherIdentity(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "a.db")
	k := newKey(t)
	open := func() *sqlite.Store {
		st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := open()
	l := openLog(t, st, k)
	for i := range 13 {
		mustAppend(t, l, ev("a", "decision", fmt.Sprintf(`{"i":%d}`, i)))
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()

	st = open()
	defer st.Close()
	l = openLog(t, st, k)
	if i := mustAppend(t, l, ev("a", "decision", `{}`)); i != 13 {
		t.Fatalf("resumed at %d", i)
	}
	if rep, err := Verify(ctx, st, VerifyOptions{}); err != nil || !rep.Intact {
		t.Fatalf("verify: %+v %v", rep, err)
	}
	other := newKey(t)
	if _, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: other.signer, VerifierKey: other.vkey}); err == nil {
		t.Fatal("opened with a different signing key")
	}
}

// failingStore fails every append after the first n.
type failingStore struct {
	store.Audit
	mu sync.Mutex
	n  int
}

func (f *failingStore) AppendAudit(ctx context.Context, b store.AuditBatch) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.n <= 0 {
		return errors.New("disk on fire")
	}
	f.n--
	return f.Audit.AppendAudit(ctx, b)
}

func TestFailedCommitIsNotAcknowledged(t *testing.T) {
	ctx := context.Background()
	fs := &failingStore{Audit: memory.New(), n: 1}
	l := openLog(t, fs, newKey(t))
	mustAppend(t, l, ev("a", "decision", `{}`))
	if _, err := l.Append(ctx, ev("a", "decision", `{}`), "test"); err == nil {
		t.Fatal("append succeeded on a failing store")
	}
	if n, _ := l.Size(ctx); n != 1 {
		t.Fatalf("size after a failed commit = %d", n)
	}
	fs.n = 1
	if i := mustAppend(t, l, ev("a", "decision", `{}`)); i != 1 {
		t.Fatalf("index after recovery = %d, want 1", i)
	}
	rep, err := Verify(ctx, fs, VerifyOptions{})
	if err != nil || !rep.Intact {
		t.Fatalf("%+v %v", rep, err)
	}
}
