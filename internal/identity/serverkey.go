package identity

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"path/filepath"

	"github.com/agentgov/agentgov/internal/keyring"
)

// ServerKeyFile is the server's handshake identity key in the keys
// directory; its did:key is published in every challenge.
const ServerKeyFile = "identity.key"

// ServerKeyAgent is the agent name the server's key file carries.
const ServerKeyAgent = "agentgov"

// LoadOrCreateServerKey loads keys/identity.key, creating it (mode 0600)
// when absent.
func LoadOrCreateServerKey(dir string, rnd io.Reader) (ed25519.PrivateKey, error) {
	path := filepath.Join(dir, ServerKeyFile)
	k, err := ReadKeyFile(path, nil)
	if err == nil {
		return k.Key, nil
	}
	if !errors.Is(err, keyring.ErrNoKey) {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	_, priv, err := ed25519.GenerateKey(rnd)
	if err != nil {
		return nil, err
	}
	if err := WriteKeyFile(path, ServerKeyAgent, priv, KeyFileOptions{}); err != nil {
		return nil, err
	}
	k, err = ReadKeyFile(path, nil)
	return k.Key, err
}
