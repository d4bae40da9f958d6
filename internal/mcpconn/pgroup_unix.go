//go:build unix

package mcpconn

import (
	"os/exec"
	"syscall"
)

// ownGroup starts the server in a process group of its own, so that
// killGroup reaches everything it spawned (npx, uvx and shells fork).
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// killGroup kills the process group led by pid.
func killGroup(pid int) {
	_ = syscall.Kill(-pid, syscall.SIGKILL)
}
