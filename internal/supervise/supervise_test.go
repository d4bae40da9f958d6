//go:build unix

package supervise

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The test binary doubles as the supervised programs: re-executed with
// helperEnv set, it becomes the program named there instead of running
// tests.
const helperEnv = "AGENTGOV_SUPERVISE_HELPER"

func TestMain(m *testing.M) {
	if h := os.Getenv(helperEnv); h != "" {
		os.Exit(helper(h))
	}
	os.Exit(m.Run())
}

// helper runs one supervised program:
//
//	ignore-term   ignores SIGTERM, says "ready", sleeps
//	exit-on-term  exits 3 on SIGTERM
//	grandparent   starts two ignore-term grandchildren in its group, prints
//	              their pids, then sleeps (and dies on SIGTERM)
//	exit-now      exits 7 at once
func helper(kind string) int {
	switch kind {
	case "ignore-term":
		signal.Ignore(syscall.SIGTERM)
		fmt.Println("ready")
		for {
			time.Sleep(time.Hour)
		}
	case "exit-on-term":
		ch := make(chan os.Signal, 1)
		signal.Notify(ch, syscall.SIGTERM)
		fmt.Println("ready")
		<-ch
		return 3
	case "grandparent":
		var pids []string
		for range 2 {
			c := exec.Command(os.Args[0])
			c.Env = append(os.Environ(), helperEnv+"=ignore-term")
			out, err := c.StdoutPipe()
			if err != nil {
				return 2
			}
			if err := c.Start(); err != nil {
				return 2
			}
			if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
				return 2
			}
			pids = append(pids, strconv.Itoa(c.Process.Pid))
		}
		fmt.Println("ready " + strings.Join(pids, " "))
		for {
			time.Sleep(time.Hour)
		}
	case "exit-now":
		return 7
	case "escaper":
		// Three ways out of the agent's process group, each leaving a
		// process that ignores SIGTERM: a child in a new session; a
		// double fork whose middle process exits, orphaning its child
		// (found by the supervision token it inherited); and a child in
		// a new session with a cleared environment, whose own child is
		// found by parentage.
		var pids []string
		run := func(kind string, env []string) (*exec.Cmd, string, bool) {
			c := exec.Command(os.Args[0])
			c.Env = append(env, helperEnv+"="+kind)
			c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
			out, err := c.StdoutPipe()
			if err != nil || c.Start() != nil {
				return nil, "", false
			}
			line, _ := bufio.NewReader(out).ReadString('\n')
			return c, strings.TrimSpace(line), strings.HasPrefix(line, "ready")
		}
		a, _, ok := run("ignore-term", os.Environ())
		if !ok {
			return 2
		}
		pids = append(pids, strconv.Itoa(a.Process.Pid))
		for _, env := range [][]string{os.Environ(), nil} {
			_, line, ok := run("spawner", env)
			if !ok {
				return 2
			}
			pids = append(pids, strings.Fields(line)[1])
		}
		fmt.Println("ready " + strings.Join(pids, " "))
		for {
			time.Sleep(time.Hour)
		}
	case "supervisor":
		// Supervises an ignore-term child, prints its pid, and waits to
		// be killed.
		sup, err := Start(Options{Command: []string{os.Args[0]}, Env: append(os.Environ(), helperEnv+"=ignore-term")})
		if err != nil {
			return 2
		}
		fmt.Println("ready " + strconv.Itoa(sup.PID()))
		for {
			time.Sleep(time.Hour)
		}
	case "spawner":
		// Starts an ignore-term child in yet another session and prints
		// its pid; exits at once if it carries the supervision token
		// (orphaning the child), else stays.
		c := exec.Command(os.Args[0])
		c.Env = append(os.Environ(), helperEnv+"=ignore-term")
		c.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		out, err := c.StdoutPipe()
		if err != nil || c.Start() != nil {
			return 2
		}
		if line, _ := bufio.NewReader(out).ReadString('\n'); line != "ready\n" {
			return 2
		}
		fmt.Println("ready " + strconv.Itoa(c.Process.Pid))
		if os.Getenv(TokenVar) != "" {
			return 0
		}
		for {
			time.Sleep(time.Hour)
		}
	}
	return 2
}

// start runs a helper under supervision and returns what it printed on
// its "ready" line.
func start(t *testing.T, kind string, grace time.Duration) (*Supervisor, []string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s, err := Start(Options{Command: []string{os.Args[0]}, Env: append(os.Environ(), helperEnv+"="+kind), Stdout: w, Grace: grace,
		ConfirmWithin: 20 * time.Second})
	w.Close()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = s.Signal(syscall.SIGKILL)
		s.Close()
	})
	if kind == "exit-now" {
		return s, nil
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "ready") {
		t.Fatalf("helper %s did not start: %q %v", kind, line, err)
	}
	return s, strings.Fields(line)[1:]
}

func gone(pid int) bool { return errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) }

func TestIgnoresSIGTERM(t *testing.T) {
	s, _ := start(t, "ignore-term", 200*time.Millisecond)
	var steps []string
	out := s.Terminate(context.Background(), func(o Outcome) {
		switch {
		case !o.ConfirmedAt.IsZero():
			steps = append(steps, "confirmed")
		case !o.Exit.At.IsZero():
			steps = append(steps, "terminated")
		default:
			steps = append(steps, "signalled")
		}
	})
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	if strings.Join(steps, ",") != "signalled,terminated,confirmed" {
		t.Fatalf("steps %v", steps)
	}
	if out.KilledAt.IsZero() || out.Exit.Code != -1 || out.Exit.Signal != syscall.SIGKILL.String() {
		t.Fatalf("a child that ignores SIGTERM must end by SIGKILL: %+v", out)
	}
	if out.KilledAt.Before(out.SignalledAt) || out.Exit.At.Before(out.KilledAt) || out.ConfirmedAt.Before(out.Exit.At) {
		t.Fatalf("outcome out of order: %+v", out)
	}
	if !gone(-s.PID()) || !gone(s.PID()) {
		t.Fatal("the process group is still there after a confirmed termination")
	}
	if st := s.ShellStatus(); st != 128+int(syscall.SIGKILL) {
		t.Fatalf("shell status %d", st)
	}
}

func TestGrandchildrenAreGone(t *testing.T) {
	s, pids := start(t, "grandparent", 300*time.Millisecond)
	if len(pids) != 2 {
		t.Fatalf("grandchildren %v", pids)
	}
	out := s.Terminate(context.Background(), nil)
	if out.Err != nil {
		t.Fatal(out.Err)
	}
	// The grandparent dies of SIGTERM; its children ignore it and are
	// killed when the grace period ends.
	if out.Exit.Signal != syscall.SIGTERM.String() || out.KilledAt.IsZero() || out.ConfirmedAt.IsZero() {
		t.Fatalf("outcome %+v", out)
	}
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		if !gone(pid) {
			t.Fatalf("grandchild %d survived the kill", pid)
		}
	}
	if !gone(-s.PID()) {
		t.Fatal("the group survived")
	}
}

// Processes that left the agent's process group are found and killed
// too, and the termination is confirmed only once they are gone.
func TestEscapeesAreGone(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("escapees are found through /proc")
	}
	s, pids := start(t, "escaper", 300*time.Millisecond)
	if len(pids) != 3 {
		t.Fatalf("escapees %v", pids)
	}
	var ps []int
	for _, p := range pids {
		pid, _ := strconv.Atoi(p)
		ps = append(ps, pid)
		if gone(pid) {
			t.Fatalf("escapee %d not running before the termination", pid)
		}
	}
	t.Cleanup(func() {
		for _, pid := range ps {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	})
	out := s.Terminate(context.Background(), nil)
	if out.Err != nil || out.ConfirmedAt.IsZero() || out.KilledAt.IsZero() {
		t.Fatalf("outcome %+v", out)
	}
	for _, pid := range ps {
		if !gone(pid) {
			t.Fatalf("process %d left the group and survived the kill", pid)
		}
	}
}

// An agent does not outlive its supervisor, even one killed by SIGKILL,
// which it cannot handle (Linux: the parent-death signal).
func TestAgentDiesWithItsSupervisor(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the parent-death signal is Linux's")
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"=supervisor")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, _ := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if len(f) != 2 || f[0] != "ready" {
		_ = cmd.Process.Kill()
		t.Fatalf("supervisor did not start: %q", line)
	}
	agent, _ := strconv.Atoi(f[1])
	t.Cleanup(func() { _ = syscall.Kill(agent, syscall.SIGKILL) })
	if gone(agent) {
		t.Fatal("the agent is not running")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	deadline := time.Now().Add(10 * time.Second)
	for !goneOrZombie(agent) {
		if time.Now().After(deadline) {
			t.Fatalf("agent %d outlived its SIGKILLed supervisor", agent)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// goneOrZombie reports whether pid no longer runs: it does not exist, or
// it has exited and waits to be reaped (by this process, a subreaper, if
// it was reparented here).
func goneOrZombie(pid int) bool {
	var ws syscall.WaitStatus
	_, _ = syscall.Wait4(pid, &ws, syscall.WNOHANG, nil)
	if gone(pid) {
		return true
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	i := strings.LastIndexByte(string(b), ')')
	return i > 0 && i+2 < len(b) && b[i+2] == 'Z'
}

func TestCooperativeChildExitStatus(t *testing.T) {
	s, _ := start(t, "exit-on-term", 10*time.Second)
	out := s.Terminate(context.Background(), nil)
	if out.Err != nil || out.Exit.Code != 3 || out.Exit.Signal != "" || !out.KilledAt.IsZero() || out.ConfirmedAt.IsZero() {
		t.Fatalf("outcome %+v", out)
	}
	if s.ShellStatus() != 3 {
		t.Fatalf("status %d", s.ShellStatus())
	}
}

func TestExitOnItsOwn(t *testing.T) {
	s, _ := start(t, "exit-now", time.Second)
	e, err := s.Wait(context.Background())
	if err != nil || e.Code != 7 || s.ShellStatus() != 7 {
		t.Fatalf("exit %+v %v", e, err)
	}
	// Terminating a finished child confirms at once.
	out := s.Terminate(context.Background(), nil)
	if out.ConfirmedAt.IsZero() || out.Exit.Code != 7 {
		t.Fatalf("outcome %+v", out)
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(Options{}); err == nil {
		t.Fatal("started nothing")
	}
	if _, err := Start(Options{Command: []string{"/nonexistent/agent"}}); err == nil {
		t.Fatal("started a missing program")
	}
}
