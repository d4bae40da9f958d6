package fetch

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

var (
	pinBody   = []byte("agent_control_specification_version: 0.3.1-beta\n")
	pinSum    = sha256.Sum256(pinBody)
	pinHex    = hex.EncodeToString(pinSum[:])
	pinB64    = base64.StdEncoding.EncodeToString(pinSum[:])
	pinB64Raw = base64.RawStdEncoding.EncodeToString(pinSum[:])
)

func TestVerifyPinAccepts(t *testing.T) {
	for name, pin := range map[string]acs.URLPin{
		"unpinned":            {},
		"sha256 lower":        {SHA256: pinHex},
		"sha256 upper":        {SHA256: strings.ToUpper(pinHex)},
		"sha256 mixed":        {SHA256: strings.ToUpper(pinHex[:10]) + pinHex[10:]},
		"integrity padded":    {Integrity: "sha256-" + pinB64},
		"integrity unpadded":  {Integrity: "sha256-" + pinB64Raw},
		"URL ignored by form": {URL: "https://x.example.com/", SHA256: pinHex},
	} {
		if err := VerifyPin(pin, pinBody); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestVerifyPinMismatch(t *testing.T) {
	other := sha256.Sum256([]byte("other"))
	for name, pin := range map[string]acs.URLPin{
		"sha256":    {SHA256: hex.EncodeToString(other[:])},
		"integrity": {Integrity: "sha256-" + base64.StdEncoding.EncodeToString(other[:])},
	} {
		if err := VerifyPin(pin, pinBody); !errors.Is(err, ErrPin) {
			t.Errorf("%s: %v, want ErrPin", name, err)
		}
		if err := ValidatePin(pin); err != nil {
			t.Errorf("%s: well-formed pin rejected: %v", name, err)
		}
	}
}

func TestValidatePinMalformed(t *testing.T) {
	urlSafe := base64.URLEncoding.EncodeToString(pinSum[:])
	if urlSafe == pinB64 { // make sure the case tests what it says
		t.Fatal("test digest has no URL-safe-specific characters")
	}
	for name, pin := range map[string]acs.URLPin{
		"both":                 {SHA256: pinHex, Integrity: "sha256-" + pinB64},
		"sha256 short":         {SHA256: pinHex[:63]},
		"sha256 long":          {SHA256: pinHex + "0"},
		"sha256 non-hex":       {SHA256: "g" + pinHex[1:]},
		"sha256 blank":         {SHA256: strings.Repeat(" ", 64)},
		"sha256 padded":        {SHA256: " " + pinHex[:63]},
		"sha256 prefixed":      {SHA256: "sha256:" + pinHex[:57]},
		"integrity no prefix":  {Integrity: pinB64},
		"integrity sha384":     {Integrity: "sha384-" + pinB64},
		"integrity upper alg":  {Integrity: "SHA256-" + pinB64},
		"integrity url-safe":   {Integrity: "sha256-" + urlSafe},
		"integrity short":      {Integrity: "sha256-" + pinB64[:40]},
		"integrity blank":      {Integrity: "sha256-"},
		"integrity two hashes": {Integrity: "sha256-" + pinB64 + " sha256-" + pinB64},
		"integrity option":     {Integrity: "sha256-" + pinB64 + "?x"},
		"integrity whitespace": {Integrity: " sha256-" + pinB64},
		"integrity hex":        {Integrity: "sha256-" + pinHex},
	} {
		if err := ValidatePin(pin); !errors.Is(err, ErrPin) {
			t.Errorf("%s: ValidatePin = %v, want ErrPin", name, err)
		}
		if err := VerifyPin(pin, pinBody); !errors.Is(err, ErrPin) {
			t.Errorf("%s: VerifyPin = %v, want ErrPin", name, err)
		}
	}
}

func TestValidatePinNonCanonicalBase64(t *testing.T) {
	// Flip the unused low bits of the last character: Strict decoding must
	// refuse it rather than accept a second spelling of the digest.
	b := []byte(pinB64)
	last := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", b[42])
	alphabet := "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b[42] = alphabet[last^1]
	if err := ValidatePin(acs.URLPin{Integrity: "sha256-" + string(b)}); !errors.Is(err, ErrPin) {
		t.Fatalf("non-canonical base64 accepted: %v", err)
	}
}
