package client_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

func ExampleClient_AppendEvent() {
	// A stand-in for an agentgov server: it accepts one event and assigns
	// it index 41.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var ev api.Event
		if r.Method != http.MethodPost || r.URL.Path != "/v1/audit/events" || r.Header.Get("Authorization") != "Bearer my-token" ||
			json.NewDecoder(r.Body).Decode(&ev) != nil {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		fmt.Printf("server: %s by %s: %s\n", ev.Type, ev.Agent, ev.Decision)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		json.NewEncoder(w).Encode(api.EventAccepted{Index: 41})
	}))
	defer srv.Close()

	c, err := client.New(srv.URL, "my-token")
	if err != nil {
		fmt.Println(err)
		return
	}
	idx, err := c.AppendEvent(context.Background(), api.Event{
		Type:     "decision",
		Agent:    "agent-7",
		Action:   "tool:search",
		Decision: "allow",
		Payload:  json.RawMessage(`{"query":"weather in Lyon"}`),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("recorded at index", idx)
	// Output:
	// server: decision by agent-7: allow
	// recorded at index 41
}
