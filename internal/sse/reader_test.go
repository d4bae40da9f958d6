package sse

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

func TestReader(t *testing.T) {
	type want struct {
		ev     Event
		lastID string
	}
	tests := []struct {
		name  string
		in    string
		max   int
		want  []want
		end   error
		retry time.Duration
	}{
		{name: "fields, comments and the default type",
			in:   ": hello\n\nid: 1\nevent: message\ndata: {\"a\":1}\n\ndata: x\n\n",
			want: []want{{Event{ID: "1", Type: "message", Data: []byte(`{"a":1}`)}, "1"}, {Event{Data: []byte("x")}, "1"}},
			end:  io.EOF},
		{name: "every line ending, data lines joined",
			in:   "data: a\r\ndata: b\rdata:c\n\r\n",
			want: []want{{Event{Data: []byte("a\nb\nc")}, ""}},
			end:  io.EOF},
		{name: "a priming block sets the last id without an event",
			in:   "id: p-0\nretry: 1500\ndata\n\nid: p-0\n\n: ping\n\n",
			want: []want{{Event{ID: "p-0", Data: []byte("")}, "p-0"}},
			end:  io.EOF, retry: 1500 * time.Millisecond},
		{name: "an id with NUL is ignored; a bad retry too",
			in:   "id: 7\n\nid: a\x00b\nretry: soon\ndata: d\n\n",
			want: []want{{Event{Data: []byte("d")}, "7"}},
			end:  io.EOF},
		{name: "a stream cut inside an event",
			in:   "data: complete\n\ndata: half",
			want: []want{{Event{Data: []byte("complete")}, ""}},
			end:  io.ErrUnexpectedEOF},
		{name: "an event beyond the bound",
			in:  "data: " + strings.Repeat("x", 100) + "\n\n",
			max: 64,
			end: ErrTooLarge},
		{name: "many data lines beyond the bound together",
			in:  strings.Repeat("data: 0123456789\n", 10) + "\n",
			max: 64,
			end: ErrTooLarge},
		{name: "heartbeats do not count toward the bound",
			in:   strings.Repeat(": keep-alive\n\n", 50) + "data: ok\n\n",
			max:  64,
			want: []want{{Event{Data: []byte("ok")}, ""}},
			end:  io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			max := tt.max
			if max == 0 {
				max = 1 << 20
			}
			// One byte at a time: every line is split across reads.
			r := NewReader(iotest.OneByteReader(strings.NewReader(tt.in)), max)
			for i, w := range tt.want {
				ev, err := r.Next()
				if err != nil {
					t.Fatalf("event %d: %v", i, err)
				}
				if ev.ID != w.ev.ID || ev.Type != w.ev.Type || !bytes.Equal(ev.Data, w.ev.Data) || r.LastID() != w.lastID {
					t.Fatalf("event %d = %+v (last id %q), want %+v (%q)", i, ev, r.LastID(), w.ev, w.lastID)
				}
			}
			if _, err := r.Next(); !errors.Is(err, tt.end) {
				t.Fatalf("end: %v, want %v", err, tt.end)
			}
			if r.Retry() != tt.retry {
				t.Fatalf("retry %v, want %v", r.Retry(), tt.retry)
			}
		})
	}
}

func TestReaderDataIsTheCallers(t *testing.T) {
	r := NewReader(strings.NewReader("data: first\n\ndata: second\n\n"), 1<<10)
	a, _ := r.Next()
	b, _ := r.Next()
	if string(a.Data) != "first" || string(b.Data) != "second" {
		t.Fatalf("%q %q", a.Data, b.Data)
	}
}

func FuzzReader(f *testing.F) {
	for _, s := range []string{"id: 1\nevent: kill\ndata: {}\n\n", ": c\r\n\r\ndata: a\rdata: b\r\r", "data\n\n", "\x00\n\n", "retry: 10\nid\n\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		const max = 256
		r := NewReader(strings.NewReader(s), max)
		total := 0
		for range 1000 {
			ev, err := r.Next()
			if err != nil {
				return
			}
			if len(ev.Data) > max {
				t.Fatalf("an event of %d bytes passed a bound of %d", len(ev.Data), max)
			}
			total += len(ev.Data) + len(ev.ID) + len(ev.Type)
			if total > len(s) {
				t.Fatalf("events hold more bytes (%d) than the input (%d)", total, len(s))
			}
		}
	})
}
