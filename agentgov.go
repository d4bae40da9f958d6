// Package agentgov governs AI agents from Go: every action an agent takes
// is checked before it runs, and every decision lands in an audit log that
// anyone holding the log's public key can verify offline.
//
// This package is the facade for embedding: the Governor (New), which
// checks every action of configured agents and records each decision; the
// audit log (OpenLog) and the offline verification functions; and ACS
// policies evaluated in-process (LoadPolicy, returning a runtime of package
// acs). Wire types live in
// package api, and the HTTP client in package client.
package agentgov

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/acs"
	"github.com/agentgov/agentgov/acs/load"
	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/logkey"
	"github.com/agentgov/agentgov/internal/minimise"
	"github.com/agentgov/agentgov/internal/policy/engines"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/store/memory"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/translog"
	"github.com/agentgov/agentgov/internal/trust"
)

// DefaultOrigin is the origin of a log opened without one.
const DefaultOrigin = "agentgov.local/log"

// LogOptions configure OpenLog.
type LogOptions struct {
	// DataDir holds the store and the signing key; both are created on
	// first use. While the Log is open it holds the directory's lock, so an
	// agentgov server cannot use the same directory at the same time.
	DataDir string
	// Origin names the log in its checkpoints (default DefaultOrigin).
	Origin string
	// Source is recorded as the principal of appended entries (default
	// "embedded").
	Source string
	// MaxPayloadBytes bounds one payload (default 1 MiB).
	MaxPayloadBytes int
	// KeepPersonalData records payloads, reasons and rules as given. By
	// default personal data and secrets in them are replaced by tags
	// (<EMAIL_ADDRESS>) before they are recorded.
	KeepPersonalData bool
	Logger           *slog.Logger
}

// minimiser is the audit minimiser for the setting (nil: none).
func minimiser(keep bool) audit.Minimiser {
	if keep {
		return nil
	}
	return minimise.New()
}

// Log is an open audit log. It is safe for concurrent use; concurrent
// appends are committed together.
type Log struct {
	log    *audit.Log
	closer func() error
	vkey   string
	source string
	// keys rotates the signing key (agentgov_keys.go).
	keys *logkey.Log
	// approvals is the store's approvals domain (approvals.go).
	approvals store.Approvals
	// kills is the store's kill-switch domain (agentgov_kill.go).
	kills store.Kills
	// sagas is the store's saga domain (agentgov_saga.go).
	sagas store.Sagas
	// trust is the store's trust-score domain (agentgov_trust.go).
	trust store.Trust
}

// LogQuery selects entries; empty fields match anything.
type LogQuery = audit.Query

// VerifyReport is the outcome of Log.Verify.
type VerifyReport = audit.Report

// VerifyProblem is one finding of Log.Verify.
type VerifyProblem = audit.Problem

// OpenLog opens (creating if needed) the durable audit log in o.DataDir.
func OpenLog(ctx context.Context, o LogOptions) (*Log, error) {
	if o.DataDir == "" {
		return nil, errors.New("agentgov: LogOptions.DataDir is required")
	}
	o = withDefaults(o)
	dir := datadir.Dir(o.DataDir)
	lock, err := dir.Acquire(datadir.Holder{Command: "agentgov (embedded)"})
	if err != nil {
		return nil, err
	}
	st, err := sqlite.Open(ctx, sqlite.Options{Path: dir.DB(), Logger: o.Logger})
	if err != nil {
		lock.Release()
		return nil, err
	}
	// logkey creates or loads the signing key and finishes a key rotation
	// a crash interrupted.
	kl, err := logkey.Open(ctx, dir.Keys(), audit.Options{Store: st, Origin: o.Origin,
		MaxPayloadBytes: o.MaxPayloadBytes, Logger: o.Logger, Minimiser: minimiser(o.KeepPersonalData)})
	if err != nil {
		st.Close()
		lock.Release()
		return nil, err
	}
	l := kl.Log
	return &Log{log: l, keys: kl, vkey: l.KeyChain().Root().VerifierKey, source: o.Source, approvals: st, kills: st, sagas: st, trust: st,
		closer: func() error { return errors.Join(st.Close(), lock.Release()) }}, nil
}

// OpenMemoryLog opens a log that lives only in memory, with a fresh signing
// key: for tests and for verifying the library's behaviour, never for
// records that must survive the process.
func OpenMemoryLog(ctx context.Context, origin string) (*Log, error) {
	o := withDefaults(LogOptions{Origin: origin})
	skey, vkey, err := note.GenerateKey(rand.Reader, o.Origin)
	if err != nil {
		return nil, fmt.Errorf("agentgov: %w", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, err
	}
	mem := memory.New()
	l, err := audit.Open(ctx, audit.Options{Store: mem, Origin: o.Origin, Signer: signer, VerifierKey: vkey, Minimiser: minimise.New()})
	if err != nil {
		return nil, err
	}
	return &Log{log: l, keys: logkey.InMemory(l, o.Origin, nil), vkey: vkey, source: o.Source, approvals: mem, kills: memory.NewKills(), sagas: mem, trust: memory.NewTrust(), closer: func() error { return nil }}, nil
}

func withDefaults(o LogOptions) LogOptions {
	if o.Origin == "" {
		o.Origin = DefaultOrigin
	}
	if o.Source == "" {
		o.Source = "embedded"
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// VerifierKey is the log's public key in signed-note verifier format; hand
// it to auditors so they can verify checkpoints, proofs and exports.
// After a key rotation it is the current key; RootKey is the first.
func (l *Log) VerifierKey() string { return l.log.CurrentKey() }

// Append records an event and returns its index once it is durable.
func (l *Log) Append(ctx context.Context, ev api.Event) (int64, error) {
	return l.log.Append(ctx, &ev, l.source)
}

// Entry returns one entry.
func (l *Log) Entry(ctx context.Context, index int64) (api.Entry, error) {
	return l.log.Entry(ctx, index)
}

// Query returns one page of entries in index order.
func (l *Log) Query(ctx context.Context, q LogQuery) (api.EntryPage, error) {
	return l.log.Query(ctx, q)
}

// Erase deletes the payload of an entry (retention, right to erasure) and
// returns the index of the erasure entry that records it. Proofs of the
// entry stay valid.
func (l *Log) Erase(ctx context.Context, index int64, reason string) (int64, error) {
	return l.log.Erase(ctx, index, reason+" (requested by "+l.source+")", audit.SourceAgentgov)
}

// Checkpoint returns a signed checkpoint (C2SP signed note) covering every
// entry appended so far.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	c, err := l.log.Checkpoint(ctx)
	return c.Note, err
}

// InclusionProof proves entry index in the tree of treeSize entries; 0 means
// the latest checkpoint, signing a new one if the entry is not yet covered.
func (l *Log) InclusionProof(ctx context.Context, index, treeSize int64) (api.InclusionProof, error) {
	return l.log.InclusionProof(ctx, index, treeSize)
}

// ConsistencyProof proves that the tree of size from is a prefix of the tree
// of size to.
func (l *Log) ConsistencyProof(ctx context.Context, from, to int64) (api.ConsistencyProof, error) {
	return l.log.ConsistencyProof(ctx, from, to)
}

// Verify recomputes the whole log from its store and checks it against
// every stored checkpoint.
func (l *Log) Verify(ctx context.Context) (*VerifyReport, error) {
	v, err := note.NewVerifier(l.vkey)
	if err != nil {
		return nil, err
	}
	return audit.Verify(ctx, l.log.Store(), audit.VerifyOptions{Verifier: v})
}

// Close waits for queued appends, signs a final checkpoint and releases the
// store.
func (l *Log) Close(ctx context.Context) error {
	return errors.Join(l.log.Close(ctx), l.closer())
}

// VerifyInclusion checks offline that proof leads to the root of checkpoint,
// signed by the holder of verifierKey. With a non-nil entry it also checks
// that the proof is for that entry (recomputing its leaf and payload
// digest).
func VerifyInclusion(checkpoint []byte, verifierKey string, proof api.InclusionProof, entry *api.Entry) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("agentgov: verifier key: %w", err)
	}
	_, err = audit.VerifyInclusion(checkpoint, v, &proof, entry)
	return err
}

// VerifyConsistency checks offline that the checkpoint oldCheckpoint
// describes a prefix of the log described by newCheckpoint.
func VerifyConsistency(oldCheckpoint, newCheckpoint []byte, verifierKey string, proof api.ConsistencyProof) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("agentgov: verifier key: %w", err)
	}
	return audit.VerifyConsistency(oldCheckpoint, newCheckpoint, v, &proof)
}

// VerifyExportRecord checks one exported record on its own.
func VerifyExportRecord(rec api.ExportRecord, verifierKey string) error {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return fmt.Errorf("agentgov: verifier key: %w", err)
	}
	return audit.VerifyExportRecord(&rec, v)
}

// OpenCheckpoint checks the signature of verifierKey on a checkpoint note and
// returns what it says.
func OpenCheckpoint(checkpoint []byte, verifierKey string) (api.Checkpoint, error) {
	v, err := note.NewVerifier(verifierKey)
	if err != nil {
		return api.Checkpoint{}, fmt.Errorf("agentgov: verifier key: %w", err)
	}
	cp, err := translog.Open(checkpoint, v.Name(), v)
	if err != nil {
		return api.Checkpoint{}, err
	}
	return api.Checkpoint{Origin: cp.Origin, TreeSize: cp.Size, RootHash: base64.StdEncoding.EncodeToString(cp.Root[:])}, nil
}

// LoadPolicy loads an ACS 0.3.1-beta manifest file (YAML or JSON, extends
// resolved and confined to its directory tree) and returns a runtime that
// evaluates it in-process with agentgov's engines: rego through OPA's Go
// API, cedar through cedar-go, and the test engine. The runtime is
// stateless and safe for concurrent use.
func LoadPolicy(ctx context.Context, path string) (*acs.Runtime, error) {
	eo := engines.Options{}
	opts, err := engines.Runtime(eo)
	if err != nil {
		return nil, err
	}
	doc, err := load.File(ctx, path, engines.Loader(eo))
	if err != nil {
		return nil, err
	}
	return acs.New(ctx, doc, opts)
}

// Governor checks every action of the agents a configuration describes and
// records each decision in its audit log. It is safe for concurrent use.
type Governor struct {
	gate      *gate.Gate
	log       *Log
	source    string
	approvals *approval.Service
	kill      *killswitch.Switch
	sagas     governorSagas // agentgov_saga.go
	trust     *trust.Model  // agentgov_trust.go
}

// Decision is the gate's answer to one check. Allowed reports whether the
// action may proceed; escalate is not an allow.
type Decision = gate.Decision

// Options configure New.
type Options struct {
	// ConfigFile is the agentgov.yaml holding roles, defaults, agents and
	// tools; manifests named in profiles are relative to its directory.
	ConfigFile string
	// DataDir holds the audit log; empty keeps it in memory (for tests:
	// nothing survives the process).
	DataDir string
	// Source names the principal recorded in audit entries (default
	// "embedded").
	Source string
	Logger *slog.Logger
}

// gateKeys are the data directory's gate keys, or fresh ones for a
// Governor that keeps nothing.
func gateKeys(dataDir string) (keyring.GateKeys, error) {
	if dataDir != "" {
		return keyring.LoadOrCreateGateKeys(datadir.Dir(dataDir).Keys(), nil)
	}
	k := keyring.GateKeys{Args: make([]byte, 32), Pseudonym: make([]byte, 32)}
	if _, err := rand.Read(k.Args); err != nil {
		return k, err
	}
	_, err := rand.Read(k.Pseudonym)
	return k, err
}

// New loads the configuration and returns a Governor.
func New(ctx context.Context, o Options) (*Governor, error) {
	if o.ConfigFile == "" {
		return nil, errors.New("agentgov: Options.ConfigFile is required: without agents every check is denied")
	}
	cfg, err := config.Load(config.Options{File: o.ConfigFile, LookupEnv: os.LookupEnv})
	if err != nil {
		return nil, err
	}
	var l *Log
	if o.DataDir == "" {
		l, err = OpenMemoryLog(ctx, cfg.Audit.Origin)
		if l != nil && o.Source != "" {
			l.source = o.Source
		}
	} else {
		l, err = OpenLog(ctx, LogOptions{DataDir: o.DataDir, Origin: cfg.Audit.Origin, Source: o.Source, Logger: o.Logger,
			MaxPayloadBytes: int(cfg.Audit.MaxPayloadBytes), KeepPersonalData: !cfg.Audit.Minimise})
	}
	if err != nil {
		return nil, err
	}
	pol, err := gate.Compile(cfg, gate.ACSLoader(ctx, filepath.Dir(o.ConfigFile), engines.Options{}))
	if err != nil {
		l.Close(ctx)
		return nil, err
	}
	keys, err := gateKeys(o.DataDir)
	if err != nil {
		l.Close(ctx)
		return nil, err
	}
	ap, err := newApprovals(ctx, cfg, l, o.Logger)
	if err != nil {
		l.Close(ctx)
		return nil, err
	}
	ks, err := killswitch.New(ctx, killswitch.Options{Store: l.kills, Recorder: l.log, Logger: o.Logger})
	if err != nil {
		l.Close(ctx)
		return nil, err
	}
	tm, err := openTrust(ctx, cfg, l, o.Logger)
	if err != nil {
		l.Close(ctx)
		return nil, err
	}
	g, err := gate.New(gate.Options{Kill: ks, Trip: ks, Policy: pol, Recorder: l.log, ArgsKey: keys.Args, PseudonymKey: keys.Pseudonym,
		Detectors: gate.StandardDetectors(), Logger: o.Logger, Approvals: ap, Trust: tm})
	if err != nil {
		tm.Close(ctx)
		l.Close(ctx)
		return nil, err
	}
	src := o.Source
	if src == "" {
		src = "embedded"
	}
	return &Governor{gate: g, log: l, source: src, approvals: ap, kill: ks, trust: tm}, nil
}

// Check decides one action at one intervention point and records it.
// agent is the acting agent as configured; snapshot is the ACS host
// snapshot (tool_call {id, name, args}, tool_result, input, model_request,
// model_response, output, ifc, usage...).
func (g *Governor) Check(ctx context.Context, req CheckRequest) (Decision, error) {
	return g.gate.Check(ctx, &gate.Request{Agent: req.Agent, Session: req.Session, Point: req.InterventionPoint,
		Snapshot: req.Snapshot, Mode: req.Mode, Delegation: req.Delegation, ApprovalID: req.ApprovalID,
		Principal: gate.Principal{Name: g.source}})
}

// CheckRequest is one check: the request of POST /v1/check.
type CheckRequest = api.CheckRequest

// check is Check in enforce mode, for the session handle.
func (s *Session) check(ctx context.Context, point string, snapshot map[string]any) (Decision, error) {
	return s.g.Check(ctx, CheckRequest{Agent: s.agent, Session: s.id, InterventionPoint: point, Snapshot: snapshot})
}

// Log is the Governor's audit log.
func (g *Governor) Log() *Log { return g.log }

// Close releases the audit log after a final checkpoint.
func (g *Governor) Close(ctx context.Context) error {
	g.sagas.close()
	g.approvals.Close()
	return errors.Join(g.trust.Close(ctx), g.log.Close(ctx))
}

// Session is one agent's session: the handle a multi-step agent keeps.
type Session struct {
	g         *Governor
	agent, id string
}

// Session returns the handle for agent's session id.
func (g *Governor) Session(agent, id string) *Session { return &Session{g: g, agent: agent, id: id} }

// Start checks agent_startup.
func (s *Session) Start(ctx context.Context) (Decision, error) {
	return s.check(ctx, "agent_startup", map[string]any{"agent": map[string]any{"id": s.agent}})
}

// Input checks what the user sent.
func (s *Session) Input(ctx context.Context, input any) (Decision, error) {
	return s.check(ctx, "input", map[string]any{"input": input})
}

// BeforeTool checks a tool call before it runs; callID pairs it with
// AfterTool.
func (s *Session) BeforeTool(ctx context.Context, callID, tool string, args map[string]any) (Decision, error) {
	return s.check(ctx, "pre_tool_call", map[string]any{"tool_call": map[string]any{"id": callID, "name": tool, "args": args}})
}

// AfterTool checks a tool's result before the agent sees it.
func (s *Session) AfterTool(ctx context.Context, callID, tool string, result any) (Decision, error) {
	return s.check(ctx, "post_tool_call", map[string]any{"tool_call": map[string]any{"id": callID, "name": tool}, "tool_result": result})
}

// BeforeModel checks a model request.
func (s *Session) BeforeModel(ctx context.Context, request any) (Decision, error) {
	return s.check(ctx, "pre_model_call", map[string]any{"model_request": request})
}

// AfterModel checks a model response and charges its usage
// ({total_tokens} or {input_tokens, output_tokens}, and cost) to the
// session's budgets.
func (s *Session) AfterModel(ctx context.Context, response any, usage map[string]any) (Decision, error) {
	snap := map[string]any{"model_response": response}
	if usage != nil {
		snap["usage"] = usage
	}
	return s.check(ctx, "post_model_call", snap)
}

// Output checks the final answer.
func (s *Session) Output(ctx context.Context, output any) (Decision, error) {
	return s.check(ctx, "output", map[string]any{"output": output})
}

// End checks agent_shutdown and forgets the session's state.
func (s *Session) End(ctx context.Context) (Decision, error) {
	return s.check(ctx, "agent_shutdown", map[string]any{"agent": map[string]any{"id": s.agent}})
}
