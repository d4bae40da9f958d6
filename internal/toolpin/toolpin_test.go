package toolpin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
)

type fakeLog struct {
	entries []api.Event
	fail    bool
}

func (f *fakeLog) Append(_ context.Context, ev *api.Event, _ string) (int64, error) {
	if f.fail {
		return 0, errors.New("log down")
	}
	f.entries = append(f.entries, *ev)
	return int64(len(f.entries) - 1), nil
}

func TestPinLifecycle(t *testing.T) {
	ctx := context.Background()
	st := memory.NewPins()
	lg := &fakeLog{}
	s := &Service{Store: st, Log: lg, Now: func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC) }}
	a := toolscan.Tool{Name: "a", Description: "Adds.", InputSchema: map[string]any{"type": "object"}}
	b := toolscan.Tool{Name: "b", Description: "Bees."}
	out, err := s.Pin(ctx, "srv", []toolscan.Tool{a, b}, "token:ops")
	if err != nil || len(out) != 2 || out[0].Change != ChangeNew || out[0].Version != 1 || len(lg.entries) != 2 {
		t.Fatalf("%+v %v %d", out, err, len(lg.entries))
	}
	// Unchanged: no entry, no version.
	a2 := a
	a2.Description = "Adds numbers."
	out, err = s.Pin(ctx, "srv", []toolscan.Tool{a2}, "token:ops")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": ChangeChanged, "b": ChangeRemoved}
	for _, o := range out {
		if want[o.Tool] != o.Change || o.Version != 2 {
			t.Fatalf("outcome %+v", o)
		}
	}
	if len(lg.entries) != 4 || lg.entries[3].Decision != "unpinned" || lg.entries[2].Type != "mcp_pin" {
		t.Fatalf("entries %+v", lg.entries)
	}
	out, _ = s.Pin(ctx, "srv", []toolscan.Tool{a2}, "token:ops")
	if out[0].Change != ChangeUnchanged || len(lg.entries) != 4 {
		t.Fatalf("re-pin of an unchanged tool recorded something: %+v", out)
	}
	l, err := List(ctx, st, "srv")
	if err != nil || len(l.Pins) != 1 || l.Pins[0].Tool != "a" || l.Pins[0].By != "token:ops" {
		t.Fatalf("%+v %v", l, err)
	}
	base, err := Baseline(l)
	if err != nil || len(base) != 1 || base[0].Description != "Adds numbers." {
		t.Fatalf("%+v %v", base, err)
	}
	if ch := toolscan.Diff(base, []toolscan.Tool{a2}); len(ch) != 0 {
		t.Fatalf("the pinned definition differs from what was pinned: %+v", ch)
	}
	// b's history: approved, then withdrawn.
	h, err := s.History(ctx, "srv", "b")
	if err != nil || len(h.Versions) != 2 || h.Versions[0].Removed || !h.Versions[1].Removed ||
		h.Versions[1].Definition != nil || h.Versions[0].Version != 1 {
		t.Fatalf("history of b: %+v %v", h, err)
	}
	if _, err := s.History(ctx, "srv", "c"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("history of a tool never pinned: %v", err)
	}
}

func TestPinFailsClosed(t *testing.T) {
	ctx := context.Background()
	st := memory.NewPins()
	s := &Service{Store: st, Log: &fakeLog{fail: true}}
	if _, err := s.Pin(ctx, "srv", []toolscan.Tool{{Name: "a"}}, "x"); err == nil {
		t.Fatal("pinned without an audit entry")
	}
	if cur, _ := st.CurrentPins(ctx, "srv"); len(cur) != 0 {
		t.Fatal("a pin exists without its audit entry")
	}
	for _, bad := range [][]toolscan.Tool{{{Name: ""}}, {{Name: "a"}, {Name: "a"}}} {
		if _, err := (&Service{Store: st, Log: &fakeLog{}}).Pin(ctx, "srv", bad, "x"); !errors.Is(err, ErrInvalid) {
			t.Fatalf("%v: %v", bad, err)
		}
	}
	if _, err := (&Service{Store: st, Log: &fakeLog{}}).Pin(ctx, "", nil, "x"); !errors.Is(err, ErrInvalid) {
		t.Fatal("no server accepted")
	}
}
