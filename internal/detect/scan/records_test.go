package scan

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRunRecords(t *testing.T) {
	long := strings.Repeat("x", MaxLineBytes+1)
	in := "a\n" + long + "\nb\r\n\nc"
	var out bytes.Buffer
	var seen []string
	err := RunRecords(context.Background(), strings.NewReader(in), &out, func(_ context.Context, line []byte) any {
		seen = append(seen, string(line))
		if len(line) == 0 {
			return Failure(nil, "empty line")
		}
		id := string(line)
		return map[string]string{"id": id}
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(seen, ",") != "a,b,,c" {
		t.Fatalf("lines handed over: %q", seen)
	}
	want := `{"id":"a"}` + "\n" + `{"id":null,"error":"line longer than 8388608 bytes"}` + "\n" + `{"id":"b"}` + "\n" + `{"id":null,"error":"empty line"}` + "\n" + `{"id":"c"}` + "\n"
	if out.String() != want {
		t.Fatalf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
