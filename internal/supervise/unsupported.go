//go:build !unix

// Package supervise runs agents under supervision; it needs Unix process
// groups and signals.
package supervise

import "errors"

// ErrUnsupported is returned on platforms without process groups.
var ErrUnsupported = errors.New("supervise: agentgov run needs a Unix system (process groups and signals)")
