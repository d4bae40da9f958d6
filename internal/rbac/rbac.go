// Package rbac maps roles to permissions. Built-in roles are fixed; custom
// roles list their permissions explicitly. An unknown role has no
// permission at all: the reference toolkit fell back to READER for unknown
// principals, which is a fail-open default.
package rbac

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Permissions a tool can require.
const (
	Read   = "read"
	Write  = "write"
	Search = "search"
	Delete = "delete"
	Admin  = "admin"
	Audit  = "audit"
)

// Permissions lists every permission.
func Permissions() []string { return []string{Read, Write, Search, Delete, Admin, Audit} }

// Built-in roles.
const (
	RoleReader  = "READER"
	RoleWriter  = "WRITER"
	RoleAuditor = "AUDITOR"
	RoleAdmin   = "ADMIN"
)

var builtin = map[string][]string{
	RoleReader:  {Read},
	RoleWriter:  {Read, Write, Search},
	RoleAuditor: {Read, Search, Audit},
	RoleAdmin:   {Read, Write, Search, Delete, Admin, Audit},
}

// Roles resolves role names to permission sets.
type Roles struct {
	custom map[string][]string
}

// NewRoles validates custom roles: a custom role may not redefine a built-in
// one and may grant only known permissions.
func NewRoles(custom map[string][]string) (*Roles, error) {
	r := &Roles{custom: map[string][]string{}}
	for name, perms := range custom {
		if _, ok := builtin[name]; ok {
			return nil, fmt.Errorf("roles.%s: a built-in role cannot be redefined", name)
		}
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("roles: empty role name")
		}
		for _, p := range perms {
			if !slices.Contains(Permissions(), p) {
				return nil, fmt.Errorf("roles.%s: unknown permission %q (want one of %s)", name, p, strings.Join(Permissions(), ", "))
			}
		}
		r.custom[name] = slices.Clone(perms)
	}
	return r, nil
}

// Known reports whether role is built in or defined.
func (r *Roles) Known(role string) bool {
	if _, ok := builtin[role]; ok {
		return true
	}
	_, ok := r.custom[role]
	return ok
}

// Grant is a role held by a principal, possibly until a deadline.
type Grant struct {
	Role    string
	Expires time.Time // zero: never
}

// Allows reports whether g grants perm at time now. An expired grant, an
// unknown role and an empty role grant nothing.
func (r *Roles) Allows(g Grant, perm string, now time.Time) bool {
	if !g.Expires.IsZero() && !now.Before(g.Expires) {
		return false
	}
	perms, ok := builtin[g.Role]
	if !ok {
		perms, ok = r.custom[g.Role]
	}
	return ok && slices.Contains(perms, perm)
}
