package spiffe

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// fakeAudit records events; fail makes Append fail.
type fakeAudit struct {
	mu     sync.Mutex
	events []api.Event
	fail   bool
}

func (f *fakeAudit) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail {
		return 0, errors.New("audit log unavailable")
	}
	if source != AuditSource {
		return 0, errors.New("unexpected source " + source)
	}
	f.events = append(f.events, *ev)
	return int64(len(f.events) - 1), nil
}

func (f *fakeAudit) actions() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for _, e := range f.events {
		out = append(out, e.Action)
	}
	return out
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type fixture struct {
	ca    *CA
	st    *memory.Store
	audit *fakeAudit
	clk   *clock
	dir   string
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	f := &fixture{st: memory.New(), audit: &fakeAudit{}, clk: &clock{t: time.Now().Truncate(time.Second)}, dir: filepath.Join(t.TempDir(), "keys", "spiffe")}
	f.ca = f.open(t)
	return f
}

func (f *fixture) open(t testing.TB) *CA {
	t.Helper()
	ca, err := OpenCA(context.Background(), Options{TrustDomain: "agentgov.test", Dir: f.dir, Store: f.st, Audit: f.audit, Now: f.clk.now})
	if err != nil {
		t.Fatal(err)
	}
	return ca
}

func csrFor(t testing.TB, key crypto.Signer, uris ...string) *x509.CertificateRequest {
	t.Helper()
	tmpl := &x509.CertificateRequest{}
	for _, u := range uris {
		pu, err := url.Parse(u)
		if err != nil {
			t.Fatal(err)
		}
		tmpl.URIs = append(tmpl.URIs, pu)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, tmpl, key)
	if err != nil {
		t.Fatal(err)
	}
	csr, err := ParseCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	if err != nil {
		t.Fatal(err)
	}
	return csr
}

func p256(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestCAIssueVerifyPersist(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	key := p256(t)
	is, err := f.ca.IssueAgent(ctx, "support-bot", csrFor(t, key), "token:ops")
	if err != nil {
		t.Fatal(err)
	}
	leaf := is.Certificates[0]
	if got := leaf.URIs[0].String(); got != "spiffe://agentgov.test/agent/support-bot" || len(leaf.URIs) != 1 {
		t.Fatalf("URI SANs %v", leaf.URIs)
	}
	if ttl := leaf.NotAfter.Sub(f.clk.now()); ttl != DefaultSVIDTTL {
		t.Fatalf("lifetime %s", ttl)
	}
	// go-spiffe accepts it as an SVID with its key.
	svid := &x509svid.SVID{ID: is.ID, Certificates: is.Certificates, PrivateKey: key}
	certPEM, keyPEM, err := svid.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := x509svid.Parse(certPEM, keyPEM); err != nil {
		t.Fatalf("go-spiffe refuses the SVID: %v", err)
	}
	id, err := f.ca.Verify(ctx, is.Certificates)
	if err != nil || id != is.ID {
		t.Fatalf("verify: %v %v", id, err)
	}
	rec, err := f.st.GetCertificate(ctx, is.Record.Serial)
	if err != nil || rec.SPIFFEID != is.ID.String() || rec.Issuer != f.ca.CurrentID() {
		t.Fatalf("store record %+v %v", rec, err)
	}
	if got := f.audit.actions(); strings.Join(got, ",") != "spiffe_ca_create,svid_issue" {
		t.Fatalf("audit actions %v", got)
	}
	var payload map[string]any
	if err := json.Unmarshal(f.audit.events[1].Payload, &payload); err != nil || payload["serial"] != is.Record.Serial || payload["sha256"] != is.Record.SHA256 {
		t.Fatalf("issuance payload %s", f.audit.events[1].Payload)
	}

	// The key file is private; a reopened CA is the same CA.
	keyFile := filepath.Join(f.dir, "ca-"+f.ca.CurrentID()+".key")
	fi, err := os.Stat(keyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode %v %v", fi.Mode(), err)
	}
	again := f.open(t)
	if again.CurrentID() != f.ca.CurrentID() {
		t.Fatal("reopening made a new CA")
	}
	if _, err := again.Verify(ctx, is.Certificates); err != nil {
		t.Fatal(err)
	}
	// A key others may read is refused.
	if err := os.Chmod(keyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenCA(ctx, Options{TrustDomain: "agentgov.test", Dir: f.dir, Store: f.st, Audit: f.audit}); err == nil {
		t.Fatal("opened a CA whose key is world-readable")
	}
	os.Chmod(keyFile, 0o600)
	// Another trust domain over the same files is refused, not re-rooted.
	if _, err := OpenCA(ctx, Options{TrustDomain: "other.test", Dir: f.dir, Store: f.st, Audit: f.audit}); err == nil || !strings.Contains(err.Error(), "another trust domain") {
		t.Fatalf("trust domain change: %v", err)
	}
}

func TestIssueAgentPolicy(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	_, edKey, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	dnsCSR := func() *x509.CertificateRequest {
		der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{"evil.example"}}, p256(t))
		c, _ := x509.ParseCertificateRequest(der)
		return c
	}
	tests := []struct {
		name, agent string
		csr         func() *x509.CertificateRequest
		want        string // "" = issued
	}{
		{"p256", "a", func() *x509.CertificateRequest { return csrFor(t, p256(t)) }, ""},
		{"ed25519", "a", func() *x509.CertificateRequest { return csrFor(t, edKey) }, ""},
		{"own uri", "a", func() *x509.CertificateRequest { return csrFor(t, p256(t), "spiffe://agentgov.test/agent/a") }, ""},
		{"other agent uri", "a", func() *x509.CertificateRequest { return csrFor(t, p256(t), "spiffe://agentgov.test/agent/b") }, "URI SAN"},
		{"server uri", "a", func() *x509.CertificateRequest { return csrFor(t, p256(t), "spiffe://agentgov.test/agentgov/server") }, "URI SAN"},
		{"dns san", "a", dnsCSR, "DNS, IP or e-mail"},
		{"bad agent id", "a/b", func() *x509.CertificateRequest { return csrFor(t, p256(t)) }, "SPIFFE path segment"},
		{"empty agent", "", func() *x509.CertificateRequest { return csrFor(t, p256(t)) }, "SPIFFE path segment"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.ca.IssueAgent(ctx, tc.agent, tc.csr(), "test")
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if !errors.Is(err, ErrRequest) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want ErrRequest mentioning %q", err, tc.want)
			}
		})
	}
	// ParseCSR enforces key types and proof of possession.
	for name, key := range map[string]crypto.Signer{"rsa": rsaKey, "p224": p224} {
		der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, key)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParseCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})); !errors.Is(err, ErrRequest) {
			t.Fatalf("%s key accepted: %v", name, err)
		}
	}
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, p256(t))
	der[len(der)-3] ^= 0xff // break the signature
	if _, err := ParseCSR(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})); !errors.Is(err, ErrRequest) {
		t.Fatalf("forged CSR accepted: %v", err)
	}
	for _, in := range []string{"", "garbage", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"} {
		if _, err := ParseCSR([]byte(in)); !errors.Is(err, ErrRequest) {
			t.Fatalf("ParseCSR(%q) = %v", in, err)
		}
	}
}

func TestIssueFailsClosedWithoutAudit(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	f.audit.fail = true
	is, err := f.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
	if err == nil || is != nil {
		t.Fatal("issued an SVID the audit log did not record")
	}
	recs, _ := f.st.ListCertificates(ctx, store.CertificateQuery{})
	if len(recs) != 1 || !recs[0].Revoked {
		t.Fatalf("unrecorded issuance left usable: %+v", recs)
	}
}

func TestVerifyRefuses(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	other := newFixture(t)
	is, err := f.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := other.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Verify(ctx, foreign.Certificates); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("another CA's SVID: %v", err)
	}
	if err := f.ca.Revoke(ctx, is.Record.Serial, "test"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.ca.Verify(ctx, is.Certificates); !errors.Is(err, ErrUntrusted) || !strings.Contains(err.Error(), "revoked") {
		t.Fatalf("revoked SVID: %v", err)
	}
	is2, _ := f.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
	f.clk.add(DefaultSVIDTTL + time.Second)
	if _, err := f.ca.Verify(ctx, is2.Certificates); !errors.Is(err, ErrUntrusted) {
		t.Fatalf("expired SVID: %v", err)
	}
}

func TestRotateKeepsOldSVIDsUntilExpiry(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	oldID := f.ca.CurrentID()
	before, err := f.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
	if err != nil {
		t.Fatal(err)
	}
	f.clk.add(10 * time.Minute)
	if err := f.ca.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if f.ca.CurrentID() == oldID {
		t.Fatal("rotation kept the CA")
	}
	if _, err := os.Stat(filepath.Join(f.dir, "ca-"+oldID+".key")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("retired CA key still on disk: %v", err)
	}
	after, err := f.ca.IssueAgent(ctx, "b", csrFor(t, p256(t)), "test")
	if err != nil {
		t.Fatal(err)
	}
	if after.Record.Issuer == oldID {
		t.Fatal("new SVID signed by the retired CA")
	}
	if n := len(f.ca.Authorities()); n != 2 {
		t.Fatalf("bundle has %d authorities, want 2", n)
	}
	for _, is := range []*Issued{before, after} {
		if _, err := f.ca.Verify(ctx, is.Certificates); err != nil {
			t.Fatalf("after rotation: %v", err)
		}
	}
	// The retirement survives a restart.
	reopened := f.open(t)
	if _, err := reopened.Verify(ctx, before.Certificates); err != nil {
		t.Fatalf("reopened CA lost the retired authority: %v", err)
	}
	// Once the last SVID of the old CA has expired, the old CA leaves the
	// bundle.
	f.clk.t = before.Record.NotAfter.Add(time.Second)
	if n := len(f.ca.Authorities()); n != 1 {
		t.Fatalf("bundle still has %d authorities after the old SVIDs expired", n)
	}
	if acts := f.audit.actions(); acts[len(acts)-2] != "spiffe_ca_rotate" {
		t.Fatalf("audit actions %v", acts)
	}
}

func TestRotator(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	src, err := NewServerSource(ctx, f.ca, []string{"127.0.0.1", "localhost"}, f.clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := src.(*builtinSource).Rotator
	first, err := src.GetX509SVID()
	if err != nil {
		t.Fatal(err)
	}
	leaf := first.Certificates[0]
	if first.ID.Path() != ServerPath || len(leaf.IPAddresses) != 1 || leaf.DNSNames[0] != "localhost" {
		t.Fatalf("server SVID %v %v %v", first.ID, leaf.IPAddresses, leaf.DNSNames)
	}
	if renewed, err := r.RenewIfDue(ctx); renewed || err != nil {
		t.Fatalf("renewed a fresh SVID: %v %v", renewed, err)
	}
	f.clk.add(DefaultSVIDTTL/2 + time.Minute)
	if renewed, err := r.RenewIfDue(ctx); !renewed || err != nil {
		t.Fatalf("did not renew at half-life: %v %v", renewed, err)
	}
	second, _ := src.GetX509SVID()
	if second.Certificates[0].SerialNumber.Cmp(leaf.SerialNumber) == 0 {
		t.Fatal("same certificate after renewal")
	}
	// A CA rotation makes the SVID stale at once.
	if err := f.ca.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if !r.Due() {
		t.Fatal("SVID of the retired CA not due for renewal")
	}
	if _, err := r.RenewIfDue(ctx); err != nil {
		t.Fatal(err)
	}
	if r.Due() {
		t.Fatal("still due after renewal")
	}
	// An expired SVID is not presented.
	f.clk.add(2 * DefaultSVIDTTL)
	if _, err := src.GetX509SVID(); !errors.Is(err, ErrExpired) {
		t.Fatalf("expired SVID presented: %v", err)
	}
}

// TestMutualTLS runs real handshakes: server config from ServerTLSConfig,
// clients from go-spiffe's tlsconfig and from ClientTLSConfig.
func TestMutualTLS(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	src, err := NewServerSource(ctx, f.ca, []string{"127.0.0.1"}, f.clk.now, nil)
	if err != nil {
		t.Fatal(err)
	}
	agentSVID := func(fx *fixture, agent string) *x509svid.SVID {
		k := p256(t)
		is, err := fx.ca.IssueAgent(ctx, agent, csrFor(t, k), "test")
		if err != nil {
			t.Fatal(err)
		}
		return &x509svid.SVID{ID: is.ID, Certificates: is.Certificates, PrivateKey: k}
	}
	good := agentSVID(f, "a")
	foreign := agentSVID(newFixture(t), "a")
	serverID := spiffeid.RequireFromString("spiffe://agentgov.test/agentgov/server")

	for _, tc := range []struct {
		name    string
		require bool
		client  *tls.Config
		wantErr bool
		wantID  string
	}{
		{"svid", true, tlsconfig.MTLSClientConfig(good, f.ca, tlsconfig.AuthorizeID(serverID)), false, "spiffe://agentgov.test/agent/a"},
		{"own client config", true, ClientTLSConfig(good, f.ca, tlsconfig.AuthorizeID(serverID)), false, "spiffe://agentgov.test/agent/a"},
		{"no cert required", true, tlsconfig.TLSClientConfig(f.ca, tlsconfig.AuthorizeID(serverID)), true, ""},
		{"no cert optional", false, tlsconfig.TLSClientConfig(f.ca, tlsconfig.AuthorizeID(serverID)), false, ""},
		{"foreign CA", false, tlsconfig.MTLSClientConfig(foreign, f.ca, tlsconfig.AuthorizeID(serverID)), true, ""},
		{"wrong server id", true, tlsconfig.MTLSClientConfig(good, f.ca, tlsconfig.AuthorizeID(spiffeid.RequireFromString("spiffe://agentgov.test/x"))), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			peer, err := handshake(t, ServerTLSConfig(src, tc.require, nil), tc.client)
			if tc.wantErr {
				if err == nil {
					t.Fatal("handshake succeeded")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if peer != tc.wantID {
				t.Fatalf("server saw %q, want %q", peer, tc.wantID)
			}
		})
	}
}

// handshake connects client to a server with cfg over loopback and
// returns the URI SAN of the client certificate the server saw.
func handshake(t *testing.T, cfg, client *tls.Config) (string, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		peer string
		err  error
	}
	done := make(chan result, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer c.Close()
		tc := c.(*tls.Conn)
		if err := tc.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		st := tc.ConnectionState()
		if st.Version != tls.VersionTLS13 {
			done <- result{err: errors.New("not TLS 1.3")}
			return
		}
		peer := ""
		if len(st.PeerCertificates) > 0 {
			peer = st.PeerCertificates[0].URIs[0].String()
		}
		_, err = io.Copy(io.Discard, io.LimitReader(tc, 1))
		done <- result{peer: peer, err: err}
	}()
	conn, err := tls.Dial("tcp", ln.Addr().String(), client)
	if err != nil {
		<-done
		return "", err
	}
	// TLS 1.3 clients learn about a refused client certificate on their
	// first read or write.
	if _, err := conn.Write([]byte("x")); err != nil {
		conn.Close()
		<-done
		return "", err
	}
	r := <-done
	buf := make([]byte, 1)
	conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	conn.Read(buf)
	conn.Close()
	return r.peer, r.err
}

func FuzzParseCSR(f *testing.F) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, k)
	f.Add(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der}))
	f.Add([]byte("-----BEGIN CERTIFICATE REQUEST-----\n\n-----END CERTIFICATE REQUEST-----\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		csr, err := ParseCSR(in)
		if err != nil {
			if !errors.Is(err, ErrRequest) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if csr.CheckSignature() != nil {
			t.Fatal("accepted a CSR whose signature does not verify")
		}
	})
}

// BenchmarkSVIDIssue measures one agent issuance as the API performs it:
// parse and check the CSR, sign with the CA's ECDSA P-256 key, record the
// certificate (memory store) and append the audit entry (audit log over a
// memory store).
func BenchmarkSVIDIssue(b *testing.B) {
	ctx := context.Background()
	skey, vkey, err := note.GenerateKey(rand.Reader, "agentgov.bench/log")
	if err != nil {
		b.Fatal(err)
	}
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.bench/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close(ctx)
	ca, err := OpenCA(ctx, Options{TrustDomain: "agentgov.bench", Dir: filepath.Join(b.TempDir(), "spiffe"), Store: memory.New(), Audit: l})
	if err != nil {
		b.Fatal(err)
	}
	k := p256(b)
	der, _ := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{}, k)
	csrPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: der})
	b.ReportAllocs()
	for b.Loop() {
		csr, err := ParseCSR(csrPEM)
		if err != nil {
			b.Fatal(err)
		}
		is, err := ca.IssueAgent(ctx, "bench-agent", csr, "bench")
		if err != nil {
			b.Fatal(err)
		}
		if len(is.CertificatePEM()) == 0 || !bytes.HasPrefix(is.CertificatePEM(), []byte("-----BEGIN CERTIFICATE")) {
			b.Fatal("no PEM")
		}
	}
}

// TestConcurrentIssueRotate: issuances racing rotations all verify (run
// with -race).
func TestConcurrentIssueRotate(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	var wg sync.WaitGroup
	issued := make(chan *Issued, 40)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				is, err := f.ca.IssueAgent(ctx, "a", csrFor(t, p256(t)), "test")
				if err != nil {
					t.Error(err)
					return
				}
				issued <- is
			}
		}()
		if i%2 == 0 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := f.ca.Rotate(ctx); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	close(issued)
	for is := range issued {
		if _, err := f.ca.Verify(ctx, is.Certificates); err != nil {
			t.Fatalf("SVID %s of CA %s: %v", is.Record.Serial, is.Record.Issuer, err)
		}
	}
}

func TestRotationDue(t *testing.T) {
	if Exists(t.TempDir()) {
		t.Fatal("an empty directory holds a CA")
	}
	f := newFixture(t)
	if !Exists(f.dir) {
		t.Fatal("the CA's directory is not recognised")
	}
	if f.ca.RotationDue() {
		t.Fatal("a new CA is due for rotation")
	}
	cur := f.ca.Authorities()[0]
	life := cur.NotAfter.Sub(cur.NotBefore)
	f.clk.add(cur.NotBefore.Add(life / 2).Sub(f.clk.now()))
	if f.ca.RotationDue() {
		t.Fatal("due with half its lifetime left")
	}
	f.clk.add(cur.NotAfter.Add(-life/3 + time.Hour).Sub(f.clk.now()))
	if !f.ca.RotationDue() {
		t.Fatal("not due with less than a third of its lifetime left")
	}
	if err := f.ca.Rotate(context.Background()); err != nil {
		t.Fatal(err)
	}
	if f.ca.RotationDue() {
		t.Fatal("due right after a rotation")
	}
}
