package daemon

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/keyring"
)

// GateOptions configure NewGate.
type GateOptions struct {
	Config *config.Config
	// ConfigFile is the file Config came from; manifests in profiles are
	// relative to its directory.
	ConfigFile string
	// Log is an open, writable audit log over Config's data directory;
	// the caller holds the directory's lock and closes the log.
	Log    *audit.Log
	Logger *slog.Logger
	// Trigger is recorded with the policy's activation (e.g. "check").
	Trigger string
	// Trust, when set (OpenTrust), gives the gate trust scores and
	// delegation verification over the caller's store; the caller closes
	// it. Without it, a minimum trust tier or a delegation chain is
	// denied.
	Trust *Trust
}

// build compiles cfg's policy and builds the gate over gv's log, with the
// data directory's gate keys and the standard detectors: the one way serve
// and one-shot commands make a gate.
func (gv *governance) build(ctx context.Context, cfg *config.Config, log *slog.Logger, m *gate.Metrics) (*gate.Gate, *gate.Policy, error) {
	keys, err := keyring.LoadOrCreateGateKeys(datadir.Dir(cfg.Storage.DataDir).Keys(), nil)
	if err != nil {
		return nil, nil, err
	}
	pol, err := gv.compile(ctx, cfg)
	if err != nil {
		return nil, nil, &PolicyError{Err: err}
	}
	gopts := gate.Options{Policy: pol, Recorder: gv.log, ArgsKey: keys.Args, PseudonymKey: keys.Pseudonym,
		Logger: log.With("component", "gate"), Metrics: m, Detectors: gate.StandardDetectors()}
	if gv.approvals != nil {
		gopts.Approvals = gv.approvals.svc
	}
	if gv.incident != nil {
		gopts.Kill, gopts.Trip, gopts.States = gv.incident.kills, gv.incident.kills, gv.incident
	}
	if gv.trust != nil {
		gopts.Trust, gopts.Delegation = gv.trust.model, gv.trust.verifier
	}
	g, err := gate.New(gopts)
	if err != nil {
		return nil, nil, err
	}
	gv.gate = g
	return g, pol, nil
}

// PolicyError is a configuration whose policy does not compile (a bad
// profile, a manifest that does not load): the operator's to fix, not a
// fault of the running system.
type PolicyError struct {
	Err error
}

func (e *PolicyError) Error() string { return "policy: " + e.Err.Error() }

func (e *PolicyError) Unwrap() error { return e.Err }

// NewGate builds the gate that serve runs for o.Config — the same policy
// compilation, detectors and arguments-digest key (so that digests recorded
// by a command and by the server correlate) — over a log the caller
// opened, for commands that decide checks without a server.
//
// The policy's activation is recorded as serve records it, except when the
// latest activation in the log is already this version: a command run once
// per agent action would otherwise write an activation beside every
// decision, while the log already says which policy is in force.
func NewGate(ctx context.Context, o GateOptions) (*gate.Gate, error) {
	log := o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	gv := &governance{dir: configDir(o.ConfigFile), log: o.Log, logger: log.With("component", "governance")}
	fo, err := OutboundFetch(o.Config) // spiffe.go
	if err != nil {
		return nil, err
	}
	gv.engines.Fetch = fo
	gv.trust = o.Trust
	if gv.incident, err = localIncident(ctx, o.Log, log); err != nil {
		return nil, err
	}
	g, pol, err := gv.build(ctx, o.Config, log, nil)
	if err != nil {
		return nil, err
	}
	last, err := lastActivation(ctx, o.Log)
	if err != nil {
		return nil, fmt.Errorf("reading the active policy from the log: %w", err)
	}
	if last != pol.Version {
		if err := gv.record(ctx, pol, last, o.Trigger); err != nil {
			return nil, fmt.Errorf("recording the active policy: %w", err)
		}
	}
	return g, nil
}

// lastActivation returns the policy version of the newest activation that
// agentgov itself recorded, or "". Entries of the same type written by API
// callers are ignored: a caller must not be able to claim that a policy is
// already recorded as active.
func lastActivation(ctx context.Context, l *audit.Log) (string, error) {
	version := ""
	q := audit.Query{Type: "config_change", Limit: audit.MaxQueryLimit}
	for {
		page, err := l.Query(ctx, q)
		if err != nil {
			return "", err
		}
		for _, e := range page.Entries {
			if e.Source == audit.SourceAgentgov && e.Action == "policy_activate" {
				version = e.PolicyVersion
			}
		}
		if page.NextCursor == nil {
			return version, nil
		}
		q.Cursor = *page.NextCursor
	}
}
