package cli

import (
	"context"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

func newApprovalsCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "approvals",
		Short: "List, approve and deny escalated actions held for approval",
		Long: `An escalated check opens an approval request that holds the action. These
commands talk to a running server (--server URL or AGENTGOV_SERVER) with the
approver's own credential (--token or AGENTGOV_TOKEN): the vote counts for
the principal the token names, once, and only if its role is the approver
role of the request and it is not bound to the requesting agent.`,
		Example: `  agentgov approvals list --server http://127.0.0.1:8470 --token "$ALICE_TOKEN"
  agentgov approvals approve apr-0123... --comment "checked the recipient" --token "$ALICE_TOKEN"
  agentgov approvals deny apr-0123... --comment "not our customer" --token "$BOB_TOKEN"
  agentgov approvals wait apr-0123... --timeout 5m`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(newApprovalsListCmd(g), newApprovalsVoteCmd(g, api.VoteApprove), newApprovalsVoteCmd(g, api.VoteDeny),
		newApprovalsShowCmd(g), newApprovalsWaitCmd(g))
	return c
}

func newApprovalsListCmd(g *globals) *cobra.Command {
	var state, agent, output string
	var limit int
	c := &cobra.Command{
		Use:     "list",
		Short:   "List approval requests (pending ones by default)",
		Example: "  agentgov approvals list --server http://127.0.0.1:8470 --token \"$TOKEN\"\n  agentgov approvals list --state approved --output json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output must be text or json")
			}
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			if state == "all" {
				state = ""
			}
			list, err := cl.Approvals(cmd.Context(), client.ApprovalQuery{State: state, Agent: agent, Limit: limit})
			if err != nil {
				return fmt.Errorf("approvals list: %w", err)
			}
			if output == "json" {
				return printJSON(cmd.OutOrStdout(), list)
			}
			return printApprovals(cmd.OutOrStdout(), list.Approvals)
		},
	}
	c.Flags().StringVar(&state, "state", api.ApprovalPending, "pending, approved, denied, expired or all")
	c.Flags().StringVar(&agent, "agent", "", "only this agent's requests")
	c.Flags().IntVar(&limit, "limit", 100, "at most this many (1-1000)")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	addClientFlags(c.Flags(), g, "the server that holds the requests")
	return c
}

func printApprovals(w io.Writer, as []api.Approval) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tAGENT\tACTION\tAPPROVALS\tDEADLINE\tREASONS")
	for _, a := range as {
		action := a.InterventionPoint
		if a.Tool != "" {
			action += ":" + a.Tool
		}
		n := 0
		for _, v := range a.Votes {
			if v.Vote == api.VoteApprove {
				n++
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%s\t%s\n", a.ID, a.State, a.Agent, action, n, a.Required,
			a.Deadline.Format(time.RFC3339), strings.Join(a.Reasons, ","))
	}
	return tw.Flush()
}

func newApprovalsVoteCmd(g *globals, vote string) *cobra.Command {
	var comment string
	c := &cobra.Command{
		Use:     vote + " ID",
		Short:   map[string]string{api.VoteApprove: "Approve", api.VoteDeny: "Deny"}[vote] + " an approval request as the principal of --token",
		Example: fmt.Sprintf("  agentgov approvals %s apr-0123... --comment \"reviewed\" --server http://127.0.0.1:8470 --token \"$TOKEN\"", vote),
		Args:    oneApprovalID,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			var a api.Approval
			if vote == api.VoteApprove {
				a, err = cl.Approve(cmd.Context(), args[0], comment)
			} else {
				a, err = cl.Deny(cmd.Context(), args[0], comment)
			}
			if err != nil {
				return fmt.Errorf("approvals %s: %w", vote, err)
			}
			return printJSON(cmd.OutOrStdout(), a)
		},
	}
	c.Flags().StringVar(&comment, "comment", "", "why (recorded with the vote, at most 1024 bytes)")
	addClientFlags(c.Flags(), g, "the server that holds the request")
	return c
}

func newApprovalsShowCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:     "show ID",
		Short:   "Show one approval request",
		Example: "  agentgov approvals show apr-0123... --server http://127.0.0.1:8470",
		Args:    oneApprovalID,
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			a, err := cl.Approval(cmd.Context(), args[0], 0)
			if err != nil {
				return fmt.Errorf("approvals show: %w", err)
			}
			return printJSON(cmd.OutOrStdout(), a)
		},
	}
	addClientFlags(c.Flags(), g, "the server that holds the request")
	return c
}

func newApprovalsWaitCmd(g *globals) *cobra.Command {
	var timeout time.Duration
	c := &cobra.Command{
		Use:   "wait ID",
		Short: "Wait until an approval request is decided; exit 0 approved, 3 denied or expired, 4 still pending",
		Long: `Wait until an approval request leaves pending and print it. Exit status: 0
approved (re-submit the check with "approval_id" to run the action, once);
3 denied or expired; 4 still pending when --timeout passed; 1 error.`,
		Example: "  agentgov approvals wait apr-0123... --timeout 5m --server http://127.0.0.1:8470 --token \"$TOKEN\"",
		Args:    oneApprovalID,
		RunE: func(cmd *cobra.Command, args []string) error {
			if timeout <= 0 {
				return usageErr("--timeout must be positive")
			}
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			ctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			a, err := cl.WaitApproval(ctx, args[0])
			if err != nil && a.State != api.ApprovalPending {
				return fmt.Errorf("approvals wait: %w", err)
			}
			if err := printJSON(cmd.OutOrStdout(), a); err != nil {
				return err
			}
			switch a.State {
			case api.ApprovalApproved:
				return nil
			case api.ApprovalPending:
				return &ExitCodeError{Code: ExitEscalate, Quiet: true}
			}
			return &ExitCodeError{Code: ExitDeny, Quiet: true}
		},
	}
	c.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "give up after this long (the request stays pending)")
	addClientFlags(c.Flags(), g, "the server that holds the request")
	return c
}

// oneApprovalID is the positional argument of show, approve, deny and wait.
var oneApprovalID = oneArg("approval id")
