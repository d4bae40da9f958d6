package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/export"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/store/sqlite"
)

func newAuditConsistencyCmd(g *globals) *cobra.Command {
	var from, to int64
	c := &cobra.Command{
		Use:     "consistency",
		Short:   "Print the consistency proof between two tree sizes",
		Example: `  agentgov audit consistency --from 100 --to 250 > consistency.json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("from") || !cmd.Flags().Changed("to") {
				return usageErr("--from and --to are required")
			}
			return g.printRead(cmd,
				func(ctx context.Context, cl *client.Client) (any, error) { return cl.ConsistencyProof(ctx, from, to) },
				func(ctx context.Context, r *audit.Reader) (any, error) { return r.ConsistencyProof(ctx, from, to) })
		},
	}
	c.Flags().Int64Var(&from, "from", 0, "older tree size (required)")
	c.Flags().Int64Var(&to, "to", 0, "newer tree size (required)")
	return c
}

func newAuditCheckpointCmd(g *globals) *cobra.Command {
	var size int64
	c := &cobra.Command{
		Use:   "checkpoint",
		Short: "Sign (if needed) and print a checkpoint of the current log",
		Long: `Print a C2SP signed checkpoint covering the whole log, signing a new one if
the latest is older. With --server the running server signs it. If a server
holds the data directory and --server is not given, the latest stored
checkpoint is printed instead (and stderr says so). --size prints the stored
checkpoint of exactly that size.`,
		Example: `  agentgov audit checkpoint > checkpoint.txt
  agentgov audit checkpoint --server http://127.0.0.1:8470`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if cl, err := g.remote(cfg); err != nil || cl != nil {
				if err != nil {
					return err
				}
				note, err := cl.Checkpoint(ctx, size)
				if err != nil {
					return err
				}
				_, err = out.Write(note)
				return err
			}
			held, holder := datadir.Dir(cfg.Storage.DataDir).Held()
			if size > 0 || held {
				_, r, closeFn, err := g.openReader(ctx)
				if err != nil {
					return err
				}
				defer closeFn()
				var cp audit.Checkpoint
				if size > 0 {
					cp, err = r.CheckpointAt(ctx, size)
				} else {
					cp, err = r.LatestCheckpoint(ctx)
					if err == nil {
						fmt.Fprintf(cmd.ErrOrStderr(), "agentgov: a server (%s) holds the data directory; this is its latest stored checkpoint (size %d); pass --server for a fresh one\n", holder.Addr, cp.Size)
					}
				}
				if err != nil {
					return err
				}
				_, err = out.Write(cp.Note)
				return err
			}
			w, err := openWriter(ctx, cfg, "agentgov audit checkpoint")
			if err != nil {
				return err
			}
			cp, err := w.log.Checkpoint(ctx)
			if cerr := w.close(context.WithoutCancel(ctx)); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
			_, err = out.Write(cp.Note)
			return err
		},
	}
	c.Flags().Int64Var(&size, "size", 0, "print the stored checkpoint of this tree size")
	return c
}

func newAuditExportCmd(g *globals) *cobra.Command {
	var format, outPath string
	c := &cobra.Command{
		Use:   "export",
		Short: "Export the log as self-verifying JSON Lines or CloudEvents",
		Long: `Export every entry covered by the latest checkpoint, one JSON document per
line, each with its leaf data, its inclusion proof and the checkpoint, so
that every line verifies on its own (agentgov audit verify-proof --proof).
--format cloudevents wraps each record in a CloudEvents 1.0 event.`,
		Example: `  agentgov audit export --format cloudevents > audit.ndjson
  agentgov audit export --format jsonl --output-file audit.jsonl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != export.FormatJSONL && format != export.FormatCloudEvents {
				return usageErr("--format must be %s or %s", export.FormatCloudEvents, export.FormatJSONL)
			}
			ctx := cmd.Context()
			_, r, closeFn, err := g.openReader(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			cp, err := r.LatestCheckpoint(ctx)
			if err != nil {
				return err
			}
			var w io.Writer = cmd.OutOrStdout()
			var f *os.File
			if outPath != "" {
				if f, err = os.OpenFile(outPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err != nil {
					return &ExitCodeError{Code: ExitUsage, Err: err}
				}
				w = f
			}
			n, err := export.Write(ctx, w, format, r.Origin(), func(ctx context.Context, fn func(*api.ExportRecord) error) error {
				return r.Records(ctx, cp, fn)
			})
			if f != nil {
				if serr := f.Sync(); err == nil {
					err = serr
				}
				if cerr := f.Close(); err == nil {
					err = cerr
				}
			}
			if err != nil {
				return err
			}
			if size, _ := r.Size(ctx); size > cp.Size {
				fmt.Fprintf(cmd.ErrOrStderr(), "agentgov: exported %d entries (checkpoint size %d); %d newer entries await the next checkpoint\n", n, cp.Size, size-cp.Size)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", export.FormatJSONL, "cloudevents or jsonl")
	c.Flags().StringVar(&outPath, "output-file", "", "write to this new file instead of stdout")
	return c
}

func newAuditBackupCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "backup FILE",
		Short: "Write a consistent copy of the store, even while the server runs",
		Long: `Write a consistent snapshot of the store to FILE (which must not exist). It
reads in one transaction and works beside a running server. Keys are not
included: back up the keys directory separately and keep it secret.`,
		Example: `  agentgov audit backup /backups/agentgov-$(date +%F).db`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if _, err := os.Stat(args[0]); err == nil {
				return usageErr("%s already exists", args[0])
			}
			st, err := openReadOnly(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			if err := st.Backup(cmd.Context(), args[0]); err != nil {
				return err
			}
			if err := os.Chmod(args[0], 0o600); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "agentgov: backup written to %s\n", args[0])
			return nil
		},
	}
}

func newAuditRestoreCmd(g *globals) *cobra.Command {
	var pubFile string
	var force bool
	c := &cobra.Command{
		Use:   "restore FILE",
		Short: "Verify a backup and make it the store",
		Long: `Verify FILE completely (every hash, every checkpoint, against the data
directory's log key or --pubkey) and only if it is intact, install it as the
store. Refused while a server holds the data directory, and refused over a
non-empty store unless --force.`,
		Example: `  agentgov audit restore /backups/agentgov-2026-11-01.db`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			dir := datadir.Dir(cfg.Storage.DataDir)
			lock, err := dir.Acquire(datadir.Holder{Command: "agentgov audit restore"})
			if err != nil {
				return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("%w; stop the server before restoring", err)}
			}
			defer lock.Release()
			v, keySource, err := g.trustedVerifier(cfg, pubFile)
			if err != nil {
				return err
			}
			if v == nil {
				return usageErr("no log key in %s: pass --pubkey with the log's verifier key", dir.Keys())
			}
			src, err := sqlite.Open(ctx, sqlite.Options{Path: args[0], ReadOnly: true})
			if err != nil {
				return &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("%s: %w", args[0], err)}
			}
			rep, err := audit.Verify(ctx, src, audit.VerifyOptions{Verifier: v})
			src.Close()
			if err != nil {
				return &ExitCodeError{Code: ExitUsage, Err: err}
			}
			if !rep.Intact {
				printReport(cmd.ErrOrStderr(), rep, keySource)
				return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("refusing to restore: the backup is not intact (first bad index %d)", rep.FirstBad)}
			}
			if _, err := os.Stat(dir.DB()); err == nil && !force {
				cur, err := sqlite.Open(ctx, sqlite.Options{Path: dir.DB(), ReadOnly: true})
				if err == nil {
					n, _ := cur.AuditSize(ctx)
					cur.Close()
					if n > 0 {
						return usageErr("%s already holds a log of %d entries; pass --force to replace it with the backup (%d entries)", dir.DB(), n, rep.Size)
					}
				}
			}
			if err := installDB(args[0], dir.DB()); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "agentgov: restored %d verified entries into %s\n", rep.Size, dir.DB())
			return nil
		},
	}
	c.Flags().StringVar(&pubFile, "pubkey", "", "verifier key to check the backup with (default: the data directory's log key)")
	c.Flags().BoolVar(&force, "force", false, "replace a non-empty store")
	return c
}

// installDB copies src next to dst, syncs it and renames it into place, so a
// crash leaves either the old store or the new one. Stale WAL files of the
// old store are removed first: they belong to the database being replaced.
func installDB(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".restore-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Remove(dst + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return err
	}
	d, err := os.Open(filepath.Dir(dst))
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func newAuditTailCmd(g *globals) *cobra.Command {
	var n int
	var follow bool
	var interval time.Duration
	c := &cobra.Command{
		Use:     "tail",
		Short:   "Print the newest entries as JSON lines, optionally following",
		Example: "  agentgov audit tail -n 20 --follow",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 0 || n > audit.MaxQueryLimit {
				return usageErr("-n must be between 0 and %d", audit.MaxQueryLimit)
			}
			ctx := cmd.Context()
			_, r, closeFn, err := g.openReader(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			size, err := r.Size(ctx)
			if err != nil {
				return err
			}
			next := max(size-int64(n), 0)
			for {
				for {
					size, err := r.Size(ctx)
					if err != nil {
						return err
					}
					if next >= size {
						break
					}
					e, err := r.Entry(ctx, next)
					if err != nil {
						return err
					}
					if err := printJSON(cmd.OutOrStdout(), e); err != nil {
						return err
					}
					next++
				}
				if !follow {
					return nil
				}
				select {
				case <-ctx.Done():
					return nil
				case <-time.After(interval):
				}
			}
		},
	}
	c.Flags().IntVarP(&n, "lines", "n", 10, "how many of the newest entries to print first")
	c.Flags().BoolVarP(&follow, "follow", "f", false, "keep printing new entries as they are appended")
	c.Flags().DurationVar(&interval, "interval", 500*time.Millisecond, "polling interval with --follow")
	return c
}

func newAuditPubkeyCmd(g *globals) *cobra.Command {
	var chain, root bool
	c := &cobra.Command{
		Use:   "pubkey",
		Short: "Print the log's verifier key (signed-note verifier format)",
		Long: `Print the public key that verifies this log's checkpoints, derived from the
private key in the data directory. Give it to auditors through a channel you
trust; with it they verify checkpoints, proofs and exports offline.

After a key rotation, --root prints the log's first key, the trust root an
auditor keeps, and --chain the key chain as JSON (every key, the tree sizes
it signs, and the rotations signed by the key before), for
agentgov audit verify-proof --key-chain.`,
		Example: "  agentgov audit pubkey > log.pub\n  agentgov audit pubkey --root > log.root.pub\n  agentgov audit pubkey --chain > chain.json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if chain || root {
				if chain && root {
					return usageErr("pass --chain or --root, not both")
				}
				return g.printKeyChain(cmd, root)
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			if cl, err := g.remote(cfg); err != nil || cl != nil {
				if err != nil {
					return err
				}
				k, err := cl.VerifierKey(cmd.Context())
				if err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), k)
				return nil
			}
			k, err := keyring.LoadLogKey(datadir.Dir(cfg.Storage.DataDir).Keys())
			if err != nil {
				if errors.Is(err, keyring.ErrNoKey) {
					return usageErr("no log key in %s (start agentgov serve once)", datadir.Dir(cfg.Storage.DataDir).Keys())
				}
				return err
			}
			fmt.Fprintln(cmd.OutOrStdout(), k.VerifierKey)
			return nil
		},
	}
	c.Flags().BoolVar(&chain, "chain", false, "print the key chain as JSON")
	c.Flags().BoolVar(&root, "root", false, "print the log's first key (the trust root)")
	return c
}

func newAuditEraseCmd(g *globals) *cobra.Command {
	var index int64
	var reason string
	c := &cobra.Command{
		Use:   "erase",
		Short: "Erase the payload of an entry (retention, right to erasure)",
		Long: `Delete the payload of entry --index and append the erasure entry that
accounts for it. The entry's header and every proof stay valid; verify lists
the payload as erased, not as tampering.`,
		Example: `  agentgov audit erase --index 17 --reason "GDPR art. 17 request #4411"`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("index") || reason == "" {
				return usageErr("--index and --reason are required")
			}
			ctx := cmd.Context()
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			var ei int64
			if cl, err := g.remote(cfg); err != nil || cl != nil {
				if err != nil {
					return err
				}
				if ei, err = cl.Erase(ctx, index, reason); err != nil {
					return err
				}
			} else {
				w, err := openWriter(ctx, cfg, "agentgov audit erase")
				if err != nil {
					return err
				}
				ei, err = w.log.Erase(ctx, index, reason+" (requested by "+localSource()+")", audit.SourceAgentgov)
				if cerr := w.close(context.WithoutCancel(ctx)); err == nil {
					err = cerr
				}
				if err != nil {
					return err
				}
			}
			return printJSON(cmd.OutOrStdout(), api.EventAccepted{Index: ei})
		},
	}
	c.Flags().Int64Var(&index, "index", 0, "entry whose payload to erase (required)")
	c.Flags().StringVar(&reason, "reason", "", "why (recorded in the erasure entry; required)")
	return c
}
