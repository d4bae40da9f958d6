package acs

import (
	"context"
	"encoding/json"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

// The reference runtime's parity vectors (tests/parity/*.json).

func TestParityVerdictDispatch(t *testing.T) {
	f := acstest.ReadJSON(t, filepath.Join(acstest.Conformance(t), "parity", "verdict_dispatch_canonical.json")).(map[string]any)
	rows := f["rows"].([]any)
	if len(rows) == 0 {
		t.Fatal("no rows")
	}
	for _, raw := range rows {
		row := raw.(map[string]any)
		t.Run(row["id"].(string), func(t *testing.T) {
			v, err := normalize(row["input"])
			if want, ok := row["expected_error_reason"].(string); ok {
				if err == nil || err.Reason != want {
					t.Fatalf("normalize: %+v %v, want %s", v, err, want)
				}
			} else {
				if err != nil {
					t.Fatalf("normalize: %v", err)
				}
				if v.Decision != row["normalized_decision"] || v.Permits() != row["permits"] {
					t.Errorf("decision %s permits %v, want %v %v", v.Decision, v.Permits(), row["normalized_decision"], row["permits"])
				}
			}
			// The whole pipeline agrees, step 9 included (the transform
			// row rewrites $policy_target.flag).
			rt := mustRuntime(t, baseManifest, Options{Policies: map[PolicyType]PolicyEngine{Test: stubEngine{row["input"]}}})
			res := eval(t, rt, "input", `{"input":{"flag":false}}`)
			if want, ok := row["expected_error_reason"].(string); ok {
				if res.Verdict.Reason != want || res.Verdict.Decision != Deny {
					t.Errorf("evaluation %+v, want deny %s", res.Verdict, want)
				}
			} else if res.Err != nil || res.Verdict.Decision != row["normalized_decision"] || res.Verdict.Permits() != row["permits"] {
				t.Errorf("evaluation %+v (%v)", res.Verdict, res.Err)
			}
		})
	}
}

func TestParityResourceLimits(t *testing.T) {
	f := acstest.ReadJSON(t, filepath.Join(acstest.Conformance(t), "parity", "resource_limits_canonical.json")).(map[string]any)
	d := f["defaults"].(map[string]any)
	l := DefaultLimits()
	got := map[string]int64{
		"max_snapshot_bytes":         l.MaxSnapshotBytes,
		"max_policy_input_depth":     int64(l.MaxPolicyInputDepth),
		"max_annotators_per_point":   int64(l.MaxAnnotatorsPerPoint),
		"max_annotator_output_bytes": l.MaxAnnotatorOutputBytes,
		"max_policy_output_bytes":    l.MaxPolicyOutputBytes,
		"max_extends_depth":          int64(l.MaxExtendsDepth),
		"max_merged_manifest_bytes":  l.MaxMergedManifestBytes,
		"max_manifest_url_bytes":     l.MaxManifestURLBytes,
		"manifest_url_timeout_ms":    l.ManifestURLTimeout.Milliseconds(),
		"max_manifest_url_redirects": int64(l.MaxManifestURLRedirects),
	}
	if len(d) != len(got) {
		t.Errorf("parity file has %d limits, we have %d", len(d), len(got))
	}
	for k, raw := range d {
		want, err := raw.(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		g, ok := got[k]
		if !ok || g != want {
			t.Errorf("%s = %d, want %d", k, g, want)
		}
	}
	if l.ManifestURLTimeout != 30*time.Second {
		t.Errorf("timeout %v", l.ManifestURLTimeout)
	}
}

func TestParityErrorMapping(t *testing.T) {
	f := acstest.ReadJSON(t, filepath.Join(acstest.Conformance(t), "parity", "error_mapping_canonical.json")).(map[string]any)
	rows := f["runtime_errors"].([]any)
	if len(rows) != 14 {
		t.Errorf("%d rows", len(rows))
	}
	for _, raw := range rows {
		r := raw.(map[string]any)["reason"].(string)
		if !slices.Contains(allReasons(), r) {
			t.Errorf("no constant for %s", r)
		}
	}
}

// The fail-closed parity fixture lists the twelve core reasons a runtime
// must produce; each is a constant, and the entries replay through the
// runtime (acs_runner.py drives the same file through the CLI).
func TestParityFailClosed(t *testing.T) {
	f := acstest.ReadJSON(t, filepath.Join(acstest.Conformance(t), "fail_closed_error_parity.json")).(map[string]any)
	for _, r := range f["reserved_reasons"].([]any) {
		if !slices.Contains(allReasons(), r.(string)) {
			t.Errorf("no constant for %s", r)
		}
	}
	for _, raw := range f["cases"].([]any) {
		c := raw.(map[string]any)
		t.Run(c["id"].(string), func(t *testing.T) {
			want := c["expected_reason"].(string)
			doc, err := ParseDocument([]byte(c["manifest_yaml"].(string)), "manifest.yaml")
			out, ok := c["policy_response"]
			if !ok {
				out = map[string]any{"decision": "allow"}
			}
			var pol PolicyEngine = stubEngine{out}
			if c["policy_behavior"] == "error" {
				pol = funcEngine{eval: func(*PolicyInput, func() []byte) (any, error) { return nil, context.Canceled }}
			}
			ann := funcAnnotators(func(*AnnotatorCall) (any, error) { return map[string]any{"ok": true}, nil })
			switch c["annotator_behavior"] {
			case "error":
				ann = func(*AnnotatorCall) (any, error) { return nil, context.Canceled }
			case "timeout":
				ann = func(*AnnotatorCall) (any, error) { return nil, ErrAnnotatorTimeout }
			}
			var rt *Runtime
			if err == nil {
				rt, err = New(context.Background(), doc, Options{Policies: map[PolicyType]PolicyEngine{Test: pol}, Annotators: ann})
			}
			if c["operation"] == "build" {
				if reasonOf(err) != want {
					t.Fatalf("build: %v, want %s", err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			point, _ := c["intervention_point"].(string)
			res := rt.Evaluate(context.Background(), Request{Point: point, Snapshot: c["snapshot"]})
			if res.Verdict.Decision != Deny || res.Verdict.Reason != want {
				t.Errorf("verdict %+v, want deny %s", res.Verdict, want)
			}
		})
	}
}
