package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

// KillStore is what the kill suite needs of a backend.
type KillStore interface {
	store.Kills
	store.Lifecycle
}

var killBase = time.Date(2026, 7, 8, 9, 10, 11, 123456789, time.UTC)

func testKill(i int) store.Kill {
	return store.Kill{ID: fmt.Sprintf("k-%02d", i), Scope: "agent", Agent: fmt.Sprintf("agent-%d", i), Reason: "MANUAL",
		Note: "note", By: "token:ops", Created: killBase.Add(time.Duration(i) * time.Second),
		GateEffectiveAt: killBase.Add(time.Duration(i)*time.Second + time.Microsecond), InflightCancelled: int64(i), AuditIndex: int64(10 + i)}
}

// RunKills runs the kill-switch and lifecycle suite against fresh stores.
func RunKills(t *testing.T, open func(t *testing.T) KillStore) {
	ctx := context.Background()
	t.Run("PutGetList", func(t *testing.T) {
		st := open(t)
		for _, i := range []int{3, 1, 2} {
			if err := st.PutKill(ctx, testKill(i)); err != nil {
				t.Fatal(err)
			}
		}
		got, err := st.GetKill(ctx, "k-02")
		if err != nil {
			t.Fatal(err)
		}
		if want := testKill(2); !killEqual(got, want) {
			t.Fatalf("got %+v, want %+v", got, want)
		}
		if _, err := st.GetKill(ctx, "none"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("missing kill: %v", err)
		}
		all, err := st.ListKills(ctx, store.KillQuery{})
		if err != nil || len(all) != 3 || all[0].ID != "k-01" || all[2].ID != "k-03" {
			t.Fatalf("list %v %v", all, err)
		}
		lifted := testKill(1)
		lifted.LiftedAt, lifted.LiftedBy = killBase.Add(time.Hour), "token:ops"
		if err := st.PutKill(ctx, lifted); err != nil {
			t.Fatal(err)
		}
		active, err := st.ListKills(ctx, store.KillQuery{ActiveOnly: true})
		if err != nil || len(active) != 2 || active[0].ID != "k-02" {
			t.Fatalf("active %v %v", active, err)
		}
		if got, _ := st.GetKill(ctx, "k-01"); !got.LiftedAt.Equal(lifted.LiftedAt) || got.LiftedBy != "token:ops" {
			t.Fatalf("lifted %+v", got)
		}
		if two, _ := st.ListKills(ctx, store.KillQuery{Limit: 2}); len(two) != 2 || two[0].ID != "k-02" || two[1].ID != "k-03" {
			t.Fatalf("limit keeps the newest, oldest first: %v", two)
		}
	})
	t.Run("Processes", func(t *testing.T) {
		st := open(t)
		if err := st.PutKillProcess(ctx, store.KillProcess{KillID: "nope", Runner: "r"}); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("process of a missing kill: %v", err)
		}
		if err := st.PutKill(ctx, testKill(1)); err != nil {
			t.Fatal(err)
		}
		p := store.KillProcess{KillID: "k-01", Runner: "r-b", Agent: "agent-1", PID: 42, PGID: 42, SignalledAt: killBase}
		if err := st.PutKillProcess(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := st.PutKillProcess(ctx, store.KillProcess{KillID: "k-01", Runner: "r-a", Agent: "agent-1", PID: 7, PGID: 7,
			Exited: true, ExitCode: 0, TerminatedAt: killBase.Add(time.Second)}); err != nil {
			t.Fatal(err)
		}
		p.Exited, p.ExitCode, p.ExitSignal, p.TerminatedAt, p.ConfirmedAt, p.KilledAt = true, -1, "killed", killBase.Add(2*time.Second), killBase.Add(3*time.Second), killBase.Add(time.Second)
		if err := st.PutKillProcess(ctx, p); err != nil {
			t.Fatal(err)
		}
		ps, err := st.KillProcesses(ctx, "k-01")
		if err != nil || len(ps) != 2 {
			t.Fatalf("processes %v %v", ps, err)
		}
		if ps[0].Runner != "r-a" || !ps[0].Exited || ps[0].ExitCode != 0 || !ps[0].SignalledAt.IsZero() {
			t.Fatalf("first %+v", ps[0])
		}
		b := ps[1]
		if b.PID != 42 || !b.Exited || b.ExitCode != -1 || b.ExitSignal != "killed" || !b.ConfirmedAt.Equal(p.ConfirmedAt) ||
			!b.KilledAt.Equal(p.KilledAt) || !b.SignalledAt.Equal(killBase) {
			t.Fatalf("second %+v", b)
		}
		if ps, _ := st.KillProcesses(ctx, "k-02"); len(ps) != 0 {
			t.Fatalf("other kill: %v", ps)
		}
	})
	t.Run("LifecycleCAS", func(t *testing.T) {
		st := open(t)
		a := store.AgentLifecycle{Agent: "a", State: "suspended", Since: killBase, By: "token:ops"}
		if err := st.SetAgentState(ctx, a, "active"); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("wrong from on a new agent: %v", err)
		}
		if err := st.SetAgentState(ctx, a, ""); err != nil {
			t.Fatal(err)
		}
		// Two operators move the agent from the same state: one wins.
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = st.SetAgentState(ctx, store.AgentLifecycle{Agent: "a", State: "active", Since: killBase.Add(time.Second)}, "suspended")
			}()
		}
		wg.Wait()
		wins := 0
		for _, err := range errs {
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, store.ErrConflict):
				t.Fatal(err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d concurrent transitions from the same state succeeded", wins)
		}
		if err := st.SetAgentState(ctx, store.AgentLifecycle{Agent: "b", State: "revoked", Since: killBase}, ""); err != nil {
			t.Fatal(err)
		}
		got, err := st.AgentStates(ctx)
		if err != nil || len(got) != 2 || got[0].Agent != "a" || got[0].State != "active" || !got[0].Since.Equal(killBase.Add(time.Second)) ||
			got[1].State != "revoked" {
			t.Fatalf("states %+v %v", got, err)
		}
	})
}

// RunKillsReopen checks that kills, outcomes and states survive closing
// and reopening the store at path.
func RunKillsReopen(t *testing.T, open func(t *testing.T, path string) (KillStore, func()), path string) {
	ctx := context.Background()
	st, closeFn := open(t, path)
	if err := st.PutKill(ctx, testKill(1)); err != nil {
		t.Fatal(err)
	}
	if err := st.PutKillProcess(ctx, store.KillProcess{KillID: "k-01", Runner: "r", PID: 9, ConfirmedAt: killBase}); err != nil {
		t.Fatal(err)
	}
	if err := st.SetAgentState(ctx, store.AgentLifecycle{Agent: "a", State: "quarantined", Since: killBase}, ""); err != nil {
		t.Fatal(err)
	}
	closeFn()
	st, closeFn = open(t, path)
	defer closeFn()
	ks, err := st.ListKills(ctx, store.KillQuery{ActiveOnly: true})
	if err != nil || len(ks) != 1 || !killEqual(ks[0], testKill(1)) {
		t.Fatalf("after reopen: %+v %v", ks, err)
	}
	ps, err := st.KillProcesses(ctx, "k-01")
	if err != nil || len(ps) != 1 || ps[0].PID != 9 || !ps[0].ConfirmedAt.Equal(killBase) {
		t.Fatalf("processes after reopen: %+v %v", ps, err)
	}
	as, err := st.AgentStates(ctx)
	if err != nil || len(as) != 1 || as[0].State != "quarantined" {
		t.Fatalf("states after reopen: %+v %v", as, err)
	}
}

func killEqual(a, b store.Kill) bool {
	return a.ID == b.ID && a.Scope == b.Scope && a.Agent == b.Agent && a.Session == b.Session && a.Tool == b.Tool &&
		a.Reason == b.Reason && a.Note == b.Note && a.By == b.By && a.Created.Equal(b.Created) &&
		a.GateEffectiveAt.Equal(b.GateEffectiveAt) && a.InflightCancelled == b.InflightCancelled && a.AuditIndex == b.AuditIndex &&
		a.LiftedAt.Equal(b.LiftedAt) && a.LiftedBy == b.LiftedBy
}
