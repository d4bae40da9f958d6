package saga

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// Bounds of a definition. They keep a checkpoint, a request to a step and
// an audit payload small whatever a caller sends.
const (
	MaxSteps          = 32
	MaxNameLen        = 64
	MaxIDLen          = 256
	MaxURLLen         = 2048
	MaxInputBytes     = 64 << 10
	MaxDefinitionSize = 256 << 10
	MaxStepAttempts   = 10
	MinStepTimeout    = 100 * time.Millisecond
	MaxStepTimeout    = time.Hour
	MinSagaTimeout    = time.Second
	MaxSagaTimeout    = 7 * 24 * time.Hour
)

// Definition is an HTTP saga as POST /v1/sagas receives it:
//
//	{"agent": "billing-bot", "substitute": "billing-standby", "timeout": "10m",
//	 "input": {...},
//	 "steps": [{"name": "reserve", "url": "https://inv.example/reserve",
//	            "compensation_url": "https://inv.example/release", "timeout": "30s"}]}
//
// Every step and every compensation is a POST of a Request.
type Definition = api.SagaDefinition

// StepDef is one HTTP step.
type StepDef = api.SagaStepDef

// FieldError is a definition that cannot be accepted; Field names the
// member at fault ("steps[1].url").
type FieldError struct {
	Field, Problem string
}

func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

func bad(field, format string, args ...any) error {
	return &FieldError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// DecodeDefinition reads a definition strictly (no unknown or duplicate
// members, bounded size and nesting) and validates it.
func DecodeDefinition(raw []byte) (*Definition, error) {
	if len(raw) > MaxDefinitionSize {
		return nil, bad("", "the definition exceeds %d bytes", MaxDefinitionSize)
	}
	if err := strictjson.Vet(raw, MaxDefinitionSize); err != nil {
		return nil, fromStrict(err)
	}
	var d Definition
	if err := strictjson.Decode(raw, &d, false, ""); err != nil {
		return nil, fromStrict(err)
	}
	if err := Validate(&d); err != nil {
		return nil, err
	}
	return &d, nil
}

func fromStrict(err error) error {
	if se, ok := err.(*strictjson.Error); ok {
		return &FieldError{Field: se.Field, Problem: se.Problem}
	}
	return &FieldError{Problem: err.Error()}
}

// Validate checks every rule of a definition.
func Validate(d *Definition) error {
	if err := checkID("agent", d.Agent, true); err != nil {
		return err
	}
	if err := checkID("substitute", d.Substitute, false); err != nil {
		return err
	}
	if d.Substitute != "" && d.Substitute == d.Agent {
		return bad("substitute", "must differ from agent")
	}
	if err := checkID("session", d.Session, false); err != nil {
		return err
	}
	if _, err := parseDuration("timeout", d.Timeout, MinSagaTimeout, MaxSagaTimeout); err != nil {
		return err
	}
	if len(d.Input) > MaxInputBytes {
		return bad("input", "exceeds %d bytes", MaxInputBytes)
	}
	if t := bytes.TrimSpace(d.Input); len(t) > 0 && !json.Valid(t) {
		return bad("input", "is not valid JSON")
	}
	if len(d.Steps) == 0 {
		return bad("steps", "at least one step is required")
	}
	if len(d.Steps) > MaxSteps {
		return bad("steps", "at most %d steps are allowed, got %d", MaxSteps, len(d.Steps))
	}
	seen := map[string]int{}
	for i, s := range d.Steps {
		p := fmt.Sprintf("steps[%d].", i)
		if err := checkName(p+"name", s.Name); err != nil {
			return err
		}
		if j, dup := seen[s.Name]; dup {
			return bad(p+"name", "duplicates the name of steps[%d]", j)
		}
		seen[s.Name] = i
		if s.Tool != "" {
			if err := checkID(p+"tool", s.Tool, true); err != nil {
				return err
			}
		}
		if err := CheckURL(p+"url", s.URL); err != nil {
			return err
		}
		if err := CheckURL(p+"compensation_url", s.CompensationURL); err != nil {
			return err
		}
		if _, err := parseDuration(p+"timeout", s.Timeout, MinStepTimeout, MaxStepTimeout); err != nil {
			return err
		}
		if s.MaxAttempts < 0 || s.MaxAttempts > MaxStepAttempts {
			return bad(p+"max_attempts", "must be between 1 and %d", MaxStepAttempts)
		}
	}
	return nil
}

func checkID(field, v string, required bool) error {
	switch {
	case v == "" && required:
		return bad(field, "is required")
	case len(v) > MaxIDLen:
		return bad(field, "is longer than %d bytes", MaxIDLen)
	}
	for _, r := range v {
		if r < 0x21 || r == 0x7f {
			return bad(field, "must not contain spaces or control characters")
		}
	}
	return nil
}

// checkName admits step names that are safe in a path, a header and a log
// line: letters, digits, '.', '_' and '-'.
func checkName(field, v string) error {
	if v == "" {
		return bad(field, "is required")
	}
	if len(v) > MaxNameLen {
		return bad(field, "is longer than %d bytes", MaxNameLen)
	}
	for _, r := range v {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-'
		if !ok {
			return bad(field, "may contain only letters, digits, '.', '_' and '-'")
		}
	}
	return nil
}

// parseDuration reads an optional duration within [lo, hi]; "" is 0.
func parseDuration(field, v string, lo, hi time.Duration) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, bad(field, "is not a duration like 30s or 10m")
	}
	if d < lo || d > hi {
		return 0, bad(field, "must be between %s and %s", lo, hi)
	}
	return d, nil
}

// CheckURL accepts the URLs a step may be posted to: https anywhere, plain
// http only to a loopback host (a sidecar on the same machine), never with
// credentials or a fragment.
func CheckURL(field, raw string) error {
	if raw == "" {
		return bad(field, "is required")
	}
	if len(raw) > MaxURLLen {
		return bad(field, "is longer than %d bytes", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return bad(field, "must be an absolute http(s) URL")
	}
	if u.User != nil {
		return bad(field, "must not carry credentials")
	}
	if u.Fragment != "" || strings.Contains(raw, "#") {
		return bad(field, "must not have a fragment")
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return bad(field, "plain http is allowed only to a loopback host; use https")
		}
	default:
		return bad(field, "must be an https URL (or http to loopback)")
	}
	return nil
}

func loopbackHost(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(h)
	return err == nil && ip.Unmap().IsLoopback()
}
