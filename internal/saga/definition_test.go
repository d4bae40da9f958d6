package saga

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestDecodeDefinition(t *testing.T) {
	ok := `{"agent":"bot","substitute":"standby","timeout":"10m","input":{"a":1},
 "steps":[{"name":"reserve","url":"https://inv.example/r","compensation_url":"https://inv.example/u","timeout":"30s","max_attempts":3},
          {"name":"charge","tool":"payments.charge","url":"http://127.0.0.1:9/c","compensation_url":"http://localhost:9/u"}]}`
	d, err := DecodeDefinition([]byte(ok))
	if err != nil {
		t.Fatal(err)
	}
	if d.Agent != "bot" || len(d.Steps) != 2 || d.Steps[1].Tool != "payments.charge" || d.Steps[0].MaxAttempts != 3 {
		t.Fatalf("%+v", d)
	}
	step := func(s string) string { return `{"agent":"bot","steps":[` + s + `]}` }
	good := `{"name":"a","url":"https://x.example/a","compensation_url":"https://x.example/b"}`
	for _, tc := range []struct {
		name, doc, field string
	}{
		{"empty", ``, ""},
		{"not an object", `[]`, ""},
		{"unknown member", `{"agent":"bot","steps":[],"x":1}`, "x"},
		{"duplicate member", `{"agent":"bot","agent":"b2","steps":[` + good + `]}`, "agent"},
		{"no agent", `{"steps":[` + good + `]}`, "agent"},
		{"agent with space", `{"agent":"a b","steps":[` + good + `]}`, "agent"},
		{"substitute is agent", `{"agent":"bot","substitute":"bot","steps":[` + good + `]}`, "substitute"},
		{"no steps", `{"agent":"bot","steps":[]}`, "steps"},
		{"bad saga timeout", `{"agent":"bot","timeout":"soon","steps":[` + good + `]}`, "timeout"},
		{"saga timeout too long", `{"agent":"bot","timeout":"9000h","steps":[` + good + `]}`, "timeout"},
		{"step without name", step(`{"url":"https://x.example/a","compensation_url":"https://x.example/b"}`), "steps[0].name"},
		{"step name with slash", step(`{"name":"a/b","url":"https://x.example/a","compensation_url":"https://x.example/b"}`), "steps[0].name"},
		{"duplicate step", step(good + `,` + good), "steps[1].name"},
		{"no compensation", step(`{"name":"a","url":"https://x.example/a"}`), "steps[0].compensation_url"},
		{"plain http off loopback", step(`{"name":"a","url":"http://x.example/a","compensation_url":"https://x.example/b"}`), "steps[0].url"},
		{"ftp", step(`{"name":"a","url":"ftp://x.example/a","compensation_url":"https://x.example/b"}`), "steps[0].url"},
		{"credentials", step(`{"name":"a","url":"https://u:p@x.example/a","compensation_url":"https://x.example/b"}`), "steps[0].url"},
		{"fragment", step(`{"name":"a","url":"https://x.example/a#f","compensation_url":"https://x.example/b"}`), "steps[0].url"},
		{"relative", step(`{"name":"a","url":"/a","compensation_url":"https://x.example/b"}`), "steps[0].url"},
		{"step timeout", step(`{"name":"a","url":"https://x.example/a","compensation_url":"https://x.example/b","timeout":"2h"}`), "steps[0].timeout"},
		{"attempts", step(`{"name":"a","url":"https://x.example/a","compensation_url":"https://x.example/b","max_attempts":11}`), "steps[0].max_attempts"},
		{"wrong type", `{"agent":7,"steps":[]}`, "agent"},
		{"too many steps", step(manySteps(33)), "steps"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeDefinition([]byte(tc.doc))
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v, want a FieldError", err)
			}
			if fe.Field != tc.field {
				t.Fatalf("field %q (%v), want %q", fe.Field, err, tc.field)
			}
		})
	}
}

func manySteps(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"name":"s` + strings.Repeat("x", i) + `","url":"https://x.example/a","compensation_url":"https://x.example/b"}`)
	}
	return b.String()
}

func FuzzDecodeDefinition(f *testing.F) {
	f.Add([]byte(`{"agent":"bot","steps":[{"name":"a","url":"https://x.example/a","compensation_url":"https://x.example/b"}]}`))
	f.Add([]byte(`{"agent":"bot","timeout":"1m","input":{"k":[1,2]},"steps":[{"name":"a","url":"http://[::1]:8/a","compensation_url":"http://localhost/b","max_attempts":2,"timeout":"1s"}]}`))
	f.Add([]byte(`{"agent":"","steps":null}`))
	f.Add([]byte(`{"agent":"a","agent":"b"}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		d, err := DecodeDefinition(raw)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		// Whatever is accepted satisfies every rule, and stays accepted
		// through the store's round trip.
		if err := Validate(d); err != nil {
			t.Fatalf("accepted but invalid: %v", err)
		}
		if d.Agent == "" || len(d.Steps) == 0 || len(d.Steps) > MaxSteps {
			t.Fatalf("accepted %+v", d)
		}
		again, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := DecodeDefinition(again); err != nil {
			t.Fatalf("the stored form of an accepted definition is refused: %v\n%s", err, again)
		}
		for _, s := range d.Steps {
			if CheckURL("url", s.URL) != nil || CheckURL("compensation_url", s.CompensationURL) != nil {
				t.Fatalf("accepted URL %q / %q", s.URL, s.CompensationURL)
			}
		}
	})
}
