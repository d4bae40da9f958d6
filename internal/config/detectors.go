package config

import (
	"maps"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// DetectorPolicy is what a profile says about one content detector (the
// profile key `detectors`, by detector name). Unset members take the
// built-in default of the gate; a profile's member wins over the
// default profile's, and actions and points merge key by key.
type DetectorPolicy struct {
	Enabled *bool
	// High and Medium override the detector's score thresholds, for
	// detectors that score (prompt_injection).
	High, Medium *float64
	// Actions maps a finding type, a severity or "default" to an action;
	// the most specific key wins (type, then severity, then default).
	Actions map[string]string
	// Points overrides Actions per intervention point.
	Points map[string]map[string]string
	// Canary mints a per-session canary for the system prompt
	// (prompt_injection).
	Canary *bool
	// Redaction is how findings whose action is redact are replaced:
	// mask, tag, hash or drop.
	Redaction string
}

// Detector names and the actions a finding can ask for.
var (
	DetectorNames    = []string{"prompt_injection", "pii", "secrets", "code", "supply_chain"}
	detectorActions  = []string{"allow", "record", "warn", "redact", "escalate", "deny"}
	redactions       = []string{"mask", "tag", "hash", "drop"}
	interventionKeys = []string{"agent_startup", "agent_shutdown", "input", "pre_model_call", "post_model_call", "pre_tool_call", "post_tool_call", "output"}
	severityKeys     = []string{"low", "medium", "high", "critical"}
	findingTypeKey   = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)
)

// MergeDetectors lays p over base detector by detector.
func MergeDetectors(base, p map[string]DetectorPolicy) map[string]DetectorPolicy {
	if len(p) == 0 {
		return base
	}
	out := maps.Clone(base)
	if out == nil {
		out = map[string]DetectorPolicy{}
	}
	for name, d := range p {
		b := out[name]
		mergePtr(&b.Enabled, d.Enabled)
		mergePtr(&b.High, d.High)
		mergePtr(&b.Medium, d.Medium)
		mergePtr(&b.Canary, d.Canary)
		if d.Redaction != "" {
			b.Redaction = d.Redaction
		}
		if len(d.Actions) > 0 {
			b.Actions = mergeStrings(b.Actions, d.Actions)
		}
		if len(d.Points) > 0 {
			pts := maps.Clone(b.Points)
			if pts == nil {
				pts = map[string]map[string]string{}
			}
			for pt, acts := range d.Points {
				pts[pt] = mergeStrings(pts[pt], acts)
			}
			b.Points = pts
		}
		out[name] = b
	}
	return out
}

func mergeStrings(base, p map[string]string) map[string]string {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, p)
	return out
}

// detectors decodes a profile's `detectors` mapping.
func (l *loader) detectors(path string, node ast.Node) map[string]DetectorPolicy {
	out := map[string]DetectorPolicy{}
	l.fields(path, node, DetectorNames, func(name, full string, v ast.Node) {
		var d DetectorPolicy
		l.fields(full, v, []string{"actions", "canary", "enabled", "points", "redaction", "thresholds"}, func(n, f string, v ast.Node) {
			switch n {
			case "enabled":
				if b, ok := l.bool(f, v); ok {
					d.Enabled = ptr(b)
				}
			case "canary":
				if b, ok := l.bool(f, v); ok {
					d.Canary = ptr(b)
				}
			case "redaction":
				d.Redaction, _ = l.str(f, v)
			case "thresholds":
				l.fields(f, v, []string{"high", "medium"}, func(n, ff string, v ast.Node) {
					if x, ok := l.float(ff, v); ok {
						if n == "high" {
							d.High = ptr(x)
						} else {
							d.Medium = ptr(x)
						}
					}
				})
			case "actions":
				d.Actions = l.strMap(f, v)
			case "points":
				d.Points = map[string]map[string]string{}
				l.members(f, v, func(pt string, k, pv ast.Node) {
					pp := memberPath(f, pt)
					l.prov[pp] = l.fileOrigin(k)
					d.Points[pt] = l.strMap(pp, pv)
				})
			}
		})
		out[name] = d
	})
	return out
}

// strMap decodes a mapping of strings to strings.
func (l *loader) strMap(path string, node ast.Node) map[string]string {
	out := map[string]string{}
	l.members(path, node, func(k string, kn, v ast.Node) {
		p := memberPath(path, k)
		l.prov[p] = l.fileOrigin(v)
		if s, ok := l.str(p, v); ok {
			out[k] = s
		}
	})
	return out
}

// checkDetectors validates a profile's detector policies.
func checkDetectors(path string, ds map[string]DetectorPolicy, add func(field, format string, args ...any)) {
	for name, d := range ds {
		dp := path + ".detectors." + name
		unit := func(field string, v *float64) {
			if v != nil && (*v <= 0 || *v > 1 || math.IsNaN(*v)) {
				add(dp+".thresholds."+field, "must be in (0, 1]")
			}
		}
		unit("high", d.High)
		unit("medium", d.Medium)
		if d.High != nil && d.Medium != nil && *d.Medium > *d.High {
			add(dp+".thresholds.medium", "must not exceed thresholds.high")
		}
		if d.Redaction != "" && !slices.Contains(redactions, d.Redaction) {
			add(dp+".redaction", "must be one of %s", strings.Join(redactions, ", "))
		}
		checkActions(dp+".actions", d.Actions, add)
		for pt, acts := range d.Points {
			pp := memberPath(dp+".points", pt)
			if !slices.Contains(interventionKeys, pt) {
				add(pp, "is not an intervention point; want one of %s", strings.Join(interventionKeys, ", "))
			}
			checkActions(pp, acts, add)
		}
	}
}

func checkActions(path string, acts map[string]string, add func(field, format string, args ...any)) {
	for k, a := range acts {
		kp := memberPath(path, k)
		if k != "default" && !slices.Contains(severityKeys, k) && !findingTypeKey.MatchString(k) {
			add(kp, "a key is a severity (%s), a finding type in upper case, or default", strings.Join(severityKeys, ", "))
		}
		if !slices.Contains(detectorActions, a) {
			add(kp, "must be one of %s, not %q", strings.Join(detectorActions, ", "), a)
		}
	}
}
