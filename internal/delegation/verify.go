package delegation

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// KeyResolver maps a did:key to the agent that holds the key (the identity
// registry). It returns an error when the key is unknown, retired, or its
// agent may not act.
type KeyResolver interface {
	AgentForDID(ctx context.Context, did string) (string, error)
}

// Error codes of an invalid chain; the gate denies with
// "delegation_invalid:<code>".
const (
	CodeMalformed      = "malformed"
	CodeTooLong        = "depth_exceeded"
	CodeSignature      = "bad_signature"
	CodeUnknownKey     = "unknown_key"
	CodeWrongHolder    = "wrong_holder"
	CodeBrokenLink     = "broken_link"
	CodeScopeWidened   = "scope_widened"
	CodeExpiryExtended = "expiry_extended"
	CodeExpired        = "expired"
	CodeNotYetValid    = "not_yet_valid"
	CodeRevoked        = "revoked"
	CodeResolver       = "resolver_unavailable"
)

// ChainError says why a chain is not valid: Code, the link at fault
// (0 is the root) and a detail for logs.
type ChainError struct {
	Code   string
	Link   int
	Detail string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("delegation chain invalid at link %d: %s: %s", e.Link, e.Code, e.Detail)
}

func chainErr(code string, link int, format string, args ...any) *ChainError {
	return &ChainError{Code: code, Link: link, Detail: fmt.Sprintf(format, args...)}
}

// Chain is a verified chain, root first.
type Chain struct {
	Links []*Token
	// Digests are the links' digests, root first.
	Digests []string
	// Root is the root delegator, Holder the last delegatee.
	Root, Holder Party
	// Expires is the earliest expiry along the chain (the last link's).
	Expires time.Time
	// resolved is when the parties were last resolved against the
	// registry.
	resolved time.Time
}

// Scope is the narrowest link's grant: the last one, since every link is
// contained in its parent.
func (c *Chain) Scope() *Token { return c.Links[len(c.Links)-1] }

// Denial reasons of Allows.
const (
	ReasonPoint           = "delegation_point_not_granted"
	ReasonTool            = "delegation_tool_not_granted"
	ReasonResource        = "delegation_resource_not_granted"
	ReasonResourceMissing = "delegation_resource_missing"
)

// Allows checks an action against the chain's scope and returns the
// reasons it falls outside, none if it is inside. toolPoint says whether
// the point names a tool (then tool must be granted). Every resource must
// be granted; an action that names none is outside a scope that restricts
// resources, so that leaving the resource out cannot widen the grant.
func (c *Chain) Allows(point string, toolPoint bool, tool string, resources []string) []string {
	s := c.Scope()
	var out []string
	if !slices.Contains(s.Points, point) {
		out = append(out, ReasonPoint)
	}
	if toolPoint {
		if _, ok := s.tools.Match(tool); !ok || tool == "" {
			out = append(out, ReasonTool)
		}
	}
	if len(resources) == 0 {
		if !slices.Contains(s.Resources, "*") {
			out = append(out, ReasonResourceMissing)
		}
	} else {
		for _, r := range resources {
			if _, ok := s.resources.Match(r); !ok {
				out = append(out, ReasonResource)
				break
			}
		}
	}
	return out
}

// Options configure NewVerifier.
type Options struct {
	Resolver KeyResolver
	// MaxDepth is the most links a chain may have (default 5).
	MaxDepth int
	// CacheSize bounds the verified-token and verified-chain caches
	// (default 4096 each).
	CacheSize int
	// ResolveTTL is how long a chain's resolution of keys to agents is
	// trusted before the registry is asked again (default 30s): a
	// rotated or retired key stops working within it.
	ResolveTTL time.Duration
	// Skew tolerates clocks that disagree on iat (default 1m).
	Skew time.Duration
	Now  func() time.Time
}

// Verifier verifies chains and caches the results. It is safe for
// concurrent use.
type Verifier struct {
	o      Options
	tokens *lru[digestKey, *Token]
	chains *lru[digestKey, *Chain]
	// bad remembers tokens that are malformed or whose signature does not
	// verify (a property of their bytes alone), so that a client
	// repeating a forged token costs a digest, not a verification.
	bad *lru[digestKey, *ChainError]

	rmu     sync.RWMutex
	revoked map[digestKey]struct{}

	// sigChecks counts Ed25519 verifications, for tests of the cache.
	sigChecks atomic.Int64
	// maxDepth is o.MaxDepth, changeable while the verifier runs
	// (SetMaxDepth); every Verify reads it before any cache.
	maxDepth atomic.Int64
}

// NewVerifier returns a verifier.
func NewVerifier(o Options) (*Verifier, error) {
	if o.Resolver == nil {
		return nil, errors.New("delegation: a key resolver is required")
	}
	var err error
	if o.MaxDepth, err = ResolveMaxDepth(o.MaxDepth); err != nil {
		return nil, err
	}
	if o.CacheSize <= 0 {
		o.CacheSize = 4096
	}
	if o.ResolveTTL <= 0 {
		o.ResolveTTL = 30 * time.Second
	}
	if o.Skew <= 0 {
		o.Skew = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	v := &Verifier{o: o, tokens: newLRU[digestKey, *Token](o.CacheSize), chains: newLRU[digestKey, *Chain](o.CacheSize),
		bad: newLRU[digestKey, *ChainError](o.CacheSize), revoked: map[digestKey]struct{}{}}
	v.maxDepth.Store(int64(o.MaxDepth))
	return v, nil
}

// MaxDepth is the most links a chain may have now.
func (v *Verifier) MaxDepth() int { return int(v.maxDepth.Load()) }

// SetMaxDepth changes the most links a chain may have (0: the default of
// 5). It applies to the next Verify, cached chains included.
func (v *Verifier) SetMaxDepth(n int) error {
	n, err := ResolveMaxDepth(n)
	if err != nil {
		return err
	}
	v.maxDepth.Store(int64(n))
	return nil
}

// ResolveMaxDepth is what NewVerifier and SetMaxDepth make of a depth: 0
// (or less) is the default of 5, more than MaxChainLinks is refused.
func ResolveMaxDepth(n int) (int, error) {
	if n <= 0 {
		n = 5
	}
	if n > MaxChainLinks {
		return 0, fmt.Errorf("delegation: max depth %d exceeds %d", n, MaxChainLinks)
	}
	return n, nil
}

// digestKey is a token's (or a chain's) SHA-256.
type digestKey = [sha256.Size]byte

// Revoke makes every chain through the token with this digest
// ("sha256:<hex>") invalid, at once. Persisting the revocation is the
// caller's. A digest that cannot name a token is ignored.
func (v *Verifier) Revoke(digest string) {
	k, ok := parseDigest(digest)
	if !ok {
		return
	}
	v.rmu.Lock()
	v.revoked[k] = struct{}{}
	v.rmu.Unlock()
	v.tokens.remove(k)
}

// Revoked reports whether a digest is revoked.
func (v *Verifier) Revoked(digest string) bool {
	k, ok := parseDigest(digest)
	return ok && v.revokedKey(k)
}

func (v *Verifier) revokedKey(k digestKey) bool {
	v.rmu.RLock()
	_, ok := v.revoked[k]
	v.rmu.RUnlock()
	return ok
}

// token decodes and verifies one link's signature, from the cache when it
// can.
func (v *Verifier) token(raw string, key digestKey, i int, now time.Time) (*Token, error) {
	if t, ok := v.tokens.get(key, now); ok {
		return t, nil
	}
	if e, ok := v.bad.get(key, now); ok {
		return nil, &ChainError{Code: e.Code, Link: i, Detail: e.Detail}
	}
	t, err := Decode(raw)
	if err != nil {
		ce := chainErr(CodeMalformed, i, "%v", err)
		v.bad.put(key, ce, forever())
		return nil, ce
	}
	v.sigChecks.Add(1)
	if !t.verifySignature() {
		ce := chainErr(CodeSignature, i, "the signature does not verify under %s", t.From.DID)
		v.bad.put(key, ce, forever())
		return nil, ce
	}
	v.tokens.put(key, t, t.Expiry())
	return t, nil
}

// forever is the expiry of what is wrong with a token's bytes.
func forever() time.Time { return time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC) }

// Verify checks a chain, root first, as of now. A chain verified before
// costs digests, map lookups and clock comparisons: no signature is
// verified again, and revocation and expiry are checked on every call.
func (v *Verifier) Verify(ctx context.Context, raws []string) (*Chain, error) {
	if len(raws) == 0 {
		return nil, chainErr(CodeMalformed, 0, "empty chain")
	}
	if maxDepth := v.MaxDepth(); len(raws) > maxDepth {
		return nil, chainErr(CodeTooLong, len(raws)-1, "%d links; at most %d are allowed", len(raws), maxDepth)
	}
	now := v.o.Now()
	// The chain's key is the hash of its links' hashes.
	var sums [MaxChainLinks * sha256.Size]byte
	for i, raw := range raws {
		if len(raw) > MaxTokenBytes {
			return nil, chainErr(CodeMalformed, i, "token of %d bytes", len(raw))
		}
		s := sum(raw)
		copy(sums[i*sha256.Size:], s[:])
	}
	link := func(i int) digestKey { return digestKey(sums[i*sha256.Size : (i+1)*sha256.Size]) }
	for i := range raws {
		if v.revokedKey(link(i)) {
			return nil, chainErr(CodeRevoked, i, "link %s is revoked", formatSum(link(i)))
		}
	}
	key := sha256.Sum256(sums[:len(raws)*sha256.Size])
	if c, ok := v.chains.get(key, now); ok {
		if now.Sub(c.resolved) < v.o.ResolveTTL && !now.Before(c.resolved) {
			return c, nil
		}
		if err := v.resolve(ctx, c.Links); err != nil {
			v.chains.remove(key)
			return nil, err
		}
		fresh := *c
		fresh.resolved = now
		v.chains.put(key, &fresh, c.Expires)
		return &fresh, nil
	}
	c := &Chain{Links: make([]*Token, len(raws)), Digests: make([]string, len(raws))}
	for i, raw := range raws {
		c.Digests[i] = formatSum(link(i))
		t, err := v.token(raw, link(i), i, now)
		if err != nil {
			return nil, err
		}
		c.Links[i] = t
	}
	if err := v.structure(c, now); err != nil {
		return nil, err
	}
	if err := v.resolve(ctx, c.Links); err != nil {
		return nil, err
	}
	c.Root, c.Holder = c.Links[0].From, c.Scope().To
	c.Expires = c.Scope().Expiry()
	c.resolved = now
	v.chains.put(key, c, c.Expires)
	return c, nil
}

// structure checks how the links fit together: each signed by the previous
// holder and pointing at it, scope contained, expiry no later, depth
// respected, every link current.
func (v *Verifier) structure(c *Chain, now time.Time) error {
	for i, t := range c.Links {
		if !now.Before(t.Expiry()) {
			return chainErr(CodeExpired, i, "expired at %s", t.Expiry().Format(time.RFC3339))
		}
		if time.Unix(t.IssuedAt, 0).After(now.Add(v.o.Skew)) {
			return chainErr(CodeNotYetValid, i, "issued in the future")
		}
		if i == 0 {
			if t.Parent != "" {
				return chainErr(CodeBrokenLink, 0, "the root link names a parent")
			}
			continue
		}
		p := c.Links[i-1]
		if t.Parent != c.Digests[i-1] {
			return chainErr(CodeBrokenLink, i, "names parent %s, not the previous link", t.Parent)
		}
		if t.From != p.To {
			return chainErr(CodeWrongHolder, i, "signed by %s (%s), but the previous link delegates to %s (%s)", t.From.Agent, t.From.DID, p.To.Agent, p.To.DID)
		}
		if p.MaxDepth < 1 || t.MaxDepth > p.MaxDepth-1 {
			return chainErr(CodeTooLong, i, "the parent allows %d further links", p.MaxDepth)
		}
		if t.Expires > p.Expires {
			return chainErr(CodeExpiryExtended, i, "expires after its parent")
		}
		if g, ok := subset(p.Tools, t.Tools); !ok {
			return chainErr(CodeScopeWidened, i, "tool glob %q is not within the parent's", g)
		}
		if g, ok := subset(p.Resources, t.Resources); !ok {
			return chainErr(CodeScopeWidened, i, "resource glob %q is not within the parent's", g)
		}
		for _, pt := range t.Points {
			if !slices.Contains(p.Points, pt) {
				return chainErr(CodeScopeWidened, i, "intervention point %s is not granted by the parent", pt)
			}
		}
	}
	return nil
}

// resolve checks that each party's key belongs to the agent the token
// names, in the registry.
func (v *Verifier) resolve(ctx context.Context, links []*Token) error {
	for i, t := range links {
		for _, p := range []Party{t.From, t.To} {
			agent, err := v.o.Resolver.AgentForDID(ctx, p.DID)
			if err != nil {
				return chainErr(CodeUnknownKey, i, "%s: %v", p.DID, err)
			}
			if agent != p.Agent {
				return chainErr(CodeUnknownKey, i, "%s is a key of %s, not of %s", p.DID, agent, p.Agent)
			}
		}
	}
	return nil
}

// VerifyOne decodes and verifies a single token on its own (signature and
// parties), for registration; it does not check where the token sits in a
// chain.
func (v *Verifier) VerifyOne(ctx context.Context, raw string) (*Token, error) {
	t, err := v.token(raw, sum(raw), 0, v.o.Now())
	if err != nil {
		return nil, err
	}
	if err := v.resolve(ctx, []*Token{t}); err != nil {
		return nil, err
	}
	return t, nil
}
