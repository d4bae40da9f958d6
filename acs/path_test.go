package acs

import (
	"testing"

	"github.com/agentgov/agentgov/acs/internal/acstest"
)

func TestParsePath(t *testing.T) {
	tests := []struct {
		in   string
		root root
		segs string // rendered segments; "!" = syntax error
	}{
		{"$snap", rootSnap, ""},
		{"$", rootSnap, ""},
		{"$.input", rootSnap, ".input"},
		{"$.a.b[0]", rootSnap, ".a.b[0]"},
		{"$snap.tool_call.args", rootSnap, ".tool_call.args"},
		{"$pi.policy_target.value", rootPI, ".policy_target.value"},
		{"$policy_target", rootPolicyTarget, ""},
		{"$policy_target.messages[1].content", rootPolicyTarget, ".messages[1].content"},
		{"$tool.name", rootTool, ".name"},
		{`$snap["a.b"]["c[d"]`, rootSnap, `["a.b"]["c[d"]`},
		{`$snap["\u0041."]`, rootSnap, `["A."]`},
		{`$snap[""]`, rootSnap, `[""]`},
		{"$snap[007]", rootSnap, "[7]"},
		{"$snap.ünïcode.x y", rootSnap, ".ünïcode.x y"},
		{"snap.input", 0, "!"},
		{"", 0, "!"},
		{"$snapshot.x", 0, "!"},
		{"$policy_targetx", 0, "!"},
		{"$target", 0, "!"},
		{"$[0]", 0, "!"},
		{"$.", 0, "!"},
		{"$..x", 0, "!"},
		{"$snap.", 0, "!"},
		{"$snap.a..b", 0, "!"},
		{"$snap.a]", 0, "!"},
		{"$snap[-1]", 0, "!"},
		{"$snap[1.5]", 0, "!"},
		{"$snap[]", 0, "!"},
		{"$snap[x]", 0, "!"},
		{"$snap['x']", 0, "!"},
		{"$snap[0", 0, "!"},
		{`$snap["x"`, 0, "!"},
		{`$snap["x`, 0, "!"},
		{`$snap["x"]y`, 0, "!"},
		{`$snap["\x"]`, 0, "!"},
		{"$snap[99999999999999999999999]", 0, "!"},
		{"$snap x", 0, "!"},
	}
	for _, tc := range tests {
		p, err := parsePath(tc.in)
		if tc.segs == "!" {
			if err == nil {
				t.Errorf("parsePath(%q) accepted", tc.in)
			}
			continue
		}
		if err != nil {
			t.Errorf("parsePath(%q): %v", tc.in, err)
			continue
		}
		if p.root != tc.root || p.prefix(len(p.segs))[len(p.root.String()):] != tc.segs || p.raw != tc.in {
			t.Errorf("parsePath(%q) = %s%s", tc.in, p.root, p.prefix(len(p.segs)))
		}
	}
}

func TestResolvePath(t *testing.T) {
	doc := acstest.Decode(t, []byte(`{"a":{"b":[10,{"c":null}],"0":"zero","d.e":1},"s":"str","n":null}`))
	tests := []struct {
		path, want string // want: canonical value or a reason
	}{
		{"$snap.a.b[0]", "10"},
		{"$snap.a.b[1].c", "null"},
		{`$snap.a["d.e"]`, "1"},
		{`$snap.a["0"]`, `"zero"`},
		{"$snap.n", "null"},
		{"$snap.a.b[2]", ReasonPathMissing},
		{"$snap.a.x", ReasonPathMissing},
		{"$snap.a[0]", ReasonPathTypeMismatch},       // map[0] on {"0": …}
		{`$snap.a.b["0"]`, ReasonPathTypeMismatch},   // list["0"] on an array
		{"$snap.s.x", ReasonPathTypeMismatch},        // member of a string
		{"$snap.n.x", ReasonPathTypeMismatch},        // member of null
		{"$snap.a.b[1].c.d", ReasonPathTypeMismatch}, // member of null, deeper
	}
	for _, tc := range tests {
		p, err := parsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		v, rerr := p.resolve(doc)
		got := ""
		if rerr != nil {
			got = rerr.Reason
		} else {
			got = acstest.Canon(t, v)
		}
		if got != tc.want {
			t.Errorf("%s = %s, want %s", tc.path, got, tc.want)
		}
	}
}

func TestReplacePathCopiesOnWrite(t *testing.T) {
	doc := acstest.Decode(t, []byte(`{"a":{"b":[1,2]},"keep":{"x":1}}`))
	before := acstest.Canon(t, doc)
	p, _ := parsePath("$policy_target.a.b[1]")
	out, err := p.replace(doc, "two")
	if err != nil {
		t.Fatal(err)
	}
	if got := acstest.Canon(t, out); got != `{"a":{"b":[1,"two"]},"keep":{"x":1}}` {
		t.Errorf("replaced %s", got)
	}
	if acstest.Canon(t, doc) != before {
		t.Error("replace modified its input")
	}
	// Untouched branches are shared, not copied.
	if out.(map[string]any)["keep"].(map[string]any)["x"] == nil {
		t.Error("lost a sibling")
	}
	for _, bad := range []string{"$policy_target.a.c", "$policy_target.a.b[2]", "$policy_target.a.b.x", "$policy_target.keep[0]"} {
		p, _ := parsePath(bad)
		if _, err := p.replace(doc, 1); err == nil {
			t.Errorf("%s replaced", bad)
		}
	}
}
