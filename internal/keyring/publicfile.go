package keyring

import (
	"fmt"
	"os"
	"path/filepath"
)

// WritePublicFile atomically writes or replaces a file others may read
// (mode 0644), such as a certificate kept beside its private key. Its
// directory is created 0700 if missing, as keys live there too.
func WritePublicFile(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	return writeFileAtomic(path, data, 0o644)
}
