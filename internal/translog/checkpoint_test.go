package translog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// fixedKey is a test-only signing key so that the golden note is stable.
const fixedKey = "PRIVATE+KEY+agentgov.test/log+9690f8a6+Aff+Ix27Ep9meiKiLVb9QCgPTzQ4qZYKY734r11h/Ykj"

func testKeys(t testing.TB) (note.Signer, note.Verifier) {
	t.Helper()
	s, err := note.NewSigner(fixedKey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := note.NewVerifier(verifierKeyFor(t, fixedKey))
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func verifierKeyFor(t testing.TB, skey string) string {
	t.Helper()
	vk, err := VerifierKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return vk
}

func TestCheckpointGolden(t *testing.T) {
	s, v := testKeys(t)
	root := tlog.RecordHash([]byte("root"))
	msg, err := Sign(s, "agentgov.test/log", 42, root)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "checkpoint.golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(golden, msg, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(msg, want) {
		t.Fatalf("checkpoint note changed:\n%s\nwant:\n%s", msg, want)
	}
	cp, err := Open(msg, "agentgov.test/log", v)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Size != 42 || cp.Root != root || cp.Origin != "agentgov.test/log" {
		t.Fatalf("opened %+v", cp)
	}
}

func TestOpenRejects(t *testing.T) {
	s, v := testKeys(t)
	root := tlog.RecordHash([]byte("root"))
	good, err := Sign(s, "agentgov.test/log", 7, root)
	if err != nil {
		t.Fatal(err)
	}
	otherS, otherVK, err := note.GenerateKey(rand.Reader, "agentgov.test/log")
	if err != nil {
		t.Fatal(err)
	}
	os2, _ := note.NewSigner(otherS)
	ov, _ := note.NewVerifier(otherVK)
	foreign, _ := Sign(os2, "agentgov.test/log", 7, root)
	tampered := bytes.Replace(good, []byte("\n7\n"), []byte("\n8\n"), 1)
	cases := map[string]struct {
		msg    []byte
		origin string
		v      note.Verifier
	}{
		"wrong origin":   {good, "other/log", v},
		"other key":      {foreign, "agentgov.test/log", v},
		"wrong verifier": {good, "agentgov.test/log", ov},
		"size changed":   {tampered, "agentgov.test/log", v},
		"garbage":        {[]byte("hello"), "agentgov.test/log", v},
		"empty":          {nil, "agentgov.test/log", v},
		"huge":           {bytes.Repeat([]byte("a"), MaxNoteBytes+1), "agentgov.test/log", v},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Open(c.msg, c.origin, c.v)
			if !errors.Is(err, ErrCheckpoint) {
				t.Fatalf("Open = %v, want ErrCheckpoint", err)
			}
		})
	}
}
