package minimise

import (
	"context"
	"testing"

	"github.com/agentgov/agentgov/api"
)

// BenchmarkMinimiseDecision: one gate decision entry, as the gate writes
// it, through the minimiser.
func BenchmarkMinimiseDecision(b *testing.B) {
	m := New()
	payload := []byte(`{"call_id":"call-17","point":"pre_tool_call","profile_mode":"strict","reasons":["tool_not_allowed"],"tool":"send_email","value_hmac":"3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		ev := api.Event{Reason: "tool_not_allowed", Rule: "allowed_tools:kb_*", Payload: payload}
		if err := m.Minimise(ctx, &ev); err != nil {
			b.Fatal(err)
		}
	}
}
