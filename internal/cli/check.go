package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/strictjson"
)

// Exit codes of agentgov check beyond the common ones: a decision that
// stops the action. Escalate has its own code because a caller may hold the
// action for approval instead of dropping it.
const (
	ExitDeny     = 3
	ExitEscalate = 4
)

// checkInputError is a malformed check request on stdin; Field names the
// member at fault ("" for the request as a whole), as the HTTP API's
// problem+json does.
type checkInputError struct {
	Field, Problem string
}

func (e *checkInputError) Error() string {
	if e.Field == "" {
		return "stdin: " + e.Problem
	}
	return fmt.Sprintf("stdin: field %q: %s", e.Field, e.Problem)
}

// parseCheckRequest vets one check request as POST /v1/check does: strict
// JSON (no duplicate keys, valid UTF-8, bounded size and nesting), no
// unknown members, the required members present. Numbers stay
// json.Number so that digests and policies see them exactly as written.
func parseCheckRequest(raw []byte, maxBytes int) (api.CheckRequest, error) {
	err := strictjson.Vet(raw, maxBytes)
	var req api.CheckRequest
	if err == nil {
		req, err = gate.DecodeCheck(raw, "")
	}
	var e *strictjson.Error
	if errors.As(err, &e) {
		return api.CheckRequest{}, &checkInputError{Field: e.Field, Problem: e.Problem}
	}
	return req, err
}

// readCheckRequest reads stdin, bounded by the server's request limit so
// that a request the server would refuse is refused here too.
func readCheckRequest(r io.Reader, maxBytes int64) (api.CheckRequest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return api.CheckRequest{}, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(raw)) > maxBytes {
		return api.CheckRequest{}, &checkInputError{Problem: fmt.Sprintf("the request is larger than %d bytes (server.max_request_bytes)", maxBytes)}
	}
	return parseCheckRequest(raw, int(maxBytes))
}

// decisionExit maps a decision to the exit status of agentgov check.
func decisionExit(d api.CheckDecision) error {
	switch d.Decision {
	case gate.Allow, gate.Warn, gate.Transform:
		return nil
	case gate.Deny:
		return &ExitCodeError{Code: ExitDeny, Quiet: true}
	case gate.Escalate:
		return &ExitCodeError{Code: ExitEscalate, Quiet: true}
	}
	// A verdict this build does not know cannot be an allow.
	return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("unknown decision %q", d.Decision)}
}

func newCheckCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "check",
		Short: "Decide one agent action: check request JSON on stdin, decision JSON on stdout",
		Long: `Decide one agent action. Reads one check request from stdin, shaped like the
body of POST /v1/check:

  {"agent": "...", "session": "...", "intervention_point": "pre_tool_call",
   "snapshot": {"tool_call": {"id": "...", "name": "...", "args": {...}}},
   "mode": "enforce" | "evaluate_only"}

and writes the decision to stdout, shaped like the API's answer:

  {"decision", "reason", "reasons", "message", "transformed" (only when
   applied), "audit_index"}

With --server URL (or AGENTGOV_SERVER) the running server decides, with the
state it keeps: session budgets, rate limits, concurrency slots. Without it,
the gate of --config FILE decides in-process, built as serve builds it, and
records to the audit log in the data directory (taking its lock, so not
while a server holds it). An in-process check starts with no session state:
budgets, rates and concurrency count only within one invocation.

Exit status: 0 allow, warn or transform (then act on "transformed", not on
the original); 3 deny; 4 escalate (not an allow: hold the action for
approval or drop it); 1 error; 2 usage, including a malformed request (the
message names the field) and a configuration that does not load. Treat any
status but 0 as "do not proceed".`,
		Example: `  echo '{"agent":"support-bot","session":"s1","intervention_point":"pre_tool_call",
        "snapshot":{"tool_call":{"id":"c1","name":"send_email","args":{"to":"a@example.com"}}}}' |
    agentgov check --config agentgov.yaml
  agentgov check --server http://127.0.0.1:8470 --token "$TOKEN" < request.json
  agentgov check --config agentgov.yaml < request.json || echo "blocked: exit $?"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			cl, err := g.remote(cfg)
			if err != nil {
				return err
			}
			file := g.configFile
			if file == "" {
				file = g.env.get("AGENTGOV_CONFIG")
			}
			if cl == nil && file == "" {
				return usageErr("agentgov check needs --config FILE to decide in-process, or --server URL to ask a running server")
			}
			req, err := readCheckRequest(cmd.InOrStdin(), cfg.Server.MaxRequestBytes)
			if err != nil {
				var ie *checkInputError
				if errors.As(err, &ie) {
					return &ExitCodeError{Code: ExitUsage, Err: err}
				}
				return err
			}
			var d api.CheckDecision
			if cl != nil {
				d, err = checkRemote(ctx, cl, req)
			} else {
				d, err = checkLocal(ctx, cfg, file, req, cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			if err := printJSON(cmd.OutOrStdout(), d); err != nil {
				return err
			}
			return decisionExit(d)
		},
	}
	addClientFlags(c.Flags(), g, "decide on this server instead of in-process")
	return c
}

// checkRemote asks the server; a request it refuses as malformed or too
// large is a usage error naming the field, as a malformed request on stdin
// is.
func checkRemote(ctx context.Context, cl *client.Client, req api.CheckRequest) (api.CheckDecision, error) {
	d, err := cl.Check(ctx, req)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) && (ce.Status == http.StatusBadRequest || ce.Status == http.StatusRequestEntityTooLarge) {
			if f := ce.Problem.Field; f != "" {
				return d, &ExitCodeError{Code: ExitUsage, Err: &checkInputError{Field: f, Problem: strings.TrimPrefix(ce.Problem.Detail, f+": ")}}
			}
			return d, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("check: %w", err)}
		}
		return d, fmt.Errorf("check: %w", err)
	}
	return d, nil
}

// checkLocal decides in-process with the gate serve would build, recording
// to the data directory's audit log.
func checkLocal(ctx context.Context, cfg *config.Config, file string, req api.CheckRequest, stderr io.Writer) (api.CheckDecision, error) {
	w, err := openWriter(ctx, cfg, "agentgov check")
	if err != nil {
		return api.CheckDecision{}, err
	}
	defer func() {
		// The decision is durable before Check returns; what can fail here
		// is the final checkpoint, which the next writer signs anyway.
		if err := w.close(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(stderr, "agentgov: warning: closing the audit log:", err)
		}
	}()
	tr, err := daemon.OpenTrust(ctx, cfg, w.st, w.log, nil)
	if err != nil {
		return api.CheckDecision{}, err
	}
	defer func() {
		if err := tr.Close(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(stderr, "agentgov: warning: writing trust scores:", err)
		}
	}()
	gt, err := daemon.NewGate(ctx, daemon.GateOptions{Config: cfg, ConfigFile: file, Log: w.log, Trigger: "check", Trust: tr})
	if err != nil {
		var pe *daemon.PolicyError
		if errors.As(err, &pe) {
			return api.CheckDecision{}, &ExitCodeError{Code: ExitUsage, Err: err}
		}
		return api.CheckDecision{}, err
	}
	d, err := gt.Check(ctx, &gate.Request{Agent: req.Agent, Session: req.Session, Point: req.InterventionPoint,
		Snapshot: req.Snapshot, Mode: req.Mode, Delegation: req.Delegation, ApprovalID: req.ApprovalID,
		Principal: gate.Principal{Name: localSource()}})
	if err != nil {
		var re *gate.RequestError
		if errors.As(err, &re) {
			return api.CheckDecision{}, &ExitCodeError{Code: ExitUsage, Err: &checkInputError{Field: re.Field, Problem: re.Problem}}
		}
		return api.CheckDecision{}, fmt.Errorf("check: %w", err)
	}
	return d.Wire()
}
