// Package keyring keeps agentgov's private keys on disk: created with
// crypto/rand, written atomically at mode 0600 inside a 0700 directory, and
// refused when their permissions have been opened up, because a key anyone on
// the host can read is no key.
package keyring

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/internal/translog"
)

// LogKeyFile is the audit log signing key inside the keys directory.
const LogKeyFile = "log.key"

// LogPubFile is its public half, written beside it for convenience; it is
// always rederived from the private key, never trusted on its own.
const LogPubFile = "log.pub"

// maxKeyFile bounds what we read from a key file.
const maxKeyFile = 4 << 10

// ErrNoKey reports that a key file does not exist.
var ErrNoKey = errors.New("keyring: no key")

// LogKey is the audit log signing key.
type LogKey struct {
	Signer      note.Signer
	VerifierKey string
	Path        string
}

// LoadOrCreateLogKey loads keys/log.key, creating it for origin when absent.
// A key whose name differs from origin is refused: the key name is the
// checkpoint origin, and changing it silently would fork the log's identity.
func LoadOrCreateLogKey(dir, origin string, rnd io.Reader) (*LogKey, error) {
	k, err := LoadLogKey(dir)
	if err == nil {
		if k.Signer.Name() != origin {
			return nil, fmt.Errorf("keyring: %s is the key of log %q, but audit.origin is %q", k.Path, k.Signer.Name(), origin)
		}
		return k, nil
	}
	if !errors.Is(err, ErrNoKey) {
		return nil, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	skey, vkey, err := note.GenerateKey(rnd, origin)
	if err != nil {
		return nil, fmt.Errorf("keyring: generate log key for %q: %w", origin, err)
	}
	path := filepath.Join(dir, LogKeyFile)
	if err := writeSecret(path, []byte(skey+"\n")); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, LogPubFile), []byte(vkey+"\n"), 0o644); err != nil {
		return nil, err
	}
	return LoadLogKey(dir)
}

// LoadLogKey loads keys/log.key from dir.
func LoadLogKey(dir string) (*LogKey, error) {
	return loadLogKeyFile(filepath.Join(dir, LogKeyFile))
}

func loadLogKeyFile(path string) (*LogKey, error) {
	b, err := readSecret(path)
	if err != nil {
		return nil, err
	}
	skey := strings.TrimSpace(string(b))
	s, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("keyring: %s is not a signed-note signer key: %w", path, err)
	}
	vkey, err := translog.VerifierKey(skey)
	if err != nil {
		return nil, fmt.Errorf("keyring: %s: %w", path, err)
	}
	return &LogKey{Signer: s, VerifierKey: vkey, Path: path}, nil
}

// readSecret reads a private key file, refusing one that others can read.
func readSecret(path string) ([]byte, error) {
	// O_NONBLOCK so that a FIFO planted in place of a key cannot hang the
	// open before the regular-file check below runs.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNoKey, path)
	}
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("keyring: %s is not a regular file", path)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("keyring: %s has mode %04o; a private key must be readable by its owner only (chmod 600)", path, fi.Mode().Perm())
	}
	b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
	if err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if len(b) > maxKeyFile {
		return nil, fmt.Errorf("keyring: %s is larger than any key", path)
	}
	return b, nil
}

// writeSecret writes a new private key file; it never replaces one.
func writeSecret(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err := os.Chmod(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	// A fresh temporary name each time, so that one left behind by a crash
	// never blocks the next attempt.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	tmp := f.Name()
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("keyring: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("keyring: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("keyring: %w", err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keyring: %w", err)
	}
	// Link rather than rename: it fails if another process created the
	// key meanwhile, so two first starts cannot end with different keys.
	if err := os.Link(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("keyring: %w", err)
	}
	os.Remove(tmp)
	return syncDir(filepath.Dir(path))
}

func writeFileAtomic(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("keyring: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(filepath.Dir(path))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("keyring: sync %s: %w", dir, err)
	}
	return nil
}

// LoadOrCreateToken returns the secret in keys/<name>, creating a random one
// (32 bytes, hex) when the file is absent. It serves the embedded defaults:
// with no token configured, the server still requires one, and the operator
// finds it in a file only they can read.
func LoadOrCreateToken(dir, name string, rnd io.Reader) (secret, path string, err error) {
	path = filepath.Join(dir, name)
	b, err := readSecret(path)
	if err == nil {
		s := strings.TrimSpace(string(b))
		if len(s) < 32 {
			return "", path, fmt.Errorf("keyring: %s holds fewer than 32 characters", path)
		}
		return s, path, nil
	}
	if !errors.Is(err, ErrNoKey) {
		return "", path, err
	}
	if rnd == nil {
		rnd = rand.Reader
	}
	raw := make([]byte, 32)
	if _, err := io.ReadFull(rnd, raw); err != nil {
		return "", path, fmt.Errorf("keyring: %w", err)
	}
	s := hex.EncodeToString(raw)
	if err := writeSecret(path, []byte(s+"\n")); err != nil {
		return "", path, err
	}
	return s, path, nil
}

// ReadToken reads a token file written by LoadOrCreateToken.
func ReadToken(path string) (string, error) {
	b, err := readSecret(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}

// Files of the gate's keys: the arguments-digest key (HMAC of inspected
// values in the audit log, so that equal arguments correlate) and the
// pseudonymisation key (the hash redaction strategy). Both protect privacy,
// not integrity; both live with the data so that digests and pseudonyms
// stay stable across restarts and between serve and one-shot commands.
const (
	ArgsKeyFile      = "args.key"
	PseudonymKeyFile = "pseudonym.key"
)

// GateKeys are the gate's keys.
type GateKeys struct {
	Args, Pseudonym []byte
}

// LoadOrCreateGateKeys reads the gate's keys from dir, creating any that
// is missing (mode 0600).
func LoadOrCreateGateKeys(dir string, rnd io.Reader) (GateKeys, error) {
	args, _, err := LoadOrCreateToken(dir, ArgsKeyFile, rnd)
	if err != nil {
		return GateKeys{}, err
	}
	pseudo, _, err := LoadOrCreateToken(dir, PseudonymKeyFile, rnd)
	if err != nil {
		return GateKeys{}, err
	}
	return GateKeys{Args: []byte(args), Pseudonym: []byte(pseudo)}, nil
}
