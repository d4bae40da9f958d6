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
	KindBadRotation     = "invalid_key_rotation" // a key_rotation entry that does not extend the key chain
	KindUntrustedKey    = "untrusted_key"        // the trusted key does not authenticate the log's key chain
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
	// Keys is the key chain the log proves, first key to current, and
	// TrustedKey the position in it of the key verification started from
	// (-1: not in the chain).
	Keys       []ReportKey `json:"keys"`
	TrustedKey int         `json:"trusted_key"`
}

// ReportKey is one key of the verified chain.
type ReportKey struct {
	VerifierKey string `json:"verifier_key"`
	FirstSize   int64  `json:"first_size"`
	LastSize    *int64 `json:"last_size,omitempty"`
	// RotationIndex is the entry that introduced the key (absent for the
	// first key).
	RotationIndex *int64 `json:"rotation_index,omitempty"`
	// Checkpoints counts the stored checkpoints it signed that verified.
	Checkpoints int `json:"checkpoints"`
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
	// Verifier is the key verification trusts; nil means the first key
	// the log recorded at creation. Pass an independently obtained key to
	// avoid trusting the store for it. The log's first key authenticates
	// every later key through the signed rotation entries; a later key of
	// the chain authenticates the earlier ones only through a checkpoint
	// it signed that matches the recomputed tree.
	Verifier note.Verifier
	// External is a checkpoint obtained outside the store (published,
	// witnessed, kept by an auditor), checked with ExternalVerifier, or,
	// when that is nil, with the key of the chain in use at its size.
	External         []byte
	ExternalVerifier note.Verifier
}

// ErrCannotVerify wraps failures that prevent verification from running at
// all, as opposed to tampering it found.
var ErrCannotVerify = errors.New("audit: cannot verify")

// sizedRoot is a checkpoint to compare the recomputed tree with. Stored
// checkpoints are opened (their signature checked) when the walk reaches
// their size, with the key the chain assigns to it by then.
type sizedRoot struct {
	size     int64
	root     tlog.Hash
	note     []byte
	what     string
	opened   bool
	stored   bool
	external bool
	key      int // position in the chain of the key that signed it
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
	root, err := st.GetMeta(ctx, metaVerifierKey)
	if err != nil {
		return nil, fmt.Errorf("%w: the store records no verifier key: %v", ErrCannotVerify, err)
	}
	rep := &Report{Origin: origin, FirstBad: -1, Problems: []Problem{}, Erased: []int64{}, Keys: []ReportKey{}}
	// The chain starts at the first key the store names and grows with
	// every rotation entry the walk meets; each checkpoint is opened once
	// the walk has passed every rotation that precedes its size.
	chain, err := translog.NewKeyChain(origin, root)
	if err != nil {
		return nil, fmt.Errorf("%w: stored verifier key: %v", ErrCannotVerify, err)
	}
	trusted := 0
	if o.Verifier != nil {
		if o.Verifier.Name() != origin {
			return nil, fmt.Errorf("%w: the trusted key is for log %q, this log is %q", ErrCannotVerify, o.Verifier.Name(), origin)
		}
		trusted = chain.Trust(o.Verifier)
	}

	var targets []sizedRoot
	err = st.ScanCheckpoints(ctx, func(c store.Checkpoint) error {
		rep.Checkpoints++
		targets = append(targets, sizedRoot{size: c.Size, note: bytes.Clone(c.Note), what: "stored checkpoint", stored: true})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCannotVerify, err)
	}
	if o.External != nil {
		t := sizedRoot{note: o.External, what: "external checkpoint", external: true}
		if o.ExternalVerifier != nil {
			cp, err := translog.Open(o.External, origin, o.ExternalVerifier)
			if err != nil {
				return nil, fmt.Errorf("%w: external checkpoint: %v", ErrCannotVerify, err)
			}
			t.size, t.root, t.opened = cp.Size, cp.Root, true
		} else {
			n, err := translog.SizeOf(o.External, origin)
			if err != nil {
				return nil, fmt.Errorf("%w: external checkpoint: %v", ErrCannotVerify, err)
			}
			t.size = n
		}
		rep.ExternalChecked, rep.ExternalSize = true, t.size
		targets = append(targets, t)
	}
	sort.SliceStable(targets, func(i, j int) bool { return targets[i].size < targets[j].size })

	w := walker{rep: rep, f: translog.NewFrontier(), targets: targets, firstBadEntry: -1, missing: map[int64]bool{}, erased: map[int64]bool{},
		chain: chain, trusted: trusted, anchored: trusted == 0, rotations: map[int64]bool{}, signed: map[int]int{}}
	w.checkTargets()
	if err := st.ScanAudit(ctx, 0, w.entry); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: %v", ErrCannotVerify, ctx.Err())
		}
		rep.add(w.next, KindUnreadable, "reading entries stopped at index %d: %v", w.next, err)
	}
	rep.Size = w.next
	w.finish()
	w.reportKeys()
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
	// chain grows with each verified rotation entry; trusted is the
	// position of the trusted key in it (-1 until seen), anchored whether
	// the keys before it are authenticated (always, when it is the first).
	chain      *translog.KeyChain
	trusted    int
	anchored   bool
	rotations  map[int64]bool
	chainEnd   bool        // a rotation failed: later keys are unknown
	chainEndAt int64       // the size that rotation claimed
	signed     map[int]int // verified stored checkpoints per key
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
	typ, _ := leafString(r.Leaf, "type")
	if typ == TypeKeyRotation {
		w.rotation(r)
	}
	if typ == TypePayloadErased {
		h, err := parseLeaf(r.Leaf)
		switch {
		case err != nil:
			w.badEntry(r.Index, KindModified, "erasure entry %d has a malformed leaf: %v", r.Index, err)
		case h.Source != SourceAgentgov:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d was written by %q, not by agentgov", r.Index, h.Source)
		case h.Ref < 0 || h.Ref >= r.Index:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d names entry %d, which does not precede it", r.Index, h.Ref)
		case w.rotations[h.Ref]:
			w.rep.add(r.Index, KindBadErasure, "erasure entry %d names entry %d, a key rotation, whose payload agentgov never erases", r.Index, h.Ref)
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
		if !w.open(&t) {
			continue
		}
		if w.f.Root() != t.root {
			at := w.lastCp
			if w.firstBadEntry >= w.lastCp {
				at = w.firstBadEntry
			}
			w.rep.add(at, KindCheckpoint, "the recomputed tree of size %d differs from the %s of that size: an entry in [%d, %d) was altered", t.size, t.what, w.lastCp, t.size)
		} else {
			w.lastCp = t.size
			if t.stored {
				w.signed[t.key]++
			}
			// A checkpoint signed by the trusted key (or a key it
			// handed over to) that matches the recomputed tree
			// vouches for every entry before it, the rotations that
			// introduced the earlier keys included.
			if w.trusted >= 0 && t.key >= w.trusted && !t.external {
				w.anchored = true
			}
		}
	}
}

// open checks the signature of a checkpoint with the key the chain assigns
// to its size, reporting it if it fails.
func (w *walker) open(t *sizedRoot) bool {
	if t.opened {
		return true
	}
	cp, k, err := w.chain.Open(t.note)
	if err != nil {
		if w.chainEnd && t.size > w.chainEndAt {
			w.rep.add(t.size, KindBadSignature, "the %s of size %d is not signed by the key in use before the invalid rotation at size %d, and the chain cannot be followed past it", t.what, t.size, w.chainEndAt)
		} else {
			w.rep.add(t.size, KindBadSignature, "%s of size %d: %v", t.what, t.size, err)
		}
		return false
	}
	if cp.Size != t.size {
		w.rep.add(min(cp.Size, t.size), KindBadSignature, "checkpoint stored as size %d signs size %d", t.size, cp.Size)
		return false
	}
	t.root, t.key, t.opened = cp.Root, k, true
	if t.stored {
		w.rep.LatestCheckpoint = max(w.rep.LatestCheckpoint, cp.Size)
	}
	return true
}

// rotation extends the chain with a key_rotation entry, or reports why it
// cannot.
func (w *walker) rotation(r *store.AuditRecord) {
	w.rotations[r.Index] = true
	if w.chainEnd {
		w.rep.add(r.Index, KindBadRotation, "key rotation entry %d follows an invalid rotation and cannot be checked", r.Index)
		return
	}
	rot, err := rotationOf(r)
	if err == nil {
		err = w.chain.Extend(rot)
	}
	if err != nil {
		w.chainEnd, w.chainEndAt = true, r.Index+1
		w.rep.add(r.Index, KindBadRotation, "key rotation entry %d: %v; checkpoints after size %d cannot be attributed to a key", r.Index, err, r.Index+1)
		return
	}
	if w.trusted < 0 {
		w.trusted = w.chain.Trusted()
	}
}

// reportKeys lists the chain and reports a trusted key that authenticates
// nothing.
func (w *walker) reportKeys() {
	rots := w.chain.Rotations()
	for i, k := range w.chain.Keys() {
		rk := ReportKey{VerifierKey: k.VerifierKey, FirstSize: k.FirstSize, Checkpoints: w.signed[i]}
		if k.LastSize >= 0 {
			last := k.LastSize
			rk.LastSize = &last
		}
		if i > 0 {
			idx := rots[i-1].Size - 1
			rk.RotationIndex = &idx
		}
		w.rep.Keys = append(w.rep.Keys, rk)
	}
	w.rep.TrustedKey = w.trusted
	switch {
	case w.trusted < 0:
		w.rep.add(0, KindUntrustedKey, "the trusted key is neither the log's first key (%s) nor a key it was rotated to", w.chain.Root().VerifierKey)
	case !w.anchored:
		w.rep.add(0, KindUntrustedKey, "the trusted key is key %d of the chain, and no checkpoint it (or a later key) signed matches the log, so the keys before it are not authenticated; verify with the log's first key (%s)", w.trusted, w.chain.Root().VerifierKey)
	}
	sort.SliceStable(w.rep.Problems, func(i, j int) bool { return w.rep.Problems[i].Index < w.rep.Problems[j].Index })
}

func (w *walker) finish() {
	for _, t := range w.targets {
		if w.broken && t.size <= w.next {
			continue // already reported as missing entries
		}
		if !w.open(&t) {
			continue
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
