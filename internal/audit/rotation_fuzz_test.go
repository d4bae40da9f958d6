package audit

import (
	"bytes"
	"encoding/json"
	"testing"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/internal/translog"
)

// fuzzKeys are fixed keys of the test origin, so that seeds are valid.
func fuzzKeys(f *testing.F) (note.Signer, string, string) {
	f.Helper()
	// Fixed seeds: the fuzzing workers must hold the keys the seed corpus
	// was made with.
	skey, vkey, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{1}, 64)), testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		f.Fatal(err)
	}
	_, vkey2, err := note.GenerateKey(bytes.NewReader(bytes.Repeat([]byte{2}, 64)), testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	return s, vkey, vkey2
}

func FuzzParseRotationPayload(f *testing.F) {
	s, oldKey, newKey := fuzzKeys(f)
	rot := translog.Rotation{Origin: testOrigin, OldKey: oldKey, NewKey: newKey, Size: 12}
	if err := translog.SignRotation(s, &rot); err != nil {
		f.Fatal(err)
	}
	good, err := marshalRotation(&rot)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{}`))
	f.Add([]byte(`{"new_key":"a","old_key":"b","origin":"o","signature":"","size":1}`))
	f.Add([]byte(`{"new_key":"a","old_key":"b","origin":"o","signature":"AAAA","size":1,"x":1}`))
	f.Add([]byte(`null`))
	f.Add(append(bytes.Clone(good), ` {}`...))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := ParseRotationPayload(b)
		if err != nil {
			return
		}
		// Whatever parses is complete and re-encodes to a payload that
		// parses to the same rotation.
		if r.Origin == "" || r.OldKey == "" || r.NewKey == "" || r.Size < 1 || len(r.Signature) != 64 {
			t.Fatalf("incomplete rotation accepted: %+v", r)
		}
		again, err := marshalRotation(&r)
		if err != nil {
			t.Fatal(err)
		}
		r2, err := ParseRotationPayload(again)
		if err != nil || r2.Origin != r.Origin || r2.OldKey != r.OldKey || r2.NewKey != r.NewKey || r2.Size != r.Size || !bytes.Equal(r2.Signature, r.Signature) {
			t.Fatalf("round trip: %+v %v", r2, err)
		}
		// A rotation that verifies was signed over exactly these fields.
		if translog.VerifyRotation(&r) == nil && (r.OldKey != oldKey || r.NewKey != newKey || r.Size != 12) {
			t.Fatalf("a rotation nobody signed verifies: %+v", r)
		}
	})
}

func FuzzParseKeyChain(f *testing.F) {
	s, oldKey, newKey := fuzzKeys(f)
	chain, err := translog.NewKeyChain(testOrigin, oldKey)
	if err != nil {
		f.Fatal(err)
	}
	rot := translog.Rotation{Origin: testOrigin, OldKey: oldKey, NewKey: newKey, Size: 7}
	if err := translog.SignRotation(s, &rot); err != nil {
		f.Fatal(err)
	}
	if err := chain.Extend(rot); err != nil {
		f.Fatal(err)
	}
	good, err := json.Marshal(KeysOf(chain))
	if err != nil {
		f.Fatal(err)
	}
	single, _ := translog.NewKeyChain(testOrigin, oldKey)
	one, _ := json.Marshal(KeysOf(single))
	f.Add(good)
	f.Add(one)
	f.Add([]byte(`{"origin":"o","verifier_key":"","root_key":"","keys":[],"rotations":[]}`))
	f.Add(bytes.Replace(good, []byte(`"size":7`), []byte(`"size":8`), 1))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseKeyChain(b)
		if err != nil {
			return
		}
		// An accepted document is exactly what the chain it proves
		// renders, and every link verifies.
		var doc map[string]any
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		again, err := ParseKeyChain(mustJSON(t, KeysOf(c)))
		if err != nil || again.Len() != c.Len() || again.Current().VerifierKey != c.Current().VerifierKey {
			t.Fatalf("re-parse: %v", err)
		}
		for _, r := range c.Rotations() {
			if err := translog.VerifyRotation(&r); err != nil {
				t.Fatalf("accepted an unverified rotation: %v", err)
			}
		}
		if c.Len() > 1 && (c.Root().VerifierKey != oldKey || c.Keys()[1].VerifierKey != newKey) {
			t.Fatalf("a chain nobody signed was accepted: %+v", c.Keys())
		}
	})
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
