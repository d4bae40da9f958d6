package gate

import (
	"testing"

	"github.com/agentgov/agentgov/internal/canonical"
)

// The hand-ordered payload writer must produce exactly what the generic
// canonical encoder produces for the same members.
func TestPayloadWriterIsCanonical(t *testing.T) {
	type member struct {
		k string
		v any
	}
	cases := []struct {
		name    string
		members []member
	}{
		{"empty", nil},
		{"strings", []member{{"action_identity", "sha256:ab"}, {"call_id", "c-1"}, {"point", "pre_tool_call"}, {"reasons", []string{}}}},
		{"escapes", []member{{"point", "a\"b\\c\n\u0001é\u2028"}, {"reasons", []string{"x", "y\tz"}}, {"tool", "<script>&"}}},
		{"findings", []member{{"findings", []Finding{{Detector: "pii", Type: "EMAIL", Path: "/a/0", Severity: "high", Action: "redact"}, {Detector: "egress", Type: "HOST", Severity: "low", Action: "deny"}}}, {"transformed", true}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := object{}
			want := map[string]any{}
			for _, m := range tc.members {
				switch v := m.v.(type) {
				case string:
					o.str(m.k, v)
					want[m.k] = v
				case []string:
					o.strs(m.k, v)
					vs := make([]any, len(v))
					for i, s := range v {
						vs[i] = s
					}
					want[m.k] = vs
				case bool:
					o.key(m.k)
					o.b = append(o.b, "true"...)
					want[m.k] = v
				case []Finding:
					o.key(m.k)
					o.b = appendFindings(o.b, v)
					fs := make([]any, len(v))
					for i, f := range v {
						fm := map[string]any{"action": f.Action, "detector": f.Detector, "severity": f.Severity, "type": f.Type}
						if f.Path != "" {
							fm["path"] = f.Path
						}
						fs[i] = fm
					}
					want[m.k] = fs
				}
			}
			got := string(o.close())
			wb, err := canonical.Marshal(want)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(wb) {
				t.Fatalf("writer:    %s\ncanonical: %s", got, wb)
			}
		})
	}
}

func TestValueDigestKeyedAndStable(t *testing.T) {
	key := make([]byte, 32)
	sp := newScratchPool(key)
	other := newScratchPool(append([]byte{1}, key[1:]...))
	a := map[string]any{"b": "x", "a": []any{"1", nil}}
	b := map[string]any{"a": []any{"1", nil}, "b": "x"}
	d := func(sp *scratchPool, v any) string {
		s := sp.get()
		defer sp.put(s)
		out, err := s.valueDigest(nil, v)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	if d(sp, a) != d(sp, b) {
		t.Fatal("equal values must have equal digests")
	}
	if d(sp, a) == d(other, a) {
		t.Fatal("the digest must depend on the key")
	}
	if d(sp, a) == d(sp, map[string]any{"b": "y"}) {
		t.Fatal("different values must differ")
	}
	s := sp.get()
	if _, err := s.valueDigest(nil, make(chan int)); err == nil {
		t.Fatal("a non-JSON value must fail")
	}
}
