package store

import "testing"

func TestLeafKeys(t *testing.T) {
	for _, c := range []struct {
		name, leaf string
		keys       AuditKeys
		time       string
		ok         bool
	}{
		{"all members", `{"agent":"a","decision":"allow","session":"s","time":"2026-01-02T03:04:05.000000000Z","type":"decision","v":1}`,
			AuditKeys{Type: "decision", Agent: "a", Session: "s", Decision: "allow"}, "2026-01-02T03:04:05.000000000Z", true},
		{"escaped agent", `{"agent":"a\nb\u00e9","type":"kill"}`, AuditKeys{Type: "kill", Agent: "a\nbé"}, "", true},
		{"absent members are empty", `{"type":"external"}`, AuditKeys{Type: "external"}, "", true},
		{"null member", `{"agent":null,"type":"decision"}`, AuditKeys{Type: "decision"}, "", false},
		{"number member", `{"agent":"a","session":7}`, AuditKeys{Agent: "a"}, "", false},
		{"not an object", `["agent","a"]`, AuditKeys{}, "", false},
		{"not JSON", `{"agent":`, AuditKeys{}, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			k, tm, ok := LeafKeys([]byte(c.leaf))
			if k != c.keys || tm != c.time || ok != c.ok {
				t.Fatalf("LeafKeys(%s) = %+v, %q, %v; want %+v, %q, %v", c.leaf, k, tm, ok, c.keys, c.time, c.ok)
			}
		})
	}
}
