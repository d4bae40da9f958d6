package config

import "time"

// Bounds of audit.key_rotation (when not 0). An hour keeps a typo such as
// "90s" from rotating the log key all day; five years is past any
// reasonable key lifetime.
const (
	minKeyRotation = time.Hour
	maxKeyRotation = 5 * 365 * 24 * time.Hour
)
