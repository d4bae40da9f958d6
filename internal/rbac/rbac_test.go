package rbac

import (
	"testing"
	"time"
)

func TestAllows(t *testing.T) {
	r, err := NewRoles(map[string][]string{"SUPPORT": {Read, Search}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	cases := []struct {
		g    Grant
		perm string
		want bool
	}{
		{Grant{Role: RoleReader}, Read, true},
		{Grant{Role: RoleReader}, Write, false},
		{Grant{Role: RoleWriter}, Search, true},
		{Grant{Role: RoleWriter}, Delete, false},
		{Grant{Role: RoleAuditor}, Audit, true},
		{Grant{Role: RoleAuditor}, Write, false},
		{Grant{Role: RoleAdmin}, Delete, true},
		{Grant{Role: "SUPPORT"}, Search, true},
		{Grant{Role: "SUPPORT"}, Write, false},
		{Grant{Role: "NOBODY"}, Read, false}, // no fallback to READER
		{Grant{Role: ""}, Read, false},
		{Grant{Role: RoleAdmin, Expires: now}, Read, false},
		{Grant{Role: RoleAdmin, Expires: now.Add(time.Second)}, Read, true},
	}
	for _, c := range cases {
		if got := r.Allows(c.g, c.perm, now); got != c.want {
			t.Errorf("%+v %s: %v, want %v", c.g, c.perm, got, c.want)
		}
	}
}

func TestNewRolesRejects(t *testing.T) {
	for _, c := range []map[string][]string{
		{"ADMIN": {Read}},
		{"X": {"fly"}},
		{" ": {Read}},
	} {
		if _, err := NewRoles(c); err == nil {
			t.Errorf("%v accepted", c)
		}
	}
}
