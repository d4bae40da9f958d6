// Package translog is the Merkle-tree half of the audit log: it computes the
// stored hashes of an append-only RFC 9162 tree, builds inclusion and
// consistency proofs over a hash store, verifies them, and signs and opens
// checkpoints in the C2SP signed-note format.
//
// It knows nothing about what the leaves mean. Proofs are built with
// golang.org/x/mod/sumdb/tlog (the tree of the Go checksum database, whose
// stored-hash numbering maps onto one row per leaf) and verified with
// github.com/transparency-dev/merkle, so that two independent implementations
// agree on every proof we hand out.
package translog

import (
	"context"
	"errors"
	"fmt"
	"math/bits"

	"golang.org/x/mod/sumdb/tlog"
)

// HashSize is the size of every hash in the tree (SHA-256).
const HashSize = tlog.HashSize

// GroupLen is the number of stored hashes that appending leaf n creates: the
// leaf hash and one hash for every complete subtree it closes.
func GroupLen(n int64) int {
	return 1 + bits.TrailingZeros64(uint64(n+1))
}

// locate maps a tlog stored-hash index to the leaf whose append created it and
// the position of the hash inside that leaf's group. Because each group is
// stored with its leaf, any hash of the tree is one row lookup away.
func locate(stored int64) (leaf int64, pos int) {
	level, n := tlog.SplitStoredHashIndex(stored)
	return (n+1)<<uint(level) - 1, level
}

// GroupReader reads the hash groups stored with leaves. Implementations return
// one group per requested leaf, in request order; a missing leaf is an error.
type GroupReader interface {
	HashGroups(ctx context.Context, leaves []int64) ([][]byte, error)
}

// ErrCorruptGroup reports a stored hash group of the wrong length.
var ErrCorruptGroup = errors.New("translog: corrupt stored hash group")

// hashReader adapts a GroupReader to tlog.HashReader for one operation.
type hashReader struct {
	ctx context.Context
	r   GroupReader
}

func (h hashReader) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	leaves := make([]int64, 0, len(indexes))
	pos := make([]int, len(indexes))
	slot := make([]int, len(indexes))
	seen := make(map[int64]int, len(indexes))
	for i, idx := range indexes {
		leaf, p := locate(idx)
		j, ok := seen[leaf]
		if !ok {
			j = len(leaves)
			seen[leaf] = j
			leaves = append(leaves, leaf)
		}
		pos[i], slot[i] = p, j
	}
	groups, err := h.r.HashGroups(h.ctx, leaves)
	if err != nil {
		return nil, err
	}
	if len(groups) != len(leaves) {
		return nil, fmt.Errorf("translog: read %d hash groups, want %d", len(groups), len(leaves))
	}
	out := make([]tlog.Hash, len(indexes))
	for i := range indexes {
		g := groups[slot[i]]
		leaf := leaves[slot[i]]
		if len(g) != GroupLen(leaf)*HashSize {
			return nil, fmt.Errorf("%w at leaf %d: %d bytes, want %d", ErrCorruptGroup, leaf, len(g), GroupLen(leaf)*HashSize)
		}
		copy(out[i][:], g[pos[i]*HashSize:])
	}
	return out, nil
}

// Frontier is the right edge of the tree: for every set bit L of the size,
// the root of the complete subtree of 2^L leaves that ends there. It is all
// the state an appender needs, so the sequencer keeps it in memory.
type Frontier struct {
	size  int64
	roots [64]tlog.Hash
}

// NewFrontier returns the frontier of the empty tree.
func NewFrontier() *Frontier { return &Frontier{} }

// LoadFrontier reads the frontier of a tree of the given size from r.
func LoadFrontier(ctx context.Context, r GroupReader, size int64) (*Frontier, error) {
	if size < 0 {
		return nil, fmt.Errorf("translog: negative tree size %d", size)
	}
	f := &Frontier{size: size}
	var idx []int64
	var levels []int
	for l := 63; l >= 0; l-- {
		if size&(1<<uint(l)) != 0 {
			idx = append(idx, tlog.StoredHashIndex(l, size>>uint(l)-1))
			levels = append(levels, l)
		}
	}
	if len(idx) == 0 {
		return f, nil
	}
	hs, err := hashReader{ctx, r}.ReadHashes(idx)
	if err != nil {
		return nil, err
	}
	for i, l := range levels {
		f.roots[l] = hs[i]
	}
	return f, nil
}

// Size is the number of leaves.
func (f *Frontier) Size() int64 { return f.size }

// ReadHashes serves tlog the subtree roots on the frontier; it is all that
// tlog.StoredHashesForRecordHash and tlog.TreeHash read.
func (f *Frontier) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, idx := range indexes {
		level, n := tlog.SplitStoredHashIndex(idx)
		if f.size&(1<<uint(level)) == 0 || f.size>>uint(level)-1 != n {
			return nil, fmt.Errorf("translog: hash %d (level %d, node %d) is not on the frontier of size %d", idx, level, n, f.size)
		}
		out[i] = f.roots[level]
	}
	return out, nil
}

// Append adds a leaf with the given leaf hash (tlog.RecordHash of the leaf
// data) and appends the stored hashes it creates to dst, level 0 first. It
// computes exactly what tlog.StoredHashesForRecordHash would (the tests hold
// it to that), without its per-call allocations: this is the sequencer's
// inner loop.
func (f *Frontier) Append(dst []byte, leaf tlog.Hash) ([]byte, error) {
	if f.size < 0 || f.size == 1<<62 {
		return dst, fmt.Errorf("translog: tree size %d cannot grow", f.size)
	}
	h := leaf
	dst = append(dst, h[:]...)
	level := 0
	// Each trailing 1 bit of the old size closes a subtree: merge with the
	// complete subtree of that level on the frontier.
	for n := f.size; n&1 == 1; n >>= 1 {
		h = tlog.NodeHash(f.roots[level], h)
		dst = append(dst, h[:]...)
		level++
	}
	f.roots[level] = h
	f.size++
	return dst, nil
}

// Root is the RFC 9162 tree head of the current size.
func (f *Frontier) Root() tlog.Hash {
	h, err := tlog.TreeHash(f.size, f)
	if err != nil {
		// The frontier holds exactly what TreeHash reads, so this is a
		// programming error, not a data error.
		panic(err)
	}
	return h
}

// Clone returns an independent copy, so a batch can be staged and dropped if
// it fails to commit.
func (f *Frontier) Clone() *Frontier {
	c := new(Frontier)
	c.CopyFrom(f)
	return c
}

// CopyFrom makes f equal to src. Only the levels a tree of that size uses
// are copied, which keeps staging a batch cheap.
func (f *Frontier) CopyFrom(src *Frontier) {
	f.size = src.size
	n := bits.Len64(uint64(src.size)) + 1
	copy(f.roots[:n], src.roots[:n])
}

// Root reads the tree head of the given size from r.
func Root(ctx context.Context, r GroupReader, size int64) (tlog.Hash, error) {
	return tlog.TreeHash(size, hashReader{ctx, r})
}

// ProveInclusion returns the RFC 9162 inclusion proof of leaf index in the
// tree of the given size.
func ProveInclusion(ctx context.Context, r GroupReader, index, size int64) ([]tlog.Hash, error) {
	if index < 0 || index >= size {
		return nil, fmt.Errorf("translog: index %d is outside a tree of size %d", index, size)
	}
	p, err := tlog.ProveRecord(size, index, hashReader{ctx, r})
	return p, err
}

// ProveConsistency returns the RFC 9162 consistency proof between trees of
// sizes from and to.
func ProveConsistency(ctx context.Context, r GroupReader, from, to int64) ([]tlog.Hash, error) {
	if from < 0 || from > to {
		return nil, fmt.Errorf("translog: no consistency proof from size %d to size %d", from, to)
	}
	if from == 0 || from == to {
		return []tlog.Hash{}, nil
	}
	return tlog.ProveTree(to, from, hashReader{ctx, r})
}

// LeafHash is the RFC 9162 leaf hash SHA-256(0x00 ‖ data).
func LeafHash(data []byte) tlog.Hash { return tlog.RecordHash(data) }
