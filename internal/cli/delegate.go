package cli

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/delegation"
	"github.com/agentgov/agentgov/internal/identity"
)

func newDelegateCmd(g *globals) *cobra.Command {
	var from, to, toDID, keyFile, passFile, parent string
	var tools, resources, points []string
	var expires time.Duration
	var maxDepth int
	var noRegister bool
	c := &cobra.Command{
		Use:   "delegate",
		Short: "Sign a delegation from one agent to another, narrowed to tools, resources and points",
		Long: `Sign, with the delegator's private key, a delegation token that lets the
delegatee act for it within a scope: tool globs, resource globs and
intervention points, until an expiry. The token is printed on stdout; the
delegatee sends it (with the chain above it, root first) in the
"delegation" member of its checks. With --server the token is also
registered, which records its issue in the audit log and lets it be revoked
by digest.

A delegation can only narrow: the gate allows a delegated action only if it
is inside the chain's scope, allowed by the delegatee's own profile and by
the root delegator's profile. --parent re-delegates a token you hold; the new
link must then be within it (scope, expiry, depth).

The delegatee is named by agent id and did:key: --to-did, or looked up in the
server's agent registry with --server.`,
		Example: `  agentgov delegate --from planner --to searcher --tools 'kb_*' --resources 'docs/*' --expires 1h --key planner.key --server http://127.0.0.1:8470
  agentgov delegate revoke --digest sha256:... --reason "task done" --server http://127.0.0.1:8470`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" || to == "" || len(tools) == 0 {
				return usageErr("--key, --to and --tools are required")
			}
			if expires <= 0 || expires > 365*24*time.Hour {
				return usageErr("--expires must be between 1s and 8760h")
			}
			pass, err := readPassphrase(passFile)
			if err != nil {
				return err
			}
			k, err := identity.ReadKeyFile(keyFile, pass)
			if err != nil {
				return usageErr("--key: %v", err)
			}
			if from == "" {
				from = k.Agent
			}
			if from != k.Agent {
				return usageErr("--from %s, but --key holds the key of %s", from, k.Agent)
			}
			srv := g.serverURL()
			if toDID == "" {
				if srv == "" {
					return usageErr("pass --to-did, or --server to look up %s's did:key in the registry", to)
				}
				cl, err := g.identityClient()
				if err != nil {
					return err
				}
				a, err := cl.Agent(cmd.Context(), to)
				if err != nil {
					return apiErr(fmt.Errorf("looking up %s: %w", to, err))
				}
				if a.DID == "" {
					return apiErr(fmt.Errorf("%s has no registered key", to))
				}
				toDID = a.DID
			}
			id := make([]byte, 16)
			if _, err := rand.Read(id); err != nil {
				return err
			}
			now := time.Now()
			claims := delegation.Claims{ID: base64.RawURLEncoding.EncodeToString(id),
				From: delegation.Party{Agent: from, DID: k.DID()}, To: delegation.Party{Agent: to, DID: toDID},
				Tools: tools, Resources: resources, Points: points,
				IssuedAt: now.Unix(), Expires: now.Add(expires).Unix(), MaxDepth: maxDepth}
			if parent != "" {
				raw, err := tokenArg(parent)
				if err != nil {
					return err
				}
				pt, err := delegation.Decode(raw)
				if err != nil {
					return usageErr("--parent: %v", err)
				}
				if pt.To.Agent != from || pt.To.DID != k.DID() {
					return usageErr("--parent delegates to %s, not to %s with this key", pt.To.Agent, from)
				}
				claims.Parent = pt.Digest
				// A link expires no later than its parent.
				claims.Expires = min(claims.Expires, pt.Expires)
			}
			token, err := delegation.Sign(claims, k.Key)
			if err != nil {
				return usageErr("%v", err)
			}
			if srv != "" && !noRegister {
				cl, err := g.identityClient()
				if err != nil {
					return err
				}
				d, err := cl.RegisterDelegation(cmd.Context(), token)
				if err != nil {
					return apiErr(fmt.Errorf("registering the delegation: %w", err))
				}
				fmt.Fprintf(cmd.ErrOrStderr(), "registered %s (%s → %s, expires %s)\n", d.Digest, d.From, d.To, d.Expires.Format(time.RFC3339))
			}
			_, err = fmt.Fprintln(cmd.OutOrStdout(), token)
			return err
		},
	}
	addClientFlags(c.PersistentFlags(), g, "server URL: look up --to and register the token")
	fl := c.Flags()
	fl.StringVar(&from, "from", "", "delegating agent (default: the agent of --key)")
	fl.StringVar(&to, "to", "", "agent the authority is delegated to")
	fl.StringVar(&toDID, "to-did", "", "the delegatee's did:key (default: looked up on --server)")
	fl.StringVar(&keyFile, "key", "", "the delegator's private key file")
	fl.StringVar(&passFile, "passphrase-file", "", "passphrase of an encrypted key file")
	fl.StringSliceVar(&tools, "tools", nil, "tool names or globs granted (comma-separated or repeated)")
	fl.StringSliceVar(&resources, "resources", []string{"*"}, "resource globs granted; a check names its resources in snapshot.resources")
	fl.StringSliceVar(&points, "points", []string{"pre_tool_call", "post_tool_call"}, "intervention points granted")
	fl.DurationVar(&expires, "expires", time.Hour, "validity from now")
	fl.IntVar(&maxDepth, "max-depth", 0, "how many further re-delegations may follow this link")
	fl.StringVar(&parent, "parent", "", "re-delegate this token (or @FILE) held by --from")
	fl.BoolVar(&noRegister, "no-register", false, "do not register the token with --server")
	c.AddCommand(newDelegateRevokeCmd(g))
	return c
}

// tokenArg reads a token given inline or as @FILE.
func tokenArg(s string) (string, error) {
	if path, ok := strings.CutPrefix(s, "@"); ok {
		b, err := os.ReadFile(path)
		if err != nil {
			return "", usageErr("%v", err)
		}
		return strings.TrimSpace(string(b)), nil
	}
	return s, nil
}

func newDelegateRevokeCmd(g *globals) *cobra.Command {
	var token, digest, reason string
	c := &cobra.Command{
		Use:   "revoke",
		Short: "Revoke a delegation (the delegator or an ADMIN): every chain through it is refused at once",
		Example: `  agentgov delegate revoke --delegation @planner-searcher.tok --reason "task done" --server http://127.0.0.1:8470
  agentgov delegate revoke --digest sha256:9f2c... --server http://127.0.0.1:8470`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (token == "") == (digest == "") {
				return usageErr("pass --delegation or --digest (one of them)")
			}
			if token != "" {
				var err error
				if token, err = tokenArg(token); err != nil {
					return err
				}
			}
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			r, err := cl.RevokeDelegation(cmd.Context(), api.DelegationRevoke{Token: token, Digest: digest, Reason: reason})
			if err != nil {
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), r)
		},
	}
	c.Flags().StringVar(&token, "delegation", "", "the delegation token (or @FILE)")
	c.Flags().StringVar(&digest, "digest", "", "digest of a registered token (sha256:...)")
	c.Flags().StringVar(&reason, "reason", "", "why (recorded)")
	return c
}

func newTrustCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "trust",
		Short: "Read or set an agent's trust score (0-1000) and tier",
	}
	addClientFlags(c.PersistentFlags(), g, "server URL")
	c.AddCommand(&cobra.Command{
		Use:     "show AGENT",
		Short:   "Print an agent's score, tier and signal counters",
		Example: `  agentgov trust show support-bot --server http://127.0.0.1:8470`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			s, err := cl.Trust(cmd.Context(), args[0])
			if err != nil {
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), s)
		},
	})
	var reason string
	set := &cobra.Command{
		Use:     "set AGENT [SCORE]",
		Short:   "Set an agent's score (default 500, a reset) as an ADMIN; recorded in the audit log",
		Example: `  agentgov trust set support-bot 750 --reason "reviewed after incident 42"`,
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var score *int
			if len(args) == 2 {
				n, err := strconv.Atoi(args[1])
				if err != nil || n < 0 || n > 1000 {
					return usageErr("SCORE must be an integer from 0 to 1000")
				}
				score = &n
			}
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			s, err := cl.SetTrust(cmd.Context(), args[0], score, reason)
			if err != nil {
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), s)
		},
	}
	set.Flags().StringVar(&reason, "reason", "", "why (recorded)")
	c.AddCommand(set)
	return c
}
