package agentgov_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov"
)

const sagaGovConfig = `
tools:
  reserve: {ring: 3, permission: write}
  charge:  {ring: 3, permission: write}
  ship:    {ring: 3, permission: write}
agents:
  shop-bot: {role: WRITER, ring: 3, allowed_tools: [reserve, charge]}
`

// TestGovernorSagas: through the facade, saga steps pass the Governor's
// gate (a tool the agent may not use fails its step) and a kill of the
// agent mid-saga compensates exactly the completed steps, newest first.
func TestGovernorSagas(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(cfg, []byte(sagaGovConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	gov, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg, DataDir: filepath.Join(dir, "data"), Source: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer gov.Close(ctx)
	runner, err := gov.Sagas(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var undone []string
	entered := make(chan struct{}, 1)
	step := func(name string, block bool) agentgov.SagaStep {
		return agentgov.SagaStep{Name: name,
			Do: func(ctx context.Context, c agentgov.SagaCall) (json.RawMessage, error) {
				if block {
					entered <- struct{}{}
					<-ctx.Done()
					return nil, ctx.Err()
				}
				return json.RawMessage(`{"ok":true}`), nil
			},
			Undo: func(ctx context.Context, c agentgov.SagaCall) (json.RawMessage, error) {
				mu.Lock()
				undone = append(undone, c.Step)
				mu.Unlock()
				return nil, nil
			}}
	}
	wait := func(id string) agentgov.SagaView {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		v, err := runner.Wait(wctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	// ship is not among shop-bot's tools: the gate fails it.
	if err := runner.Register("denied", []agentgov.SagaStep{step("reserve", false), step("ship", false)}); err != nil {
		t.Fatal(err)
	}
	id, err := runner.Start(ctx, agentgov.SagaSpec{Name: "denied", Agent: "shop-bot"})
	if err != nil {
		t.Fatal(err)
	}
	if v := wait(id); v.Status != "compensated" || v.Reason == "" || v.Steps[1].Status != "failed" || v.StartedBy != "test" {
		t.Fatalf("%+v", v)
	}

	mu.Lock()
	undone = nil
	mu.Unlock()
	if err := runner.Register("killed", []agentgov.SagaStep{step("reserve", false), step("charge", true)}); err != nil {
		t.Fatal(err)
	}
	id, err = runner.Start(ctx, agentgov.SagaSpec{Name: "killed", Agent: "shop-bot"})
	if err != nil {
		t.Fatal(err)
	}
	<-entered
	if _, err := gov.Kill(ctx, agentgov.KillRequest{Scope: "agent", Agent: "shop-bot", Reason: "MANUAL"}); err != nil {
		t.Fatal(err)
	}
	v := wait(id)
	if v.Status != "compensated" || v.Reason != "killed:MANUAL" {
		t.Fatalf("%s %s", v.Status, v.Reason)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(undone, []string{"reserve"}) {
		t.Fatalf("compensated %v", undone)
	}
	page, err := gov.Log().Query(ctx, agentgov.LogQuery{Type: "saga", Session: id})
	if err != nil || len(page.Entries) == 0 || page.Entries[len(page.Entries)-1].Action != "saga_end" {
		t.Fatalf("audit %v %+v", err, page)
	}
}
