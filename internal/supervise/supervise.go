//go:build unix

// Package supervise runs an agent as a child process in its own process
// group and terminates it for real: SIGTERM to the whole group, SIGKILL
// after a grace period, and an outcome that says "terminated" only once
// the child has exited (with its exit status) and "confirmed" only once
// no process of the group remains (kill(-pgid, 0) answers ESRCH).
//
// On Linux the supervisor makes itself a child subreaper, so that the
// agent's orphaned grandchildren are reparented to it and reaped by it,
// rather than left as zombies that would keep the group alive. A process
// that leaves the group (setsid, setpgid: a daemonising double fork)
// escapes group signals, so on Linux termination also finds such
// escapees in /proc — processes carrying the supervision token the agent
// was started with in their environment, and descendants of the agent or
// of a token carrier — and signals each through a pidfd; the group is
// confirmed gone only when they are gone too. A process that both leaves
// the group and clears its environment after its parent has exited is
// beyond what an unprivileged supervisor can find (a cgroup would be).
// Elsewhere group signals are all there is.
package supervise

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"sync"
	"syscall"
	"time"
)

// Options configure Start.
type Options struct {
	// Command is the program and its arguments (the program is looked up
	// in PATH).
	Command []string
	// Env is the child's environment (nil: this process's).
	Env []string
	// Dir is the child's working directory ("" : this process's).
	Dir string
	// Stdin, Stdout and Stderr are handed to the child (nil: /dev/null).
	Stdin, Stdout, Stderr *os.File
	// Grace is how long the group has between SIGTERM and SIGKILL
	// (default 10s).
	Grace time.Duration
	// ConfirmWithin bounds the wait for the group to disappear after
	// SIGKILL (default 30s); past it the outcome carries an error.
	ConfirmWithin time.Duration
	// Probe is the interval of reaping and group probes (default 10ms).
	Probe  time.Duration
	Now    func() time.Time
	Logger *slog.Logger
}

// Exit is how the child ended.
type Exit struct {
	// Code is the exit status, or -1 when a signal ended the child.
	Code int
	// Signal names the signal that ended it ("" if it exited).
	Signal string
	// At is when the supervisor saw the exit.
	At time.Time
}

// Outcome is what a termination achieved.
type Outcome struct {
	PID, PGID   int
	SignalledAt time.Time
	// KilledAt is when SIGKILL went to the group (zero if SIGTERM
	// sufficed).
	KilledAt time.Time
	// Exit is the child's exit (its At is the termination time).
	Exit Exit
	// ConfirmedAt is when the group was seen empty, and on Linux no
	// process that left it remained (zero if that was not
	// within ConfirmWithin; then Err says so).
	ConfirmedAt time.Time
	Err         error
}

// Supervisor is one supervised child.
type Supervisor struct {
	o      Options
	pid    int
	status int // shell status of the exit, set before exited closes
	exit   Exit
	exited chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
	term   sync.Mutex
	// tree tracks the agent's processes beyond its group (Linux).
	tree *tree
}

// Start starts the child in a new process group whose id is its pid.
func Start(o Options) (*Supervisor, error) {
	if len(o.Command) == 0 || o.Command[0] == "" {
		return nil, errors.New("supervise: no command to run")
	}
	if o.Grace <= 0 {
		o.Grace = 10 * time.Second
	}
	if o.ConfirmWithin <= 0 {
		o.ConfirmWithin = 30 * time.Second
	}
	if o.Probe <= 0 {
		o.Probe = 10 * time.Millisecond
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	path, err := exec.LookPath(o.Command[0])
	if err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	if err := becomeSubreaper(); err != nil {
		o.Logger.Warn("cannot become a child subreaper; orphaned grandchildren are left to init", "err", err)
	}
	files := []*os.File{o.Stdin, o.Stdout, o.Stderr}
	for i, f := range files {
		if f == nil {
			null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
			if err != nil {
				return nil, fmt.Errorf("supervise: %w", err)
			}
			defer null.Close()
			files[i] = null
		}
	}
	env := o.Env
	if env == nil {
		env = os.Environ()
	}
	var mark [16]byte
	if _, err := rand.Read(mark[:]); err != nil {
		return nil, fmt.Errorf("supervise: %w", err)
	}
	token := TokenVar + "=" + hex.EncodeToString(mark[:])
	env = append(slices.Clip(env), token)
	p, err := os.StartProcess(path, o.Command, &os.ProcAttr{Dir: o.Dir, Env: env, Files: files,
		Sys: childAttr()})
	if err != nil {
		return nil, fmt.Errorf("supervise: starting %s: %w", o.Command[0], err)
	}
	s := &Supervisor{o: o, pid: p.Pid, tree: newTree(p.Pid, token), exited: make(chan struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	// The supervisor reaps the group itself (wait4 on the group), so the
	// os.Process handle is not needed.
	_ = p.Release()
	go s.reap()
	return s, nil
}

// treeInterval is how often the agent's process tree is refreshed while
// it runs.
const treeInterval = time.Second

// TokenVar is the environment variable that marks the processes of a
// supervised agent; its value is random per agent.
const TokenVar = "AGENTGOV_SUPERVISION"

// PID is the child's pid, which is also its process group id.
func (s *Supervisor) PID() int { return s.pid }

// Exited is closed once the child has exited.
func (s *Supervisor) Exited() <-chan struct{} { return s.exited }

// Exit returns how the child ended; valid once Exited is closed.
func (s *Supervisor) Exit() Exit {
	<-s.exited
	return s.exit
}

// Wait waits for the child to exit, or for ctx.
func (s *Supervisor) Wait(ctx context.Context) (Exit, error) {
	select {
	case <-s.exited:
		return s.exit, nil
	case <-ctx.Done():
		return Exit{}, ctx.Err()
	}
}

// Signal sends sig to the whole group (forwarding what the supervisor
// receives). A group that is already gone is not an error.
func (s *Supervisor) Signal(sig syscall.Signal) error {
	if err := syscall.Kill(-s.pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}

// Close stops reaping. Call it when the supervisor is no longer needed.
func (s *Supervisor) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

// reap collects every exited member of the group (the child, and the
// grandchildren reparented to a subreaper) so that none lingers as a
// zombie, and records the child's exit.
func (s *Supervisor) reap() {
	defer close(s.done)
	chld := make(chan os.Signal, 1)
	signal.Notify(chld, syscall.SIGCHLD)
	defer signal.Stop(chld)
	tick := time.NewTicker(s.o.Probe)
	defer tick.Stop()
	// The tree is refreshed now and then while the agent runs, so that
	// a process whose parent exited long before the termination is still
	// known to belong to it.
	track := time.NewTicker(treeInterval)
	defer track.Stop()
	for {
		s.reapOnce()
		select {
		case <-s.stop:
			s.reapOnce()
			return
		case <-chld:
		case <-tick.C:
		case <-track.C:
			s.tree.scan()
		}
	}
}

func (s *Supervisor) reapOnce() {
	for {
		var ws syscall.WaitStatus
		pid, err := syscall.Wait4(-s.pid, &ws, syscall.WNOHANG, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil || pid <= 0 {
			return
		}
		if pid == s.pid {
			e := Exit{Code: ws.ExitStatus(), At: s.o.Now()}
			s.status = e.Code
			if ws.Signaled() {
				e.Code, e.Signal = -1, ws.Signal().String()
				s.status = 128 + int(ws.Signal())
			}
			s.exit = e
			close(s.exited)
		}
	}
}

// ShellStatus is the exit status a shell would give the child: its code,
// or 128 + the signal number. Valid once Exited is closed.
func (s *Supervisor) ShellStatus() int {
	<-s.exited
	return s.status
}

// groupGone reports whether no process of the group remains.
func (s *Supervisor) groupGone() bool {
	return errors.Is(syscall.Kill(-s.pid, 0), syscall.ESRCH)
}

// Terminate ends the group: SIGTERM, then SIGKILL once the grace period
// has passed with the child or any other member still there; it returns
// when the group is gone or ConfirmWithin has passed after SIGKILL.
// progress, if set, is called after each step that changes the outcome
// (signalled, terminated, confirmed), so that a caller can report as the
// outcome firms up. Concurrent calls are serialised; a later one finds
// the group gone.
func (s *Supervisor) Terminate(ctx context.Context, progress func(Outcome)) Outcome {
	s.term.Lock()
	defer s.term.Unlock()
	if progress == nil {
		progress = func(Outcome) {}
	}
	// The tree is taken while it is whole: once the agent dies, a child
	// that left its group is known only from having been seen.
	s.tree.scan()
	out := Outcome{PID: s.pid, PGID: s.pid, SignalledAt: s.o.Now()}
	if err := s.Signal(syscall.SIGTERM); err != nil {
		out.Err = fmt.Errorf("SIGTERM to group %d: %w", s.pid, err)
	}
	s.tree.signal(syscall.SIGTERM)
	progress(out)
	grace := time.NewTimer(s.o.Grace)
	defer grace.Stop()
	kill := func() {
		if out.KilledAt.IsZero() {
			out.KilledAt = s.o.Now()
			if err := s.Signal(syscall.SIGKILL); err != nil {
				out.Err = errors.Join(out.Err, fmt.Errorf("SIGKILL to group %d: %w", s.pid, err))
			}
			s.tree.signal(syscall.SIGKILL)
		}
	}
	// Until the child exits: SIGKILL when the grace period ends.
	select {
	case <-s.exited:
	case <-grace.C:
		kill()
		<-s.exited
	case <-ctx.Done():
		kill()
		<-s.exited
	}
	out.Exit = s.exit
	progress(out)
	// Then until the group is empty: the rest of the grace period, then
	// SIGKILL, then at most ConfirmWithin.
	var confirmBy <-chan time.Time
	if !out.KilledAt.IsZero() {
		confirmBy = time.After(s.o.ConfirmWithin)
	}
	probe := time.NewTicker(s.o.Probe)
	defer probe.Stop()
	cancelled := ctx.Done()
	for {
		s.reapOnce()
		// Escapees are looked for once the group is empty: each look
		// reads /proc. Until SIGKILL a look only probes (signal 0).
		sig := syscall.Signal(0)
		if !out.KilledAt.IsZero() {
			sig = syscall.SIGKILL
		}
		if s.groupGone() && s.tree.signal(sig) == 0 {
			out.ConfirmedAt = s.o.Now()
			progress(out)
			return out
		}
		select {
		case <-probe.C:
		case <-grace.C:
			kill()
			confirmBy = time.After(s.o.ConfirmWithin)
		case <-cancelled:
			cancelled = nil
			kill()
			if confirmBy == nil {
				confirmBy = time.After(s.o.ConfirmWithin)
			}
		case <-confirmBy:
			out.Err = errors.Join(out.Err, fmt.Errorf("process group %d or processes that left it still there %s after SIGKILL", s.pid, s.o.ConfirmWithin))
			progress(out)
			return out
		}
	}
}
