package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/acs"
)

func newACSValidateCmd(g *globals) *cobra.Command {
	var limits onceFlag
	c := &cobra.Command{
		Use:   "validate FILE",
		Short: "Check a manifest and list every problem with its file and JSON path",
		Long: `validate loads the manifest with the file loader (resolving extends), checks it
with the runtime's validator and prints every problem it finds, one per
line: file, JSON path, message and reserved reason. It also reports policies
that no engine of this build can run (their evaluations would deny with
runtime_error:policy_invocation_failed).

Exit status: 0 valid, 1 invalid, 2 usage error.`,
		Example: `  agentgov acs validate manifest.yaml
  agentgov acs validate --limits limits.json manifest.yaml`,
		Args: exactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if _, err := readInput(file, "manifest"); err != nil {
				return err
			}
			lim, err := readLimits(limits)
			if err != nil {
				return err
			}
			policies, custom, annotators := acsEngines()
			rt, err := buildRuntime(cmd.Context(), file, lim, acs.Options{Limits: lim, Policies: policies, Custom: custom, Annotators: annotators})
			out := cmd.OutOrStdout()
			if err != nil {
				ae := asACSError(err)
				problems := ae.Problems
				if len(problems) == 0 {
					problems = []acs.Problem{{File: file, Reason: ae.Reason, Message: ae.Message}}
				}
				for _, p := range problems {
					if p.File == "" {
						p.File = file
					}
					fmt.Fprintf(out, "%s (%s)\n", p, p.Reason)
				}
				fmt.Fprintf(out, "%s: invalid (%d problem(s))\n", file, len(problems))
				return &ExitCodeError{Code: ExitError, Quiet: true}
			}
			for _, pe := range rt.PolicyErrors() {
				fmt.Fprintf(out, "%s: warning: %s (%s)\n", file, pe.Message, pe.Reason)
			}
			var names []string
			for _, p := range rt.Points() {
				names = append(names, string(p))
			}
			fmt.Fprintf(out, "%s: valid (intervention points: %s)\n", file, strings.Join(names, ", "))
			return nil
		},
	}
	c.Flags().Var(&limits, "limits", "JSON object overriding resource limits")
	return c
}
