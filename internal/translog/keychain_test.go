package translog

import (
	"bytes"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type key struct {
	s    note.Signer
	vkey string
}

func genKey(t *testing.T, origin string) key {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	return key{s, vkey}
}

func TestRotationStatementIsDomainSeparated(t *testing.T) {
	got := RotationStatement("o", "old", "new", 12)
	want := "agentgov/log-key-rotation/v1\x00" + `{"new_key":"new","old_key":"old","origin":"o","size":12}`
	if string(got) != want {
		t.Fatalf("statement %q", got)
	}
	// A note's text always ends in a newline, so no statement is a note.
	if _, err := note.Sign(&note.Note{Text: string(got)}, genKey(t, "o").s); err == nil {
		t.Fatal("a rotation statement was signable as a note")
	}
}

func TestKeyChain(t *testing.T) {
	const origin = "agentgov.test/log"
	k0, k1, k2, other := genKey(t, origin), genKey(t, origin), genKey(t, origin), genKey(t, "elsewhere/log")
	link := func(old key, newKey string, size int64) Rotation {
		r := Rotation{Origin: origin, OldKey: old.vkey, NewKey: newKey, Size: size}
		if err := SignRotation(old.s, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	chain, err := NewKeyChain(origin, k0.vkey)
	if err != nil {
		t.Fatal(err)
	}
	if err := chain.Extend(link(k0, k1.vkey, 5)); err != nil {
		t.Fatal(err)
	}

	bad := []struct {
		name string
		r    Rotation
		want string
	}{
		{"not from the current key", link(k0, k2.vkey, 9), "hands over from"},
		{"before the previous rotation", link(k1, k2.vkey, 5), "precedes the previous rotation"},
		{"back to an old key", link(k1, k0.vkey, 9), "returns to a key"},
		{"to the same key", Rotation{Origin: origin, OldKey: k1.vkey, NewKey: k1.vkey, Size: 9, Signature: make([]byte, 64)}, "must change the key"},
		{"another log's key", Rotation{Origin: origin, OldKey: k1.vkey, NewKey: other.vkey, Size: 9, Signature: make([]byte, 64)}, "not the log"},
		{"another origin", Rotation{Origin: "elsewhere/log", OldKey: k1.vkey, NewKey: k2.vkey, Size: 9}, "rotation for log"},
		{"bad signature", func() Rotation { r := link(k1, k2.vkey, 9); r.Signature[0] ^= 1; return r }(), "not signed by the old key"},
		{"signed for another size", func() Rotation { r := link(k1, k2.vkey, 9); r.Size = 10; return r }(), "not signed by the old key"},
		{"zero size", Rotation{Origin: origin, OldKey: k1.vkey, NewKey: k2.vkey, Size: 0}, "size 0"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c := chain.Clone()
			err := c.Extend(tc.r)
			if !errors.Is(err, ErrKeyChain) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want %q", err, tc.want)
			}
			if c.Len() != 2 {
				t.Fatal("a refused rotation changed the chain")
			}
		})
	}
	if err := chain.Extend(link(k1, k2.vkey, 6)); err != nil {
		t.Fatal(err)
	}

	var root tlog.Hash
	sign := func(k key, size int64) []byte {
		msg, err := Sign(k.s, origin, size, root)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}
	for _, tc := range []struct {
		k    key
		size int64
		want int // key position, or -1 for refused
	}{
		{k0, 0, 0}, {k0, 5, 0}, {k0, 6, -1}, {k1, 5, -1}, {k1, 6, 1}, {k1, 7, -1}, {k2, 6, -1}, {k2, 7, 2}, {k2, 1 << 40, 2}, {other, 3, -1},
	} {
		_, i, err := chain.Open(sign(tc.k, tc.size))
		if i != tc.want || (err == nil) != (tc.want >= 0) {
			t.Errorf("checkpoint of size %d by %s: key %d, %v; want %d", tc.size, tc.k.vkey, i, err, tc.want)
		}
	}
	if _, _, err := chain.OpenFrom(sign(k0, 3), 1); err == nil || !strings.Contains(err.Error(), "precedes the trusted key") {
		t.Fatalf("OpenFrom: %v", err)
	}
	if chain.KeyFor(5) != 0 || chain.KeyFor(6) != 1 || chain.KeyFor(7) != 2 || chain.Index(k1.vkey) != 1 || chain.Index(other.vkey) != -1 {
		t.Fatal("KeyFor/Index")
	}

	// A look-alike of a trusted key (same name and hash, other key
	// material) cannot pass: the trusted verifier checks its signatures.
	v0, err := note.NewVerifier(k0.vkey)
	if err != nil {
		t.Fatal(err)
	}
	lying := lookAlike{v0}
	c := chain.Clone()
	if c.Trust(lying) != 0 || c.Trusted() != 0 {
		t.Fatal("Trust did not find the key")
	}
	if _, _, err := c.Open(sign(k0, 3)); err == nil {
		t.Fatal("a checkpoint opened although the trusted verifier rejects it")
	}
	if !bytes.Equal(chain.Rotations()[0].Signature, link(k0, k1.vkey, 5).Signature) {
		t.Fatal("Ed25519 signatures are deterministic; the stored link changed")
	}
}

// lookAlike has a real key's name and hash but rejects every signature.
type lookAlike struct{ note.Verifier }

func (lookAlike) Verify([]byte, []byte) bool { return false }

func FuzzKeyChainOpen(f *testing.F) {
	const origin = "agentgov.test/log"
	// Fixed keys: fuzzing workers must hold the keys the seeds were made with.
	gen := func(seed byte) key {
		skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{seed}, 64)), origin)
		if err != nil {
			f.Fatal(err)
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			f.Fatal(err)
		}
		return key{s, vkey}
	}
	k0, k1 := gen(1), gen(2)
	chain, err := NewKeyChain(origin, k0.vkey)
	if err != nil {
		f.Fatal(err)
	}
	r := Rotation{Origin: origin, OldKey: k0.vkey, NewKey: k1.vkey, Size: 4}
	if err := SignRotation(k0.s, &r); err != nil {
		f.Fatal(err)
	}
	if err := chain.Extend(r); err != nil {
		f.Fatal(err)
	}
	var root tlog.Hash
	for _, tc := range []struct {
		k    key
		size int64
	}{{k0, 3}, {k0, 4}, {k1, 5}, {k1, 4}, {k0, 9}} {
		msg, err := Sign(tc.k.s, origin, tc.size, root)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(msg)
	}
	f.Add([]byte(origin + "\n0005\nAAAA\n\n"))
	f.Add([]byte(origin + "\n99999999999999999999\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		cp, i, err := chain.Open(msg)
		if err != nil {
			return
		}
		keys := chain.Keys()
		if i < 0 || i >= len(keys) || !keys[i].covers(cp.Size) {
			t.Fatalf("checkpoint of size %d accepted with key %d", cp.Size, i)
		}
		if _, err := Open(msg, origin, keys[i].Verifier); err != nil {
			t.Fatalf("accepted, but key %d does not verify it: %v", i, err)
		}
		if n, err := SizeOf(msg, origin); err != nil || n != cp.Size {
			t.Fatalf("SizeOf %d, %v; signed size %d", n, err, cp.Size)
		}
	})
}
