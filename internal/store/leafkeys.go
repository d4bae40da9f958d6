package store

import "github.com/agentgov/agentgov/internal/canonical"

// LeafKeys reads an entry's query keys and time out of its leaf, for a
// backend that derives them rather than keeping the copies handed to it at
// append. It reports false when the leaf is not a JSON object or one of
// these members is present but not a string; the string members it did
// find are filled in either way.
func LeafKeys(leaf []byte) (k AuditKeys, time string, ok bool) {
	v, err := canonical.Decode(leaf, canonical.Limits{MaxBytes: len(leaf) + 1})
	m, isObject := v.(map[string]any)
	if err != nil || !isObject {
		return k, "", false
	}
	ok = true
	for _, f := range [...]struct {
		name string
		dst  *string
	}{{"time", &time}, {"type", &k.Type}, {"agent", &k.Agent}, {"session", &k.Session}, {"decision", &k.Decision}} {
		x, present := m[f.name]
		if !present {
			continue
		}
		s, isString := x.(string)
		if !isString {
			ok = false
			continue
		}
		*f.dst = s
	}
	return k, time, ok
}
