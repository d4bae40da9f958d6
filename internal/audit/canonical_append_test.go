package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// AppendCanonical records exactly what Append records for a payload that
// is already canonical: same leaves, same digests, same tree, given the
// same clock and salts. Only the re-parse is skipped.
func TestAppendCanonicalEqualsAppend(t *testing.T) {
	ctx := context.Background()
	k := newKey(t)
	open := func() (*memory.Store, *Log) {
		st := memory.New()
		l, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey, Now: fakeClock(), Rand: &countingRand{}})
		if err != nil {
			t.Fatal(err)
		}
		return st, l
	}
	stA, a := open()
	stB, b := open()
	payloads := []string{
		`{"call_id":"c-1","point":"pre_tool_call","reasons":["tool_not_allowed"],"value_hmac":"00ff"}`,
		`{"a":"é\u2028","b":[1,true,null,{"":"\\\""}]}`,
		`null`,
		``,
	}
	for i, p := range payloads {
		canon, err := canonical.Canonicalize([]byte(orNull(p)))
		if err != nil {
			t.Fatal(err)
		}
		e := ev("agent-1", "decision", "")
		e.Payload = canon
		ia, err := a.Append(ctx, e, "test")
		if err != nil {
			t.Fatal(err)
		}
		e2 := *e
		ib, err := b.AppendCanonical(ctx, &e2, "test")
		if err != nil {
			t.Fatal(err)
		}
		if ia != int64(i) || ib != int64(i) {
			t.Fatalf("indexes %d, %d; want %d", ia, ib, i)
		}
		ra, _ := stA.AuditEntry(ctx, ia)
		rb, _ := stB.AuditEntry(ctx, ib)
		if !bytes.Equal(ra.Leaf, rb.Leaf) || !bytes.Equal(ra.Payload, rb.Payload) || !bytes.Equal(ra.Hashes, rb.Hashes) {
			t.Fatalf("entry %d differs:\n%s\n%s", i, ra.Leaf, rb.Leaf)
		}
		// An exported entry verifies on its own: its verifier
		// canonicalises the payload it reads.
		we, err := b.Entry(ctx, ib)
		if err != nil {
			t.Fatal(err)
		}
		wire, err := json.Marshal(we)
		if err != nil {
			t.Fatal(err)
		}
		var back api.Entry
		if err := json.Unmarshal(wire, &back); err != nil {
			t.Fatal(err)
		}
		if _, err := HeaderOf(&back); err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	for _, st := range []*memory.Store{stA, stB} {
		rep, err := Verify(ctx, st, VerifyOptions{})
		if err != nil || !rep.Intact {
			t.Fatalf("verify: %+v %v", rep, err)
		}
	}
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func TestAppendCanonicalChecksLikeAppend(t *testing.T) {
	ctx := context.Background()
	l := openLog(t, memory.New(), newKey(t))
	for _, tc := range []struct {
		ev    api.Event
		field string
	}{
		{api.Event{Type: TypePayloadErased, Agent: "a"}, "type"},
		{api.Event{Type: TypeKeyRotation, Agent: "a"}, "type"},
		{api.Event{Type: "decision"}, "agent"},
		{api.Event{Type: "decision", Agent: "a", Reason: "bad\x00"}, "reason"},
		{api.Event{Type: "decision", Agent: "a", Payload: bytes.Repeat([]byte("1"), DefaultMaxPayloadBytes+1)}, "payload"},
	} {
		_, err := l.AppendCanonical(ctx, &tc.ev, "test")
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("%+v: got %v, want a %s error", tc.ev, err, tc.field)
		}
	}
}
