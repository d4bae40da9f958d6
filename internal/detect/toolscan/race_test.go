//go:build race

package toolscan

// raceEnabled is set when the tests run under the race detector, which
// makes the regular-expression engine many times slower; see
// TestPrefilterSound.
const raceEnabled = true
