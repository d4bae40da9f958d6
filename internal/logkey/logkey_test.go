package logkey

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

const origin = "agentgov.test/log"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func open(t *testing.T, dir string, st store.Audit, c *clock) *Log {
	t.Helper()
	l, err := Open(context.Background(), dir, audit.Options{Store: st, Origin: origin, Now: c.now})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func appendOne(t *testing.T, l *Log) {
	t.Helper()
	if _, err := l.Append(context.Background(), &api.Event{Type: "t", Agent: "a"}, "test"); err != nil {
		t.Fatal(err)
	}
}

func TestRotateReplacesTheKeyFileAndKeepsTheRoot(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st := memory.New()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := open(t, dir, st, c)
	first, err := keyring.LoadLogKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	appendOne(t, l)
	r, err := l.Rotate(ctx, "manual")
	if err != nil {
		t.Fatal(err)
	}
	now, err := keyring.LoadLogKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	if r.OldKey != first.VerifierKey || r.NewKey != now.VerifierKey || l.CurrentKey() != now.VerifierKey {
		t.Fatalf("rotation %+v, key file %s", r, now.VerifierKey)
	}
	if root, err := keyring.LoadLogRoot(dir); err != nil || root != first.VerifierKey {
		t.Fatalf("root %q, %v", root, err)
	}
	if _, err := keyring.LoadStagedLogKey(dir); !errors.Is(err, keyring.ErrNoKey) {
		t.Fatalf("a staged key was left: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dir, keyring.LogKeyFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log.key: %v %v", fi, err)
	}
	pub, _ := os.ReadFile(filepath.Join(dir, keyring.LogPubFile))
	if string(pub) != now.VerifierKey+"\n" {
		t.Fatalf("log.pub %q", pub)
	}
	if _, err := l.Rotate(ctx, "again"); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Reopens with the key file alone; the chain verifies from the root.
	l = open(t, dir, st, c)
	if l.KeyChain().Len() != 3 {
		t.Fatalf("chain of %d keys", l.KeyChain().Len())
	}
	v, _ := note.NewVerifier(first.VerifierKey)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := audit.Verify(ctx, st, audit.VerifyOptions{Verifier: v}); err != nil || !rep.Intact {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func TestOpenResolvesAStagedKey(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}

	// A crash before the rotation entry: the staged key is discarded.
	dir, st := t.TempDir(), memory.New()
	l := open(t, dir, st, c)
	appendOne(t, l)
	before := l.CurrentKey()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := keyring.StageLogKey(dir, origin, nil); err != nil {
		t.Fatal(err)
	}
	l = open(t, dir, st, c)
	if l.CurrentKey() != before {
		t.Fatal("adopted a key the log never rotated to")
	}
	if _, err := keyring.LoadStagedLogKey(dir); !errors.Is(err, keyring.ErrNoKey) {
		t.Fatalf("staged key kept: %v", err)
	}

	// A crash after the rotation entry, before the key file was replaced:
	// the staged key is adopted.
	next, err := keyring.StageLogKey(dir, origin, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.RotateKey(ctx, next.Signer, next.VerifierKey, "interrupted"); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	l = open(t, dir, st, c)
	if k, _ := keyring.LoadLogKey(dir); l.CurrentKey() != next.VerifierKey || k.VerifierKey != next.VerifierKey {
		t.Fatal("the staged key was not adopted")
	}
	if root, _ := keyring.LoadLogRoot(dir); root != before {
		t.Fatalf("root %q", root)
	}
	l.Close(ctx)
}

func TestRotateIfDueFollowsTheLogsClock(t *testing.T) {
	ctx := context.Background()
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := open(t, t.TempDir(), memory.New(), c)
	defer l.Close(ctx)
	every := 90 * 24 * time.Hour
	if done, err := l.RotateIfDue(ctx, every, c.now()); done || err != nil {
		t.Fatalf("rotated an empty log: %v %v", done, err)
	}
	appendOne(t, l)
	c.advance(every - time.Second)
	if done, err := l.RotateIfDue(ctx, every, c.now()); done || err != nil {
		t.Fatalf("rotated early: %v", err)
	}
	c.advance(time.Second)
	if done, err := l.RotateIfDue(ctx, every, c.now()); !done || err != nil {
		t.Fatalf("did not rotate when due: %v", err)
	}
	// The new key's age counts from its rotation entry.
	c.advance(every / 2)
	if done, _ := l.RotateIfDue(ctx, every, c.now()); done {
		t.Fatal("rotated a fresh key")
	}
	if done, _ := l.RotateIfDue(ctx, 0, c.now().Add(1000*every)); done {
		t.Fatal("rotated with the schedule off")
	}
	// The loop rotates on a tick when due.
	c.advance(every)
	tick := make(chan time.Time)
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.RunSchedule(rctx, every, c.now, tick); close(done) }()
	tick <- time.Time{}
	tick <- time.Time{} // the second tick is accepted only after the first was handled
	cancel()
	<-done
	if n := l.KeyChain().Len(); n != 3 {
		t.Fatalf("chain of %d keys after the scheduled rotation", n)
	}
}
