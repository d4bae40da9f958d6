package load

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/agentgov/agentgov/acs"
)

type benchFile struct {
	loc  location
	data []byte
}

func benchFiles(b *testing.B) []benchFile {
	var files []benchFile
	for _, name := range []string{"parent1.yaml", "parent2.yaml", "parent3.yaml", "child.yaml"} {
		p, err := filepath.Abs(filepath.Join("testdata", "bench", name))
		if err != nil {
			b.Fatal(err)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		files = append(files, benchFile{location{path: p}, data})
	}
	return files
}

// mergeAndBuild merges three parents and a child in order, checking the
// merged size after each step as the loader does, and builds a runtime.
func mergeAndBuild(b *testing.B, l *loader, ms []*manifest) {
	var merged *manifest
	var err error
	for _, m := range ms {
		if merged, err = mergeManifests(merged, m, "bench"); err != nil {
			b.Fatal(err)
		}
		if err := l.checkSize(merged); err != nil {
			b.Fatal(err)
		}
	}
	doc := &acs.Document{Doc: merged.doc, Policies: merged.policies, Annotators: merged.annotators, Origins: merged.origins}
	if _, err := acs.New(context.Background(), doc, acs.Options{}); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkACSManifestMerge: a manifest with three extends parents, already
// parsed: merge and validate (acs.New).
func BenchmarkACSManifestMerge(b *testing.B) {
	files := benchFiles(b)
	l := newLoader(context.Background(), Options{})
	var ms []*manifest
	for _, f := range files {
		doc, err := l.parse(f.loc, f.data)
		if err != nil {
			b.Fatal(err)
		}
		delete(doc, "extends")
		ms = append(ms, newManifest(doc, f.loc))
	}
	b.ReportAllocs()
	for b.Loop() {
		mergeAndBuild(b, l, ms)
	}
}

// BenchmarkACSManifestParseMerge adds parsing the four YAML files.
func BenchmarkACSManifestParseMerge(b *testing.B) {
	files := benchFiles(b)
	l := newLoader(context.Background(), Options{})
	b.ReportAllocs()
	for b.Loop() {
		ms := make([]*manifest, 0, len(files))
		for _, f := range files {
			doc, err := l.parse(f.loc, f.data)
			if err != nil {
				b.Fatal(err)
			}
			delete(doc, "extends")
			ms = append(ms, newManifest(doc, f.loc))
		}
		mergeAndBuild(b, l, ms)
	}
}

// BenchmarkACSManifestFile is the whole file loader on the same manifests.
func BenchmarkACSManifestFile(b *testing.B) {
	path := filepath.Join("testdata", "bench", "child.yaml")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := File(context.Background(), path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}
