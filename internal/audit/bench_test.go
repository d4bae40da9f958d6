package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/translog"
)

// benchEvents are typical gate decisions: a few header fields and a small
// payload, from 1,000 agents in 5,000 sessions. They are built once so that
// the benchmarks measure the log, not fmt.
var benchEvents = func() []api.Event {
	evs := make([]api.Event, 5000)
	for i := range evs {
		evs[i] = api.Event{
			Type: "decision", Agent: fmt.Sprintf("agent-%d", i%1000), Session: fmt.Sprintf("sess-%d", i),
			Action: "tool:web_search", Decision: "allow", Reason: "policy:allow", Rule: "allow-search",
			PolicyVersion: "sha256:4f1c9a", Payload: json.RawMessage(fmt.Sprintf(`{"tool":"web_search","args_digest":"b64:9f86d081884c7d65","latency_ms":%d}`, i%50)),
		}
	}
	return evs
}()

func benchEvent(i int) *api.Event { return &benchEvents[i%len(benchEvents)] }

// openBenchLog opens a log as agentgov runs it: on the wall clock, which
// every appender reads, rather than the tests' serialised fake.
func openBenchLog(b *testing.B, st store.Audit) *Log {
	b.Helper()
	k := newKey(b)
	l, err := Open(context.Background(), Options{Store: st, Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey})
	if err != nil {
		b.Fatal(err)
	}
	return l
}

func openSQLiteBench(b *testing.B) (*sqlite.Store, *Log) {
	b.Helper()
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: filepath.Join(b.TempDir(), "bench.db")})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	return st, openBenchLog(b, st)
}

// appendConcurrently runs b.N appends spread over n goroutines.
func appendConcurrently(b *testing.B, l *Log, n int) {
	var next atomic.Int64
	var wg sync.WaitGroup
	ctx := context.Background()
	for range n {
		wg.Go(func() {
			for {
				i := next.Add(1)
				if i > int64(b.N) {
					return
				}
				if _, err := l.Append(ctx, benchEvent(int(i)), "bench"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
}

// BenchmarkAuditAppendDurable: 64 concurrent appenders on SQLite with
// synchronous=FULL; every append returns only once durable. One op is one
// entry, so entries/s = 1e9 / ns/op.
func BenchmarkAuditAppendDurable(b *testing.B) {
	_, l := openSQLiteBench(b)
	b.ReportAllocs()
	b.ResetTimer()
	appendConcurrently(b, l, 64)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// BenchmarkAuditAppendMemory: the in-memory store, b.RunParallel.
func BenchmarkAuditAppendMemory(b *testing.B) {
	l := openBenchLog(b, memory.New())
	ctx := context.Background()
	var n atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(ctx, benchEvent(int(n.Add(1))), "bench"); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "entries/s")
}

// million builds (once per process) a SQLite log of 1,000,000 entries.
var million struct {
	once sync.Once
	path string
	err  error
}

func millionLog(b *testing.B) string {
	million.once.Do(func() {
		dir, err := os.MkdirTemp("", "agentgov-bench-")
		if err != nil {
			million.err = err
			return
		}
		million.path = filepath.Join(dir, "million.db")
		million.err = buildLog(million.path, 1_000_000, newKey(b))
	})
	if million.err != nil {
		b.Fatal(million.err)
	}
	return million.path
}

// buildLog writes a valid log of n entries straight through the store in
// large batches (the sequencer would be bounded by its appenders' batch
// size), then signs a checkpoint over it through the log.
func buildLog(path string, n int64, k testKey) error {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		return err
	}
	defer st.Close()
	f := translog.NewFrontier()
	stamp := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC).Format(api.TimeLayout)
	salt := make([]byte, SaltSize)
	const batch = 8192
	for start := int64(0); start < n; start += batch {
		var b store.AuditBatch
		for i := start; i < min(start+batch, n); i++ {
			ev := benchEvent(int(i))
			h := Header{Time: stamp, Type: ev.Type, Agent: ev.Agent, Session: ev.Session, Action: ev.Action,
				Decision: ev.Decision, Reason: ev.Reason, Rule: ev.Rule, PolicyVersion: ev.PolicyVersion, Source: "bench", Ref: -1}
			h.PayloadSHA256 = PayloadDigest(salt, ev.Payload)
			leaf := AppendLeaf(nil, &h)
			g, err := f.Append(nil, translog.LeafHash(leaf))
			if err != nil {
				return err
			}
			b.Records = append(b.Records, store.AuditRecord{Index: i, Leaf: leaf, Keys: h.keys(), Hashes: g, Payload: ev.Payload, Salt: salt, ErasedBy: -1})
		}
		if err := st.AppendAudit(ctx, b); err != nil {
			return err
		}
	}
	l, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey})
	if err != nil {
		return err
	}
	if _, err := l.Checkpoint(ctx); err != nil {
		return err
	}
	return l.Close(ctx)
}

// BenchmarkInclusionProof: one inclusion proof on a 1,000,000-entry SQLite log.
func BenchmarkInclusionProof(b *testing.B) {
	path := millionLog(b)
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: path, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	r, err := NewReader(context.Background(), st, nil)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	i := int64(0)
	for b.Loop() {
		i = (i + 7919) % 1_000_000
		if _, err := r.InclusionProof(ctx, i, 1_000_000); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify: full verification of the 1,000,000-entry log. One op is
// one whole verification; the entries/s metric is the figure of merit.
// Run it with -benchtime=3x.
func BenchmarkVerify(b *testing.B) {
	path := millionLog(b)
	st, err := sqlite.Open(context.Background(), sqlite.Options{Path: path, ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var verified int64
	b.ResetTimer()
	for b.Loop() {
		rep, err := Verify(context.Background(), st, VerifyOptions{})
		if err != nil || !rep.Intact {
			b.Fatalf("%+v %v", rep, err)
		}
		verified += rep.Size
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(verified), "ns/entry")
	b.ReportMetric(float64(verified)/b.Elapsed().Seconds(), "entries/s")
}

var _ store.Audit = (*sqlite.Store)(nil)
