package cli

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/spf13/cobra"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/logkey"
)

func newKeysCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "keys",
		Short: "Rotate agentgov's keys: the audit log key, an agent's key, the SPIFFE CA",
		Long: `Rotate keys. Old keys stay valid for verifying what they signed.

The audit log key: the log appends a key_rotation entry signed by the old
key, the old key signs the checkpoint that covers it, and the new key signs
every checkpoint after. Verifiers start from the log's first key
(keys/log.root.pub after the first rotation) and follow the chain, so every
earlier checkpoint stays verifiable. audit.key_rotation rotates it on a
schedule while the server runs.

Writing commands: with --server (or AGENTGOV_SERVER) the running server
rotates (ADMIN); without it the command takes the data directory lock
itself, which it cannot while a server holds it.`,
	}
	addClientFlags(c.PersistentFlags(), g, "server URL (the running server rotates the key)")
	c.AddCommand(newKeysRotateCmd(g))
	return c
}

func newKeysRotateCmd(g *globals) *cobra.Command {
	var logKey, ca bool
	var agent, keyOut, passFile, reason string
	c := &cobra.Command{
		Use:   "rotate --log | --agent ID --key-out FILE | --ca",
		Short: "Rotate the audit log key, an agent's key or the SPIFFE CA",
		Long: `Rotate one key and print the outcome as JSON.

  --log             the audit log signing key; prints the rotation entry's
                    index, the tree size after which the new key signs, both
                    verifier keys and the old key's checkpoint covering it.
  --agent ID        an agent's Ed25519 key: a new key pair is written to
                    --key-out (0600; encrypted with --passphrase-file) and its
                    public key registered (needs --server).
  --ca              the built-in SPIFFE CA: new SVIDs are signed by a new CA
                    key; SVIDs already issued verify until they expire.`,
		Example: `  agentgov keys rotate --log --server http://127.0.0.1:8470 --reason "quarterly"
  agentgov keys rotate --log                       # no server running: takes the data directory lock
  agentgov keys rotate --agent support-bot --key-out support-bot.2.key --server http://127.0.0.1:8470
  agentgov keys rotate --ca --server http://127.0.0.1:8470`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			n := 0
			for _, b := range []bool{logKey, ca, agent != ""} {
				if b {
					n++
				}
			}
			if n != 1 {
				return usageErr("pass exactly one of --log, --agent ID, --ca")
			}
			if agent == "" && (keyOut != "" || passFile != "") {
				return usageErr("--key-out and --passphrase-file apply to --agent only")
			}
			if len(reason) > 1024 {
				return usageErr("--reason is %d bytes; the limit is 1024", len(reason))
			}
			switch {
			case logKey:
				return g.rotateLogKey(cmd, reason)
			case ca:
				return g.rotateCA(cmd, reason)
			default:
				if keyOut == "" {
					return usageErr("--agent needs --key-out FILE for the new private key")
				}
				cl, err := g.identityClient()
				if err != nil {
					return err
				}
				return RotateAgent(cmd, cl, agent, keyOut, passFile)
			}
		},
	}
	c.Flags().BoolVar(&logKey, "log", false, "rotate the audit log signing key")
	c.Flags().BoolVar(&ca, "ca", false, "rotate the built-in SPIFFE CA")
	c.Flags().StringVar(&agent, "agent", "", "rotate this agent's key")
	c.Flags().StringVar(&keyOut, "key-out", "", "with --agent: the new private key file to create")
	c.Flags().StringVar(&passFile, "passphrase-file", "", "with --agent: encrypt the new private key with the passphrase in this file")
	c.Flags().StringVar(&reason, "reason", "", "why (recorded in the audit entry)")
	return c
}

func (g *globals) rotateLogKey(cmd *cobra.Command, reason string) error {
	return g.rotate(cmd, "log", reason, func(ctx context.Context, _ *config.Config, w *writer) (api.KeyRotateResponse, error) {
		why := "manual: requested by " + localSource()
		if reason != "" {
			why = "manual: " + reason + " (requested by " + localSource() + ")"
		}
		r, err := w.keys.Rotate(ctx, why)
		if err != nil {
			return api.KeyRotateResponse{}, err
		}
		return logkey.Response(r), nil
	})
}

func (g *globals) rotateCA(cmd *cobra.Command, reason string) error {
	return g.rotate(cmd, "ca", reason, func(ctx context.Context, cfg *config.Config, w *writer) (api.KeyRotateResponse, error) {
		sp := daemon.NewSPIFFE(cfg, datadir.Dir(cfg.Storage.DataDir).Keys(), w.st, w.log, slog.New(slog.DiscardHandler))
		if err := sp.RotateCA(ctx); err != nil {
			return api.KeyRotateResponse{}, err
		}
		return api.KeyRotateResponse{Target: "ca", Detail: "the built-in CA signs new SVIDs with a new key; SVIDs already issued verify until they expire"}, nil
	})
}

// rotate rotates target through the server with --server, else locally
// under the data-directory lock with local.
func (g *globals) rotate(cmd *cobra.Command, target, reason string, local func(context.Context, *config.Config, *writer) (api.KeyRotateResponse, error)) error {
	ctx := cmd.Context()
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	cl, err := g.remote(cfg)
	if err != nil {
		return err
	}
	if cl != nil {
		out, err := cl.RotateKey(ctx, api.KeyRotateRequest{Target: target, Reason: reason})
		if err != nil {
			return apiErr(err)
		}
		return printRotation(cmd, out)
	}
	w, err := openWriter(ctx, cfg, "agentgov keys rotate")
	if err != nil {
		return err
	}
	out, err := local(ctx, cfg, w)
	if cerr := w.close(context.WithoutCancel(ctx)); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return printRotation(cmd, out)
}

func printRotation(cmd *cobra.Command, out api.KeyRotateResponse) error {
	if out.Target == "log" {
		fmt.Fprintf(cmd.ErrOrStderr(), "agentgov: log key rotated at entry %d: checkpoints up to size %d are signed by the old key, later ones by %s\n", out.Index, out.Size, out.NewKey)
	}
	return printJSON(cmd.OutOrStdout(), out)
}

// printKeyChain prints the log's key chain as JSON, or with rootOnly its
// first key: through the server with --server, else from the store.
func (g *globals) printKeyChain(cmd *cobra.Command, rootOnly bool) error {
	ctx := cmd.Context()
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	cl, err := g.remote(cfg)
	if err != nil {
		return err
	}
	var keys api.LogKeys
	if cl != nil {
		if keys, _, err = cl.KeyChain(ctx); err != nil {
			return apiErr(err)
		}
	} else {
		_, r, closeFn, err := g.openReader(ctx)
		if err != nil {
			return err
		}
		defer closeFn()
		if keys, err = r.Keys(ctx); err != nil {
			return err
		}
	}
	if rootOnly {
		fmt.Fprintln(cmd.OutOrStdout(), keys.RootKey)
		return nil
	}
	return printJSON(cmd.OutOrStdout(), keys)
}

// proofOpener is how verify-proof opens checkpoints: with the trusted key
// alone, or along the key chain in chainFile from the trusted key's place
// in it.
func proofOpener(v note.Verifier, chainFile string) (audit.Opener, error) {
	if chainFile == "" {
		return audit.SingleKey(v), nil
	}
	doc, err := readInput(chainFile, "--key-chain")
	if err != nil {
		return nil, err
	}
	chain, err := audit.ParseKeyChain(doc)
	if err != nil {
		return nil, &ExitCodeError{Code: ExitError, Err: fmt.Errorf("INVALID: --key-chain %s: %w", chainFile, err)}
	}
	i, err := audit.TrustedIndex(chain, v)
	if err != nil {
		return nil, &ExitCodeError{Code: ExitError, Err: fmt.Errorf("INVALID: --key-chain %s: %w", chainFile, err)}
	}
	return audit.ChainFrom(chain, i), nil
}

// printReportKeys lists the keys a verification followed.
func printReportKeys(w io.Writer, r *audit.Report) {
	if len(r.Keys) <= 1 && r.TrustedKey == 0 {
		return
	}
	fmt.Fprintf(w, "key chain:    %d keys, verified from key %d\n", len(r.Keys), r.TrustedKey)
	for i, k := range r.Keys {
		span := fmt.Sprintf("sizes %d and up", k.FirstSize)
		if k.LastSize != nil {
			span = fmt.Sprintf("sizes %d to %d", k.FirstSize, *k.LastSize)
		}
		from := "first key"
		if k.RotationIndex != nil {
			from = fmt.Sprintf("rotation entry %d", *k.RotationIndex)
		}
		fmt.Fprintf(w, "  [%d] %s  %s, %s, %d checkpoints\n", i, k.VerifierKey, span, from, k.Checkpoints)
	}
}
