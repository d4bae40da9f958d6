package ratelimit

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func TestBurstThenRate(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(c.now)
	spec := Spec{PerSecond: 2, Burst: 3}
	for i := range 3 {
		if !l.Allow("a", spec) {
			t.Fatalf("burst token %d refused", i)
		}
	}
	if l.Allow("a", spec) {
		t.Fatal("fourth call within the same instant allowed")
	}
	if !l.Allow("b", spec) {
		t.Fatal("another key shares a's bucket")
	}
	c.add(500 * time.Millisecond)
	if !l.Allow("a", spec) {
		t.Fatal("a token did not refill after 1/rate")
	}
	if l.Allow("a", spec) {
		t.Fatal("refilled more than one token")
	}
	if !l.Allow("a", Spec{}) {
		t.Fatal("a disabled spec limited")
	}
}

func TestSpecChangeApplies(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(c.now)
	for range 5 {
		l.Allow("a", Spec{PerSecond: 100, Burst: 5})
	}
	tight := Spec{PerSecond: 0.001, Burst: 1}
	c.add(time.Second)
	if !l.Allow("a", tight) {
		t.Fatal("first call under the new spec refused")
	}
	if l.Allow("a", tight) {
		t.Fatal("the old burst survived a tighter spec")
	}
}

func TestIdleBucketsAreEvicted(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	l := New(c.now)
	spec := Spec{PerSecond: 10, Burst: 10}
	for i := range 5000 {
		l.Allow(fmt.Sprint("k", i), spec)
	}
	c.add(time.Hour)
	for i := range 5000 {
		l.Allow(fmt.Sprint("n", i), spec)
	}
	if n := l.Len(); n > 5000+shards*1024/2 {
		t.Fatalf("%d buckets live; idle ones were not evicted", n)
	}
}

func TestConcurrent(t *testing.T) {
	l := New(nil)
	var wg sync.WaitGroup
	var mu sync.Mutex
	allowed := 0
	for range 8 {
		wg.Go(func() {
			for range 100 {
				if l.Allow("shared", Spec{PerSecond: 0.0001, Burst: 50}) {
					mu.Lock()
					allowed++
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if allowed != 50 {
		t.Fatalf("%d allowed, want exactly the burst of 50", allowed)
	}
}

// TestKeysAreCopies: a bucket outlives the request whose string named it,
// so it must not keep a view into that request.
func TestKeysAreCopies(t *testing.T) {
	l := New(nil)
	body := strings.Repeat("x", 4096) + "agent-7"
	key := body[len(body)-len("agent-7"):]
	l.Allow(key, Spec{PerSecond: 10, Burst: 1})
	start := uintptr(unsafe.Pointer(unsafe.StringData(body)))
	n := 0
	for i := range l.shards {
		for k := range l.shards[i].m {
			n++
			if p := uintptr(unsafe.Pointer(unsafe.StringData(k))); p >= start && p < start+uintptr(len(body)) {
				t.Fatalf("the bucket key %q points into the caller's string", k)
			}
		}
	}
	if n != 1 {
		t.Fatalf("%d buckets, want 1", n)
	}
}
