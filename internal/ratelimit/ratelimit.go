// Package ratelimit holds token buckets per key (an agent, an agent and a
// tool) with golang.org/x/time/rate, evicting buckets that have been idle
// long enough to be full again, so that memory is bounded by the number of
// recently active keys.
package ratelimit

import (
	"hash/maphash"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Spec is one bucket's configuration.
type Spec struct {
	PerSecond float64
	Burst     int
}

// Enabled reports whether the spec limits anything.
func (s Spec) Enabled() bool { return s.PerSecond > 0 }

const shards = 64

type bucket struct {
	lim  *rate.Limiter
	spec Spec
	seen time.Time
}

type shard struct {
	mu sync.Mutex
	m  map[string]*bucket
	// sweepAt is the size at which the shard next evicts; it doubles past
	// what an eviction keeps, so that many live keys cost amortised O(1)
	// per new key instead of a full scan each.
	sweepAt int
}

const sweepMin = 1024

// Limiter is a set of keyed buckets. It is safe for concurrent use.
type Limiter struct {
	seed   maphash.Seed
	shards [shards]shard
	now    func() time.Time
}

// New returns an empty limiter; now is the clock (nil means time.Now).
func New(now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	l := &Limiter{seed: maphash.MakeSeed(), now: now}
	for i := range l.shards {
		l.shards[i].m = make(map[string]*bucket)
	}
	return l
}

// Allow takes one token from key's bucket, creating it full with spec on
// first use. A changed spec (after a configuration reload) rebuilds the
// bucket with the new rate, keeping no more tokens than the new burst.
func (l *Limiter) Allow(key string, spec Spec) bool {
	if !spec.Enabled() {
		return true
	}
	return l.AllowAt(key, spec, l.now())
}

// AllowAt is Allow at a time the caller has already read from the
// limiter's clock.
func (l *Limiter) AllowAt(key string, spec Spec, now time.Time) bool {
	if !spec.Enabled() {
		return true
	}
	sh := &l.shards[maphash.String(l.seed, key)%shards]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	b := sh.m[key]
	if b == nil {
		if len(sh.m) >= max(sh.sweepAt, sweepMin) {
			sh.evict(now)
			sh.sweepAt = 2 * len(sh.m)
		}
		b = &bucket{lim: rate.NewLimiter(rate.Limit(spec.PerSecond), max(spec.Burst, 1)), spec: spec}
		// A key cut from a request would keep the whole request alive.
		sh.m[strings.Clone(key)] = b
	} else if b.spec != spec {
		b.lim.SetLimitAt(now, rate.Limit(spec.PerSecond))
		b.lim.SetBurstAt(now, max(spec.Burst, 1))
		b.spec = spec
	}
	b.seen = now
	return b.lim.AllowN(now, 1)
}

// evict drops buckets that would be full by now: forgetting them changes
// nothing about future decisions.
func (sh *shard) evict(now time.Time) {
	for k, b := range sh.m {
		refill := time.Duration(float64(b.spec.Burst) / b.spec.PerSecond * float64(time.Second))
		if now.Sub(b.seen) > refill {
			delete(sh.m, k)
		}
	}
}

// Len is the number of live buckets (for metrics and tests).
func (l *Limiter) Len() int {
	n := 0
	for i := range l.shards {
		l.shards[i].mu.Lock()
		n += len(l.shards[i].m)
		l.shards[i].mu.Unlock()
	}
	return n
}
