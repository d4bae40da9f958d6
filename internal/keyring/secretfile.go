package keyring

// WriteSecretFile writes a new private key file at mode 0600 inside a 0700
// directory, atomically and durably. It never replaces an existing file.
func WriteSecretFile(path string, data []byte) error { return writeSecret(path, data) }

// ReadSecretFile reads a private key file written by WriteSecretFile,
// refusing one that is not a regular file, that group or others may read,
// or that is larger than any key. A missing file is ErrNoKey.
func ReadSecretFile(path string) ([]byte, error) { return readSecret(path) }
