package gate

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/strictjson"
)

func TestDecodeCheckErrors(t *testing.T) {
	tests := []struct{ in, field, problem string }{
		{``, "requests[1]", "the document is empty"},
		{`[1]`, "requests[1]", "must be a JSON object, not array"},
		{`{"agent":"a","intervention_point":"input","snapshot":{},"zeta":1,"extra":2}`, "requests[1].extra", "is not a known field"},
		{`{"Agent":"a","intervention_point":"input","snapshot":{}}`, "requests[1].Agent", "is not a known field"},
		{`{"agent":7,"intervention_point":"input","snapshot":{}}`, "requests[1].agent", "must be a string, not number"},
		{`{"agent":"a","intervention_point":"input","snapshot":"x"}`, "requests[1].snapshot", "must be an object, not string"},
		{`{"agent":"a","intervention_point":"input","snapshot":{},"delegation":["t",false]}`, "requests[1].delegation", "must be a string, not bool"},
		{`{"agent":"a","intervention_point":"input","snapshot":{},"delegation":{}}`, "requests[1].delegation", "must be an array, not object"},
		{`{"intervention_point":"input","snapshot":{}}`, "requests[1].agent", "is required"},
		{`{"agent":"a","snapshot":{}}`, "requests[1].intervention_point", "is required"},
		{`{"agent":"a","intervention_point":"input","snapshot":null}`, "requests[1].snapshot", "is required"},
		{`{"agent":"a","intervention_point":"input","snapshot":{"x":1,"x":2}}`, "requests[1].snapshot/x", "duplicate object key"},
	}
	for _, tc := range tests {
		_, err := DecodeCheck([]byte(tc.in), "requests[1].")
		var se *strictjson.Error
		if !errors.As(err, &se) || se.Field != tc.field || !strings.Contains(se.Problem, tc.problem) {
			t.Errorf("DecodeCheck(%s) = %v, want field %q: %q", tc.in, err, tc.field, tc.problem)
		}
	}
	cr, err := DecodeCheck([]byte(`{"agent":"a","session":null,"intervention_point":"pre_tool_call","mode":"evaluate_only","approval_id":"ap-1","delegation":["t1","t2"],"snapshot":{"tool_call":{"name":"x","args":{"n":1.50}}}}`), "")
	if err != nil {
		t.Fatal(err)
	}
	if cr.Agent != "a" || cr.Session != "" || cr.Mode != "evaluate_only" || cr.ApprovalID != "ap-1" || len(cr.Delegation) != 2 || cr.Delegation[1] != "t2" {
		t.Fatalf("decoded %+v", cr)
	}
}

// FuzzDecodeCheck compares DecodeCheck with the two-step reading it
// replaced (strictjson.Vet, then encoding/json onto api.CheckRequest):
// both accept the same documents and read them the same way. The one
// intended difference is that member names are matched exactly, where
// encoding/json also took other capitalisations.
func FuzzDecodeCheck(f *testing.F) {
	f.Add(wireCheck)
	f.Add(`{"agent":"a","intervention_point":"input","snapshot":{"x":[1,"\u00e9",null,{"y":true}]},"delegation":["t"]}`)
	f.Add(`{"agent":"a","intervention_point":"input","snapshot":{},"mode":null}`)
	f.Add(`{"agent":"a","intervention_point":"input","snapshot":{},"AGENT":"b"}`)
	f.Add(`{"agent":"a","intervention_point":"input","snapshot":{"a":1,"a":2}}`)
	f.Fuzz(func(t *testing.T, s string) {
		raw := []byte(s)
		got, err := DecodeCheck(raw, "")
		var want api.CheckRequest
		werr := strictjson.Vet(raw, len(raw)+1)
		if werr == nil {
			werr = strictjson.Decode(raw, &want, true, "")
		}
		if werr == nil && (want.Agent == "" || want.InterventionPoint == "" || want.Snapshot == nil) {
			werr = errors.New("a required member is missing")
		}
		if err != nil && werr == nil {
			var se *strictjson.Error
			if errors.As(err, &se) && se.Problem == "is not a known field" && caseVariantOfMember(se.Field) {
				return
			}
			t.Fatalf("%q: DecodeCheck refused (%v) what the old reading accepted", s, err)
		}
		if err == nil && werr != nil {
			t.Fatalf("%q: DecodeCheck accepted what the old reading refused (%v)", s, werr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("%q: DecodeCheck read %+v, the old reading %+v", s, got, want)
		}
	})
}

func caseVariantOfMember(name string) bool {
	for _, m := range []string{"agent", "session", "intervention_point", "snapshot", "mode", "approval_id", "delegation"} {
		if strings.EqualFold(name, m) {
			return true
		}
	}
	return false
}
