package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// TypeKeyRotation is the type of the entry that hands the log over to a new
// signing key. Only the log itself writes it (source agentgov); its payload
// is the signed rotation, so it can never be erased.
const TypeKeyRotation = "key_rotation"

// maxRotationPayload bounds a rotation payload: two verifier keys, an
// origin and a signature.
const maxRotationPayload = 8 << 10

// maxKeyChainDoc bounds a key chain document.
const maxKeyChainDoc = 8 << 20

// Rotation is a completed rotation of the log key.
type Rotation struct {
	// Index is the key_rotation entry; Size = Index+1 is the last tree
	// size the old key signs.
	Index, Size    int64
	OldKey, NewKey string
	// Checkpoint is the checkpoint of Size signed by the old key.
	Checkpoint []byte
}

// rotationPayload mirrors the payload of a key_rotation entry.
type rotationPayload struct {
	NewKey    string `json:"new_key"`
	OldKey    string `json:"old_key"`
	Origin    string `json:"origin"`
	Signature string `json:"signature"`
	Size      *int64 `json:"size"`
}

// marshalRotation is the canonical payload of a rotation entry.
func marshalRotation(r *translog.Rotation) ([]byte, error) {
	return canonical.Marshal(map[string]any{
		"new_key": r.NewKey, "old_key": r.OldKey, "origin": r.Origin,
		"signature": base64.StdEncoding.EncodeToString(r.Signature), "size": r.Size,
	})
}

// ParseRotationPayload decodes the payload of a key_rotation entry. It
// checks the form (every member present, nothing else, a 64-byte
// signature); whether the rotation verifies is KeyChain.Extend's question.
func ParseRotationPayload(b []byte) (translog.Rotation, error) {
	if len(b) > maxRotationPayload {
		return translog.Rotation{}, fmt.Errorf("rotation payload is %d bytes; the limit is %d", len(b), maxRotationPayload)
	}
	var p rotationPayload
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return translog.Rotation{}, fmt.Errorf("rotation payload: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return translog.Rotation{}, errors.New("rotation payload: data after the object")
	}
	return rotationFrom(p.Origin, p.OldKey, p.NewKey, p.Signature, p.Size)
}

func rotationFrom(origin, oldKey, newKey, sig string, size *int64) (translog.Rotation, error) {
	switch {
	case origin == "":
		return translog.Rotation{}, errors.New("rotation: origin is required")
	case oldKey == "" || newKey == "":
		return translog.Rotation{}, errors.New("rotation: old_key and new_key are required")
	case size == nil:
		return translog.Rotation{}, errors.New("rotation: size is required")
	case *size < 1 || *size > MaxRef+1:
		return translog.Rotation{}, fmt.Errorf("rotation: size %d out of range", *size)
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(sig)
	if err != nil || len(raw) != 64 {
		return translog.Rotation{}, errors.New("rotation: signature must be 64 bytes in standard base64")
	}
	return translog.Rotation{Origin: origin, OldKey: oldKey, NewKey: newKey, Size: *size, Signature: raw}, nil
}

// rotationOf reads the rotation an entry of type key_rotation records and
// checks that it belongs where it is: written by agentgov, payload intact,
// handing over exactly after its own position.
func rotationOf(r *store.AuditRecord) (translog.Rotation, error) {
	h, err := parseLeaf(r.Leaf)
	if err != nil {
		return translog.Rotation{}, err
	}
	if h.Type != TypeKeyRotation {
		return translog.Rotation{}, fmt.Errorf("entry %d is a %q entry", r.Index, h.Type)
	}
	if h.Source != SourceAgentgov {
		return translog.Rotation{}, fmt.Errorf("it was written by %q, not by agentgov", h.Source)
	}
	if r.Payload == nil || r.Salt == nil {
		return translog.Rotation{}, errors.New("its payload (the signed rotation) is gone")
	}
	if PayloadDigest(r.Salt, r.Payload) != h.PayloadSHA256 {
		return translog.Rotation{}, errors.New("its payload does not match the committed digest")
	}
	rot, err := ParseRotationPayload(r.Payload)
	if err != nil {
		return translog.Rotation{}, err
	}
	if rot.Size != r.Index+1 {
		return translog.Rotation{}, fmt.Errorf("it hands over at size %d but sits at index %d (size %d)", rot.Size, r.Index, r.Index+1)
	}
	return rot, nil
}

// LoadKeyChain rebuilds a log's key chain from its store: the first key
// the log recorded, extended by every key_rotation entry in order, each
// verified against the key before it. It reads the rotations through the
// query index; Verify, which trusts no index, rebuilds the chain from
// every entry instead.
func LoadKeyChain(ctx context.Context, st store.Audit) (*translog.KeyChain, error) {
	origin, err := st.GetMeta(ctx, metaOrigin)
	if err != nil {
		return nil, fmt.Errorf("audit: the store has no audit log identity: %w", err)
	}
	root, err := st.GetMeta(ctx, metaVerifierKey)
	if err != nil {
		return nil, fmt.Errorf("audit: the store records no verifier key: %w", err)
	}
	return loadKeyChain(ctx, st, origin, root)
}

func loadKeyChain(ctx context.Context, st store.Audit, origin, root string) (*translog.KeyChain, error) {
	chain, err := translog.NewKeyChain(origin, root)
	if err != nil {
		return nil, err
	}
	from := int64(0)
	for {
		recs, err := st.QueryAudit(ctx, store.AuditQuery{Type: TypeKeyRotation, From: from, Limit: 500})
		if err != nil {
			return nil, err
		}
		for i := range recs {
			rot, err := rotationOf(&recs[i])
			if err == nil {
				err = chain.Extend(rot)
			}
			if err != nil {
				return nil, fmt.Errorf("%w: key rotation entry %d: %v", ErrLogBroken, recs[i].Index, err)
			}
			from = recs[i].Index + 1
		}
		if len(recs) < 500 {
			return chain, nil
		}
	}
}

// KeysOf renders a key chain as its wire form.
func KeysOf(c *translog.KeyChain) api.LogKeys {
	out := api.LogKeys{Origin: c.Origin(), VerifierKey: c.Current().VerifierKey, RootKey: c.Root().VerifierKey,
		Keys: []api.LogKey{}, Rotations: []api.KeyRotation{}}
	for _, k := range c.Keys() {
		lk := api.LogKey{VerifierKey: k.VerifierKey, FirstSize: k.FirstSize}
		if k.LastSize >= 0 {
			last := k.LastSize
			lk.LastSize = &last
		}
		out.Keys = append(out.Keys, lk)
	}
	for _, r := range c.Rotations() {
		out.Rotations = append(out.Rotations, api.KeyRotation{Index: r.Size - 1, OldKey: r.OldKey, NewKey: r.NewKey, Size: r.Size,
			Signature: base64.StdEncoding.EncodeToString(r.Signature)})
	}
	return out
}

// ParseKeyChain decodes a key chain document (api.LogKeys) and rebuilds
// the chain from its root key and rotations, verifying every rotation
// signature. The keys list and current key must agree with what the
// rotations prove. The document's root is whatever it says: the caller
// decides whether it trusts it (TrustedIndex).
func ParseKeyChain(doc []byte) (*translog.KeyChain, error) {
	if len(doc) > maxKeyChainDoc {
		return nil, fmt.Errorf("%w: key chain document of %d bytes exceeds %d", translog.ErrKeyChain, len(doc), maxKeyChainDoc)
	}
	var lk api.LogKeys
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&lk); err != nil {
		return nil, fmt.Errorf("%w: key chain document: %v", translog.ErrKeyChain, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: key chain document: data after the object", translog.ErrKeyChain)
	}
	if len(lk.Rotations) >= translog.MaxChainKeys {
		return nil, fmt.Errorf("%w: more than %d rotations", translog.ErrKeyChain, translog.MaxChainKeys-1)
	}
	chain, err := translog.NewKeyChain(lk.Origin, lk.RootKey)
	if err != nil {
		return nil, err
	}
	for i, r := range lk.Rotations {
		size := r.Size
		rot, err := rotationFrom(lk.Origin, r.OldKey, r.NewKey, r.Signature, &size)
		if err != nil {
			return nil, fmt.Errorf("%w: rotations[%d]: %v", translog.ErrKeyChain, i, err)
		}
		if r.Index != r.Size-1 {
			return nil, fmt.Errorf("%w: rotations[%d]: index %d does not precede size %d", translog.ErrKeyChain, i, r.Index, r.Size)
		}
		if err := chain.Extend(rot); err != nil {
			return nil, fmt.Errorf("rotations[%d]: %w", i, err)
		}
	}
	want := KeysOf(chain)
	if lk.VerifierKey != want.VerifierKey {
		return nil, fmt.Errorf("%w: verifier_key is not the key the rotations lead to (%s)", translog.ErrKeyChain, want.VerifierKey)
	}
	if len(lk.Keys) != len(want.Keys) {
		return nil, fmt.Errorf("%w: keys lists %d keys; the rotations prove %d", translog.ErrKeyChain, len(lk.Keys), len(want.Keys))
	}
	for i := range want.Keys {
		g, w := lk.Keys[i], want.Keys[i]
		if g.VerifierKey != w.VerifierKey || g.FirstSize != w.FirstSize || (g.LastSize == nil) != (w.LastSize == nil) || (g.LastSize != nil && *g.LastSize != *w.LastSize) {
			return nil, fmt.Errorf("%w: keys[%d] disagrees with the rotations", translog.ErrKeyChain, i)
		}
	}
	return chain, nil
}

// TrustedIndex returns the position in chain of the key a verifier trusts,
// after making the chain check that key's signatures with the trusted
// verifier itself (so that a look-alike key in an untrusted document or
// store, with the same name and key hash, gains nothing). It fails when
// the trusted key is not in the chain.
func TrustedIndex(chain *translog.KeyChain, trusted note.Verifier) (int, error) {
	i := chain.Trust(trusted)
	if i < 0 {
		return -1, fmt.Errorf("%w: the trusted key %s+%08x is not in the key chain of log %q (first key %s)", translog.ErrKeyChain, trusted.Name(), trusted.KeyHash(), chain.Origin(), chain.Root().VerifierKey)
	}
	return i, nil
}

// keyState is the log's signing keys: the chain and the signer of its
// current key, plus, right after a rotation, the previous key's signer,
// kept only until the checkpoint that covers the rotation is stored.
type keyState struct {
	chain   *translog.KeyChain
	signer  note.Signer
	retired note.Signer
}

// signerFor returns the signer of the key that signs checkpoints of size n.
func (ks *keyState) signerFor(n int64) (note.Signer, error) {
	i, last := ks.chain.KeyFor(n), ks.chain.Len()-1
	switch {
	case i == last:
		return ks.signer, nil
	case i == last-1 && ks.retired != nil:
		return ks.retired, nil
	}
	return nil, fmt.Errorf("audit: a checkpoint of size %d must be signed by key %d of the chain, which has been retired", n, i)
}

// keysFor picks the signer of the chain's current key from what Open was
// given.
func keysFor(chain *translog.KeyChain, o Options) (keyState, error) {
	cur := chain.Current().VerifierKey
	if cur == o.VerifierKey {
		return keyState{chain: chain, signer: o.Signer}, nil
	}
	if o.PendingSigner != nil && cur == o.PendingVerifierKey {
		pv, err := note.NewVerifier(o.PendingVerifierKey)
		if err != nil || o.PendingSigner.Name() != pv.Name() || o.PendingSigner.KeyHash() != pv.KeyHash() {
			return keyState{}, errors.New("audit: the staged signing key does not match its verifier key")
		}
		ks := keyState{chain: chain, signer: o.PendingSigner}
		if keys := chain.Keys(); len(keys) >= 2 && keys[len(keys)-2].VerifierKey == o.VerifierKey {
			ks.retired = o.Signer
		}
		return ks, nil
	}
	if chain.Len() == 1 {
		return keyState{}, fmt.Errorf("audit: this log was created with the log signing key %q; the configured value is %q", cur, o.VerifierKey)
	}
	return keyState{}, fmt.Errorf("audit: after %d key rotations this log is signed by %q; the configured signing key is %q", chain.Len()-1, cur, o.VerifierKey)
}

// rotateReq carries a rotation through the sequencer.
type rotateReq struct {
	next    note.Signer
	nextKey string
	// Set by the sequencer: the rotation, the old key's checkpoint of the
	// tree that ends with the rotation entry, and the keys after it.
	rotation translog.Rotation
	note     []byte
	keys     keyState
}

// sealRotation builds the payload of rotation request r, which the
// sequencer has placed at index idx: the rotation statement for size
// idx+1, signed by the current key, verified as the next link of the chain.
func (l *Log) sealRotation(r *request, idx int64, ks *keyState) error {
	rot := translog.Rotation{Origin: l.origin, OldKey: ks.chain.Current().VerifierKey, NewKey: r.rot.nextKey, Size: idx + 1}
	if err := translog.SignRotation(ks.signer, &rot); err != nil {
		return err
	}
	chain := ks.chain.Clone()
	if err := chain.Extend(rot); err != nil {
		return err
	}
	payload, err := marshalRotation(&rot)
	if err != nil {
		return err
	}
	if err := l.preparePayload(r, payload, false); err != nil {
		return err
	}
	r.rot.rotation = rot
	r.rot.keys = keyState{chain: chain, signer: r.rot.next, retired: ks.signer}
	return nil
}

// RotateKey hands the log over to a new signing key. It appends a
// key_rotation entry whose payload is the rotation signed by the current
// key, has the current key sign the checkpoint of the tree that ends with
// that entry, and from then on signs with next. Appends continue while it
// runs; the rotation entry commits alone.
//
// The caller must keep next's private key durable before calling (a
// crash after the entry commits leaves a log that only next can extend).
func (l *Log) RotateKey(ctx context.Context, next note.Signer, nextKey, reason string) (Rotation, error) {
	nv, err := note.NewVerifier(nextKey)
	if err != nil {
		return Rotation{}, fmt.Errorf("audit: new verifier key: %w", err)
	}
	if next == nil || next.Name() != l.origin || nv.Name() != l.origin || next.KeyHash() != nv.KeyHash() {
		return Rotation{}, fmt.Errorf("audit: the new signing key does not belong to origin %q", l.origin)
	}
	if err := checkText("reason", reason, maxTextLen, false); err != nil {
		return Rotation{}, err
	}
	if l.min != nil && reason != "" {
		if reason, err = l.MinimiseText(ctx, reason); err != nil {
			return Rotation{}, fmt.Errorf("audit: %w", err)
		}
	}
	l.rmu.Lock()
	defer l.rmu.Unlock()
	rr := &rotateReq{next: next, nextKey: nextKey}
	r := l.pool.Get().(*request)
	r.erase, r.rot = -1, rr
	r.hdr = Header{Type: TypeKeyRotation, Agent: SourceAgentgov, Action: "rotate_log_key", Decision: "rotated",
		Reason: reason, Source: SourceAgentgov, Ref: -1}
	// Once queued, the rotation must be seen through: the caller learns
	// whether the log changed keys, whatever happens to its context.
	idx, err := l.submit(context.WithoutCancel(ctx), r)
	if err != nil {
		return Rotation{}, err
	}
	out := Rotation{Index: idx, Size: idx + 1, OldKey: rr.rotation.OldKey, NewKey: nextKey, Checkpoint: rr.note}
	c := Checkpoint{Size: idx + 1, Note: rr.note, Created: l.now().UTC().Format(api.TimeLayout)}
	if err := l.st.PutCheckpoint(context.WithoutCancel(ctx), c); err != nil {
		return out, fmt.Errorf("audit: the log now signs with the new key, but storing the old key's checkpoint of size %d failed: %w", c.Size, err)
	}
	l.m.checkpointed(c.Size)
	l.dropRetired()
	l.log.Info("audit log key rotated", "index", idx, "size", idx+1, "new_key", nextKey)
	return out, nil
}

// dropRetired forgets the previous key's signer: once the checkpoint that
// covers its rotation is stored, nothing is left for it to sign.
func (l *Log) dropRetired() {
	l.fmu.Lock()
	l.keys.retired = nil
	l.fmu.Unlock()
}

// finishInterruptedRotation stores the old key's checkpoint of the last
// rotation when a crash came between the rotation entry and it.
func (l *Log) finishInterruptedRotation(ctx context.Context) error {
	rots := l.keys.chain.Rotations()
	n := rots[len(rots)-1].Size
	if _, err := l.st.CheckpointAt(ctx, n); err == nil {
		l.dropRetired()
		return nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	root, err := translog.Root(ctx, l.st, n)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrLogBroken, err)
	}
	msg, err := translog.Sign(l.keys.retired, l.origin, n, root)
	if err != nil {
		return err
	}
	if err := l.st.PutCheckpoint(ctx, Checkpoint{Size: n, Note: msg, Created: l.now().UTC().Format(api.TimeLayout)}); err != nil {
		return err
	}
	l.dropRetired()
	return nil
}

// CurrentKey is the verifier key that signs new checkpoints.
func (l *Log) CurrentKey() string {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	return l.keys.chain.Current().VerifierKey
}

// KeyChain returns a copy of the log's key chain.
func (l *Log) KeyChain() *translog.KeyChain {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	return l.keys.chain.Clone()
}

// Keys is the log's key chain in wire form.
func (l *Log) Keys(context.Context) (api.LogKeys, error) {
	return KeysOf(l.KeyChain()), nil
}

// Keys reads the key chain of the log from the store.
func (r *Reader) Keys(ctx context.Context) (api.LogKeys, error) {
	c, err := LoadKeyChain(ctx, r.store)
	if err != nil {
		return api.LogKeys{}, err
	}
	return KeysOf(c), nil
}
