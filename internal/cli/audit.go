package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/translog"
)

func newAuditCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "audit",
		Short: "Append to, query, prove, verify, export and back up the audit log",
		Long: `The audit log is append-only: an RFC 9162 Merkle tree over every entry with
Ed25519-signed checkpoints in the C2SP signed-note format.

Reading commands (verify, proof, consistency, export, tail, backup, pubkey)
open the store read-only and work beside a running server. Writing commands
(append, checkpoint, erase, restore) go through --server when a server holds
the data directory, and take its lock themselves otherwise.`,
	}
	addClientFlags(c.PersistentFlags(), g, "server URL for writing commands")
	c.AddCommand(
		newAuditAppendCmd(g), newAuditVerifyCmd(g), newAuditVerifyProofCmd(g), newAuditProofCmd(g),
		newAuditConsistencyCmd(g), newAuditCheckpointCmd(g), newAuditExportCmd(g), newAuditBackupCmd(g),
		newAuditRestoreCmd(g), newAuditTailCmd(g), newAuditPubkeyCmd(g), newAuditEraseCmd(g),
	)
	return c
}

func printJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func newAuditAppendCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "append",
		Short: "Append events read as JSON from stdin",
		Long: `Append one or more events, read from stdin as JSON objects (one object, or a
stream of them such as JSON Lines), each shaped like the body of
POST /v1/audit/events. Prints {"index": N} for each, once it is durable.`,
		Example: `  echo '{"type":"external","agent":"billing-bot","action":"refund","decision":"allow","payload":{"amount":12}}' | agentgov audit append
  agentgov audit append --server http://127.0.0.1:8470 < events.jsonl`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			cl, err := g.remote(cfg)
			if err != nil {
				return err
			}
			var appendOne func(ev *api.Event) (int64, error)
			if cl != nil {
				appendOne = func(ev *api.Event) (int64, error) { return cl.AppendEvent(ctx, *ev) }
			} else {
				w, err := openWriter(ctx, cfg, "agentgov audit append")
				if err != nil {
					return err
				}
				defer w.close(context.WithoutCancel(ctx))
				src := localSource()
				appendOne = func(ev *api.Event) (int64, error) { return w.log.Append(ctx, ev, src) }
			}
			dec := json.NewDecoder(io.LimitReader(cmd.InOrStdin(), 1<<30))
			dec.DisallowUnknownFields()
			n := 0
			for {
				var ev api.Event
				err := dec.Decode(&ev)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					return usageErr("stdin: event %d: %v", n+1, err)
				}
				idx, err := appendOne(&ev)
				if err != nil {
					return fmt.Errorf("event %d: %w", n+1, err)
				}
				if err := printJSON(cmd.OutOrStdout(), api.EventAccepted{Index: idx}); err != nil {
					return err
				}
				n++
			}
			if n == 0 {
				return usageErr("stdin held no event")
			}
			return nil
		},
	}
}

func newAuditVerifyCmd(g *globals) *cobra.Command {
	var cpFile, pubFile, output string
	c := &cobra.Command{
		Use:   "verify",
		Short: "Recompute and check the whole audit log from the raw store",
		Long: `Recompute every leaf, every stored tree hash and every payload digest, and
check the tree against every stored checkpoint and, with --checkpoint and
--pubkey, against a checkpoint kept outside (published, witnessed, held by an
auditor). Reports the first bad index.

Exit status: 0 intact (erased payloads are listed, they are not tampering),
1 tampering or corruption found, 2 verification could not run.`,
		Example: `  agentgov audit verify
  agentgov audit verify --checkpoint auditor-copy.txt --pubkey log.pub --output json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (cpFile == "") != (pubFile == "") && cpFile != "" {
				return usageErr("--checkpoint needs --pubkey")
			}
			if output != "text" && output != "json" {
				return usageErr("--output must be text or json")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			v, keySource, err := g.trustedVerifier(cfg, pubFile)
			if err != nil {
				return err
			}
			o := audit.VerifyOptions{Verifier: v}
			if cpFile != "" {
				// The external checkpoint is checked with the key of the
				// log's key chain in use at its size.
				if o.External, err = readInput(cpFile, "--checkpoint"); err != nil {
					return err
				}
			}
			st, err := openReadOnly(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			defer st.Close()
			rep, err := audit.Verify(cmd.Context(), st, o)
			if err != nil {
				return &ExitCodeError{Code: ExitUsage, Err: err}
			}
			if output == "json" {
				if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
					return err
				}
			} else {
				printReport(cmd.OutOrStdout(), rep, keySource)
			}
			if !rep.Intact {
				return &ExitCodeError{Code: ExitError, Quiet: output == "text", Err: fmt.Errorf("audit log tampered or corrupt: first bad index %d", rep.FirstBad)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&cpFile, "checkpoint", "", "an external signed checkpoint to check the log against")
	c.Flags().StringVar(&pubFile, "pubkey", "", "the log's verifier key (as printed by agentgov audit pubkey)")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	return c
}

func printReport(w io.Writer, r *audit.Report, keySource string) {
	fmt.Fprintf(w, "log:          %s\n", r.Origin)
	fmt.Fprintf(w, "entries:      %d\n", r.Size)
	fmt.Fprintf(w, "checkpoints:  %d stored, latest covers %d entries (checked with %s)\n", r.Checkpoints, r.LatestCheckpoint, keySource)
	printReportKeys(w, r)
	if r.ExternalChecked {
		fmt.Fprintf(w, "external:     checkpoint of size %d\n", r.ExternalSize)
	}
	if r.UncoveredEntries > 0 {
		fmt.Fprintf(w, "uncovered:    %d newest entries are not yet covered by a signed checkpoint\n", r.UncoveredEntries)
	}
	if len(r.Erased) > 0 {
		fmt.Fprintf(w, "erased:       %d payloads erased by erasure entries: %s\n", len(r.Erased), joinInts(r.Erased, 20))
	}
	if r.Intact {
		fmt.Fprintln(w, "result:       INTACT")
		return
	}
	fmt.Fprintf(w, "result:       TAMPERED OR CORRUPT, first bad index %d\n", r.FirstBad)
	for _, p := range r.Problems {
		fmt.Fprintf(w, "  [%d] %s: %s\n", p.Index, p.Kind, p.Detail)
	}
	if r.ProblemsTruncated {
		fmt.Fprintln(w, "  (more problems not shown)")
	}
}

func joinInts(xs []int64, max int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == max {
			fmt.Fprintf(&b, " … (%d more)", len(xs)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%d", x)
	}
	return b.String()
}

// proofFile is any of the documents verify-proof accepts.
type proofFile struct {
	// inclusion proof
	Index    *int64   `json:"index"`
	TreeSize *int64   `json:"tree_size"`
	LeafHash *string  `json:"leaf_hash"`
	Hashes   []string `json:"hashes"`
	// consistency proof
	From *int64 `json:"from"`
	To   *int64 `json:"to"`
	// export record
	Entry      *api.Entry          `json:"entry"`
	Leaf       *string             `json:"leaf"`
	Proof      *api.InclusionProof `json:"proof"`
	Checkpoint *string             `json:"checkpoint"`
}

func newAuditVerifyProofCmd(g *globals) *cobra.Command {
	var pubFile, proofPath, entryPath, chainFile string
	var cpFiles []string
	c := &cobra.Command{
		Use:   "verify-proof",
		Short: "Verify a fetched inclusion or consistency proof entirely offline",
		Long: `Verify a proof with nothing but the log's public key and signed checkpoints.

  inclusion proof (GET /v1/audit/proof/inclusion): one --checkpoint of the
    proof's tree size; with --entry (GET /v1/audit/entries/{index}) the entry
    is recomputed and must be the proven leaf.
  consistency proof (GET /v1/audit/proof/consistency): two --checkpoint
    files, of sizes from and to.
  export record (a line of agentgov audit export --format jsonl): no
    --checkpoint needed, the record carries its own.

After a log key rotation, --pubkey is the log's first key (the trust root)
and --key-chain the chain (agentgov audit pubkey --chain, or GET
/v1/audit/pubkey with Accept: application/json): every rotation in it is
verified from the first key, and each checkpoint must be signed by the key
in use at its size. Checkpoints signed before the first rotation verify
with --pubkey alone.

Exit status: 0 valid, 1 invalid, 2 bad input.`,
		Example: `  agentgov audit verify-proof --pubkey log.pub --checkpoint cp.txt --proof proof.json --entry entry.json
  agentgov audit verify-proof --pubkey log.root.pub --key-chain chain.json --checkpoint cp.txt --proof proof.json
  agentgov audit verify-proof --pubkey log.pub --checkpoint old.txt --checkpoint new.txt --proof consistency.json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if pubFile == "" || proofPath == "" {
				return usageErr("--pubkey and --proof are required")
			}
			v, err := readVerifier(pubFile)
			if err != nil {
				return err
			}
			open, err := proofOpener(v, chainFile)
			if err != nil {
				return err
			}
			raw, err := readInput(proofPath, "--proof")
			if err != nil {
				return err
			}
			var pf proofFile
			dec := json.NewDecoder(bytes.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&pf); err != nil {
				return usageErr("--proof: %s is not a proof: %v", proofPath, err)
			}
			var cps [][]byte
			for _, f := range cpFiles {
				b, err := readInput(f, "--checkpoint")
				if err != nil {
					return err
				}
				cps = append(cps, b)
			}
			invalid := func(err error) error {
				if errors.Is(err, translog.ErrCheckpoint) && chainFile == "" {
					return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("INVALID: %w (if the log key was rotated, pass --key-chain with the chain from agentgov audit pubkey --chain)", err)}
				}
				if errors.Is(err, audit.ErrProof) || errors.Is(err, translog.ErrCheckpoint) {
					return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("INVALID: %w", err)}
				}
				var fe *audit.FieldError
				if errors.As(err, &fe) {
					return &ExitCodeError{Code: ExitUsage, Err: err}
				}
				return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("INVALID: %w", err)}
			}
			out := cmd.OutOrStdout()
			switch {
			case pf.Entry != nil && pf.Proof != nil && pf.Leaf != nil && pf.Checkpoint != nil:
				rec := api.ExportRecord{Entry: *pf.Entry, Leaf: *pf.Leaf, Proof: *pf.Proof, Checkpoint: *pf.Checkpoint}
				if err := audit.VerifyExportRecordWith(open, &rec); err != nil {
					return invalid(err)
				}
				fmt.Fprintf(out, "OK: entry %d is in the log %s of size %d\n", rec.Entry.Index, v.Name(), rec.Proof.TreeSize)
			case pf.LeafHash != nil && pf.Index != nil && pf.TreeSize != nil:
				if len(cps) != 1 {
					return usageErr("an inclusion proof needs exactly one --checkpoint (of size %d)", *pf.TreeSize)
				}
				p := api.InclusionProof{Index: *pf.Index, TreeSize: *pf.TreeSize, LeafHash: *pf.LeafHash, Hashes: pf.Hashes}
				var entry *api.Entry
				if entryPath != "" {
					eb, err := readInput(entryPath, "--entry")
					if err != nil {
						return err
					}
					entry = new(api.Entry)
					if err := json.Unmarshal(eb, entry); err != nil {
						return usageErr("--entry: %s is not an entry: %v", entryPath, err)
					}
				}
				cp, err := audit.VerifyInclusionWith(open, cps[0], &p, entry)
				if err != nil {
					return invalid(err)
				}
				what := "leaf"
				if entry != nil {
					what = "entry"
				}
				fmt.Fprintf(out, "OK: %s %d is in the log %s at checkpoint size %d\n", what, p.Index, cp.Origin, cp.Size)
			case pf.From != nil && pf.To != nil:
				if entryPath != "" {
					return usageErr("--entry applies to inclusion proofs only")
				}
				if len(cps) != 2 {
					return usageErr("a consistency proof needs two --checkpoint files (sizes %d and %d)", *pf.From, *pf.To)
				}
				oldCp, newCp := cps[0], cps[1]
				if c0, err := open(cps[0]); err == nil && c0.Size == *pf.To {
					oldCp, newCp = cps[1], cps[0]
				}
				p := api.ConsistencyProof{From: *pf.From, To: *pf.To, Hashes: pf.Hashes}
				if err := audit.VerifyConsistencyWith(open, oldCp, newCp, &p); err != nil {
					return invalid(err)
				}
				fmt.Fprintf(out, "OK: the log %s of size %d is a prefix of its tree of size %d\n", v.Name(), p.From, p.To)
			default:
				return usageErr("--proof: %s is neither an inclusion proof, a consistency proof nor an export record", proofPath)
			}
			return nil
		},
	}
	c.Flags().StringVar(&pubFile, "pubkey", "", "the log's verifier key file (required)")
	c.Flags().StringArrayVar(&cpFiles, "checkpoint", nil, "signed checkpoint file (twice for a consistency proof)")
	c.Flags().StringVar(&proofPath, "proof", "", "proof file (required)")
	c.Flags().StringVar(&entryPath, "entry", "", "entry file to check against an inclusion proof")
	c.Flags().StringVar(&chainFile, "key-chain", "", "the log's key chain (agentgov audit pubkey --chain), to verify checkpoints signed after a key rotation")
	return c
}

func newAuditProofCmd(g *globals) *cobra.Command {
	var index, size int64
	c := &cobra.Command{
		Use:   "proof",
		Short: "Print the inclusion proof of an entry",
		Long: `Print the RFC 9162 inclusion proof of entry --index in the tree of --tree-size
entries (default: the size of the latest checkpoint, so that it verifies
against agentgov audit checkpoint's output).`,
		Example: `  agentgov audit proof --index 41 > proof.json`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if !cmd.Flags().Changed("index") {
				return usageErr("--index is required")
			}
			return g.printRead(cmd,
				func(ctx context.Context, cl *client.Client) (any, error) { return cl.InclusionProof(ctx, index, size) },
				func(ctx context.Context, r *audit.Reader) (any, error) { return r.InclusionProof(ctx, index, size) })
		},
	}
	c.Flags().Int64Var(&index, "index", 0, "entry index (required)")
	c.Flags().Int64Var(&size, "tree-size", 0, "tree size (default: latest checkpoint)")
	return c
}

// openReader loads the configuration and opens the store read-only as an
// audit reader.
func (g *globals) openReader(ctx context.Context) (*config.Config, *audit.Reader, func(), error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, nil, nil, err
	}
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return nil, nil, nil, err
	}
	r, err := audit.NewReader(ctx, st, nil)
	if err != nil {
		st.Close()
		return nil, nil, nil, &ExitCodeError{Code: ExitUsage, Err: err}
	}
	return cfg, r, func() { st.Close() }, nil
}

// printRead answers a read through the server when --server is given, or
// from the local store opened read-only otherwise, and prints it as JSON.
func (g *globals) printRead(cmd *cobra.Command, remote func(context.Context, *client.Client) (any, error), local func(context.Context, *audit.Reader) (any, error)) error {
	ctx := cmd.Context()
	cfg, err := g.loadConfig()
	if err != nil {
		return err
	}
	cl, err := g.remote(cfg)
	if err != nil {
		return err
	}
	var v any
	if cl != nil {
		v, err = remote(ctx, cl)
	} else {
		_, r, closeFn, oerr := g.openReader(ctx)
		if oerr != nil {
			return oerr
		}
		defer closeFn()
		v, err = local(ctx, r)
	}
	if err != nil {
		return err
	}
	return printJSON(cmd.OutOrStdout(), v)
}
