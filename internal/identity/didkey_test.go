package identity

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// A did:key from the W3C did:key specification's Ed25519 examples: it
// decodes to 32 bytes and re-encodes to itself, and every Ed25519 did:key
// starts with z6Mk (the base58 of the 0xed01 prefix).
func TestDIDKeyVectors(t *testing.T) {
	did := "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	pub, err := PublicKeyFromDID(did)
	if err != nil {
		t.Fatal(err)
	}
	if got := DIDFromPublicKey(pub); got != did {
		t.Fatalf("re-encode = %q, want %q", got, did)
	}
	raw, _ := hex.DecodeString("8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c")
	if d := DIDFromPublicKey(raw); !strings.HasPrefix(d, "did:key:z6Mk") {
		t.Fatalf("did %q lacks the z6Mk prefix", d)
	}
	// Leading zero bytes are leading '1's in base58.
	if got := base58Encode([]byte{0, 0, 1}); got != "112" {
		t.Fatalf("base58(00 00 01) = %q", got)
	}
	if b, err := base58Decode("112"); err != nil || !bytes.Equal(b, []byte{0, 0, 1}) {
		t.Fatalf("decode 112 = %x %v", b, err)
	}
}

func TestDIDKeyRoundTrip(t *testing.T) {
	for i := range 50 {
		seed := bytes.Repeat([]byte{byte(i)}, ed25519.SeedSize)
		pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		did := DIDFromPublicKey(pub)
		got, err := PublicKeyFromDID(did)
		if err != nil {
			t.Fatalf("%s: %v", did, err)
		}
		if !bytes.Equal(got, pub) {
			t.Fatalf("%s: got %x want %x", did, got, pub)
		}
	}
	zero := make(ed25519.PublicKey, ed25519.PublicKeySize)
	if got, err := PublicKeyFromDID(DIDFromPublicKey(zero)); err != nil || !bytes.Equal(got, zero) {
		t.Fatalf("all-zero key: %v", err)
	}
}

func TestPublicKeyFromDIDErrors(t *testing.T) {
	good := DIDFromPublicKey(ed25519.NewKeyFromSeed(make([]byte, 32)).Public().(ed25519.PublicKey))
	secp := "did:key:" + "z" + base58Encode(append([]byte{0xe7, 0x01}, make([]byte, 33)...))
	short := "did:key:z" + base58Encode(append([]byte{0xed, 0x01}, make([]byte, 31)...))
	long := "did:key:z" + base58Encode(append([]byte{0xed, 0x01}, make([]byte, 33)...))
	for _, tc := range []struct{ name, did, want string }{
		{"empty", "", "lacks the method prefix"},
		{"other method", "did:web:example.com", "lacks the method prefix"},
		{"no identifier", "did:key:", "empty method-specific"},
		{"base64 multibase", "did:key:m" + good[9:], "multibase prefix"},
		{"bad alphabet 0", good[:20] + "0" + good[21:], "not in the base58btc alphabet"},
		{"bad alphabet l", good[:20] + "l" + good[21:], "not in the base58btc alphabet"},
		{"only prefix", "did:key:z", "empty base58"},
		{"secp256k1 codec", secp, "multicodec"},
		{"short key", short, "31 bytes"},
		{"long key", long, "33 bytes"},
		{"too long", "did:key:z" + strings.Repeat("a", 200), "longer than"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := PublicKeyFromDID(tc.did)
			if err == nil || !errors.Is(err, ErrInvalidDID) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func FuzzPublicKeyFromDID(f *testing.F) {
	f.Add("did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK")
	f.Add("did:key:z111")
	f.Add("did:key:")
	f.Add("did:key:zl0O")
	f.Fuzz(func(t *testing.T, did string) {
		pub, err := PublicKeyFromDID(did)
		if err != nil {
			return
		}
		if len(pub) != ed25519.PublicKeySize {
			t.Fatalf("accepted a %d-byte key", len(pub))
		}
		if again := DIDFromPublicKey(pub); again != did {
			// Leading '1's encode leading zero bytes, so an accepted did is
			// always canonical; anything else would let two strings name one key.
			t.Fatalf("non-canonical did %q accepted (canonical %q)", did, again)
		}
	})
}
