package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/server"
	"github.com/agentgov/agentgov/internal/store/memory"
)

type recordingLog struct{ n int64 }

func (r *recordingLog) Append(context.Context, *api.Event, string) (int64, error) {
	r.n++
	return r.n - 1, nil
}

func testCSR(t *testing.T) []byte {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, k)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
}

func TestSPIFFEIssue(t *testing.T) {
	ctx := context.Background()
	cfg := config.Default()
	keys := filepath.Join(t.TempDir(), "keys")
	sp := NewSPIFFE(cfg, keys, memory.New(), &recordingLog{}, nil)
	resp, err := sp.IssueSVID(ctx, "support-bot", testCSR(t), "token:ops")
	if err != nil {
		t.Fatal(err)
	}
	if resp.SPIFFEID != "spiffe://agentgov.local/agent/support-bot" || !strings.Contains(resp.SVID, "BEGIN CERTIFICATE") ||
		!strings.Contains(resp.Bundle, "BEGIN CERTIFICATE") || resp.AuditIndex != 1 {
		t.Fatalf("response %+v", resp)
	}
	if _, err := os.Stat(filepath.Join(SPIFFEDir(keys), "bundle.pem")); err != nil {
		t.Fatal(err)
	}
	var re *server.SVIDRequestError
	if _, err := sp.IssueSVID(ctx, "a/b", testCSR(t), "x"); !errors.As(err, &re) || re.Field != "agent" {
		t.Fatalf("bad agent id: %v", err)
	}
	if _, err := sp.IssueSVID(ctx, "a", []byte("nope"), "x"); !errors.As(err, &re) || re.Field != "csr" {
		t.Fatalf("bad CSR: %v", err)
	}
	if err := sp.RotateCA(ctx); err != nil {
		t.Fatal(err)
	}

	spire := config.Default()
	spire.Auth.SPIFFE.Source = config.SPIFFESpire
	spire.Auth.SPIFFE.WorkloadAPISocket = "unix://" + filepath.Join(t.TempDir(), "agent.sock")
	sp2 := NewSPIFFE(spire, keys, memory.New(), &recordingLog{}, nil)
	if _, err := sp2.IssueSVID(ctx, "a", testCSR(t), "x"); !errors.Is(err, server.ErrSVIDUnavailable) {
		t.Fatalf("issuance with SPIRE: %v", err)
	}
	if err := sp2.RotateCA(ctx); !errors.Is(err, server.ErrKeyTargetUnavailable) {
		t.Fatalf("CA rotation with SPIRE: %v", err)
	}
	// No SPIRE agent: serve does not start, and says why.
	if _, _, err := sp2.ServerTLS(ctx, "127.0.0.1:0"); err == nil || !strings.Contains(err.Error(), "no SPIRE agent socket") {
		t.Fatalf("ServerTLS without SPIRE agent: %v", err)
	}
}

func TestServerHosts(t *testing.T) {
	for _, tc := range []struct {
		addrs []string
		want  []string
	}{
		{[]string{"127.0.0.1:0"}, []string{"127.0.0.1"}},
		{[]string{"localhost:8470", "127.0.0.1:9000"}, []string{"localhost", "127.0.0.1", "::1"}},
		{[]string{"agentgov.example.com:443", ""}, []string{"agentgov.example.com"}},
	} {
		if got := serverHosts(tc.addrs...); !slices.Equal(got, tc.want) {
			t.Errorf("%v: %v, want %v", tc.addrs, got, tc.want)
		}
	}
	all := serverHosts(":8470")
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if !slices.Contains(all, h) {
			t.Errorf("wildcard listener SANs %v lack %s", all, h)
		}
	}
}

func TestOutboundFetch(t *testing.T) {
	cfg := config.Default()
	cfg.Outbound.TLS.Pins = map[string][]string{"api.example.com": {"sha256/47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="}}
	fo, err := OutboundFetch(cfg)
	if err != nil || fo.ConfigureTLS == nil {
		t.Fatalf("%+v %v", fo, err)
	}
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	fo.ConfigureTLS(c)
	if c.MinVersion != tls.VersionTLS13 || c.VerifyConnection == nil {
		t.Fatal("pins not hooked")
	}
	cfg.Outbound.TLS.CAFile = filepath.Join(t.TempDir(), "none.pem")
	if _, err := OutboundFetch(cfg); err == nil || !strings.Contains(err.Error(), "outbound.tls.ca_file") {
		t.Fatalf("missing CA file: %v", err)
	}
}
