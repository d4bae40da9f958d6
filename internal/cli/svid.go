package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/identity/spiffe"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/server"
)

// Environment variables of the client TLS flags.
const (
	envTLSCert = "AGENTGOV_TLS_CERT"
	envTLSKey  = "AGENTGOV_TLS_KEY"
	envTLSCA   = "AGENTGOV_TLS_CA"
	envSVIDDir = "AGENTGOV_SVID_DIR"
)

// clientTLSFlags are the TLS settings of client commands.
type clientTLSFlags struct {
	cert, key, ca, svidDir string
}

// addClientTLSFlags adds --tls-cert, --tls-key, --tls-ca and --svid-dir
// to a client command (called by addClientFlags).
func addClientTLSFlags(fs *pflag.FlagSet, g *globals) {
	t := &g.clientTLS
	fs.StringVar(&t.cert, "tls-cert", "", "client certificate chain (PEM) for mutual TLS with --server (env "+envTLSCert+")")
	fs.StringVar(&t.key, "tls-key", "", "private key (PEM) of --tls-cert (env "+envTLSKey+")")
	fs.StringVar(&t.ca, "tls-ca", "", "CA bundle (PEM) that verifies an https --server (env "+envTLSCA+"; default: the system roots, "+
		"or the SPIFFE bundle in the data directory when there is one)")
	fs.StringVar(&t.svidDir, "svid-dir", "", "directory of svid.pem, key.pem and bundle.pem (as agentgov identity svid writes it) to "+
		"authenticate with an SVID instead of a token (env "+envSVIDDir+")")
}

func (g *globals) flagOrEnv(v, env string) string {
	if v != "" {
		return v
	}
	return g.env.get(env)
}

// newClient builds the API client of srv with the TLS flags. cfg, when
// given, supplies a default CA bundle: the built-in SPIFFE CA's, if the
// data directory has one.
func (g *globals) newClient(cfg *config.Config, srv, token string) (*client.Client, error) {
	t := g.clientTLS
	files := client.TLSFiles{Cert: g.flagOrEnv(t.cert, envTLSCert), Key: g.flagOrEnv(t.key, envTLSKey), CA: g.flagOrEnv(t.ca, envTLSCA)}
	if dir := g.flagOrEnv(t.svidDir, envSVIDDir); dir != "" {
		if files.Cert != "" || files.Key != "" {
			return nil, usageErr("--svid-dir and --tls-cert/--tls-key both name a client certificate; pass one")
		}
		d := client.SVIDDirFiles(dir)
		files.Cert, files.Key = d.Cert, d.Key
		if files.CA == "" {
			files.CA = d.CA
		}
	}
	var opts []client.Option
	if strings.HasPrefix(srv, "https://") || files.Cert != "" || files.CA != "" {
		if files.CA == "" && cfg != nil {
			if bundle, ok := spiffe.BundlePath(daemon.SPIFFEDir(datadir.Dir(cfg.Storage.DataDir).Keys())); ok {
				files.CA = bundle
			}
		}
		tc, err := client.TLSConfig(files)
		if err != nil {
			return nil, &ExitCodeError{Code: ExitUsage, Err: err}
		}
		opts = append(opts, client.WithTLSConfig(tc))
	}
	c, err := client.New(srv, token, opts...)
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: err}
	}
	return c, nil
}

func newIdentitySVIDCmd(g *globals) *cobra.Command {
	var agent, out string
	c := &cobra.Command{
		Use:   "svid",
		Short: "Obtain an X.509-SVID for an agent from agentgov's built-in SPIFFE CA",
		Long: `Obtain an X.509-SVID (spiffe://<auth.trust_domain>/agent/<id>) for an agent.
A fresh ECDSA P-256 key is generated here and never leaves this machine; the
CA certifies it from a CSR. Writes, into --out:

  svid.pem    the certificate chain (leaf first)
  key.pem     the private key (mode 0600)
  bundle.pem  the trust domain's CA certificates, to verify peers with

With --server the running server's CA issues it: an agent authenticates as
itself (its session token, or its current SVID with --svid-dir to renew),
an ADMIN operator names the agent with --agent. Without --server the CA in
the data directory issues it directly (not while a server holds the data
directory), e.g. to provision agents before serve starts with
server.tls.require_client_cert. Every issuance is an audit entry.`,
		Example: `  agentgov identity svid --agent support-bot --out ./svid --server https://127.0.0.1:8470 --token "$OPS_TOKEN"
  agentgov identity svid --out ./svid --server https://agentgov:8470 --svid-dir ./svid   # renew with the current SVID
  agentgov identity svid --agent support-bot --out ./svid --config agentgov.yaml        # offline, before serve`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if out == "" {
				return usageErr("--out DIR is required")
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			if err != nil {
				return err
			}
			der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
			if err != nil {
				return err
			}
			csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
			var resp api.SVIDResponse
			if srv := g.serverURL(); srv != "" {
				cl, err := g.newClient(cfg, srv, g.apiToken())
				if err != nil {
					return err
				}
				if resp, err = cl.RequestSVID(cmd.Context(), agent, csrPEM); err != nil {
					return fmt.Errorf("identity svid: %w", err)
				}
			} else {
				if agent == "" {
					return usageErr("--agent ID is required without --server")
				}
				if resp, err = issueLocal(cmd.Context(), cfg, agent, csrPEM); err != nil {
					return err
				}
			}
			if err := writeSVIDDir(out, resp, key); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s\nserial %s, valid until %s\nwrote %s, %s, %s in %s\n", resp.SPIFFEID, resp.Serial, resp.NotAfter,
				client.SVIDFile, client.KeyFile, client.BundleFile, out)
			return nil
		},
	}
	c.Flags().StringVar(&agent, "agent", "", "the agent to issue for (required for an operator and offline; an agent gets its own)")
	c.Flags().StringVar(&out, "out", "", "directory to write svid.pem, key.pem and bundle.pem into (created 0700)")
	return c
}

func newIdentityRevokeSVIDCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "revoke-svid SERIAL",
		Short: "Revoke an X.509-SVID issued by the built-in CA",
		Long: `Revoke an SVID by its serial number (lower-case hex, as agentgov identity svid
prints it). Every new TLS handshake presenting it fails from then on; the
revocation is an audit entry. Needs an ADMIN credential.`,
		Example: `  agentgov identity revoke-svid 5f0c9a… --server https://127.0.0.1:8470 --token "$OPS_TOKEN"`,
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			srv := g.serverURL()
			if srv == "" {
				return usageErr("pass --server URL (or set %s): revocation goes through the running server", envServer)
			}
			cl, err := g.newClient(cfg, srv, g.apiToken())
			if err != nil {
				return err
			}
			if err := cl.RevokeSVID(cmd.Context(), args[0]); err != nil {
				return fmt.Errorf("identity revoke-svid: %w", err)
			}
			fmt.Fprintf(cmd.OutOrStdout(), "revoked %s\n", args[0])
			return nil
		},
	}
}

// issueLocal issues through the data directory's CA, holding its lock.
func issueLocal(ctx context.Context, cfg *config.Config, agent string, csrPEM []byte) (api.SVIDResponse, error) {
	w, err := openWriter(ctx, cfg, "agentgov identity svid")
	if err != nil {
		return api.SVIDResponse{}, err
	}
	defer w.close(context.WithoutCancel(ctx))
	sp := daemon.NewSPIFFE(cfg, datadir.Dir(cfg.Storage.DataDir).Keys(), w.st, w.log, nil)
	resp, err := sp.IssueSVID(ctx, agent, csrPEM, localSource())
	if err != nil {
		var re *server.SVIDRequestError
		if errors.As(err, &re) {
			return resp, &ExitCodeError{Code: ExitUsage, Err: err}
		}
		return resp, fmt.Errorf("identity svid: %w", err)
	}
	return resp, nil
}

// writeSVIDDir writes the SVID, its key (0600) and the bundle.
func writeSVIDDir(dir string, resp api.SVIDResponse, key *ecdsa.PrivateKey) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	keyPath := filepath.Join(dir, client.KeyFile)
	// A renewal replaces the old key: move it aside first, since the
	// keyring never overwrites a private key file.
	if err := os.Remove(keyPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := keyring.WriteSecretFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})); err != nil {
		return err
	}
	if err := keyring.WritePublicFile(filepath.Join(dir, client.SVIDFile), []byte(resp.SVID)); err != nil {
		return err
	}
	return keyring.WritePublicFile(filepath.Join(dir, client.BundleFile), []byte(resp.Bundle))
}
