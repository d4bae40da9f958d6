package server

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/time/rate"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// allowAll is a gate that allows every check and remembers the agent.
type allowAll struct{ agents []string }

func (a *allowAll) Check(_ context.Context, req *gate.Request) (gate.Decision, error) {
	a.agents = append(a.agents, req.Agent)
	return gate.Decision{Decision: "allow", Reason: "ok"}, nil
}

type idFixture struct {
	srv   *httptest.Server
	log   *audit.Log
	reg   *identity.Registry
	auth  *identity.Authority
	gate  *allowAll
	keys  map[string]ed25519.PrivateKey
	s     *Server
	httpc *http.Client
}

type idOptions struct {
	anonymous bool
	tls       *tls.Config
	hs        identity.HandshakeConfig
	tokens    []Token
}

func newIDFixture(t testing.TB, o idOptions) *idFixture {
	t.Helper()
	ctx := context.Background()
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(ctx, audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey, MaxPayloadBytes: 4096})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close(context.Background()) })
	reg := identity.NewRegistry(memory.NewAgents(), l, identity.RegistryOptions{})
	_, serverKey, _ := ed25519.GenerateKey(rand.Reader)
	if o.hs.Audience == "" {
		o.hs.Audience = "agentgov.test"
	}
	auth, err := identity.NewAuthority(identity.AuthorityOptions{Config: o.hs, Keys: reg, ServerKey: serverKey})
	if err != nil {
		t.Fatal(err)
	}
	reg.OnChange(auth.RevokeAgent)
	g := &allowAll{}
	tokens := o.tokens
	if tokens == nil && !o.anonymous {
		tokens = []Token{{Name: "admin", Secret: adminTok, Role: "ADMIN"}, {Name: "auditor", Secret: auditTok, Role: "AUDITOR"}}
	}
	s, err := New(Options{Audit: l, VerifierKey: vkey, MaxRequestBytes: 16 << 10, Registry: prometheus.NewRegistry(),
		Tokens: tokens, Gate: g, Reload: func(context.Context) (string, error) { return "v", nil },
		Identity: reg, Handshake: auth, TrustDomain: "agentgov.test", Anonymous: o.anonymous})
	if err != nil {
		t.Fatal(err)
	}
	f := &idFixture{log: l, reg: reg, auth: auth, gate: g, s: s, keys: map[string]ed25519.PrivateKey{}}
	if o.tls != nil {
		f.srv = httptest.NewUnstartedServer(s)
		f.srv.TLS = o.tls
		f.srv.StartTLS()
	} else {
		f.srv = httptest.NewServer(s)
	}
	t.Cleanup(f.srv.Close)
	f.httpc = f.srv.Client()
	for _, id := range []string{"alice", "bob"} {
		_, k, _ := ed25519.GenerateKey(rand.Reader)
		f.keys[id] = k
		if _, err := reg.Register(ctx, id, k.Public().(ed25519.PublicKey)); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func (f *idFixture) call(t testing.TB, method, path, token, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, f.srv.URL+path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := f.httpc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *idFixture) login(t testing.TB, agent string) string {
	t.Helper()
	c := &identity.Client{BaseURL: f.srv.URL, HTTP: f.httpc, Key: identity.AgentKey{Agent: agent, Key: f.keys[agent]}, ServerDID: f.auth.ServerDID(), Audience: "agentgov.test"}
	g, err := c.Login(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return g.Token
}

func checkJSON(agent string) string {
	return `{"agent":"` + agent + `","session":"s1","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"name":"search","arguments":{}}}}`
}

func (f *idFixture) deniedEntries(t *testing.T) []api.Entry {
	t.Helper()
	page, err := f.log.Query(context.Background(), audit.Query{Type: AccessDeniedType, Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

func TestAgentSessionAuthorisation(t *testing.T) {
	f := newIDFixture(t, idOptions{})
	// Record every refusal here; TestAccessDeniedFloodIsBounded covers the
	// budget.
	f.s.denied.remoteRate, f.s.denied.global = rate.Inf, rate.NewLimiter(rate.Inf, 0)
	alice, bob := f.login(t, "alice"), f.login(t, "bob")

	if code, b := f.call(t, "POST", "/v1/check", alice, checkJSON("alice")); code != 200 {
		t.Fatalf("alice for herself: %d %s", code, b)
	}
	code, b := f.call(t, "POST", "/v1/check", alice, checkJSON("bob"))
	if code != 403 || !strings.Contains(string(b), probForbidden) {
		t.Fatalf("alice for bob: %d %s", code, b)
	}
	if code, _ := f.call(t, "POST", "/v1/check/batch", bob, `{"requests":[`+checkJSON("bob")+`,`+checkJSON("alice")+`]}`); code != 403 {
		t.Fatalf("bob's batch with alice: %d", code)
	}
	if len(f.gate.agents) != 1 || f.gate.agents[0] != "alice" {
		t.Fatalf("the gate decided %v; a refused batch must decide nothing", f.gate.agents)
	}
	// An ADMIN token may ask on behalf of any agent.
	if code, _ := f.call(t, "POST", "/v1/check", adminTok, checkJSON("bob")); code != 200 {
		t.Fatalf("admin for bob: %d", code)
	}
	// An agent cannot read the audit log, change policy or register keys.
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/v1/audit/entries", ""},
		{"POST", "/v1/admin/reload", "{}"},
		{"POST", "/v1/identity/agents", `{"agent":"carol","public_key":"` + identity.DIDFromPublicKey(f.keys["alice"].Public().(ed25519.PublicKey)) + `"}`},
	} {
		if code, b := f.call(t, c.method, c.path, alice, c.body); code != 403 {
			t.Fatalf("agent %s %s: %d %s", c.method, c.path, code, b)
		}
	}
	// It can read the registry (to resolve peers).
	if code, b := f.call(t, "GET", "/v1/identity/agents/bob", alice, ""); code != 200 || !strings.Contains(string(b), `"did":"did:key:z6Mk`) {
		t.Fatalf("agent reads registry: %d %s", code, b)
	}
	// AUDITOR reads entries but cannot reload.
	if code, _ := f.call(t, "GET", "/v1/audit/entries", auditTok, ""); code != 200 {
		t.Fatalf("auditor entries: %d", code)
	}
	if code, _ := f.call(t, "POST", "/v1/admin/reload", auditTok, "{}"); code != 403 {
		t.Fatalf("auditor reload: %d", code)
	}
	// Unauthenticated, bad token, expired-looking session.
	for _, tok := range []string{"", "nope", identity.SessionTokenPrefix + "forged"} {
		if code, _ := f.call(t, "GET", "/v1/audit/checkpoint", tok, ""); code != 401 {
			t.Fatalf("token %q: %d", tok, code)
		}
	}
	// A rotation ends alice's session.
	_, k2, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := f.reg.RotateKey(context.Background(), "alice", k2.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	if code, _ := f.call(t, "POST", "/v1/check", alice, checkJSON("alice")); code != 401 {
		t.Fatalf("session after rotation: %d", code)
	}

	// Every refusal is an access_denied entry naming the status and path.
	es := f.deniedEntries(t)
	if len(es) < 8 {
		t.Fatalf("%d access_denied entries", len(es))
	}
	var saw403, saw401 bool
	for _, e := range es {
		saw403 = saw403 || (e.Reason == "Forbidden" && e.Agent == "alice" && e.Action == "POST /v1/check")
		saw401 = saw401 || e.Reason == "Unauthorized"
		if strings.Contains(string(e.Payload), adminTok) || strings.Contains(string(e.Payload), alice) || strings.Contains(string(e.Payload), "nope") {
			t.Fatalf("a denial entry holds a credential: %s", e.Payload)
		}
	}
	if !saw403 || !saw401 {
		t.Fatalf("denials recorded: 403 %v, 401 %v", saw403, saw401)
	}
}

func TestAccessDeniedFloodIsBounded(t *testing.T) {
	f := newIDFixture(t, idOptions{})
	before := len(f.deniedEntries(t))
	for range 200 {
		f.call(t, "GET", "/v1/audit/checkpoint", "", "")
	}
	got := len(f.deniedEntries(t)) - before
	// One remote: its burst of 5 plus at most what refills during the loop.
	if got < 5 || got > 5+int(time.Minute.Seconds()) {
		t.Fatalf("200 refusals wrote %d entries", got)
	}
}

func TestAnonymousLoopbackAdmin(t *testing.T) {
	f := newIDFixture(t, idOptions{anonymous: true})
	// httptest listens on 127.0.0.1: the caller is an anonymous ADMIN.
	if code, b := f.call(t, "POST", "/v1/admin/reload", "", "{}"); code != 200 {
		t.Fatalf("anonymous reload: %d %s", code, b)
	}
	if code, _ := f.call(t, "POST", "/v1/check", "", checkJSON("bob")); code != 200 {
		t.Fatalf("anonymous check: %d", code)
	}
	// A presented credential is still checked: a session is that agent.
	alice := f.login(t, "alice")
	if code, _ := f.call(t, "POST", "/v1/check", alice, checkJSON("bob")); code != 403 {
		t.Fatalf("alice's session in anonymous mode for bob: %d", code)
	}
	if code, _ := f.call(t, "GET", "/v1/audit/entries", "wrong-token", ""); code != 401 {
		t.Fatalf("a wrong token in anonymous mode: %d", code)
	}
	// A non-loopback caller is not anonymous.
	r := httptest.NewRequest("GET", "/v1/audit/entries", nil)
	r.RemoteAddr = "192.0.2.7:5555"
	if _, perr := f.s.auth.authenticate(r); perr == nil || perr.status != 401 {
		t.Fatalf("non-loopback anonymous: %+v", perr)
	}
}

func TestHandshakeHTTPFlood(t *testing.T) {
	f := newIDFixture(t, idOptions{hs: identity.HandshakeConfig{PeerRate: 1, PeerBurst: 3, Rate: 1000, Burst: 1000, MaxOutstanding: 50}})
	var limited int
	for range 40 {
		code, b := f.call(t, "POST", "/v1/identity/challenge", "", `{"agent":"alice"}`)
		switch code {
		case 201:
		case 429:
			limited++
			if !strings.Contains(string(b), probRateLimited) {
				t.Fatalf("429 without its problem type: %s", b)
			}
		default:
			t.Fatalf("%d %s", code, b)
		}
	}
	if limited < 30 {
		t.Fatalf("only %d of 40 challenges from one peer were refused", limited)
	}
	if ch, _, _ := f.auth.Outstanding(); ch > 50 {
		t.Fatalf("%d outstanding challenges", ch)
	}
	// Bad bodies are 400 with the field named; a bogus answer is 401.
	if code, b := f.call(t, "POST", "/v1/identity/challenge", "", `{"agent":"alice","client_nonce":"xx"}`); code != 400 && code != 429 {
		t.Fatalf("bad nonce: %d %s", code, b)
	}
	sig := make([]byte, 64)
	f = newIDFixture(t, idOptions{})
	code, b := f.call(t, "POST", "/v1/identity/response", "", fmt.Sprintf(`{"challenge_id":"ch_nope","agent":"bob","signature":%q}`, base64url(sig)))
	if code != 401 {
		t.Fatalf("bogus response: %d %s", code, b)
	}
}

func base64url(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func TestRegistryRoutes(t *testing.T) {
	f := newIDFixture(t, idOptions{})
	_, k, _ := ed25519.GenerateKey(rand.Reader)
	did := identity.DIDFromPublicKey(k.Public().(ed25519.PublicKey))
	// carol is not known to a nil Known: any valid id registers.
	code, b := f.call(t, "POST", "/v1/identity/agents", adminTok, `{"agent":"carol","public_key":"`+did+`"}`)
	if code != 201 || !strings.Contains(string(b), did) {
		t.Fatalf("register: %d %s", code, b)
	}
	if code, b := f.call(t, "POST", "/v1/identity/agents", adminTok, `{"agent":"carol","public_key":"`+did+`"}`); code != 409 {
		t.Fatalf("re-register: %d %s", code, b)
	}
	if code, b := f.call(t, "POST", "/v1/identity/agents", adminTok, `{"agent":"dave","public_key":"did:key:zBAD0"}`); code != 400 || !strings.Contains(string(b), `"field":"public_key"`) {
		t.Fatalf("bad did: %d %s", code, b)
	}
	_, k2, _ := ed25519.GenerateKey(rand.Reader)
	did2 := identity.DIDFromPublicKey(k2.Public().(ed25519.PublicKey))
	code, b = f.call(t, "POST", "/v1/identity/agents/carol/keys", adminTok, `{"public_key":"`+did2+`"}`)
	var a api.Agent
	if code != 200 || json.Unmarshal(b, &a) != nil || len(a.Keys) != 2 || a.DID != did2 || a.Keys[0].ValidUntil == nil {
		t.Fatalf("rotate: %d %s", code, b)
	}
	if code, _ := f.call(t, "POST", "/v1/identity/agents/carol/keys", auditTok, `{"public_key":"`+did2+`"}`); code != 403 {
		t.Fatalf("auditor rotate: %d", code)
	}
	if code, b := f.call(t, "GET", "/v1/identity/agents", auditTok, ""); code != 200 || !strings.Contains(string(b), "carol") {
		t.Fatalf("list: %d %s", code, b)
	}
	if code, _ := f.call(t, "GET", "/v1/identity/agents/nobody", auditTok, ""); code != 404 {
		t.Fatalf("missing: %d", code)
	}
	page, _ := f.log.Query(context.Background(), audit.Query{Type: identity.EventType, Limit: 100})
	var sources []string
	for _, e := range page.Entries {
		sources = append(sources, e.Action+"/"+e.Source)
	}
	if !strings.Contains(strings.Join(sources, ","), identity.ActionRotate+"/token:admin") {
		t.Fatalf("registry entries %v", sources)
	}
}

// testCA is a throwaway CA issuing client certificates with URI SANs.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

func (ca *testCA) issue(t *testing.T, uris ...string) tls.Certificate {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	for _, u := range uris {
		pu, _ := url.Parse(u)
		tmpl.URIs = append(tmpl.URIs, pu)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestSVIDPrincipal(t *testing.T) {
	ca := newTestCA(t)
	f := newIDFixture(t, idOptions{tls: &tls.Config{MinVersion: tls.VersionTLS13, ClientCAs: ca.pool, ClientAuth: tls.VerifyClientCertIfGiven}})
	base := f.httpc.Transport.(*http.Transport)
	with := func(cert *tls.Certificate) {
		tr := base.Clone()
		tr.TLSClientConfig = tr.TLSClientConfig.Clone()
		tr.TLSClientConfig.Certificates = nil
		if cert != nil {
			tr.TLSClientConfig.Certificates = []tls.Certificate{*cert}
		}
		f.httpc = &http.Client{Transport: tr}
	}
	alice := ca.issue(t, "spiffe://agentgov.test/agent/alice")
	with(&alice)
	if code, b := f.call(t, "POST", "/v1/check", "", checkJSON("alice")); code != 200 {
		t.Fatalf("SVID alice for herself: %d %s", code, b)
	}
	if code, _ := f.call(t, "POST", "/v1/check", "", checkJSON("bob")); code != 403 {
		t.Fatalf("SVID alice for bob: %d", code)
	}
	if code, _ := f.call(t, "GET", "/v1/audit/entries", "", ""); code != 403 {
		t.Fatalf("SVID agent reads entries: %d", code)
	}
	for name, uris := range map[string][]string{
		"other trust domain": {"spiffe://elsewhere.test/agent/alice"},
		"not an agent path":  {"spiffe://agentgov.test/workload/alice"},
		"two URIs":           {"spiffe://agentgov.test/agent/alice", "spiffe://agentgov.test/agent/bob"},
		"no URI":             nil,
		"nested path":        {"spiffe://agentgov.test/agent/alice/x"},
	} {
		c := ca.issue(t, uris...)
		with(&c)
		if code, b := f.call(t, "POST", "/v1/check", "", checkJSON("alice")); code != 401 {
			t.Fatalf("%s: %d %s", name, code, b)
		}
	}
	// A certificate from another CA does not even complete the handshake.
	other := newTestCA(t).issue(t, "spiffe://agentgov.test/agent/alice")
	with(&other)
	req, _ := http.NewRequest("POST", f.srv.URL+"/v1/check", strings.NewReader(checkJSON("alice")))
	if resp, err := f.httpc.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("an unverified client certificate was accepted: %d", resp.StatusCode)
	}
	with(nil)
	if code, _ := f.call(t, "POST", "/v1/check", "", checkJSON("alice")); code != 401 {
		t.Fatalf("no certificate: %d", code)
	}
}

// BenchmarkHandshake is a full challenge-response, both sides: the client
// draws its nonce, the server signs it, the client verifies the server,
// signs the statement, and the server verifies it and opens a session, all
// through the HTTP handler in process.
func BenchmarkHandshake(b *testing.B) {
	f := newIDFixture(b, idOptions{hs: identity.HandshakeConfig{Rate: 1e9, Burst: 1 << 30, PeerRate: 1e9, PeerBurst: 1 << 30, MaxSessions: 1 << 22}})
	c := &identity.Client{BaseURL: "http://in-process", HTTP: &http.Client{Transport: handlerTransport{f.s}},
		Key: identity.AgentKey{Agent: "alice", Key: f.keys["alice"]}, ServerDID: f.auth.ServerDID()}
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Login(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

// handlerTransport sends requests straight to a handler, so that the
// benchmark measures the handshake, not the loopback network.
type handlerTransport struct{ h http.Handler }

func (t handlerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	w := httptest.NewRecorder()
	r.RemoteAddr = "127.0.0.1:1"
	t.h.ServeHTTP(w, r)
	return w.Result(), nil
}

// FuzzSVIDAgent: whatever URI SAN a verified certificate carries, an
// accepted one is exactly spiffe://agentgov.test/agent/<valid id>.
func FuzzSVIDAgent(f *testing.F) {
	for _, s := range []string{"spiffe://agentgov.test/agent/alice", "spiffe://agentgov.test/agent/a/b", "spiffe://AGENTGOV.test/agent/x",
		"spiffe://agentgov.test:443/agent/x", "spiffe://u@agentgov.test/agent/x", "spiffe://agentgov.test/agent/%2e%2e", "https://agentgov.test/agent/x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		u, err := url.Parse(raw)
		if err != nil {
			return
		}
		id, err := svidAgent(&x509.Certificate{URIs: []*url.URL{u}}, "agentgov.test")
		if err != nil {
			return
		}
		if identity.ValidAgentID(id) != nil || strings.Contains(id, "/") || u.Scheme != "spiffe" || u.Host != "agentgov.test" || u.Path != "/agent/"+id {
			t.Fatalf("accepted %q as agent %q", raw, id)
		}
	})
}

type fakeRevocations struct {
	epoch   uint64
	revoked map[string]bool
	lookups int
}

func (f *fakeRevocations) RevocationEpoch() uint64 { return f.epoch }
func (f *fakeRevocations) CheckRevoked(_ context.Context, leaf *x509.Certificate) error {
	f.lookups++
	if f.revoked[leaf.SerialNumber.String()] {
		return errors.New("revoked")
	}
	return nil
}

// A certificate found good is not looked up again until a revocation
// happens; after one, every certificate is looked up afresh.
func TestSVIDCheckCachesUntilARevocation(t *testing.T) {
	f := &fakeRevocations{revoked: map[string]bool{}}
	c := newSVIDCheck(f)
	a := &x509.Certificate{SerialNumber: big.NewInt(7)}
	b := &x509.Certificate{SerialNumber: big.NewInt(8)}
	ctx := context.Background()
	for range 3 {
		if err := c.check(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	if f.lookups != 1 {
		t.Fatalf("%d lookups for one certificate", f.lookups)
	}
	f.revoked["7"], f.epoch = true, 1
	if err := c.check(ctx, a); err == nil {
		t.Fatal("a certificate revoked after it was cached still passes")
	}
	if err := c.check(ctx, b); err != nil || f.lookups != 3 {
		t.Fatalf("%v after %d lookups", err, f.lookups)
	}
	if newSVIDCheck(nil) != nil {
		t.Fatal("no revocations source must mean no check")
	}
}
