package killswitch

import (
	"fmt"
	"testing"
)

// FuzzParseEventID: the stream resume id parser never panics and accepts
// exactly what it prints.
func FuzzParseEventID(f *testing.F) {
	for _, s := range []string{"1-2", "1732670000000000000-5", "-", "a-b", "1-", "-1", "9223372036854775808-1", "1-2-3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		epoch, seq, ok := parseEventID(s)
		if !ok {
			return
		}
		if back := fmt.Sprintf("%d-%d", epoch, seq); back != s {
			// Leading zeros or a '+' parse but print differently: the hub
			// then compares numbers, which is what matters.
			if e2, s2, ok2 := parseEventID(back); !ok2 || e2 != epoch || s2 != seq {
				t.Fatalf("%q → %d,%d → %q does not parse back", s, epoch, seq, back)
			}
		}
	})
}

// FuzzTarget: validation never panics, and a valid target covers the
// action it names.
func FuzzTarget(f *testing.F) {
	f.Add("agent", "a", "", "")
	f.Add("session", "a", "s", "")
	f.Add("tool", "", "", "t")
	f.Add("global", "", "", "")
	f.Add("fleet", "\xff", "", "")
	f.Fuzz(func(t *testing.T, scope, agent, session, tool string) {
		tg := Target{Scope: scope, Agent: agent, Session: session, Tool: tool}
		if tg.Validate() != nil {
			return
		}
		if !tg.Covers(agent, session, tool) {
			t.Fatalf("%+v does not cover its own action", tg)
		}
		if tg.Scope == ScopeTool && tg.Terminates(agent, session) {
			t.Fatalf("a tool kill terminates agents: %+v", tg)
		}
	})
}
