package translog

import (
	"context"
	"slices"
	"testing"

	"golang.org/x/mod/sumdb/tlog"
)

// fuzzTreeSize is small enough to precompute every proof, and not a power of
// two, so that proofs of every shape (with and without a border) occur.
const fuzzTreeSize = 21

type fuzzTree struct {
	leaves []tlog.Hash
	roots  []tlog.Hash              // roots[n] is the head of the first n leaves
	incl   map[[2]int64][]tlog.Hash // by (index, size)
	cons   map[[2]int64][]tlog.Hash // by (from, to)
}

func newFuzzTree(f *testing.F) *fuzzTree {
	ctx := context.Background()
	groups, roots := buildTree(f, fuzzTreeSize)
	ft := &fuzzTree{roots: roots, incl: map[[2]int64][]tlog.Hash{}, cons: map[[2]int64][]tlog.Hash{}}
	for i := range fuzzTreeSize {
		ft.leaves = append(ft.leaves, LeafHash(leafData(i)))
	}
	for size := int64(0); size <= fuzzTreeSize; size++ {
		for i := range size {
			p, err := ProveInclusion(ctx, groups, i, size)
			if err != nil {
				f.Fatal(err)
			}
			ft.incl[[2]int64{i, size}] = p
		}
		for from := int64(0); from <= size; from++ {
			p, err := ProveConsistency(ctx, groups, from, size)
			if err != nil {
				f.Fatal(err)
			}
			ft.cons[[2]int64{from, size}] = p
		}
	}
	return ft
}

func hashBytes(hs []tlog.Hash) []byte {
	var b []byte
	for _, h := range hs {
		b = append(b, h[:]...)
	}
	return b
}

// splitHashBytes cuts fuzzed bytes into hashes; a trailing partial hash is
// kept as a zero-padded hash so that no input byte is silently dropped.
func splitHashBytes(b []byte) []tlog.Hash {
	var out []tlog.Hash
	for len(b) > 0 {
		var h tlog.Hash
		n := copy(h[:], b)
		b = b[n:]
		out = append(out, h)
	}
	return out
}

// pick returns b as a hash when it is one, else the fallback: the fuzzer can
// then leave a hash genuine by giving anything of another length.
func pick(b []byte, fallback tlog.Hash) tlog.Hash {
	if len(b) != HashSize {
		return fallback
	}
	return tlog.Hash(b)
}

func (ft *fuzzTree) rootOr(size int64) tlog.Hash {
	if size >= 0 && size <= fuzzTreeSize {
		return ft.roots[size]
	}
	return tlog.Hash{}
}

func (ft *fuzzTree) rootBytes(size int64) []byte {
	h := ft.rootOr(size)
	return h[:]
}

func flip(h tlog.Hash, bit int) tlog.Hash {
	h[bit/8%HashSize] ^= 1 << (bit % 8)
	return h
}

func FuzzVerifyInclusion(f *testing.F) {
	ft := newFuzzTree(f)
	for _, c := range [][2]int64{{0, 1}, {0, 2}, {1, 2}, {5, 8}, {0, 21}, {16, 21}, {20, 21}, {13, 14}, {7, 15}} {
		p := ft.incl[c]
		i, size := c[0], c[1]
		f.Add(i, size, []byte(nil), hashBytes(p), []byte(nil))
		f.Add(i, size, ft.leaves[i][:], hashBytes(p), ft.roots[size][:])
		f.Add(i+1, size, []byte(nil), hashBytes(p), []byte(nil))
		f.Add(i, size+1, []byte(nil), hashBytes(p), []byte(nil))
		f.Add(i, size-1, []byte(nil), hashBytes(p), []byte(nil))
		f.Add(i, size, ft.leaves[(i+1)%size][:], hashBytes(p), []byte(nil))
		f.Add(i, size, []byte(nil), hashBytes(p), ft.rootBytes(size+1))
		if len(p) > 0 {
			f.Add(i, size, []byte(nil), hashBytes(p[:len(p)-1]), []byte(nil))
			f.Add(i, size, []byte(nil), hashBytes(p)[:len(p)*HashSize-1], []byte(nil))
			q := slices.Clone(p)
			q[0] = flip(q[0], 7)
			f.Add(i, size, []byte(nil), hashBytes(q), []byte(nil))
		}
		f.Add(i, size, []byte(nil), hashBytes(append(slices.Clone(p), ft.leaves[0])), []byte(nil))
	}
	// The size-5 proof of leaf 0 with H(4..7) in place of leaf 4 is a valid
	// proof against the size-8 head: the size is only bound by the signed
	// checkpoint, so the property below only trusts roots of the claimed size.
	forged := slices.Clone(ft.incl[[2]int64{0, 8}])
	f.Add(int64(0), int64(5), []byte(nil), hashBytes(forged), ft.roots[8][:])
	for _, c := range []struct{ i, size int64 }{{-1, 5}, {0, 0}, {0, -1}, {5, 5}, {1 << 62, 1<<62 + 1}, {-1 << 63, 1<<63 - 1}, {0, 1<<63 - 1}} {
		f.Add(c.i, c.size, []byte(nil), []byte(nil), []byte(nil))
		f.Add(c.i, c.size, ft.leaves[0][:], hashBytes(ft.incl[[2]int64{0, 21}]), ft.roots[21][:])
	}

	f.Fuzz(func(t *testing.T, index, size int64, leafB, hashesB, rootB []byte) {
		genuineLeaf := tlog.Hash{}
		if index >= 0 && index < fuzzTreeSize {
			genuineLeaf = ft.leaves[index]
		}
		leaf := pick(leafB, genuineLeaf)
		root := pick(rootB, ft.rootOr(size))
		hashes := splitHashBytes(hashesB)
		err := VerifyInclusion(index, size, leaf, hashes, root)

		if size < 1 || size > fuzzTreeSize || root != ft.roots[size] {
			// Not a head of this tree for that size: anything may verify
			// (a made-up tree is consistent with itself), but only within
			// the tree's bounds.
			if err == nil && (index < 0 || index >= size) {
				t.Fatalf("verified index %d outside a tree of size %d", index, size)
			}
			return
		}
		genuine := index >= 0 && index < size && leaf == ft.leaves[index] && slices.Equal(hashes, ft.incl[[2]int64{index, size}])
		if err == nil && !genuine {
			t.Fatalf("forged inclusion verified: index %d, size %d, leaf %x, %d hashes", index, size, leaf, len(hashes))
		}
		if err != nil && genuine {
			t.Fatalf("genuine inclusion of %d in %d refused: %v", index, size, err)
		}
	})
}

func FuzzVerifyConsistency(f *testing.F) {
	ft := newFuzzTree(f)
	for _, c := range [][2]int64{{0, 0}, {0, 7}, {1, 1}, {1, 2}, {3, 7}, {4, 8}, {4, 21}, {7, 8}, {8, 16}, {13, 21}, {20, 21}, {21, 21}} {
		p := ft.cons[c]
		from, to := c[0], c[1]
		f.Add(from, to, hashBytes(p), []byte(nil), []byte(nil))
		f.Add(from, to, hashBytes(p), ft.roots[from][:], ft.roots[to][:])
		f.Add(to, from, hashBytes(p), []byte(nil), []byte(nil))
		f.Add(from+1, to, hashBytes(p), []byte(nil), []byte(nil))
		f.Add(from, to+1, hashBytes(p), []byte(nil), []byte(nil))
		f.Add(from, to, hashBytes(p), ft.rootBytes(from+1), []byte(nil))
		f.Add(from, to, hashBytes(p), []byte(nil), ft.rootBytes(to-1))
		f.Add(from, to, hashBytes(append(slices.Clone(p), ft.leaves[0])), []byte(nil), []byte(nil))
		if len(p) > 0 {
			f.Add(from, to, hashBytes(p[1:]), []byte(nil), []byte(nil))
			q := slices.Clone(p)
			q[len(q)-1] = flip(q[len(q)-1], 200)
			f.Add(from, to, hashBytes(q), []byte(nil), []byte(nil))
		}
	}
	for _, c := range [][2]int64{{-1, 5}, {5, 4}, {-5, -1}, {1 << 62, 1<<63 - 1}, {1, 1<<63 - 1}} {
		f.Add(c[0], c[1], hashBytes(ft.cons[[2]int64{1, 21}]), []byte(nil), []byte(nil))
	}

	f.Fuzz(func(t *testing.T, from, to int64, hashesB, root1B, root2B []byte) {
		root1 := pick(root1B, ft.rootOr(from))
		root2 := pick(root2B, ft.rootOr(to))
		hashes := splitHashBytes(hashesB)
		err := VerifyConsistency(from, to, hashes, root1, root2)

		if err == nil && (from < 0 || from > to) {
			t.Fatalf("verified a consistency proof from %d to %d", from, to)
		}
		if err == nil && from == 0 && len(hashes) != 0 {
			t.Fatalf("verified a non-empty proof from the empty tree")
		}
		if from < 1 || to > fuzzTreeSize || from > to || root1 != ft.roots[from] || root2 != ft.roots[to] {
			return
		}
		genuine := slices.Equal(hashes, ft.cons[[2]int64{from, to}])
		if err == nil && !genuine {
			t.Fatalf("forged consistency %d→%d verified with %d hashes", from, to, len(hashes))
		}
		if err != nil && genuine {
			t.Fatalf("genuine consistency %d→%d refused: %v", from, to, err)
		}
	})
}
