package audit

import (
	"context"
	"sync"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// groupCache keeps stored hash groups in memory. Stored hashes never change
// once written, so a cached group is never stale; a tampered store is
// caught by verification and by every client's proof check, not here.
//
// Only groups of at least minLen hashes are kept: those are the leaves that
// close large subtrees, whose hashes appear in a large share of all proofs.
type groupCache struct {
	st     store.Audit
	minLen int
	max    int

	mu sync.Mutex
	m  map[int64][]byte
}

func newGroupCache(st store.Audit, minLen, max int) *groupCache {
	return &groupCache{st: st, minLen: minLen, max: max, m: make(map[int64][]byte)}
}

// HashGroups implements translog.GroupReader.
func (c *groupCache) HashGroups(ctx context.Context, leaves []int64) ([][]byte, error) {
	out := make([][]byte, len(leaves))
	var missing []int64
	var at []int
	c.mu.Lock()
	for i, l := range leaves {
		if g, ok := c.m[l]; ok {
			out[i] = g
		} else {
			missing = append(missing, l)
			at = append(at, i)
		}
	}
	c.mu.Unlock()
	if len(missing) == 0 {
		return out, nil
	}
	got, err := c.st.HashGroups(ctx, missing)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for j, l := range missing {
		out[at[j]] = got[j]
		if translog.GroupLen(l) < c.minLen || len(got[j]) != translog.GroupLen(l)*translog.HashSize {
			continue
		}
		if len(c.m) >= c.max {
			// Dropping everything is crude but cheap, and the hot upper
			// levels come back after a handful of proofs.
			clear(c.m)
		}
		c.m[l] = got[j]
	}
	return out, nil
}
