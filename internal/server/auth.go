package server

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/agentgov/agentgov/internal/glob"
)

// Permissions checked by routes.
const (
	permRead  = "read"
	permWrite = "write"
	permAudit = "audit"
	permAdmin = "admin"
)

// Role names a set of permissions.
type Role string

// rolePerms follows the role model of the gate: READER reads; WRITER also
// writes; AUDITOR reads the audit log; ADMIN may do everything.
var rolePerms = map[Role][]string{
	"READER":  {permRead},
	"WRITER":  {permRead, permWrite},
	"AUDITOR": {permRead, permAudit},
	"ADMIN":   {permRead, permWrite, permAudit, permAdmin},
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

// Principal is an authenticated caller.
type Principal struct {
	Name string
	Role Role
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
	if p.Name == "" {
		return "anonymous"
	}
	return "token:" + p.Name
}

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

// authenticator checks bearer tokens. It keeps only SHA-256 digests of the
// secrets and compares digests in constant time, against every token, so
// neither the timing nor the position of a match leaks.
type authenticator struct {
	tokens []tokenEntry
}

func newAuthenticator(tokens []Token) (*authenticator, error) {
	a := &authenticator{}
	for _, t := range tokens {
		if t.Secret == "" || t.Name == "" {
			return nil, errors.New("server: a token needs a name and a secret")
		}
		if _, ok := rolePerms[t.Role]; !ok {
			return nil, errors.New("server: token " + t.Name + " has an unknown role")
		}
		agents, err := agentMatcher(t)
		if err != nil {
			return nil, err
		}
		a.tokens = append(a.tokens, tokenEntry{digest: sha256.Sum256([]byte(t.Secret)), p: Principal{Name: t.Name, Role: t.Role, agents: agents}})
	}
	return a, nil
}

func (a *authenticator) authenticate(r *http.Request) (Principal, *problemError) {
	h := r.Header.Get("Authorization")
	scheme, secret, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return Principal{}, &problemError{status: http.StatusUnauthorized, typ: probUnauth, title: "Unauthenticated",
			detail: "send Authorization: Bearer <token>"}
	}
	d := sha256.Sum256([]byte(strings.TrimSpace(secret)))
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
		return Principal{}, &problemError{status: http.StatusUnauthorized, typ: probUnauth, title: "Unauthenticated",
			detail: "the bearer token is not valid"}
	}
	return found, nil
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
