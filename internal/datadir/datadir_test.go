package datadir

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// lockChildEnv makes the test binary a lock-holding child instead of running
// tests: the only way to test that the kernel, not our code, releases the lock
// of a process that dies without cleaning up.
const lockChildEnv = "AGENTGOV_DATADIR_LOCK_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(lockChildEnv); dir != "" {
		lockChild(Dir(dir))
		return
	}
	os.Exit(m.Run())
}

func lockChild(d Dir) {
	if _, err := d.Acquire(Holder{Command: "lock-child", Addr: "127.0.0.1:7777"}); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	fmt.Println("locked")
	time.Sleep(time.Hour)
	os.Exit(4)
}

func readHolder(t *testing.T, d Dir) Holder {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(string(d), "LOCK"))
	if err != nil {
		t.Fatal(err)
	}
	var h Holder
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatalf("LOCK holds %q: %v", b, err)
	}
	return h
}

func TestAcquireCreatesPrivateDirAndDescribesHolder(t *testing.T) {
	d := Dir(filepath.Join(t.TempDir(), "a", "data"))
	l, err := d.Acquire(Holder{Command: "agentgov serve", Addr: "127.0.0.1:8080"})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	fi, err := os.Stat(string(d))
	if err != nil {
		t.Fatal(err)
	}
	if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("data directory mode %v, want a 0700 directory", fi.Mode())
	}
	lf, err := os.Stat(filepath.Join(string(d), "LOCK"))
	if err != nil {
		t.Fatal(err)
	}
	if lf.Mode().Perm() != 0o600 {
		t.Errorf("LOCK has mode %04o, want 0600", lf.Mode().Perm())
	}
	want := Holder{PID: os.Getpid(), Command: "agentgov serve", Addr: "127.0.0.1:8080"}
	if got := readHolder(t, d); got != want {
		t.Fatalf("holder on disk = %+v, want %+v", got, want)
	}
}

func TestSecondAcquireReportsHolder(t *testing.T) {
	cases := []struct {
		name   string
		first  Holder
		want   Holder
		inText []string
	}{
		{"addr and own pid", Holder{Command: "agentgov serve", Addr: "127.0.0.1:8080"},
			Holder{PID: os.Getpid(), Command: "agentgov serve", Addr: "127.0.0.1:8080"},
			[]string{"agentgov serve", fmt.Sprintf("pid %d", os.Getpid()), "serving on 127.0.0.1:8080"}},
		{"explicit pid no addr", Holder{PID: 4242, Command: "agentgov audit"},
			Holder{PID: 4242, Command: "agentgov audit"},
			[]string{"agentgov audit", "pid 4242"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Dir(t.TempDir())
			l, err := d.Acquire(c.first)
			if err != nil {
				t.Fatal(err)
			}
			defer l.Release()
			l2, err := d.Acquire(Holder{Command: "intruder"})
			if err == nil {
				l2.Release()
				t.Fatal("a second Acquire of a held directory succeeded")
			}
			var le *LockedError
			if !errors.As(err, &le) {
				t.Fatalf("got %T %v, want *LockedError", err, err)
			}
			if le.Dir != string(d) || le.Holder != c.want {
				t.Fatalf("LockedError = %+v, want dir %s holder %+v", le, d, c.want)
			}
			for _, s := range c.inText {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
			if strings.Contains(err.Error(), "serving on") != (c.want.Addr != "") {
				t.Errorf("error %q: address shown iff there is one", err)
			}
			// The failed attempt must not have clobbered the description.
			if got := readHolder(t, d); got != c.want {
				t.Fatalf("holder after a failed Acquire = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestLockedErrorText(t *testing.T) {
	cases := []struct {
		e    LockedError
		want string
	}{
		{LockedError{Dir: "/d"}, "data directory /d is held by another process"},
		{LockedError{Dir: "/d", Holder: Holder{PID: 7, Command: "x"}}, "data directory /d is held by another process (x, pid 7)"},
		{LockedError{Dir: "/d", Holder: Holder{PID: 7, Command: "x", Addr: "[::1]:80"}}, "data directory /d is held by another process (x, pid 7, serving on [::1]:80)"},
		// An address without a pid is a torn description: say nothing.
		{LockedError{Dir: "/d", Holder: Holder{Addr: "h:1"}}, "data directory /d is held by another process"},
	}
	for _, c := range cases {
		if got := c.e.Error(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.e, got, c.want)
		}
	}
}

func TestHeldDescribeRelease(t *testing.T) {
	d := Dir(t.TempDir())
	if held, h := d.Held(); held || h != (Holder{}) {
		t.Fatalf("fresh directory: Held = %v, %+v", held, h)
	}
	l, err := d.Acquire(Holder{Command: "agentgov serve"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		describe *Holder
		want     Holder
	}{
		{nil, Holder{PID: os.Getpid(), Command: "agentgov serve"}},
		{&Holder{Command: "agentgov serve", Addr: "127.0.0.1:41234"}, Holder{PID: os.Getpid(), Command: "agentgov serve", Addr: "127.0.0.1:41234"}},
		// A shorter description must not leave the tail of the longer one.
		{&Holder{PID: 1, Command: "s"}, Holder{PID: 1, Command: "s"}},
		{&Holder{Command: "agentgov serve", Addr: "[::1]:9"}, Holder{PID: os.Getpid(), Command: "agentgov serve", Addr: "[::1]:9"}},
	}
	for i, s := range steps {
		if s.describe != nil {
			if err := l.Describe(*s.describe); err != nil {
				t.Fatal(err)
			}
		}
		held, h := d.Held()
		if !held || h != s.want {
			t.Fatalf("step %d: Held = %v, %+v; want true, %+v", i, held, h, s.want)
		}
		var le *LockedError
		if _, err := d.Acquire(Holder{}); !errors.As(err, &le) || le.Holder != s.want {
			t.Fatalf("step %d: Acquire = %v, want LockedError with %+v", i, err, s.want)
		}
	}
	// Held must only probe: the lock is still ours afterwards.
	if held, _ := d.Held(); !held {
		t.Fatal("Held released the lock")
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if held, h := d.Held(); held || h != (Holder{}) {
		t.Fatalf("after Release: Held = %v, %+v", held, h)
	}
	if b, _ := os.ReadFile(filepath.Join(string(d), "LOCK")); len(b) != 0 {
		t.Fatalf("Release left a stale description %q", b)
	}
	l2, err := d.Acquire(Holder{Command: "next"})
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	if got := readHolder(t, d); got.Command != "next" || got.PID != os.Getpid() {
		t.Fatalf("holder after re-acquire = %+v", got)
	}
	if err := l2.Release(); err != nil {
		t.Fatal(err)
	}
}

func TestReleaseNil(t *testing.T) {
	var l *Lock
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if err := (&Lock{}).Release(); err != nil {
		t.Fatal(err)
	}
}

func TestAcquireOnAFileFails(t *testing.T) {
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Dir(path).Acquire(Holder{})
	var le *LockedError
	if err == nil || errors.As(err, &le) {
		t.Fatalf("Acquire on a regular file = %v, want a plain error", err)
	}
}

func TestLayout(t *testing.T) {
	d := Dir("/var/lib/agentgov")
	for _, c := range []struct{ got, want string }{
		{d.DB(), "/var/lib/agentgov/agentgov.db"},
		{d.Keys(), "/var/lib/agentgov/keys"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}

func TestKernelReleasesLockOfKilledHolder(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	d := Dir(filepath.Join(t.TempDir(), "data"))
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), lockChildEnv+"="+string(d))
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waited := false
	defer func() {
		if !waited {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}()
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(out).ReadString('\n')
		line <- s
	}()
	select {
	case s := <-line:
		if s != "locked\n" {
			t.Fatalf("child said %q, want \"locked\"", s)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not take the lock within 30s")
	}

	var le *LockedError
	if _, err := d.Acquire(Holder{Command: "parent"}); !errors.As(err, &le) {
		t.Fatalf("Acquire while the child holds the lock = %v, want *LockedError", err)
	}
	want := Holder{PID: cmd.Process.Pid, Command: "lock-child", Addr: "127.0.0.1:7777"}
	if le.Holder != want {
		t.Fatalf("holder = %+v, want %+v", le.Holder, want)
	}
	if held, h := d.Held(); !held || h != want {
		t.Fatalf("Held = %v, %+v; want the child", held, h)
	}

	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	waited = true
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want death by SIGKILL", err)
	}

	// The child had no chance to Release: the description is stale, but
	// the lock itself must be gone.
	if held, _ := d.Held(); held {
		t.Fatal("Held reports the lock of a dead process")
	}
	l, err := d.Acquire(Holder{Command: "parent"})
	if err != nil {
		t.Fatalf("Acquire after the holder was killed: %v", err)
	}
	defer l.Release()
	if got := readHolder(t, d); got.PID != os.Getpid() || got.Command != "parent" || got.Addr != "" {
		t.Fatalf("holder after takeover = %+v; the dead child's description survived", got)
	}
}
