package gate

import (
	"bytes"
	"testing"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/trust"
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

// decisionPayloadCase builds a check and a decision whose every recorded
// member is set from the arguments, and the value the payload must
// encode, member by member, as the generic encoder sees it.
func decisionPayloadCase(manifestID, approvalID, callID, root, point, tool, reason, findPath string, score int, flags uint8) (*check, *Decision, []byte, map[string]any) {
	c := &check{req: &Request{Point: point}, prof: &Profile{Mode: Strict}, manifestID: manifestID, approvalID: approvalID, toolName: tool}
	d := &Decision{Reasons: []string{reason, "rate_limited"}}
	want := map[string]any{"point": point, "profile_mode": string(Strict), "reasons": []any{reason, "rate_limited"}}
	if manifestID != "" {
		want["action_identity"] = manifestID
	}
	if approvalID != "" {
		want["approval_id"] = approvalID
	}
	if callID != "" {
		want["call_id"] = callID
	}
	if tool != "" {
		want["tool"] = tool
	}
	if flags&1 != 0 {
		c.req.Mode = "evaluate_only"
		want["mode"] = "evaluate_only"
	}
	if flags&2 != 0 {
		d.HasTransformed = true
		want["transformed"] = true
	}
	if flags&4 != 0 {
		c.delegationDigests = []string{"sha256:" + root, root}
		del := map[string]any{"chain": []any{"sha256:" + root, root}}
		if root != "" {
			c.delegationRoot = root
			del["root"] = root
		}
		want["delegation"] = del
	}
	if flags&8 != 0 {
		c.trustScore, c.trustTier = score, trust.Probationary
		want["trust"] = map[string]any{"score": float64(score), "tier": string(trust.Probationary)}
	}
	if flags&16 != 0 {
		d.Findings = []Finding{{Detector: "pii", Type: "EMAIL", Path: findPath, Severity: "high", Action: Redact}, {Detector: "egress", Type: reason, Severity: "low", Action: Deny}}
		f0 := map[string]any{"action": Redact, "detector": "pii", "severity": "high", "type": "EMAIL"}
		if findPath != "" {
			f0["path"] = findPath
		}
		want["findings"] = []any{f0, map[string]any{"action": Deny, "detector": "egress", "severity": "low", "type": reason}}
	}
	var digest []byte
	if flags&32 != 0 {
		digest = []byte("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff")
		want["value_hmac"] = string(digest)
	}
	return c, d, digest, want
}

func checkDecisionPayload(t *testing.T, manifestID, approvalID, callID, root, point, tool, reason, findPath string, score int, flags uint8) {
	t.Helper()
	for _, s := range []string{manifestID, approvalID, callID, root, point, tool, reason, findPath} {
		if !utf8.ValidString(s) {
			// The gate records only valid UTF-8 (the request decoder and
			// the minimiser see to it); invalid bytes are replaced by
			// both encoders alike, which the canonical tests cover.
			return
		}
	}
	c, d, digest, want := decisionPayloadCase(manifestID, approvalID, callID, root, point, tool, reason, findPath, score, flags)
	got := c.appendPayload(nil, d, callID, digest)
	// The bytes the log records unparsed are exactly what it would have
	// produced by canonicalising them...
	again, err := canonical.Append(nil, got, canonical.Limits{})
	if err != nil {
		t.Fatalf("payload %s does not parse: %v", got, err)
	}
	if !bytes.Equal(again, got) {
		t.Fatalf("payload is not canonical:\ngot:       %s\ncanonical: %s", got, again)
	}
	// ...and they encode the decision, member for member.
	wb, err := canonical.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(wb, got) {
		t.Fatalf("payload does not encode the decision:\ngot:  %s\nwant: %s", got, wb)
	}
}

// The decision payload goes to the log as built (AppendCanonical), so it
// must be byte for byte the canonical encoding of the decision.
func TestDecisionPayloadIsCanonical(t *testing.T) {
	for flags := range uint8(64) {
		checkDecisionPayload(t, "sha256:abc", "appr-1", "call-\"7\"\n", "root\u2028", PreToolCall, "tool_01", "tool_not_allowed", "/a/0", -3, flags)
		checkDecisionPayload(t, "", "", "", "", PostModelCall, "", "é\x01", "", 100, flags)
	}
}

func FuzzDecisionPayloadIsCanonical(f *testing.F) {
	f.Add("sha256:abc", "appr-1", "call-1", "r", "pre_tool_call", "tool_01", "tool_not_allowed", "/args/x", 50, uint8(63))
	f.Add("", "", "", "", "output", "", "", "", 0, uint8(0))
	f.Add("\u00e9\u2028", "\"\\", "\x7f", "<&>", "input", "a\tb", "x\u0000y", "/\U0001F600", -1, uint8(21))
	f.Fuzz(func(t *testing.T, manifestID, approvalID, callID, root, point, tool, reason, findPath string, score int, flags uint8) {
		checkDecisionPayload(t, manifestID, approvalID, callID, root, point, tool, reason, findPath, score%10000, flags)
	})
}
