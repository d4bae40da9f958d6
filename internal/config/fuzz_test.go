package config

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const fuzzSecret = "FUZZ-SECRET-7f3a9c1e5b2d4f6a8c0e2b4d6f8a0c2e"

func FuzzLoad(f *testing.F) {
	for _, name := range []string{"agentgov.yaml", "agentgov.full.yaml"} {
		if data, err := os.ReadFile(filepath.Join(examplesDir, name)); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{
		"",
		"server:\n  addr: 0.0.0.0:1\n",
		"auth:\n  tokens:\n    - {name: a, token: \"${OPS_TOKEN}\", role: ADMIN}\n    - {name: a, token: \"${OPS_TOKEN}\", role: READER}\n",
		"a: &x 1\nb: *x\n",
		"server: {tls: {cert: a, key: b}, addr: \":443\", diagnostic_addr: \":443\"}\n",
		"audit:\n  checkpoint_interval: 10\n  max_payload_bytes: 0x10\n",
		"log: [1, 2]\n---\nx: y\n",
		"storage:\n  data_dir: $${x}${",
		"? a\n: b\n",
		"%YAML 1.2\n%TAG ! tag:x,2000:\n---\n!a b\n",
		"outbound:\n  tls:\n    pins:\n      a.example: [sha256/x]\n      ? [1]\n      : b\n      a.example: ~\n",
	} {
		f.Add([]byte(s))
	}
	env := envOf("OPS_TOKEN", fuzzSecret, "EMPTY", "")
	// One file reused across inputs: the fuzz function runs serially
	// within a worker, and a directory per input would dominate the cost.
	path := filepath.Join(f.TempDir(), "fuzz.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(Options{File: path, LookupEnv: env})
		if err == nil {
			if cfg == nil {
				t.Fatal("nil config without error")
			}
			if verr := cfg.Validate(); verr != nil {
				t.Fatalf("Load accepted a config that Validate rejects: %v", verr)
			}
			_ = cfg.Redacted()
			_ = cfg.Loopback()
			return
		}
		if cfg != nil {
			t.Fatal("config returned with an error")
		}
		var es Errors
		if !errors.As(err, &es) || len(es) == 0 {
			t.Fatalf("error is not a non-empty Errors: %T %v", err, err)
		}
		for _, e := range es {
			if e.Problem == "" {
				t.Fatalf("empty problem in %v", err)
			}
			if e.Source == SourceFile && e.File != path {
				t.Fatalf("file error without the file name: %+v", e)
			}
		}
		// ${OPS_TOKEN} may be expanded anywhere in the file; its value
		// must never come back in a message.
		if !bytes.Contains(data, []byte("FUZZ-SECRET")) && strings.Contains(err.Error(), "FUZZ-SECRET") {
			t.Fatalf("secret leaked into error:\n%v", err)
		}
	})
}
