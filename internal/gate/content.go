package gate

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// ContentPolicy is a profile's compiled policy for one content detector.
type ContentPolicy struct {
	Enabled bool
	// High and Medium re-grade the detector's findings by score; zero
	// keeps the detector's own grading.
	High, Medium float64
	Actions      map[string]string
	Points       map[string]map[string]string
	Canary       bool
	// Redaction is the strategy for findings whose action is redact.
	Redaction redact.Strategy
}

// BuiltinDetectorPolicies is what a profile gets for a content detector
// it says nothing about:
//   - prompt injection: block high and critical findings, record medium
//     ones, plant a session canary;
//   - personal data: redact it where it leaves (model responses and the
//     final output), record it elsewhere;
//   - secrets: block them in outbound tool arguments, redact them
//     everywhere else, so that a credential neither leaves through a tool
//     nor reaches the model, the user or the logs;
//   - code: block high and critical findings in the code a code tool is
//     about to run, record medium ones;
//   - supply chain: block deny-listed, look-alike, too-new and unknown
//     packages and scripts piped from a download; warn on unpinned
//     versions and other package indexes.
func BuiltinDetectorPolicies() map[string]config.DetectorPolicy {
	on := true
	return map[string]config.DetectorPolicy{
		"prompt_injection": {Enabled: &on, Canary: &on,
			Actions: map[string]string{"critical": Deny, "high": Deny, "medium": Record, "low": Allow}},
		"pii": {Enabled: &on, Redaction: string(redact.Tag),
			Actions: map[string]string{"default": Record},
			Points: map[string]map[string]string{
				PostModelCall: {"default": Redact},
				Output:        {"default": Redact},
			}},
		"code": {Enabled: &on,
			Actions: map[string]string{"critical": Deny, "high": Deny, "medium": Record, "low": Allow}},
		"supply_chain": {Enabled: &on,
			Actions: map[string]string{"critical": Deny, "high": Deny, "medium": Warn, "low": Record}},
		"secrets": {Enabled: &on, Redaction: string(redact.Tag),
			Actions: map[string]string{"default": Redact},
			Points:  map[string]map[string]string{PreToolCall: {"default": Deny}}},
	}
}

// Finding actions beyond the verdicts: record keeps the finding in the
// audit entry without changing the decision; redact replaces the span
// (the decision becomes transform).
const (
	Record = "record"
	Redact = "redact"
)

func compileContent(ds map[string]config.DetectorPolicy) map[string]*ContentPolicy {
	ds = config.MergeDetectors(BuiltinDetectorPolicies(), ds)
	out := make(map[string]*ContentPolicy, len(ds))
	for name, d := range ds {
		p := &ContentPolicy{Actions: d.Actions, Points: d.Points, Redaction: redact.Strategy(d.Redaction)}
		if p.Redaction == "" {
			p.Redaction = redact.Tag
		}
		if d.Enabled != nil {
			p.Enabled = *d.Enabled
		}
		if d.Canary != nil {
			p.Canary = *d.Canary
		}
		if d.High != nil {
			p.High = *d.High
		}
		if d.Medium != nil {
			p.Medium = *d.Medium
		}
		if p.High > 0 && p.Medium == 0 {
			p.Medium = p.High
		}
		out[name] = p
	}
	return out
}

// action is what a finding of type typ and severity sev asks for at
// point: the most specific key wins (type, then severity, then default),
// and the point's own table before the detector's.
func (p *ContentPolicy) action(point, typ string, sev detect.Severity) string {
	for _, table := range []map[string]string{p.Points[point], p.Actions} {
		for _, k := range []string{typ, string(sev), "default"} {
			if a, ok := table[k]; ok {
				return a
			}
		}
	}
	if sev.Rank() >= detect.High.Rank() {
		return Deny
	}
	return Record
}

// grade re-grades a finding by its score with the profile's thresholds.
// Critical findings (a leaked canary) stay critical.
func (p *ContentPolicy) grade(f detect.Finding) detect.Severity {
	if p.High <= 0 || f.Severity == detect.Critical {
		return f.Severity
	}
	switch {
	case f.Score >= p.High:
		return detect.High
	case f.Score >= p.Medium:
		return detect.Medium
	}
	return detect.Low
}

// Bounds on the text a content detector is handed per check.
const (
	maxContentLeaves = 10000
	maxContentBytes  = 16 << 20
	maxContentDepth  = 64
)

var errContentTooLarge = errors.New("the content to inspect exceeds the gate's bounds")

// ContentDetector runs a text detector over every string in the value
// under inspection, with the provenance of each string as its source:
// the profile's `detectors.<Key>` says what each finding does.
type ContentDetector struct {
	// Key is the detector's name in profiles, e.g. prompt_injection.
	Key string
	D   detect.Detector
}

// Name implements Detector.
func (c ContentDetector) Name() string { return c.Key }

// Inspect implements Detector.
func (c ContentDetector) Inspect(ctx context.Context, in *Inspection) ([]Finding, error) {
	pol := in.Profile.Content[c.Key]
	if pol == nil || !pol.Enabled || in.Point == AgentStartup || in.Point == AgentShutdown || in.Value == nil {
		return nil, nil
	}
	var canaries []string
	switch in.Point {
	case PostModelCall, Output, PreToolCall:
		canaries = in.Canaries
	}
	var out []Finding
	w := leafWalker{fn: func(path, text string, src detect.Source) error {
		res, err := c.D.Detect(ctx, detect.Input{Text: text, Source: src, Canaries: canaries})
		if err != nil {
			return err
		}
		for _, f := range res.Findings {
			sev := pol.grade(f)
			act := pol.action(in.Point, f.Type, sev)
			if act == Allow {
				continue
			}
			out = append(out, Finding{Detector: c.Key, Type: f.Type, Path: path, Start: f.Start, End: f.End,
				Severity: string(sev), Action: act, Detail: f.Detail})
		}
		return nil
	}}
	if err := w.walk(in.Value, "", sourceOf(in), 0); err != nil {
		return nil, err
	}
	return out, nil
}

// sourceOf is the provenance of the value inspected at a point. Instructions
// inside data are the mark of indirect injection, so tool results and
// memory are weighed as data; tool arguments are written by the model.
func sourceOf(in *Inspection) detect.Source {
	memory := in.Tool == "memory.write" || in.Tool == "memory.read" || (in.ToolInfo != nil && slices.Contains(in.ToolInfo.Labels, "memory"))
	switch in.Point {
	case PreToolCall:
		if memory {
			return detect.SourceMemory
		}
		return detect.SourceModel
	case PostToolCall:
		if memory {
			return detect.SourceMemory
		}
		return detect.SourceToolResult
	case PostModelCall, Output:
		return detect.SourceModel
	}
	return detect.SourceUser
}

func (w *leafWalker) leaf(path, text string, src detect.Source) error {
	w.leaves++
	w.bytes += len(text)
	if w.leaves > maxContentLeaves || w.bytes > maxContentBytes {
		return fmt.Errorf("%w: more than %d strings or %d bytes", errContentTooLarge, maxContentLeaves, maxContentBytes)
	}
	if text == "" {
		return nil
	}
	return w.fn(path, text, src)
}

// leafWalker visits the strings of a JSON value in a fixed order (object
// members sorted), so that findings and reasons are deterministic.
type leafWalker struct {
	fn            func(path, text string, src detect.Source) error
	leaves, bytes int
}

func (w *leafWalker) walk(v any, path string, src detect.Source, depth int) error {
	if depth > maxContentDepth {
		return fmt.Errorf("%w: nested deeper than %d", errContentTooLarge, maxContentDepth)
	}
	switch x := v.(type) {
	case string:
		return w.leaf(path, x, src)
	case json.Number:
		// A card or phone number may arrive as a JSON number.
		return w.leaf(path, string(x), src)
	case float64:
		return w.leaf(path, strconv.FormatFloat(x, 'f', -1, 64), src)
	case int64:
		return w.leaf(path, strconv.FormatInt(x, 10), src)
	case []any:
		for i, e := range x {
			if err := w.walk(e, path+"/"+strconv.Itoa(i), src, depth+1); err != nil {
				return err
			}
		}
	case map[string]any:
		// A chat message carries its own provenance: what a tool returned
		// is data even inside a model request; the operator's system
		// prompt is not inspected as an attack.
		if role, ok := x["role"].(string); ok {
			switch role {
			case "system", "developer":
				return nil
			case "tool", "function":
				src = detect.SourceToolResult
			case "assistant", "model":
				src = detect.SourceModel
			case "user":
				src = detect.SourceUser
			}
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if err := w.walk(x[k], jsonpointer.Append(path, k), src, depth+1); err != nil {
				return err
			}
		}
	}
	return nil
}
