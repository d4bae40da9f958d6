package loadgen

import (
	"testing"
	"time"
)

func TestBucketBounds(t *testing.T) {
	for _, v := range []int64{0, 1, 127, 128, 129, 255, 256, 257, 1000, 4095, 4096, 123_456, 1_000_000, 2_345_678_901, 1<<maxBits - 1} {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range", v, i)
		}
		upper := bucketUpper(i)
		lower := int64(0)
		if i > 0 {
			lower = bucketUpper(i-1) + 1
		}
		if v < lower || v > upper {
			t.Errorf("value %d in bucket %d = [%d, %d]", v, i, lower, upper)
		}
		// The width of a bucket is at most 1/128 of the values it holds.
		if width := upper - lower + 1; width > max(1, v/subCount) {
			t.Errorf("value %d: bucket [%d, %d] is %d wide, more than 1/%d of the value", v, lower, upper, width, subCount)
		}
	}
	if got := bucketOf(1 << 62); got != numBuckets-1 {
		t.Errorf("a value beyond the tracked range lands in bucket %d, want the last (%d)", got, numBuckets-1)
	}
	if got := bucketOf(-5); got != 0 {
		t.Errorf("a negative value lands in bucket %d, want 0", got)
	}
}

func TestQuantiles(t *testing.T) {
	uniform := func() *histogram {
		h := &histogram{}
		for i := 1; i <= 1000; i++ {
			h.record(time.Duration(i) * time.Microsecond)
		}
		return h
	}
	halves := func() *histogram {
		a, b := &histogram{}, &histogram{}
		for i := 1; i <= 1000; i++ {
			if i%2 == 0 {
				a.record(time.Duration(i) * time.Microsecond)
			} else {
				b.record(time.Duration(i) * time.Microsecond)
			}
		}
		a.merge(b)
		return a
	}
	single := func() *histogram {
		h := &histogram{}
		h.record(3 * time.Millisecond)
		return h
	}
	tailed := func() *histogram {
		h := &histogram{}
		for range 990 {
			h.record(time.Millisecond)
		}
		for range 10 {
			h.record(50 * time.Millisecond)
		}
		return h
	}
	const tol = 1.0 / subCount
	tests := []struct {
		name string
		h    *histogram
		q    float64
		want time.Duration
	}{
		{"uniform p50", uniform(), 0.50, 500 * time.Microsecond},
		{"uniform p95", uniform(), 0.95, 950 * time.Microsecond},
		{"uniform p99", uniform(), 0.99, 990 * time.Microsecond},
		{"uniform max", uniform(), 1, 1000 * time.Microsecond},
		{"merged halves p50", halves(), 0.50, 500 * time.Microsecond},
		{"merged halves p99", halves(), 0.99, 990 * time.Microsecond},
		{"single value p50 is the value", single(), 0.50, 3 * time.Millisecond},
		{"tail below p99", tailed(), 0.99, time.Millisecond},
		{"tail above p99", tailed(), 0.991, 50 * time.Millisecond},
		{"empty", &histogram{}, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.h.quantile(tt.q)
			// A quantile is reported as the upper bound of its bucket:
			// never below the true value, at most 1/128 above it.
			if got < tt.want || float64(got) > float64(tt.want)*(1+tol) {
				t.Errorf("quantile(%v) = %v, want %v (+%.1f%%)", tt.q, got, tt.want, tol*100)
			}
		})
	}
}

func TestHistogramMaxAndMean(t *testing.T) {
	h := &histogram{}
	for _, d := range []time.Duration{time.Millisecond, 2 * time.Millisecond, 9 * time.Millisecond} {
		h.record(d)
	}
	if h.max != 9*time.Millisecond {
		t.Errorf("max = %v, want 9ms", h.max)
	}
	if h.mean() != 4*time.Millisecond {
		t.Errorf("mean = %v, want 4ms", h.mean())
	}
	if got := h.quantile(1); got != h.max {
		t.Errorf("quantile(1) = %v, want the exact max %v", got, h.max)
	}
}
