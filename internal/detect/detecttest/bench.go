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
// on line repeated into one huge line (no newline to bound a search): 8×
// the input may cost at most 16× the time (best of three runs each, to
// ride out a loaded machine). It is skipped with -short.
func CheckLinearTime(t *testing.T, find detect.FindFunc, line string) {
	t.Helper()
	if testing.Short() {
		t.Skip("timing test")
	}
	best := func(n int) time.Duration {
		text := RepeatTo(line, n)
		b := time.Duration(1 << 62)
		for range 3 {
			start := time.Now()
			if _, err := find(text); err != nil {
				t.Fatal(err)
			}
			b = min(b, time.Since(start))
		}
		return b
	}
	best(1 << 12) // warm up the tables
	small, large := best(32<<10), best(256<<10)
	t.Logf("32 KB: %v, 256 KB: %v (×%.1f)", small, large, float64(large)/float64(small))
	if large > 16*small {
		t.Errorf("256 KB took %v, more than 16× the %v of 32 KB", large, small)
	}
}
