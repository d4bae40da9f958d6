//go:build unix && !linux

package supervise

import "syscall"

// becomeSubreaper is Linux-only; elsewhere orphans go to init, which reaps
// them, so the group still empties.
func becomeSubreaper() error { return nil }

// childAttr starts the agent in its own process group. Outside Linux there
// is no parent-death signal: an agent whose supervisor is SIGKILLed lives
// on.
func childAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
