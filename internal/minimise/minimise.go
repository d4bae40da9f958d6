// Package minimise keeps personal data and secrets out of the audit log:
// before an event is appended, its free-text fields and every string and
// number in its payload are run through the PII and secret detectors and
// what they find is replaced by a tag (<EMAIL_ADDRESS>, <AWS_ACCESS_KEY>).
// The log itself knows nothing of detectors; it is handed a Minimiser.
//
// Identifiers (agent, session, action, decision, policy version) are kept
// as given: they are what entries are queried by, and they are chosen by
// the operator and the integration, which must not make personal data an
// identifier.
package minimise

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/pii"
	"github.com/agentgov/agentgov/internal/detect/redact"
	"github.com/agentgov/agentgov/internal/detect/secrets"
)

// Minimiser redacts events. It is immutable and safe for concurrent use.
type Minimiser struct {
	dets []detect.Detector
	r    *redact.Redactor
}

// New returns a Minimiser with the default PII and secret detectors and
// the tag strategy: a tag says what was there, and nothing of it.
func New() *Minimiser {
	r, err := redact.New(redact.Options{Strategy: redact.Tag})
	if err != nil {
		panic(err) // the tag strategy needs no key: unreachable
	}
	return &Minimiser{dets: []detect.Detector{pii.Default(), secrets.Default()}, r: r}
}

// maxDepth bounds the nesting the key pass follows; deeper payloads are
// refused by the log's canonical form anyway.
const maxDepth = 128

// keys minimises object keys, which redact.JSON leaves alone because it
// must not merge fields: a key that holds personal data is renamed to its
// redacted form, with a counter when two keys redact alike.
func (m *Minimiser) keys(ctx context.Context, v any, depth int) (any, bool, error) {
	if depth > maxDepth {
		return nil, false, fmt.Errorf("minimise: payload nested deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case map[string]any:
		changed := false
		out := make(map[string]any, len(x))
		for _, k := range slices.Sorted(maps.Keys(x)) {
			e, c, err := m.keys(ctx, x[k], depth+1)
			if err != nil {
				return nil, false, err
			}
			nk, err := m.Text(ctx, k)
			if err != nil {
				return nil, false, err
			}
			if nk != k {
				base := nk
				for i := 2; ; i++ {
					if _, taken := x[nk]; !taken {
						if _, taken = out[nk]; !taken {
							break
						}
					}
					nk = fmt.Sprintf("%s#%d", base, i)
				}
			}
			changed = changed || c || nk != k
			out[nk] = e
		}
		return out, changed, nil
	case []any:
		changed := false
		out := make([]any, len(x))
		for i, e := range x {
			r, c, err := m.keys(ctx, e, depth+1)
			if err != nil {
				return nil, false, err
			}
			out[i], changed = r, changed || c
		}
		return out, changed, nil
	}
	return v, false, nil
}

// Text returns s with personal data and secrets replaced by tags.
func (m *Minimiser) Text(ctx context.Context, s string) (string, error) {
	out, _, err := m.r.Text(ctx, s, m.dets, detect.SourceModel)
	if err != nil {
		return "", fmt.Errorf("minimise: %w", err)
	}
	return out, nil
}

// Minimise rewrites ev in place. An error means the event could not be
// inspected; the caller must not record it as it is.
func (m *Minimiser) Minimise(ctx context.Context, ev *api.Event) error {
	for _, f := range []*string{&ev.Reason, &ev.Rule} {
		if *f == "" {
			continue
		}
		out, err := m.Text(ctx, *f)
		if err != nil {
			return err
		}
		*f = out
	}
	if len(ev.Payload) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(ev.Payload))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return fmt.Errorf("minimise: payload: %w", err)
	}
	v, renamed, err := m.keys(ctx, v, 0)
	if err != nil {
		return err
	}
	out, found, err := m.r.JSON(ctx, v, m.dets, detect.SourceModel)
	if err != nil {
		return fmt.Errorf("minimise: payload: %w", err)
	}
	if len(found) == 0 && !renamed {
		return nil
	}
	b, err := canonical.AppendValue(nil, out)
	if err != nil {
		return fmt.Errorf("minimise: payload: %w", err)
	}
	ev.Payload = b
	return nil
}
