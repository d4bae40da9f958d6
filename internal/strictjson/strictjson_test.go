package strictjson

import (
	"encoding/json"
	"errors"
	"testing"
)

type doc struct {
	Name  string         `json:"name"`
	Count int            `json:"count"`
	Tags  []string       `json:"tags"`
	Data  map[string]any `json:"data"`
}

func TestVetAndDecode(t *testing.T) {
	cases := []struct {
		name, in     string
		field, probl string
	}{
		{"ok", `{"name":"a","count":2,"tags":["x"],"data":{"n":1.50}}`, "", ""},
		{"empty", `  `, "", "the document is empty; send a JSON object"},
		{"duplicate key", `{"name":"a","name":"b"}`, "name", ""},
		{"unknown member", `{"nam":"a"}`, "nam", "is not a known field"},
		{"wrong type", `{"count":"two"}`, "count", "must be a number, not string"},
		{"not an object", `[1]`, "", "must be a JSON object, not array"},
		{"nested wrong type", `{"tags":[1]}`, "tags", "must be a string, not number"},
		{"trailing data", `{"name":"a"} {"name":"b"}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Vet([]byte(tc.in), 1<<20)
			var d doc
			if err == nil {
				err = Decode([]byte(tc.in), &d, true, "")
			}
			if tc.name == "ok" {
				if err != nil || d.Data["n"] != json.Number("1.50") {
					t.Fatalf("%v %+v", err, d)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error", err)
			}
			if e.Field != tc.field || (tc.probl != "" && e.Problem != tc.probl) {
				t.Fatalf("got %q %q, want %q %q", e.Field, e.Problem, tc.field, tc.probl)
			}
		})
	}
	var d doc
	err := Decode([]byte(`{"count":true}`), &d, false, "requests[2].")
	var e *Error
	if !errors.As(err, &e) || e.Field != "requests[2].count" {
		t.Fatalf("prefix: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"name":"a","count":1}`))
	f.Add([]byte(`{"data":{"a":[1,{"b":null}]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := Vet(b, 1<<16); err != nil {
			return
		}
		var d doc
		_ = Decode(b, &d, true, "")
	})
}
