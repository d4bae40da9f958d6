//go:build !race

package toolscan

const raceEnabled = false
