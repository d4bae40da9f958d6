package identity

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// detRand is a deterministic randomness source for tests.
type detRand struct{ r *rand.ChaCha8 }

func newDetRand(seed byte) *detRand {
	var s [32]byte
	s[0] = seed
	return &detRand{rand.NewChaCha8(s)}
}

func (d *detRand) Read(p []byte) (int, error) { return d.r.Read(p) }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type fakeLog struct {
	mu      sync.Mutex
	entries []api.Event
	sources []string
	fail    error
}

func (l *fakeLog) Append(_ context.Context, ev *api.Event, source string) (int64, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.fail != nil {
		return 0, l.fail
	}
	l.entries = append(l.entries, *ev)
	l.sources = append(l.sources, source)
	return int64(len(l.entries) - 1), nil
}

func keyFor(seed byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, 32))
}

func pubOf(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

var cheapArgon = &Argon2Params{Time: 1, MemoryKiB: 8 << 10, Threads: 1}

func TestKeyFilePlainAndEncrypted(t *testing.T) {
	dir := t.TempDir()
	k := keyFor(1)
	plain := filepath.Join(dir, "plain.key")
	if err := WriteKeyFile(plain, "bot-1", k, KeyFileOptions{}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(plain); fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v", fi.Mode())
	}
	got, err := ReadKeyFile(plain, nil)
	if err != nil || got.Agent != "bot-1" || !got.Key.Equal(k) {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := ReadKeyFile(plain, []byte("a passphrase")); err == nil {
		t.Fatal("a passphrase was accepted for a plaintext file")
	}
	if err := WriteKeyFile(plain, "bot-1", k, KeyFileOptions{}); err == nil {
		t.Fatal("overwrote an existing key file")
	}

	enc := filepath.Join(dir, "enc.key")
	pass := []byte("correct horse battery")
	if err := WriteKeyFile(enc, "bot-1", k, KeyFileOptions{Passphrase: pass, Argon2: cheapArgon, Rand: newDetRand(1)}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(enc)
	if bytes.Contains(raw, []byte(`"seed"`)) || !bytes.Contains(raw, []byte(`"argon2id"`)) || !bytes.Contains(raw, []byte(`"memory_kib": 8192`)) {
		t.Fatalf("encrypted file does not record its KDF or holds a seed:\n%s", raw)
	}
	got, err = ReadKeyFile(enc, pass)
	if err != nil || !got.Key.Equal(k) {
		t.Fatalf("%v", err)
	}
	for _, p := range [][]byte{nil, []byte("wrong passphrase")} {
		if _, err := ReadKeyFile(enc, p); !errors.Is(err, ErrPassphrase) {
			t.Fatalf("passphrase %q: %v", p, err)
		}
	}
	// The agent name is authenticated data: editing it breaks decryption.
	edited := bytes.Replace(raw, []byte(`"bot-1"`), []byte(`"bot-2"`), 1)
	if _, err := ParseKeyFile(edited, pass); err == nil {
		t.Fatal("an edited agent name was accepted")
	}
	// A file others can read is refused.
	os.Chmod(plain, 0o644)
	if _, err := ReadKeyFile(plain, nil); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
}

func TestParseKeyFileErrors(t *testing.T) {
	good, _ := MarshalKeyFile("bot", keyFor(2), KeyFileOptions{})
	var m map[string]any
	json.Unmarshal(good, &m)
	mut := func(f func(map[string]any)) []byte {
		c := map[string]any{}
		for k, v := range m {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return b
	}
	for name, b := range map[string][]byte{
		"not json":     []byte("{"),
		"format":       mut(func(c map[string]any) { c["format"] = "other/v9" }),
		"did mismatch": mut(func(c map[string]any) { c["did"] = DIDFromPublicKey(pubOf(keyFor(3))) }),
		"short seed":   mut(func(c map[string]any) { c["seed"] = "AAAA" }),
		"unknown kdf":  mut(func(c map[string]any) { c["kdf"] = "pbkdf2" }),
		"extra field":  mut(func(c map[string]any) { c["x"] = 1 }),
		"bad agent":    mut(func(c map[string]any) { c["agent"] = "" }),
		"huge argon": mut(func(c map[string]any) {
			c["kdf"], c["argon2"], c["seed"] = "argon2id", map[string]any{"time": 1, "memory_kib": 1 << 30, "threads": 1}, nil
		}),
	} {
		if _, err := ParseKeyFile(b, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func FuzzParseKeyFile(f *testing.F) {
	good, _ := MarshalKeyFile("bot", keyFor(2), KeyFileOptions{})
	enc, _ := MarshalKeyFile("bot", keyFor(2), KeyFileOptions{Passphrase: []byte("passphrase!"), Argon2: cheapArgon, Rand: newDetRand(2)})
	f.Add(good, false)
	f.Add(enc, true)
	f.Fuzz(func(t *testing.T, b []byte, withPass bool) {
		var pass []byte
		if withPass {
			pass = []byte("passphrase!")
		}
		k, err := ParseKeyFile(b, pass)
		if err != nil {
			return
		}
		if len(k.Key) != ed25519.PrivateKeySize || ValidAgentID(k.Agent) != nil {
			t.Fatalf("accepted an invalid key file: %+v", k)
		}
	})
}

var testTime = time.Date(2026, 11, 27, 1, 0, 0, 0, time.UTC)

func newRegistry(t *testing.T) (*Registry, *fakeLog, *clock) {
	t.Helper()
	c := &clock{t: testTime}
	l := &fakeLog{}
	known := map[string]bool{"alice": true, "bob": true, "carol": true}
	return NewRegistry(memory.NewAgents(), l, RegistryOptions{Known: func(id string) bool { return known[id] }, Now: c.now}), l, c
}

func TestRegistryLifecycle(t *testing.T) {
	ctx := WithSource(context.Background(), "token:ops")
	r, l, c := newRegistry(t)
	k1, k2 := keyFor(1), keyFor(2)
	a, err := r.Register(ctx, "alice", pubOf(k1))
	if err != nil {
		t.Fatal(err)
	}
	if a.DID != DIDFromPublicKey(pubOf(k1)) || a.Status != DefaultInitialStatus || len(a.Keys) != 1 || a.Keys[0].ValidUntil != nil {
		t.Fatalf("%+v", a)
	}
	if _, err := r.Register(ctx, "alice", pubOf(k2)); !errors.Is(err, ErrAlreadyRegistered) {
		t.Fatalf("second register: %v", err)
	}
	if _, err := r.Register(ctx, "bob", pubOf(k1)); err == nil {
		t.Fatal("one key registered for two agents")
	}
	if _, err := r.Register(ctx, "mallory", pubOf(k2)); !errors.Is(err, ErrUnknownAgent) {
		t.Fatalf("unknown agent: %v", err)
	}
	var fe *FieldError
	if _, err := r.Register(ctx, "alice", ed25519.PublicKey{1, 2}); !errors.As(err, &fe) || fe.Field != "public_key" {
		t.Fatalf("short key: %v", err)
	}

	var changed []string
	r.OnChange(func(id string) { changed = append(changed, id) })
	t0 := c.now()
	c.add(time.Hour)
	a, err = r.RotateKey(ctx, "alice", pubOf(k2))
	if err != nil {
		t.Fatal(err)
	}
	if a.DID != DIDFromPublicKey(pubOf(k2)) || len(a.Keys) != 2 || a.Keys[0].ValidUntil == nil || !a.Keys[0].ValidUntil.Equal(t0.Add(time.Hour)) {
		t.Fatalf("%+v", a)
	}
	// The old key verifies what it signed before the rotation.
	if k, err := r.KeyAt(ctx, "alice", t0.Add(time.Minute)); err != nil || !k.Equal(pubOf(k1)) {
		t.Fatalf("key before rotation: %v", err)
	}
	if k, err := r.KeyAt(ctx, "alice", c.now()); err != nil || !k.Equal(pubOf(k2)) {
		t.Fatalf("key after rotation: %v", err)
	}
	if cur, _ := r.CurrentKey(ctx, "alice"); !cur.Equal(pubOf(k2)) {
		t.Fatal("current key is not the new one")
	}

	if err := r.SetAgentStatus(ctx, "alice", "suspended", "active"); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("wrong from: %v", err)
	}
	if err := r.SetAgentStatus(ctx, "alice", "active", "suspended"); err != nil {
		t.Fatal(err)
	}
	// A keyless record for an agent that never registered, then its key.
	if err := r.SetAgentStatus(ctx, "carol", "", "active"); err != nil {
		t.Fatal(err)
	}
	if a, err := r.Register(ctx, "carol", pubOf(keyFor(3))); err != nil || len(a.Keys) != 1 {
		t.Fatalf("register keyless: %+v %v", a, err)
	}
	if len(changed) != 3 || changed[0] != "alice" {
		t.Fatalf("change notifications %v", changed)
	}
	var actions []string
	for i, e := range l.entries {
		actions = append(actions, e.Action)
		if e.Type != EventType || l.sources[i] != "token:ops" {
			t.Fatalf("entry %+v source %q", e, l.sources[i])
		}
	}
	want := []string{ActionRegister, ActionRotate, ActionStatusChange, ActionStatusChange, ActionRegister}
	if strings.Join(actions, ",") != strings.Join(want, ",") {
		t.Fatalf("audit actions %v, want %v", actions, want)
	}
	list, _ := r.List(ctx)
	if len(list) != 2 || list[0].ID != "alice" || list[1].ID != "carol" {
		t.Fatalf("list %+v", list)
	}
}
