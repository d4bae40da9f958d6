package gate

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// CodeDetector runs a code-safety detector over the code a tool call is
// about to run or write. A catalogued tool is a code tool when its labels
// include "code" or "code:<language>"; the language is the label's, or
// the call's `language` (or `lang`) argument. The code is every string
// argument named code, script, source, program, command, cmd, query or
// sql. A code tool whose language cannot be told is denied: code that
// cannot be inspected does not run.
type CodeDetector struct {
	// Key is the detector's key under the profile's detectors (code).
	Key string
	D   detect.Detector
}

// codeArgs are the argument names that hold code.
var codeArgs = []string{"code", "script", "source", "program", "command", "cmd", "query", "sql"}

// Name implements Detector.
func (c CodeDetector) Name() string { return c.Key }

// codeLanguage reports whether tool is a code tool and the language its
// label fixes ("" when the call must say).
func codeLanguage(t *Tool) (bool, string) {
	if t == nil {
		return false, ""
	}
	for _, l := range t.Labels {
		if l == "code" {
			return true, ""
		}
		if lang, ok := strings.CutPrefix(l, "code:"); ok {
			return true, lang
		}
	}
	return false, ""
}

// Inspect implements Detector.
func (c CodeDetector) Inspect(ctx context.Context, in *Inspection) ([]Finding, error) {
	pol := in.Profile.Content[c.Key]
	if pol == nil || !pol.Enabled || in.Point != PreToolCall {
		return nil, nil
	}
	isCode, lang := codeLanguage(in.ToolInfo)
	if !isCode {
		return nil, nil
	}
	args, _ := in.Value.(map[string]any)
	if lang == "" {
		for _, k := range []string{"language", "lang"} {
			if s, ok := args[k].(string); ok && s != "" {
				lang = strings.ToLower(s)
				break
			}
		}
	}
	var out []Finding
	for _, name := range slices.Sorted(maps.Keys(args)) {
		text, ok := args[name].(string)
		if !ok || text == "" || !slices.Contains(codeArgs, strings.ToLower(name)) {
			continue
		}
		if lang == "" {
			return []Finding{{Detector: c.Key, Type: "LANGUAGE_UNKNOWN", Path: jsonpointer.Append("", name), Severity: string(detect.High), Action: Deny,
				Detail: "a code tool was called without a language (label code:<language> or argument language)"}}, nil
		}
		res, err := c.D.Detect(ctx, detect.Input{Text: text, Language: lang, Source: detect.SourceModel})
		if err != nil {
			return nil, err
		}
		for _, f := range res.Findings {
			sev := pol.grade(f)
			act := pol.action(in.Point, f.Type, sev)
			if act == Allow {
				continue
			}
			out = append(out, Finding{Detector: c.Key, Type: f.Type, Path: jsonpointer.Append("", name), Start: f.Start, End: f.End,
				Severity: string(sev), Action: act, Detail: f.Detail})
		}
	}
	return out, nil
}
