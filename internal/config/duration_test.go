package config

import (
	"strings"
	"testing"
	"time"

	"github.com/goccy/go-yaml"
)

func TestParseDuration(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"10s", 10 * time.Second, ""},
		{"1m30s", 90 * time.Second, ""},
		{"250ms", 250 * time.Millisecond, ""},
		{"0s", 0, ""},
		{"10", 0, "needs a unit"},
		{"0", 0, "needs a unit"},
		{"-5", 0, "needs a unit"},
		{"", 0, "not a duration"},
		{"10 s", 0, "not a duration"},
		{"1.5", 0, "not a duration"},
		{"ten seconds", 0, "not a duration"},
	} {
		d, err := ParseDuration(tc.in)
		switch {
		case tc.err == "" && (err != nil || d.Duration != tc.want):
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, d, err, tc.want)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseDuration(%q) error = %v; want %q", tc.in, err, tc.err)
		}
	}
}

func TestDurationText(t *testing.T) {
	var d Duration
	if err := d.UnmarshalText([]byte("1m30s")); err != nil || d.Duration != 90*time.Second {
		t.Fatalf("UnmarshalText: %v %v", d, err)
	}
	b, err := d.MarshalText()
	if err != nil || string(b) != "1m30s" {
		t.Fatalf("MarshalText = %q, %v", b, err)
	}
	if err := d.UnmarshalText([]byte("30")); err == nil {
		t.Fatal("bare number accepted")
	}
}

// TestDurationGoYAML covers Duration used directly with goccy/go-yaml,
// outside Load.
func TestDurationGoYAML(t *testing.T) {
	var v struct {
		D Duration `yaml:"d"`
	}
	if err := yaml.Unmarshal([]byte("d: 1m30s\n"), &v); err != nil || v.D.Duration != 90*time.Second {
		t.Fatalf("Unmarshal: %v %v", v.D, err)
	}
	for _, bad := range []string{"d: 30\n", "d: 1.5\n", "d: [1]\n", "d: soon\n"} {
		if err := yaml.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%q) accepted", bad)
		}
	}
	if err := yaml.Unmarshal([]byte("d: 30\n"), &v); err == nil || !strings.Contains(err.Error(), "needs a unit") {
		t.Errorf("bare integer error = %v", err)
	}
	out, err := yaml.Marshal(v)
	if err != nil || string(out) != "d: 1m30s\n" {
		t.Fatalf("Marshal = %q, %v", out, err)
	}
}
