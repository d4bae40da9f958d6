//go:build !unix

package detecttest

import "time"

// ProcessCPU is unavailable here; callers fall back to wall time.
func ProcessCPU() time.Duration { return 0 }
