package detecttest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/detect"
)

// RepeatTo returns text repeated and cut to exactly size bytes.
func RepeatTo(text string, size int) string {
	return strings.Repeat(text, size/len(text)+1)[:size]
}

// BenchFind measures find on text, reporting throughput and allocations.
func BenchFind(b *testing.B, find detect.FindFunc, text string) {
	b.Helper()
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := find(text); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchSizes runs BenchFind on text repeated to each size in kilobytes, as
// sub-benchmarks named "<n>KB" that also report ns/KB, which stays flat
// when time grows linearly with the input.
func BenchSizes(b *testing.B, find detect.FindFunc, text string, kbs ...int) {
	b.Helper()
	for _, kb := range kbs {
		sized := RepeatTo(text, kb<<10)
		b.Run(fmt.Sprintf("%dKB", kb), func(b *testing.B) {
			BenchFind(b, find, sized)
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(kb), "ns/KB")
		})
	}
}

// CheckLinearTime checks that find's time grows linearly with the input,
// on line repeated into one huge line (no newline to bound a search).
// It is skipped with -short.
func CheckLinearTime(t *testing.T, find detect.FindFunc, line string) {
	t.Helper()
	LinearTime(t, func(n int) error {
		_, err := find(RepeatTo(line, n))
		return err
	})
}

// LinearTime checks that run(n), which processes an input of n bytes,
// takes CPU time linear in n: 8× the input (32 KB to 256 KB) may cost at
// most 16× the time plus 20 ms, best of five runs each, where a quadratic
// scan costs 64×. CPU time, not wall time: a run preempted by other processes on a
// loaded machine would otherwise look slower the longer it is. It is
// skipped with -short.
func LinearTime(t *testing.T, run func(n int) error) {
	t.Helper()
	if testing.Short() {
		t.Skip("timing test")
	}
	best := func(n int) time.Duration {
		b := time.Duration(1 << 62)
		for range 5 {
			start, cpu0 := time.Now(), ProcessCPU()
			if err := run(n); err != nil {
				t.Fatal(err)
			}
			d := ProcessCPU() - cpu0
			if cpu0 == 0 {
				d = time.Since(start)
			}
			b = min(b, d)
		}
		return b
	}
	best(1 << 12) // warm up the tables
	small, large := best(32<<10), best(256<<10)
	t.Logf("32 KB: %v, 256 KB: %v (×%.1f)", small, large, float64(large)/float64(small))
	// 20 ms of slack: the larger input's garbage collection counts in
	// CPU time too, and a quadratic scan still fails by far.
	if large > 16*small+20*time.Millisecond {
		t.Errorf("256 KB took %v, more than 16× the %v of 32 KB", large, small)
	}
}
