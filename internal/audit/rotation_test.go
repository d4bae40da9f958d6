package audit

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/translog"
)

func appendN(t testing.TB, l *Log, n int) {
	t.Helper()
	for i := range n {
		mustAppend(t, l, ev(fmt.Sprintf("agent-%d", i%3), "decision", fmt.Sprintf(`{"n":%d}`, i)))
	}
}

func checkpoint(t testing.TB, l *Log) Checkpoint {
	t.Helper()
	c, err := l.Checkpoint(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func rotate(t testing.TB, l *Log, k testKey) Rotation {
	t.Helper()
	r, err := l.RotateKey(context.Background(), k.signer, k.vkey, "test rotation")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// twiceRotated builds a log signed by k0 up to size 9, by k1 up to 14 and
// by k2 after, with checkpoints of sizes 5, 8, 9, 13, 14 and 16.
func twiceRotated(t *testing.T, st store.Audit) (*Log, [3]testKey) {
	t.Helper()
	ks := [3]testKey{newKey(t), newKey(t), newKey(t)}
	l := openLog(t, st, ks[0])
	appendN(t, l, 5)
	checkpoint(t, l)
	appendN(t, l, 3)
	checkpoint(t, l)
	r1 := rotate(t, l, ks[1])
	if r1.Index != 8 || r1.Size != 9 || r1.OldKey != ks[0].vkey || r1.NewKey != ks[1].vkey {
		t.Fatalf("first rotation = %+v", r1)
	}
	appendN(t, l, 4)
	checkpoint(t, l)
	r2 := rotate(t, l, ks[2])
	if r2.Size != 14 {
		t.Fatalf("second rotation at size %d, want 14", r2.Size)
	}
	appendN(t, l, 2)
	checkpoint(t, l)
	return l, ks
}

func storedCheckpoints(t *testing.T, st store.Audit) []Checkpoint {
	t.Helper()
	var out []Checkpoint
	if err := st.ScanCheckpoints(context.Background(), func(c store.Checkpoint) error {
		out = append(out, c)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestRotationKeepsEveryCheckpointVerifiable(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			st := b.open(t)
			l, ks := twiceRotated(t, st)
			chain := l.KeyChain()
			if chain.Len() != 3 || chain.Root().VerifierKey != ks[0].vkey || l.CurrentKey() != ks[2].vkey {
				t.Fatalf("chain of %d keys, root %s, current %s", chain.Len(), chain.Root().VerifierKey, l.CurrentKey())
			}

			cps := storedCheckpoints(t, st)
			var sizes []int64
			for _, c := range cps {
				sizes = append(sizes, c.Size)
			}
			if fmt.Sprint(sizes) != "[5 8 9 13 14 16]" {
				t.Fatalf("checkpoint sizes %v", sizes)
			}
			// Which key signed each: the old keys keep signing nothing
			// after their rotation, and the rotation checkpoints are the
			// old key's.
			wantKey := map[int64]int{5: 0, 8: 0, 9: 0, 13: 1, 14: 1, 16: 2}
			open := ChainFrom(chain, 0)
			for _, c := range cps {
				if _, k, err := chain.Open(c.Note); err != nil || k != wantKey[c.Size] {
					t.Fatalf("checkpoint %d: key %d, %v; want key %d", c.Size, k, err, wantKey[c.Size])
				}
				// A checkpoint verifies with the key that signed it alone,
				// as an auditor who kept it from before the rotation holds it.
				if _, err := translog.Open(c.Note, testOrigin, ks[wantKey[c.Size]].v); err != nil {
					t.Fatalf("checkpoint %d with its own key: %v", c.Size, err)
				}
				for idx := int64(0); idx < c.Size; idx += 3 {
					p, err := l.InclusionProof(ctx, idx, c.Size)
					if err != nil {
						t.Fatal(err)
					}
					e, err := l.Entry(ctx, idx)
					if err != nil {
						t.Fatal(err)
					}
					if _, err := VerifyInclusionWith(open, c.Note, &p, &e); err != nil {
						t.Fatalf("entry %d in checkpoint %d: %v", idx, c.Size, err)
					}
				}
			}
			// Consistency across one and two rotations.
			bySize := map[int64][]byte{}
			for _, c := range cps {
				bySize[c.Size] = c.Note
			}
			for _, pr := range [][2]int64{{5, 13}, {8, 16}, {9, 14}, {5, 16}, {13, 16}} {
				p, err := l.ConsistencyProof(ctx, pr[0], pr[1])
				if err != nil {
					t.Fatal(err)
				}
				if err := VerifyConsistencyWith(open, bySize[pr[0]], bySize[pr[1]], &p); err != nil {
					t.Fatalf("consistency %d→%d: %v", pr[0], pr[1], err)
				}
			}

			// The whole log verifies from the first key, and reports the chain.
			rep, err := Verify(ctx, st, VerifyOptions{Verifier: ks[0].v})
			if err != nil || !rep.Intact {
				t.Fatalf("verify: %v %+v", err, rep)
			}
			if len(rep.Keys) != 3 || rep.TrustedKey != 0 || *rep.Keys[0].LastSize != 9 || rep.Keys[1].FirstSize != 10 ||
				*rep.Keys[1].LastSize != 14 || rep.Keys[2].LastSize != nil || *rep.Keys[1].RotationIndex != 8 || *rep.Keys[2].RotationIndex != 13 {
				t.Fatalf("report keys %+v", rep.Keys)
			}
			if rep.Keys[0].Checkpoints != 3 || rep.Keys[1].Checkpoints != 2 || rep.Keys[2].Checkpoints != 1 {
				t.Fatalf("checkpoints per key: %+v", rep.Keys)
			}
			// The current key anchors the chain too: its checkpoint covers
			// every rotation before it.
			if rep, err := Verify(ctx, st, VerifyOptions{Verifier: ks[2].v}); err != nil || !rep.Intact || rep.TrustedKey != 2 {
				t.Fatalf("verify from the current key: %v %+v", err, rep)
			}
			// A key outside the chain authenticates nothing.
			rep, err = Verify(ctx, st, VerifyOptions{Verifier: newKey(t).v})
			if err != nil || rep.Intact || rep.Problems[0].Kind != KindUntrustedKey {
				t.Fatalf("verify with a stranger's key: %v %+v", err, rep)
			}

			// The key chain document round-trips and verifies offline.
			doc, err := json.Marshal(KeysOf(chain))
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := ParseKeyChain(doc)
			if err != nil {
				t.Fatal(err)
			}
			if i, err := TrustedIndex(parsed, ks[0].v); err != nil || i != 0 {
				t.Fatalf("trusted index %d, %v", i, err)
			}
			if i, err := TrustedIndex(parsed, ks[1].v); err != nil || i != 1 {
				t.Fatalf("trusted index %d, %v", i, err)
			}
			// Holding only the middle key, an auditor verifies what it and
			// later keys signed, and is told why not the rest.
			if _, err := ChainFrom(parsed, 1)(bySize[13]); err != nil {
				t.Fatal(err)
			}
			if _, err := ChainFrom(parsed, 1)(bySize[5]); err == nil || !strings.Contains(err.Error(), "precedes the trusted key") {
				t.Fatalf("old checkpoint from a later key: %v", err)
			}
			if _, err := TrustedIndex(parsed, newKey(t).v); !errors.Is(err, translog.ErrKeyChain) {
				t.Fatalf("stranger key: %v", err)
			}

			// A checkpoint the retired key signs for a size after its
			// rotation is refused by name.
			root, err := translog.Root(ctx, st, 16)
			if err != nil {
				t.Fatal(err)
			}
			forged, err := translog.Sign(ks[0].signer, testOrigin, 16, root)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := chain.Open(forged); err == nil || !strings.Contains(err.Error(), "signs only sizes 0 to 9") {
				t.Fatalf("checkpoint by a retired key: %v", err)
			}

			if err := l.Close(ctx); err != nil {
				t.Fatal(err)
			}
			// Reopening needs the current key; the first one is refused
			// with the reason.
			if _, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: ks[0].signer, VerifierKey: ks[0].vkey}); err == nil || !strings.Contains(err.Error(), "after 2 key rotations") {
				t.Fatalf("reopen with the first key: %v", err)
			}
			l2 := openLog(t, st, ks[2])
			appendN(t, l2, 1)
			if c := checkpoint(t, l2); c.Size != 17 {
				t.Fatalf("checkpoint after reopen: %d", c.Size)
			}
			if err := l2.Close(ctx); err != nil {
				t.Fatal(err)
			}
			if rep, err := Verify(ctx, st, VerifyOptions{}); err != nil || !rep.Intact {
				t.Fatalf("verify after reopen: %v %+v", err, rep)
			}
			// The reader rebuilds the same chain from the store.
			r, err := NewReader(ctx, st, nil)
			if err != nil {
				t.Fatal(err)
			}
			keys, err := r.Keys(ctx)
			if err != nil || keys.VerifierKey != ks[2].vkey || keys.RootKey != ks[0].vkey || len(keys.Rotations) != 2 || keys.Rotations[1].Index != 13 {
				t.Fatalf("reader keys %+v, %v", keys, err)
			}
		})
	}
}

func TestRotationRefusals(t *testing.T) {
	ctx := context.Background()
	k0, k1 := newKey(t), newKey(t)
	l := openLog(t, memory.New(), k0)
	if _, err := l.Append(ctx, &api.Event{Type: TypeKeyRotation, Agent: "a"}, "token:x"); err == nil {
		t.Fatal("a caller wrote a key_rotation entry")
	}
	if _, err := l.RotateKey(ctx, k0.signer, k0.vkey, ""); err == nil {
		t.Fatal("rotated to the same key")
	}
	if _, err := l.RotateKey(ctx, k1.signer, k0.vkey, ""); err == nil {
		t.Fatal("rotated with a signer that is not the named key")
	}
	r := rotate(t, l, k1)
	var fe *FieldError
	if _, err := l.Erase(ctx, r.Index, "gdpr", SourceAgentgov); !errors.As(err, &fe) || fe.Field != "index" {
		t.Fatalf("erasing a rotation: %v", err)
	}
	if _, err := l.RotateKey(ctx, k0.signer, k0.vkey, ""); err == nil || !strings.Contains(err.Error(), "returns to a key") {
		t.Fatalf("rotating back to a retired key: %v", err)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RotateKey(ctx, newKey(t).signer, newKey(t).vkey, ""); err == nil {
		t.Fatal("rotated a closed log")
	}
}

// forge appends a key_rotation entry with the given payload and source,
// as someone with write access to the store (but not the key) would.
func forge(t *testing.T, l *Log, payload []byte, source string) int64 {
	t.Helper()
	r, err := l.prepare(&api.Event{Type: TypeKeyRotation, Agent: SourceAgentgov, Action: "rotate_log_key", Payload: payload}, source, false)
	if err != nil {
		t.Fatal(err)
	}
	idx, err := l.submit(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return idx
}

func TestForgedRotationsFailVerification(t *testing.T) {
	ctx := context.Background()
	next := newKey(t)
	cases := []struct {
		name string
		make func(k0, evil testKey, size int64) ([]byte, string)
		want string
	}{
		{"signed by another key", func(k0, evil testKey, size int64) ([]byte, string) {
			rot := translog.Rotation{Origin: testOrigin, OldKey: k0.vkey, NewKey: next.vkey, Size: size}
			rot.Signature, _ = evil.signer.Sign(translog.RotationStatement(rot.Origin, rot.OldKey, rot.NewKey, rot.Size))
			p, _ := marshalRotation(&rot)
			return p, SourceAgentgov
		}, "not signed by the old key"},
		{"not agentgov's", func(k0, evil testKey, size int64) ([]byte, string) {
			rot := translog.Rotation{Origin: testOrigin, OldKey: k0.vkey, NewKey: next.vkey, Size: size}
			_ = translog.SignRotation(k0.signer, &rot)
			p, _ := marshalRotation(&rot)
			return p, "token:mallory"
		}, "not by agentgov"},
		{"wrong size", func(k0, evil testKey, size int64) ([]byte, string) {
			rot := translog.Rotation{Origin: testOrigin, OldKey: k0.vkey, NewKey: next.vkey, Size: size + 5}
			_ = translog.SignRotation(k0.signer, &rot)
			p, _ := marshalRotation(&rot)
			return p, SourceAgentgov
		}, "hands over at size"},
		{"from a key the log does not use", func(k0, evil testKey, size int64) ([]byte, string) {
			rot := translog.Rotation{Origin: testOrigin, OldKey: evil.vkey, NewKey: next.vkey, Size: size}
			_ = translog.SignRotation(evil.signer, &rot)
			p, _ := marshalRotation(&rot)
			return p, SourceAgentgov
		}, "hands over from"},
		{"malformed", func(k0, evil testKey, size int64) ([]byte, string) {
			return []byte(`{"new_key":"x"}`), SourceAgentgov
		}, "rotation"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st := memory.New()
			k0, evil := newKey(t), newKey(t)
			l := openLog(t, st, k0)
			appendN(t, l, 3)
			payload, source := tc.make(k0, evil, 4)
			idx := forge(t, l, payload, source)
			appendN(t, l, 2)
			rep, err := Verify(ctx, st, VerifyOptions{Verifier: k0.v})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			for _, p := range rep.Problems {
				if p.Kind == KindBadRotation && p.Index == idx && strings.Contains(p.Detail, tc.want) {
					found = true
				}
			}
			if rep.Intact || !found {
				t.Fatalf("want %s at %d mentioning %q, got %+v", KindBadRotation, idx, tc.want, rep.Problems)
			}
			// A writer will not extend a log whose chain is broken.
			if _, err := LoadKeyChain(ctx, st); !errors.Is(err, ErrLogBroken) {
				t.Fatalf("LoadKeyChain: %v", err)
			}
		})
	}
}

func TestTamperedRotationFailsVerification(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.db")
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	k0, k1 := newKey(t), newKey(t)
	l := openLog(t, st, k0)
	appendN(t, l, 4)
	r := rotate(t, l, k1)
	appendN(t, l, 3)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	if rep, err := verifyFile(t, path, VerifyOptions{Verifier: k0.v}); err != nil || !rep.Intact {
		t.Fatalf("before tampering: %v %+v", err, rep)
	}
	// Swap the signature for another valid-looking one.
	other := base64.StdEncoding.EncodeToString(make([]byte, 64))
	execSQL(t, path, fmt.Sprintf(`UPDATE audit_payloads SET body = json_set(body, '$.signature', '%s') WHERE idx = %d`, other, r.Index))
	rep, err := verifyFile(t, path, VerifyOptions{Verifier: k0.v})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]bool{}
	for _, p := range rep.Problems {
		kinds[p.Kind] = true
	}
	if rep.Intact || !kinds[KindBadRotation] || !kinds[KindPayloadModified] || !kinds[KindBadSignature] {
		t.Fatalf("after tampering: %+v", rep.Problems)
	}
}

func TestInterruptedRotationRecovers(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "audit.db")
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	k0, k1 := newKey(t), newKey(t)
	l := openLog(t, st, k0)
	appendN(t, l, 4)
	r := rotate(t, l, k1)
	st.Close()
	// A crash after the rotation entry, before its checkpoint, and before
	// the new key file replaced the old one.
	execSQL(t, path, fmt.Sprintf(`DELETE FROM audit_checkpoints WHERE size >= %d`, r.Size))
	st, err = sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	l2, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: k0.signer, VerifierKey: k0.vkey,
		PendingSigner: k1.signer, PendingVerifierKey: k1.vkey, Now: fakeClock()})
	if err != nil {
		t.Fatal(err)
	}
	if l2.CurrentKey() != k1.vkey {
		t.Fatalf("current key %s", l2.CurrentKey())
	}
	c, err := st.CheckpointAt(ctx, r.Size)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := translog.Open(c.Note, testOrigin, k0.v); err != nil {
		t.Fatalf("the rotation checkpoint is not the old key's: %v", err)
	}
	appendN(t, l2, 2)
	if err := l2.Close(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := Verify(ctx, st, VerifyOptions{Verifier: k0.v}); err != nil || !rep.Intact {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	// Without the staged key, the log cannot be extended, and says why.
	if _, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: k0.signer, VerifierKey: k0.vkey}); err == nil {
		t.Fatal("opened with the retired key")
	}
}

func TestRotationUnderConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	keys := []testKey{newKey(t), newKey(t), newKey(t), newKey(t)}
	l := openLog(t, st, keys[0])
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 50 {
				if _, err := l.Append(ctx, ev(fmt.Sprintf("g%d", g), "decision", fmt.Sprintf(`{"i":%d}`, i)), "test"); err != nil {
					t.Error(err)
					return
				}
				if i%10 == 0 {
					if _, err := l.Checkpoint(ctx); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	for _, k := range keys[1:] {
		rotate(t, l, k)
	}
	wg.Wait()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, st, VerifyOptions{Verifier: keys[0].v})
	if err != nil || !rep.Intact || len(rep.Keys) != 4 || rep.Size != 203 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
}

func TestVerifyRefusesACheckpointOfARetiredKey(t *testing.T) {
	ctx := context.Background()
	st := memory.New()
	k0, k1 := newKey(t), newKey(t)
	l := openLog(t, st, k0)
	appendN(t, l, 3)
	rotate(t, l, k1)
	appendN(t, l, 2)
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	// Someone holding the retired key signs a checkpoint for a size the
	// new key owns; the tree it names is even the right one.
	root, err := translog.Root(ctx, st, 5)
	if err != nil {
		t.Fatal(err)
	}
	forged, err := translog.Sign(k0.signer, testOrigin, 5, root)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutCheckpoint(ctx, store.Checkpoint{Size: 5, Note: forged}); err != nil {
		t.Fatal(err)
	}
	rep, err := Verify(ctx, st, VerifyOptions{Verifier: k0.v})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Intact || len(rep.Problems) != 1 || rep.Problems[0].Kind != KindBadSignature || !strings.Contains(rep.Problems[0].Detail, "signs only sizes 0 to 4") {
		t.Fatalf("%+v", rep.Problems)
	}
}
