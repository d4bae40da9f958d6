package translog

import (
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// algEd25519 is the signed-note algorithm byte for Ed25519 (C2SP signed-note).
const algEd25519 = 1

// VerifierKey derives the note verifier key ("name+hash+key") from a note
// signer key ("PRIVATE+KEY+name+hash+key"), so that only the private key file
// has to be kept and the public half can always be recomputed from it.
func VerifierKey(skey string) (string, error) {
	rest, ok := strings.CutPrefix(skey, "PRIVATE+KEY+")
	if !ok {
		return "", errors.New("translog: not a note signer key")
	}
	parts := strings.SplitN(rest, "+", 3)
	if len(parts) != 3 {
		return "", errors.New("translog: malformed note signer key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != algEd25519 {
		return "", errors.New("translog: note signer key is not an Ed25519 key")
	}
	if _, err := note.NewSigner(skey); err != nil {
		return "", fmt.Errorf("translog: %w", err)
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[0], pub)
}
