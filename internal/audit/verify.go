package audit

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// Problem kinds reported by Verify. Every one of them is tampering or
// corruption; erased payloads are not problems.
const (
	KindMissing         = "missing_entry"       // an index has no entry (deleted, or the log was renumbered)
	KindModified        = "modified_entry"      // the entry no longer hashes to its stored leaf hash
	KindHashes          = "corrupt_tree_hashes" // the stored tree hashes of an entry are wrong
	KindPayloadModified = "modified_payload"    // payload or salt no longer match the committed digest
	KindPayloadDeleted  = "deleted_payload"     // a payload is gone and no erasure entry accounts for it
	KindBadErasure      = "invalid_erasure"     // an erasure entry that agentgov cannot have written
	KindCheckpoint      = "checkpoint_mismatch" // the recomputed tree differs from a signed checkpoint
	KindBadSignature    = "checkpoint_signature"
	KindTruncated       = "truncated" // a checkpoint covers entries the log no longer has
	KindUnreadable      = "unreadable"
)

// maxProblems bounds the report; the first problems are the useful ones.
const maxProblems = 1000

// Problem is one finding of Verify.
type Problem struct {
	Index  int64  `json:"index"`
	Kind   string `json:"kind"`
	Detail string `json:"detail"`
}

// Report is the outcome of Verify.
type Report struct {
	Origin string `json:"origin"`
	// Size is the number of entries read.
	Size int64 `json:"size"`
	// Checkpoints is the number of stored checkpoints checked.
	Checkpoints       int       `json:"checkpoints"`
	LatestCheckpoint  int64     `json:"latest_checkpoint_size"`
	ExternalChecked   bool      `json:"external_checkpoint_checked"`
	ExternalSize      int64     `json:"external_checkpoint_size,omitempty"`
	UncoveredEntries  int64     `json:"uncovered_entries"`
	Intact            bool      `json:"intact"`
	FirstBad          int64     `json:"first_bad_index"`
	Problems          []Problem `json:"problems"`
	ProblemsTruncated bool      `json:"problems_truncated,omitempty"`
	// Erased lists entries whose payload was erased by an erasure entry.
	Erased []int64 `json:"erased"`
}

func (r *Report) add(index int64, kind, format string, args ...any) {
	if r.FirstBad < 0 || index < r.FirstBad {
		r.FirstBad = index
	}
	if len(r.Problems) >= maxProblems {
		r.ProblemsTruncated = true
		return
	}
	r.Problems = append(r.Problems, Problem{Index: index, Kind: kind, Detail: fmt.Sprintf(format, args...)})
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	// Verifier checks the stored checkpoints; nil means the verifier key the
	// log recorded at creation. Pass an independently obtained key to
	// avoid trusting the store for it.
	Verifier note.Verifier
	// External is a checkpoint obtained outside the store (published,
	// witnessed, kept by an auditor), checked with ExternalVerifier.
	External         []byte
	ExternalVerifier note.Verifier
}

// ErrCannotVerify wraps failures that prevent verification from running at
// all, as opposed to tampering it found.
var ErrCannotVerify = errors.New("audit: cannot verify")

type sizedRoot struct {
	size int64
	root tlog.Hash
	what string
}

// Verify recomputes the whole log from the raw store: every leaf from its
// columns, every stored tree hash, every payload digest, and the tree head at
// every stored checkpoint (and an external one), and reports every
// discrepancy with the first bad index. It returns an error wrapping
// ErrCannotVerify only when it could not run; tampering is in the report.
func Verify(ctx context.Context, st store.Audit, o VerifyOptions) (*Report, error) {
	origin, err := st.GetMeta(ctx, metaOrigin)
	if err != nil {
		return nil, fmt.Errorf("%w: the store has no audit log identity: %v", ErrCannotVerify, err)
	}
	v := o.Verifier
	if v == nil {
		vkey, err := st.GetMeta(ctx, metaVerifierKey)
		if err != nil {
			return nil, fmt.Errorf("%w: the store records no verifier key: %v", ErrCannotVerify, err)
		}
		if v, err = note.NewVerifier(vkey); err != nil {
			return nil, fmt.Errorf("%w: stored verifier key: %v", ErrCannotVerify, err)
		}
	}
	rep := &Report{Origin: origin, FirstBad: -1, Problems: []Problem{}, Erased: []int64{}}

	var targets []sizedRoot
	err = st.ScanCheckpoints(ctx, func(c store.Checkpoint) error {
		rep.Checkpoints++
		cp, err := translog.Open(c.Note, origin, v)
		if err != nil {
			rep.add(c.Size, KindBadSignature, "stored checkpoint of size %d: %v", c.Size, err)
			return nil
		}
		if cp.Size != c.Size {
			rep.add(min(cp.Size, c.Size), KindBadSignature, "checkpoint stored as size %d signs size %d", c.Size, cp.Size)
			return nil
		}
		rep.LatestCheckpoint = max(rep.LatestCheckpoint, cp.Size)
		targets = append(targets, sizedRoot{cp.Size, cp.Root, "stored checkpoint"})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotVerify, err)
	}
	if o.External != nil {
		if o.ExternalVerifier == nil {
			return nil, fmt.Errorf("%w: an external checkpoint needs a public key", ErrCannotVerify)
		}
		cp, err := translog.Open(o.External, origin, o.ExternalVerifier)
		if err != nil {
			return nil, fmt.Errorf("%w: external checkpoint: %v", ErrCannotVerify, err)
		}
		rep.ExternalChecked, rep.ExternalSize = true, cp.Size
		targets = append(targets, sizedRoot{cp.Size, cp.Root, "external checkpoint"})
	}
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].size < targets[j].size })

	w := walker{rep: rep, f: translog.NewFrontier(), targets: targets, firstBadEntry: -1, missing: map[int64]bool{}, erased: map[int64]bool{}}
	w.checkTargets()
	if err := st.ScanAudit(ctx, 0, w.entry); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrCannotVerify, ctx.Err())
		}
		rep.add(w.next, KindUnreadable, "reading entries stopped at index %d: %v", w.next, err)
	}
	rep.Size = w.next
	w.finish()
	rep.UncoveredEntries = max(rep.Size-rep.LatestCheckpoint, 0)
	rep.Intact = len(rep.Problems) == 0
	return rep, nil
}

// walker carries the state of one pass over the entries.
type walker struct {
	rep    *Report
	f      *translog.Frontier
	next   int64 // the index expected next
	broken bool  // the tree can no longer be recomputed (an entry is missing)
	lastCp int64 // size of the last checkpoint the recomputed tree matched
	// firstBadEntry is the smallest index with an entry-level problem, or
	// -1; a checkpoint mismatch after it is its consequence, not news.
	firstBadEntry int64
	targets       []sizedRoot
	// missing holds payload-less entries not yet accounted for by an
	// erasure entry; erased holds those an erasure entry accounted for.
	missing map[int64]bool
	erased  map[int64]bool
	group   []byte
}

func (w *walker) entry(r *store.AuditRecord) error {
	if r.Index != w.next {
		if r.Index < w.next {
			w.rep.add(r.Index, KindUnreadable, "entry %d returned out of order", r.Index)
			return nil
		}
		w.rep.add(w.next, KindMissing, "entries %d to %d are missing", w.next, r.Index-1)
		w.broken = true
		w.next = r.Index
	}
	w.next = r.Index + 1
	leaf := translog.LeafHash(r.Leaf)
	if !w.broken {
		var err error
		w.group, err = w.f.Append(w.group[:0], leaf)
		if err != nil {
			return err
		}
		switch {
		case len(r.Hashes) < translog.HashSize || !bytes.Equal(r.Hashes[:translog.HashSize], leaf[:]):
			w.badEntry(r.Index, KindModified, "entry %d does not hash to its stored leaf hash", r.Index)
		case !bytes.Equal(r.Hashes, w.group):
			w.badEntry(r.Index, KindHashes, "the stored tree hashes of entry %d are wrong", r.Index)
		}
		w.checkTargets()
	} else if len(r.Hashes) < translog.HashSize || !bytes.Equal(r.Hashes[:translog.HashSize], leaf[:]) {
		w.rep.add(r.Index, KindModified, "entry %d does not hash to its stored leaf hash", r.Index)
	}
	w.payload(r)
	return nil
}

func (w *walker) payload(r *store.AuditRecord) {
	var digest [32]byte
	if d, ok := leafString(r.Leaf, "payload_sha256"); !ok || len(d) != 2*len(digest) || hexDecode(digest[:], d) != nil {
		w.badEntry(r.Index, KindModified, "entry %d has a malformed leaf (no payload digest)", r.Index)
		return
	}
	if typ, _ := leafString(r.Leaf, "type"); typ == TypePayloadErased {
		h, err := parseLeaf(r.Leaf)
		switch {
		case err != nil:
			w.badEntry(r.Index, KindModified, "erasure entry %d has a malformed leaf: %v", r.Index, err)
		case h.Source != SourceAgentgov:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d was written by %q, not by agentgov", r.Index, h.Source)
		case h.Ref < 0 || h.Ref >= r.Index:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d names entry %d, which does not precede it", r.Index, h.Ref)
		case !w.missing[h.Ref]:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d names entry %d, whose payload is still there or was erased before", r.Index, h.Ref)
		default:
			delete(w.missing, h.Ref)
			w.erased[h.Ref] = true
		}
	}
	switch {
	case r.Payload == nil && r.Salt == nil:
		// Accounted for only if a later erasure entry names it.
		w.missing[r.Index] = true
	case r.Payload == nil || r.Salt == nil:
		w.rep.add(r.Index, KindPayloadModified, "entry %d has half a payload (body or salt missing)", r.Index)
	case PayloadDigest(r.Salt, r.Payload) != digest:
		w.rep.add(r.Index, KindPayloadModified, "the payload of entry %d does not match its committed digest", r.Index)
	}
}

func (w *walker) badEntry(index int64, kind, format string, args ...any) {
	if w.firstBadEntry < 0 {
		w.firstBadEntry = index
	}
	w.rep.add(index, kind, format, args...)
}

func hexDecode(dst []byte, s string) error {
	_, err := hex.Decode(dst, []byte(s))
	return err
}

// checkTargets compares the recomputed tree with every checkpoint of the
// current size.
func (w *walker) checkTargets() {
	for len(w.targets) > 0 && w.targets[0].size <= w.f.Size() {
		t := w.targets[0]
		w.targets = w.targets[1:]
		if w.f.Root() != t.root {
			at := w.lastCp
			if w.firstBadEntry >= w.lastCp {
				at = w.firstBadEntry
			}
			w.rep.add(at, KindCheckpoint, "the recomputed tree of size %d differs from the %s of that size: an entry in [%d, %d) was altered", t.size, t.what, w.lastCp, t.size)
		} else {
			w.lastCp = t.size
		}
	}
}

func (w *walker) finish() {
	for _, t := range w.targets {
		if w.broken && t.size <= w.next {
			continue // already reported as missing entries
		}
		w.rep.add(w.next, KindTruncated, "the %s covers %d entries but the log has %d", t.what, t.size, w.next)
	}
	w.targets = nil
	for idx := range w.missing {
		if w.erased[idx] {
			continue
		}
		w.rep.add(idx, KindPayloadDeleted, "the payload of entry %d is gone and no erasure entry accounts for it", idx)
	}
	for idx := range w.erased {
		w.rep.Erased = append(w.rep.Erased, idx)
	}
	sort.Slice(w.rep.Erased, func(i, j int) bool { return w.rep.Erased[i] < w.rep.Erased[j] })
	sort.SliceStable(w.rep.Problems, func(i, j int) bool { return w.rep.Problems[i].Index < w.rep.Problems[j].Index })
}
