//go:build unix && !linux

package supervise

// becomeSubreaper is Linux-only; elsewhere orphans go to init, which reaps
// them, so the group still empties.
func becomeSubreaper() error { return nil }
