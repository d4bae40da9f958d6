package agentgov

import (
	"context"
	"encoding/base64"
	"fmt"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
)

// RotateKey hands the log over to a new signing key: a key_rotation entry
// signed by the old key, the old key's checkpoint covering it, and the new
// key for every checkpoint after. For a log in a data directory the new
// key replaces keys/log.key and the first key is kept in
// keys/log.root.pub. Every earlier checkpoint stays verifiable.
func (l *Log) RotateKey(ctx context.Context, reason string) (api.KeyRotateResponse, error) {
	r, err := l.keys.Rotate(ctx, reason)
	if err != nil {
		return api.KeyRotateResponse{}, err
	}
	return api.KeyRotateResponse{Target: "log", Index: r.Index, Size: r.Size, OldKey: r.OldKey, NewKey: r.NewKey, Checkpoint: string(r.Checkpoint)}, nil
}

// RootKey is the log's first verifier key: the trust root an auditor
// keeps, from which every later key is reached through signed rotations.
func (l *Log) RootKey() string { return l.vkey }

// KeyChain returns the log's key chain, the document NewKeyChain verifies.
func (l *Log) KeyChain() api.LogKeys { return audit.KeysOf(l.log.KeyChain()) }

// KeyChain verifies checkpoints, proofs and exports of a log offline,
// across key rotations: each checkpoint must be signed by the key in use
// at its tree size, and each key is reached from the trusted key through
// rotations signed by the key before.
type KeyChain struct {
	open audit.Opener
}

// NewKeyChain builds a verifier from the key an auditor trusts (normally
// the log's first key, RootKey) and the log's key chain document (Log.
// KeyChain, GET /v1/audit/pubkey with Accept: application/json, agentgov
// audit pubkey --chain). With a nil document only trustedKey itself is
// accepted, as the package-level Verify functions do. A trusted key that
// is a later key of the chain verifies what it and its successors signed.
func NewKeyChain(trustedKey string, chain []byte) (*KeyChain, error) {
	v, err := note.NewVerifier(trustedKey)
	if err != nil {
		return nil, fmt.Errorf("agentgov: verifier key: %w", err)
	}
	if chain == nil {
		return &KeyChain{open: audit.SingleKey(v)}, nil
	}
	c, err := audit.ParseKeyChain(chain)
	if err != nil {
		return nil, fmt.Errorf("agentgov: %w", err)
	}
	i, err := audit.TrustedIndex(c, v)
	if err != nil {
		return nil, fmt.Errorf("agentgov: %w", err)
	}
	return &KeyChain{open: audit.ChainFrom(c, i)}, nil
}

// VerifyInclusion is the package-level VerifyInclusion along the chain.
func (k *KeyChain) VerifyInclusion(checkpoint []byte, proof api.InclusionProof, entry *api.Entry) error {
	_, err := audit.VerifyInclusionWith(k.open, checkpoint, &proof, entry)
	return err
}

// VerifyConsistency is the package-level VerifyConsistency along the
// chain: the two checkpoints may be signed by different keys.
func (k *KeyChain) VerifyConsistency(oldCheckpoint, newCheckpoint []byte, proof api.ConsistencyProof) error {
	return audit.VerifyConsistencyWith(k.open, oldCheckpoint, newCheckpoint, &proof)
}

// VerifyExportRecord is the package-level VerifyExportRecord along the
// chain.
func (k *KeyChain) VerifyExportRecord(rec api.ExportRecord) error {
	return audit.VerifyExportRecordWith(k.open, &rec)
}

// OpenCheckpoint is the package-level OpenCheckpoint along the chain.
func (k *KeyChain) OpenCheckpoint(checkpoint []byte) (api.Checkpoint, error) {
	cp, err := k.open(checkpoint)
	if err != nil {
		return api.Checkpoint{}, err
	}
	return api.Checkpoint{Origin: cp.Origin, TreeSize: cp.Size, RootHash: base64.StdEncoding.EncodeToString(cp.Root[:])}, nil
}
