package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/lifecycle"
)

// serverClient is the client of --server for commands that only make
// sense against a running server.
func (g *globals) serverClient(what string) (*client.Client, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	cl, err := g.remote(cfg)
	if err != nil {
		return nil, err
	}
	if cl == nil {
		return nil, usageErr("%s needs --server URL (or %s)", what, envServer)
	}
	return cl, nil
}

// scopeFlags are the target flags of kill and unkill.
type scopeFlags struct {
	agent, session, tool string
	all                  bool
}

func (f *scopeFlags) add(c *cobra.Command, verb string) {
	fl := c.Flags()
	fl.StringVar(&f.agent, "agent", "", verb+" this agent (with --session: only this agent's session)")
	fl.StringVar(&f.session, "session", "", verb+" this session")
	fl.StringVar(&f.tool, "tool", "", verb+" every use of this tool")
	fl.BoolVar(&f.all, "all", false, verb+" everything (global)")
}

// request turns the flags into a kill request: exactly one of --agent,
// --session, --tool, --all (--agent may narrow --session).
func (f *scopeFlags) request() (api.KillRequest, error) {
	n := 0
	for _, set := range []bool{f.agent != "" && f.session == "", f.session != "", f.tool != "", f.all} {
		if set {
			n++
		}
	}
	if n != 1 {
		return api.KillRequest{}, usageErr("give exactly one of --agent ID, --session ID, --tool NAME or --all")
	}
	switch {
	case f.all:
		return api.KillRequest{Scope: killswitch.ScopeGlobal}, nil
	case f.tool != "":
		if f.agent != "" {
			return api.KillRequest{}, usageErr("--tool cannot be combined with --agent")
		}
		return api.KillRequest{Scope: killswitch.ScopeTool, Tool: f.tool}, nil
	case f.session != "":
		return api.KillRequest{Scope: killswitch.ScopeSession, Session: f.session, Agent: f.agent}, nil
	}
	return api.KillRequest{Scope: killswitch.ScopeAgent, Agent: f.agent}, nil
}

func newKillCmd(g *globals) *cobra.Command {
	var f scopeFlags
	var reason, note string
	c := &cobra.Command{
		Use:   "kill (--agent ID | --session ID | --tool NAME | --all) --reason CODE [--note TEXT]",
		Short: "Stop an agent, a session, a tool or everything, now",
		Long: `Activate the kill switch on a running server. The command returns once the
server's gate denies every action in scope; in-flight governed calls in scope
are cancelled, and processes supervised by agentgov run are terminated
(SIGTERM, then SIGKILL after their grace period), each reporting the outcome.

The kill stays in force, across server restarts, until agentgov unkill.
It prints the kill as JSON; agentgov kills show ID prints its measured
outcome (gate_effective_at, inflight_cancelled, and for each supervised
process its exit status, terminated_at and confirmed_at).

CODE is one of ` + strings.Join(killswitch.Reasons(), ", ") + `.`,
		Example: `  agentgov kill --server http://127.0.0.1:8470 --agent research-assistant --reason MANUAL --note "runaway tool loop"
  agentgov kill --tool send_email --reason BEHAVIORAL_DRIFT
  agentgov kill --session s-42 --agent support-bot --reason SESSION_TIMEOUT
  agentgov kill --all --reason MANUAL`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			req, err := f.request()
			if err != nil {
				return err
			}
			if !killswitch.ValidReason(reason) {
				return usageErr("--reason must be one of %s", strings.Join(killswitch.Reasons(), ", "))
			}
			req.Reason, req.Note = reason, note
			cl, err := g.serverClient("agentgov kill")
			if err != nil {
				return err
			}
			k, err := cl.Kill(cmd.Context(), req)
			if err != nil {
				return fmt.Errorf("kill: %w", err)
			}
			return printJSON(cmd.OutOrStdout(), k)
		},
	}
	f.add(c, "kill")
	c.Flags().StringVar(&reason, "reason", "", "reason code: "+strings.Join(killswitch.Reasons(), ", "))
	c.Flags().StringVar(&note, "note", "", "free text for the record")
	addClientFlags(c.Flags(), g, "the server whose kill switch to activate")
	return c
}

func newUnkillCmd(g *globals) *cobra.Command {
	var f scopeFlags
	var id, note string
	c := &cobra.Command{
		Use:   "unkill (--id KILL | --agent ID | --session ID | --tool NAME | --all) [--note TEXT]",
		Short: "Lift a kill",
		Long: `Lift the kill KILL, or every kill in force whose target is exactly the one
given (--agent ID lifts agent kills of ID, not the kills of its sessions).
Prints the lifted kills as JSON. Supervised processes that were terminated
stay terminated: start them again.`,
		Example: `  agentgov unkill --server http://127.0.0.1:8470 --agent research-assistant --note "fixed the prompt"
  agentgov unkill --id k-0123456789abcdef01234567`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var req api.KillRequest
			if id == "" {
				var err error
				if req, err = f.request(); err != nil {
					return err
				}
			} else if f.agent != "" || f.session != "" || f.tool != "" || f.all {
				return usageErr("give --id or a scope, not both")
			}
			req.Note = note
			cl, err := g.serverClient("agentgov unkill")
			if err != nil {
				return err
			}
			ks, err := cl.Unkill(cmd.Context(), id, req)
			if err != nil {
				return fmt.Errorf("unkill: %w", err)
			}
			if len(ks) == 0 {
				fmt.Fprintln(cmd.ErrOrStderr(), "agentgov: no kill in force has that target")
			}
			return printJSON(cmd.OutOrStdout(), api.KillList{Kills: ks})
		},
	}
	c.Flags().StringVar(&id, "id", "", "the kill to lift")
	f.add(c, "lift the kills of")
	c.Flags().StringVar(&note, "note", "", "free text for the record")
	addClientFlags(c.Flags(), g, "the server whose kill to lift")
	return c
}

func newKillsCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "kills",
		Short: "Show kills and their measured outcomes",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var active bool
	list := &cobra.Command{
		Use:     "list [--active]",
		Short:   "List kills as JSON, oldest first",
		Example: "  agentgov kills list --server http://127.0.0.1:8470 --active",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cl, err := g.serverClient("agentgov kills list")
			if err != nil {
				return err
			}
			ks, err := cl.Kills(cmd.Context(), active)
			if err != nil {
				return fmt.Errorf("kills: %w", err)
			}
			return printJSON(cmd.OutOrStdout(), api.KillList{Kills: ks})
		},
	}
	list.Flags().BoolVar(&active, "active", false, "only the kills in force")
	addClientFlags(list.Flags(), g, "the server to ask")
	show := &cobra.Command{
		Use:     "show KILL",
		Short:   "Print a kill and its measured outcome as JSON",
		Example: "  agentgov kills show k-0123456789abcdef01234567 --server http://127.0.0.1:8470",
		Args:    exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.serverClient("agentgov kills show")
			if err != nil {
				return err
			}
			k, err := cl.GetKill(cmd.Context(), args[0])
			if err != nil {
				return fmt.Errorf("kills show: %w", err)
			}
			return printJSON(cmd.OutOrStdout(), k)
		},
	}
	addClientFlags(show.Flags(), g, "the server to ask")
	c.AddCommand(list, show)
	return c
}

func newAgentsCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "agents",
		Short: "Agents' lifecycle states",
		Args:  noArgs,
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var agent, to, note string
	state := &cobra.Command{
		Use:   "state --agent ID [--to STATE] [--note TEXT]",
		Short: "Print an agent's lifecycle state, or move it to another",
		Long: `Without --to, print the agent's lifecycle state. With --to, move it there
(ADMIN); the move must be in the transition table, and it is an audit entry.

States: ` + strings.Join(lifecycle.States(), ", ") + `. The gate admits everything
from an active agent; read and search tools only from a degraded one; no new
session and read-only tools from a retiring one; nothing from the others.
An agent with no recorded state counts as active if it is configured.`,
		Example: `  agentgov agents state --server http://127.0.0.1:8470 --agent research-assistant --to quarantined --note "odd egress"
  agentgov agents state --agent research-assistant`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if agent == "" {
				return usageErr("--agent is required")
			}
			if to != "" && !lifecycle.Valid(to) {
				return usageErr("--to must be one of %s", strings.Join(lifecycle.States(), ", "))
			}
			cl, err := g.serverClient("agentgov agents state")
			if err != nil {
				return err
			}
			var st api.AgentState
			if to == "" {
				st, err = cl.AgentState(cmd.Context(), agent)
			} else {
				st, err = cl.SetAgentState(cmd.Context(), agent, to, note)
			}
			if err != nil {
				return fmt.Errorf("agents state: %w", err)
			}
			return printJSON(cmd.OutOrStdout(), st)
		},
	}
	state.Flags().StringVar(&agent, "agent", "", "the agent")
	state.Flags().StringVar(&to, "to", "", "the state to move to")
	state.Flags().StringVar(&note, "note", "", "free text for the record")
	addClientFlags(state.Flags(), g, "the server to ask")
	c.AddCommand(state)
	return c
}
