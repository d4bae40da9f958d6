//go:build !unix

package cli

import (
	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/internal/supervise"
)

func newRunCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "run --server URL --agent ID -- COMMAND [ARG...]",
		Short: "Run an agent under supervision (Unix only)",
		RunE: func(*cobra.Command, []string) error {
			return &ExitCodeError{Code: ExitUsage, Err: supervise.ErrUnsupported}
		},
	}
}
