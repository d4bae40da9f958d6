package keyring

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLogKeyRotationFiles(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "keys")
	cur, err := LoadOrCreateLogKey(dir, "o.test/log", nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := LoadLogRoot(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("root before any rotation: %v", err)
	}
	if err := EnsureLogRoot(dir, cur.VerifierKey); err != nil {
		t.Fatal(err)
	}
	if err := EnsureLogRoot(dir, cur.VerifierKey); err != nil {
		t.Fatalf("idempotent: %v", err)
	}
	next, err := StageLogKey(dir, "o.test/log", nil)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(next.Path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("staged key: %v %v", fi, err)
	}
	// One rotation at a time: a staged key is never overwritten.
	if _, err := StageLogKey(dir, "o.test/log", nil); err == nil || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("second stage: %v", err)
	}
	if err := EnsureLogRoot(dir, next.VerifierKey); err == nil {
		t.Fatal("the root was replaced")
	}
	got, err := PromoteStagedLogKey(dir)
	if err != nil || got.VerifierKey != next.VerifierKey {
		t.Fatalf("promote: %v", err)
	}
	if k, _ := LoadLogKey(dir); k.VerifierKey != next.VerifierKey {
		t.Fatal("log.key is not the new key")
	}
	if root, _ := LoadLogRoot(dir); root != cur.VerifierKey {
		t.Fatalf("root %q", root)
	}
	if _, err := LoadStagedLogKey(dir); !errors.Is(err, ErrNoKey) {
		t.Fatalf("staged key left: %v", err)
	}
	if err := DiscardStagedLogKey(dir); err != nil {
		t.Fatalf("discarding nothing: %v", err)
	}
}
