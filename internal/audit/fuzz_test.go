package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/translog"
)

// leafSeedHeaders are headers whose leaves seed FuzzParseLeaf: every kind of
// string escaping the canonical encoder does, and ref null, zero, large.
func leafSeedHeaders() []Header {
	d := sha256.Sum256([]byte("payload"))
	return []Header{
		{Time: "2026-01-02T03:04:05.000000006Z", Type: "decision", Agent: "agent-1", Session: "s-1", Action: "tool:search",
			Decision: "allow", Reason: "ok", Rule: "r1", PolicyVersion: "sha256:ab", Source: "token:ops", Ref: -1, PayloadSHA256: d},
		{Time: `2026"01\02`, Type: `we"ird\type`, Agent: `a"b\c`, Session: `\\`, Action: `"`, Decision: `\"`,
			Reason: "line\nbreak\ttab\r\b\f\x01\x1f\x7f", Rule: `,"type":"x"`, PolicyVersion: `{"v":2}`, Source: `token:"q"`, Ref: 0},
		{Time: "2026-01-02T03:04:05.000000006Z", Type: "escalation", Agent: "ägent ☃ 𝄞 \u2028\u2029 \ufffd", Session: "日本語",
			Reason: "\u00e9\u0301", Source: "token:ünïcode", Ref: 12345, PayloadSHA256: [32]byte{0xff, 0x00, 0x10}},
		{Type: TypePayloadErased, Agent: "a", Source: SourceAgentgov, Ref: 3},
		{Ref: -1},
		{Type: "x", Ref: 1 << 53},
		{Type: "x", Ref: 1<<53 - 1},
	}
}

// leafStringFields are the leaf members whose value is a string, with the
// header field each one carries.
func leafStringFields(h *Header) []struct{ name, v string } {
	return []struct{ name, v string }{
		{"action", h.Action}, {"agent", h.Agent}, {"decision", h.Decision},
		{"payload_sha256", hex.EncodeToString(h.PayloadSHA256[:])}, {"policy_version", h.PolicyVersion},
		{"reason", h.Reason}, {"rule", h.Rule}, {"session", h.Session}, {"source", h.Source},
		{"time", h.Time}, {"type", h.Type},
	}
}

var leafMemberNames = []string{"action", "agent", "decision", "payload_sha256", "policy_version", "reason",
	"ref", "rule", "session", "source", "time", "type", "v", "", "missing", `"`}

func FuzzParseLeaf(f *testing.F) {
	for _, h := range leafSeedHeaders() {
		leaf := AppendLeaf(nil, &h)
		f.Add(leaf)
		// Near misses of a valid leaf, each non-canonical in one way.
		s := string(leaf)
		for _, r := range [][2]string{
			{`,"v":1}`, `,"v":2}`},
			{`,"v":1}`, `,"v":1} `},
			{`,"v":1}`, `,"v":1.0}`},
			{`{"action"`, `{ "action"`},
			{`"ref":`, `"ref":-2,"x":`},
			{`"ref":null`, `"ref":-1`},
			{`"ref":null`, `"ref":"1"`},
			{`"ref":null`, `"ref":-0`},
			{`"ref":0`, `"ref":-0`},
			{`"ref":0`, `"ref":00`},
			{`"ref":12345`, `"ref":1.2345e4`},
			{`"ref":9007199254740992`, `"ref":9007199254740993`},
			{`"agent":"`, `"agent":"\u0041`},
			{`"agent":"`, `"agent":"\/`},
			{`"agent":"`, "\"agent\":\"\xff"},
			{`"agent":"`, `"agent":"\ud800`},
			{`"agent":`, `"Agent":`},
			{`"agent":"a"`, `"agent":"a","agent":"a"`},
			{`"payload_sha256":"`, `"payload_sha256":"F`},
			{`"payload_sha256":"`, `"payload_sha256":"00`},
		} {
			if strings.Contains(s, r[0]) {
				f.Add([]byte(strings.Replace(s, r[0], r[1], 1)))
			}
		}
	}
	for _, s := range []string{"", "{}", "null", "[]", `{"v":1}`, "{", `"`, `{"action":"`, `,"type":"x"`, `{"action":"a\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, leaf []byte) {
		// The partial readers run on stored leaves before anything checks
		// them, so they must survive any bytes.
		for _, name := range leafMemberNames {
			leafValue(leaf, name)
			if s, ok := leafString(leaf, name); ok && strings.ContainsAny(s, `"\`) {
				t.Fatalf("leafString(%q) = %q contains a quote or backslash", name, s)
			}
		}
		h, err := parseLeaf(leaf)
		if err != nil {
			return
		}
		if got := AppendLeaf(nil, &h); !bytes.Equal(got, leaf) {
			t.Fatalf("parseLeaf accepted a leaf it does not re-encode to:\n in: %q\nout: %q", leaf, got)
		}
		if h.Ref < -1 {
			t.Fatalf("parseLeaf returned ref %d", h.Ref)
		}
		if LeafHash(&h) != translog.LeafHash(leaf) {
			t.Fatal("LeafHash of the parsed header differs from the hash of the leaf")
		}
		for _, fld := range leafStringFields(&h) {
			enc := canonical.AppendString(nil, fld.v)
			if v, ok := leafValue(leaf, fld.name); !ok || !bytes.Equal(v, enc) {
				t.Fatalf("leafValue(%q) = %q, %v; the header has %q", fld.name, v, ok, enc)
			}
			s, ok := leafString(leaf, fld.name)
			if plain := bytes.IndexByte(enc, '\\') < 0; ok != plain || (ok && s != fld.v) {
				t.Fatalf("leafString(%q) = %q, %v; the header has %q", fld.name, s, ok, fld.v)
			}
		}
		wantRef := "null"
		if h.Ref >= 0 {
			wantRef = strconv.FormatInt(h.Ref, 10)
		}
		if v, ok := leafValue(leaf, "ref"); !ok || string(v) != wantRef {
			t.Fatalf("leafValue(ref) = %q, %v; the header has %s", v, ok, wantRef)
		}
		if v, ok := leafValue(leaf, "v"); !ok || string(v) != "1" {
			t.Fatalf("leafValue(v) = %q, %v", v, ok)
		}
	})
}

func FuzzHeaderOf(f *testing.F) {
	fx, err := sharedFixture()
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range fx.entries {
		b, _ := json.Marshal(e)
		f.Add(b)
	}
	e := fx.entries[3]
	for _, mutate := range []func(*api.Entry){
		func(e *api.Entry) { e.Payload, e.PayloadSalt = nil, "" },                                         // erased
		func(e *api.Entry) { e.Payload = json.RawMessage(` { "i" : 3 } `) },                               // non-canonical but equal
		func(e *api.Entry) { e.Payload = json.RawMessage(`{"i":4}`) },                                     // different payload
		func(e *api.Entry) { e.PayloadSalt = e.PayloadSalt[:8] },                                          // short salt
		func(e *api.Entry) { e.PayloadSHA256 = strings.ToUpper(e.PayloadSHA256) },                         // hex case
		func(e *api.Entry) { e.PayloadSHA256 = e.PayloadSHA256[:62] },                                     // short digest
		func(e *api.Entry) { e.Ref = new(int64(-1)) },                                                     // negative ref
		func(e *api.Entry) { e.Ref = new(int64(1<<53 - 1)) },                                              // largest exact ref
		func(e *api.Entry) { e.Agent, e.Reason = `"\`+"\x01\u2028", "\xff" },                              // escapes
		func(e *api.Entry) { e.Type, e.Source, e.Ref = TypePayloadErased, SourceAgentgov, new(int64(0)) }, // erasure
	} {
		c := e
		mutate(&c)
		b, _ := json.Marshal(c)
		f.Add(b)
	}
	for _, s := range []string{`{}`, `null`, `{"ref":7,"payload_sha256":"` + strings.Repeat("0", 64) + `"}`, `{"payload":"x","payload_salt":""}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var e api.Entry
		if json.Unmarshal(data, &e) != nil {
			return
		}
		h, err := HeaderOf(&e)
		if err != nil {
			return
		}
		for _, c := range []struct{ got, want string }{
			{h.Time, e.Time}, {h.Type, e.Type}, {h.Agent, e.Agent}, {h.Session, e.Session}, {h.Action, e.Action},
			{h.Decision, e.Decision}, {h.Reason, e.Reason}, {h.Rule, e.Rule}, {h.PolicyVersion, e.PolicyVersion}, {h.Source, e.Source},
		} {
			if c.got != c.want {
				t.Fatalf("header field %q, entry has %q", c.got, c.want)
			}
		}
		if (e.Ref == nil) != (h.Ref == -1) || (e.Ref != nil && *e.Ref != h.Ref) {
			t.Fatalf("header ref %d, entry ref %v", h.Ref, e.Ref)
		}
		leaf := AppendLeaf(nil, &h)
		back, err := parseLeaf(leaf)
		if err != nil {
			t.Fatalf("the leaf of an accepted entry does not parse: %v\nleaf: %q", err, leaf)
		}
		if back != h {
			t.Fatalf("the leaf does not round-trip: two headers share one leaf\n in: %+v\nout: %+v\nleaf: %q", h, back, leaf)
		}
		if LeafHash(&h) != translog.LeafHash(leaf) {
			t.Fatal("LeafHash differs from the hash of AppendLeaf")
		}
	})
}

// fixedLogKey is a test-only signing key for testOrigin: the fuzz fixture
// must be the same in every fuzz worker and in every later replay of a
// crasher, which a fresh random key would break.
const fixedLogKey = "PRIVATE+KEY+agentgov.test/log+9690f8a6+Aff+Ix27Ep9meiKiLVb9QCgPTzQ4qZYKY734r11h/Ykj"

// countingRand is a deterministic salt source for the same reason.
type countingRand struct{ n byte }

func (r *countingRand) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.n
		r.n++
	}
	return len(p), nil
}

// proofFixture is a small deterministic log with checkpoints at several
// sizes and every genuine proof between them.
type proofFixture struct {
	v          note.Verifier
	entries    []api.Entry
	leafHashes []tlog.Hash
	sizes      []int64          // sizes with a signed checkpoint, ascending
	notes      map[int64][]byte // checkpoint note by size
	roots      map[int64]tlog.Hash
	incl       map[[2]int64][]tlog.Hash // by (index, size)
	cons       map[[2]int64][]tlog.Hash // by (from, to)
}

var sharedFixture = sync.OnceValues(buildProofFixture)

func buildProofFixture() (*proofFixture, error) {
	ctx := context.Background()
	s, err := note.NewSigner(fixedLogKey)
	if err != nil {
		return nil, err
	}
	vkey, err := translog.VerifierKey(fixedLogKey)
	if err != nil {
		return nil, err
	}
	v, err := note.NewVerifier(vkey)
	if err != nil {
		return nil, err
	}
	l, err := Open(ctx, Options{Store: memory.New(), Origin: testOrigin, Signer: s, VerifierKey: vkey, Now: fakeClock(), Rand: &countingRand{}})
	if err != nil {
		return nil, err
	}
	fx := &proofFixture{v: v, notes: map[int64][]byte{}, roots: map[int64]tlog.Hash{},
		incl: map[[2]int64][]tlog.Hash{}, cons: map[[2]int64][]tlog.Hash{}}
	const n = 13
	checkpointAt := map[int64]bool{0: true, 1: true, 4: true, 6: true, 8: true, n: true}
	for i := int64(0); ; i++ {
		if checkpointAt[i] {
			c, err := l.Checkpoint(ctx)
			if err != nil {
				return nil, err
			}
			cp, err := translog.Open(c.Note, testOrigin, v)
			if err != nil || cp.Size != i {
				return nil, fmt.Errorf("checkpoint at %d: size %d, %v", i, cp.Size, err)
			}
			fx.sizes = append(fx.sizes, i)
			fx.notes[i], fx.roots[i] = c.Note, cp.Root
		}
		if i == n {
			break
		}
		e := ev(fmt.Sprintf("agent-%d", i%3), "decision", fmt.Sprintf(`{"i":%d}`, i))
		if i%4 == 1 {
			e.Ref = new(i - 1)
		}
		if _, err := l.Append(ctx, e, "token:fuzz"); err != nil {
			return nil, err
		}
	}
	for i := range int64(n) {
		e, err := l.Entry(ctx, i)
		if err != nil {
			return nil, err
		}
		h, err := HeaderOf(&e)
		if err != nil {
			return nil, err
		}
		fx.entries = append(fx.entries, e)
		fx.leafHashes = append(fx.leafHashes, LeafHash(&h))
	}
	for _, size := range fx.sizes {
		for i := range size {
			p, err := l.InclusionProof(ctx, i, size)
			if err != nil {
				return nil, err
			}
			if fx.incl[[2]int64{i, size}], err = decodeHashes("hashes", p.Hashes); err != nil {
				return nil, err
			}
		}
		for _, from := range fx.sizes {
			if from > size {
				break
			}
			p, err := l.ConsistencyProof(ctx, from, size)
			if err != nil {
				return nil, err
			}
			if fx.cons[[2]int64{from, size}], err = decodeHashes("hashes", p.Hashes); err != nil {
				return nil, err
			}
		}
	}
	return fx, l.Close(ctx)
}

// Fuzzed hash lists travel as one string, comma-separated: the fuzzer has no
// []string argument type.
func joinHashes(hs []tlog.Hash) string {
	return strings.Join(encodeHashes(hs), ",")
}

func splitHashes(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// decodedEqual compares a fuzzed list with a genuine one after decoding,
// because base64 has several spellings of one hash (ignored padding bits,
// ignored newlines).
func decodedEqual(ss []string, want []tlog.Hash) bool {
	got, err := decodeHashes("hashes", ss)
	return err == nil && slices.Equal(got, want)
}

func decodedHashEqual(s string, want tlog.Hash) bool {
	got, err := decodeHash("leaf_hash", s)
	return err == nil && got == want
}

func flipHash(h tlog.Hash) tlog.Hash {
	h[31] ^= 0x80
	return h
}

func FuzzVerifyInclusion(f *testing.F) {
	fx, err := sharedFixture()
	if err != nil {
		f.Fatal(err)
	}
	b64 := func(h tlog.Hash) string { return base64.StdEncoding.EncodeToString(h[:]) }
	for _, c := range []struct{ index, size int64 }{{0, 1}, {3, 4}, {5, 6}, {0, 13}, {7, 13}, {12, 13}, {4, 8}} {
		sel := uint8(slices.Index(fx.sizes, c.size))
		p := fx.incl[[2]int64{c.index, c.size}]
		lh := b64(fx.leafHashes[c.index])
		f.Add(sel, []byte(nil), c.index, c.size, lh, joinHashes(p), false)
		f.Add(sel, []byte(nil), c.index, c.size, lh, joinHashes(p), true)
		f.Add(sel, fx.notes[c.size], c.index, c.size, lh, joinHashes(p), true)
		// One change each: index, size, leaf, a hash, one hash too few or
		// too many, the checkpoint.
		f.Add(sel, []byte(nil), c.index+1, c.size, lh, joinHashes(p), false)
		f.Add(sel, []byte(nil), c.index, c.size+1, lh, joinHashes(p), false)
		f.Add(sel, []byte(nil), c.index, c.size, b64(flipHash(fx.leafHashes[c.index])), joinHashes(p), false)
		if len(p) > 0 {
			q := slices.Clone(p)
			q[len(q)-1] = flipHash(q[len(q)-1])
			f.Add(sel, []byte(nil), c.index, c.size, lh, joinHashes(q), false)
			f.Add(sel, []byte(nil), c.index, c.size, lh, joinHashes(p[:len(p)-1]), false)
		}
		f.Add(sel, []byte(nil), c.index, c.size, lh, strings.Trim(joinHashes(p)+","+lh, ","), false)
		f.Add(sel+1, []byte(nil), c.index, c.size, lh, joinHashes(p), false)
		f.Add(sel, append(slices.Clone(fx.notes[c.size]), "— other.example/log AAAA\n"...), c.index, c.size, lh, joinHashes(p), false)
	}
	f.Add(uint8(0), []byte(nil), int64(0), int64(0), "", "", false)
	f.Add(uint8(0), []byte(nil), int64(-1), int64(-1), "not base64", "!!,??", true)
	f.Add(uint8(5), []byte("agentgov.test/log\n13\nAAAA\n"), int64(0), int64(13), "", "", false)

	f.Fuzz(func(t *testing.T, cpSel uint8, cpNote []byte, index, treeSize int64, leafHash, hashes string, withEntry bool) {
		if len(cpNote) == 0 {
			cpNote = fx.notes[fx.sizes[int(cpSel)%len(fx.sizes)]]
		}
		p := &api.InclusionProof{Index: index, TreeSize: treeSize, LeafHash: leafHash, Hashes: splitHashes(hashes)}
		var e *api.Entry
		if withEntry && index >= 0 && index < int64(len(fx.entries)) {
			e = &fx.entries[index]
		}
		_, err := VerifyInclusion(cpNote, fx.v, p, e)

		cp, oerr := translog.Open(cpNote, testOrigin, fx.v)
		root, signed := fx.roots[cp.Size]
		if oerr == nil && (!signed || root != cp.Root) {
			t.Fatalf("a checkpoint we never signed opened: size %d, root %x", cp.Size, cp.Root)
		}
		genuine := oerr == nil && treeSize == cp.Size && index >= 0 && index < cp.Size &&
			decodedHashEqual(leafHash, fx.leafHashes[index]) && decodedEqual(p.Hashes, fx.incl[[2]int64{index, cp.Size}])
		if err == nil && !genuine {
			t.Fatalf("a proof that is not the genuine one verified: checkpoint of size %d, index %d, tree_size %d, leaf %q, hashes %q",
				cp.Size, index, treeSize, leafHash, p.Hashes)
		}
		// The converse: a checkpoint we signed and its genuine proof must
		// always verify, whatever spelling the base64 takes.
		if err != nil && genuine {
			t.Fatalf("the genuine proof of %d in %d was refused: %v", index, cp.Size, err)
		}
	})
}

func FuzzVerifyConsistency(f *testing.F) {
	fx, err := sharedFixture()
	if err != nil {
		f.Fatal(err)
	}
	sel := func(size int64) uint8 { return uint8(slices.Index(fx.sizes, size)) }
	for _, c := range [][2]int64{{0, 0}, {0, 13}, {1, 4}, {4, 6}, {4, 8}, {6, 13}, {8, 13}, {13, 13}, {1, 13}} {
		p := fx.cons[c]
		hs := joinHashes(p)
		f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0], c[1], hs)
		f.Add(sel(c[0]), sel(c[1]), fx.notes[c[0]], fx.notes[c[1]], c[0], c[1], hs)
		f.Add(sel(c[1]), sel(c[0]), []byte(nil), []byte(nil), c[1], c[0], hs)
		f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0]+1, c[1], hs)
		f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0], c[1]-1, hs)
		if len(p) > 0 {
			q := slices.Clone(p)
			q[0] = flipHash(q[0])
			f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0], c[1], joinHashes(q))
			f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0], c[1], joinHashes(p[1:]))
		}
		f.Add(sel(c[0]), sel(c[1]), []byte(nil), []byte(nil), c[0], c[1], hs+","+hs)
	}
	f.Add(uint8(0), uint8(0), []byte("x"), []byte("y"), int64(-1), int64(-5), "%%")

	f.Fuzz(func(t *testing.T, oldSel, newSel uint8, oldNote, newNote []byte, from, to int64, hashes string) {
		if len(oldNote) == 0 {
			oldNote = fx.notes[fx.sizes[int(oldSel)%len(fx.sizes)]]
		}
		if len(newNote) == 0 {
			newNote = fx.notes[fx.sizes[int(newSel)%len(fx.sizes)]]
		}
		p := &api.ConsistencyProof{From: from, To: to, Hashes: splitHashes(hashes)}
		err := VerifyConsistency(oldNote, newNote, fx.v, p)

		oldCp, oerr := translog.Open(oldNote, testOrigin, fx.v)
		newCp, nerr := translog.Open(newNote, testOrigin, fx.v)
		genuine := oerr == nil && nerr == nil &&
			fx.roots[oldCp.Size] == oldCp.Root && fx.roots[newCp.Size] == newCp.Root &&
			from == oldCp.Size && to == newCp.Size && from <= to &&
			decodedEqual(p.Hashes, fx.cons[[2]int64{from, to}])
		if _, ok := fx.roots[oldCp.Size]; oerr == nil && !ok {
			t.Fatalf("a checkpoint of size %d we never signed opened", oldCp.Size)
		}
		if _, ok := fx.roots[newCp.Size]; nerr == nil && !ok {
			t.Fatalf("a checkpoint of size %d we never signed opened", newCp.Size)
		}
		if err == nil && !genuine {
			t.Fatalf("a consistency proof that is not the genuine one verified: %d→%d (checkpoints %d→%d), hashes %q",
				from, to, oldCp.Size, newCp.Size, p.Hashes)
		}
		if err != nil && genuine {
			t.Fatalf("the genuine consistency proof %d→%d was refused: %v", from, to, err)
		}
	})
}

// TestProofFixtureIsDeterministic guards the fuzz targets above: a crasher
// saved under testdata/fuzz only reproduces if every process builds the
// same log.
func TestProofFixtureIsDeterministic(t *testing.T) {
	a, err := buildProofFixture()
	if err != nil {
		t.Fatal(err)
	}
	b, err := buildProofFixture()
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range a.sizes {
		if !bytes.Equal(a.notes[size], b.notes[size]) {
			t.Fatalf("checkpoint %d differs between two builds:\n%s\n%s", size, a.notes[size], b.notes[size])
		}
	}
	if !slices.Equal(a.leafHashes, b.leafHashes) || len(a.incl) != len(b.incl) || len(a.cons) != len(b.cons) {
		t.Fatal("leaf hashes or proofs differ between two builds")
	}
	// The proofs must really be proofs, or the fuzz targets' notion of
	// "genuine" is empty.
	for k, p := range a.incl {
		if err := translog.VerifyInclusion(k[0], k[1], a.leafHashes[k[0]], p, a.roots[k[1]]); err != nil {
			t.Fatalf("inclusion %v: %v", k, err)
		}
	}
	for k, p := range a.cons {
		if err := translog.VerifyConsistency(k[0], k[1], p, a.roots[k[0]], a.roots[k[1]]); err != nil {
			t.Fatalf("consistency %v: %v", k, err)
		}
	}
	if len(a.incl) != 1+4+6+8+13 || len(a.sizes) != 6 {
		t.Fatalf("fixture has %d inclusion proofs over sizes %v", len(a.incl), a.sizes)
	}
}

// TestHeaderOfLargeRefs holds HeaderOf to the FuzzHeaderOf property at the
// edge of the leaf's number encoding: RFC 8785 writes numbers as doubles, so
// a ref is exact only up to 2^53.
func TestHeaderOfLargeRefs(t *testing.T) {
	for _, ref := range []int64{0, 1<<53 - 1, 1 << 53, 1<<53 + 1, 1 << 62, math.MaxInt64} {
		t.Run(strconv.FormatInt(ref, 10), func(t *testing.T) {
			e := api.Entry{Type: "x", Agent: "a", Ref: new(ref), PayloadSHA256: strings.Repeat("0", 64)}
			h, err := HeaderOf(&e)
			if err != nil {
				return // refusing a ref the leaf cannot carry is correct
			}
			back, err := parseLeaf(AppendLeaf(nil, &h))
			if err != nil || back != h {
				t.Fatalf("ref %d: leaf reads back as ref %d (%v)", ref, back.Ref, err)
			}
		})
	}
}
