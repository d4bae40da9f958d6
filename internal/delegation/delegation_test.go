package delegation

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/identity"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// fakeResolver is the identity registry of the tests.
type fakeResolver struct {
	mu    sync.Mutex
	byDID map[string]string
}

func (f *fakeResolver) AgentForDID(_ context.Context, did string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.byDID[did]
	if !ok {
		return "", errors.New("unknown key")
	}
	return a, nil
}

type agent struct {
	id   string
	key  ed25519.PrivateKey
	self Party
}

// seededKey is deterministic: tests must not depend on randomness.
func seededKey(name string) ed25519.PrivateKey {
	seed := make([]byte, ed25519.SeedSize)
	copy(seed, name)
	return ed25519.NewKeyFromSeed(seed)
}

type world struct {
	agents map[string]*agent
	res    *fakeResolver
	now    time.Time
}

func newWorld(names ...string) *world {
	w := &world{agents: map[string]*agent{}, res: &fakeResolver{byDID: map[string]string{}}, now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}
	for _, n := range names {
		k := seededKey(n)
		did := identity.DIDFromPublicKey(k.Public().(ed25519.PublicKey))
		w.agents[n] = &agent{id: n, key: k, self: Party{Agent: n, DID: did}}
		w.res.byDID[did] = n
	}
	return w
}

// link signs a delegation from → to with claims adjusted by mod.
func (w *world) link(t testing.TB, from, to, parent string, i int, mod func(*Claims)) string {
	t.Helper()
	c := Claims{ID: fmt.Sprintf("id-%s-%s-%012d", from, to, i), From: w.agents[from].self, To: w.agents[to].self,
		Tools: []string{"kb_*", "web_search"}, Resources: []string{"docs/*"}, Points: []string{"pre_tool_call", "post_tool_call"},
		IssuedAt: w.now.Add(-time.Minute).Unix(), Expires: w.now.Add(time.Hour).Unix(), MaxDepth: 8 - i, Parent: parent}
	if mod != nil {
		mod(&c)
	}
	raw, err := Sign(c, w.agents[from].key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// chain builds a chain through the named agents; mods[i] adjusts link i.
func (w *world) chain(t testing.TB, names []string, mods map[int]func(*Claims)) []string {
	t.Helper()
	var out []string
	parent := ""
	for i := 0; i+1 < len(names); i++ {
		raw := w.link(t, names[i], names[i+1], parent, i, mods[i])
		out = append(out, raw)
		parent = Digest(raw)
	}
	return out
}

func (w *world) verifier(t testing.TB, maxDepth int) *Verifier {
	t.Helper()
	v, err := NewVerifier(Options{Resolver: w.res, MaxDepth: maxDepth, Now: func() time.Time { return w.now }})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestChainValidation(t *testing.T) {
	w := newWorld("a", "b", "c", "d", "e", "f", "mallory")
	abc := []string{"a", "b", "c"}
	cases := []struct {
		name string
		// build returns the chain to verify.
		build func(t *testing.T, v *Verifier) []string
		code  string
		link  int
	}{
		{"valid depth 2", func(t *testing.T, v *Verifier) []string { return w.chain(t, abc, nil) }, "", 0},
		{"valid depth 5", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, []string{"a", "b", "c", "d", "e", "f"}, nil)
		}, "", 0},
		{"narrowed at each link", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, []string{"a", "b", "c", "d"}, map[int]func(*Claims){
				1: func(c *Claims) {
					c.Tools = []string{"kb_*"}
					c.Resources = []string{"docs/public/*"}
					c.Points = []string{"pre_tool_call"}
				},
				2: func(c *Claims) {
					c.Tools = []string{"kb_read"}
					c.Resources = []string{"docs/public/faq.md"}
					c.Points = []string{"pre_tool_call"}
					c.Expires = w.now.Add(time.Minute).Unix()
				},
			})
		}, "", 0},
		{"broken signature", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, abc, nil)
			ch[1] = flipSignature(ch[1])
			return ch
		}, CodeSignature, 1},
		{"tampered claims", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, abc, nil)
			ch[0] = tamperClaims(t, ch[0], func(c *Claims) { c.Tools = []string{"*"} })
			return ch
		}, CodeSignature, 0},
		{"widened tools at root child", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){1: func(c *Claims) { c.Tools = []string{"kb_*", "shell"} }})
		}, CodeScopeWidened, 1},
		{"widened glob", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){1: func(c *Claims) { c.Tools = []string{"k*"} }})
		}, CodeScopeWidened, 1},
		{"widened resources at link 3", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, []string{"a", "b", "c", "d", "e"}, map[int]func(*Claims){3: func(c *Claims) { c.Resources = []string{"*"} }})
		}, CodeScopeWidened, 3},
		{"widened points", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){
				0: func(c *Claims) { c.Points = []string{"pre_tool_call"} },
				1: func(c *Claims) { c.Points = []string{"pre_tool_call", "output"} },
			})
		}, CodeScopeWidened, 1},
		{"later expiry", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){1: func(c *Claims) { c.Expires = w.now.Add(2 * time.Hour).Unix() }})
		}, CodeExpiryExtended, 1},
		{"depth limit of a link", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, []string{"a", "b", "c", "d"}, map[int]func(*Claims){
				0: func(c *Claims) { c.MaxDepth = 1 },
				1: func(c *Claims) { c.MaxDepth = 0 },
			})
		}, CodeTooLong, 2},
		{"child keeps the parent's depth", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){0: func(c *Claims) { c.MaxDepth = 3 }, 1: func(c *Claims) { c.MaxDepth = 3 }})
		}, CodeTooLong, 1},
		{"longer than configured", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, []string{"a", "b", "c", "d", "e", "f", "mallory"}, nil)
		}, CodeTooLong, 5},
		{"wrong holder signs", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, abc, nil)
			// mallory re-delegates b's grant, pointing at the right parent.
			ch[1] = w.link(t, "mallory", "c", Digest(ch[0]), 1, nil)
			return ch
		}, CodeWrongHolder, 1},
		{"link not pointing at parent", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, abc, nil)
			other := w.chain(t, []string{"a", "b"}, map[int]func(*Claims){0: func(c *Claims) { c.ID = "another-root-0001" }})
			return []string{other[0], ch[1]}
		}, CodeBrokenLink, 1},
		{"revoked middle link", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, []string{"a", "b", "c", "d"}, nil)
			v.Revoke(Digest(ch[1]))
			return ch
		}, CodeRevoked, 1},
		{"expired", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){1: func(c *Claims) { c.Expires = w.now.Unix() }})
		}, CodeExpired, 1},
		{"issued in the future", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){0: func(c *Claims) { c.IssuedAt = w.now.Add(time.Hour).Unix(); c.Expires = w.now.Add(2 * time.Hour).Unix() }})
		}, CodeNotYetValid, 0},
		{"key not in the registry", func(t *testing.T, v *Verifier) []string {
			ch := w.chain(t, abc, nil)
			w.res.mu.Lock()
			delete(w.res.byDID, w.agents["c"].self.DID)
			w.res.mu.Unlock()
			t.Cleanup(func() { w.res.mu.Lock(); w.res.byDID[w.agents["c"].self.DID] = "c"; w.res.mu.Unlock() })
			return ch
		}, CodeUnknownKey, 1},
		{"did claimed for another agent", func(t *testing.T, v *Verifier) []string {
			return w.chain(t, abc, map[int]func(*Claims){1: func(c *Claims) { c.To.Agent = "d" }})
		}, CodeUnknownKey, 1},
		{"garbage", func(t *testing.T, v *Verifier) []string { return []string{"agd1.xx.yy"} }, CodeMalformed, 0},
		{"empty", func(t *testing.T, v *Verifier) []string { return nil }, CodeMalformed, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := w.verifier(t, 5)
			ch := c.build(t, v)
			got, err := v.Verify(context.Background(), ch)
			if c.code == "" {
				if err != nil {
					t.Fatalf("valid chain refused: %v", err)
				}
				if got.Root.Agent != "a" || len(got.Digests) != len(ch) {
					t.Fatalf("%+v", got)
				}
				return
			}
			var ce *ChainError
			if !errors.As(err, &ce) || ce.Code != c.code || ce.Link != c.link {
				t.Fatalf("got %v, want %s at link %d", err, c.code, c.link)
			}
		})
	}
}

func flipSignature(raw string) string {
	i := strings.LastIndexByte(raw, '.')
	sig, _ := base64.RawURLEncoding.DecodeString(raw[i+1:])
	sig[0] ^= 1
	return raw[:i+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// tamperClaims rewrites a token's claims, keeping its signature.
func tamperClaims(t *testing.T, raw string, mod func(*Claims)) string {
	tok, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := tok.Claims
	mod(&c)
	forged, err := Sign(c, seededKey(c.From.Agent))
	if err != nil {
		t.Fatal(err)
	}
	i := strings.LastIndexByte(forged, '.')
	j := strings.LastIndexByte(raw, '.')
	return forged[:i] + raw[j:]
}

func TestAllowsIsTheNarrowestScope(t *testing.T) {
	w := newWorld("a", "b", "c")
	v := w.verifier(t, 5)
	ch, err := v.Verify(context.Background(), w.chain(t, []string{"a", "b", "c"}, map[int]func(*Claims){
		1: func(c *Claims) { c.Tools = []string{"kb_read"}; c.Resources = []string{"docs/public/*"} },
	}))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		point     string
		tool      string
		resources []string
		want      []string
	}{
		{"pre_tool_call", "kb_read", []string{"docs/public/a.md"}, nil},
		{"pre_tool_call", "kb_write", []string{"docs/public/a.md"}, []string{ReasonTool}},
		{"pre_tool_call", "kb_read", []string{"docs/private/a.md"}, []string{ReasonResource}},
		{"pre_tool_call", "kb_read", []string{"docs/public/a.md", "etc/passwd"}, []string{ReasonResource}},
		{"pre_tool_call", "kb_read", nil, []string{ReasonResourceMissing}},
		{"output", "", []string{"docs/public/a.md"}, []string{ReasonPoint}},
	}
	for _, c := range cases {
		got := ch.Allows(c.point, c.point == "pre_tool_call", c.tool, c.resources)
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("%s %s %v: %v, want %v", c.point, c.tool, c.resources, got, c.want)
		}
	}
}

func TestCoversIsSound(t *testing.T) {
	cases := []struct {
		parent, child string
		want          bool
	}{
		{"*", "anything*", true},
		{"kb_*", "kb_read", true},
		{"kb_*", "kb_*", true},
		{"kb_*", "kb_r*", true},
		{"kb_*", "k*", false},
		{"kb_read", "kb_*", false},
		{"kb_?ead", "kb_read", true},
		{"kb_?ead", "kb_*ead", false},
		{"docs/*/x", "docs/a/*/x", true},
		{"[ab]_*", "a_tool", true},
		{"[ab]_*", "c_tool", false},
		{"[ab]_*", "[ab]_x", true},
		{"[ab]_*", "[abc]_x", false},
		{"a?", "a*", false},
		{"*a", "*", false},
	}
	for _, c := range cases {
		if got := covers(c.parent, c.child); got != c.want {
			t.Errorf("covers(%q, %q) = %v, want %v", c.parent, c.child, got, c.want)
		}
	}
}

func TestCacheAvoidsSignatureWorkAndRevocationIsImmediate(t *testing.T) {
	w := newWorld("a", "b", "c", "d", "e", "f")
	v := w.verifier(t, 5)
	ch := w.chain(t, []string{"a", "b", "c", "d", "e", "f"}, nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, ch); err != nil {
		t.Fatal(err)
	}
	if n := v.sigChecks.Load(); n != 5 {
		t.Fatalf("cold verification checked %d signatures, want 5", n)
	}
	for range 10 {
		if _, err := v.Verify(ctx, ch); err != nil {
			t.Fatal(err)
		}
	}
	if n := v.sigChecks.Load(); n != 5 {
		t.Fatalf("warm verifications checked signatures: %d", n)
	}
	// A sub-chain shares verified links: no new signature work.
	if _, err := v.Verify(ctx, ch[:3]); err != nil {
		t.Fatal(err)
	}
	if n := v.sigChecks.Load(); n != 5 {
		t.Fatalf("sub-chain re-verified signatures: %d", n)
	}
	v.Revoke(Digest(ch[2]))
	var ce *ChainError
	if _, err := v.Verify(ctx, ch); !errors.As(err, &ce) || ce.Code != CodeRevoked || ce.Link != 2 {
		t.Fatalf("cached chain through a revoked link: %v", err)
	}
	if _, err := v.Verify(ctx, ch[:2]); err != nil {
		t.Fatalf("the chain above the revoked link is unaffected: %v", err)
	}
	// A forged token is verified once, then refused from the cache.
	forged := flipSignature(ch[0])
	for range 3 {
		if _, err := v.Verify(ctx, []string{forged}); !errors.As(err, &ce) || ce.Code != CodeSignature {
			t.Fatalf("forged: %v", err)
		}
	}
	if n := v.sigChecks.Load(); n != 6 {
		t.Fatalf("a forged token was verified %d times", n-5)
	}
	// Expiry applies to cached chains as well.
	w.now = w.now.Add(2 * time.Hour)
	if _, err := v.Verify(ctx, ch[:2]); !errors.As(err, &ce) || ce.Code != CodeExpired {
		t.Fatalf("cached chain after expiry: %v", err)
	}
}

func TestResolutionIsRefreshed(t *testing.T) {
	w := newWorld("a", "b")
	v := w.verifier(t, 5)
	ch := w.chain(t, []string{"a", "b"}, nil)
	ctx := context.Background()
	if _, err := v.Verify(ctx, ch); err != nil {
		t.Fatal(err)
	}
	w.res.mu.Lock()
	delete(w.res.byDID, w.agents["b"].self.DID) // b's key retired
	w.res.mu.Unlock()
	w.now = w.now.Add(time.Minute)
	var ce *ChainError
	if _, err := v.Verify(ctx, ch); !errors.As(err, &ce) || ce.Code != CodeUnknownKey {
		t.Fatalf("a retired key still delegates after the resolve TTL: %v", err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	c := newLRU[string, int](3)
	now := time.Unix(100, 0)
	for i := range 10 {
		c.put(fmt.Sprint(i), i, now.Add(time.Hour))
	}
	if c.len() != 3 {
		t.Fatalf("len %d", c.len())
	}
	if _, ok := c.get("0", now); ok {
		t.Fatal("oldest entry kept")
	}
	if v, ok := c.get("9", now); !ok || v != 9 {
		t.Fatal("newest entry lost")
	}
	if _, ok := c.get("9", now.Add(2*time.Hour)); ok {
		t.Fatal("expired entry returned")
	}
}

func TestSignRefusesAnotherKey(t *testing.T) {
	w := newWorld("a", "b")
	c := Claims{ID: "0123456789abcdef", From: w.agents["a"].self, To: w.agents["b"].self, Tools: []string{"x"}, Resources: []string{"*"},
		Points: []string{"pre_tool_call"}, IssuedAt: 1, Expires: 2}
	if _, err := Sign(c, w.agents["b"].key); err == nil {
		t.Fatal("signed a's delegation with b's key")
	}
	c.To = c.From
	if _, err := Sign(c, w.agents["a"].key); err == nil {
		t.Fatal("self-delegation signed")
	}
}

type recorder struct {
	mu  sync.Mutex
	evs []api.Event
}

func (r *recorder) Append(_ context.Context, ev *api.Event, _ string) (int64, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, *ev)
	return int64(len(r.evs)), nil
}

func TestRegistryPersistsRevocations(t *testing.T) {
	w := newWorld("a", "b")
	ctx := context.Background()
	st := memory.NewDelegations()
	rec := &recorder{}
	v := w.verifier(t, 5)
	reg, err := NewRegistry(ctx, v, st, rec, "agentgov", func() time.Time { return w.now })
	if err != nil {
		t.Fatal(err)
	}
	ch := w.chain(t, []string{"a", "b"}, nil)
	tok, fresh, err := reg.Register(ctx, ch[0], "token:a")
	if err != nil || !fresh {
		t.Fatalf("%v %v", fresh, err)
	}
	if _, fresh, _ := reg.Register(ctx, ch[0], "token:a"); fresh {
		t.Fatal("second registration recorded again")
	}
	if err := reg.Revoke(ctx, tok.Digest, "a", "token:a", "done"); err != nil {
		t.Fatal(err)
	}
	if err := reg.Revoke(ctx, tok.Digest, "a", "token:a", "done"); !errors.Is(err, ErrAlreadyRevoked) {
		t.Fatalf("second revocation: %v", err)
	}
	if len(rec.evs) != 2 || rec.evs[0].Action != "delegation_issue" || rec.evs[1].Action != "delegation_revoke" {
		t.Fatalf("%+v", rec.evs)
	}
	// A new verifier over the same store refuses the chain at once.
	v2 := w.verifier(t, 5)
	if _, err := NewRegistry(ctx, v2, st, rec, "agentgov", nil); err != nil {
		t.Fatal(err)
	}
	var ce *ChainError
	if _, err := v2.Verify(ctx, ch); !errors.As(err, &ce) || ce.Code != CodeRevoked {
		t.Fatalf("revocation not reloaded: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	w := newWorld("a", "b")
	f.Add(w.link(f, "a", "b", "", 0, nil))
	f.Add("agd1.e30.AAAA")
	f.Add("")
	f.Add("agd1." + base64.RawURLEncoding.EncodeToString([]byte(`{"v":1}`)) + "." + strings.Repeat("A", 86))
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := Decode(raw)
		if err != nil {
			var me *MalformedError
			if !errors.As(err, &me) {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		// Whatever decodes is canonical and well-formed: re-encoding the
		// claims yields the same bytes.
		again, err := Decode(tok.Raw)
		if err != nil || again.Digest != tok.Digest || len(tok.Tools) == 0 || len(tok.sig) != ed25519.SignatureSize {
			t.Fatalf("round trip: %v", err)
		}
	})
}

// A lowered depth applies to the next verification, of a chain verified
// and cached before included.
func TestSetMaxDepth(t *testing.T) {
	w := newWorld("a", "b", "c", "d")
	v := w.verifier(t, 5)
	ch := w.chain(t, []string{"a", "b", "c", "d"}, nil)
	if _, err := v.Verify(context.Background(), ch); err != nil {
		t.Fatal(err)
	}
	if err := v.SetMaxDepth(2); err != nil || v.MaxDepth() != 2 {
		t.Fatalf("%v %d", err, v.MaxDepth())
	}
	var ce *ChainError
	if _, err := v.Verify(context.Background(), ch); !errors.As(err, &ce) || ce.Code != CodeTooLong {
		t.Fatalf("a three-link chain at depth 2: %v", err)
	}
	if err := v.SetMaxDepth(MaxChainLinks + 1); err == nil || v.MaxDepth() != 2 {
		t.Fatal("a depth beyond the limit was accepted")
	}
	if err := v.SetMaxDepth(0); err != nil || v.MaxDepth() != 5 {
		t.Fatalf("0 is the default: %v %d", err, v.MaxDepth())
	}
}
