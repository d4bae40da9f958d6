package canonical

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzAppendValue holds AppendValue to the text path: decoding a document
// and encoding the value must give what Canonicalize gives.
func FuzzAppendValue(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null,"x"]}`, `{"\u20ac":1,"\ud83d\ude00":2,"\ufb33":3}`, `1.5e300`, `"tab\t"`, `[{"z":{"y":-0}}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, err := Canonicalize(data)
		if err != nil {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return
		}
		got, err := AppendValue(nil, v)
		if err != nil {
			t.Fatalf("AppendValue failed on input Canonicalize accepts: %v", err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("value path %s, text path %s", got, want)
		}
	})
}

func TestAppendValueRejects(t *testing.T) {
	for _, v := range []any{json.Number("1e999"), struct{}{}, map[string]any{"a": make(chan int)}} {
		if _, err := AppendValue(nil, v); err == nil {
			t.Errorf("%v accepted", v)
		}
	}
	var deep any = "x"
	for range 200 {
		deep = []any{deep}
	}
	if _, err := AppendValue(nil, deep); err == nil {
		t.Error("deep value accepted")
	}
}
