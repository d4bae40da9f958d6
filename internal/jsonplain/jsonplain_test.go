package jsonplain

import "testing"

func TestMarshal(t *testing.T) {
	for _, tc := range []struct {
		in   any
		want string
	}{
		{map[string]any{"to": "<EMAIL_ADDRESS>", "q": "a&b"}, `{"q":"a&b","to":"<EMAIL_ADDRESS>"}`},
		{"line\n", `"line\n"`},
		{nil, `null`},
	} {
		got, err := Marshal(tc.in)
		if err != nil || string(got) != tc.want {
			t.Errorf("Marshal(%v) = %s %v, want %s", tc.in, got, err, tc.want)
		}
	}
	if _, err := Marshal(func() {}); err == nil {
		t.Error("a function encoded")
	}
}
