// Package e2e runs agentgov end to end: the real binary, built once per test
// run, driven through its CLI (testscript files in testdata/script) and its
// HTTP API.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	_ "modernc.org/sqlite"
)

// binary is the agentgov executable under test.
var binary string

func TestMain(m *testing.M) {
	if os.Getenv(mcpServerEnv) != "" {
		// Re-executed as the MCP server behind agentgov mcp proxy.
		os.Exit(runMCPTestServer())
	}
	dir, err := os.MkdirTemp("", "agentgov-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "agentgov")
	build := exec.Command("go", "build", "-o", binary, "github.com/agentgov/agentgov/cmd/agentgov")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building agentgov:", err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("PATH", filepath.Dir(binary)+string(os.PathListSeparator)+env.Getenv("PATH"))
			// Scripts get a private copy of the example ACS manifest.
			return copyTree(filepath.Join("..", "..", "examples", "acs"), filepath.Join(env.WorkDir, "manifest"))
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"waitserver": cmdWaitServer,
			"http":       cmdHTTP,
			"exits":      cmdExits,
			"sqlexec":    cmdSQLExec,
		},
	})
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// serverAddr reads the address a running server recorded in the data
// directory's lock file.
func serverAddr(dataDir string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dataDir, "LOCK"))
	if err != nil {
		return "", err
	}
	var h struct {
		Addr string `json:"addr"`
	}
	if err := json.Unmarshal(b, &h); err != nil || !strings.HasPrefix(h.Addr, "http") {
		return "", fmt.Errorf("no address yet")
	}
	return h.Addr, nil
}

func waitReady(dataDir string, timeout time.Duration) (string, error) {
	deadline := time.Now().Add(timeout)
	for {
		addr, err := serverAddr(dataDir)
		if err == nil {
			resp, err := http.Get(addr + "/readyz")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return addr, nil
				}
			}
		}
		if time.Now().After(deadline) {
			return "", fmt.Errorf("server in %s not ready after %s", dataDir, timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitserver DATADIR: wait until the server holding DATADIR answers
// /readyz, then set $SERVER to its URL. A server with no authentication
// configured serves loopback callers without a token.
func cmdWaitServer(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 1 {
		ts.Fatalf("usage: waitserver DATADIR")
	}
	dir := ts.MkAbs(args[0])
	addr, err := waitReady(dir, 20*time.Second)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	ts.Setenv("SERVER", addr)
}

// http METHOD URL [BODYFILE]: send a request with $TOKEN; stdout gets the
// body, stderr the status line "HTTP <code> <content-type>".
func cmdHTTP(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: http METHOD URL [BODYFILE]")
	}
	var body io.Reader
	if len(args) == 3 {
		body = strings.NewReader(ts.ReadFile(args[2]))
	}
	req, err := http.NewRequest(args[0], args[1], body)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	if tok := ts.Getenv("TOKEN"); tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	fmt.Fprintf(ts.Stderr(), "HTTP %d %s\n", resp.StatusCode, resp.Header.Get("Content-Type"))
	ts.Stdout().Write(b)
	if (resp.StatusCode/100 != 2) != neg {
		ts.Fatalf("HTTP %d", resp.StatusCode)
	}
}

// exits CODE PROG [ARGS...]: run PROG and insist on exit status CODE.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: exits CODE PROG [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exit code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// sqlexec DBFILE STATEMENT: change a database behind agentgov's back.
func cmdSQLExec(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sqlexec DBFILE STATEMENT")
	}
	db, err := sql.Open("sqlite", "file:"+ts.MkAbs(args[0]))
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer db.Close()
	if _, err := db.Exec(args[1]); err != nil {
		ts.Fatalf("%v", err)
	}
}

// TestServerJourney follows the README: start the server on embedded
// defaults (with a free port), post an event, fetch its proof and a
// checkpoint, verify both offline with the CLI, stop with SIGTERM and verify
// the log.
func TestServerJourney(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "agentgov-data")
	var stderr bytes.Buffer
	srv := exec.Command(binary, "serve", "--addr", "127.0.0.1:0", "--data-dir", data)
	srv.Dir = dir
	srv.Stderr = &stderr
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer srv.Process.Kill()
	addr, err := waitReady(data, 20*time.Second)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	// No authentication is configured: the server is loopback-only and
	// its loopback callers need no token.
	if _, err := os.Stat(filepath.Join(data, "keys", "operator.token")); err == nil {
		t.Fatal("serve generated an operator token")
	}
	if fi, _ := os.Stat(filepath.Join(data, "keys", "log.key")); fi == nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log.key mode: %v", fi)
	}
	call := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequest(method, addr+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, b := call("POST", "/v1/audit/events", `{"type":"decision","agent":"support-bot","session":"s-42","action":"tool:send_email","decision":"deny","reason":"egress:blocked","payload":{"to":"x@example.com"}}`)
	var posted struct{ Index int64 }
	if err := json.Unmarshal(b, &posted); code != 201 || err != nil {
		t.Fatalf("post: %d %s", code, b)
	}
	code, cp := call("GET", "/v1/audit/checkpoint", "")
	if code != 200 {
		t.Fatalf("checkpoint: %d %s", code, cp)
	}
	code, proof := call("GET", fmt.Sprintf("/v1/audit/proof/inclusion?index=%d", posted.Index), "")
	if code != 200 {
		t.Fatalf("proof: %d %s", code, proof)
	}
	code, entry := call("GET", fmt.Sprintf("/v1/audit/entries/%d", posted.Index), "")
	if code != 200 {
		t.Fatalf("entry: %d %s", code, entry)
	}
	files := map[string][]byte{"cp.txt": cp, "proof.json": proof, "entry.json": entry}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) (int, string) {
		cmd := exec.Command(binary, args...)
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode(), string(out)
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0, string(out)
	}
	code2, pub := run("audit", "pubkey", "--data-dir", data)
	if code2 != 0 {
		t.Fatalf("pubkey: %s", pub)
	}
	os.WriteFile(filepath.Join(dir, "log.pub"), []byte(pub), 0o644)
	if c, out := run("audit", "verify-proof", "--pubkey", "log.pub", "--checkpoint", "cp.txt", "--proof", "proof.json", "--entry", "entry.json"); c != 0 || !strings.Contains(out, "OK") {
		t.Fatalf("verify-proof: %d %s", c, out)
	}
	// A forged entry must not verify against the same proof.
	os.WriteFile(filepath.Join(dir, "forged.json"), bytes.Replace(entry, []byte(`"deny"`), []byte(`"allow"`), 1), 0o644)
	if c, out := run("audit", "verify-proof", "--pubkey", "log.pub", "--checkpoint", "cp.txt", "--proof", "proof.json", "--entry", "forged.json"); c != 1 {
		t.Fatalf("forged entry: %d %s", c, out)
	}
	// Reading commands work beside the running server.
	if c, out := run("audit", "verify", "--data-dir", data); c != 0 || !strings.Contains(out, "INTACT") {
		t.Fatalf("verify beside the server: %d %s", c, out)
	}
	// Writing without --server is refused while the server holds the lock.
	if c, out := run("audit", "append", "--data-dir", data); c != 1 || !strings.Contains(out, "--server") {
		t.Fatalf("local append beside the server: %d %s", c, out)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 50 {
		if c, b := call("POST", "/v1/audit/events", fmt.Sprintf(`{"type":"external","agent":"a%d"}`, i)); c != 201 {
			t.Fatalf("post %d: %d %s", i, c, b)
		}
	}
	if err := srv.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("server exit: %v\n%s", err, stderr.String())
		}
	case <-ctx.Done():
		t.Fatal("server did not stop")
	}
	c, out := run("audit", "verify", "--data-dir", data, "--output", "json")
	var rep struct {
		Intact    bool  `json:"intact"`
		Size      int64 `json:"size"`
		Latest    int64 `json:"latest_checkpoint_size"`
		Uncovered int64 `json:"uncovered_entries"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil || c != 0 || !rep.Intact || rep.Size != posted.Index+51 || rep.Latest != posted.Index+51 || rep.Uncovered != 0 {
		t.Fatalf("verify after shutdown: %d %s", c, out)
	}
	if !strings.Contains(stderr.String(), `"msg":"stopped"`) {
		t.Fatalf("no clean stop in the log:\n%s", stderr.String())
	}
	if strings.Contains(stderr.String(), "x@example.com") {
		t.Fatal("the server log contains a payload")
	}
}
