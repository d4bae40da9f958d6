package webhook

import (
	"bytes"
	"crypto/ed25519"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
)

func testKey() *Key {
	return NewKey(ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, ed25519.SeedSize)))
}

type receiver struct {
	mu     sync.Mutex
	fail   int // answer 503 this many times first
	bodies [][]byte
	sigs   []string
	kids   []string
	got    chan struct{}
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail > 0 {
		r.fail--
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	r.bodies = append(r.bodies, b)
	r.sigs = append(r.sigs, req.Header.Get(HeaderSignature))
	r.kids = append(r.kids, req.Header.Get(HeaderKeyID))
	w.WriteHeader(http.StatusNoContent)
	r.got <- struct{}{}
}

// tlsServer is a receiver on loopback speaking TLS 1.3 only, and the pool
// that trusts its certificate.
func tlsServer(t *testing.T, h http.Handler) (*httptest.Server, *x509.CertPool) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS13}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	return srv, pool
}

func TestDeliversSignedWithRetries(t *testing.T) {
	rcv := &receiver{fail: 2, got: make(chan struct{}, 4)}
	srv, pool := tlsServer(t, rcv)
	key := testKey()
	s, err := New(Options{URL: srv.URL + "/hook", RootCAs: pool, Key: key, MaxAttempts: 3, QueueSize: 4, Backoff: time.Millisecond,
		Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a := api.Approval{ID: "apr-1", State: api.ApprovalPending, Agent: "writer", Reasons: []string{"approval_required"}, Votes: []api.ApprovalVote{}}
	s.Notify("approval.requested", a)
	<-rcv.got
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	want, err := Body("approval.requested", a, time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(rcv.bodies[0], want) {
		t.Fatalf("body %s, want %s", rcv.bodies[0], want)
	}
	if err := Verify(key.Public(), rcv.bodies[0], rcv.sigs[0]); err != nil {
		t.Fatal(err)
	}
	if rcv.kids[0] != key.ID {
		t.Fatalf("key id %q, want %q", rcv.kids[0], key.ID)
	}
	if err := Verify(key.Public(), append(rcv.bodies[0], ' '), rcv.sigs[0]); err == nil {
		t.Fatal("a changed body verified")
	}
}

func TestRefusesUntrustedCertificate(t *testing.T) {
	rcv := &receiver{got: make(chan struct{}, 1)}
	srv, _ := tlsServer(t, rcv)
	s, err := New(Options{URL: srv.URL, Key: testKey(), MaxAttempts: 1})
	if err != nil {
		t.Fatal(err)
	}
	err = s.post(t.Context(), "approval.requested", []byte(`{}`), "sig")
	s.Close()
	if err == nil {
		t.Fatal("delivered to a receiver whose certificate is not trusted")
	}
}

func TestFullQueueNeverBlocks(t *testing.T) {
	block := make(chan struct{})
	srv, pool := tlsServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	s, err := New(Options{URL: srv.URL, RootCAs: pool, Key: testKey(), QueueSize: 2, MaxAttempts: 1, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		s.Notify("approval.requested", api.Approval{ID: string(rune('a' + i%26))})
	}
	close(block)
	s.Close()
}

func TestLoadOrCreateKey(t *testing.T) {
	dir := t.TempDir()
	k1, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadOrCreateKey(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if k1.ID != k2.ID || !k1.Public().Equal(k2.Public()) {
		t.Fatal("the key changed between loads")
	}
}

func FuzzVerify(f *testing.F) {
	key := testKey()
	body := []byte(`{"type":"approval.requested"}`)
	f.Add(body, key.Sign(body))
	f.Add([]byte{}, "")
	f.Fuzz(func(t *testing.T, b []byte, sig string) {
		if Verify(key.Public(), b, sig) == nil && !ed25519.Verify(key.Public(), b, mustDecode(sig)) {
			t.Fatal("Verify accepted what ed25519 refuses")
		}
	})
}

func mustDecode(s string) []byte {
	b, _ := base64.StdEncoding.DecodeString(s)
	return b
}
