package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// conn is one keep-alive HTTP/1.1 connection that speaks just enough of
// the protocol to POST a check and read the answer. A load generator
// usually shares the machine with the server it measures; net/http's
// client spends a sizeable share of the CPU a server needs per check (two
// goroutines and their hand-offs per connection, header maps), and every
// cycle the generator spends is one the server under test does not get.
type conn struct {
	addr string // host:port to dial
	tls  *tls.Config
	// head is the request up to the Content-Length value.
	head []byte
	c    net.Conn
	r    *bufio.Reader
	w    []byte
}

// requestTimeout bounds one exchange when the context sets no earlier
// deadline.
const requestTimeout = 30 * time.Second

func newConn(addr, host, path, token string, tlsConfig *tls.Config) *conn {
	h := []byte("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: agentgov-bench\r\nContent-Type: application/json\r\n")
	if token != "" {
		h = append(h, "Authorization: Bearer "+token+"\r\n"...)
	}
	h = append(h, "Content-Length: "...)
	return &conn{addr: addr, tls: tlsConfig, head: h}
}

func (c *conn) close() {
	if c.c != nil {
		c.c.Close()
		c.c, c.r = nil, nil
	}
}

func (c *conn) dial(ctx context.Context) error {
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	if c.tls != nil {
		tc := tls.Client(nc, c.tls)
		if err := tc.HandshakeContext(ctx); err != nil {
			nc.Close()
			return err
		}
		nc = tc
	}
	c.c, c.r = nc, bufio.NewReaderSize(nc, 4096)
	return nil
}

// post sends body and reads the answer's body into out, returning the
// status. Any failure closes the connection: the next post dials anew,
// and the failed check is not retried (the server may have decided and
// recorded it).
func (c *conn) post(ctx context.Context, body []byte, out *bytes.Buffer) (int, error) {
	if c.c == nil {
		if err := c.dial(ctx); err != nil {
			return 0, err
		}
	}
	deadline := time.Now().Add(requestTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	if err := c.c.SetDeadline(deadline); err != nil {
		c.close()
		return 0, err
	}
	c.w = append(c.w[:0], c.head...)
	c.w = strconv.AppendInt(c.w, int64(len(body)), 10)
	c.w = append(c.w, "\r\n\r\n"...)
	c.w = append(c.w, body...)
	if _, err := c.c.Write(c.w); err != nil {
		c.close()
		return 0, err
	}
	status, keep, err := readResponse(c.r, out)
	if err != nil || !keep {
		c.close()
	}
	return status, err
}

// readResponse reads one HTTP/1.1 response: its status, whether the
// connection stays open, and its body (Content-Length, chunked, or up to
// the end of the connection) into out, bounded by maxAnswer.
func readResponse(r *bufio.Reader, out *bytes.Buffer) (status int, keepAlive bool, err error) {
	out.Reset()
	for {
		line, err := readLine(r)
		if err != nil {
			return 0, false, fmt.Errorf("reading the status line: %w", err)
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, false, fmt.Errorf("malformed status line %q", line)
		}
		status, err = strconv.Atoi(string(line[9:12]))
		if err != nil {
			return 0, false, fmt.Errorf("malformed status line %q", line)
		}
		keepAlive = line[7] == '1' // HTTP/1.1 keeps the connection by default
		length, chunked := -1, false
		for {
			h, err := readLine(r)
			if err != nil {
				return 0, false, fmt.Errorf("reading headers: %w", err)
			}
			if len(h) == 0 {
				break
			}
			name, value, ok := bytes.Cut(h, []byte(":"))
			if !ok {
				return 0, false, fmt.Errorf("malformed header %q", h)
			}
			value = bytes.TrimSpace(value)
			switch {
			case bytes.EqualFold(name, []byte("Content-Length")):
				if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
					return 0, false, fmt.Errorf("malformed Content-Length %q", value)
				}
			case bytes.EqualFold(name, []byte("Transfer-Encoding")):
				chunked = bytes.EqualFold(value, []byte("chunked"))
			case bytes.EqualFold(name, []byte("Connection")):
				if bytes.EqualFold(value, []byte("close")) {
					keepAlive = false
				} else if bytes.EqualFold(value, []byte("keep-alive")) {
					keepAlive = true
				}
			}
		}
		if status >= 100 && status < 200 {
			continue // an interim answer: the final one follows
		}
		switch {
		case status == 204 || status == 304:
		case chunked:
			err = readChunked(r, out)
		case length >= 0:
			if length > maxAnswer {
				return status, false, fmt.Errorf("answer of %d bytes is larger than %d", length, maxAnswer)
			}
			_, err = io.CopyN(out, r, int64(length))
		default:
			// Delimited by the end of the connection.
			keepAlive = false
			_, err = out.ReadFrom(io.LimitReader(r, maxAnswer))
		}
		if err != nil {
			return status, false, fmt.Errorf("reading the body: %w", err)
		}
		return status, keepAlive, nil
	}
}

func readChunked(r *bufio.Reader, out *bytes.Buffer) error {
	for {
		line, err := readLine(r)
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		size, err := strconv.ParseInt(string(bytes.TrimSpace(line)), 16, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("malformed chunk size %q", line)
		}
		if size == 0 {
			// Trailers, then the empty line that ends the body.
			for {
				t, err := readLine(r)
				if err != nil {
					return err
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if int64(out.Len())+size > maxAnswer {
			return fmt.Errorf("answer is larger than %d bytes", maxAnswer)
		}
		if _, err := io.CopyN(out, r, size); err != nil {
			return err
		}
		if crlf, err := readLine(r); err != nil || len(crlf) != 0 {
			return errors.New("chunk not followed by CRLF")
		}
	}
}

// readLine returns one line without its line ending; the slice is valid
// until the next read.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errors.New("line longer than 4096 bytes")
		}
		return nil, err
	}
	line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
	return line, nil
}
