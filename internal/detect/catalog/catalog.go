// Package catalog lists agentgov's content detectors once: the name
// `agentgov scan --detector` takes, the key profiles configure them under,
// the input fields of the scan contract, and a constructor. The gate and
// the CLI both build their detectors from this list.
package catalog

import (
	"context"
	"io"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/code"
	"github.com/agentgov/agentgov/internal/detect/injection"
	"github.com/agentgov/agentgov/internal/detect/pii"
	"github.com/agentgov/agentgov/internal/detect/scan"
	"github.com/agentgov/agentgov/internal/detect/secrets"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
)

// Entry is one detector.
type Entry struct {
	// Name is the detector's name on the command line.
	Name string
	// Key is the detector's key under a profile's `detectors`.
	Key string
	// Fields are the input fields of its scan records.
	Fields scan.Fields
	// New returns the detector with its default profile.
	New func() detect.Detector
}

// Entries returns every detector, in a fixed order.
func Entries() []Entry {
	return []Entry{
		{Name: injection.Name, Key: "prompt_injection", Fields: scan.TextFields, New: func() detect.Detector { return injection.New() }},
		{Name: pii.Name, Key: "pii", Fields: scan.TextFields, New: func() detect.Detector { return pii.Default() }},
		{Name: secrets.Name, Key: "secrets", Fields: scan.TextFields, New: func() detect.Detector { return secrets.Default() }},
		{Name: code.Name, Key: "code", Fields: scan.CodeFields, New: func() detect.Detector { return code.New() }},
	}
}

// Lookup finds a detector by its command-line name.
func Lookup(name string) (Entry, bool) {
	for _, e := range Entries() {
		if e.Name == name {
			return e, true
		}
	}
	return Entry{}, false
}

// Names lists the command-line names.
func Names() []string {
	var out []string
	for _, e := range Entries() {
		out = append(out, e.Name)
	}
	for _, r := range Records() {
		out = append(out, r.Name)
	}
	return out
}

// Record is a detector whose scan records are not one text field, so it
// decodes each line itself: the MCP tool scanner reads a server's tool
// definitions. It runs standalone and in the MCP gateway, not as a gate
// content detector, so it has no profile key.
type Record struct {
	Name string
	// Run reads JSON Lines from r and writes one result per line to w.
	Run func(ctx context.Context, r io.Reader, w io.Writer) error
}

// Records returns the record detectors.
func Records() []Record {
	return []Record{
		{Name: toolscan.Name, Run: func(ctx context.Context, r io.Reader, w io.Writer) error { return toolscan.New().Run(ctx, r, w) }},
	}
}

// LookupRecord finds a record detector by its command-line name.
func LookupRecord(name string) (Record, bool) {
	for _, r := range Records() {
		if r.Name == name {
			return r, true
		}
	}
	return Record{}, false
}
