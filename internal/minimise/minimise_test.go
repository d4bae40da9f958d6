package minimise

import (
	"context"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/api"
)

func TestMinimise(t *testing.T) {
	m := New()
	cases := []struct {
		name     string
		ev       api.Event
		gone     []string
		kept     []string
		untouchd bool
	}{
		{"payload strings and numbers", api.Event{Payload: []byte(`{"to":"jane.doe@example.org","card":4111111111111111,"note":"call +44 20 7946 0958","n":3}`)},
			[]string{"jane.doe@example.org", "4111111111111111", "7946 0958"}, []string{`"n":3`, "<EMAIL_ADDRESS>"}, false},
		{"secrets in reason and rule", api.Event{Reason: "leaked AKIAZ3MVH7QXPLT4WRNE", Rule: "password=Hunter2xyz!", Payload: []byte(`{}`)},
			[]string{"AKIAZ3MVH7QXPLT4WRNE", "Hunter2xyz!"}, nil, false},
		{"nothing to minimise keeps the bytes", api.Event{Reason: "tool_not_allowed", Payload: []byte(`{"b": 1, "a": "ok"}`)},
			nil, []string{`{"b": 1, "a": "ok"}`}, true},
		{"our own digests are not secrets", api.Event{Payload: []byte(`{"value_hmac":"3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea","call_id":"call-42"}`)},
			nil, []string{"3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea"}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev := tc.ev
			before := string(ev.Payload)
			if err := m.Minimise(context.Background(), &ev); err != nil {
				t.Fatal(err)
			}
			all := ev.Reason + " " + ev.Rule + " " + string(ev.Payload)
			for _, g := range tc.gone {
				if strings.Contains(all, g) {
					t.Errorf("%q survived: %s", g, all)
				}
			}
			for _, k := range tc.kept {
				if !strings.Contains(all, k) {
					t.Errorf("%q lost: %s", k, all)
				}
			}
			if tc.untouchd && string(ev.Payload) != before {
				t.Errorf("payload rewritten without a finding: %s", ev.Payload)
			}
		})
	}
	bad := api.Event{Payload: []byte(`{"a":`)}
	if err := m.Minimise(context.Background(), &bad); err == nil {
		t.Fatal("a malformed payload was accepted")
	}
}
