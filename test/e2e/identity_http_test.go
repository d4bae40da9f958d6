package e2e

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/identity"
)

const idAuditorToken = "e2e-auditor-token-0123456789abcdef0123456"

const identityConfig = `
tools:
  search: {ring: 3, permission: read}
agents:
  alice:
    role: READER
    ring: 3
    allowed_tools: [search]
  bob:
    role: READER
    ring: 3
    allowed_tools: [search]
auth:
  tokens:
    - {name: e2e-admin, token: "${E2E_ADMIN_TOKEN}", role: ADMIN}
    - {name: auditor, token: "` + idAuditorToken + `", role: AUDITOR}
`

const searchCall = `{"tool_call":{"id":"c1","name":"search","args":{"q":"weather"}}}`

// idCLI runs the binary and returns its stdout, failing on a non-zero
// exit.
func idCLI(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command(binary, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("agentgov %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out)
}

// TestIdentityJourneyHTTP: an operator registers two agents with the CLI
// (one key encrypted with a passphrase); each agent proves its key with the
// handshake and uses its session token for its own checks (allowed) and
// for the other's (403); unauthenticated calls are 401; an AUDITOR reads
// the log but cannot reload the policy; every refusal is in the log; the
// two agents then authenticate each other, resolving keys through the
// server's registry.
func TestIdentityJourneyHTTP(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte(identityConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfg)
	ctx := context.Background()

	aliceKey, bobKey := filepath.Join(dir, "alice.key"), filepath.Join(dir, "bob.key")
	pass := filepath.Join(dir, "pass.txt")
	os.WriteFile(pass, []byte("bob's long passphrase\n"), 0o600)
	idCLI(t, "identity", "register", "--server", s.url, "--token", adminToken, "--agent", "alice", "--key-out", aliceKey)
	out := idCLI(t, "identity", "register", "--server", s.url, "--token", adminToken, "--agent", "bob", "--key-out", bobKey, "--passphrase-file", pass)
	var bobRec api.Agent
	if err := json.Unmarshal([]byte(out), &bobRec); err != nil || !strings.HasPrefix(bobRec.DID, "did:key:z6Mk") || bobRec.Status != "active" {
		t.Fatalf("register bob: %v %s", err, out)
	}
	for _, k := range []string{aliceKey, bobKey} {
		if fi, err := os.Stat(k); err != nil || fi.Mode().Perm() != 0o600 {
			t.Fatalf("%s: %v %v", k, fi, err)
		}
	}
	if b, _ := os.ReadFile(bobKey); !strings.Contains(string(b), `"argon2id"`) {
		t.Fatalf("bob's key is not encrypted:\n%s", b)
	}
	// An agent the configuration does not define cannot be registered.
	cmd := exec.Command(binary, "identity", "register", "--server", s.url, "--token", adminToken, "--agent", "mallory", "--key-out", filepath.Join(dir, "m.key"))
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "not defined in the configuration") {
		t.Fatalf("registering an unknown agent: %v %s", err, out)
	}

	// Each agent runs the handshake; the CLI verifies the server's proof.
	aliceTok := strings.TrimSpace(idCLI(t, "identity", "login", "--server", s.url, "--key", aliceKey, "--token-only"))
	bobTok := strings.TrimSpace(idCLI(t, "identity", "login", "--server", s.url, "--key", bobKey, "--passphrase-file", pass, "--token-only"))
	if !identity.IsSessionToken(aliceTok) || !identity.IsSessionToken(bobTok) || aliceTok == bobTok {
		t.Fatalf("session tokens %q %q", aliceTok, bobTok)
	}

	for _, c := range []struct {
		token, agent string
		want         int
	}{
		{aliceTok, "alice", 200}, {aliceTok, "bob", 403},
		{bobTok, "bob", 200}, {bobTok, "alice", 403},
		{"", "alice", 401},
	} {
		code, b := s.do(t, "POST", "/v1/check", c.token, checkBody(c.agent, "s1", "pre_tool_call", searchCall, ""))
		if code != c.want {
			t.Fatalf("check for %s: %d %s, want %d", c.agent, code, b, c.want)
		}
		if code == 200 && decodeVerdict(t, b).Decision != "allow" {
			t.Fatalf("check for %s: %s", c.agent, b)
		}
	}
	// The CLI check command takes the session token the same way.
	chk := exec.Command(binary, "check", "--server", s.url)
	chk.Env = append(os.Environ(), "AGENTGOV_TOKEN="+aliceTok)
	chk.Stdin = strings.NewReader(checkBody("alice", "s2", "pre_tool_call", searchCall, ""))
	if out, err := chk.Output(); err != nil || !strings.Contains(string(out), `"decision":"allow"`) {
		t.Fatalf("agentgov check with a session token: %v %s", err, out)
	}

	// Unauthenticated /v1 is 401 everywhere; the open routes stay open.
	for _, p := range []string{"/v1/audit/entries", "/v1/audit/checkpoint", "/v1/identity/agents"} {
		if code, _ := s.do(t, "GET", p, "", ""); code != 401 {
			t.Fatalf("unauthenticated %s: %d", p, code)
		}
	}
	if code, _ := s.do(t, "GET", "/healthz", "", ""); code != 200 {
		t.Fatalf("healthz: %d", code)
	}
	// AUDITOR reads entries but cannot change policy.
	if code, b := s.do(t, "GET", "/v1/audit/entries?type=access_denied", idAuditorToken, ""); code != 200 {
		t.Fatalf("auditor reads: %d %s", code, b)
	}
	if code, _ := s.do(t, "POST", "/v1/admin/reload", idAuditorToken, "{}"); code != 403 {
		t.Fatalf("auditor reload: %d", code)
	}
	code, b := s.do(t, "GET", "/v1/audit/entries?type=access_denied&limit=100", idAuditorToken, "")
	var page api.EntryPage
	if err := json.Unmarshal(b, &page); code != 200 || err != nil {
		t.Fatalf("%d %s", code, b)
	}
	var forbidden, unauth int
	for _, e := range page.Entries {
		switch e.Reason {
		case "Forbidden":
			forbidden++
		case "Unauthorized":
			unauth++
		}
		if strings.Contains(string(e.Payload), aliceTok) || strings.Contains(string(e.Payload), bobTok) {
			t.Fatal("a session token reached the audit log")
		}
	}
	// One remote host: its denial budget (burst 5, then 1/s) records the
	// first refusals; both cross-agent checks came first.
	if forbidden < 2 || unauth < 1 {
		t.Fatalf("access_denied entries: %d forbidden, %d unauthorised", forbidden, unauth)
	}
	code, b = s.do(t, "GET", "/v1/audit/entries?type=identity&limit=100", idAuditorToken, "")
	if code != 200 || strings.Count(string(b), `"action":"agent_register"`) != 2 || !strings.Contains(string(b), `"source":"token:e2e-admin"`) {
		t.Fatalf("registration entries: %d %s", code, b)
	}

	// Mutual authentication between the two agents, each resolving the
	// other through the registry with its own session.
	ak, err := identity.ReadKeyFile(aliceKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	bk, err := identity.ReadKeyFile(bobKey, []byte("bob's long passphrase"))
	if err != nil {
		t.Fatal(err)
	}
	resolver := func(tok string) identity.Resolver {
		c, err := client.New(s.url, tok)
		if err != nil {
			t.Fatal(err)
		}
		return identity.RegistryResolver(c.Agent, nil)
	}
	a := &identity.Handshaker{Self: ak, Peers: resolver(aliceTok), Audience: "agentgov.local"}
	bh := &identity.Handshaker{Self: bk, Peers: resolver(bobTok), Audience: "agentgov.local"}
	hello, err := a.Hello("bob")
	if err != nil {
		t.Fatal(err)
	}
	reply, err := bh.Reply(ctx, hello)
	if err != nil {
		t.Fatal(err)
	}
	confirm, err := a.Finish(ctx, reply)
	if err != nil {
		t.Fatalf("alice verifying bob: %v", err)
	}
	if who, err := bh.Confirm(ctx, confirm); err != nil || who != "alice" {
		t.Fatalf("bob verifying alice: %q %v", who, err)
	}

	// Rotation: bob's old session ends, the old key no longer logs in, the
	// new one does, and the registry keeps the old key's window.
	newBob := filepath.Join(dir, "bob2.key")
	idCLI(t, "identity", "rotate", "--server", s.url, "--token", adminToken, "--agent", "bob", "--key-out", newBob)
	if code, _ := s.do(t, "POST", "/v1/check", bobTok, checkBody("bob", "s1", "pre_tool_call", searchCall, "")); code != 401 {
		t.Fatalf("bob's session after rotation: %d", code)
	}
	if err := exec.Command(binary, "identity", "login", "--server", s.url, "--key", bobKey, "--passphrase-file", pass).Run(); err == nil {
		t.Fatal("the rotated-out key still logs in")
	}
	idCLI(t, "identity", "login", "--server", s.url, "--key", newBob, "--token-only")
	out = idCLI(t, "identity", "show", "bob", "--server", s.url, "--token", idAuditorToken)
	var rotated api.Agent
	if err := json.Unmarshal([]byte(out), &rotated); err != nil || len(rotated.Keys) != 2 || rotated.Keys[0].ValidUntil == nil || rotated.Keys[0].DID != bobRec.DID {
		t.Fatalf("after rotation: %v %s", err, out)
	}
}

// TestUnauthenticatedModeIsLoopbackOnly: with no authentication
// configured, serve refuses a non-loopback address (even with TLS), and on
// loopback it serves anonymous ADMIN callers with a warning.
func TestUnauthenticatedModeIsLoopbackOnly(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cfg := filepath.Join(dir, "tls.yaml")
	os.WriteFile(cfg, []byte("server:\n  tls:\n    cert: "+cert+"\n    key: "+key+"\n"), 0o600)
	cmd := exec.Command(binary, "serve", "--config", cfg, "--addr", "0.0.0.0:0", "--data-dir", filepath.Join(dir, "d1"))
	cmd.Env = withoutOperatorToken()
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "no authentication is configured") {
		t.Fatalf("non-loopback without auth: %v\n%s", err, out)
	}
	// Plain HTTP on a non-loopback address is refused by validation.
	cmd = exec.Command(binary, "serve", "--addr", "0.0.0.0:0", "--data-dir", filepath.Join(dir, "d2"))
	cmd.Env = withoutOperatorToken()
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "loopback") {
		t.Fatalf("plain non-loopback: %v\n%s", err, out)
	}

	data := filepath.Join(dir, "d3")
	var stderr lockedBuffer
	srv := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", data)
	srv.Env = withoutOperatorToken()
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	url, err := waitReady(data, 20*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "UNAUTHENTICATED") {
		t.Fatalf("no warning that the server is unauthenticated:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(data, "keys", "operator.token")); err == nil {
		t.Fatal("an operator token was generated")
	}
	s := &gateServer{url: url}
	if code, b := s.do(t, "GET", "/v1/audit/entries", "", ""); code != 200 {
		t.Fatalf("anonymous loopback ADMIN: %d %s", code, b)
	}
	if code, _ := s.do(t, "GET", "/v1/audit/entries", "not-a-token-of-this-server-0123456789", ""); code != 401 {
		t.Fatalf("a wrong token in unauthenticated mode: %d", code)
	}
}

func withoutOperatorToken() []string {
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "AGENTGOV_") {
			env = append(env, e)
		}
	}
	return env
}

func selfSigned(t *testing.T, dir string) (certPath, keyPath string) {
	k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "localhost"}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalPKCS8PrivateKey(k)
	certPath, keyPath = filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600)
	return certPath, keyPath
}
