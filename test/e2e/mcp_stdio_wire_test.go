package e2e

import (
	"bufio"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMCPProxyStdioWire speaks raw JSON-RPC lines to agentgov mcp proxy,
// as a client that is not built on the SDK does: malformed input gets the
// JSON-RPC error for it and the proxy keeps serving; calls are governed
// (a blocked pattern is denied, a result's e-mail address redacted) and
// recorded, and an unknown tool is invalid params.
func TestMCPProxyStdioWire(t *testing.T) {
	cmd, data, proxyErr := localProxyCommand(t)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		stdin.Close()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
		}
	}()
	lines := make(chan string, 16)
	go func() {
		r := bufio.NewReader(stdout)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				close(lines)
				return
			}
			lines <- l
		}
	}()
	send := func(s string) {
		t.Helper()
		if _, err := io.WriteString(stdin, s+"\n"); err != nil {
			t.Fatalf("send: %v\n%s", err, proxyErr)
		}
	}
	recv := func() map[string]any {
		t.Helper()
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("the proxy closed its output\n%s", proxyErr)
			}
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("output %q: %v", l, err)
			}
			return m
		case <-time.After(20 * time.Second):
			t.Fatalf("no answer\n%s", proxyErr)
		}
		return nil
	}
	code := func(m map[string]any) float64 {
		e, _ := m["error"].(map[string]any)
		c, _ := e["code"].(float64)
		return c
	}
	result := func(m map[string]any) (string, bool) {
		r, _ := m["result"].(map[string]any)
		var b strings.Builder
		cs, _ := r["content"].([]any)
		for _, c := range cs {
			c, _ := c.(map[string]any)
			s, _ := c["text"].(string)
			b.WriteString(s)
		}
		isErr, _ := r["isError"].(bool)
		return b.String(), isErr
	}

	send(`this is not json`)
	if m := recv(); code(m) != -32700 || m["id"] != nil {
		t.Fatalf("garbage: %v", m)
	}
	send(`{"jsonrpc":"2.0","id":"x","method":"tools/call","params":{"name":"echo","arguments":{"text":"early"}}}`)
	if m := recv(); m["id"] != "x" || m["error"] == nil {
		t.Fatalf("a call before initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"raw","version":"1"}}}`)
	if m := recv(); m["error"] != nil || m["id"] != float64(1) {
		t.Fatalf("initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello"}}}`)
	if txt, isErr := result(recv()); isErr || txt != "echo: hello" {
		t.Fatalf("echo: %q", txt)
	}
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"echo","arguments":{"text":"x'; DROP TABLE users; --"}}}`)
	if txt, isErr := result(recv()); !isErr || !strings.Contains(txt, "blocked_patterns:blocked_pattern") {
		t.Fatalf("blocked call: %q", txt)
	}
	send(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"lookup","arguments":{"q":"customer"}}}`)
	if txt, isErr := result(recv()); isErr || strings.Contains(txt, "jane.doe@corp.example") || !strings.Contains(txt, "<EMAIL_ADDRESS>") {
		t.Fatalf("redaction: %q", txt)
	}
	send(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"add","arguments":{"a":1,"b":2}}}`)
	if m := recv(); code(m) != -32602 {
		t.Fatalf("a hidden (poisoned) tool: %v", m)
	}
	send(`[{"jsonrpc":"2.0","id":6,"method":"ping"}]`)
	if m := recv(); code(m) != -32600 {
		t.Fatalf("batch: %v", m)
	}
	send(`{"jsonrpc":"2.0","id":7,"method":"ping"}`)
	if m := recv(); m["id"] != float64(7) || m["error"] != nil {
		t.Fatalf("ping after malformed input: %v", m)
	}
	stdin.Close()
	select {
	case <-exited:
	case <-time.After(15 * time.Second):
		t.Fatalf("the proxy did not exit when its input closed\n%s", proxyErr)
	}
	out, err := exec.Command(binary, "audit", "verify", "--data-dir", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "INTACT") {
		t.Fatalf("audit verify: %v\n%s\n%s", err, out, proxyErr)
	}
	out, err = exec.Command(binary, "audit", "export", "--data-dir", data).CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"decision":"deny","reason":"blocked_patterns:blocked_pattern"`) ||
		!strings.Contains(string(out), `"decision":"transform","reason":"pii:`) {
		t.Fatalf("the blocked call and the redacted result are not in the log: %v\n%s", err, out)
	}
}
