package identity

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// didKeyPrefix is the did:key method prefix followed by the multibase code
// for base58btc ('z'); every agentgov did is of this form.
const didKeyPrefix = "did:key:z"

// ed25519Multicodec is the unsigned-varint encoding of the multicodec
// ed25519-pub (0xed): 0xed 0x01.
var ed25519Multicodec = [2]byte{0xed, 0x01}

// maxDIDLen bounds the parser's input: an Ed25519 did:key is 56 characters;
// anything much longer is not one and is refused before decoding.
const maxDIDLen = 128

// ErrInvalidDID is wrapped by every PublicKeyFromDID error, so that callers
// can branch on it while the message names the exact problem.
var ErrInvalidDID = errors.New("identity: invalid did:key")

// DIDFromPublicKey returns the did:key identifier of an Ed25519 public key:
// "did:key:z" + base58btc(0xed 0x01 || key).
func DIDFromPublicKey(pub ed25519.PublicKey) string {
	b := make([]byte, 0, 2+len(pub))
	b = append(b, ed25519Multicodec[:]...)
	b = append(b, pub...)
	return didKeyPrefix + base58Encode(b)
}

// PublicKeyFromDID parses an Ed25519 did:key identifier. It is strict: the
// method, the multibase prefix, the base58 alphabet, the multicodec and the
// key length must all be exactly right.
func PublicKeyFromDID(did string) (ed25519.PublicKey, error) {
	if len(did) > maxDIDLen {
		return nil, fmt.Errorf("%w: %d characters is longer than any Ed25519 did:key", ErrInvalidDID, len(did))
	}
	if !strings.HasPrefix(did, "did:key:") {
		return nil, fmt.Errorf("%w: %q lacks the method prefix \"did:key:\"", ErrInvalidDID, truncate(did))
	}
	mb := did[len("did:key:"):]
	if mb == "" {
		return nil, fmt.Errorf("%w: empty method-specific identifier", ErrInvalidDID)
	}
	if mb[0] != 'z' {
		return nil, fmt.Errorf("%w: multibase prefix %q is not 'z' (base58btc)", ErrInvalidDID, mb[0])
	}
	raw, err := base58Decode(mb[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidDID, err)
	}
	if len(raw) < 2 || raw[0] != ed25519Multicodec[0] || raw[1] != ed25519Multicodec[1] {
		return nil, fmt.Errorf("%w: multicodec is not ed25519-pub (0xed01)", ErrInvalidDID)
	}
	key := raw[2:]
	if len(key) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%w: key is %d bytes, an Ed25519 public key is %d", ErrInvalidDID, len(key), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(key), nil
}

func truncate(s string) string {
	if len(s) > 24 {
		return s[:24] + "..."
	}
	return s
}

// The Bitcoin base58 alphabet, which multibase 'z' names.
const base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

var (
	big58   = big.NewInt(58)
	bigZero = big.NewInt(0)
)

func base58Encode(b []byte) string {
	zeros := 0
	for zeros < len(b) && b[zeros] == 0 {
		zeros++
	}
	n := new(big.Int).SetBytes(b)
	out := make([]byte, 0, len(b)*138/100+1)
	mod := new(big.Int)
	for n.Cmp(bigZero) > 0 {
		n.DivMod(n, big58, mod)
		out = append(out, base58Alphabet[mod.Int64()])
	}
	for range zeros {
		out = append(out, '1')
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return string(out)
}

func base58Decode(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("empty base58 string")
	}
	n := new(big.Int)
	zeros := 0
	for zeros < len(s) && s[zeros] == '1' {
		zeros++
	}
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(base58Alphabet, s[i])
		if d < 0 {
			return nil, fmt.Errorf("character %q at offset %d is not in the base58btc alphabet", s[i], i)
		}
		n.Mul(n, big58)
		n.Add(n, big.NewInt(int64(d)))
	}
	out := make([]byte, zeros, zeros+len(s))
	return append(out, n.Bytes()...), nil
}
