package gate

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// newRedactors builds one redactor per strategy; hash only with a key.
func newRedactors(key []byte) (map[redact.Strategy]*redact.Redactor, error) {
	out := map[redact.Strategy]*redact.Redactor{}
	for _, s := range []redact.Strategy{redact.Mask, redact.Tag, redact.Drop, redact.Hash} {
		if s == redact.Hash && len(key) == 0 {
			continue
		}
		r, err := redact.New(redact.Options{Strategy: s, Key: key})
		if err != nil {
			return nil, fmt.Errorf("gate: %w", err)
		}
		out[s] = r
	}
	return out, nil
}

// protection orders strategies by how little of the value survives, so
// that a string two detectors redact differently gets the stronger one.
func protection(s redact.Strategy) int {
	switch s {
	case redact.Drop:
		return 4
	case redact.Mask:
		return 3
	case redact.Tag:
		return 2
	}
	return 1 // hash: a pseudonym, joinable under the key
}

var errNoRedactor = errors.New("the profile's redaction strategy is not available (hash needs a pseudonymisation key)")

// redact returns a copy of base with every redact finding replaced. When
// base is not the value the detectors saw (an ACS transform rewrote it),
// the content detectors run again on base, so that spans fit.
func (c *check) redact(base any, rewritten bool) (any, error) {
	fs := c.findings
	if rewritten {
		var err error
		if fs, err = c.inspectContent(base); err != nil {
			return nil, err
		}
	}
	byPath := map[string][]Finding{}
	for _, f := range fs {
		if f.Action == Redact {
			byPath[f.Path] = append(byPath[f.Path], f)
		}
	}
	if len(byPath) == 0 {
		return base, nil
	}
	return c.redactValue(base, "", byPath, 0)
}

// inspectContent runs the content detectors over v as the value of this
// check.
func (c *check) inspectContent(v any) ([]Finding, error) {
	in := &Inspection{Agent: c.req.Agent, Session: c.req.Session, Point: c.req.Point, Tool: c.toolName,
		Profile: c.prof, Value: v, Snapshot: c.req.Snapshot, ToolInfo: c.tool}
	var out []Finding
	for _, d := range c.g.detectors {
		cd, ok := d.(ContentDetector)
		if !ok {
			continue
		}
		fs, err := safeInspect(c.ctx, cd, in)
		if err != nil {
			return nil, err
		}
		out = append(out, fs...)
	}
	return out, nil
}

func (c *check) redactValue(v any, path string, byPath map[string][]Finding, depth int) (any, error) {
	if depth > maxContentDepth {
		return nil, errContentTooLarge
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			r, err := c.redactValue(e, jsonpointer.Append(path, k), byPath, depth+1)
			if err != nil {
				return nil, err
			}
			out[k] = r
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			r, err := c.redactValue(e, path+"/"+strconv.Itoa(i), byPath, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = r
		}
		return out, nil
	case string:
		return c.redactLeaf(x, byPath[path])
	case json.Number:
		// A redacted number becomes a string: privacy before schema.
		if fs := byPath[path]; len(fs) > 0 {
			return c.redactLeaf(string(x), fs)
		}
	case float64:
		if fs := byPath[path]; len(fs) > 0 {
			return c.redactLeaf(strconv.FormatFloat(x, 'f', -1, 64), fs)
		}
	case int64:
		if fs := byPath[path]; len(fs) > 0 {
			return c.redactLeaf(strconv.FormatInt(x, 10), fs)
		}
	}
	return v, nil
}

func (c *check) redactLeaf(text string, fs []Finding) (any, error) {
	if len(fs) == 0 {
		return text, nil
	}
	strategy := redact.Hash
	spans := make([]detect.Finding, len(fs))
	for i, f := range fs {
		if pol := c.prof.Content[f.Detector]; pol != nil && protection(pol.Redaction) > protection(strategy) {
			strategy = pol.Redaction
		}
		spans[i] = detect.Finding{Type: f.Type, Start: f.Start, End: f.End, Severity: detect.Severity(f.Severity)}
	}
	r := c.g.redactors[strategy]
	if r == nil {
		return nil, errNoRedactor
	}
	return r.Redact(text, spans)
}
