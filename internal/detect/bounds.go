package detect

import (
	"errors"
	"fmt"
)

// Detectors that scan text linearly bound one input all the same way: the
// bound is about latency and memory, not complexity. Above it a detector
// scans nothing and returns an error, so that a gate fails closed instead
// of passing unscanned data; callers with larger documents split them (for
// example per JSON leaf, which redact.JSON does).

// errNegativeInputLimit is InputLimit's error for a negative bound.
var errNegativeInputLimit = errors.New("negative max input bytes")

// InputLimit resolves a configured input bound in bytes: 0 selects def, a
// negative bound is an error (which the caller prefixes with its name).
func InputLimit(configured, def int) (int, error) {
	switch {
	case configured < 0:
		return 0, errNegativeInputLimit
	case configured == 0:
		return def, nil
	}
	return configured, nil
}

// CheckInputSize returns nil when text fits within limit bytes, and
// otherwise an error wrapping tooLarge, the detector's own sentinel, that
// gives the input's size and the limit.
func CheckInputSize(text string, limit int, tooLarge error) error {
	if len(text) > limit {
		return fmt.Errorf("%w: %d bytes, limit %d", tooLarge, len(text), limit)
	}
	return nil
}
