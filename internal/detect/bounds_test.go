package detect

import (
	"errors"
	"testing"
)

var errTooLarge = errors.New("test: input too large")

func TestInputBounds(t *testing.T) {
	for _, tc := range []struct{ configured, want int }{{0, 100}, {5, 5}} {
		if got, err := InputLimit(tc.configured, 100); err != nil || got != tc.want {
			t.Errorf("InputLimit(%d) = %d, %v", tc.configured, got, err)
		}
	}
	if _, err := InputLimit(-1, 100); err == nil || err.Error() != "negative max input bytes" {
		t.Errorf("InputLimit(-1): %v", err)
	}
	if err := CheckInputSize("12345", 5, errTooLarge); err != nil {
		t.Error(err)
	}
	err := CheckInputSize("123456", 5, errTooLarge)
	if !errors.Is(err, errTooLarge) || err.Error() != "test: input too large: 6 bytes, limit 5" {
		t.Errorf("over the bound: %v", err)
	}
}
