package rego

import (
	"testing"

	"github.com/agentgov/agentgov/acs"
)

func TestSourceDigest(t *testing.T) {
	digest := func(module string, data map[string]any) string {
		spec := benchSpec()
		if data != nil {
			spec.Definition = map[string]any{"type": "rego", "data": data}
		}
		d, ok := prepare(t, Options{Modules: map[string]string{"bench.rego": module}}, spec).(acs.SourceDigester)
		if !ok {
			t.Fatal("prepared rego policies do not report their sources")
		}
		return d.SourceDigest()
	}
	base := digest(benchPolicy, nil)
	if base != digest(benchPolicy, nil) {
		t.Fatal("the same policy gave two digests")
	}
	if base != digest("# a comment does not decide\n"+benchPolicy, nil) {
		t.Fatal("a comment changed the digest")
	}
	changed := benchPolicy + "\nextra if { true }\n"
	if base == digest(changed, nil) {
		t.Fatal("changed code kept its digest")
	}
	if base == digest(benchPolicy, map[string]any{"limits": map[string]any{"max": 3}}) {
		t.Fatal("changed data kept its digest")
	}
}
