package audit

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// ErrProof reports a proof, entry or checkpoint that does not verify.
var ErrProof = errors.New("audit: proof does not verify")

func decodeHash(field, s string) (tlog.Hash, error) {
	var h tlog.Hash
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != len(h) {
		return h, &FieldError{field, "must be a 32-byte hash in standard base64"}
	}
	copy(h[:], b)
	return h, nil
}

func decodeHashes(field string, ss []string) ([]tlog.Hash, error) {
	if len(ss) > 64 {
		return nil, &FieldError{field, "has more hashes than any tree needs"}
	}
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		h, err := decodeHash(fmt.Sprintf("%s[%d]", field, i), s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

// VerifyInclusion checks, offline, that an inclusion proof leads to the root
// of a checkpoint signed by v. With a non-nil entry it also recomputes the
// entry's leaf (and checks its payload against the committed digest) and
// insists that the proof is for that leaf. It returns the opened checkpoint.
func VerifyInclusion(cpNote []byte, v note.Verifier, p *api.InclusionProof, e *api.Entry) (translog.Checkpoint, error) {
	return VerifyInclusionWith(SingleKey(v), cpNote, p, e)
}

// Opener checks the signature on a checkpoint note and parses it.
type Opener func(note []byte) (translog.Checkpoint, error)

// SingleKey opens checkpoints signed by v.
func SingleKey(v note.Verifier) Opener {
	return func(msg []byte) (translog.Checkpoint, error) { return translog.Open(msg, v.Name(), v) }
}

// ChainFrom opens checkpoints signed by the key of chain in use at their
// size, accepting only keys from position trusted onward (0 when the
// verifier holds the log's first key).
func ChainFrom(chain *translog.KeyChain, trusted int) Opener {
	return func(msg []byte) (translog.Checkpoint, error) {
		cp, _, err := chain.OpenFrom(msg, trusted)
		return cp, err
	}
}

// VerifyInclusionWith is VerifyInclusion with checkpoints opened by open.
func VerifyInclusionWith(open Opener, cpNote []byte, p *api.InclusionProof, e *api.Entry) (translog.Checkpoint, error) {
	cp, err := open(cpNote)
	if err != nil {
		return cp, err
	}
	if p.TreeSize != cp.Size {
		return cp, fmt.Errorf("%w: the proof is for tree size %d but the checkpoint is for size %d; fetch the proof with tree_size=%d", ErrProof, p.TreeSize, cp.Size, cp.Size)
	}
	leaf, err := decodeHash("leaf_hash", p.LeafHash)
	if err != nil {
		return cp, err
	}
	if e != nil {
		if e.Index != p.Index {
			return cp, fmt.Errorf("%w: the entry has index %d, the proof is for index %d", ErrProof, e.Index, p.Index)
		}
		h, err := HeaderOf(e)
		if err != nil {
			return cp, fmt.Errorf("%w: entry: %v", ErrProof, err)
		}
		if got := LeafHash(&h); got != leaf {
			return cp, fmt.Errorf("%w: the entry does not hash to the proof's leaf hash", ErrProof)
		}
	}
	hs, err := decodeHashes("hashes", p.Hashes)
	if err != nil {
		return cp, err
	}
	if err := translog.VerifyInclusion(p.Index, p.TreeSize, leaf, hs, cp.Root); err != nil {
		return cp, fmt.Errorf("%w: %v", ErrProof, err)
	}
	return cp, nil
}

// VerifyConsistency checks, offline, that the checkpoint of size p.From is a
// prefix of the checkpoint of size p.To, both signed by v.
func VerifyConsistency(oldNote, newNote []byte, v note.Verifier, p *api.ConsistencyProof) error {
	return VerifyConsistencyWith(SingleKey(v), oldNote, newNote, p)
}

// VerifyConsistencyWith is VerifyConsistency with checkpoints opened by
// open; across a key rotation the two checkpoints are signed by different
// keys of the chain.
func VerifyConsistencyWith(open Opener, oldNote, newNote []byte, p *api.ConsistencyProof) error {
	oldCp, err := open(oldNote)
	if err != nil {
		return err
	}
	newCp, err := open(newNote)
	if err != nil {
		return err
	}
	if oldCp.Size != p.From || newCp.Size != p.To {
		return fmt.Errorf("%w: the proof is from size %d to %d, the checkpoints are of sizes %d and %d", ErrProof, p.From, p.To, oldCp.Size, newCp.Size)
	}
	hs, err := decodeHashes("hashes", p.Hashes)
	if err != nil {
		return err
	}
	if err := translog.VerifyConsistency(p.From, p.To, hs, oldCp.Root, newCp.Root); err != nil {
		return fmt.Errorf("%w: %v", ErrProof, err)
	}
	return nil
}

// VerifyExportRecord checks one exported record on its own: the leaf data is
// the entry's, and the proof leads to the enclosed checkpoint signed by v.
func VerifyExportRecord(rec *api.ExportRecord, v note.Verifier) error {
	return VerifyExportRecordWith(SingleKey(v), rec)
}

// VerifyExportRecordWith is VerifyExportRecord with the checkpoint opened
// by open.
func VerifyExportRecordWith(open Opener, rec *api.ExportRecord) error {
	leafData, err := base64.StdEncoding.DecodeString(rec.Leaf)
	if err != nil {
		return &FieldError{"leaf", "is not standard base64"}
	}
	h, err := HeaderOf(&rec.Entry)
	if err != nil {
		return fmt.Errorf("%w: entry: %v", ErrProof, err)
	}
	if string(AppendLeaf(nil, &h)) != string(leafData) {
		return fmt.Errorf("%w: the leaf data is not the entry's", ErrProof)
	}
	_, err = VerifyInclusionWith(open, []byte(rec.Checkpoint), &rec.Proof, &rec.Entry)
	return err
}

// errStop ends a scan early.
var errStop = errors.New("stop")

// Records calls fn with every entry covered by the checkpoint cp, in index
// order, each with its leaf data and its inclusion proof to cp.
func (r *Reader) Records(ctx context.Context, cp Checkpoint, fn func(*api.ExportRecord) error) error {
	// Proofs of neighbouring entries share almost all their hashes: keep
	// every group this export reads, not only the upper levels.
	cache := newGroupCache(r.store, 1, 1<<16)
	next := int64(0)
	err := r.store.ScanAudit(ctx, 0, func(rec *store.AuditRecord) error {
		if rec.Index >= cp.Size {
			return errStop
		}
		if rec.Index != next {
			return fmt.Errorf("audit: entry %d is missing; run agentgov audit verify", next)
		}
		next++
		hs, err := translog.ProveInclusion(ctx, cache, rec.Index, cp.Size)
		if err != nil {
			return err
		}
		e, err := ToEntry(rec)
		if err != nil {
			return err
		}
		leaf := rec.Leaf
		lh := translog.LeafHash(leaf)
		out := api.ExportRecord{
			Entry:      e,
			Leaf:       base64.StdEncoding.EncodeToString(leaf),
			Proof:      api.InclusionProof{Index: rec.Index, TreeSize: cp.Size, LeafHash: base64.StdEncoding.EncodeToString(lh[:]), Hashes: encodeHashes(hs)},
			Checkpoint: string(cp.Note),
		}
		return fn(&out)
	})
	if errors.Is(err, errStop) {
		err = nil
	}
	if err == nil && next < cp.Size {
		err = fmt.Errorf("audit: the log ends at %d but the checkpoint covers %d; run agentgov audit verify", next, cp.Size)
	}
	return err
}
