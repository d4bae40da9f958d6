package fetch

import (
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// testHost is covered by the httptest certificate (example.com and
// *.example.com), so TLS verification stays on in every test.
const testHost = "manifests.example.com"

// fakeResolver maps names to addresses and records lookups.
type fakeResolver struct {
	mu      sync.Mutex
	m       map[string][]net.IPAddr
	lookups []string
}

func (r *fakeResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lookups = append(r.lookups, host)
	if ips, ok := r.m[host]; ok {
		return ips, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// recordingDialer dials through a net.Dialer after an optional address
// rewrite, recording every requested address.
type recordingDialer struct {
	mu      sync.Mutex
	addrs   []string
	rewrite map[string]string
	fail    map[string]bool
}

func (d *recordingDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d.mu.Lock()
	d.addrs = append(d.addrs, addr)
	target, fail := addr, d.fail[addr]
	if r, ok := d.rewrite[addr]; ok {
		target = r
	}
	d.mu.Unlock()
	if fail {
		return nil, fmt.Errorf("test dialer: %s unreachable", addr)
	}
	var nd net.Dialer
	return nd.DialContext(ctx, network, target)
}

func (d *recordingDialer) dialed() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.addrs...)
}

type env struct {
	t        *testing.T
	srv      *httptest.Server
	port     string
	roots    *x509.CertPool
	resolver *fakeResolver
	dialer   *recordingDialer
	// release unblocks slow handlers before the server shuts down.
	release chan struct{}
}

func newEnv(t *testing.T, h http.Handler) *env {
	t.Helper()
	srv := unstarted(h)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return envFor(t, srv)
}

// unstarted is httptest.NewUnstartedServer with the expected handshake
// failures kept out of the test log.
func unstarted(h http.Handler) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

func envFor(t *testing.T, srv *httptest.Server) *env {
	t.Helper()
	e := &env{t: t, srv: srv, release: make(chan struct{})}
	t.Cleanup(func() { close(e.release) }) // runs before srv.Close
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	e.port = port
	e.roots = x509.NewCertPool()
	e.roots.AddCert(srv.Certificate())
	e.resolver = &fakeResolver{m: map[string][]net.IPAddr{
		testHost: {{IP: net.ParseIP("127.0.0.1")}},
	}}
	e.dialer = &recordingDialer{}
	return e
}

// url returns an https URL on testHost with the server's port.
func (e *env) url(path string) string {
	return "https://" + net.JoinHostPort(testHost, e.port) + path
}

func (e *env) client(o Options) *Client {
	if o.Resolver == nil {
		o.Resolver = e.resolver
	}
	if o.Dialer == nil {
		o.Dialer = e.dialer
	}
	if o.RootCAs == nil {
		o.RootCAs = e.roots
	}
	c := New(o)
	e.t.Cleanup(c.CloseIdleConnections)
	return c
}
