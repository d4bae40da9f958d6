package gate

import "context"

// ManifestPolicy is a profile's ACS manifest. The gate calls it as the ACS
// host, with the snapshot it built (the authenticated agent written in)
// and the request's mode.
type ManifestPolicy interface {
	Evaluate(ctx context.Context, point string, snapshot map[string]any, mode string) ManifestResult
}

// ManifestResult is the part of an ACS result the gate acts on.
type ManifestResult struct {
	// Decision is one of the five verdicts; "" means the evaluation could
	// not run at all (the gate denies).
	Decision string
	// Reason is the verdict's reason; a runtime failure carries its
	// reserved runtime_error: reason.
	Reason  string
	Message string
	// Transformed is the rewritten policy target when Applied.
	Transformed any
	Applied     bool
	// Identity is the ACS enforced identity of the action, the value an
	// approval binds to.
	Identity string
}
