package translog

import (
	"bytes"
	"errors"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/internal/canonical"
)

// rotationDomain prefixes every rotation statement. A statement ends in
// '}', while the text of a signed note (a checkpoint) always ends in a
// newline, so a rotation signature can never be passed off as a checkpoint
// signature or the other way round, although the same key makes both; the
// prefix also keeps statements apart from anything else agentgov may sign
// with a log key later.
const rotationDomain = "agentgov/log-key-rotation/v1\x00"

// MaxChainKeys bounds a key chain: a key rotated every day for ten years
// needs fewer than 4,000.
const MaxChainKeys = 4096

// maxVerifierKeyLen bounds a note verifier key string (an Ed25519 key is
// about 100 bytes including its name).
const maxVerifierKeyLen = 1024

// ErrKeyChain marks a rotation or key chain that does not verify.
var ErrKeyChain = errors.New("translog: invalid key chain")

// Rotation is one link of a log's key chain: OldKey hands the log over to
// NewKey. Checkpoints of tree sizes up to and including Size are signed by
// OldKey, larger ones by NewKey. Signature is OldKey's signature over
// RotationStatement, so that anyone holding OldKey can follow the chain.
type Rotation struct {
	Origin    string
	OldKey    string // note verifier key
	NewKey    string // note verifier key
	Size      int64
	Signature []byte
}

// RotationStatement is the message a rotation signature covers: a domain
// prefix and the RFC 8785 canonical JSON object
// {"new_key":…,"old_key":…,"origin":…,"size":N}.
func RotationStatement(origin, oldKey, newKey string, size int64) []byte {
	b := make([]byte, 0, len(rotationDomain)+len(origin)+len(oldKey)+len(newKey)+64)
	b = append(b, rotationDomain...)
	b = append(b, `{"new_key":`...)
	b = canonical.AppendString(b, newKey)
	b = append(b, `,"old_key":`...)
	b = canonical.AppendString(b, oldKey)
	b = append(b, `,"origin":`...)
	b = canonical.AppendString(b, origin)
	b = append(b, `,"size":`...)
	b = canonical.AppendInt(b, size)
	return append(b, '}')
}

// SignRotation fills r.Signature with old's signature. old must be the
// signer of r.OldKey.
func SignRotation(old note.Signer, r *Rotation) error {
	v, err := checkRotationKeys(r)
	if err != nil {
		return err
	}
	if old.Name() != v[0].Name() || old.KeyHash() != v[0].KeyHash() {
		return fmt.Errorf("%w: the signing key is not the old key %q", ErrKeyChain, r.OldKey)
	}
	sig, err := old.Sign(RotationStatement(r.Origin, r.OldKey, r.NewKey, r.Size))
	if err != nil {
		return fmt.Errorf("translog: sign rotation: %w", err)
	}
	r.Signature = sig
	// A signer whose signature its own verifier rejects (a key file
	// that does not match) must not start a chain nobody can follow.
	if !v[0].Verify(RotationStatement(r.Origin, r.OldKey, r.NewKey, r.Size), sig) {
		return fmt.Errorf("%w: the old key's signer does not match its verifier key", ErrKeyChain)
	}
	return nil
}

// VerifyRotation checks a rotation on its own: both keys are Ed25519 note
// keys of the origin, they differ, the size is positive, and the old key
// signed the statement.
func VerifyRotation(r *Rotation) error {
	v, err := checkRotationKeys(r)
	if err != nil {
		return err
	}
	if !v[0].Verify(RotationStatement(r.Origin, r.OldKey, r.NewKey, r.Size), r.Signature) {
		return fmt.Errorf("%w: the rotation to %q at size %d is not signed by the old key %q", ErrKeyChain, r.NewKey, r.Size, r.OldKey)
	}
	return nil
}

func checkRotationKeys(r *Rotation) ([2]note.Verifier, error) {
	var out [2]note.Verifier
	if r.Size < 1 || r.Size > 1<<62 {
		return out, fmt.Errorf("%w: rotation size %d out of range", ErrKeyChain, r.Size)
	}
	for i, k := range []string{r.OldKey, r.NewKey} {
		v, err := parseChainKey(r.Origin, k)
		if err != nil {
			return out, err
		}
		out[i] = v
	}
	if r.OldKey == r.NewKey || out[0].KeyHash() == out[1].KeyHash() {
		return out, fmt.Errorf("%w: a rotation must change the key", ErrKeyChain)
	}
	return out, nil
}

func parseChainKey(origin, k string) (note.Verifier, error) {
	if len(k) > maxVerifierKeyLen {
		return nil, fmt.Errorf("%w: verifier key of %d bytes", ErrKeyChain, len(k))
	}
	v, err := note.NewVerifier(k)
	if err != nil {
		return nil, fmt.Errorf("%w: verifier key %q: %v", ErrKeyChain, k, err)
	}
	if v.Name() != origin {
		return nil, fmt.Errorf("%w: verifier key %q is for %q, not the log %q", ErrKeyChain, k, v.Name(), origin)
	}
	return v, nil
}

// SizeOf reads the tree size a checkpoint note claims, without checking
// any signature, so that the key for that size can be chosen.
func SizeOf(msg []byte, origin string) (int64, error) {
	if len(msg) > MaxNoteBytes {
		return 0, fmt.Errorf("%w: %d bytes exceeds %d", ErrCheckpoint, len(msg), MaxNoteBytes)
	}
	rest, ok := bytes.CutPrefix(msg, []byte(origin+"\n"))
	if !ok {
		return 0, fmt.Errorf("%w: not a checkpoint of log %q", ErrCheckpoint, origin)
	}
	line, _, ok := bytes.Cut(rest, []byte("\n"))
	if !ok || len(line) == 0 || len(line) > 19 {
		return 0, fmt.Errorf("%w: malformed tree size", ErrCheckpoint)
	}
	var n int64
	for _, c := range line {
		if c < '0' || c > '9' || (n == 0 && c == '0' && len(line) > 1) {
			return 0, fmt.Errorf("%w: malformed tree size %q", ErrCheckpoint, line)
		}
		n = n*10 + int64(c-'0')
	}
	if n < 0 || n > 1<<62 {
		return 0, fmt.Errorf("%w: size %s out of range", ErrCheckpoint, line)
	}
	return n, nil
}

// ChainKey is one key of a chain with the checkpoint sizes it signs.
type ChainKey struct {
	VerifierKey string
	Verifier    note.Verifier
	// FirstSize and LastSize bound the tree sizes of the checkpoints the
	// key signs; LastSize is -1 for the current key.
	FirstSize, LastSize int64
}

// covers reports whether the key signs checkpoints of size n.
func (k *ChainKey) covers(n int64) bool {
	return n >= k.FirstSize && (k.LastSize < 0 || n <= k.LastSize)
}

// KeyChain is the sequence of keys that sign a log's checkpoints, from the
// log's first key (the trust root) through every verified rotation. The
// zero value is not usable; build one with NewKeyChain.
type KeyChain struct {
	origin    string
	keys      []ChainKey
	rotations []Rotation
	// trusted, when set, replaces the verifier of the chain key with its
	// name and key hash, now and when it is added later.
	trusted   note.Verifier
	trustedAt int
}

// NewKeyChain starts a chain at the log's first key.
func NewKeyChain(origin, root string) (*KeyChain, error) {
	v, err := parseChainKey(origin, root)
	if err != nil {
		return nil, err
	}
	return &KeyChain{origin: origin, keys: []ChainKey{{VerifierKey: root, Verifier: v, FirstSize: 0, LastSize: -1}}, trustedAt: -1}, nil
}

// Origin is the log the chain belongs to.
func (c *KeyChain) Origin() string { return c.origin }

// Keys returns the keys, first to current.
func (c *KeyChain) Keys() []ChainKey { return append([]ChainKey(nil), c.keys...) }

// Rotations returns the verified rotations, oldest first.
func (c *KeyChain) Rotations() []Rotation { return append([]Rotation(nil), c.rotations...) }

// Current is the key that signs new checkpoints.
func (c *KeyChain) Current() ChainKey { return c.keys[len(c.keys)-1] }

// Root is the log's first key.
func (c *KeyChain) Root() ChainKey { return c.keys[0] }

// Len is the number of keys.
func (c *KeyChain) Len() int { return len(c.keys) }

// Clone returns an independent copy.
func (c *KeyChain) Clone() *KeyChain {
	return &KeyChain{origin: c.origin, keys: c.Keys(), rotations: c.Rotations(), trusted: c.trusted, trustedAt: c.trustedAt}
}

// Trust makes the chain check the key with v's name and key hash with v
// itself, so that a look-alike key (same name, same 32-bit key hash) in an
// untrusted store or document is checked against the real key material.
// It returns the key's position, or -1 while the chain does not hold it
// (a key added later by Extend is then checked with v as well).
func (c *KeyChain) Trust(v note.Verifier) int {
	c.trusted, c.trustedAt = v, -1
	for i := range c.keys {
		if c.keys[i].Verifier.Name() == v.Name() && c.keys[i].Verifier.KeyHash() == v.KeyHash() {
			c.keys[i].Verifier = v
			c.trustedAt = i
			return i
		}
	}
	return -1
}

// Trusted returns the position of the key set by Trust, or -1.
func (c *KeyChain) Trusted() int { return c.trustedAt }

// Extend verifies r as the next link and appends its new key. The
// rotation must be signed by the current key, hand over at a size the
// current key has reached, and name a key the chain has never used.
func (c *KeyChain) Extend(r Rotation) error {
	if r.Origin != c.origin {
		return fmt.Errorf("%w: rotation for log %q in the chain of %q", ErrKeyChain, r.Origin, c.origin)
	}
	cur := &c.keys[len(c.keys)-1]
	if r.OldKey != cur.VerifierKey {
		return fmt.Errorf("%w: the rotation at size %d hands over from %q, but the key in use since size %d is %q", ErrKeyChain, r.Size, r.OldKey, cur.FirstSize, cur.VerifierKey)
	}
	if r.Size < cur.FirstSize {
		return fmt.Errorf("%w: the rotation at size %d precedes the previous rotation (the current key signs from size %d)", ErrKeyChain, r.Size, cur.FirstSize)
	}
	if len(c.keys) >= MaxChainKeys {
		return fmt.Errorf("%w: more than %d keys", ErrKeyChain, MaxChainKeys)
	}
	if err := VerifyRotation(&r); err != nil {
		return err
	}
	// The current key may be one the verifier trusts: check the signature
	// with the key material it holds too, not only with the string the
	// rotation names.
	if !cur.Verifier.Verify(RotationStatement(r.Origin, r.OldKey, r.NewKey, r.Size), r.Signature) {
		return fmt.Errorf("%w: the rotation at size %d is not signed by the trusted key", ErrKeyChain, r.Size)
	}
	nv, _ := note.NewVerifier(r.NewKey) // checked by VerifyRotation
	for _, k := range c.keys {
		if k.VerifierKey == r.NewKey || k.Verifier.KeyHash() == nv.KeyHash() {
			return fmt.Errorf("%w: the rotation at size %d returns to a key the log used before", ErrKeyChain, r.Size)
		}
	}
	cur.LastSize = r.Size
	r.Signature = bytes.Clone(r.Signature)
	c.rotations = append(c.rotations, r)
	var v note.Verifier = nv
	if c.trusted != nil && c.trustedAt < 0 && c.trusted.Name() == nv.Name() && c.trusted.KeyHash() == nv.KeyHash() {
		v = c.trusted
		c.trustedAt = len(c.keys)
	}
	c.keys = append(c.keys, ChainKey{VerifierKey: r.NewKey, Verifier: v, FirstSize: r.Size + 1, LastSize: -1})
	return nil
}

// KeyFor returns the position in the chain of the key that signs
// checkpoints of size n.
func (c *KeyChain) KeyFor(n int64) int {
	for i := range c.keys {
		if c.keys[i].covers(n) {
			return i
		}
	}
	return len(c.keys) - 1
}

// Index returns the position of a verifier key in the chain, or -1.
func (c *KeyChain) Index(verifierKey string) int {
	for i := range c.keys {
		if c.keys[i].VerifierKey == verifierKey {
			return i
		}
	}
	return -1
}

// Open checks a checkpoint against the chain: it must be signed by the key
// that was in use at its tree size. It returns the checkpoint and the
// position of the key that signed it.
func (c *KeyChain) Open(msg []byte) (Checkpoint, int, error) {
	return c.OpenFrom(msg, 0)
}

// OpenFrom is Open for a verifier who trusts only the keys from position
// first onward (it holds a later key, not the log's first): a checkpoint
// signed by an earlier key is refused, with the reason.
func (c *KeyChain) OpenFrom(msg []byte, first int) (Checkpoint, int, error) {
	// The common case costs one signature check: the key the chain
	// assigns to the size the note claims.
	if n, err := SizeOf(msg, c.origin); err == nil {
		if i := c.KeyFor(n); i >= first && c.keys[i].covers(n) {
			if cp, err := Open(msg, c.origin, c.keys[i].Verifier); err == nil && cp.Size == n {
				return cp, i, nil
			}
		}
	}
	// Otherwise find out which key, if any, signed it, to say why it is
	// refused.
	var misplaced error
	var lastErr error
	for i := range c.keys {
		k := &c.keys[i]
		cp, err := Open(msg, c.origin, k.Verifier)
		if err != nil {
			lastErr = err
			continue
		}
		switch {
		case !k.covers(cp.Size):
			last := "on"
			if k.LastSize >= 0 {
				last = fmt.Sprintf("to %d", k.LastSize)
			}
			misplaced = fmt.Errorf("%w: the checkpoint of size %d is signed by key %d of the chain (%s), which signs only sizes %d %s", ErrCheckpoint, cp.Size, i, k.VerifierKey, k.FirstSize, last)
		case i < first:
			misplaced = fmt.Errorf("%w: the checkpoint of size %d is signed by key %d of the chain (%s), which precedes the trusted key; verify with the log's first key", ErrCheckpoint, cp.Size, i, k.VerifierKey)
		default:
			return cp, i, nil
		}
	}
	if misplaced != nil {
		return Checkpoint{}, -1, misplaced
	}
	if len(c.keys) == 1 && lastErr != nil {
		return Checkpoint{}, -1, lastErr
	}
	return Checkpoint{}, -1, fmt.Errorf("%w: not signed by any key of the log's key chain (%d keys)", ErrCheckpoint, len(c.keys))
}
