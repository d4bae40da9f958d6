package load

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"path"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

// memFS is an in-memory FS without symlinks.
type memFS map[string][]byte

func (m memFS) Open(name string) (io.ReadCloser, error) {
	b, ok := m[path.Clean(name)]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

func (m memFS) EvalSymlinks(name string) (string, error) {
	name = path.Clean(name)
	if _, ok := m[name]; !ok {
		return "", fs.ErrNotExist
	}
	return name, nil
}

// FuzzLoad: a fuzzed top-level manifest extending fixed parents (files and
// URLs) never panics the loader, fails only with reserved reasons, and
// what loads builds or is refused as manifest_invalid.
func FuzzLoad(f *testing.F) {
	for _, s := range []string{
		"agent_control_specification_version: 0.3.1-beta\nextends: [base.yaml, 'https://h.example/p.yaml']\nintervention_points: {input: {annotations: {a: {from: $snap}}}}\n",
		"agent_control_specification_version: 0.3.1-beta\nextends: [top.yaml]\n",
		"agent_control_specification_version: 0.3.1-beta\nextends: [{url: 'https://h.example/p.yaml', sha256: " + hexPin(remoteParent) + "}]\nmetadata: {x: {y: 1}}\n",
		"agent_control_specification_version: 0.3.0-alpha\nextends: [../escape.yaml]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := memFS{
			"/m/top.yaml":  data,
			"/m/base.yaml": []byte("agent_control_specification_version: 0.3.1-beta\npolicies: {p: {type: test, verdict: {decision: allow}}}\nannotators: {a: {type: classifier}}\nintervention_points: {input: {policy_target: $snap.input, policy: {id: p}}}\nmetadata: {x: {z: 2}}\n"),
			"/escape.yaml": []byte(leaf),
		}
		fetcher := &fakeFetcher{bodies: map[string]string{"https://h.example/p.yaml": remoteParent}}
		doc, err := File(context.Background(), "/m/top.yaml", Options{FS: fsys, Fetcher: fetcher})
		if err != nil {
			if r := reasonOf(err); r != acs.ReasonManifestInvalid && r != acs.ReasonResourceLimitExceeded {
				t.Fatalf("error %v", err)
			}
			return
		}
		if _, err := acs.New(context.Background(), doc, acs.Options{}); err != nil && reasonOf(err) != acs.ReasonManifestInvalid {
			t.Fatalf("New: %v", err)
		}
	})
}

const remoteParent = "agent_control_specification_version: 0.3.1-beta\ntools: {t: {}}\n"

func reasonOf(err error) string {
	if e, ok := err.(*acs.Error); ok {
		return e.Reason
	}
	return ""
}
