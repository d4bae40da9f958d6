package keyring

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"golang.org/x/mod/sumdb/note"
)

const origin = "agentgov.test/log"

// keysDir returns a keys directory that does not exist yet, so that the code
// under test is the one that creates it.
func keysDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "data", "keys")
}

func perm(t *testing.T, path string) os.FileMode {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode().Perm()
}

func TestLoadOrCreateLogKeyCreatesThenLoads(t *testing.T) {
	dir := keysDir(t)
	k, err := LoadOrCreateLogKey(dir, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	keyPath := filepath.Join(dir, LogKeyFile)
	if k.Path != keyPath {
		t.Errorf("Path = %q, want %q", k.Path, keyPath)
	}
	if k.Signer.Name() != origin {
		t.Errorf("signer name = %q, want %q", k.Signer.Name(), origin)
	}
	for _, c := range []struct {
		path string
		want os.FileMode
	}{
		{dir, 0o700},
		{keyPath, 0o600},
	} {
		if got := perm(t, c.path); got != c.want {
			t.Errorf("%s has mode %04o, want %04o", c.path, got, c.want)
		}
	}
	pub, err := os.ReadFile(filepath.Join(dir, LogPubFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(pub) != k.VerifierKey+"\n" {
		t.Errorf("log.pub = %q, want the verifier key %q", pub, k.VerifierKey)
	}
	if !strings.HasPrefix(k.VerifierKey, origin+"+") {
		t.Errorf("verifier key %q is not named after the origin", k.VerifierKey)
	}
	// No temporary file may survive a successful creation: a leftover
	// log.key.tmp would block every later creation (O_EXCL).
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if e.Name() != LogKeyFile && e.Name() != LogPubFile {
			t.Errorf("unexpected file %s left in the keys directory", e.Name())
		}
	}

	before, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	again, err := LoadOrCreateLogKey(dir, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.VerifierKey != k.VerifierKey {
		t.Fatalf("second call returned another key: %q vs %q", again.VerifierKey, k.VerifierKey)
	}
	after, _ := os.ReadFile(keyPath)
	if !bytes.Equal(before, after) {
		t.Fatal("the second call rewrote the key file")
	}
	// Ed25519 signatures are deterministic: the same key signs the same
	// text identically, which proves the private halves are equal too.
	n := &note.Note{Text: "same key\n"}
	s1, err := note.Sign(n, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	s2, err := note.Sign(n, again.Signer)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(s1, s2) {
		t.Fatal("the loaded signer differs from the created one")
	}
}

func TestLoadOrCreateLogKeyTightensExistingDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateLogKey(dir, origin, nil); err != nil {
		t.Fatal(err)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Fatalf("keys directory left at mode %04o, want 0700", got)
	}
}

func TestLoadOrCreateLogKeyRefusesOtherOrigin(t *testing.T) {
	dir := keysDir(t)
	if _, err := LoadOrCreateLogKey(dir, origin, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(filepath.Join(dir, LogKeyFile))
	_, err := LoadOrCreateLogKey(dir, "other.example/log", nil)
	if err == nil {
		t.Fatal("a key for another origin was accepted")
	}
	for _, want := range []string{origin, "other.example/log"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not name %q", err, want)
		}
	}
	after, _ := os.ReadFile(filepath.Join(dir, LogKeyFile))
	if !bytes.Equal(before, after) {
		t.Fatal("refusing the origin replaced the key")
	}
}

func TestLoadRefusesOpenPermissions(t *testing.T) {
	cases := []struct {
		mode    os.FileMode
		wantErr bool
	}{
		{0o600, false},
		{0o400, false},
		{0o644, true},
		{0o640, true},
		{0o604, true},
		{0o610, true},
		{0o666, true},
	}
	for _, c := range cases {
		t.Run(c.mode.String(), func(t *testing.T) {
			dir := keysDir(t)
			if _, err := LoadOrCreateLogKey(dir, origin, nil); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, LogKeyFile)
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			for name, load := range map[string]func() error{
				"LoadLogKey":         func() error { _, err := LoadLogKey(dir); return err },
				"LoadOrCreateLogKey": func() error { _, err := LoadOrCreateLogKey(dir, origin, nil); return err },
			} {
				err := load()
				if !c.wantErr {
					if err != nil {
						t.Errorf("%s: %v", name, err)
					}
					continue
				}
				if err == nil {
					t.Errorf("%s accepted a key file of mode %04o", name, c.mode)
					continue
				}
				if !strings.Contains(err.Error(), "chmod") {
					t.Errorf("%s: error %q does not tell how to fix it (chmod)", name, err)
				}
				if errors.Is(err, ErrNoKey) {
					t.Errorf("%s: a readable key reported as missing: %v", name, err)
				}
			}
		})
	}
}

func TestLoadRefusesBadKeyFiles(t *testing.T) {
	_, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		setup   func(t *testing.T, path string)
		wantMsg string
	}{
		{"directory", func(t *testing.T, path string) {
			if err := os.Mkdir(path, 0o700); err != nil {
				t.Fatal(err)
			}
		}, "not a regular file"},
		{"garbage", writeFile("this is not a key\n"), "not a signed-note signer key"},
		{"empty", writeFile(""), "not a signed-note signer key"},
		{"public key", writeFile(vkey + "\n"), "not a signed-note signer key"},
		{"truncated private key", writeFile("PRIVATE+KEY+agentgov.test/log+9690f8a6+Aff+\n"), "not a signed-note signer key"},
		{"oversized", writeFile(strings.Repeat("A", maxKeyFile+1)), "larger than any key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, LogKeyFile)
			c.setup(t, path)
			if _, err := LoadLogKey(dir); err == nil || !strings.Contains(err.Error(), c.wantMsg) {
				t.Errorf("LoadLogKey: %v, want an error containing %q", err, c.wantMsg)
			}
			// A broken key must never be papered over by generating a
			// fresh one: that would silently fork the log's identity.
			if _, err := LoadOrCreateLogKey(dir, origin, nil); err == nil || errors.Is(err, ErrNoKey) {
				t.Errorf("LoadOrCreateLogKey: %v, want a refusal", err)
			}
			if _, err := os.Stat(filepath.Join(dir, LogPubFile)); err == nil {
				t.Error("a public key was written beside a broken private key")
			}
		})
	}
}

func writeFile(content string) func(t *testing.T, path string) {
	return func(t *testing.T, path string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLoadLogKeyMissing(t *testing.T) {
	_, err := LoadLogKey(t.TempDir())
	if !errors.Is(err, ErrNoKey) {
		t.Fatalf("got %v, want ErrNoKey", err)
	}
}

func TestVerifierKeyVerifiesSignerNotes(t *testing.T) {
	dir := keysDir(t)
	if _, err := LoadOrCreateLogKey(dir, origin, nil); err != nil {
		t.Fatal(err)
	}
	k, err := LoadLogKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(k.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if v.Name() != origin || v.KeyHash() != k.Signer.KeyHash() {
		t.Fatalf("verifier %s/%08x does not match signer %s/%08x", v.Name(), v.KeyHash(), k.Signer.Name(), k.Signer.KeyHash())
	}
	msg, err := note.Sign(&note.Note{Text: "agentgov.test/log\n3\nAAAA\n"}, k.Signer)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatalf("the verifier key does not verify the signer's note: %v", err)
	}
	if len(n.Sigs) != 1 || n.Sigs[0].Name != origin {
		t.Fatalf("signatures = %+v", n.Sigs)
	}
	// A verifier key derived from another private key must not verify it.
	other, err := LoadOrCreateLogKey(keysDir(t), origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := note.NewVerifier(other.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(ov)); err == nil {
		t.Fatal("another key's verifier accepted the note")
	}
}

func TestLoadOrCreateToken(t *testing.T) {
	dir := keysDir(t)
	raw := bytes.Repeat([]byte{0xa5, 0x01}, 16)
	tok, path, err := LoadOrCreateToken(dir, "api.token", bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if path != filepath.Join(dir, "api.token") {
		t.Errorf("path = %q", path)
	}
	if want := hex.EncodeToString(raw); tok != want {
		t.Fatalf("token = %q, want the hex of the random bytes %q", tok, want)
	}
	if got := perm(t, path); got != 0o600 {
		t.Errorf("token file has mode %04o, want 0600", got)
	}
	if got := perm(t, dir); got != 0o700 {
		t.Errorf("keys directory has mode %04o, want 0700", got)
	}
	onDisk, _ := os.ReadFile(path)
	if string(onDisk) != tok+"\n" {
		t.Errorf("file holds %q", onDisk)
	}
	// The second call must not read randomness at all: the token exists.
	again, _, err := LoadOrCreateToken(dir, "api.token", iotest.ErrReader(errors.New("randomness read twice")))
	if err != nil {
		t.Fatal(err)
	}
	if again != tok {
		t.Fatalf("second call returned %q, want %q", again, tok)
	}
	read, err := ReadToken(path)
	if err != nil || read != tok {
		t.Fatalf("ReadToken = %q, %v; want %q", read, err, tok)
	}
}

func TestLoadOrCreateTokenDefaultRandom(t *testing.T) {
	dir := keysDir(t)
	a, _, err := LoadOrCreateToken(dir, "a.token", nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := LoadOrCreateToken(dir, "b.token", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{a, b} {
		if len(tok) != 64 {
			t.Errorf("token %q has %d characters, want 64", tok, len(tok))
		}
		if _, err := hex.DecodeString(tok); err != nil {
			t.Errorf("token %q is not hex", tok)
		}
	}
	if a == b {
		t.Fatal("two tokens drawn from crypto/rand are equal")
	}
}

func TestLoadOrCreateTokenRandomFailure(t *testing.T) {
	dir := keysDir(t)
	cases := []struct {
		name string
		rnd  io.Reader
	}{
		{"error", iotest.ErrReader(errors.New("no entropy"))},
		{"short", bytes.NewReader(make([]byte, 31))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := LoadOrCreateToken(dir, "t", c.rnd); err == nil {
				t.Fatal("a token was made without enough randomness")
			}
			if _, err := os.Stat(filepath.Join(dir, "t")); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("a failed creation left a token file: %v", err)
			}
		})
	}
}

func TestExistingTokenFiles(t *testing.T) {
	long := strings.Repeat("x", 40)
	cases := []struct {
		name      string
		content   string
		mode      os.FileMode
		want      string // token LoadOrCreateToken returns; "" for an error
		wantInErr string
		readToken string // what ReadToken returns; "" for an error
	}{
		{"valid", long + "\n", 0o600, long, "", long},
		{"surrounding space", "  " + long + " \n\n", 0o600, long, "", long},
		{"exactly 32", strings.Repeat("y", 32), 0o600, strings.Repeat("y", 32), "", strings.Repeat("y", 32)},
		{"31 characters", strings.Repeat("y", 31), 0o600, "", "fewer than 32", strings.Repeat("y", 31)},
		{"short", "abc\n", 0o600, "", "fewer than 32", "abc"},
		{"empty", "", 0o600, "", "fewer than 32", ""},
		{"world readable", long, 0o644, "", "chmod", ""},
		{"group readable", long, 0o640, "", "chmod", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "api.token")
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, c.mode); err != nil {
				t.Fatal(err)
			}
			tok, _, err := LoadOrCreateToken(dir, "api.token", iotest.ErrReader(errors.New("must not generate")))
			if c.want == "" {
				if err == nil || !strings.Contains(err.Error(), c.wantInErr) {
					t.Errorf("LoadOrCreateToken = %q, %v; want an error containing %q", tok, err, c.wantInErr)
				}
			} else if err != nil || tok != c.want {
				t.Errorf("LoadOrCreateToken = %q, %v; want %q", tok, err, c.want)
			}
			after, _ := os.ReadFile(path)
			if string(after) != c.content {
				t.Errorf("the existing token file was rewritten to %q", after)
			}
			got, err := ReadToken(path)
			switch {
			case c.mode&0o077 != 0:
				if err == nil || !strings.Contains(err.Error(), "chmod") {
					t.Errorf("ReadToken = %q, %v; want a chmod error", got, err)
				}
			case err != nil || got != c.readToken:
				t.Errorf("ReadToken = %q, %v; want %q", got, err, c.readToken)
			}
		})
	}
}

func TestReadTokenMissing(t *testing.T) {
	_, err := ReadToken(filepath.Join(t.TempDir(), "nope"))
	if !errors.Is(err, ErrNoKey) {
		t.Fatalf("got %v, want ErrNoKey", err)
	}
}

// A temporary file left by a crash must not block creating the key.
func TestStaleTemporaryFileDoesNotBlockCreation(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, stale := range []string{"log.key.tmp", ".log.key.123.tmp", "operator.token.tmp"} {
		if err := os.WriteFile(filepath.Join(dir, stale), []byte("half"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := LoadOrCreateLogKey(dir, "agentgov.test/log", nil); err != nil {
		t.Fatalf("log key: %v", err)
	}
	if _, _, err := LoadOrCreateToken(dir, "operator.token", nil); err != nil {
		t.Fatalf("token: %v", err)
	}
}

// A FIFO in place of the key is refused, not waited on.
func TestFIFOInPlaceOfKeyIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, LogKeyFile), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan error, 1)
	go func() { _, err := LoadLogKey(dir); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("FIFO key: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("loading a FIFO as a key hangs")
	}
}
