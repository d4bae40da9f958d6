package mcpconn

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
	"github.com/modelcontextprotocol/go-sdk/mcp"
)

func TestDecodeFrame(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		code     int64 // expected FrameError code; 0 for success
		want     string
	}{
		{"request", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x"}}`, 0, `req 1 tools/call {"name":"x"}`},
		{"string id", `{"jsonrpc":"2.0","id":"a","method":"ping"}`, 0, `req a ping `},
		{"notification", `{"jsonrpc":"2.0","method":"notifications/initialized"}`, 0, `note notifications/initialized `},
		{"null params", `{"jsonrpc":"2.0","id":2,"method":"ping","params":null}`, 0, `req 2 ping `},
		{"empty method", `{"jsonrpc":"2.0","id":2,"method":""}`, jsonrpc.CodeInvalidRequest, ""},
		{"result", `{"jsonrpc":"2.0","id":3,"result":{"ok":true}}`, 0, `resp 3 {"ok":true} <nil>`},
		{"error", `{"jsonrpc":"2.0","id":4,"error":{"code":-32601,"message":"nope"}}`, 0, `resp 4  nope`},
		{"spaces", "  {\"jsonrpc\":\"2.0\",\"id\":5,\"result\":1}\r\n", 0, `resp 5 1 <nil>`},
		{"not json", `{{{`, jsonrpc.CodeParseError, ""},
		{"empty", ``, jsonrpc.CodeParseError, ""},
		{"truncated", `{"jsonrpc":"2.0","id":1`, jsonrpc.CodeParseError, ""},
		{"array", `[{"jsonrpc":"2.0","id":1,"method":"ping"}]`, jsonrpc.CodeInvalidRequest, ""},
		{"number", `42`, jsonrpc.CodeInvalidRequest, ""},
		{"no version", `{"id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, ""},
		{"old version", `{"jsonrpc":"1.0","id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, ""},
		{"version case", `{"JSONRPC":"2.0","id":1,"method":"ping"}`, jsonrpc.CodeInvalidRequest, ""},
		{"method case", `{"jsonrpc":"2.0","id":1,"Method":"ping"}`, 0, `resp 1  <nil>`},
		{"method not string", `{"jsonrpc":"2.0","id":1,"method":7}`, jsonrpc.CodeInvalidRequest, ""},
		{"object id", `{"jsonrpc":"2.0","id":{},"method":"ping"}`, jsonrpc.CodeInvalidRequest, ""},
		{"fraction id", `{"jsonrpc":"2.0","id":1.5,"method":"ping"}`, jsonrpc.CodeInvalidRequest, ""},
		{"response without id", `{"jsonrpc":"2.0","result":{}}`, jsonrpc.CodeInvalidRequest, ""},
		{"bad error", `{"jsonrpc":"2.0","id":1,"error":"boom"}`, jsonrpc.CodeInvalidRequest, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			msg, err := DecodeFrame([]byte(tc.in))
			if tc.code != 0 {
				var fe *FrameError
				if !errors.As(err, &fe) || fe.Code != tc.code {
					t.Fatalf("DecodeFrame(%s) = %v, %v; want code %d", tc.in, msg, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeFrame(%s): %v", tc.in, err)
			}
			if got := describe(msg); got != tc.want {
				t.Fatalf("DecodeFrame(%s) = %s, want %s", tc.in, got, tc.want)
			}
		})
	}
}

func describe(m jsonrpc.Message) string {
	switch m := m.(type) {
	case *jsonrpc.Request:
		if !m.IsCall() {
			return fmt.Sprintf("note %s %s", m.Method, m.Params)
		}
		return fmt.Sprintf("req %v %s %s", m.ID.Raw(), m.Method, m.Params)
	case *jsonrpc.Response:
		e := "<nil>"
		if m.Error != nil {
			var we *jsonrpc.Error
			if !errors.As(m.Error, &we) {
				return "resp with a non-wire error"
			}
			e = we.Message
		}
		return fmt.Sprintf("resp %v %s %s", m.ID.Raw(), m.Result, e)
	}
	return "?"
}

func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{}}}`,
		`{"jsonrpc":"2.0","id":"s","result":{"content":[]}}`,
		`{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"message":"m","data":{}}}`,
		`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":1}}`,
		`[1]`, `{`, `null`, `{"jsonrpc":"2.0","id":1e400,"method":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		msg, err := DecodeFrame(b)
		if err != nil {
			var fe *FrameError
			if !errors.As(err, &fe) || (fe.Code != jsonrpc.CodeParseError && fe.Code != jsonrpc.CodeInvalidRequest) {
				t.Fatalf("an error that is not a FrameError with a JSON-RPC code: %v", err)
			}
			return
		}
		// What decodes, encodes; and decodes again to the same message.
		enc, err := jsonrpc.EncodeMessage(msg)
		if err != nil {
			t.Fatalf("encode %s: %v", describe(msg), err)
		}
		again, err := DecodeFrame(enc)
		if err != nil {
			t.Fatalf("re-decode %s: %v", enc, err)
		}
		if a, b := canonical(t, msg), canonical(t, again); a != b {
			t.Fatalf("round trip changed the message: %s vs %s", a, b)
		}
	})
}

// canonical describes a message with its JSON values normalised.
func canonical(t *testing.T, m jsonrpc.Message) string {
	norm := func(raw json.RawMessage) string {
		if raw == nil {
			return "-"
		}
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("a decoded message carries invalid JSON %q: %v", raw, err)
		}
		b, _ := json.Marshal(v)
		return string(b)
	}
	switch m := m.(type) {
	case *jsonrpc.Request:
		return fmt.Sprintf("req %v %q %s", m.ID.Raw(), m.Method, norm(m.Params))
	case *jsonrpc.Response:
		e := "-"
		if m.Error != nil {
			var we *jsonrpc.Error
			if !errors.As(m.Error, &we) {
				t.Fatalf("a decoded error that is not a wire error: %v", m.Error)
			}
			e = fmt.Sprintf("%d %q %s", we.Code, we.Message, norm(we.Data))
		}
		return fmt.Sprintf("resp %v %s %s", m.ID.Raw(), norm(m.Result), e)
	}
	return "?"
}

// pipeConn is a StreamConn on one end of a pipe and a raw line reader
// and writer on the other.
func pipeConn(t *testing.T, o StreamOptions) (*StreamConn, net.Conn, *bufio.Reader) {
	t.Helper()
	a, b := net.Pipe()
	c := NewStreamConn(a, a, a, o)
	t.Cleanup(func() { c.Close(); b.Close() })
	return c, b, bufio.NewReader(b)
}

func readMsg(t *testing.T, c *StreamConn) (jsonrpc.Message, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Read(ctx)
}

func TestStreamConnAnswersMalformedFrames(t *testing.T) {
	c, peer, in := pipeConn(t, StreamOptions{AnswerMalformed: true})
	go func() {
		io.WriteString(peer, "not json\n\n   \n")
		io.WriteString(peer, `{"jsonrpc":"2.0","id":7,"method":7}`+"\n")
		io.WriteString(peer, `{"jsonrpc":"2.0","id":8,"method":"ping"}`+"\n")
	}()
	for _, want := range []string{`{"jsonrpc":"2.0","id":null,"error":{"code":-32700`, `{"jsonrpc":"2.0","id":7,"error":{"code":-32600`} {
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := in.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, want) {
			t.Fatalf("answer %q (%v), want prefix %s", line, err, want)
		}
	}
	msg, err := readMsg(t, c)
	if err != nil || describe(msg) != "req 8 ping " {
		t.Fatalf("the message after malformed ones: %v %v", msg, err)
	}
}

func TestStreamConnStrictEndsOnGarbage(t *testing.T) {
	c, peer, _ := pipeConn(t, StreamOptions{})
	go io.WriteString(peer, `{"jsonrpc":"2.0","id":1,"result":{}}`+"\n{{{ garbage\n")
	if msg, err := readMsg(t, c); err != nil || describe(msg) != "resp 1 {} <nil>" {
		t.Fatalf("first: %v %v", msg, err)
	}
	var fe *FrameError
	if _, err := readMsg(t, c); !errors.As(err, &fe) || fe.Code != jsonrpc.CodeParseError {
		t.Fatalf("garbage from an upstream: %v", err)
	}
}

func TestStreamConnFrameBounds(t *testing.T) {
	// A message longer than the read buffer but within the bound is read
	// whole; one beyond the bound ends the connection.
	c, peer, _ := pipeConn(t, StreamOptions{MaxFrame: 200 << 10})
	big := strings.Repeat("x", 100<<10)
	go func() {
		io.WriteString(peer, `{"jsonrpc":"2.0","id":1,"result":"`+big+`"}`+"\n")
		io.WriteString(peer, `{"jsonrpc":"2.0","id":2,"result":"`+big+big+big+`"}`+"\n")
	}()
	msg, err := readMsg(t, c)
	if err != nil || len(msg.(*jsonrpc.Response).Result) != len(big)+2 {
		t.Fatalf("long message: %v", err)
	}
	if _, err := readMsg(t, c); err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Fatalf("over-long message: %v", err)
	}
	// A last message without a newline is still a message.
	c2, peer2, _ := pipeConn(t, StreamOptions{})
	go func() {
		io.WriteString(peer2, `{"jsonrpc":"2.0","id":3,"result":1}`)
		peer2.Close()
	}()
	if msg, err := readMsg(t, c2); err != nil || describe(msg) != "resp 3 1 <nil>" {
		t.Fatalf("unterminated last message: %v %v", msg, err)
	}
	if _, err := readMsg(t, c2); !errors.Is(err, io.EOF) {
		t.Fatalf("after the end: %v", err)
	}
}

func TestStreamConnConcurrentWritesAndClose(t *testing.T) {
	c, peer, in := pipeConn(t, StreamOptions{})
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, _ := jsonrpc.MakeID(float64(i))
			if err := c.Write(context.Background(), &jsonrpc.Request{ID: id, Method: "ping", Params: json.RawMessage(`{"pad":"` + strings.Repeat("p", i*100) + `"}`)}); err != nil {
				t.Error(err)
			}
		}()
	}
	seen := map[string]bool{}
	for range n {
		peer.SetReadDeadline(time.Now().Add(5 * time.Second))
		line, err := in.ReadBytes('\n')
		if err != nil {
			t.Fatal(err)
		}
		msg, err := DecodeFrame(line)
		if err != nil {
			t.Fatalf("interleaved write: %v", err)
		}
		seen[fmt.Sprint(msg.(*jsonrpc.Request).ID.Raw())] = true
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("%d distinct messages, want %d", len(seen), n)
	}
	// Close unblocks a pending Read and fails later writes.
	done := make(chan error, 1)
	go func() { _, err := c.Read(context.Background()); done <- err }()
	c.Close()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("Read after Close returned a message")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not unblock Read")
	}
	if err := c.Write(context.Background(), &jsonrpc.Request{Method: "x"}); err == nil {
		t.Fatal("Write after Close succeeded")
	}
}

// TestStreamTransportWithTheSDK: an SDK client and server speak through
// the framing (initialize, list, call).
func TestStreamTransportWithTheSDK(t *testing.T) {
	srv := mcp.NewServer(&mcp.Implementation{Name: "s", Version: "1"}, nil)
	mcp.AddTool(srv, &mcp.Tool{Name: "greet"}, func(ctx context.Context, _ *mcp.CallToolRequest, in struct {
		Name string `json:"name"`
	}) (*mcp.CallToolResult, any, error) {
		return &mcp.CallToolResult{Content: []mcp.Content{&mcp.TextContent{Text: "hello " + in.Name}}}, nil, nil
	})
	a, b := net.Pipe()
	ss, err := srv.Connect(context.Background(), &StreamTransport{Reader: a, Writer: a, Closer: a, Opts: StreamOptions{AnswerMalformed: true}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ss.Close()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "c", Version: "1"}, nil).Connect(context.Background(), &StreamTransport{Reader: b, Writer: b, Closer: b}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "greet", Arguments: map[string]any{"name": "ana"}})
	if err != nil || res.IsError || res.Content[0].(*mcp.TextContent).Text != "hello ana" {
		t.Fatalf("call: %v %+v", err, res)
	}
}
