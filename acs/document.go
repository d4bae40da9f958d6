package acs

import (
	"errors"
	"path/filepath"
	"strings"

	"github.com/agentgov/agentgov/acs/internal/jsonv"
)

// Document is a manifest ready to compile: the merged manifest in the JSON
// value model plus where its parts came from. ParseDocument produces one for
// a single in-memory document; acs/load produces one for a file or an HTTPS
// URL, with extends resolved and merged.
type Document struct {
	// Doc is the manifest. A non-empty "extends" member means extends is
	// still unresolved (an in-memory document): New refuses such a
	// document, because dropping the parents would silently drop their
	// policies and intervention points (§2.2).
	Doc map[string]any
	// Name labels the top-level manifest in messages: a path, a URL, or
	// what the caller passed to ParseDocument.
	Name string
	// Policies and Annotators record, by name, the manifest that declared
	// each definition, so that engines resolve relative paths (bundle,
	// policy_path, system_prompt_file) against the declaring file and fetch
	// pinned URLs under the loader's rules. A missing entry is the zero
	// Source (paths relative to the working directory, no fetching).
	Policies   map[string]Source
	Annotators map[string]Source
	// Origins maps top-level entries ("policies.p", "tools.search",
	// "intervention_points.input", "annotators.a", "approval") to the file
	// or URL that declared them, for messages. Optional.
	Origins map[string]string
	// FromURL reports that the top-level manifest was fetched over HTTPS.
	FromURL bool
	// Pinned reports that every HTTPS load in the chain (the top-level
	// manifest and each URL extends) carried a content pin that was
	// verified.
	Pinned bool
}

// ParseDocument parses one YAML or JSON manifest held in memory (JSON when
// name ends in ".json", YAML otherwise; name also labels messages). Parsing
// is strict: duplicate keys, non-string keys and multiple YAML documents
// are rejected, YAML aliases expand to at most 100 000 values, nesting is
// bounded by the default max_policy_input_depth and size by the default
// max_merged_manifest_bytes. Errors are *Error with ReasonManifestInvalid,
// or ReasonResourceLimitExceeded for a breached bound.
//
// The document keeps its extends as data; New fails closed on a non-empty
// extends (use acs/load to resolve it).
func ParseDocument(data []byte, name string) (*Document, error) {
	lim := DefaultLimits()
	m, err := parseManifest(data, name, lim)
	if err != nil {
		return nil, err
	}
	return &Document{Doc: m, Name: name}, nil
}

// parseManifest is ParseDocument's parser with explicit limits.
func parseManifest(data []byte, name string, lim Limits) (map[string]any, error) {
	isJSON := strings.EqualFold(filepath.Ext(name), ".json")
	v, err := jsonv.Parse(data, isJSON, jsonv.Limits{
		MaxBytes: lim.MaxMergedManifestBytes,
		MaxDepth: lim.MaxPolicyInputDepth,
		MaxNodes: jsonv.DefaultMaxNodes,
	})
	if err != nil {
		reason := ReasonManifestInvalid
		var le *jsonv.LimitError
		if errors.As(err, &le) {
			reason = ReasonResourceLimitExceeded
		}
		return nil, &Error{Reason: reason, Message: prefix(name) + err.Error(), Err: err}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, errorf(ReasonManifestInvalid, "%sa manifest must be a mapping (object), got %s", prefix(name), jsonv.Kind(v))
	}
	return m, nil
}

func prefix(name string) string {
	if name == "" {
		return ""
	}
	return name + ": "
}
