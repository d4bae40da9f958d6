package config

import (
	"fmt"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"
)

// Duration is a time.Duration written as a Go duration string ("10s",
// "1m30s") in YAML, in the environment and in overrides. A bare number is
// rejected rather than guessed at: "10" could mean seconds or nanoseconds.
type Duration struct {
	time.Duration
}

const errDurationUnit = `a duration needs a unit: write e.g. "10s", "250ms" or "1m30s", not a bare number`

// ParseDuration parses a Go duration string and rejects bare numbers,
// including "0", so that every duration in a config carries its unit.
func ParseDuration(s string) (Duration, error) {
	if isDecimal(s) {
		return Duration{}, fmt.Errorf("%s", errDurationUnit)
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return Duration{}, fmt.Errorf("not a duration: write a Go duration such as 10s, 1m30s or 250ms")
	}
	return Duration{d}, nil
}

// MarshalText renders d in the form ParseDuration accepts.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(d.String()), nil
}

// UnmarshalText implements encoding.TextUnmarshaler with ParseDuration.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// UnmarshalYAML lets goccy/go-yaml decode a Duration directly. It takes the
// node rather than text so that a YAML integer (10) is refused with the
// "needs a unit" message instead of being stringified first.
func (d *Duration) UnmarshalYAML(node ast.Node) error {
	s, problem := durationText(node)
	if problem != "" {
		return fmt.Errorf("%s", problem)
	}
	return d.UnmarshalText([]byte(s))
}

// durationText extracts the text of a duration node, or a problem.
func durationText(node ast.Node) (string, string) {
	switch n := node.(type) {
	case *ast.StringNode:
		return n.Value, ""
	case *ast.IntegerNode, *ast.FloatNode:
		_ = n
		return "", errDurationUnit
	}
	return "", "expected a duration string such as \"10s\", got " + describe(node)
}

// shortDuration drops zero trailing units so limits read "10m", not "10m0s".
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
