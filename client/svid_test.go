package client

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/identity/spiffe"
	"github.com/agentgov/agentgov/internal/store/memory"
)

type nopLog struct {
	mu sync.Mutex
	n  int64
}

func (l *nopLog) Append(context.Context, *api.Event, string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.n++
	return l.n, nil
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// caServer answers POST /v1/identity/svid with a real built-in CA.
func caServer(t *testing.T, clk *testClock) (*httptest.Server, *spiffe.CA) {
	t.Helper()
	ca, err := spiffe.OpenCA(context.Background(), spiffe.Options{TrustDomain: "client.test", Dir: filepath.Join(t.TempDir(), "ca"),
		Store: memory.New(), Audit: &nopLog{}, Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req api.SVIDRequest
		if r.URL.Path != "/v1/identity/svid" || json.NewDecoder(r.Body).Decode(&req) != nil || r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		csr, err := spiffe.ParseCSR([]byte(req.CSR))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		is, err := ca.IssueAgent(r.Context(), req.Agent, csr, "test")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(api.SVIDResponse{SPIFFEID: is.ID.String(), SVID: string(is.CertificatePEM()), Bundle: string(ca.BundlePEM())})
	}))
	t.Cleanup(srv.Close)
	return srv, ca
}

func TestSVIDSourceRenewsAtHalfLife(t *testing.T) {
	ctx := context.Background()
	clk := &testClock{t: time.Now()}
	srv, ca := caServer(t, clk)
	c, err := New(srv.URL, "tok")
	if err != nil {
		t.Fatal(err)
	}
	src, err := c.NewSVIDSource(ctx, SVIDSourceOptions{Agent: "worker", Now: clk.now})
	if err != nil {
		t.Fatal(err)
	}
	first, err := src.GetX509SVID()
	if err != nil || first.ID.String() != "spiffe://client.test/agent/worker" {
		t.Fatalf("%v %v", first, err)
	}
	if b, err := src.GetX509BundleForTrustDomain(first.ID.TrustDomain()); err != nil || len(b.X509Authorities()) != 1 {
		t.Fatalf("bundle %v", err)
	}
	if renewed, err := src.RenewIfDue(ctx); renewed || err != nil {
		t.Fatalf("renewed a fresh SVID: %v %v", renewed, err)
	}
	clk.add(spiffe.DefaultSVIDTTL/2 + time.Second)
	if renewed, err := src.RenewIfDue(ctx); !renewed || err != nil {
		t.Fatalf("not renewed at half-life: %v %v", renewed, err)
	}
	second, _ := src.GetX509SVID()
	if second.Certificates[0].SerialNumber.Cmp(first.Certificates[0].SerialNumber) == 0 {
		t.Fatal("same SVID after renewal")
	}

	// TLSConfig accepts agentgov's server SVID and nothing else.
	serverSVID, err := ca.IssueServer(ctx, []string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	cert := &tls.Certificate{PrivateKey: serverSVID.PrivateKey}
	for _, x := range serverSVID.Certificates {
		cert.Certificate = append(cert.Certificate, x.Raw)
	}
	agentSrv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if len(r.TLS.PeerCertificates) != 1 || r.TLS.PeerCertificates[0].URIs[0].String() != "spiffe://client.test/agent/worker" {
			http.Error(w, "no client SVID", http.StatusUnauthorized)
			return
		}
		w.Write([]byte("ok"))
	}))
	agentSrv.TLS = &tls.Config{Certificates: []tls.Certificate{*cert}, ClientAuth: tls.RequireAnyClientCert, MinVersion: tls.VersionTLS13}
	agentSrv.StartTLS()
	defer agentSrv.Close()
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: src.TLSConfig()}}
	resp, err := hc.Get(agentSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	// httptest's own certificate is not an SVID of the bundle.
	other := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer other.Close()
	if _, err := (&http.Client{Transport: &http.Transport{TLSClientConfig: src.TLSConfig()}}).Get(other.URL); err == nil {
		t.Fatal("accepted a server outside the trust domain")
	}
}

func TestTLSFiles(t *testing.T) {
	dir := t.TempDir()
	if _, err := TLSConfig(TLSFiles{Cert: filepath.Join(dir, "c.pem")}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Fatalf("cert without key: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "ca.pem"), []byte("junk"), 0o644)
	if _, err := TLSConfig(TLSFiles{CA: filepath.Join(dir, "ca.pem")}); err == nil || !strings.Contains(err.Error(), "no PEM") {
		t.Fatalf("junk CA: %v", err)
	}
	if f := SVIDDirFiles(dir); f.Cert != filepath.Join(dir, "svid.pem") || f.Key != filepath.Join(dir, "key.pem") || f.CA != filepath.Join(dir, "bundle.pem") {
		t.Fatalf("%+v", f)
	}
	c, err := TLSConfig(TLSFiles{})
	if err != nil || c.MinVersion != tls.VersionTLS13 {
		t.Fatalf("%v", err)
	}
}
