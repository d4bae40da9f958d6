package storetest

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

// RunPins runs the MCP pin-domain suite against fresh stores from open.
func RunPins(t *testing.T, open func(t *testing.T) store.Pins) {
	ctx := context.Background()
	at := time.Date(2026, 5, 6, 7, 8, 9, 123456789, time.UTC)
	pin := func(server, tool, hash string) store.Pin {
		p := store.Pin{Server: server, Tool: tool, Hash: hash, By: "token:ops", At: at, AuditIndex: 7, Version: 99}
		if hash != "" {
			p.Definition = []byte(`{"name":"` + tool + `","hash":"` + hash + `"}`)
		}
		return p
	}
	t.Run("VersionsAndCurrent", func(t *testing.T) {
		st := open(t)
		if cur, err := st.CurrentPins(ctx, "srv"); err != nil || len(cur) != 0 {
			t.Fatalf("empty store: %v %v", cur, err)
		}
		got, err := st.AppendPins(ctx, []store.Pin{pin("srv", "b", "sha256:1"), pin("srv", "a", "sha256:2"), pin("other", "a", "sha256:3")})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range got {
			if p.Version != 1 {
				t.Fatalf("first version %d", p.Version)
			}
		}
		got, err = st.AppendPins(ctx, []store.Pin{pin("srv", "a", "sha256:4"), pin("srv", "b", "")})
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Version != 2 || got[1].Version != 2 {
			t.Fatalf("second versions %d %d", got[0].Version, got[1].Version)
		}
		cur, err := st.CurrentPins(ctx, "srv")
		if err != nil {
			t.Fatal(err)
		}
		if len(cur) != 1 || cur[0].Tool != "a" || cur[0].Hash != "sha256:4" || cur[0].Version != 2 {
			t.Fatalf("current after removal of b: %+v", cur)
		}
		if !cur[0].At.Equal(at) || cur[0].By != "token:ops" || cur[0].AuditIndex != 7 || !bytes.Contains(cur[0].Definition, []byte("sha256:4")) {
			t.Fatalf("pin fields not kept: %+v", cur[0])
		}
		h, err := st.PinHistory(ctx, "srv", "b")
		if err != nil || len(h) != 2 || h[0].Hash != "sha256:1" || !h[1].Removed() || h[1].Definition != nil {
			t.Fatalf("history of b: %+v %v", h, err)
		}
		servers, err := st.PinnedServers(ctx)
		if err != nil || len(servers) != 2 || servers[0] != "other" || servers[1] != "srv" {
			t.Fatalf("servers %v %v", servers, err)
		}
	})
	t.Run("AllOrNothing", func(t *testing.T) {
		st := open(t)
		if _, err := st.AppendPins(ctx, []store.Pin{pin("srv", "a", "sha256:1"), pin("", "x", "sha256:2")}); err == nil {
			t.Fatal("a pin without a server was accepted")
		}
		if cur, _ := st.CurrentPins(ctx, "srv"); len(cur) != 0 {
			t.Fatalf("a rejected batch left pins: %+v", cur)
		}
	})
	t.Run("ReturnsCopies", func(t *testing.T) {
		st := open(t)
		p := pin("srv", "a", "sha256:1")
		if _, err := st.AppendPins(ctx, []store.Pin{p}); err != nil {
			t.Fatal(err)
		}
		p.Definition[0] = 'X'
		cur, _ := st.CurrentPins(ctx, "srv")
		cur[0].Definition[1] = 'Y'
		again, _ := st.CurrentPins(ctx, "srv")
		if again[0].Definition[0] != '{' || again[0].Definition[1] != '"' {
			t.Fatalf("stored definition changed through a caller's slice: %s", again[0].Definition)
		}
	})
}
