package keyring

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// Files of a log key rotation.
const (
	// LogNextKeyFile is the new log key while a rotation is under way. It
	// is written (0600, synced) before the rotation entry is appended, so
	// that a crash after the entry commits never loses the only key that
	// can extend the log, and renamed over log.key once the rotation is
	// complete.
	LogNextKeyFile = "log.key.next"
	// LogRootPubFile is the log's first verifier key, the trust root from
	// which verification follows the key chain. It is written before the
	// first rotation, while log.pub still holds that key.
	LogRootPubFile = "log.root.pub"
)

// StageLogKey generates the next log key for origin and writes it to
// keys/log.key.next. A staged key left over from an interrupted rotation
// must be resolved (PromoteStagedLogKey or DiscardStagedLogKey) first.
func StageLogKey(dir, origin string, rnd io.Reader) (*LogKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	skey, _, err := note.GenerateKey(rnd, origin)
	if err != nil {
		return nil, fmt.Errorf("keyring: generate log key for %q: %w", origin, err)
	}
	path := filepath.Join(dir, LogNextKeyFile)
	if err := writeSecret(path, []byte(skey+"\n")); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("keyring: %s exists: an earlier rotation was interrupted; restart agentgov to resolve it", path)
		}
		return nil, err
	}
	return LoadStagedLogKey(dir)
}

// LoadStagedLogKey loads keys/log.key.next; ErrNoKey when there is none.
func LoadStagedLogKey(dir string) (*LogKey, error) {
	return loadLogKeyFile(filepath.Join(dir, LogNextKeyFile))
}

// PromoteStagedLogKey makes the staged key the log key: log.key.next is
// renamed over log.key (the old private key is gone with it: it has signed
// everything it ever will, and a retired key that still exists can still
// be stolen) and log.pub is rewritten.
func PromoteStagedLogKey(dir string) (*LogKey, error) {
	next, err := LoadStagedLogKey(dir)
	if err != nil {
		return nil, err
	}
	if err := os.Rename(next.Path, filepath.Join(dir, LogKeyFile)); err != nil {
		return nil, fmt.Errorf("keyring: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(dir, LogPubFile), []byte(next.VerifierKey+"\n"), 0o644); err != nil {
		return nil, err
	}
	return LoadLogKey(dir)
}

// DiscardStagedLogKey deletes a staged key that the log never adopted.
func DiscardStagedLogKey(dir string) error {
	err := os.Remove(filepath.Join(dir, LogNextKeyFile))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("keyring: %w", err)
	}
	return syncDir(dir)
}

// EnsureLogRoot records the log's first verifier key in keys/log.root.pub,
// or checks that the recorded one is the same.
func EnsureLogRoot(dir, verifierKey string) error {
	got, err := LoadLogRoot(dir)
	if errors.Is(err, ErrNoKey) {
		return writeFileAtomic(filepath.Join(dir, LogRootPubFile), []byte(verifierKey+"\n"), 0o644)
	}
	if err != nil {
		return err
	}
	if got != verifierKey {
		return fmt.Errorf("keyring: %s names %q, but the log's first key is %q", filepath.Join(dir, LogRootPubFile), got, verifierKey)
	}
	return nil
}

// LoadLogRoot reads keys/log.root.pub; ErrNoKey when the log key was never
// rotated (log.pub is then the first key).
func LoadLogRoot(dir string) (string, error) {
	path := filepath.Join(dir, LogRootPubFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("%w: %s", ErrNoKey, path)
	}
	if err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	if len(b) > maxKeyFile {
		return "", fmt.Errorf("keyring: %s is larger than any key", path)
	}
	k := string(bytes.TrimSpace(b))
	if _, err := note.NewVerifier(k); err != nil {
		return "", fmt.Errorf("keyring: %s is not a verifier key: %w", path, err)
	}
	return strings.TrimSpace(k), nil
}
