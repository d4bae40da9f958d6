package e2e

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/spiffetls/tlsconfig"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

const spiffeConfig = `server:
  tls:
    spiffe: true
    require_client_cert: %t
auth:
  trust_domain: e2e.agentgov
  tokens:
    - {name: ops, token: "${E2E_ADMIN_TOKEN}", role: ADMIN}
defaults:
  role: READER
  ring: 3
tools:
  kb_read: {ring: 3, permission: read}
agents:
  agent-a: {allowed_tools: ["*"]}
  agent-b: {allowed_tools: ["*"]}
`

// spiffeServer is `agentgov serve` in built-in-CA mTLS mode.
type spiffeServer struct {
	url, data, config string
	cmd               *exec.Cmd
	stderr            *lockedBuffer
	done              chan error
}

func startSPIFFEServer(t *testing.T, dir string, requireClient bool) *spiffeServer {
	t.Helper()
	s := &spiffeServer{data: filepath.Join(dir, "data"), config: filepath.Join(dir, "agentgov.yaml"), stderr: &lockedBuffer{}, done: make(chan error, 1)}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.config, fmt.Appendf(nil, spiffeConfig, requireClient), 0o600); err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(binary, "serve", "--config", s.config, "--addr", "127.0.0.1:0", "--data-dir", s.data)
	s.cmd.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken)
	s.cmd.Stderr = s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.done <- s.cmd.Wait() }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		<-s.done
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		addr, err := serverAddr(s.data)
		if err == nil {
			s.url = addr
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("server not up: %v\n%s", err, s.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.HasPrefix(s.url, "https://") {
		t.Fatalf("SPIFFE mode serves %s, not https", s.url)
	}
	return s
}

func (s *spiffeServer) bundlePath() string {
	return filepath.Join(s.data, "keys", "spiffe", "bundle.pem")
}

func (s *spiffeServer) stop(t *testing.T) {
	t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		s.done <- err
		if err != nil {
			t.Fatalf("server exit: %v\n%s", err, s.stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
}

// httpsClient trusts the bundle at bundlePath and presents cert (if any).
func httpsClient(t *testing.T, bundlePath string, cert *tls.Certificate) *http.Client {
	t.Helper()
	b, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatal("empty bundle")
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: pool}
	if cert != nil {
		// Always present it: with Certificates, crypto/tls would quietly
		// withhold a certificate the server's CA list does not name.
		cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) { return cert, nil }
	}
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: cfg}}
}

func doJSON(t *testing.T, hc *http.Client, method, url, token, body string) (int, []byte, error) {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, b, err
}

func spiffeCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append(os.Environ(), "E2E_ADMIN_TOKEN="+adminToken)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return out.String(), errb.String(), code
}

// loadSVID reads an SVID directory written by agentgov identity svid.
func loadSVID(t *testing.T, dir string) (*x509svid.SVID, *x509bundle.Bundle, *tls.Certificate) {
	t.Helper()
	svid, err := x509svid.Load(filepath.Join(dir, client.SVIDFile), filepath.Join(dir, client.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := x509bundle.Load(svid.ID.TrustDomain(), filepath.Join(dir, client.BundleFile))
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, client.SVIDFile), filepath.Join(dir, client.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, client.KeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key.pem mode %v %v", fi.Mode(), err)
	}
	return svid, bundle, &cert
}

// peerExchange runs one mTLS exchange between two agents: server presents
// srvSVID and accepts only wantClient; client presents cliSVID and
// accepts only wantServer. Both verify with their own bundle copy.
func peerExchange(t *testing.T, srvSVID x509svid.Source, srvBundle x509bundle.Source, wantClient spiffeid.ID,
	cliSVID x509svid.Source, cliBundle x509bundle.Source, wantServer spiffeid.ID) (string, error) {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", tlsconfig.MTLSServerConfig(srvSVID, srvBundle, tlsconfig.AuthorizeID(wantClient)))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil {
			return
		}
		peer := c.(*tls.Conn).ConnectionState().PeerCertificates[0].URIs[0].String()
		fmt.Fprintf(c, "hello %s, you said %s", peer, line)
	}()
	defer wg.Wait()
	conn, err := tls.Dial("tcp", ln.Addr().String(), tlsconfig.MTLSClientConfig(cliSVID, cliBundle, tlsconfig.AuthorizeID(wantServer)))
	if err != nil {
		return "", err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, "ping\n"); err != nil {
		return "", err
	}
	b, err := io.ReadAll(conn)
	return string(b), err
}

// TestSPIFFEMutualTLS is issue 7's "done when" for transport identity:
// agentgov serve in built-in-CA mTLS mode; two agents obtain SVIDs through
// the CLI; they authenticate to each other over mTLS and to the server
// with only their client certificate; clients without a certificate or
// with another CA's are refused; a CA rotation leaves old SVIDs working.
func TestSPIFFEMutualTLS(t *testing.T) {
	dir := t.TempDir()
	s := startSPIFFEServer(t, dir, false)
	admin := httpsClient(t, s.bundlePath(), nil)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, err := doJSON(t, admin, "GET", s.url+"/readyz", "", "")
		if err == nil && code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %d %v\n%s", code, err, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.Contains(s.stderr.String(), "plain HTTP") {
		t.Fatal("SPIFFE mode logged plain HTTP")
	}

	// Two agents obtain SVIDs through the CLI: agent-a trusting the bundle
	// in the data directory by default, agent-b with an explicit --tls-ca.
	dirA, dirB := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	out, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "agent-a", "--out", dirA, "--server", s.url, "--token", adminToken,
		"--data-dir", s.data, "--config", s.config)
	if code != 0 || !strings.Contains(out, "spiffe://e2e.agentgov/agent/agent-a") {
		t.Fatalf("identity svid a: %d %s %s\n%s", code, out, errOut, s.stderr)
	}
	_, errOut, code = spiffeCLI(t, "", "identity", "svid", "--agent", "agent-b", "--out", dirB, "--server", s.url, "--token", adminToken,
		"--tls-ca", s.bundlePath())
	if code != 0 {
		t.Fatalf("identity svid b: %d %s", code, errOut)
	}
	svidA, bundleA, certA := loadSVID(t, dirA)
	svidB, bundleB, _ := loadSVID(t, dirB)
	idA, idB := svidA.ID, svidB.ID

	// The agents authenticate each other, in both roles.
	got, err := peerExchange(t, svidA, bundleA, idB, svidB, bundleB, idA)
	if err != nil || got != "hello spiffe://e2e.agentgov/agent/agent-b, you said ping\n" {
		t.Fatalf("a serving b: %q %v", got, err)
	}
	if got, err := peerExchange(t, svidB, bundleB, idA, svidA, bundleA, idB); err != nil || !strings.HasPrefix(got, "hello spiffe://e2e.agentgov/agent/agent-a") {
		t.Fatalf("b serving a: %q %v", got, err)
	}
	// An agent that expects b refuses a (authorisation by SPIFFE ID).
	if _, err := peerExchange(t, svidA, bundleA, idB, svidA, bundleA, idA); err == nil {
		t.Fatal("agent-a's server accepted agent-a where it expects agent-b")
	}

	// Each agent authenticates to agentgov serve with its certificate only.
	check := func(agent string) string {
		return `{"agent":"` + agent + `","session":"s1","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"id":"c1","name":"kb_read","args":{}}}}`
	}
	asA := httpsClient(t, s.bundlePath(), certA)
	code, body, err := doJSON(t, asA, "POST", s.url+"/v1/check", "", check("agent-a"))
	if err != nil || code != 200 {
		t.Fatalf("check as agent-a: %d %s %v\n%s", code, body, err, s.stderr)
	}
	var d api.CheckDecision
	if err := json.Unmarshal(body, &d); err != nil || d.Decision != "allow" {
		t.Fatalf("decision %s %v", body, err)
	}
	code, body, _ = doJSON(t, admin, "GET", fmt.Sprintf("%s/v1/audit/entries/%d", s.url, d.AuditIndex), adminToken, "")
	var e api.Entry
	if code != 200 || json.Unmarshal(body, &e) != nil || e.Source != "svid:agent-a" || e.Agent != "agent-a" {
		t.Fatalf("the decision entry does not name the SVID: %d %s", code, body)
	}
	// An agent asks only for its own decisions.
	if code, body, _ := doJSON(t, asA, "POST", s.url+"/v1/check", "", check("agent-b")); code != 403 {
		t.Fatalf("agent-a asking for agent-b: %d %s", code, body)
	}
	// The CLI client with --svid-dir and no token.
	out, errOut, code = spiffeCLI(t, check("agent-b"), "check", "--server", s.url, "--svid-dir", dirB)
	if code != 0 || !strings.Contains(out, `"decision": "allow"`) && !strings.Contains(out, `"decision":"allow"`) {
		t.Fatalf("agentgov check --svid-dir: %d %s %s", code, out, errOut)
	}

	// No certificate and no token: 401.
	if code, body, _ := doJSON(t, admin, "POST", s.url+"/v1/check", "", check("agent-a")); code != 401 {
		t.Fatalf("no credentials: %d %s", code, body)
	}
	// A certificate from another CA ends the handshake, token or not.
	foreignDir := filepath.Join(dir, "foreign")
	foreign := startSPIFFEServer(t, foreignDir, false)
	waitHTTPS(t, foreign)
	foreignSVID := filepath.Join(dir, "foreign-svid")
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "agent-a", "--out", foreignSVID, "--server", foreign.url,
		"--token", adminToken, "--tls-ca", foreign.bundlePath()); code != 0 {
		t.Fatalf("foreign svid: %s", errOut)
	}
	foreign.stop(t)
	_, _, certF := loadSVID(t, foreignSVID)
	if _, _, err := doJSON(t, httpsClient(t, s.bundlePath(), certF), "POST", s.url+"/v1/check", adminToken, check("agent-a")); err == nil {
		t.Fatal("a certificate of another CA was accepted")
	}

	// Rotate the CA through the API; SVIDs issued before keep working
	// with agentgov and between agents, and new ones come from the new CA.
	if out, errOut, code := spiffeCLI(t, "", "keys", "rotate", "--ca", "--server", s.url, "--token", adminToken, "--tls-ca", s.bundlePath()); code != 0 {
		t.Fatalf("keys rotate --ca: %d %s %s", code, out, errOut)
	}
	dirB2 := filepath.Join(dir, "b2")
	// agent-b renews with its current SVID as the only credential.
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--out", dirB2, "--server", s.url, "--svid-dir", dirB); code != 0 {
		t.Fatalf("renewal with the SVID: %s", errOut)
	}
	svidB2, bundleB2, certB2 := loadSVID(t, dirB2)
	if len(bundleB2.X509Authorities()) != 2 {
		t.Fatalf("the bundle after rotation has %d CAs, want the new and the retired one", len(bundleB2.X509Authorities()))
	}
	if svidB2.Certificates[0].Issuer.String() == svidB.Certificates[0].Issuer.String() {
		t.Fatal("the renewed SVID comes from the retired CA")
	}
	if code, body, err := doJSON(t, httpsClient(t, s.bundlePath(), certA), "POST", s.url+"/v1/check", "", check("agent-a")); err != nil || code != 200 {
		t.Fatalf("old SVID after rotation: %d %s %v", code, body, err)
	}
	if code, body, err := doJSON(t, httpsClient(t, s.bundlePath(), certB2), "POST", s.url+"/v1/check", "", check("agent-b")); err != nil || code != 200 {
		t.Fatalf("new SVID after rotation: %d %s %v", code, body, err)
	}
	// Old agent-a (old CA) and new agent-b (new CA), both holding the new
	// bundle, still authenticate each other.
	if got, err := peerExchange(t, svidA, bundleB2, idB, svidB2, bundleB2, idA); err != nil || !strings.HasPrefix(got, "hello") {
		t.Fatalf("old and new SVIDs after rotation: %q %v", got, err)
	}
	// Revoking agent-b's first SVID: new handshakes with it fail, others
	// are unaffected.
	_, _, certB := loadSVID(t, dirB)
	serialB := svidB.Certificates[0].SerialNumber.Text(16)
	// A connection opened with it before the revocation...
	openB := httpsClient(t, s.bundlePath(), certB)
	if code, body, err := doJSON(t, openB, "POST", s.url+"/v1/check", "", check("agent-b")); err != nil || code != 200 {
		t.Fatalf("agent-b's first SVID before revocation: %d %s %v", code, body, err)
	}
	if out, errOut, code := spiffeCLI(t, "", "identity", "revoke-svid", serialB, "--server", s.url, "--token", adminToken, "--tls-ca", s.bundlePath()); code != 0 {
		t.Fatalf("revoke-svid: %d %s %s", code, out, errOut)
	}
	if _, _, err := doJSON(t, httpsClient(t, s.bundlePath(), certB), "POST", s.url+"/v1/check", "", check("agent-b")); err == nil {
		t.Fatal("a revoked SVID was accepted")
	}
	// ...is refused from its next request on.
	if code, body, err := doJSON(t, openB, "POST", s.url+"/v1/check", "", check("agent-b")); err != nil || code != 401 {
		t.Fatalf("a revoked SVID on a connection opened before the revocation: %d %s", code, body)
	}
	if code, body, err := doJSON(t, httpsClient(t, s.bundlePath(), certB2), "POST", s.url+"/v1/check", "", check("agent-b")); err != nil || code != 200 {
		t.Fatalf("agent-b's current SVID after revoking the old one: %d %s %v", code, body, err)
	}
	// Every issuance and the rotation are in the audit log.
	code, body, _ = doJSON(t, admin, "GET", s.url+"/v1/audit/entries?type=identity&limit=100", adminToken, "")
	var page api.EntryPage
	if code != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("identity entries: %d %s", code, body)
	}
	actions := map[string]int{}
	for _, e := range page.Entries {
		actions[e.Action]++
	}
	// a, b, the server twice (before and after the rotation is allowed
	// but not required), b2: at least four agent issuances.
	if actions["spiffe_ca_create"] != 1 || actions["spiffe_ca_rotate"] != 1 || actions["svid_issue"] < 4 || actions["svid_revoke"] != 1 {
		t.Fatalf("identity audit entries %v", actions)
	}
	s.stop(t)

	// Restart requiring client certificates: without one the handshake
	// fails even with a valid token; with an SVID it succeeds.
	s = startSPIFFEServer(t, dir, true)
	waitHTTPSWith(t, s, certA)
	if _, _, err := doJSON(t, httpsClient(t, s.bundlePath(), nil), "POST", s.url+"/v1/check", adminToken, check("agent-a")); err == nil {
		t.Fatal("require_client_cert: a client without a certificate got through")
	}
	if code, body, err := doJSON(t, httpsClient(t, s.bundlePath(), certA), "POST", s.url+"/v1/check", "", check("agent-a")); err != nil || code != 200 {
		t.Fatalf("require_client_cert with an SVID: %d %s %v", code, body, err)
	}
}

func waitHTTPS(t *testing.T, s *spiffeServer) { waitHTTPSWith(t, s, nil) }

func waitHTTPSWith(t *testing.T, s *spiffeServer, cert *tls.Certificate) {
	t.Helper()
	hc := httpsClient(t, s.bundlePath(), cert)
	deadline := time.Now().Add(10 * time.Second)
	for {
		code, _, err := doJSON(t, hc, "GET", s.url+"/readyz", "", "")
		if err == nil && code == 200 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not ready: %d %v\n%s", code, err, s.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPlainHTTPLoopbackSaysSo: without TLS the server serves only on
// loopback and says so in its log; a non-loopback address without TLS is
// refused before anything listens.
func TestPlainHTTPLoopbackSaysSo(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	cmd := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", data)
	stderr := &lockedBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	if _, err := waitReady(data, 20*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if !strings.Contains(stderr.String(), "serving plain HTTP; allowed only because the listener is on loopback") {
		t.Fatalf("no plain-HTTP warning:\n%s", stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ln, err := net.Listen("tcp", "0.0.0.0:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	bad := exec.CommandContext(ctx, binary, "serve", "--addr", fmt.Sprintf("0.0.0.0:%d", port), "--data-dir", filepath.Join(t.TempDir(), "d2"))
	outb, err := bad.CombinedOutput()
	if err == nil || !strings.Contains(string(outb), "plain HTTP is allowed only on loopback") {
		t.Fatalf("non-loopback plain HTTP: %v\n%s", err, outb)
	}
}

// TestSPIFFEOfflineBootstrap: with require_client_cert nothing reaches the
// server without an SVID, so the first ones are issued offline from the
// data directory's CA before serve starts; the server then accepts them.
func TestSPIFFEOfflineBootstrap(t *testing.T) {
	dir := t.TempDir()
	config := filepath.Join(dir, "agentgov.yaml")
	data := filepath.Join(dir, "data")
	if err := os.WriteFile(config, fmt.Appendf(nil, spiffeConfig, true), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--out", filepath.Join(dir, "x"), "--config", config, "--data-dir", data); code != 2 ||
		!strings.Contains(errOut, "--agent ID is required") {
		t.Fatalf("offline without --agent: %d %s", code, errOut)
	}
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "agent-a", "--config", config, "--data-dir", data); code != 2 ||
		!strings.Contains(errOut, "--out DIR is required") {
		t.Fatalf("without --out: %d %s", code, errOut)
	}
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "bad/id", "--out", filepath.Join(dir, "x"), "--config", config, "--data-dir", data); code != 2 ||
		!strings.Contains(errOut, "SPIFFE path segment") {
		t.Fatalf("bad agent id: %d %s", code, errOut)
	}
	dirA := filepath.Join(dir, "a")
	out, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "agent-a", "--out", dirA, "--config", config, "--data-dir", data)
	if code != 0 || !strings.Contains(out, "spiffe://e2e.agentgov/agent/agent-a") {
		t.Fatalf("offline issuance: %d %s %s", code, out, errOut)
	}
	_, _, certA := loadSVID(t, dirA)
	s := startSPIFFEServer(t, dir, true)
	waitHTTPSWith(t, s, certA)
	check := `{"agent":"agent-a","session":"s1","intervention_point":"pre_tool_call","snapshot":{"tool_call":{"id":"c1","name":"kb_read","args":{}}}}`
	if code, body, err := doJSON(t, httpsClient(t, s.bundlePath(), certA), "POST", s.url+"/v1/check", "", check); err != nil || code != 200 {
		t.Fatalf("offline-issued SVID: %d %s %v", code, body, err)
	}
	// An agent does not read the audit log; the operator (its token over
	// a connection that, in this mode, must carry a certificate) finds the
	// offline issuance there like any other.
	hc := httpsClient(t, s.bundlePath(), certA)
	if code, body, _ := doJSON(t, hc, "GET", s.url+"/v1/audit/entries?type=identity", "", ""); code != 403 {
		t.Fatalf("an agent read the audit log: %d %s", code, body)
	}
	code, body, _ := doJSON(t, hc, "GET", s.url+"/v1/audit/entries?type=identity", adminToken, "")
	var page api.EntryPage
	if code != 200 || json.Unmarshal(body, &page) != nil {
		t.Fatalf("identity entries: %d %s", code, body)
	}
	found := false
	for _, e := range page.Entries {
		if e.Action == "svid_issue" && e.Agent == "agent-a" && strings.HasPrefix(e.Reason, "requested by local:") {
			found = true
		}
	}
	if !found {
		t.Fatalf("no offline svid_issue entry in %s", body)
	}
	if _, errOut, code := spiffeCLI(t, "", "identity", "svid", "--agent", "agent-b", "--out", filepath.Join(dir, "b"), "--config", config, "--data-dir", data); code == 0 ||
		!strings.Contains(errOut, "held by another process") {
		t.Fatalf("offline issuance beside a running server: %d %s", code, errOut)
	}
}
