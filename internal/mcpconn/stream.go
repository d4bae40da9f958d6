package mcpconn

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// DefaultMaxFrame bounds one newline-delimited JSON-RPC message, as the
// SDK's own stdio framing does.
const DefaultMaxFrame = mcp.DefaultMaxLineLength

// FrameError is a frame that is not a JSON-RPC message. Code is the
// JSON-RPC error code a peer is answered with (parse error or invalid
// request); ID is the request's id when the frame named a usable one.
type FrameError struct {
	Code int64
	ID   jsonrpc.ID
	Msg  string
}

func (e *FrameError) Error() string { return fmt.Sprintf("jsonrpc frame: %s (code %d)", e.Msg, e.Code) }

// wireVersion is the only JSON-RPC version MCP speaks.
const wireVersion = `"2.0"`

// DecodeFrame decodes one JSON-RPC message. Member names are matched
// exactly (a "Method" is not a "method"), unlike encoding/json's struct
// decoding, so that what the gateway reads is what a strict peer reads.
// Batches are refused: MCP removed them in 2025-06-18 and no client in
// use sends them.
func DecodeFrame(b []byte) (jsonrpc.Message, error) {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "JSON-RPC batches are not supported"}
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) || len(b) == 0 {
			return nil, &FrameError{Code: jsonrpc.CodeParseError, Msg: "not JSON: " + err.Error()}
		}
		return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "not a JSON object"}
	}
	var id jsonrpc.ID
	if raw, ok := m["id"]; ok {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "unreadable id"}
		}
		if f, isNum := v.(float64); isNum && (f != float64(int64(f))) {
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "a numeric id must be an integer"}
		}
		var err error
		if id, err = jsonrpc.MakeID(v); err != nil {
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "the id is neither a string, a number nor null"}
		}
	}
	if v := m["jsonrpc"]; string(v) != wireVersion {
		return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, ID: id, Msg: `"jsonrpc" must be "2.0"`}
	}
	if raw, ok := m["method"]; ok {
		var method string
		if err := json.Unmarshal(raw, &method); err != nil {
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, ID: id, Msg: `"method" is not a string`}
		}
		if method == "" {
			// Nothing is named "", and an empty name would not survive
			// re-encoding (the wire form omits it).
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, ID: id, Msg: `"method" is empty`}
		}
		return &jsonrpc.Request{ID: id, Method: method, Params: nullToNil(m["params"])}, nil
	}
	if !id.IsValid() {
		return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, Msg: "a response without an id"}
	}
	resp := &jsonrpc.Response{ID: id, Result: nullToNil(m["result"])}
	if raw := nullToNil(m["error"]); raw != nil {
		var werr jsonrpc.Error
		if err := json.Unmarshal(raw, &werr); err != nil {
			return nil, &FrameError{Code: jsonrpc.CodeInvalidRequest, ID: id, Msg: `"error" is not a JSON-RPC error object`}
		}
		resp.Error = &werr
	}
	return resp, nil
}

func nullToNil(raw json.RawMessage) json.RawMessage {
	if string(raw) == "null" {
		return nil
	}
	return raw
}

// StreamOptions configure a StreamConn.
type StreamOptions struct {
	// MaxFrame bounds one message (default DefaultMaxFrame). A longer one
	// ends the connection: there is no telling where it would end.
	MaxFrame int
	// AnswerMalformed answers a frame that is not a JSON-RPC message
	// with the JSON-RPC error for it (-32700 parse error, -32600 invalid
	// request) and goes on reading, as a server should to a client. When
	// false such a frame ends the connection: an upstream server that
	// writes garbage is broken, and is restarted.
	AnswerMalformed bool
}

// StreamConn is an MCP connection over a byte stream carrying one
// JSON-RPC message per line: the stdio transport, to a client on the
// proxy's stdin and stdout or to a server on its child's pipes. It
// decodes each message once, with encoding/json into a reused line
// buffer, where the SDK's own framing decodes every message three times
// and allocates 32 KiB for each.
type StreamConn struct {
	w      io.Writer
	closer io.Closer
	opts   StreamOptions

	wmu  sync.Mutex
	wbuf []byte

	// intercept, when set, sees each message on the reader goroutine
	// first and may consume it (SetIntercept).
	intercept atomic.Pointer[func(jsonrpc.Message) bool]

	incoming  chan streamItem
	closed    chan struct{}
	closeOnce sync.Once
	closeErr  error
}

type streamItem struct {
	msg jsonrpc.Message
	err error
}

// NewStreamConn reads messages from r and writes them to w; closing the
// connection closes c (which must unblock a pending read of r for Close
// to end the reader; a stdin that cannot be unblocked leaves the reader
// parked until the stream ends, as with the SDK's stdio transport).
func NewStreamConn(r io.Reader, w io.Writer, c io.Closer, o StreamOptions) *StreamConn {
	if o.MaxFrame <= 0 {
		o.MaxFrame = DefaultMaxFrame
	}
	s := &StreamConn{w: w, closer: c, opts: o, incoming: make(chan streamItem), closed: make(chan struct{})}
	// Reading on a goroutine of its own lets Close unblock Read, and
	// overlaps decoding the next message with handling the last.
	go s.readLoop(r)
	return s
}

func (s *StreamConn) readLoop(r io.Reader) {
	br := bufio.NewReaderSize(r, 64<<10)
	var long []byte
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A message longer than the buffer: gather it, bounded.
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				if len(long) > s.opts.MaxFrame {
					break
				}
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > s.opts.MaxFrame {
			s.deliver(streamItem{err: fmt.Errorf("mcpconn: a JSON-RPC message exceeds %d bytes", s.opts.MaxFrame)})
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			msg, derr := DecodeFrame(line)
			var fe *FrameError
			switch {
			case derr == nil:
				if f := s.intercept.Load(); f != nil && (*f)(msg) {
					break
				}
				if !s.deliver(streamItem{msg: msg}) {
					return
				}
			case s.opts.AnswerMalformed && errors.As(derr, &fe):
				if werr := s.writeFrameError(fe); werr != nil {
					s.deliver(streamItem{err: werr})
					return
				}
			default:
				s.deliver(streamItem{err: derr})
				return
			}
		}
		if err != nil {
			s.deliver(streamItem{err: err})
			return
		}
		if cap(long) > 1<<20 {
			long = nil // do not pin the buffer of one large message
		}
	}
}

// writeFrameError answers a malformed frame. The SDK's encoder leaves out
// a null id, which JSON-RPC requires in an answer to a request whose id
// could not be read, so the answer is written here.
func (s *StreamConn) writeFrameError(fe *FrameError) error {
	if fe.ID.IsValid() {
		return s.Write(context.Background(), &jsonrpc.Response{ID: fe.ID, Error: &jsonrpc.Error{Code: fe.Code, Message: fe.Msg}})
	}
	data, err := json.Marshal(struct {
		Version string         `json:"jsonrpc"`
		ID      any            `json:"id"`
		Error   *jsonrpc.Error `json:"error"`
	}{"2.0", nil, &jsonrpc.Error{Code: fe.Code, Message: fe.Msg}})
	if err != nil {
		return err
	}
	return s.writeLine(data)
}

// SetIntercept has f see every message before Read does, on the
// connection's reader goroutine; a message f reports consumed is not
// returned by Read. f must not block: the connection reads nothing while
// it runs. It saves the hand-off to the reading goroutine for messages
// the connection's owner answers itself.
func (s *StreamConn) SetIntercept(f func(jsonrpc.Message) bool) {
	s.intercept.Store(&f)
}

// deliver hands an item to Read; false when the connection closed.
func (s *StreamConn) deliver(it streamItem) bool {
	select {
	case s.incoming <- it:
		return true
	case <-s.closed:
		return false
	}
}

// Read implements mcp.Connection.
func (s *StreamConn) Read(ctx context.Context) (jsonrpc.Message, error) {
	select {
	case <-ctx.Done():
		return nil, ctx.Err()
	case it := <-s.incoming:
		return it.msg, it.err
	case <-s.closed:
		return nil, io.EOF
	}
}

// Write implements mcp.Connection; it may be called concurrently.
func (s *StreamConn) Write(ctx context.Context, msg jsonrpc.Message) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := encode(msg)
	if err != nil {
		return err
	}
	return s.writeLine(data)
}

// encode is a message's wire form.
func encode(msg jsonrpc.Message) ([]byte, error) {
	data, err := jsonrpc.EncodeMessage(msg)
	if err != nil {
		return nil, fmt.Errorf("mcpconn: encoding a message: %w", err)
	}
	return data, nil
}

func (s *StreamConn) writeLine(data []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	select {
	case <-s.closed:
		return mcp.ErrConnectionClosed
	default:
	}
	s.wbuf = append(append(s.wbuf[:0], data...), '\n')
	_, err := s.w.Write(s.wbuf)
	if cap(s.wbuf) > 1<<20 {
		s.wbuf = nil // do not pin a large buffer
	}
	return err
}

// Close implements mcp.Connection; it may be called more than once.
func (s *StreamConn) Close() error {
	s.closeOnce.Do(func() {
		close(s.closed)
		if s.closer != nil {
			s.closeErr = s.closer.Close()
		}
	})
	return s.closeErr
}

// SessionID implements mcp.Connection: a stream has no session id.
func (s *StreamConn) SessionID() string { return "" }

// StreamTransport is an mcp.Transport over an established byte stream.
type StreamTransport struct {
	Reader io.Reader
	Writer io.Writer
	Closer io.Closer
	Opts   StreamOptions
}

// Connect implements mcp.Transport.
func (t *StreamTransport) Connect(context.Context) (mcp.Connection, error) {
	return NewStreamConn(t.Reader, t.Writer, t.Closer, t.Opts), nil
}
