package client

import (
	"errors"
	"io"
	"strings"
	"testing"
)

func TestEventReader(t *testing.T) {
	in := ": hello\n\nid: 1-2\nevent: kill\ndata: {\"a\":1}\n\n" +
		"event: ready\r\ndata: x\r\ndata: y\r\n\r\n" +
		"data:z\rid\r\r" +
		"id: 9-9\n\n" + // no data: not an event
		"data: tail"
	r := NewEventReader(strings.NewReader(in))
	want := []Event{{ID: "1-2", Type: "kill", Data: `{"a":1}`}, {Type: "ready", Data: "x\ny"}, {Data: "z"}}
	for i, w := range want {
		got, err := r.Next()
		if err != nil || got != w {
			t.Fatalf("event %d: %+v %v, want %+v", i, got, err, w)
		}
	}
	if _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("truncated event: %v", err)
	}
	big := "data: " + strings.Repeat("x", maxEventBytes) + "\n\n"
	if _, err := NewEventReader(strings.NewReader(big)).Next(); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("oversized event: %v", err)
	}
	if _, err := NewEventReader(strings.NewReader("")).Next(); err != io.EOF {
		t.Fatalf("empty stream: %v", err)
	}
}

func FuzzEventReader(f *testing.F) {
	for _, s := range []string{"id: 1\nevent: kill\ndata: {}\n\n", ": c\r\n\r\ndata: a\rdata: b\r\r", "data\n\n", "\x00\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := NewEventReader(strings.NewReader(s))
		total := 0
		for range 1000 {
			ev, err := r.Next()
			if err != nil {
				return
			}
			total += len(ev.Data) + len(ev.ID) + len(ev.Type)
			if total > len(s) {
				t.Fatalf("events hold more bytes (%d) than the input (%d)", total, len(s))
			}
		}
	})
}

func TestEventReaderHeartbeatsDoNotExhaustTheBound(t *testing.T) {
	var b strings.Builder
	for range 2 * maxEventBytes / len(": heartbeat\n\n") {
		b.WriteString(": heartbeat\n\n")
	}
	b.WriteString("id: 7\nevent: kill\ndata: {}\n\n")
	ev, err := NewEventReader(strings.NewReader(b.String())).Next()
	if err != nil || ev.ID != "7" || ev.Type != "kill" || ev.Data != "{}" {
		t.Fatalf("after many heartbeats: %+v %v", ev, err)
	}
}
