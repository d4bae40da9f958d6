package redact

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// JSONFinding lists what the detectors found in one leaf of a JSON value.
type JSONFinding struct {
	// Path is the leaf's RFC 6901 JSON Pointer ("" is the root, "/a/0/b").
	Path string
	// Findings are offsets into the leaf's original string.
	Findings []detect.Finding
}

// JSON redacts every leaf of a JSON value as decoded by encoding/json
// (map[string]any, []any, string, json.Number with UseNumber, float64,
// bool, nil), scanning each string leaf, and each number's text, with the
// detectors. It returns a redacted deep copy — v is not modified — and the
// findings per path, ordered by path.
//
// Numbers are scanned too, since a card or phone number may arrive as a
// JSON number; a redacted number becomes a string (its tag), because
// privacy comes before the schema. Object keys are not scanned or
// redacted: they name fields, and rewriting them could merge two fields.
// Leaves are scanned independently, so each respects the detectors' input
// bound on its own.
func (r *Redactor) JSON(ctx context.Context, v any, dets []detect.Detector, src detect.Source) (any, []JSONFinding, error) {
	var found []JSONFinding
	var path []string
	out, err := r.walk(ctx, v, dets, src, &path, &found)
	if err != nil {
		return nil, nil, err
	}
	slices.SortFunc(found, func(a, b JSONFinding) int { return strings.Compare(a.Path, b.Path) })
	return out, found, nil
}

func (r *Redactor) walk(ctx context.Context, v any, dets []detect.Detector, src detect.Source, path *[]string, found *[]JSONFinding) (any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	switch x := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(x))
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			*path = append(*path, jsonpointer.Escape(k))
			y, err := r.walk(ctx, x[k], dets, src, path, found)
			*path = (*path)[:len(*path)-1]
			if err != nil {
				return nil, err
			}
			out[k] = y
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			*path = append(*path, strconv.Itoa(i))
			y, err := r.walk(ctx, e, dets, src, path, found)
			*path = (*path)[:len(*path)-1]
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case string:
		s, fs, err := r.Text(ctx, x, dets, src)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", pointer(*path), err)
		}
		if len(fs) > 0 {
			*found = append(*found, JSONFinding{Path: pointer(*path), Findings: fs})
		}
		return s, nil
	case json.Number:
		return r.number(ctx, string(x), x, dets, src, path, found)
	case float64:
		return r.number(ctx, strconv.FormatFloat(x, 'f', -1, 64), x, dets, src, path, found)
	case nil, bool:
		return x, nil
	default:
		return nil, fmt.Errorf("redact: %s: unsupported JSON value of type %T", pointer(*path), v)
	}
}

func (r *Redactor) number(ctx context.Context, text string, orig any, dets []detect.Detector, src detect.Source, path *[]string, found *[]JSONFinding) (any, error) {
	s, fs, err := r.Text(ctx, text, dets, src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", pointer(*path), err)
	}
	if len(fs) == 0 {
		return orig, nil
	}
	*found = append(*found, JSONFinding{Path: pointer(*path), Findings: fs})
	return s, nil
}

func pointer(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return "/" + strings.Join(parts, "/")
}
