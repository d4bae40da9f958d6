package acs

import (
	"errors"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

// The YAML and JSON rules of §2.8.
func TestParseDocument(t *testing.T) {
	tests := []struct {
		name, in, file string
		reason         string // "" = parses
		canon          string // expected canonical form when it parses
	}{
		{"yaml scalars", "a: 1\nb: 1.0\nc: true\nd: null\ne: x\nf: '1'\ng: 1e2\nh: 0x10\n", "m.yaml", "", `{"a":1,"b":1.0,"c":true,"d":null,"e":"x","f":"1","g":100.0,"h":16}`},
		{"yaml block strings", "a: |\n  line1\n  line2\nb: >\n  folded\n  text\n", "m.yaml", "", `{"a":"line1\nline2\n","b":"folded text\n"}`},
		{"json", `{"a":[1,2.5,"x"],"b":{"c":null}}`, "m.json", "", `{"a":[1,2.5,"x"],"b":{"c":null}}`},
		{"json in a yaml file", `{"a": 1}`, "m.yaml", "", `{"a":1}`},
		{"yaml alias", "x: &a {k: [1, 2]}\ny: *a\n", "m.yaml", "", `{"x":{"k":[1,2]},"y":{"k":[1,2]}}`},
		{"yaml str tag", "a: !!str 123\n", "m.yaml", "", `{"a":"123"}`},
		{"yaml duplicate key", "a: 1\na: 2\n", "m.yaml", ReasonManifestInvalid, ""},
		{"yaml duplicate nested key", "a: {b: 1, b: 1}\n", "m.yaml", ReasonManifestInvalid, ""},
		{"json duplicate key", `{"a":1,"a":1}`, "m.json", ReasonManifestInvalid, ""},
		{"json trailing data", `{"a":1} {}`, "m.json", ReasonManifestInvalid, ""},
		{"integer key", "1: x\n", "m.yaml", ReasonManifestInvalid, ""},
		{"boolean key", "true: x\n", "m.yaml", ReasonManifestInvalid, ""},
		{"null key", "~: x\n", "m.yaml", ReasonManifestInvalid, ""},
		{"merge key", "x: &a {k: 1}\ny: {<<: *a}\n", "m.yaml", ReasonManifestInvalid, ""},
		{"multi-document", "a: 1\n---\nb: 2\n", "m.yaml", ReasonManifestInvalid, ""},
		{"empty second document", "0\n---", "m.yaml", ReasonManifestInvalid, ""}, // a fuzz crasher
		{"unknown tag", "a: !custom x\n", "m.yaml", ReasonManifestInvalid, ""},
		{"infinity", "a: .inf\n", "m.yaml", ReasonManifestInvalid, ""},
		{"undefined alias", "a: *nope\n", "m.yaml", ReasonManifestInvalid, ""},
		{"not a mapping", "- a\n- b\n", "m.yaml", ReasonManifestInvalid, ""},
		{"empty", "", "m.yaml", ReasonManifestInvalid, ""},
		{"invalid yaml", "a: [1, 2\n", "m.yaml", ReasonManifestInvalid, ""},
		{"too deep", "a: " + strings.Repeat("[", 65) + strings.Repeat("]", 65) + "\n", "m.yaml", ReasonResourceLimitExceeded, ""},
		{"json too deep", `{"a":` + strings.Repeat("[", 65) + strings.Repeat("]", 65) + "}", "m.json", ReasonResourceLimitExceeded, ""},
		{"alias bomb", aliasBomb(), "m.yaml", ReasonResourceLimitExceeded, ""},
		{"too large", "a: '" + strings.Repeat("x", 1<<20) + "'\n", "m.yaml", ReasonResourceLimitExceeded, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := ParseDocument([]byte(tc.in), tc.file)
			if tc.reason != "" {
				var e *Error
				if !errors.As(err, &e) || e.Reason != tc.reason {
					t.Fatalf("got %v, want %s", err, tc.reason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := acstest.Canon(t, doc.Doc); got != tc.canon {
				t.Errorf("parsed %s, want %s", got, tc.canon)
			}
		})
	}
}

// aliasBomb is a "billion laughs": ten levels of ten aliases each.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		prev := "*l" + string(rune('0'+i-1))
		b.WriteString("l" + string(rune('0'+i)) + ": &l" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString(prev)
		}
		b.WriteString("]\n")
	}
	return b.String()
}
