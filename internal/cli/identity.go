package cli

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/identity"
)

func newIdentityCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "identity",
		Short: "Agent identities: register and rotate Ed25519 keys, run the handshake",
		Long: `Agent identities. Each agent has an Ed25519 key pair named by a did:key. The
private key stays with the agent, in a file of mode 0600 (optionally
encrypted with a passphrase: argon2id + AES-256-GCM); the registry on the
server holds the public keys and their history. An agent proves its key with
the challenge-response handshake and gets a session token bound to it.`,
	}
	addClientFlags(c.PersistentFlags(), g, "server URL")
	c.AddCommand(newIdentityRegisterCmd(g), newIdentityRotateCmd(g), newIdentityShowCmd(g), newIdentityListCmd(g), newIdentityLoginCmd(g), newIdentitySVIDCmd(g), newIdentityRevokeSVIDCmd(g))
	return c
}

// identityClient is the API client of an identity command; --server is
// required (the registry lives in the server).
func (g *globals) identityClient() (*client.Client, error) {
	srv := g.serverURL()
	if srv == "" {
		return nil, usageErr("pass --server URL (or set %s): the registry lives in the running server", envServer)
	}
	return g.newClient(nil, srv, g.apiToken()) // svid.go: TLS flags
}

func readPassphrase(path string) ([]byte, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usageErr("--passphrase-file: %v", err)
	}
	return []byte(strings.TrimRight(string(b), "\r\n")), nil
}

// newKeyFile generates a key pair and writes its private half to path.
func newKeyFile(agent, path, passFile string) (ed25519.PublicKey, error) {
	pass, err := readPassphrase(passFile)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(path); err == nil {
		return nil, usageErr("--key-out %s exists; agentgov never overwrites a key file", path)
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := identity.WriteKeyFile(path, agent, priv, identity.KeyFileOptions{Passphrase: pass}); err != nil {
		return nil, &ExitCodeError{Code: ExitError, Err: err}
	}
	return pub, nil
}

func apiErr(err error) error { return &ExitCodeError{Code: ExitError, Err: err} }

func newIdentityRegisterCmd(g *globals) *cobra.Command {
	var agent, keyOut, passFile string
	c := &cobra.Command{
		Use:   "register",
		Short: "Generate an agent's key pair locally and register its public key (ADMIN)",
		Long: `Generate an Ed25519 key pair for the agent, write the private key to
--key-out (mode 0600; encrypted when --passphrase-file is given) and register
the public key with the server. The agent must be defined in the server's
configuration. Only the public key leaves this machine.`,
		Example: `  agentgov identity register --server http://127.0.0.1:8470 --agent support-bot --key-out support-bot.key
  agentgov identity register --agent support-bot --key-out bot.key --passphrase-file pass.txt`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agent == "" {
				return usageErr("--agent is required")
			}
			if keyOut == "" {
				keyOut = agent + ".key"
			}
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			pub, err := newKeyFile(agent, keyOut, passFile)
			if err != nil {
				return err
			}
			a, err := cl.RegisterAgent(cmd.Context(), agent, identity.DIDFromPublicKey(pub))
			if err != nil {
				// The key was never enrolled: remove it so that a retry
				// starts clean.
				os.Remove(keyOut)
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), a)
		},
	}
	c.Flags().StringVar(&agent, "agent", "", "agent id (as in the configuration's agents:)")
	c.Flags().StringVar(&keyOut, "key-out", "", "private key file to create (default AGENT.key)")
	c.Flags().StringVar(&passFile, "passphrase-file", "", "encrypt the private key with the passphrase in this file")
	return c
}

// RotateAgent generates a new key pair for agent into keyOut and makes it
// the agent's key on the server behind cl. The keys command uses it for
// agentgov keys rotate --agent.
func RotateAgent(cmd *cobra.Command, cl *client.Client, agent, keyOut, passFile string) error {
	pub, err := newKeyFile(agent, keyOut, passFile)
	if err != nil {
		return err
	}
	a, err := cl.RotateAgentKey(cmd.Context(), agent, identity.DIDFromPublicKey(pub))
	if err != nil {
		os.Remove(keyOut)
		return apiErr(err)
	}
	return printJSON(cmd.OutOrStdout(), a)
}

func newIdentityRotateCmd(g *globals) *cobra.Command {
	var agent, keyOut, passFile string
	c := &cobra.Command{
		Use:   "rotate",
		Short: "Replace an agent's key with a new locally generated one (ADMIN)",
		Long: `Generate a new key pair, write it to --key-out and make it the agent's key.
The old key stays in the registry with the end of its validity window, so
what it signed stays verifiable; the agent's open sessions end.`,
		Example: `  agentgov identity rotate --server http://127.0.0.1:8470 --agent support-bot --key-out support-bot.2.key`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agent == "" || keyOut == "" {
				return usageErr("--agent and --key-out are required")
			}
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			return RotateAgent(cmd, cl, agent, keyOut, passFile)
		},
	}
	c.Flags().StringVar(&agent, "agent", "", "agent id")
	c.Flags().StringVar(&keyOut, "key-out", "", "new private key file to create")
	c.Flags().StringVar(&passFile, "passphrase-file", "", "encrypt the new private key with the passphrase in this file")
	return c
}

func newIdentityShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "show AGENT",
		Short:   "Print a registered agent: did, status, keys with their validity windows",
		Example: `  agentgov identity show support-bot --server http://127.0.0.1:8470`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			a, err := cl.Agent(cmd.Context(), args[0])
			if err != nil {
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), a)
		},
	}
}

func newIdentityListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List registered agents",
		Example: `  agentgov identity list --server http://127.0.0.1:8470`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := g.identityClient()
			if err != nil {
				return err
			}
			l, err := cl.Agents(cmd.Context())
			if err != nil {
				return apiErr(err)
			}
			return printJSON(cmd.OutOrStdout(), l)
		},
	}
}

func newIdentityLoginCmd(g *globals) *cobra.Command {
	var keyFile, passFile, serverDID string
	var tokenOnly bool
	c := &cobra.Command{
		Use:   "login",
		Short: "Run the handshake with an agent's key and print the session token",
		Long: `Prove the agent's key to the server with the challenge-response handshake and
print the session grant (or, with --token-only, just the token, for
AGENTGOV_TOKEN). The server is authenticated too: it signs a nonce of ours;
--server-did pins its key.`,
		Example: `  export AGENTGOV_TOKEN=$(agentgov identity login --server http://127.0.0.1:8470 --key support-bot.key --token-only)`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if keyFile == "" {
				return usageErr("--key is required")
			}
			srv := g.serverURL()
			if srv == "" {
				return usageErr("pass --server URL (or set %s)", envServer)
			}
			pass, err := readPassphrase(passFile)
			if err != nil {
				return err
			}
			k, err := identity.ReadKeyFile(keyFile, pass)
			if err != nil {
				return &ExitCodeError{Code: ExitUsage, Err: err}
			}
			gr, err := (&identity.Client{BaseURL: srv, Key: k, ServerDID: serverDID}).Login(cmd.Context())
			if err != nil {
				return &ExitCodeError{Code: ExitError, Err: err}
			}
			if tokenOnly {
				_, err := fmt.Fprintln(cmd.OutOrStdout(), gr.Token)
				return err
			}
			return printJSON(cmd.OutOrStdout(), gr)
		},
	}
	c.Flags().StringVar(&keyFile, "key", "", "the agent's private key file")
	c.Flags().StringVar(&passFile, "passphrase-file", "", "passphrase of an encrypted key file")
	c.Flags().StringVar(&serverDID, "server-did", "", "pin the server's handshake did:key")
	c.Flags().BoolVar(&tokenOnly, "token-only", false, "print only the session token")
	return c
}
