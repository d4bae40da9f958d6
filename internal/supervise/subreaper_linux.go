package supervise

import "syscall"

// prSetChildSubreaper is PR_SET_CHILD_SUBREAPER from <linux/prctl.h>.
const prSetChildSubreaper = 36

// becomeSubreaper makes orphaned descendants this process's children, so
// that it can reap them and see its group empty.
func becomeSubreaper() error {
	if _, _, errno := syscall.RawSyscall(syscall.SYS_PRCTL, prSetChildSubreaper, 1, 0); errno != 0 {
		return errno
	}
	return nil
}

// childAttr starts the agent in its own process group, and has the kernel
// SIGKILL it if the supervisor dies first (even by SIGKILL, which the
// supervisor cannot handle): an agent must not outlive its supervision.
// The signal is tied to the thread that started the child; the Go runtime
// keeps its threads unless a goroutine exits locked to one, which this
// package never does.
func childAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
