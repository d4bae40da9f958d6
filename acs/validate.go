package acs

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/acs/internal/jsonv"
	"github.com/agentgov/agentgov/acs/internal/pin"
)

// Semantic validation of a merged manifest (§2.3–2.8, §3.4, §4, §9.3,
// §10.1, §12.1–12.2, §24). It is deliberately not a JSON Schema run: the
// public conformance cases rely on tool entries the schema would reject
// (§2.6), so members the runtime never interprets stay unconstrained.

// acceptedVersions are the manifest versions this runtime evaluates: its
// own and the previous release the reference runtime still accepts. An
// "-agt" or "-agt+<rev>" suffix (AGT-MANIFEST-1.0 §2) is stripped first.
var acceptedVersions = [...]string{Version, "0.3.0-alpha"}

func versionAccepted(v string) bool {
	base := v
	if i := strings.Index(v, "-agt"); i >= 0 {
		suffix := v[i+len("-agt"):]
		if suffix != "" && (!strings.HasPrefix(suffix, "+") || !validRevision(suffix[1:])) {
			return false
		}
		base = v[:i]
	}
	return slices.Contains(acceptedVersions[:], base)
}

func validRevision(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

var topLevelMembers = map[string]bool{
	"agent_control_specification_version": true, "metadata": true, "extends": true, "policies": true,
	"intervention_points": true, "tools": true, "annotators": true, "approval": true,
}

var pointMembers = map[string]bool{
	"policy_target": true, "policy_target_kind": true, "tool_name_from": true, "annotations": true, "policy": true,
}

var cedarDefinitionFields = []string{"policy_set", "policy_path", "entities_path", "schema_path"}

var annotatorTypes = map[string]bool{"classifier": true, "llm": true, "endpoint": true}

// validator collects every problem of a manifest, so that `acs validate`
// can report them all at once; New fails on the first.
type validator struct {
	doc      *Document
	problems []Problem
}

func (v *validator) add(p, format string, args ...any) {
	v.addReason(ReasonManifestInvalid, p, format, args...)
}

func (v *validator) addReason(reason, p, format string, args ...any) {
	v.problems = append(v.problems, Problem{File: v.origin(p), Path: p, Reason: reason, Message: fmt.Sprintf(format, args...)})
}

// origin finds the file that declared the entry at JSON path p.
func (v *validator) origin(p string) string {
	best, bestLen := v.doc.Name, -1
	for prefix, file := range v.doc.Origins {
		if (p == prefix || strings.HasPrefix(p, prefix+".")) && len(prefix) > bestLen {
			best, bestLen = file, len(prefix)
		}
	}
	return best
}

func (v *validator) err() *Error {
	if len(v.problems) == 0 {
		return nil
	}
	first := v.problems[0]
	msg := first.String()
	if n := len(v.problems) - 1; n > 0 {
		msg += fmt.Sprintf(" (and %d more problem(s))", n)
	}
	return &Error{Reason: first.Reason, Message: msg, Problems: v.problems}
}

func join(p, name string) string {
	if p == "" {
		return name
	}
	if strings.TrimSpace(name) == "" || strings.ContainsAny(name, ".[]\"") {
		b, _ := json.Marshal(name)
		return p + "[" + string(b) + "]"
	}
	return p + "." + name
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// optString reads an optional string member: absent and null are absent;
// anything else but a non-blank string is a problem.
func (v *validator) optString(obj map[string]any, key, p string) (string, bool) {
	raw, ok := obj[key]
	if !ok || raw == nil {
		return "", false
	}
	s, ok := raw.(string)
	if !ok {
		v.add(join(p, key), "must be a string, got %s", jsonv.Kind(raw))
		return "", false
	}
	if strings.TrimSpace(s) == "" {
		v.add(join(p, key), "must not be empty")
		return "", false
	}
	return s, true
}

func (v *validator) reqString(obj map[string]any, key, p string) (string, bool) {
	if raw, ok := obj[key]; !ok || raw == nil {
		v.add(join(p, key), "is required")
		return "", false
	}
	return v.optString(obj, key, p)
}

func (v *validator) object(raw any, p string) (map[string]any, bool) {
	m, ok := raw.(map[string]any)
	if !ok {
		v.add(p, "must be an object, got %s", jsonv.Kind(raw))
	}
	return m, ok
}

// path parses a manifest path and checks its root against the roots the
// field allows.
func (v *validator) path(raw any, p string, allowed ...root) *path {
	s, ok := raw.(string)
	if !ok {
		v.add(p, "must be a path string, got %s", jsonv.Kind(raw))
		return nil
	}
	if strings.TrimSpace(s) == "" {
		v.add(p, "must not be empty")
		return nil
	}
	pp, err := parsePath(s)
	if err != nil {
		v.add(p, "%v", err)
		return nil
	}
	if !slices.Contains(allowed, pp.root) {
		names := make([]string, len(allowed))
		for i, r := range allowed {
			names[i] = r.String()
		}
		v.add(p, "path %q uses root %s; allowed here: %s", s, pp.root, strings.Join(names, ", "))
		return nil
	}
	return pp
}

// pinnedURL checks an {url, sha256|integrity} member (rego bundle_url,
// annotator system_prompt_url) and returns it.
func (v *validator) pinnedURL(raw any, p string) (URLPin, bool) {
	obj, ok := v.object(raw, p)
	if !ok {
		return URLPin{}, false
	}
	good := true
	for _, k := range sortedKeys(obj) {
		if k != "url" && k != "sha256" && k != "integrity" {
			v.add(join(p, k), "unknown member (allowed: url, sha256, integrity)")
			good = false
		}
	}
	var out URLPin
	if u, ok := v.reqString(obj, "url", p); ok {
		if err := pin.CheckHTTPSURL(u); err != nil {
			v.add(join(p, "url"), "%v", err)
			good = false
		}
		out.URL = u
	} else {
		good = false
	}
	sha, hasSHA := v.optString(obj, "sha256", p)
	integ, hasInteg := v.optString(obj, "integrity", p)
	switch {
	case hasSHA && hasInteg:
		v.add(p, "must not carry both sha256 and integrity")
		good = false
	case !hasSHA && !hasInteg:
		v.add(p, "must be pinned with sha256 or integrity")
		good = false
	case hasSHA:
		if _, err := pin.SHA256(sha); err != nil {
			v.add(join(p, "sha256"), "%v", err)
			good = false
		}
		out.SHA256 = strings.ToLower(sha)
	default:
		if _, err := pin.Integrity(integ); err != nil {
			v.add(join(p, "integrity"), "%v", err)
			good = false
		}
		out.Integrity = integ
	}
	return out, good
}

// positiveInt reads an integer ≥ 1 (the approval schema's minimum; §22.8).
func (v *validator) positiveInt(obj map[string]any, key, p string) {
	raw, ok := obj[key]
	if !ok {
		return
	}
	n, ok := raw.(json.Number)
	if !ok {
		v.add(join(p, key), "must be an integer, got %s", jsonv.Kind(raw))
		return
	}
	s := string(n)
	if s == "" || strings.Trim(s, "0123456789") != "" {
		v.add(join(p, key), "must be a non-negative integer, got %s", s)
		return
	}
	if strings.Trim(s, "0") == "" {
		v.add(join(p, key), "must be at least 1")
	}
}

func kindOf(v any) string { return jsonv.Kind(v) }
