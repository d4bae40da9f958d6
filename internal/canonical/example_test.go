package canonical_test

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"

	"github.com/agentgov/agentgov/internal/canonical"
)

func ExampleCanonicalize() {
	// Two encodings of the same record hash identically once canonical.
	a := []byte(`{"b": [1.0, 2e0], "a": "caf\u00e9"}`)
	b := []byte(`{"a":"café","b":[1,2]}`)
	ca, _ := canonical.Canonicalize(a)
	cb, _ := canonical.Canonicalize(b)
	fmt.Printf("%s\n%t\n", ca, sha256.Sum256(ca) == sha256.Sum256(cb))
	// Output:
	// {"a":"café","b":[1,2]}
	// true
}

func ExampleError() {
	_, err := canonical.Canonicalize([]byte(`{"a":[0,{"b":1,"b":2}]}`))
	var e *canonical.Error
	if errors.As(err, &e) {
		fmt.Println(e.Offset, e.Path, e.Reason)
	}
	// Output:
	// 15 /a/1/b duplicate object key "b"
}

func ExampleAppendString() {
	buf := canonical.AppendString(nil, "tab\there \"quoted\" ✓")
	fmt.Println(string(buf))
	// Output:
	// "tab\there \"quoted\" ✓"
}

func ExampleAppendFloat() {
	for _, f := range []float64{1e21, 1e20, 0.000001, 1e-7, math.Copysign(0, -1)} {
		b, _ := canonical.AppendFloat(nil, f)
		fmt.Println(string(b))
	}
	// Output:
	// 1e+21
	// 100000000000000000000
	// 0.000001
	// 1e-7
	// 0
}
