package daemon

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/identity"
)

type running struct {
	addr, diag string
	cancel     context.CancelFunc
	done       chan error
}

func start(t *testing.T, cfg *config.Config) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	started := make(chan struct{})
	go func() {
		r.done <- Run(ctx, Options{Config: cfg, Started: func(a, d string) {
			r.addr, r.diag = a, d
			close(started)
		}})
	}()
	select {
	case <-started:
	case err := <-r.done:
		t.Fatalf("Run returned early: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("server did not start")
	}
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.cancel == nil {
		return
	}
	r.cancel()
	r.cancel = nil
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
}

func testConfig(t *testing.T) *config.Config {
	cfg := config.Default()
	cfg.Server.Addr = "127.0.0.1:0"
	cfg.Storage.DataDir = filepath.Join(t.TempDir(), "data")
	return cfg
}

func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDiagnosticListenerServesOnlyHealthAndMetrics(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.DiagnosticAddr = "127.0.0.1:0"
	r := start(t, cfg)
	c := http.DefaultClient
	if code, body := get(t, c, "http://"+r.diag+"/metrics"); code != 200 || !strings.Contains(body, "agentgov_audit_tree_size_entries") || !strings.Contains(body, "agentgov_build_info") {
		t.Fatalf("diagnostic /metrics: %d", code)
	}
	if code, _ := get(t, c, "http://"+r.diag+"/readyz"); code != 200 {
		t.Fatalf("diagnostic /readyz: %d", code)
	}
	if code, _ := get(t, c, "http://"+r.diag+"/v1/audit/checkpoint"); code != 404 {
		t.Fatalf("the API answers on the diagnostic listener: %d", code)
	}
	if code, _ := get(t, c, "http://"+r.addr+"/healthz"); code != 200 {
		t.Fatalf("main /healthz: %d", code)
	}
	// Every metric carries the agentgov_ prefix, apart from the Go runtime
	// and process collectors.
	_, body := get(t, c, "http://"+r.addr+"/metrics")
	for _, line := range strings.Split(body, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if !strings.HasPrefix(line, "agentgov_") && !strings.HasPrefix(line, "go_") && !strings.HasPrefix(line, "process_") && !strings.HasPrefix(line, "promhttp_") {
			t.Errorf("metric without the agentgov_ prefix: %s", line)
		}
	}
}

func TestSecondServerOnSameDataDirIsRefused(t *testing.T) {
	cfg := testConfig(t)
	start(t, cfg)
	err := Run(context.Background(), Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "held by another process") {
		t.Fatalf("second server: %v", err)
	}
}

func TestUnauthenticatedKeysAndNoToken(t *testing.T) {
	cfg := testConfig(t)
	start(t, cfg)
	if _, err := os.Stat(filepath.Join(cfg.Storage.DataDir, "keys", "operator.token")); err == nil {
		t.Fatal("an operator token was generated")
	}
	fi, err := os.Stat(filepath.Join(cfg.Storage.DataDir, "keys", identity.ServerKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("server identity key: %v %v", fi, err)
	}
	if fi, err := os.Stat(filepath.Join(cfg.Storage.DataDir, "keys")); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("keys directory: %v %v", fi, err)
	}
}

func TestUnauthenticatedRefusesNonLoopback(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.TLS.Cert, cfg.Server.TLS.Key = selfSigned(t, t.TempDir())
	cfg.Server.Addr = "0.0.0.0:0"
	err := Run(context.Background(), Options{Config: cfg})
	if err == nil || !strings.Contains(err.Error(), "no authentication is configured") {
		t.Fatalf("Run = %v", err)
	}
	// With a token the same address is served.
	cfg.Auth.Tokens = []config.Token{{Name: "ops", Secret: strings.Repeat("k", 40), Role: config.RoleAdmin}}
	if err := checkUnauthenticated(cfg, nil); err != nil {
		t.Fatal(err)
	}
}

// selfSigned writes a certificate for 127.0.0.1 and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "agentgov test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

func TestTLSIsVersion13Only(t *testing.T) {
	cfg := testConfig(t)
	cfg.Server.TLS.Cert, cfg.Server.TLS.Key = selfSigned(t, t.TempDir())
	r := start(t, cfg)
	// Trust the server's own certificate.
	pem, _ := os.ReadFile(cfg.Server.TLS.Cert)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	tls13 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	if code, _ := get(t, tls13, "https://"+r.addr+"/healthz"); code != 200 {
		t.Fatalf("TLS 1.3 client: %d", code)
	}
	tls12 := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MaxVersion: tls.VersionTLS12}}}
	if resp, err := tls12.Get("https://" + r.addr + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("a TLS 1.2 client was served")
	}
	if resp, err := http.Get("http://" + r.addr + "/healthz"); err == nil && resp.StatusCode == 200 {
		resp.Body.Close()
		t.Fatal("plain HTTP was served on the TLS listener")
	}
}

func TestShutdownSignsFinalCheckpoint(t *testing.T) {
	cfg := testConfig(t)
	cfg.Audit.CheckpointInterval = config.Duration{Duration: time.Hour}
	r := start(t, cfg)
	// No authentication is configured: loopback callers need no token.
	for range 5 {
		req, _ := http.NewRequest("POST", "http://"+r.addr+"/v1/audit/events", strings.NewReader(`{"type":"x","agent":"a"}`))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("append: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	r.stop(t)
	// Restart and read the latest checkpoint through the API.
	r2 := start(t, cfg)
	req, _ := http.NewRequest("GET", "http://"+r2.addr+"/v1/audit/checkpoint?size=6", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("no checkpoint of size 6 (the policy activation and five events) after shutdown: %d", resp.StatusCode)
	}
}
