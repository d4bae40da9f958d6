package translog

import (
	"fmt"

	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/tlog"
)

// VerifyInclusion checks an inclusion proof against a tree head. It uses
// transparency-dev/merkle, not the tlog code that built the proof, so a bug in
// one cannot hide in the other.
func VerifyInclusion(index, size int64, leaf tlog.Hash, hashes []tlog.Hash, root tlog.Hash) error {
	if index < 0 || size <= 0 || index >= size {
		return fmt.Errorf("translog: index %d is outside a tree of size %d", index, size)
	}
	return proof.VerifyInclusion(rfc6962.DefaultHasher, uint64(index), uint64(size), leaf[:], raw(hashes), root[:])
}

// VerifyConsistency checks that the tree of size from with head root1 is a
// prefix of the tree of size to with head root2.
func VerifyConsistency(from, to int64, hashes []tlog.Hash, root1, root2 tlog.Hash) error {
	if from < 0 || from > to {
		return fmt.Errorf("translog: no consistency proof from size %d to size %d", from, to)
	}
	if from == 0 {
		if len(hashes) != 0 {
			return fmt.Errorf("translog: consistency proof from the empty tree must be empty")
		}
		return nil
	}
	return proof.VerifyConsistency(rfc6962.DefaultHasher, uint64(from), uint64(to), raw(hashes), root1[:], root2[:])
}

func raw(hs []tlog.Hash) [][]byte {
	out := make([][]byte, len(hs))
	for i := range hs {
		out[i] = hs[i][:]
	}
	return out
}
