package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/logkey"
	"github.com/agentgov/agentgov/internal/store/sqlite"
)

// maxInputFile bounds a key, checkpoint or proof file given on the command
// line.
const maxInputFile = 16 << 20

// readInput reads a file named on the command line, bounded.
func readInput(path, what string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", what, err)}
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxInputFile+1))
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", what, err)}
	}
	if len(b) > maxInputFile {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("%s: %s is larger than %d bytes", what, path, maxInputFile)}
	}
	return b, nil
}

// readVerifier reads a note verifier key file (as printed by
// agentgov audit pubkey).
func readVerifier(path string) (note.Verifier, error) {
	b, err := readInput(path, "--pubkey")
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("--pubkey: %s is not a signed-note verifier key: %w", path, err)}
	}
	return v, nil
}

// openReadOnly opens the store beside whoever may be writing it.
func openReadOnly(ctx context.Context, cfg *config.Config) (*sqlite.Store, error) {
	dir := datadir.Dir(cfg.Storage.DataDir)
	if _, err := os.Stat(dir.DB()); errors.Is(err, fs.ErrNotExist) {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("no agentgov store in %s (start agentgov serve, or pass --data-dir)", cfg.Storage.DataDir)}
	}
	st, err := sqlite.Open(ctx, sqlite.Options{Path: dir.DB(), ReadOnly: true})
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: err}
	}
	return st, nil
}

// trustedVerifier is the key verification trusts: the --pubkey file when
// given, else the key in the data directory. Only when neither exists does
// it fall back to the key the store itself records, and it says so.
func (g *globals) trustedVerifier(cfg *config.Config, pubkeyFile string) (note.Verifier, string, error) {
	if pubkeyFile != "" {
		v, err := readVerifier(pubkeyFile)
		return v, "--pubkey " + pubkeyFile, err
	}
	// After a rotation the log's first key, the trust root, is kept in
	// log.root.pub; before one, log.key is still that key.
	if root, err := keyring.LoadLogRoot(datadir.Dir(cfg.Storage.DataDir).Keys()); err == nil {
		v, err := note.NewVerifier(root)
		return v, filepath.Join(datadir.Dir(cfg.Storage.DataDir).Keys(), keyring.LogRootPubFile), err
	} else if !errors.Is(err, keyring.ErrNoKey) {
		return nil, "", &ExitCodeError{Code: ExitUsage, Err: err}
	}
	k, err := keyring.LoadLogKey(datadir.Dir(cfg.Storage.DataDir).Keys())
	if err == nil {
		v, err := note.NewVerifier(k.VerifierKey)
		return v, k.Path, err
	}
	if !errors.Is(err, keyring.ErrNoKey) {
		return nil, "", &ExitCodeError{Code: ExitUsage, Err: err}
	}
	return nil, "the key recorded in the store (pass --pubkey to verify against a key you trust)", nil
}

// writer is a locally opened, writable log: the command holds the data
// directory lock for its lifetime.
type writer struct {
	lock *datadir.Lock
	st   *sqlite.Store
	log  *audit.Log
	keys *logkey.Log
}

// openWriter takes the data-directory lock and opens the log. If a server
// holds the lock, the error tells the user to go through it.
func openWriter(ctx context.Context, cfg *config.Config, command string) (*writer, error) {
	dir := datadir.Dir(cfg.Storage.DataDir)
	lock, err := dir.Acquire(datadir.Holder{Command: command})
	if err != nil {
		var le *datadir.LockedError
		if errors.As(err, &le) {
			hint := "pass --server URL to go through the running server"
			if le.Holder.Addr != "" {
				hint = "pass --server " + le.Holder.Addr + " to go through the running server"
			}
			return nil, &ExitCodeError{Code: ExitError, Err: fmt.Errorf("%w; %s", err, hint)}
		}
		return nil, err
	}
	w := &writer{lock: lock}
	w.st, err = sqlite.Open(ctx, sqlite.Options{Path: dir.DB()})
	if err != nil {
		w.close(ctx)
		return nil, err
	}
	// logkey opens the log with the key file, finishing a key rotation a
	// crash interrupted.
	w.keys, err = logkey.Open(ctx, dir.Keys(), audit.Options{Store: w.st, Origin: cfg.Audit.Origin,
		MaxPayloadBytes: int(cfg.Audit.MaxPayloadBytes), Minimiser: daemon.Minimiser(cfg)})
	if err != nil {
		w.close(ctx)
		return nil, err
	}
	w.log = w.keys.Log
	return w, nil
}

func (w *writer) close(ctx context.Context) error {
	var errs []error
	if w.log != nil {
		errs = append(errs, w.log.Close(ctx))
	}
	if w.st != nil {
		errs = append(errs, w.st.Close())
	}
	errs = append(errs, w.lock.Release())
	return errors.Join(errs...)
}

// localSource names the principal of entries written by a local command.
func localSource() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return "local:" + u.Username
	}
	return fmt.Sprintf("local:uid-%d", os.Getuid())
}

// remote returns a client when --server (or AGENTGOV_SERVER) is set, else
// nil. The token comes from --token or AGENTGOV_TOKEN (see addClientFlags).
func (g *globals) remote(cfg *config.Config) (*client.Client, error) {
	srv := g.serverURL()
	if srv == "" {
		return nil, nil
	}
	tok := g.apiToken()
	return g.newClient(cfg, srv, tok) // svid.go: TLS flags
}
