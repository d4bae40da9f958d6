package fetch

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/agentgov/agentgov/acs"
)

// integrityPrefix is the only algorithm §2.2 admits for `integrity`.
const integrityPrefix = "sha256-"

// ValidatePin checks the form of pin without fetching anything, so that a
// loader can reject a malformed pin as manifest_invalid up front. The URL is
// not looked at; see ValidateURL. An all-empty pin is valid and means
// "unpinned".
//
// Accepted forms (ACS §2.2, §2.3):
//   - SHA256: exactly 64 hexadecimal characters. The spec says
//     "hexadecimal" without a case, and hex digits are case-insensitive by
//     definition, so upper, lower and mixed case are accepted (as the
//     reference loader does). Nothing is trimmed: a pin with surrounding
//     white space is malformed ("a malformed or blank pin MUST fail closed").
//   - Integrity: "sha256-" followed by the standard-alphabet base64 of the
//     32 digest bytes, with its single '=' padding (44 characters) or
//     without it (43), as the SRI grammar allows. Other algorithms, several
//     space-separated hashes, SRI options ("?…") and the URL-safe alphabet
//     are malformed.
//   - Both set: malformed (§2.2 "MUST NOT appear together").
func ValidatePin(pin acs.URLPin) error {
	_, _, err := pinDigest(pin)
	return err
}

// VerifyPin checks body against pin. An unpinned pin accepts any body.
func VerifyPin(pin acs.URLPin, body []byte) error {
	want, pinned, err := pinDigest(pin)
	if err != nil || !pinned {
		return err
	}
	got := sha256.Sum256(body)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		form := "sha256"
		if pin.Integrity != "" {
			form = "integrity"
		}
		return fmt.Errorf("%w: %s mismatch (got sha256 %x)", ErrPin, form, got)
	}
	return nil
}

// pinDigest decodes pin into the expected digest; pinned is false when
// neither form is set.
func pinDigest(pin acs.URLPin) (want [sha256.Size]byte, pinned bool, err error) {
	switch {
	case pin.SHA256 != "" && pin.Integrity != "":
		return want, false, fmt.Errorf("%w: sha256 and integrity are mutually exclusive", ErrPin)
	case pin.SHA256 != "":
		if len(pin.SHA256) != 2*sha256.Size {
			return want, false, fmt.Errorf("%w: sha256 must be %d hex characters, got %d", ErrPin, 2*sha256.Size, len(pin.SHA256))
		}
		if _, err := hex.Decode(want[:], []byte(pin.SHA256)); err != nil {
			return want, false, fmt.Errorf("%w: sha256 is not hexadecimal", ErrPin)
		}
		return want, true, nil
	case pin.Integrity != "":
		b64, ok := strings.CutPrefix(pin.Integrity, integrityPrefix)
		if !ok {
			return want, false, fmt.Errorf("%w: integrity must start with %q", ErrPin, integrityPrefix)
		}
		enc := base64.StdEncoding.Strict()
		if len(b64) == base64.RawStdEncoding.EncodedLen(sha256.Size) {
			enc = base64.RawStdEncoding.Strict()
		} else if len(b64) != base64.StdEncoding.EncodedLen(sha256.Size) {
			return want, false, fmt.Errorf("%w: integrity must carry the base64 of %d bytes", ErrPin, sha256.Size)
		}
		// Strict rejects non-zero padding bits, so every digest has exactly
		// one accepted spelling per padding choice.
		var buf [48]byte // ≥ DecodedLen of either spelling
		n, err := enc.Decode(buf[:], []byte(b64))
		if err != nil || n != sha256.Size {
			return want, false, fmt.Errorf("%w: integrity is not standard base64 of %d bytes", ErrPin, sha256.Size)
		}
		copy(want[:], buf[:n])
		return want, true, nil
	}
	return want, false, nil
}
