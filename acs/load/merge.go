package load

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/internal/jsonv"
	"github.com/agentgov/agentgov/internal/canonical"
)

// manifest is one loaded manifest, or the merge of several, with the
// provenance of its parts.
type manifest struct {
	doc        map[string]any
	policies   map[string]acs.Source
	annotators map[string]acs.Source
	origins    map[string]string
	// urlBindings marks "point\x00annotator" bindings that some URL-sourced
	// manifest supplied.
	urlBindings map[string]bool
}

func newManifest(doc map[string]any, loc location) *manifest {
	src := acs.Source{URL: loc.url}
	if loc.url == "" {
		src.Dir = filepath.Dir(loc.path)
	}
	m := &manifest{
		doc:         doc,
		policies:    map[string]acs.Source{},
		annotators:  map[string]acs.Source{},
		origins:     map[string]string{},
		urlBindings: map[string]bool{},
	}
	label := loc.label()
	for _, section := range []string{"policies", "annotators", "tools", "intervention_points"} {
		obj, _ := doc[section].(map[string]any)
		for name := range obj {
			m.origins[section+"."+name] = label
			switch section {
			case "policies":
				m.policies[name] = src
			case "annotators":
				m.annotators[name] = src
			case "intervention_points":
				if loc.url == "" {
					continue
				}
				entry, _ := obj[name].(map[string]any)
				ann, _ := entry["annotations"].(map[string]any)
				for a := range ann {
					m.urlBindings[name+"\x00"+a] = true
				}
			}
		}
	}
	for _, k := range []string{"approval", "metadata"} {
		if _, ok := doc[k]; ok {
			m.origins[k] = label
		}
	}
	return m
}

func measure(v any, max int64) (int64, int, error) {
	return canonical.MeasureACS(v, max, -1)
}

// conflict is the fail-closed answer to two definitions that are neither
// identical nor additive (§2.2).
func conflict(field, from string) *acs.Error {
	return invalid("manifest extends conflict for %s from %s: duplicate definitions must be identical or additive", field, from)
}

// mergeManifests merges src into dst (dst's content first: a parent, or
// the parents merged so far) and returns the result; neither input is
// modified, so values shared through YAML aliases stay intact.
func mergeManifests(dst, src *manifest, from string) (*manifest, error) {
	if dst == nil {
		return src, nil
	}
	out := &manifest{
		doc:         make(map[string]any, len(dst.doc)+len(src.doc)),
		policies:    union(dst.policies, src.policies),
		annotators:  union(dst.annotators, src.annotators),
		origins:     union(dst.origins, src.origins),
		urlBindings: union(dst.urlBindings, src.urlBindings),
	}
	for k, v := range dst.doc {
		out.doc[k] = v
	}
	for _, k := range sortedKeys(src.doc) {
		b := src.doc[k]
		a, has := out.doc[k]
		if !has {
			out.doc[k] = b
			continue
		}
		var (
			merged any
			err    error
		)
		switch k {
		case "agent_control_specification_version":
			if !jsonv.Equal(a, b) {
				return nil, invalid("manifest extends conflict: %s declares agent_control_specification_version %v, its parent %v", from, b, a)
			}
			merged = a
		case "metadata":
			merged, err = mergeMetadata(a, b, "metadata", from)
		case "policies":
			merged, err = mergeNamed(a, b, k, from, func(name string) error {
				return sameDir(dst.policies[name], src.policies[name], a, b, name, k, from)
			})
		case "annotators":
			merged, err = mergeNamed(a, b, k, from, func(name string) error {
				return sameDir(dst.annotators[name], src.annotators[name], a, b, name, k, from)
			})
		case "tools":
			merged, err = mergeNamed(a, b, k, from, nil)
		case "intervention_points":
			merged, err = mergePoints(a, b, from)
		default: // approval, and unknown members validation will reject
			if !jsonv.Equal(a, b) {
				return nil, conflict(k, from)
			}
			merged = a
		}
		if err != nil {
			return nil, err
		}
		out.doc[k] = merged
	}
	return out, nil
}

// union merges provenance maps; a's entries, the first definitions, win.
func union[V any](a, b map[string]V) map[string]V {
	out := make(map[string]V, len(a)+len(b))
	for k, v := range b {
		out[k] = v
	}
	for k, v := range a {
		out[k] = v
	}
	return out
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// mergeNamed merges a map of named definitions: a name defined on both
// sides must be identical (and, through check, mean the same thing).
func mergeNamed(a, b any, field, from string, check func(name string) error) (any, error) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		if jsonv.Equal(a, b) {
			return a, nil
		}
		return nil, conflict(field, from)
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for _, k := range sortedKeys(bm) {
		v := bm[k]
		if old, ok := out[k]; ok {
			if !jsonv.Equal(old, v) {
				return nil, conflict(field+"."+k, from)
			}
			if check != nil {
				if err := check(k); err != nil {
					return nil, err
				}
			}
			continue
		}
		out[k] = v
	}
	return out, nil
}

// relativePathFields name the members engines resolve against the
// declaring manifest's directory.
var relativePathFields = []string{"bundle", "policy_path", "entities_path", "schema_path", "data", "data_paths", "system_prompt_file"}

// sameDir rejects two textually identical definitions whose relative paths
// point at different files because they were declared in different
// directories.
func sameDir(sa, sb acs.Source, a, b any, name, field, from string) error {
	if sa.Dir == sb.Dir {
		return nil
	}
	def, _ := a.(map[string]any)[name].(map[string]any)
	for _, f := range relativePathFields {
		if hasRelativePath(def[f]) {
			return conflict(field+"."+name+"."+f, from)
		}
	}
	return nil
}

func hasRelativePath(v any) bool {
	switch x := v.(type) {
	case string:
		return x != "" && !filepath.IsAbs(x)
	case []any:
		for _, e := range x {
			if hasRelativePath(e) {
				return true
			}
		}
	}
	return false
}

// mergeMetadata merges metadata objects key by key, nested objects
// recursively; differing scalars conflict (§2.2).
func mergeMetadata(a, b any, field, from string) (any, error) {
	if jsonv.Equal(a, b) || isEmptyObject(b) {
		return a, nil
	}
	if isEmptyObject(a) {
		return b, nil
	}
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		return nil, conflict(field, from)
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for _, k := range sortedKeys(bm) {
		old, ok := out[k]
		if !ok {
			out[k] = bm[k]
			continue
		}
		if jsonv.Equal(old, bm[k]) {
			continue
		}
		_, oldObj := old.(map[string]any)
		_, newObj := bm[k].(map[string]any)
		if !oldObj || !newObj {
			return nil, conflict(field+"."+k, from)
		}
		m, err := mergeMetadata(old, bm[k], field+"."+k, from)
		if err != nil {
			return nil, err
		}
		out[k] = m
	}
	return out, nil
}

func isEmptyObject(v any) bool {
	m, ok := v.(map[string]any)
	return v == nil || ok && len(m) == 0
}

// mergePoints merges intervention point configurations: for one point
// only annotations may differ, and they are unioned (§2.2); other members
// fill in when one side lacks them.
func mergePoints(a, b any, from string) (any, error) {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if !aok || !bok {
		if jsonv.Equal(a, b) {
			return a, nil
		}
		return nil, conflict("intervention_points", from)
	}
	out := make(map[string]any, len(am)+len(bm))
	for k, v := range am {
		out[k] = v
	}
	for _, point := range sortedKeys(bm) {
		old, ok := out[point]
		if !ok || jsonv.Equal(old, bm[point]) {
			out[point] = bm[point]
			continue
		}
		field := "intervention_points." + point
		oe, ook := old.(map[string]any)
		ne, nok := bm[point].(map[string]any)
		if !ook || !nok {
			return nil, conflict(field, from)
		}
		merged := make(map[string]any, len(oe)+len(ne))
		for k, v := range oe {
			merged[k] = v
		}
		for _, k := range sortedKeys(ne) {
			v := ne[k]
			cur, has := merged[k]
			switch {
			case k == "annotations":
				if !has || cur == nil {
					merged[k] = v
					continue
				}
				u, err := mergeNamed(cur, v, field+".annotations", from, nil)
				if err != nil {
					return nil, err
				}
				merged[k] = u
			case isUnset(v):
			case !has || isUnset(cur):
				merged[k] = v
			case !jsonv.Equal(cur, v):
				return nil, conflict(field+"."+k, from)
			}
		}
		out[point] = merged
	}
	return out, nil
}

// isUnset treats null, "" and {} as a member a manifest leaves to another
// one in the chain.
func isUnset(v any) bool {
	if s, ok := v.(string); ok {
		return s == ""
	}
	return isEmptyObject(v)
}

// secretField reports a member that names a host environment secret.
func secretField(k string) bool {
	return k == "api_key_env" || strings.HasPrefix(k, "aws_") && strings.HasSuffix(k, "_env")
}

// forbiddenURLPolicyFields are filesystem path members a URL-sourced
// manifest may not carry on a policy definition or binding (§2.3).
var forbiddenURLPolicyFields = []string{"bundle", "policy_path", "entities_path", "schema_path", "data", "data_paths"}

// checkURLSourced applies §2.3 to a manifest fetched over HTTPS: it has no
// filesystem root, so no path fields, and it controls dispatch endpoints,
// so no environment-secret fields.
func (l *loader) checkURLSourced(m *manifest, label string) error {
	policies, _ := m.doc["policies"].(map[string]any)
	for _, name := range sortedKeys(policies) {
		def, _ := policies[name].(map[string]any)
		for _, f := range forbiddenURLPolicyFields {
			if _, ok := def[f]; ok {
				return invalid("%s: policies.%s.%s: a URL-sourced manifest may not name filesystem paths", label, name, f)
			}
		}
		if _, ok := def["bundle_url"]; ok {
			l.bundleURLs = append(l.bundleURLs, fmt.Sprintf("%s: policies.%s.bundle_url", label, name))
		}
	}
	annotators, _ := m.doc["annotators"].(map[string]any)
	for _, name := range sortedKeys(annotators) {
		if err := checkURLAnnotator(annotators[name], label, "annotators."+name); err != nil {
			return err
		}
	}
	points, _ := m.doc["intervention_points"].(map[string]any)
	for _, point := range sortedKeys(points) {
		entry, _ := points[point].(map[string]any)
		binding, _ := entry["policy"].(map[string]any)
		for _, f := range forbiddenURLPolicyFields {
			if _, ok := binding[f]; ok {
				return invalid("%s: intervention_points.%s.policy.%s: a URL-sourced manifest may not name filesystem paths", label, point, f)
			}
		}
		ann, _ := entry["annotations"].(map[string]any)
		for _, name := range sortedKeys(ann) {
			if err := checkURLAnnotator(ann[name], label, "intervention_points."+point+".annotations."+name); err != nil {
				return err
			}
		}
	}
	return nil
}

func checkURLAnnotator(v any, label, at string) error {
	cfg, _ := v.(map[string]any)
	for _, k := range sortedKeys(cfg) {
		switch {
		case k == "system_prompt_file":
			return invalid("%s: %s.system_prompt_file: a URL-sourced manifest may not name filesystem paths (use system_prompt_url)", label, at)
		case secretField(k):
			return invalid("%s: %s.%s: a URL-sourced manifest may not read host environment secrets", label, at, k)
		}
	}
	return nil
}

// checkSecretOverlays applies the environment-secret rule to the
// declaration overlaid by each binding when either side came from a URL:
// a remote binding must not redirect a local declaration's credential, nor
// a local binding add one to a remote declaration (§2.3).
func (m *manifest) checkSecretOverlays() error {
	points, _ := m.doc["intervention_points"].(map[string]any)
	annotators, _ := m.doc["annotators"].(map[string]any)
	for _, point := range sortedKeys(points) {
		entry, _ := points[point].(map[string]any)
		ann, _ := entry["annotations"].(map[string]any)
		for _, name := range sortedKeys(ann) {
			if !m.urlBindings[point+"\x00"+name] && m.annotators[name].URL == "" {
				continue
			}
			decl, _ := annotators[name].(map[string]any)
			binding, _ := ann[name].(map[string]any)
			for _, cfg := range []map[string]any{decl, binding} {
				for _, k := range sortedKeys(cfg) {
					if secretField(k) {
						return invalid("intervention_points.%s.annotations.%s: %s is not allowed where a URL-sourced manifest supplies the annotator or its binding", point, name, k)
					}
				}
			}
		}
	}
	return nil
}

// absolutizeBindings rewrites the relative filesystem paths of a file
// manifest's point bindings (policy data/data_paths, annotator
// system_prompt_file) against its directory. Definitions keep their paths
// as written and carry their directory in acs.Source; a binding can come
// from another file than the definition it overlays, so its paths are made
// absolute while the loader still knows where it came from.
func (m *manifest) absolutizeBindings(dir string) {
	points, ok := m.doc["intervention_points"].(map[string]any)
	if !ok {
		return
	}
	newPoints := make(map[string]any, len(points))
	changed := false
	for point, raw := range points {
		newPoints[point] = raw
		entry, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		var e map[string]any
		set := func(k string, v any) {
			if e == nil {
				e = make(map[string]any, len(entry))
				for kk, vv := range entry {
					e[kk] = vv
				}
			}
			e[k] = v
		}
		if binding, ok := entry["policy"].(map[string]any); ok {
			if nb := absolutize(binding, dir, "data", "data_paths"); nb != nil {
				set("policy", nb)
			}
		}
		if ann, ok := entry["annotations"].(map[string]any); ok {
			var na map[string]any
			for name, b := range ann {
				bm, ok := b.(map[string]any)
				if !ok {
					continue
				}
				if nb := absolutize(bm, dir, "system_prompt_file"); nb != nil {
					if na == nil {
						na = make(map[string]any, len(ann))
						for k, v := range ann {
							na[k] = v
						}
					}
					na[name] = nb
				}
			}
			if na != nil {
				set("annotations", na)
			}
		}
		if e != nil {
			newPoints[point] = e
			changed = true
		}
	}
	if changed {
		doc := make(map[string]any, len(m.doc))
		for k, v := range m.doc {
			doc[k] = v
		}
		doc["intervention_points"] = newPoints
		m.doc = doc
	}
}

// absolutize returns a copy of obj with the relative paths of the named
// members joined to dir, or nil when there is nothing to rewrite.
func absolutize(obj map[string]any, dir string, keys ...string) map[string]any {
	var out map[string]any
	for _, k := range keys {
		v, ok := obj[k]
		if !ok || !hasRelativePath(v) {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(obj))
			for kk, vv := range obj {
				out[kk] = vv
			}
		}
		switch x := v.(type) {
		case string:
			out[k] = filepath.Join(dir, x)
		case []any:
			arr := make([]any, len(x))
			for i, e := range x {
				if s, ok := e.(string); ok && s != "" && !filepath.IsAbs(s) {
					arr[i] = filepath.Join(dir, s)
				} else {
					arr[i] = e
				}
			}
			out[k] = arr
		}
	}
	return out
}
