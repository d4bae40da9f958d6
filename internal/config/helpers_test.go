package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func sprintf(format string, a ...any) string { return fmt.Sprintf(format, a...) }

// writeConfig writes src to a temp file and returns its path.
func writeConfig(t testing.TB, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "agentgov.yaml")
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func envOf(kv ...string) func(string) (string, bool) {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// expectErr loads and compares the whole error text, with FILE standing
// for the config path.
func expectErr(t *testing.T, opts Options, want ...string) {
	t.Helper()
	cfg, err := Load(opts)
	if err == nil {
		t.Fatalf("Load succeeded (%+v), want:\n%s", cfg, strings.Join(want, "\n"))
	}
	if cfg != nil {
		t.Errorf("Load returned a config with an error")
	}
	got := err.Error()
	if opts.File != "" {
		got = strings.ReplaceAll(got, opts.File, "FILE")
	}
	if got != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
}

func mustLoad(t *testing.T, opts Options) *Config {
	t.Helper()
	cfg, err := Load(opts)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return cfg
}
