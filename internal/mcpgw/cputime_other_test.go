//go:build !unix

package mcpgw

import "time"

// processCPU is not measured here; the benchmark then reports no CPU
// metric.
func processCPU() time.Duration { return 0 }
