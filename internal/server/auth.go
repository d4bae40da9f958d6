package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/glob"
	"github.com/agentgov/agentgov/internal/identity"
)

// Permissions checked by routes.
const (
	permRead  = "read"
	permWrite = "write"
	permAudit = "audit"
	permAdmin = "admin"
	// permCheck submits checks to the gate: what an agent principal does.
	permCheck = "check"
)

// Role names a set of permissions.
type Role string

// RoleAgent is the role of an agent principal (a handshake session or an
// SVID): it reads, and submits checks for itself only.
const RoleAgent Role = "AGENT"

// rolePerms follows the role model of the gate: READER reads; WRITER also
// writes and submits checks; AUDITOR reads the audit log; ADMIN may do
// everything; an AGENT reads and submits its own checks.
var rolePerms = map[Role][]string{
	"READER":  {permRead},
	"WRITER":  {permRead, permWrite, permCheck},
	"AUDITOR": {permRead, permAudit},
	"ADMIN":   {permRead, permWrite, permAudit, permAdmin, permCheck},
	RoleAgent: {permRead, permCheck},
}

// Token is a configured bearer token.
type Token struct {
	Name   string
	Secret string
	Role   Role
	// Agents are the agent ids or globs the token may submit checks for;
	// nil means all agents for an ADMIN token and none for any other.
	Agents []string
}

// Principal kinds.
const (
	kindOperator  = "token"
	kindSession   = "agent"
	kindSVID      = "svid"
	kindAnonymous = "anonymous"
)

// Principal is an authenticated caller.
type Principal struct {
	Name string
	Role Role
	// Kind is how the principal authenticated (kindOperator, ...).
	Kind string
	// Agent is set for agent principals: the one agent they are.
	Agent string
	// agents reports whether the principal may act as an agent.
	agents func(id string) bool
}

func (p Principal) can(perm string) bool {
	for _, q := range rolePerms[p.Role] {
		if q == perm {
			return true
		}
	}
	return false
}

// source is how the principal is recorded in audit entries.
func (p Principal) source() string {
	switch p.Kind {
	case kindSession:
		return "agent:" + p.Agent
	case kindSVID:
		return "svid:" + p.Agent
	case kindAnonymous, "":
		if p.Name == "" {
			return "anonymous"
		}
	}
	return "token:" + p.Name
}

// isAgent reports whether the principal is one agent proven by key.
func (p Principal) isAgent() bool { return p.Kind == kindSession || p.Kind == kindSVID }

type principalKey struct{}

func withPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

func principalFrom(ctx context.Context) Principal {
	p, _ := ctx.Value(principalKey{}).(Principal)
	return p
}

type tokenEntry struct {
	digest [32]byte
	p      Principal
}

// Sessions resolves handshake session tokens (identity.Authority).
type Sessions interface {
	Authenticate(token string) (identity.Session, bool)
}

// authenticator turns a request into a principal. Bearer tokens are
// compared as SHA-256 digests in constant time, against every operator
// token, so neither the timing nor the position of a match leaks.
type authenticator struct {
	tokens   []tokenEntry
	sessions Sessions
	// trustDomain is the SPIFFE trust domain whose agent SVIDs are
	// accepted from verified client certificates ("" accepts none).
	trustDomain string
	// anonymous makes a loopback caller without credentials an ADMIN: the
	// mode of a server with no authentication configured at all.
	anonymous bool
	// svids re-checks client SVIDs for revocation (nil: handshake only).
	svids *svidCheck
}

// SVIDRevocations tells whether a client SVID was revoked after the
// handshake of the connection that carries it.
type SVIDRevocations interface {
	// RevocationEpoch changes whenever a certificate is revoked.
	RevocationEpoch() uint64
	// CheckRevoked fails for a revoked (or unknown) certificate.
	CheckRevoked(ctx context.Context, leaf *x509.Certificate) error
}

// svidCheck remembers the certificates found not revoked since the last
// revocation, so that a request costs a store lookup only for a
// certificate not seen since then.
type svidCheck struct {
	r     SVIDRevocations
	mu    sync.Mutex
	epoch uint64
	ok    map[string]bool // serial → not revoked at epoch
}

// maxSVIDCache bounds the certificates remembered between revocations.
const maxSVIDCache = 1 << 14

func newSVIDCheck(r SVIDRevocations) *svidCheck {
	if r == nil {
		return nil
	}
	return &svidCheck{r: r, ok: map[string]bool{}}
}

func (c *svidCheck) check(ctx context.Context, leaf *x509.Certificate) error {
	serial := string(leaf.SerialNumber.Bytes())
	epoch := c.r.RevocationEpoch()
	c.mu.Lock()
	if epoch != c.epoch {
		clear(c.ok)
		c.epoch = epoch
	}
	known := c.ok[serial]
	c.mu.Unlock()
	if known {
		return nil
	}
	if err := c.r.CheckRevoked(ctx, leaf); err != nil {
		return err
	}
	c.mu.Lock()
	if c.epoch == epoch {
		if len(c.ok) >= maxSVIDCache {
			clear(c.ok)
		}
		c.ok[serial] = true
	}
	c.mu.Unlock()
	return nil
}

func newAuthenticator(tokens []Token) (*authenticator, error) {
	a := &authenticator{}
	for _, t := range tokens {
		if t.Secret == "" || t.Name == "" {
			return nil, errors.New("server: a token needs a name and a secret")
		}
		if _, ok := rolePerms[t.Role]; !ok || t.Role == RoleAgent {
			return nil, errors.New("server: token " + t.Name + " has an unknown role")
		}
		agents, err := agentMatcher(t)
		if err != nil {
			return nil, err
		}
		a.tokens = append(a.tokens, tokenEntry{digest: sha256.Sum256([]byte(t.Secret)), p: Principal{Name: t.Name, Role: t.Role, Kind: kindOperator, agents: agents}})
	}
	return a, nil
}

func unauthenticated(detail string) *problemError {
	return &problemError{status: http.StatusUnauthorized, typ: probUnauth, title: "Unauthenticated", detail: detail}
}

func agentPrincipal(kind, id string) Principal {
	return Principal{Name: id, Role: RoleAgent, Kind: kind, Agent: id, agents: func(a string) bool { return a == id }}
}

func (a *authenticator) authenticate(r *http.Request) (Principal, *problemError) {
	h := r.Header.Get("Authorization")
	if h != "" {
		scheme, secret, ok := strings.Cut(h, " ")
		secret = strings.TrimSpace(secret)
		if !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
			return Principal{}, unauthenticated("send Authorization: Bearer <token>")
		}
		if identity.IsSessionToken(secret) {
			if a.sessions != nil {
				if s, ok := a.sessions.Authenticate(secret); ok {
					return agentPrincipal(kindSession, s.Agent), nil
				}
			}
			return Principal{}, unauthenticated("the session token is not valid or has expired; run the handshake again")
		}
		d := sha256.Sum256([]byte(secret))
		var found Principal
		match := 0
		for _, t := range a.tokens {
			eq := subtle.ConstantTimeCompare(d[:], t.digest[:])
			if eq == 1 {
				found = t.p
			}
			match |= eq
		}
		if match != 1 {
			return Principal{}, unauthenticated("the bearer token is not valid")
		}
		return found, nil
	}
	if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 && len(r.TLS.VerifiedChains[0]) > 0 {
		leaf := r.TLS.VerifiedChains[0][0]
		id, err := svidAgent(leaf, a.trustDomain)
		if err != nil {
			return Principal{}, unauthenticated(err.Error())
		}
		if a.svids != nil {
			if err := a.svids.check(r.Context(), leaf); err != nil {
				return Principal{}, unauthenticated("the client SVID is no longer valid: " + err.Error())
			}
		}
		return agentPrincipal(kindSVID, id), nil
	}
	if a.anonymous && isLoopbackRemote(r.RemoteAddr) {
		return Principal{Role: "ADMIN", Kind: kindAnonymous, agents: func(string) bool { return true }}, nil
	}
	return Principal{}, unauthenticated("send Authorization: Bearer <token> (an operator token or a handshake session token) or a client SVID")
}

// svidAgent takes the agent id out of a verified client certificate: its
// one URI SAN must be spiffe://<trustDomain>/agent/<id>.
func svidAgent(leaf *x509.Certificate, trustDomain string) (string, error) {
	if trustDomain == "" {
		return "", errors.New("client certificates are not accepted as credentials here")
	}
	if len(leaf.URIs) != 1 {
		return "", fmt.Errorf("the client certificate has %d URI SANs; an SVID has exactly one", len(leaf.URIs))
	}
	u := leaf.URIs[0]
	if u.Scheme != "spiffe" || u.Host != trustDomain || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Port() != "" {
		return "", fmt.Errorf("the client certificate's SPIFFE ID is not in trust domain %s", trustDomain)
	}
	id, ok := strings.CutPrefix(u.Path, "/agent/")
	if !ok || identity.ValidAgentID(id) != nil || strings.Contains(id, "/") {
		return "", errors.New("the client certificate's SPIFFE ID is not spiffe://" + trustDomain + "/agent/<id>")
	}
	return id, nil
}

func isLoopbackRemote(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// agentMatcher compiles a token's agent list.
func agentMatcher(t Token) (func(string) bool, error) {
	if t.Agents == nil {
		all := t.Role == "ADMIN"
		return func(string) bool { return all }, nil
	}
	set, err := glob.CompileSet(t.Agents)
	if err != nil {
		return nil, fmt.Errorf("server: token %s: %w", t.Name, err)
	}
	return func(id string) bool { _, ok := set.Match(id); return ok }, nil
}

// authoriseAgent refuses a check that an agent principal submits for
// another agent: an agent asks only for its own decisions. Operator tokens
// keep their agent lists, which the gate enforces as a recorded deny.
func authoriseAgent(r *http.Request, agent string) error {
	p := principalFrom(r.Context())
	if p.isAgent() && agent != p.Agent {
		return &problemError{status: http.StatusForbidden, typ: probForbidden, title: "Forbidden",
			detail: "agent " + p.Agent + " may ask only for its own decisions, not for " + agent}
	}
	return nil
}
