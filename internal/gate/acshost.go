package gate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/load"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/detect/catalog"
	"github.com/agentgov/agentgov/internal/detect/scan"
	"github.com/agentgov/agentgov/internal/policy/engines"
)

// acsManifest runs a profile's ACS manifest with the gate as its host.
type acsManifest struct {
	rt     *acs.Runtime
	points []acs.Point
	// approvalTimeout is the manifest's approval.timeout_seconds (0: none).
	approvalTimeout time.Duration
}

// Evaluate implements ManifestPolicy. A point the manifest does not
// configure is outside its scope: the manifest has no opinion there (the
// profile still applies), rather than denying every unconfigured point.
func (m *acsManifest) Evaluate(ctx context.Context, point string, snap map[string]any, mode string) ManifestResult {
	if !slices.Contains(m.points, acs.Point(point)) {
		return ManifestResult{Decision: Allow, Reason: "manifest:point_not_configured"}
	}
	res := m.rt.Evaluate(ctx, acs.Request{Point: point, Snapshot: snap, Mode: acs.Mode(mode)})
	r := ManifestResult{Decision: res.Verdict.Decision, Reason: res.Verdict.Reason, Message: res.Verdict.Message, Identity: res.EnforcedIdentity}
	if res.TransformApplied {
		r.Transformed, r.Applied = res.TransformedPolicyTarget, true
	}
	return r
}

// ACSLoader loads profile manifests with agentgov's engines; relative
// manifest paths are taken from dir (the configuration file's directory).
// The version of a manifest is the SHA-256 of its merged document and of
// the sources of every policy it binds.
func ACSLoader(ctx context.Context, dir string, o engines.Options) ManifestLoader {
	return func(path string) (ManifestPolicy, string, error) {
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		opts, err := engines.Runtime(o)
		if err != nil {
			return nil, "", err
		}
		doc, err := load.File(ctx, path, engines.Loader(o))
		if err != nil {
			return nil, "", err
		}
		approvalTimeout, err := checkManifestApproval(doc.Doc)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		rt, err := acs.New(ctx, doc, opts)
		if err != nil {
			return nil, "", err
		}
		if errs := rt.PolicyErrors(); len(errs) > 0 {
			// A policy that cannot be prepared would deny every check it
			// governs; refuse to activate it so that the old policy keeps
			// running and the operator sees why.
			return nil, "", fmt.Errorf("%s: %w", path, errs[0])
		}
		b, err := canonical.AppendValue(nil, doc.Doc)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", path, err)
		}
		// The version covers the policy code and data behind the
		// document too: a changed rego or cedar file is a new version.
		for _, src := range rt.PolicySources() {
			b = append(append(b, '\n'), src...)
		}
		sum := sha256.Sum256(b)
		return &acsManifest{rt: rt, points: rt.Points(), approvalTimeout: approvalTimeout}, "sha256:" + hex.EncodeToString(sum[:]), nil
	}
}

// StandardDetectors are the detectors every gate runs; profiles switch
// and tune them: blocked patterns, egress, and the content detectors
// under the profile key `detectors`.
func StandardDetectors() []Detector {
	ds := []Detector{PatternDetector{}, EgressDetector{}, SupplyChainDetector{}}
	for _, e := range catalog.Entries() {
		if e.Fields == scan.CodeFields {
			ds = append(ds, CodeDetector{Key: e.Key, D: e.New()})
			continue
		}
		ds = append(ds, ContentDetector{Key: e.Key, D: e.New()})
	}
	return ds
}
