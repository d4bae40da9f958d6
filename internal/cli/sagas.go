package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
)

func newSagasCmd(g *globals) *cobra.Command {
	c := &cobra.Command{
		Use:   "sagas",
		Short: "List, show and abort sagas running on a server",
		Long: `A saga is a multi-step workflow whose steps each have a compensating action
(docs/sagas.md). These commands talk to a running server (--server URL or
AGENTGOV_SERVER) with --token: an auditor's or an admin's credential sees
every saga, any other sees the sagas of agents it may act for.`,
		Example: `  agentgov sagas list --agent shop-bot --unfinished --server http://127.0.0.1:8470 --token "$TOKEN"
  agentgov sagas show saga-0123... --server http://127.0.0.1:8470
  agentgov sagas abort saga-0123... --server http://127.0.0.1:8470 --token "$TOKEN"`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	c.AddCommand(newSagasListCmd(g), newSagaShowCmd(g, false), newSagaShowCmd(g, true))
	return c
}

func newSagasListCmd(g *globals) *cobra.Command {
	var agent, output string
	var unfinished bool
	var limit int
	c := &cobra.Command{
		Use:     "list",
		Short:   "List sagas, newest first",
		Example: "  agentgov sagas list --agent shop-bot --unfinished --server http://127.0.0.1:8470 --token \"$TOKEN\"",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if output != "text" && output != "json" {
				return usageErr("--output must be text or json")
			}
			if limit < 1 || limit > 1000 {
				return usageErr("--limit must be between 1 and 1000")
			}
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			list, err := cl.Sagas(cmd.Context(), client.SagaQuery{Agent: agent, Unfinished: unfinished, Limit: limit})
			if err != nil {
				return fmt.Errorf("sagas list: %w", err)
			}
			if output == "json" {
				return printJSON(cmd.OutOrStdout(), list)
			}
			return printSagas(cmd.OutOrStdout(), list.Sagas)
		},
	}
	c.Flags().StringVar(&agent, "agent", "", "only the sagas started for this agent (required unless the credential is an auditor's or an agent's own)")
	c.Flags().BoolVar(&unfinished, "unfinished", false, "only sagas still running or compensating")
	c.Flags().IntVar(&limit, "limit", 100, "at most this many (1-1000)")
	c.Flags().StringVarP(&output, "output", "o", "text", "text or json")
	addClientFlags(c.Flags(), g, "the server that runs the sagas")
	return c
}

func printSagas(w io.Writer, ss []api.Saga) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tAGENT\tSTEPS\tCREATED\tREASON")
	for _, s := range ss {
		agent := s.Agent
		if s.ActingAgent != "" && s.ActingAgent != s.Agent {
			agent += "→" + s.ActingAgent
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", s.ID, s.Status, agent, len(s.Steps), s.Created, s.Reason)
	}
	return tw.Flush()
}

// newSagaShowCmd is "show ID" or, with abort, "abort ID" (the saga stops
// and compensates what it did; the answer is its checkpoint then).
func newSagaShowCmd(g *globals, abort bool) *cobra.Command {
	use, short := "show ID", "Show a saga's last checkpoint"
	if abort {
		use, short = "abort ID", "Abort a running saga: it compensates the steps that took effect, newest first"
	}
	c := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  oneArg("saga id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			cl, err := g.serverClient(cmd.CommandPath())
			if err != nil {
				return err
			}
			var s api.Saga
			if abort {
				s, err = cl.AbortSaga(cmd.Context(), args[0])
			} else {
				s, err = cl.Saga(cmd.Context(), args[0])
			}
			if err != nil {
				return fmt.Errorf("sagas %s: %w", cmd.Name(), err)
			}
			return printJSON(cmd.OutOrStdout(), s)
		},
	}
	addClientFlags(c.Flags(), g, "the server that runs the saga")
	return c
}
