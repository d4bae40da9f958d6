package client

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Files of an SVID directory, as `agentgov identity svid --out DIR` writes
// them.
const (
	SVIDFile   = "svid.pem"
	KeyFile    = "key.pem"
	BundleFile = "bundle.pem"
)

// WithTLSConfig makes the client speak TLS with cfg (a client certificate
// for mutual TLS, the roots that verify the server). It replaces the HTTP
// client (30 s timeout, the default transport's proxy and pooling); the
// version floor is raised to TLS 1.3. A later WithHTTPClient replaces it.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(c *Client) {
		cfg = cfg.Clone()
		cfg.MinVersion = max(cfg.MinVersion, tls.VersionTLS13)
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = cfg
		c.http = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
}

// TLSFiles names PEM files for TLS: a client certificate chain and its
// key (mutual TLS; both or neither), and the CAs that verify the server
// (empty: the system's).
type TLSFiles struct {
	Cert, Key, CA string
}

// SVIDDirFiles are the files of an SVID directory.
func SVIDDirFiles(dir string) TLSFiles {
	return TLSFiles{Cert: filepath.Join(dir, SVIDFile), Key: filepath.Join(dir, KeyFile), CA: filepath.Join(dir, BundleFile)}
}

// TLSConfig loads f into a TLS 1.3 client configuration. The server's
// certificate is verified against CA and its host name as usual; with an
// agentgov server in SPIFFE mode, CA is the trust bundle and the server's
// SVID carries DNS and IP names for its address.
func TLSConfig(f TLSFiles) (*tls.Config, error) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS13}
	switch {
	case f.Cert != "" && f.Key != "":
		cert, err := tls.LoadX509KeyPair(f.Cert, f.Key)
		if err != nil {
			return nil, fmt.Errorf("client: TLS certificate: %w", err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	case f.Cert != "" || f.Key != "":
		return nil, errors.New("client: a TLS client certificate needs both the certificate and the key file")
	}
	if f.CA != "" {
		b, err := os.ReadFile(f.CA)
		if err != nil {
			return nil, fmt.Errorf("client: TLS CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return nil, fmt.Errorf("client: TLS CA: %s holds no PEM certificate", f.CA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
