package supervise

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strconv"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// A process that leaves the agent's process group (setsid, setpgid — the
// usual daemonising double fork) no longer receives group signals. On
// Linux the supervisor keeps track of the agent's whole tree in /proc and
// signals such escapees one by one. A process is in the tree if it is the
// agent, carries the supervision token in its environment (inherited
// unless a process clears it), has a parent in the tree, or was seen in
// the tree before (a process keeps its membership when its parent exits
// and it is reparented). Processes are told apart by pid and start time,
// so a reused pid is never taken for a member.

// maxEnviron bounds what is read of one process's environment.
const maxEnviron = 1 << 20

// proc is one process as /proc shows it.
type proc struct {
	pid, ppid, pgid int
	start           uint64 // clock ticks after boot
	// zombie: exited, waiting for its parent to reap it; nothing more
	// can be done to it by signals.
	zombie bool
	// orphanable: its parent is in the tree or is the supervisor, so it
	// ends up the supervisor's to reap.
	orphanable bool
}

// parseStat reads pid, state, ppid, pgid and start time from the text of
// /proc/PID/stat: "pid (comm) state ppid pgrp ... starttime ...". comm
// may itself hold spaces and parentheses, so fields are counted from the
// last ')'.
func parseStat(b []byte) (proc, bool) {
	open := bytes.IndexByte(b, '(')
	end := bytes.LastIndexByte(b, ')')
	if open < 1 || end < open {
		return proc{}, false
	}
	pid, err := strconv.Atoi(string(bytes.TrimSpace(b[:open])))
	if err != nil || pid <= 0 {
		return proc{}, false
	}
	// After comm: state(3) ppid(4) pgrp(5) ... starttime(22).
	f := bytes.Fields(b[end+1:])
	if len(f) < 20 {
		return proc{}, false
	}
	ppid, err1 := strconv.Atoi(string(f[1]))
	pgid, err2 := strconv.Atoi(string(f[2]))
	start, err3 := strconv.ParseUint(string(f[19]), 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || ppid < 0 || pgid < 0 {
		return proc{}, false
	}
	return proc{pid: pid, ppid: ppid, pgid: pgid, start: start, zombie: string(f[0]) == "Z"}, true
}

// hasToken reports whether the NUL-separated environment env holds the
// entry token exactly.
func hasToken(env []byte, token string) bool {
	for len(env) > 0 {
		entry := env
		if i := bytes.IndexByte(env, 0); i >= 0 {
			entry, env = env[:i], env[i+1:]
		} else {
			env = nil
		}
		if string(entry) == token {
			return true
		}
	}
	return false
}

// readBounded reads at most limit bytes of a /proc file.
func readBounded(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, limit))
}

func readProc(pid int) (proc, bool) {
	b, err := readBounded("/proc/"+strconv.Itoa(pid)+"/stat", 4096)
	if err != nil {
		return proc{}, false
	}
	return parseStat(b)
}

// tree is the agent's process tree as last seen.
type tree struct {
	root  int
	token string
	self  int
	mu    sync.Mutex
	known map[int]uint64 // member pid → start time
}

func newTree(root int, token string) *tree {
	t := &tree{root: root, token: token, self: os.Getpid(), known: map[int]uint64{}}
	if p, ok := readProc(root); ok {
		t.known[root] = p.start
	}
	return t
}

// scan refreshes the membership and returns the members outside the
// agent's process group, zombies included.
func (t *tree) scan() []proc {
	ents, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var procs []proc
	member := map[int]bool{}
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == t.self {
			continue
		}
		p, ok := readProc(pid)
		if !ok {
			continue // gone, or not ours to read
		}
		procs = append(procs, p)
		if start, ok := t.known[pid]; ok && start == p.start {
			member[pid] = true
		} else if env, err := readBounded("/proc/"+e.Name()+"/environ", maxEnviron); err == nil && hasToken(env, t.token) {
			member[pid] = true
		}
	}
	// Descendants of members are members, however many generations.
	for grew := true; grew; {
		grew = false
		for _, p := range procs {
			if !member[p.pid] && member[p.ppid] {
				member[p.pid], grew = true, true
			}
		}
	}
	clear(t.known)
	var out []proc
	for _, p := range procs {
		if !member[p.pid] {
			continue
		}
		t.known[p.pid] = p.start
		if p.pgid != t.root {
			p.orphanable = member[p.ppid] || p.ppid == t.self
			out = append(out, p)
		}
	}
	return out
}

// isKnown reports whether pid is the member last seen with start time
// start.
func (t *tree) isKnown(pid int, start uint64) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.known[pid]
	return ok && s == start
}

// signal sends sig to every live escapee (signal 0 only probes) and reaps
// the exited ones that are the supervisor's own children (orphans
// reparented to the subreaper); it returns how many escapees remain: live
// ones, and exited ones still to be reaped. Each process is signalled
// through a pidfd, after checking that the pidfd's process is the member
// that was seen, so a pid reused in between is never signalled.
func (t *tree) signal(sig syscall.Signal) (remaining int) {
	for _, p := range t.scan() {
		if p.zombie {
			if p.ppid == t.self {
				var ws syscall.WaitStatus
				if got, _ := syscall.Wait4(p.pid, &ws, syscall.WNOHANG, nil); got == p.pid {
					continue
				}
			}
			if p.orphanable {
				remaining++
			}
			continue
		}
		fd, err := unix.PidfdOpen(p.pid, 0)
		if err != nil {
			continue // gone already
		}
		if now, ok := readProc(p.pid); ok && t.isKnown(p.pid, now.start) {
			if err := unix.PidfdSendSignal(fd, sig, nil, 0); err == nil || !errors.Is(err, syscall.ESRCH) {
				remaining++
			}
		}
		unix.Close(fd)
	}
	return remaining
}
