//go:build unix

package detecttest

import (
	"syscall"
	"time"
)

// ProcessCPU is the CPU time (user and system) the process has used: on
// a shared machine it moves far less with other processes' load than
// wall time does, so timing ratios measured with it are stable.
func ProcessCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
