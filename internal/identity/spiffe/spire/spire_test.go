package spire

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWorkloadAPIFailsClosed(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	notSock := filepath.Join(dir, "file")
	os.WriteFile(notSock, nil, 0o600)
	for _, tc := range []struct{ addr, want string }{
		{"unix://" + filepath.Join(dir, "agent.sock"), "no SPIRE agent socket"},
		{"unix://" + notSock, "is not a socket"},
		{"/tmp/agent.sock", "scheme must be unix or tcp"},
		{"tcp://spire.example:8081", "an IP, not a name"},
		{"unix://host/x", "unix:///absolute"},
	} {
		_, err := OpenWorkloadAPI(ctx, tc.addr, time.Second)
		if !errors.Is(err, ErrWorkloadAPI) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", tc.addr, err, tc.want)
		}
	}
	// A socket nobody answers on: refused within the timeout, not hung.
	sock := filepath.Join(dir, "s.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	if _, err := OpenWorkloadAPI(ctx, "unix://"+sock, 500*time.Millisecond); !errors.Is(err, ErrWorkloadAPI) {
		t.Fatalf("silent agent: %v", err)
	}
}
