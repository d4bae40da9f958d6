package cedar

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	cedargo "github.com/cedar-policy/cedar-go"
	"github.com/cedar-policy/cedar-go/types"
	"github.com/cedar-policy/cedar-go/x/exp/schema"
	"github.com/cedar-policy/cedar-go/x/exp/schema/validate"

	"github.com/agentgov/agentgov/acs"
)

// loadPolicies parses policy_set or policy_path, in policy order.
func loadPolicies(src acs.Source, def map[string]any) ([]*cedargo.Policy, error) {
	text, hasText, err := acs.OptString(def, "policy_set")
	if err != nil {
		return nil, err
	}
	ppath, hasPath, err := acs.OptString(def, "policy_path")
	if err != nil {
		return nil, err
	}
	switch {
	case hasText && hasPath:
		return nil, errors.New("policy_set and policy_path are mutually exclusive")
	case hasText:
		list, err := cedargo.NewPolicyListFromBytes("policy_set", []byte(text))
		if err != nil {
			return nil, fmt.Errorf("policy_set: %w", err)
		}
		return list, nil
	case !hasPath:
		return nil, errors.New("one of policy_set and policy_path is required")
	}

	full, err := src.ResolvePath("policy_path", ppath)
	if err != nil {
		return nil, err
	}
	info, err := os.Stat(full)
	if err != nil {
		return nil, fmt.Errorf("policy_path: %w", err)
	}
	files := []string{full}
	if info.IsDir() {
		files = files[:0]
		// WalkDir visits entries in lexical order, which is the policy
		// order (and so decides "first contributing policy").
		err := filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), ".cedar") {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("policy_path: %w", err)
		}
		if len(files) == 0 {
			return nil, fmt.Errorf("policy_path %s: no .cedar files", ppath)
		}
	}
	var all []*cedargo.Policy
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("policy_path: %w", err)
		}
		name, _ := filepath.Rel(src.Dir, f)
		list, err := cedargo.NewPolicyListFromBytes(filepath.ToSlash(name), body)
		if err != nil {
			return nil, fmt.Errorf("policy_path %s: %w", name, err)
		}
		all = append(all, list...)
	}
	return all, nil
}

// loadEntities reads entities_path, if set.
func loadEntities(src acs.Source, def map[string]any) (types.EntityMap, error) {
	p, ok, err := acs.OptString(def, "entities_path")
	if err != nil || !ok {
		return types.EntityMap{}, err
	}
	full, err := src.ResolvePath("entities_path", p)
	if err != nil {
		return nil, err
	}
	body, err := os.ReadFile(full)
	if err != nil {
		return nil, fmt.Errorf("entities_path: %w", err)
	}
	var entities types.EntityMap
	if err := json.Unmarshal(body, &entities); err != nil {
		return nil, fmt.Errorf("entities_path %s: %w", p, err)
	}
	return entities, nil
}

// loadSchema reads schema_path, if set, into a strict validator; it also
// returns the schema text, which is part of the policy's identity.
func loadSchema(src acs.Source, def map[string]any) (*validate.Validator, []byte, error) {
	p, ok, err := acs.OptString(def, "schema_path")
	if err != nil || !ok {
		return nil, nil, err
	}
	full, err := src.ResolvePath("schema_path", p)
	if err != nil {
		return nil, nil, err
	}
	body, err := os.ReadFile(full)
	if err != nil {
		return nil, nil, fmt.Errorf("schema_path: %w", err)
	}
	var s schema.Schema
	s.SetFilename(p)
	if strings.HasSuffix(p, ".cedarschema") {
		err = s.UnmarshalCedar(body)
	} else {
		err = s.UnmarshalJSON(body)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("schema_path %s: %w", p, err)
	}
	resolved, err := s.Resolve()
	if err != nil {
		return nil, nil, fmt.Errorf("schema_path %s: %w", p, err)
	}
	return validate.New(resolved, validate.WithStrict()), body, nil
}
