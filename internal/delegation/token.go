// Package delegation is agentgov's delegation of authority between agents:
// signed tokens by which one agent lets another act within a scope (tools,
// resources, intervention points) until an expiry, chains of them, and
// their verification. A delegation can only narrow: every link is signed
// by the previous holder, its scope is a subset of its parent's, it
// expires no later, and the chain respects its depth limit. The gate
// checks a chain on every use; verification results are cached by digest
// so that a warm check does no Ed25519 work, and a revocation takes effect
// at once, cached or not.
package delegation

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unsafe"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/glob"
	"github.com/agentgov/agentgov/internal/identity"
)

// Token format: "agd1." base64url(canonical claims) "." base64url(signature),
// without padding. The signature is Ed25519 by the delegator's key over
// signingContext followed by the canonical claims, so that a delegation
// signature can never be replayed as any other agentgov signature.
const (
	tokenPrefix    = "agd1."
	signingContext = "agentgov-delegation-v1\n"
	// Version is the claims version this package reads and writes.
	Version = 1
)

// Bounds on what a token may hold.
const (
	MaxTokenBytes = 16 << 10
	MaxChainLinks = 16
	maxList       = 64
	maxItemBytes  = 256
)

// Points are the intervention points a delegation can grant.
var Points = []string{"agent_startup", "input", "pre_model_call", "post_model_call", "pre_tool_call", "post_tool_call", "output", "agent_shutdown"}

var (
	idPattern    = regexp.MustCompile(`^[A-Za-z0-9_-]{16,64}$`)
	agentPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,255}$`)
)

// Party names one end of a delegation: the agent id and the did:key of
// the key it acts with.
type Party struct {
	Agent string `json:"agent"`
	DID   string `json:"did"`
}

// Claims are what a delegation token says.
type Claims struct {
	V  int    `json:"v"`
	ID string `json:"id"`
	// From delegates to To.
	From Party `json:"from"`
	To   Party `json:"to"`
	// Tools, Resources are globs; Points are intervention point names.
	Tools     []string `json:"tools"`
	Resources []string `json:"resources"`
	Points    []string `json:"points"`
	// IssuedAt and Expires are Unix seconds.
	IssuedAt int64 `json:"iat"`
	Expires  int64 `json:"exp"`
	// MaxDepth is how many further links may follow this one.
	MaxDepth int `json:"max_depth"`
	// Parent is the digest of the link this one re-delegates; empty on a
	// root link.
	Parent string `json:"parent,omitempty"`
}

// Token is a decoded, well-formed token. Decoding does not verify the
// signature; Verifier does.
type Token struct {
	Claims
	// Raw is the encoded token; Digest is "sha256:" + hex(SHA-256(Raw)).
	Raw    string
	Digest string

	payload   []byte
	sig       []byte
	pub       ed25519.PublicKey
	tools     glob.Set
	resources glob.Set
}

// Digest returns the digest that names an encoded token.
func Digest(raw string) string { return formatSum(sum(raw)) }

// sum is the SHA-256 of an encoded token. It hashes the string's bytes in
// place: a chain is hashed on every check, and copying kilobytes of
// tokens to hash them was the largest cost of a warm verification.
func sum(raw string) [sha256.Size]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(raw), len(raw)))
}

func formatSum(s [sha256.Size]byte) string { return "sha256:" + hex.EncodeToString(s[:]) }

// parseDigest reads "sha256:<hex>".
func parseDigest(d string) ([sha256.Size]byte, bool) {
	var out [sha256.Size]byte
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 2*sha256.Size {
		return out, false
	}
	if _, err := hex.Decode(out[:], []byte(h)); err != nil {
		return out, false
	}
	return out, true
}

// Expiry is the token's expiry as a time.
func (t *Token) Expiry() time.Time { return time.Unix(t.Expires, 0).UTC() }

// MalformedError is a token that does not decode; Field names the claim at
// fault.
type MalformedError struct {
	Field, Problem string
}

func (e *MalformedError) Error() string {
	if e.Field == "" {
		return "delegation token: " + e.Problem
	}
	return "delegation token: " + e.Field + ": " + e.Problem
}

func malformed(field, format string, args ...any) error {
	return &MalformedError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// Decode parses an encoded token strictly: the one canonical encoding of
// well-formed claims, and a signature of the right size. It verifies
// nothing cryptographic.
func Decode(raw string) (*Token, error) {
	if len(raw) > MaxTokenBytes {
		return nil, malformed("", "is %d bytes; the limit is %d", len(raw), MaxTokenBytes)
	}
	rest, ok := strings.CutPrefix(raw, tokenPrefix)
	if !ok {
		return nil, malformed("", "does not start with %q", tokenPrefix)
	}
	p64, s64, ok := strings.Cut(rest, ".")
	if !ok || strings.Contains(s64, ".") {
		return nil, malformed("", "must be agd1.<claims>.<signature>")
	}
	enc := base64.RawURLEncoding.Strict()
	payload, err := enc.DecodeString(p64)
	if err != nil {
		return nil, malformed("claims", "not unpadded base64url")
	}
	sig, err := enc.DecodeString(s64)
	if err != nil {
		return nil, malformed("signature", "not unpadded base64url")
	}
	if len(sig) != ed25519.SignatureSize {
		return nil, malformed("signature", "is %d bytes; an Ed25519 signature is %d", len(sig), ed25519.SignatureSize)
	}
	canon, err := canonical.Append(nil, payload, canonical.Limits{MaxDepth: 4, MaxBytes: MaxTokenBytes})
	if err != nil {
		return nil, malformed("claims", "not JSON: %v", err)
	}
	if !bytes.Equal(canon, payload) {
		return nil, malformed("claims", "not in canonical form (RFC 8785)")
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	dec.DisallowUnknownFields()
	var c Claims
	if err := dec.Decode(&c); err != nil {
		return nil, malformed("claims", "%v", err)
	}
	t := &Token{Claims: c, Raw: raw, Digest: Digest(raw), payload: payload, sig: sig}
	if err := t.check(); err != nil {
		return nil, err
	}
	return t, nil
}

// check validates the claims and compiles the scope.
func (t *Token) check() error {
	c := &t.Claims
	if c.V != Version {
		return malformed("v", "must be %d", Version)
	}
	if !idPattern.MatchString(c.ID) {
		return malformed("id", "must be 16 to 64 characters of A-Z a-z 0-9 _ -")
	}
	for _, p := range []struct {
		name string
		p    Party
	}{{"from", c.From}, {"to", c.To}} {
		if !agentPattern.MatchString(p.p.Agent) {
			return malformed(p.name+".agent", "is not an agent id")
		}
		pub, err := identity.PublicKeyFromDID(p.p.DID)
		if err != nil {
			return malformed(p.name+".did", "%v", err)
		}
		if p.name == "from" {
			t.pub = pub
		}
	}
	if c.From.Agent == c.To.Agent || c.From.DID == c.To.DID {
		return malformed("to", "an agent cannot delegate to itself")
	}
	var err error
	if t.tools, err = compileList("tools", c.Tools); err != nil {
		return err
	}
	if t.resources, err = compileList("resources", c.Resources); err != nil {
		return err
	}
	if len(c.Points) == 0 || len(c.Points) > len(Points) {
		return malformed("points", "must name 1 to %d intervention points", len(Points))
	}
	for i, p := range c.Points {
		if !slices.Contains(Points, p) {
			return malformed(fmt.Sprintf("points[%d]", i), "is not an intervention point")
		}
		if slices.Contains(c.Points[:i], p) {
			return malformed(fmt.Sprintf("points[%d]", i), "is repeated")
		}
	}
	if c.IssuedAt <= 0 || c.Expires <= c.IssuedAt {
		return malformed("exp", "must be after iat (both Unix seconds, positive)")
	}
	if c.MaxDepth < 0 || c.MaxDepth >= MaxChainLinks {
		return malformed("max_depth", "must be between 0 and %d", MaxChainLinks-1)
	}
	if c.Parent != "" {
		h, ok := strings.CutPrefix(c.Parent, "sha256:")
		if b, err := hex.DecodeString(h); !ok || err != nil || len(b) != sha256.Size || strings.ToLower(h) != h {
			return malformed("parent", "must be sha256:<64 lower-case hex digits>")
		}
	}
	return nil
}

func compileList(field string, l []string) (glob.Set, error) {
	if len(l) == 0 || len(l) > maxList {
		return nil, malformed(field, "must hold 1 to %d globs", maxList)
	}
	for i, g := range l {
		if g == "" || len(g) > maxItemBytes {
			return nil, malformed(fmt.Sprintf("%s[%d]", field, i), "must be 1 to %d bytes", maxItemBytes)
		}
	}
	s, err := glob.CompileSet(l)
	if err != nil {
		return nil, malformed(field, "%v", err)
	}
	return s, nil
}

// Sign encodes and signs claims with the delegator's private key, whose
// did:key must be claims.From.DID.
func Sign(c Claims, key ed25519.PrivateKey) (string, error) {
	if len(key) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("delegation: the signing key is not an Ed25519 private key")
	}
	if did := identity.DIDFromPublicKey(key.Public().(ed25519.PublicKey)); did != c.From.DID {
		return "", fmt.Errorf("delegation: the signing key is %s, not the delegator's %s", did, c.From.DID)
	}
	c.V = Version
	t := &Token{Claims: c}
	if err := t.check(); err != nil {
		return "", err
	}
	payload, err := canonical.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("delegation: encoding claims: %w", err)
	}
	sig := ed25519.Sign(key, signedMessage(payload))
	enc := base64.RawURLEncoding
	raw := tokenPrefix + enc.EncodeToString(payload) + "." + enc.EncodeToString(sig)
	if len(raw) > MaxTokenBytes {
		return "", malformed("", "encodes to %d bytes; the limit is %d", len(raw), MaxTokenBytes)
	}
	return raw, nil
}

func signedMessage(payload []byte) []byte {
	return append([]byte(signingContext), payload...)
}

// verifySignature checks the delegator's signature over the claims.
func (t *Token) verifySignature() bool {
	return ed25519.Verify(t.pub, signedMessage(t.payload), t.sig)
}
