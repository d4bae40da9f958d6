package identity

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/agentgov/agentgov/internal/keyring"
)

// KeyFileFormat names the agent key file format and its version.
const KeyFileFormat = "agentgov-agent-key/v1"

// Argon2Params are the argon2id parameters that derive the key-encryption
// key from a passphrase. They are written into the key file, so a file stays
// readable when the defaults change.
type Argon2Params struct {
	Time      uint32 `json:"time"`
	MemoryKiB uint32 `json:"memory_kib"`
	Threads   uint8  `json:"threads"`
}

// DefaultArgon2 follows RFC 9106's second recommended option (t=3,
// m=64 MiB, p=4).
var DefaultArgon2 = Argon2Params{Time: 3, MemoryKiB: 64 << 10, Threads: 4}

// Bounds on parameters read from a file, so that a crafted file cannot make
// decryption take minutes or gigabytes.
const (
	maxArgonTime   = 16
	maxArgonMemory = 1 << 20 // KiB: 1 GiB
	minArgonMemory = 8 << 10
	minPassphrase  = 8
	maxPassphrase  = 1 << 10
)

// ErrPassphrase reports a key file that needs a passphrase, or one that
// the given passphrase does not open.
var ErrPassphrase = errors.New("identity: wrong or missing passphrase")

// keyFile is the JSON document on disk. A plaintext file carries Seed; an
// encrypted one carries KDF, Salt, Nonce and Ciphertext (AES-256-GCM over
// the seed, with the format, agent and did as additional data so that the
// fields cannot be swapped between files).
type keyFile struct {
	Format     string        `json:"format"`
	Agent      string        `json:"agent"`
	DID        string        `json:"did"`
	Seed       []byte        `json:"seed,omitempty"`
	KDF        string        `json:"kdf,omitempty"`
	Argon2     *Argon2Params `json:"argon2,omitempty"`
	Salt       []byte        `json:"salt,omitempty"`
	AEAD       string        `json:"aead,omitempty"`
	Nonce      []byte        `json:"nonce,omitempty"`
	Ciphertext []byte        `json:"ciphertext,omitempty"`
}

// KeyFileOptions configure WriteKeyFile.
type KeyFileOptions struct {
	// Passphrase, if set, encrypts the key.
	Passphrase []byte
	// Argon2 overrides DefaultArgon2 (tests use cheaper parameters).
	Argon2 *Argon2Params
	// Rand is the randomness for salt and nonce (default crypto/rand).
	Rand io.Reader
}

// AgentKey is an agent's private key with its owner.
type AgentKey struct {
	Agent string
	Key   ed25519.PrivateKey
}

// DID is the key's did:key.
func (k AgentKey) DID() string { return DIDFromPublicKey(k.Key.Public().(ed25519.PublicKey)) }

// WriteKeyFile writes agent's private key to path (mode 0600, never over an
// existing file), encrypted when o.Passphrase is set.
func WriteKeyFile(path, agent string, priv ed25519.PrivateKey, o KeyFileOptions) error {
	b, err := MarshalKeyFile(agent, priv, o)
	if err != nil {
		return err
	}
	return keyring.WriteSecretFile(path, b)
}

// MarshalKeyFile encodes a key file.
func MarshalKeyFile(agent string, priv ed25519.PrivateKey, o KeyFileOptions) ([]byte, error) {
	if len(priv) != ed25519.PrivateKeySize {
		return nil, errors.New("identity: not an Ed25519 private key")
	}
	f := keyFile{Format: KeyFileFormat, Agent: agent, DID: DIDFromPublicKey(priv.Public().(ed25519.PublicKey))}
	if len(o.Passphrase) == 0 {
		f.Seed = priv.Seed()
		return json.MarshalIndent(f, "", "  ")
	}
	if err := checkPassphrase(o.Passphrase); err != nil {
		return nil, err
	}
	p := DefaultArgon2
	if o.Argon2 != nil {
		p = *o.Argon2
	}
	if err := p.check(); err != nil {
		return nil, err
	}
	rnd := o.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	f.KDF, f.Argon2, f.AEAD = "argon2id", &p, "aes-256-gcm"
	f.Salt = make([]byte, 16)
	if _, err := io.ReadFull(rnd, f.Salt); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	aead, err := f.aead(o.Passphrase)
	if err != nil {
		return nil, err
	}
	f.Nonce = make([]byte, aead.NonceSize())
	if _, err := io.ReadFull(rnd, f.Nonce); err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	f.Ciphertext = aead.Seal(nil, f.Nonce, priv.Seed(), f.additionalData())
	return json.MarshalIndent(f, "", "  ")
}

// ReadKeyFile reads a key file written by WriteKeyFile; passphrase is
// needed (and only accepted) for an encrypted one.
func ReadKeyFile(path string, passphrase []byte) (AgentKey, error) {
	b, err := keyring.ReadSecretFile(path)
	if err != nil {
		return AgentKey{}, err
	}
	k, err := ParseKeyFile(b, passphrase)
	if err != nil {
		return AgentKey{}, fmt.Errorf("%s: %w", path, err)
	}
	return k, nil
}

// ParseKeyFile decodes and, if encrypted, decrypts a key file. It checks
// that the stored did matches the key it holds.
func ParseKeyFile(b []byte, passphrase []byte) (AgentKey, error) {
	var f keyFile
	if len(b) > 4<<10 {
		return AgentKey{}, errors.New("identity: key file larger than any key file")
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return AgentKey{}, fmt.Errorf("identity: key file is not valid JSON: %w", err)
	}
	if dec.More() {
		return AgentKey{}, errors.New("identity: key file has data after the JSON object")
	}
	if f.Format != KeyFileFormat {
		return AgentKey{}, fmt.Errorf("identity: key file format %q is not %q", truncate(f.Format), KeyFileFormat)
	}
	if err := ValidAgentID(f.Agent); err != nil {
		return AgentKey{}, fmt.Errorf("identity: key file agent: %w", err)
	}
	var seed []byte
	switch f.KDF {
	case "":
		if f.Argon2 != nil || f.Salt != nil || f.AEAD != "" || f.Nonce != nil || f.Ciphertext != nil {
			return AgentKey{}, errors.New("identity: a plaintext key file has encryption fields")
		}
		if len(passphrase) > 0 {
			return AgentKey{}, errors.New("identity: a passphrase was given but the key file is not encrypted")
		}
		seed = f.Seed
	case "argon2id":
		if f.Seed != nil {
			return AgentKey{}, errors.New("identity: an encrypted key file also holds a plaintext seed")
		}
		if f.Argon2 == nil {
			return AgentKey{}, errors.New("identity: key file kdf argon2id without argon2 parameters")
		}
		if err := f.Argon2.check(); err != nil {
			return AgentKey{}, err
		}
		if f.AEAD != "aes-256-gcm" {
			return AgentKey{}, fmt.Errorf("identity: key file aead %q is not aes-256-gcm", truncate(f.AEAD))
		}
		if len(f.Salt) < 16 || len(f.Salt) > 64 {
			return AgentKey{}, errors.New("identity: key file salt must be 16 to 64 bytes")
		}
		if len(passphrase) == 0 {
			return AgentKey{}, fmt.Errorf("%w: the key file is encrypted", ErrPassphrase)
		}
		if err := checkPassphrase(passphrase); err != nil {
			return AgentKey{}, err
		}
		aead, err := f.aead(passphrase)
		if err != nil {
			return AgentKey{}, err
		}
		if len(f.Nonce) != aead.NonceSize() {
			return AgentKey{}, errors.New("identity: key file nonce has the wrong length")
		}
		seed, err = aead.Open(nil, f.Nonce, f.Ciphertext, f.additionalData())
		if err != nil {
			return AgentKey{}, ErrPassphrase
		}
	default:
		return AgentKey{}, fmt.Errorf("identity: key file kdf %q is not argon2id", truncate(f.KDF))
	}
	if len(seed) != ed25519.SeedSize {
		return AgentKey{}, fmt.Errorf("identity: key file seed is %d bytes, want %d", len(seed), ed25519.SeedSize)
	}
	priv := ed25519.NewKeyFromSeed(seed)
	k := AgentKey{Agent: f.Agent, Key: priv}
	if k.DID() != f.DID {
		return AgentKey{}, errors.New("identity: key file did does not match its key")
	}
	return k, nil
}

func (p Argon2Params) check() error {
	if p.Time < 1 || p.Time > maxArgonTime {
		return fmt.Errorf("identity: argon2 time must be 1..%d, got %d", maxArgonTime, p.Time)
	}
	if p.MemoryKiB < minArgonMemory || p.MemoryKiB > maxArgonMemory {
		return fmt.Errorf("identity: argon2 memory_kib must be %d..%d, got %d", minArgonMemory, maxArgonMemory, p.MemoryKiB)
	}
	if p.Threads < 1 {
		return errors.New("identity: argon2 threads must be at least 1")
	}
	return nil
}

func checkPassphrase(p []byte) error {
	if len(p) < minPassphrase || len(p) > maxPassphrase {
		return fmt.Errorf("identity: a passphrase must be %d to %d bytes", minPassphrase, maxPassphrase)
	}
	if !utf8.Valid(p) {
		return errors.New("identity: a passphrase must be UTF-8")
	}
	return nil
}

func (f *keyFile) aead(passphrase []byte) (cipher.AEAD, error) {
	kek := argon2.IDKey(passphrase, f.Salt, f.Argon2.Time, f.Argon2.MemoryKiB, f.Argon2.Threads, 32)
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	return aead, nil
}

func (f *keyFile) additionalData() []byte {
	return []byte(f.Format + "\x00" + f.Agent + "\x00" + f.DID)
}
