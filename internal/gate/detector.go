package gate

import (
	"context"
	"fmt"

	"github.com/agentgov/agentgov/internal/egress"
)

// Finding is something a detector found in a check.
type Finding struct {
	Detector string `json:"detector"`
	Type     string `json:"type"`
	// Path is a JSON Pointer into the inspected value; Start and End are
	// byte offsets into the string at Path, when the finding has a span.
	Path     string `json:"path,omitempty"`
	Start    int    `json:"start,omitempty"`
	End      int    `json:"end,omitempty"`
	Severity string `json:"severity"`
	// Action is what the finding asks for: deny, escalate, redact, warn or
	// record.
	Action string `json:"action"`
	Detail string `json:"detail,omitempty"`
}

// Inspection is what a detector sees of one check.
type Inspection struct {
	Agent, Session, Point, Tool string
	Profile                     *Profile
	// Value is the value under inspection at this point: tool arguments
	// at pre_tool_call, the tool result at post_tool_call, the model
	// request or response, the input or the output.
	Value any
	// ToolInfo is the catalogued tool of a tool call (nil otherwise).
	ToolInfo *Tool
	// Canaries are the session's canary tokens, which must not appear in
	// what the agent sends or says.
	Canaries []string
	// Snapshot is the caller's snapshot as sent. Its agent members are
	// claims, not identity: the authenticated agent is Agent.
	Snapshot map[string]any
}

// Detector is a gate stage that inspects a check and reports findings. It
// must be safe for concurrent use; an error or a panic denies the check.
type Detector interface {
	Name() string
	Inspect(ctx context.Context, in *Inspection) ([]Finding, error)
}

// PatternDetector applies the profile's blocked patterns to tool arguments.
type PatternDetector struct{}

// Name implements Detector.
func (PatternDetector) Name() string { return "blocked_patterns" }

// Inspect implements Detector.
func (PatternDetector) Inspect(_ context.Context, in *Inspection) ([]Finding, error) {
	if in.Point != PreToolCall || in.Profile.Patterns == nil {
		return nil, nil
	}
	hits, err := in.Profile.Patterns.Find(in.Value)
	if err != nil {
		return nil, err
	}
	out := make([]Finding, 0, len(hits))
	for _, h := range hits {
		p := in.Profile.Patterns.Pattern(h.Pattern)
		out = append(out, Finding{Detector: "blocked_patterns", Type: "BLOCKED_PATTERN", Path: h.Path, Severity: "high", Action: Deny,
			Detail: fmt.Sprintf("argument matches blocked %s pattern #%d (%s form)", p.Kind, h.Pattern, h.Form)})
	}
	return out, nil
}

// EgressDetector applies the profile's egress rules to the destinations in
// tool arguments.
type EgressDetector struct{}

// Name implements Detector.
func (EgressDetector) Name() string { return "egress" }

// Inspect implements Detector.
func (EgressDetector) Inspect(_ context.Context, in *Inspection) ([]Finding, error) {
	if in.Point != PreToolCall || in.Profile.Egress == nil {
		return nil, nil
	}
	targets, errs := egress.Targets(in.Value)
	var out []Finding
	for _, err := range errs {
		// An argument named like a destination that cannot be read as
		// one is not let through on the benefit of the doubt.
		out = append(out, Finding{Detector: "egress", Type: "UNREADABLE_DESTINATION", Severity: "high", Action: Deny, Detail: err.Error()})
	}
	for _, t := range targets {
		d := in.Profile.Egress.Decide(t.Destination)
		if d.Action == egress.Deny {
			detail := "destination " + t.Destination.String() + " is denied by the default"
			if d.Rule != "" {
				detail = "destination " + t.Destination.String() + " is denied by rule " + d.Rule
			}
			out = append(out, Finding{Detector: "egress", Type: "EGRESS_DENIED", Path: t.Path, Severity: "high", Action: Deny, Detail: detail})
		}
	}
	return out, nil
}

// safeInspect runs a detector, turning a panic into an error.
func safeInspect(ctx context.Context, d Detector, in *Inspection) (fs []Finding, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("detector %s panicked: %v", d.Name(), r)
		}
	}()
	return d.Inspect(ctx, in)
}
