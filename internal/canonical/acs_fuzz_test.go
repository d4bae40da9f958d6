package canonical

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"testing"
)

// FuzzACS: for any JSON document, the ACS canonical form parses back to an
// equal value (numbers equal as float64, integers exactly), is sorted at
// every depth, is a fixed point (canonicalizing it again changes nothing),
// and MeasureACS agrees with its length.
func FuzzACS(f *testing.F) {
	for _, s := range fuzzSeeds() {
		f.Add([]byte(s))
	}
	for _, s := range []string{`{"b":1.0,"a":[1e2,-0,18446744073709551616]}`, `"\u2028</>&"`, `{"\ue000":1,"\ud83d\ude00":2}`, `1e-7`, `123456789.0`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) != nil {
			return
		}
		out, err := AppendACS(nil, v)
		if err != nil {
			// Only numbers beyond the float64 range are refused.
			return
		}
		size, _, err := MeasureACS(v, -1, -1)
		if err != nil || size != int64(len(out)) {
			t.Fatalf("MeasureACS = %d, %v; output is %d bytes", size, err, len(out))
		}
		dec = json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		var back any
		if err := dec.Decode(&back); err != nil || dec.More() {
			t.Fatalf("output %q is not one JSON value: %v", out, err)
		}
		if !sameValue(v, back) {
			t.Fatalf("round trip changed the value:\n in %q\nout %q", in, out)
		}
		again, err := AppendACS(nil, back)
		if err != nil || !bytes.Equal(again, out) {
			t.Fatalf("not idempotent:\n%q\n%q", out, again)
		}
		if !sorted(back) {
			t.Fatalf("members not sorted: %q", out)
		}
	})
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case json.Number:
		y, ok := b.(json.Number)
		if !ok {
			return false
		}
		if ix, err := strconv.ParseInt(string(x), 10, 64); err == nil && ix != 0 {
			iy, err := strconv.ParseInt(string(y), 10, 64)
			return err == nil && ix == iy
		}
		if ux, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			uy, err := strconv.ParseUint(string(y), 10, 64)
			if err == nil {
				return ux == uy
			}
		}
		fx, _ := strconv.ParseFloat(string(x), 64)
		fy, _ := strconv.ParseFloat(string(y), 64)
		return fx == fy && math.Signbit(fx) == math.Signbit(fy)
	case []any:
		y, ok := b.([]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !sameValue(x[i], y[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, e := range x {
			if !sameValue(e, y[k]) {
				return false
			}
		}
		return true
	case string:
		// encoding/json already replaced invalid UTF-8 while decoding.
		return x == b
	default:
		return a == b
	}
}

// sorted checks the member order of the canonical output by re-reading it
// with the tokenizer, which preserves order.
func sorted(v any) bool {
	b, _ := AppendACS(nil, v)
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		obj  bool
		keys []string
		key  bool
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{obj: t == '{', key: true})
			default:
				if top.obj && !slices.IsSorted(top.keys) {
					return false
				}
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.obj && top.key {
				top.keys = append(top.keys, t)
				top.key = false
				continue
			}
		}
		if top != nil && top.obj {
			top.key = true
		}
	}
}
