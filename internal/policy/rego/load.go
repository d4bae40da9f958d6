package rego

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/internal/canonical"
)

// sources is everything a policy compiles from: modules and the merged
// base data document.
type sources struct {
	modules []*ast.Module
	data    map[string]any
}

// loadSources reads the bundle (or bundle_url), the adapter data and the
// host library modules of one binding.
func loadSources(ctx context.Context, spec *acs.PolicySpec, caps *ast.Capabilities, lib map[string]string) (*sources, error) {
	src := &sources{data: map[string]any{}}
	def := spec.Definition

	bundlePath, hasBundle, err := acs.OptString(def, "bundle")
	if err != nil {
		return nil, err
	}
	urlValue, hasURL := def["bundle_url"]
	hasURL = hasURL && urlValue != nil
	if hasBundle && hasURL {
		return nil, errors.New("bundle and bundle_url are mutually exclusive")
	}
	switch {
	case hasBundle:
		path, err := spec.Source.ResolvePath("bundle", bundlePath)
		if err != nil {
			return nil, err
		}
		b, err := loader.NewFileLoader().
			WithRegoVersion(ast.RegoV1).
			WithCapabilities(caps).
			AsBundle(path)
		if err != nil {
			return nil, fmt.Errorf("bundle: %w", err)
		}
		if err := src.addBundle(b); err != nil {
			return nil, fmt.Errorf("bundle %s: %w", bundlePath, err)
		}
	case hasURL:
		pin, err := parsePin(urlValue)
		if err != nil {
			return nil, fmt.Errorf("bundle_url: %w", err)
		}
		if spec.Source.Fetch == nil {
			return nil, errors.New("bundle_url: the host allows no fetching")
		}
		body, err := spec.Source.Fetch(ctx, pin)
		if err != nil {
			return nil, fmt.Errorf("bundle_url: %w", err)
		}
		// The archive is parsed from memory: no temporary directory to
		// clean up and no window in which another process could swap it.
		b, err := bundle.NewReader(bytes.NewReader(body)).
			WithRegoVersion(ast.RegoV1).
			WithCapabilities(caps).
			WithBundleName(pin.URL).
			Read()
		if err != nil {
			return nil, fmt.Errorf("bundle_url: %w", err)
		}
		if err := src.addBundle(&b); err != nil {
			return nil, fmt.Errorf("bundle_url: %w", err)
		}
	}

	if err := src.addAdapterData(spec, caps); err != nil {
		return nil, err
	}

	names := make([]string, 0, len(lib))
	for name := range lib {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m, err := ast.ParseModuleWithOpts("lib:"+name, lib[name], ast.ParserOptions{
			RegoVersion:  ast.RegoV1,
			Capabilities: caps,
		})
		if err != nil {
			return nil, fmt.Errorf("library module %s: %w", name, err)
		}
		src.modules = append(src.modules, m)
	}
	return src, nil
}

// digest names exactly what decides: the query, every module in its
// formatted form (so that layout and comments do not count, code does) and
// the data document in canonical form.
func (s *sources) digest(query string) (string, error) {
	mods := make([]string, len(s.modules))
	for i, m := range s.modules {
		mods[i] = m.String()
	}
	slices.Sort(mods)
	h := sha256.New()
	fmt.Fprintf(h, "query %d %s\n", len(query), query)
	for _, m := range mods {
		fmt.Fprintf(h, "module %d %s\n", len(m), m)
	}
	data, err := canonical.AppendValue(nil, s.data)
	if err != nil {
		return "", fmt.Errorf("data: %w", err)
	}
	fmt.Fprintf(h, "data %d %s\n", len(data), data)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// addBundle takes a bundle's modules and data. The bundle is not
// "activated" into the store: its data tree is merged like any other data
// document, so bundle data and adapter data that disagree fail Prepare
// instead of one silently replacing the other.
func (s *sources) addBundle(b *bundle.Bundle) error {
	if len(b.WasmModules) > 0 {
		return errors.New("wasm modules are not supported")
	}
	for _, f := range b.Modules {
		if f.Parsed == nil {
			return fmt.Errorf("module %s was not parsed", f.Path)
		}
		s.modules = append(s.modules, f.Parsed)
	}
	return mergeDocument(s.data, b.Data, "data")
}

// addAdapterData loads `data` and `data_paths` the way `opa eval --data`
// does. A binding member replaces the definition's member of the same name.
func (s *sources) addAdapterData(spec *acs.PolicySpec, caps *ast.Capabilities) error {
	var paths []string
	for _, key := range []string{"data", "data_paths"} {
		v, ok := spec.Binding[key]
		if !ok {
			v = spec.Definition[key]
		}
		switch v := v.(type) {
		case nil:
		case string:
			paths = append(paths, v)
		case []any:
			for _, item := range v {
				p, ok := item.(string)
				if !ok {
					return fmt.Errorf("%s: entries must be strings, got %T", key, item)
				}
				paths = append(paths, p)
			}
		case []string:
			paths = append(paths, v...)
		case map[string]any:
			if key != "data" {
				return fmt.Errorf("%s must be a path or an array of paths", key)
			}
			if err := mergeDocument(s.data, v, "data"); err != nil {
				return fmt.Errorf("inline data: %w", err)
			}
		default:
			return fmt.Errorf("%s must be a path, an array of paths or (data only) an object, got %T", key, v)
		}
	}
	if len(paths) == 0 {
		return nil
	}
	resolved := make([]string, len(paths))
	for i, p := range paths {
		if strings.TrimSpace(p) == "" {
			return errors.New("data paths must not be empty")
		}
		r, err := spec.Source.ResolvePath("data path", p)
		if err != nil {
			return err
		}
		resolved[i] = r
	}
	res, err := loader.NewFileLoader().
		WithRegoVersion(ast.RegoV1).
		WithCapabilities(caps).
		All(resolved)
	if err != nil {
		return fmt.Errorf("data: %w", err)
	}
	if err := mergeDocument(s.data, res.Documents, "data"); err != nil {
		return fmt.Errorf("data: %w", err)
	}
	names := make([]string, 0, len(res.Modules))
	for name := range res.Modules {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		s.modules = append(s.modules, res.Modules[name].Parsed)
	}
	return nil
}

// parsePin reads a bundle_url object {url, sha256|integrity}. Only the
// shape is checked here; acs.Source.Fetch enforces HTTPS and verifies the
// pin against the bytes.
func parsePin(v any) (acs.URLPin, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return acs.URLPin{}, fmt.Errorf("must be an object, got %T", v)
	}
	var pin acs.URLPin
	var err error
	var has bool
	if pin.URL, has, err = acs.OptString(m, "url"); err != nil {
		return acs.URLPin{}, err
	} else if !has {
		return acs.URLPin{}, errors.New("url is required")
	}
	sha, hasSHA, err := acs.OptString(m, "sha256")
	if err != nil {
		return acs.URLPin{}, err
	}
	integrity, hasIntegrity, err := acs.OptString(m, "integrity")
	if err != nil {
		return acs.URLPin{}, err
	}
	switch {
	case hasSHA && hasIntegrity:
		return acs.URLPin{}, errors.New("sha256 and integrity are mutually exclusive")
	case !hasSHA && !hasIntegrity:
		return acs.URLPin{}, errors.New("a sha256 or integrity pin is required")
	}
	pin.SHA256, pin.Integrity = sha, integrity
	return pin, nil
}

// mergeDocument merges src into dst. Objects merge member by member;
// any other value may only meet an equal-shaped absence: two documents
// that both set the same non-object path conflict.
func mergeDocument(dst, src map[string]any, path string) error {
	for k, v := range src {
		cur, ok := dst[k]
		if !ok {
			// Copied, never aliased: src may be the manifest's read-only
			// definition, and later merges write into dst.
			dst[k] = cloneDocument(v)
			continue
		}
		cm, ok1 := cur.(map[string]any)
		vm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("conflicting documents at %s.%s", path, k)
		}
		if err := mergeDocument(cm, vm, path+"."+k); err != nil {
			return err
		}
	}
	return nil
}

// cloneDocument deep-copies the objects and arrays of a JSON value.
func cloneDocument(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = cloneDocument(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = cloneDocument(e)
		}
		return out
	default:
		return v
	}
}
