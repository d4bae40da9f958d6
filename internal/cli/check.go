package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/gate"
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
func parseCheckRequest(raw []byte, maxBytes int) (client.CheckRequest, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return client.CheckRequest{}, &checkInputError{Problem: "is empty; send one check request as a JSON object"}
	}
	if _, err := canonical.Append(nil, raw, canonical.Limits{MaxBytes: maxBytes}); err != nil {
		var ce *canonical.Error
		if errors.As(err, &ce) {
			return client.CheckRequest{}, &checkInputError{Field: strings.TrimPrefix(ce.Path, "/"), Problem: ce.Reason}
		}
		return client.CheckRequest{}, &checkInputError{Problem: "malformed JSON: " + err.Error()}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var req client.CheckRequest
	if err := dec.Decode(&req); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return client.CheckRequest{}, &checkInputError{Field: te.Field, Problem: fmt.Sprintf("must be %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)}
		case errors.As(err, &te):
			return client.CheckRequest{}, &checkInputError{Problem: "must be a JSON object, not " + te.Value}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return client.CheckRequest{}, &checkInputError{Field: strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), Problem: "is not a known field"}
		}
		return client.CheckRequest{}, &checkInputError{Problem: "malformed: " + err.Error()}
	}
	switch {
	case req.Agent == "":
		return client.CheckRequest{}, &checkInputError{Field: "agent", Problem: "is required"}
	case req.InterventionPoint == "":
		return client.CheckRequest{}, &checkInputError{Field: "intervention_point", Problem: "is required"}
	case req.Snapshot == nil:
		return client.CheckRequest{}, &checkInputError{Field: "snapshot", Problem: "is required (an object)"}
	}
	return req, nil
}

// jsonKind names a Go kind as the JSON type a member must have.
func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "map", "struct":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "a boolean"
	}
	return "a number"
}

// readCheckRequest reads stdin, bounded by the server's request limit so
// that a request the server would refuse is refused here too.
func readCheckRequest(r io.Reader, maxBytes int64) (client.CheckRequest, error) {
	raw, err := io.ReadAll(io.LimitReader(r, maxBytes+1))
	if err != nil {
		return client.CheckRequest{}, fmt.Errorf("reading stdin: %w", err)
	}
	if int64(len(raw)) > maxBytes {
		return client.CheckRequest{}, &checkInputError{Problem: fmt.Sprintf("the request is larger than %d bytes (server.max_request_bytes)", maxBytes)}
	}
	return parseCheckRequest(raw, int(maxBytes))
}

// decisionOf is the HTTP API's answer to a decision of the in-process
// gate, so that both modes print the same document.
func decisionOf(d gate.Decision) (client.CheckDecision, error) {
	out := client.CheckDecision{Decision: d.Decision, Reason: d.Reason, Reasons: d.Reasons, AuditIndex: d.AuditIndex}
	if out.Reasons == nil {
		out.Reasons = []string{}
	}
	if d.Message != "" {
		msg := d.Message
		out.Message = &msg
	}
	if d.HasTransformed {
		// A transform to null is still a transform: it is sent as null.
		b, err := json.Marshal(d.Transformed)
		if err != nil {
			return client.CheckDecision{}, fmt.Errorf("encoding the transformed value: %w", err)
		}
		out.Transformed = b
	}
	return out, nil
}

// decisionExit maps a decision to the exit status of agentgov check.
func decisionExit(d client.CheckDecision) error {
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
			var d client.CheckDecision
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
	c.Flags().StringVar(&g.server, "server", "", "decide on this server instead of in-process (env AGENTGOV_SERVER)")
	c.Flags().StringVar(&g.token, "token", "", "API bearer token for --server (env AGENTGOV_TOKEN; default: the generated token in the data directory)")
	return c
}

// checkRemote asks the server; a request it refuses as malformed or too
// large is a usage error naming the field, as a malformed request on stdin
// is.
func checkRemote(ctx context.Context, cl *client.Client, req client.CheckRequest) (client.CheckDecision, error) {
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
func checkLocal(ctx context.Context, cfg *config.Config, file string, req client.CheckRequest, stderr io.Writer) (client.CheckDecision, error) {
	w, err := openWriter(ctx, cfg, "agentgov check")
	if err != nil {
		return client.CheckDecision{}, err
	}
	defer func() {
		// The decision is durable before Check returns; what can fail here
		// is the final checkpoint, which the next writer signs anyway.
		if err := w.close(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(stderr, "agentgov: warning: closing the audit log:", err)
		}
	}()
	gt, err := daemon.NewGate(ctx, daemon.GateOptions{Config: cfg, ConfigFile: file, Log: w.log, Trigger: "check"})
	if err != nil {
		var pe *daemon.PolicyError
		if errors.As(err, &pe) {
			return client.CheckDecision{}, &ExitCodeError{Code: ExitUsage, Err: err}
		}
		return client.CheckDecision{}, err
	}
	d, err := gt.Check(ctx, &gate.Request{Agent: req.Agent, Session: req.Session, Point: req.InterventionPoint,
		Snapshot: req.Snapshot, Mode: req.Mode, Principal: gate.Principal{Name: localSource()}})
	if err != nil {
		var re *gate.RequestError
		if errors.As(err, &re) {
			return client.CheckDecision{}, &ExitCodeError{Code: ExitUsage, Err: &checkInputError{Field: re.Field, Problem: re.Problem}}
		}
		return client.CheckDecision{}, fmt.Errorf("check: %w", err)
	}
	return decisionOf(d)
}
