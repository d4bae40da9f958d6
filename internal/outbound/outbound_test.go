package outbound

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/internal/config"
)

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty.pem")
	if err := os.WriteFile(empty, []byte("no pem"), 0o600); err != nil {
		t.Fatal(err)
	}

	cfg := config.Default()
	cfg.Outbound.TLS.Pins = map[string][]string{"api.example.com": {"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}
	tc, err := TLS(cfg, "")
	if err != nil || tc.MinVersion != tls.VersionTLS13 || tc.VerifyConnection == nil || tc.RootCAs != nil {
		t.Fatalf("%+v %v", tc, err)
	}
	// The configured CA is trusted on top of the system roots.
	cfg.Outbound.TLS.CAFile = ca
	tc, err = TLS(cfg, "")
	if err != nil || tc.RootCAs == nil {
		t.Fatalf("%v", err)
	}
	if _, err := srv.Certificate().Verify(x509Opts(tc)); err != nil {
		t.Fatalf("the configured CA is not trusted: %v", err)
	}
	for _, tc := range []struct {
		name, caFile, extra, want string
	}{
		{"missing ca_file", filepath.Join(dir, "none.pem"), "", "outbound.tls.ca_file"},
		{"ca_file without PEM", empty, "", "no PEM certificate"},
		{"extra file without PEM", "", empty, "no PEM certificate"},
	} {
		cfg.Outbound.TLS.CAFile = tc.caFile
		if _, err := TLS(cfg, tc.extra); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.name, err, tc.want)
		}
	}
	cfg.Outbound.TLS.CAFile = ""
	cfg.Outbound.TLS.Pins = map[string][]string{"h": {"not a pin"}}
	if _, err := TLS(cfg, ""); err == nil || !strings.Contains(err.Error(), "outbound.tls.pins") {
		t.Errorf("bad pin: %v", err)
	}
}

func x509Opts(tc *tls.Config) x509.VerifyOptions {
	return x509.VerifyOptions{Roots: tc.RootCAs, DNSName: "127.0.0.1"}
}
