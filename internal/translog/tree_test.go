package translog

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"testing"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

// memGroups is a GroupReader over groups kept in a slice.
type memGroups [][]byte

func (m memGroups) HashGroups(_ context.Context, leaves []int64) ([][]byte, error) {
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		if l < 0 || l >= int64(len(m)) {
			return nil, fmt.Errorf("no leaf %d", l)
		}
		out[i] = m[l]
	}
	return out, nil
}

func leafData(i int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(i))
	return b[:]
}

func buildTree(t testing.TB, n int) (memGroups, []tlog.Hash) {
	t.Helper()
	f := NewFrontier()
	groups := make(memGroups, 0, n)
	roots := make([]tlog.Hash, 0, n+1)
	roots = append(roots, f.Root())
	for i := range n {
		g, err := f.Append(nil, LeafHash(leafData(i)))
		if err != nil {
			t.Fatal(err)
		}
		if len(g) != GroupLen(int64(i))*HashSize {
			t.Fatalf("leaf %d: group of %d bytes, want %d", i, len(g), GroupLen(int64(i))*HashSize)
		}
		groups = append(groups, g)
		roots = append(roots, f.Root())
	}
	return groups, roots
}

// TestRootsMatchIndependentTree checks every tree head against a compact range
// from transparency-dev/merkle, an implementation that shares no code with
// tlog.
func TestRootsMatchIndependentTree(t *testing.T) {
	const n = 300
	_, roots := buildTree(t, n)
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	cr := rf.NewEmptyRange(0)
	empty := sha256.Sum256(nil)
	if roots[0] != tlog.Hash(empty) {
		t.Fatalf("empty root = %x, want SHA-256 of the empty string", roots[0])
	}
	for i := range n {
		if err := cr.Append(rfc6962.DefaultHasher.HashLeaf(leafData(i)), nil); err != nil {
			t.Fatal(err)
		}
		want, err := cr.GetRootHash(nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := roots[i+1]; string(got[:]) != string(want) {
			t.Fatalf("root of size %d = %x, want %x", i+1, got, want)
		}
	}
}

func TestLoadFrontierResumes(t *testing.T) {
	ctx := context.Background()
	groups, roots := buildTree(t, 77)
	for size := range 78 {
		f, err := LoadFrontier(ctx, groups[:size], int64(size))
		if err != nil {
			t.Fatalf("size %d: %v", size, err)
		}
		if f.Root() != roots[size] {
			t.Fatalf("size %d: loaded root differs", size)
		}
		r, err := Root(ctx, groups, int64(size))
		if err != nil || r != roots[size] {
			t.Fatalf("size %d: Root = %x, %v", size, r, err)
		}
		if size < 77 {
			g, err := f.Append(nil, LeafHash(leafData(size)))
			if err != nil || string(g) != string(groups[size]) {
				t.Fatalf("size %d: resumed append differs (%v)", size, err)
			}
		}
	}
}

func TestInclusionProofsAllPositions(t *testing.T) {
	ctx := context.Background()
	const n = 70
	groups, roots := buildTree(t, n)
	for size := int64(1); size <= n; size++ {
		for i := int64(0); i < size; i++ {
			p, err := ProveInclusion(ctx, groups, i, size)
			if err != nil {
				t.Fatalf("prove %d in %d: %v", i, size, err)
			}
			leaf := LeafHash(leafData(int(i)))
			if err := VerifyInclusion(i, size, leaf, p, roots[size]); err != nil {
				t.Fatalf("verify %d in %d: %v", i, size, err)
			}
			if err := tlog.CheckRecord(p, size, roots[size], i, leaf); err != nil {
				t.Fatalf("tlog disagrees for %d in %d: %v", i, size, err)
			}
			wrong := LeafHash(leafData(int(i) + 1000))
			if VerifyInclusion(i, size, wrong, p, roots[size]) == nil {
				t.Fatalf("a wrong leaf verified at %d in %d", i, size)
			}
			if len(p) > 0 {
				p[0][0] ^= 1
				if VerifyInclusion(i, size, leaf, p, roots[size]) == nil {
					t.Fatalf("a flipped proof verified at %d in %d", i, size)
				}
			}
		}
	}
	if _, err := ProveInclusion(ctx, groups, 5, 5); err == nil {
		t.Fatal("proof of an index outside the tree succeeded")
	}
}

func TestConsistencyProofsAllPairs(t *testing.T) {
	ctx := context.Background()
	const n = 45
	groups, roots := buildTree(t, n)
	for to := int64(0); to <= n; to++ {
		for from := int64(0); from <= to; from++ {
			p, err := ProveConsistency(ctx, groups, from, to)
			if err != nil {
				t.Fatalf("prove %d→%d: %v", from, to, err)
			}
			if err := VerifyConsistency(from, to, p, roots[from], roots[to]); err != nil {
				t.Fatalf("verify %d→%d: %v", from, to, err)
			}
			if from > 0 && from < to {
				if VerifyConsistency(from, to, p, roots[from-1], roots[to]) == nil {
					t.Fatalf("%d→%d verified against the wrong old root", from, to)
				}
			}
		}
	}
	if _, err := ProveConsistency(ctx, groups, 5, 4); err == nil {
		t.Fatal("backwards consistency proof succeeded")
	}
}

func TestCorruptGroupIsAnError(t *testing.T) {
	ctx := context.Background()
	groups, _ := buildTree(t, 8)
	bad := append(memGroups(nil), groups...)
	bad[7] = bad[7][:40]
	if _, err := ProveInclusion(ctx, bad, 0, 8); err == nil {
		t.Fatal("a truncated hash group was accepted")
	}
	if _, err := LoadFrontier(ctx, bad, 8); err == nil {
		t.Fatal("a truncated hash group was accepted by LoadFrontier")
	}
}

func BenchmarkFrontierAppend(b *testing.B) {
	f := NewFrontier()
	h := LeafHash([]byte("leaf"))
	buf := make([]byte, 0, 64*HashSize)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = f.Append(buf[:0], h)
	}
}

// TestAppendMatchesTlog holds Frontier.Append to tlog's own computation of
// the stored hashes.
func TestAppendMatchesTlog(t *testing.T) {
	f := NewFrontier()
	var all []tlog.Hash
	reader := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			out[i] = all[x]
		}
		return out, nil
	})
	for i := range 1000 {
		leaf := LeafHash(leafData(i))
		want, err := tlog.StoredHashesForRecordHash(int64(i), leaf, reader)
		if err != nil {
			t.Fatal(err)
		}
		got, err := f.Append(nil, leaf)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(want)*HashSize {
			t.Fatalf("leaf %d: %d hashes, tlog has %d", i, len(got)/HashSize, len(want))
		}
		for j, h := range want {
			if string(got[j*HashSize:(j+1)*HashSize]) != string(h[:]) {
				t.Fatalf("leaf %d hash %d differs from tlog", i, j)
			}
		}
		all = append(all, want...)
		if root, err := tlog.TreeHash(int64(i+1), reader); err != nil || root != f.Root() {
			t.Fatalf("size %d: root differs from tlog (%v)", i+1, err)
		}
		c := NewFrontier()
		c.CopyFrom(f)
		if c.Root() != f.Root() || c.Size() != f.Size() {
			t.Fatalf("size %d: copy differs", i+1)
		}
	}
}
