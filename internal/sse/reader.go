// Package sse reads text/event-stream bodies, the WHATWG Server-Sent
// Events format: "field: value" lines, an event ended by a blank line,
// comments starting with ':', lines ended by "\n", "\r\n" or "\r".
//
// It is shared by the Go client's kill stream and the MCP gateway's
// streamable-HTTP connection, which need the same parsing with different
// bounds: a kill event is small, a tool result may be megabytes.
package sse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"time"
)

// Event is one dispatched event: a block with at least one data line.
type Event struct {
	// ID is the value of the block's own id field ("" when it had none;
	// Reader.LastID keeps the stream's last event id across blocks).
	ID string
	// Type is the event field; "" means the default type, "message".
	Type string
	// Data is the data lines joined by "\n"; it belongs to the caller.
	Data []byte
}

// ErrTooLarge is an event, or a line, beyond the reader's bound.
var ErrTooLarge = errors.New("sse: event too large")

// Reader parses events from a stream.
type Reader struct {
	r   *bufio.Reader
	max int

	lastID string
	retry  time.Duration

	// skipLF: the last line ended with '\r', so a '\n' that follows is
	// part of that line ending.
	skipLF bool
	line   []byte
}

// NewReader reads events of at most max bytes (data and field lines
// together) from r.
func NewReader(r io.Reader, max int) *Reader {
	return &Reader{r: bufio.NewReaderSize(r, 4096), max: max}
}

// LastID is the stream's last event id: the latest id field read, even
// in a block without data (such a block primes a resumable stream).
func (r *Reader) LastID() string { return r.lastID }

// Retry is the reconnection delay the server last asked for; 0 if none.
func (r *Reader) Retry() time.Duration { return r.retry }

// Next returns the next event that carries data. io.EOF means the
// stream ended between events; io.ErrUnexpectedEOF that it ended inside
// one.
func (r *Reader) Next() (Event, error) {
	var ev Event
	var data []byte
	hasData := false
	size := 0
	for {
		line, err := r.readLine(r.max - size)
		if err != nil {
			if err == io.EOF && size > 0 {
				err = io.ErrUnexpectedEOF
			}
			return Event{}, err
		}
		size += len(line) + 1
		if len(line) == 0 {
			if hasData {
				ev.Data = data
				return ev, nil
			}
			// A block without data (a heartbeat, a priming id) is not an
			// event, and its bytes do not count toward the next one's
			// bound.
			ev, size = Event{}, 0
			continue
		}
		if line[0] == ':' {
			continue
		}
		field, value, _ := bytes.Cut(line, []byte{':'})
		value = bytes.TrimPrefix(value, []byte{' '})
		switch string(field) {
		case "id":
			// An id with NUL is ignored, as the format says.
			if bytes.IndexByte(value, 0) < 0 {
				ev.ID = string(value)
				r.lastID = ev.ID
			}
		case "event":
			ev.Type = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data = append(data, value...)
			hasData = true
		case "retry":
			if n, err := strconv.ParseUint(string(value), 10, 32); err == nil {
				r.retry = time.Duration(n) * time.Millisecond
			}
		}
	}
}

// readLine reads one line of at most limit bytes, without its ending.
// The result is valid until the next call.
func (r *Reader) readLine(limit int) ([]byte, error) {
	if cap(r.line) > 1<<20 {
		r.line = nil // do not pin the buffer of one large line
	}
	r.line = r.line[:0]
	if r.skipLF {
		r.skipLF = false
		if b, err := r.r.Peek(1); err == nil && b[0] == '\n' {
			_, _ = r.r.Discard(1)
		}
	}
	for {
		if r.r.Buffered() == 0 {
			if _, err := r.r.Peek(1); err != nil {
				if err == io.EOF && len(r.line) > 0 {
					return nil, io.ErrUnexpectedEOF
				}
				return nil, err
			}
		}
		buf, _ := r.r.Peek(r.r.Buffered())
		i := bytes.IndexAny(buf, "\r\n")
		n := i
		if i < 0 {
			n = len(buf)
		}
		if len(r.line)+n > limit {
			return nil, ErrTooLarge
		}
		r.line = append(r.line, buf[:n]...)
		if i < 0 {
			_, _ = r.r.Discard(n)
			continue
		}
		r.skipLF = buf[i] == '\r'
		_, _ = r.r.Discard(i + 1)
		return r.line, nil
	}
}
