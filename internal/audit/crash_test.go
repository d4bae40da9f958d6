package audit

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/translog"
)

// The crash child is this test binary re-executed with these variables set.
const (
	crashDBEnv  = "AGENTGOV_CRASH_CHILD_DB"
	crashKeyEnv = "AGENTGOV_CRASH_CHILD_KEY"
)

func TestMain(m *testing.M) {
	if db := os.Getenv(crashDBEnv); db != "" {
		crashChild(db, os.Getenv(crashKeyEnv))
		return
	}
	os.Exit(m.Run())
}

// crashChild appends from many goroutines forever, printing one line per
// acknowledged (durable) append, until it is killed.
func crashChild(path, skey string) {
	ctx := context.Background()
	fail := func(err error) { fmt.Fprintln(os.Stderr, "child:", err); os.Exit(3) }
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path})
	if err != nil {
		fail(err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail(err)
	}
	_, vkey, err := splitKey(skey)
	if err != nil {
		fail(err)
	}
	l, err := Open(ctx, Options{Store: st, Origin: testOrigin, Signer: signer, VerifierKey: vkey})
	if err != nil {
		fail(err)
	}
	go l.RunCheckpoints(ctx, 5*time.Millisecond)
	var mu sync.Mutex
	out := os.Stdout
	for w := range 32 {
		go func() {
			for seq := 0; ; seq++ {
				ev := &api.Event{Type: "decision", Agent: fmt.Sprintf("w%d", w), Decision: "allow",
					Payload: json.RawMessage(fmt.Sprintf(`{"w":%d,"seq":%d}`, w, seq))}
				idx, err := l.Append(ctx, ev, "crash-child")
				if err != nil {
					fail(err)
				}
				mu.Lock()
				// One write per line, straight to the pipe: what the
				// parent reads was acknowledged before the kill.
				_, _ = fmt.Fprintf(out, "ACK %d %d %d\n", idx, w, seq)
				mu.Unlock()
			}
		}()
	}
	select {}
}

func splitKey(skey string) (string, string, error) {
	vkey, err := translog.VerifierKey(skey)
	return skey, vkey, err
}

type ack struct {
	index  int64
	w, seq int
}

func TestCrashKeepsEveryAcknowledgedEntry(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns a child process")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "crash.db")
	skey, _, err := note.GenerateKey(rand.Reader, testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	var acks []ack
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashDBEnv+"="+path, crashKeyEnv+"="+skey)
		cmd.Stderr = os.Stderr
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(stdout)
		killed := false
		got := 0
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) != 4 || f[0] != "ACK" {
				t.Fatalf("child said %q", sc.Text())
			}
			idx, _ := strconv.ParseInt(f[1], 10, 64)
			w, _ := strconv.Atoi(f[2])
			seq, _ := strconv.Atoi(f[3])
			acks = append(acks, ack{idx, w, seq})
			got++
			if got == 400+round*300 && !killed {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child did not die by SIGKILL: %v", err)
		}
		verifyAcks(t, path, acks)
	}
}

func verifyAcks(t *testing.T, path string, acks []ack) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, sqlite.Options{Path: path, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	rep, err := Verify(ctx, st, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Intact {
		t.Fatalf("log not intact after SIGKILL: %+v", rep.Problems)
	}
	r, err := NewReader(ctx, st, nil)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, a := range acks {
		if seen[a.index] {
			t.Fatalf("index %d acknowledged twice", a.index)
		}
		seen[a.index] = true
		e, err := r.Entry(ctx, a.index)
		if err != nil {
			t.Fatalf("acknowledged index %d is missing: %v", a.index, err)
		}
		want := fmt.Sprintf(`{"seq":%d,"w":%d}`, a.seq, a.w)
		if e.Agent != fmt.Sprintf("w%d", a.w) || string(e.Payload) != want {
			t.Fatalf("acknowledged index %d holds %s %s, want w%d %s", a.index, e.Agent, e.Payload, a.w, want)
		}
	}
	t.Logf("%d acknowledged entries intact in a log of %d (latest checkpoint %d)", len(acks), rep.Size, rep.LatestCheckpoint)
}
