package canonical

import (
	"bytes"
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
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

// TestAppendValueKeyOrder: objects whose keys share long prefixes, end
// early, hold NULs or characters on both sides of the surrogate range sort
// as the text path sorts them (keys of up to sixteen members take the
// prefix sort, larger objects the generic one).
func TestAppendValueKeyOrder(t *testing.T) {
	alphabet := []string{"\x00", "a", "b", "é", "\ue000", "\uffff", "😀", "\U00010000"}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 3000 {
		m := map[string]any{}
		for range 1 + rng.IntN(20) {
			var k strings.Builder
			for range rng.IntN(12) {
				k.WriteString(alphabet[rng.IntN(len(alphabet))])
			}
			m[k.String()] = len(m)
		}
		text, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		want, err := Canonicalize(text)
		if err != nil {
			t.Fatal(err)
		}
		got, err := AppendValue(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("keys %q:\nvalue path %s\ntext path  %s", slices.Collect(maps.Keys(m)), got, want)
		}
	}
}
