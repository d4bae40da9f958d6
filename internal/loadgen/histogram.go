package loadgen

import (
	"math/bits"
	"time"
)

// The latency histogram is log-linear: exact below 2^subBits ns, then
// 2^subBits buckets per power of two. Every recorded value lies within
// 1/2^subBits (0.8%) of the bucket bound a quantile reports, at any scale,
// with fixed memory per client and no sorting of samples: a ten-minute run
// at 50,000 requests/s costs the same memory as a ten-second one.
const (
	subBits  = 7
	subCount = 1 << subBits
	// maxBits bounds the tracked range to 2^maxBits ns (about 18 minutes);
	// longer latencies land in the last bucket. Max stays exact.
	maxBits    = 40
	numBuckets = subCount + (maxBits-subBits)*subCount
)

// histogram records latencies. It is not safe for concurrent use: each
// client keeps its own and they are merged at the end.
type histogram struct {
	counts [numBuckets]uint64
	n      uint64
	sum    time.Duration
	max    time.Duration
}

// bucketOf returns the bucket of a value in nanoseconds.
func bucketOf(v int64) int {
	if v < subCount {
		return int(max(v, 0))
	}
	l := bits.Len64(uint64(v))
	if l > maxBits {
		return numBuckets - 1
	}
	shift := l - subBits - 1
	sub := int(v>>shift) - subCount
	return subCount + shift*subCount + sub
}

// bucketUpper is the largest value bucket i holds.
func bucketUpper(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	shift := (i - subCount) / subCount
	sub := (i - subCount) % subCount
	lower := int64(sub+subCount) << shift
	return lower + int64(1)<<shift - 1
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(int64(d))]++
	h.n++
	h.sum += d
	h.max = max(h.max, d)
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
	h.max = max(h.max, o.max)
}

// quantile returns the nearest-rank q-quantile (0 < q ≤ 1), reported as the
// upper bound of its bucket (never above the exact maximum), so that a
// reported percentile is never better than what was measured.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(q * float64(h.n))
	if float64(rank) < q*float64(h.n) {
		rank++
	}
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(bucketUpper(i)), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}
