//go:build unix

package mcpconn

import (
	"context"
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"
)

// TestGroupTransportRealProcess: messages cross a real child's pipes
// (cat echoes them back), and closing ends the child: by closing its
// input when it honours that, by signals when it does not.
func TestGroupTransportRealProcess(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	gt := NewGroupTransport(exec.Command("cat"), time.Second)
	conn, err := gt.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	id, _ := jsonrpc.MakeID("agentgov-1")
	if err := conn.Write(context.Background(), &jsonrpc.Request{ID: id, Method: "tools/call", Params: []byte(`{"name":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	msg, err := conn.Read(ctx)
	if err != nil || describe(msg) != `req agentgov-1 tools/call {"name":"x"}` {
		t.Fatalf("echoed: %v %v", describe(msg), err)
	}
	pid := gt.cmd.Process.Pid
	if err := conn.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	waitGone(t, pid)

	// A server that ignores both closed input and SIGTERM is killed.
	stubborn := NewGroupTransport(exec.Command("sh", "-c", `trap "" TERM; while :; do sleep 1; done`), 50*time.Millisecond)
	conn, err = stubborn.Connect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pid = stubborn.cmd.Process.Pid
	conn.Close()
	waitGone(t, pid)
	if _, err := conn.Read(context.Background()); err == nil {
		t.Fatal("read after close")
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		// The group is gone once no member is left to signal.
		if err := syscall.Kill(-pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process group %d is still alive", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
