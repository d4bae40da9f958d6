// Package cli is agentgov's command tree (cobra). It binds flags to
// configuration (flag > AGENTGOV_* environment > file > default), and maps
// outcomes to exit codes: 0 ok, 1 error or finding, 2 usage or a command that
// cannot run.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/internal/config"
)

// Exit codes.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// ExitCodeError carries a specific exit code.
type ExitCodeError struct {
	Code int
	Err  error
	// Quiet means the command already explained itself on stderr.
	Quiet bool
}

func (e *ExitCodeError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitCodeError) Unwrap() error { return e.Err }

func usageErr(format string, args ...any) error {
	return &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// Env is the process environment, injected so that tests control it.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	LookupEnv      func(string) (string, bool)
}

func (e Env) get(name string) string {
	if e.LookupEnv == nil {
		return ""
	}
	v, _ := e.LookupEnv(name)
	return v
}

// globals are the flags shared by every command.
type globals struct {
	env        Env
	configFile string
	addr       string
	dataDir    string
	server     string
	token      string
	clientTLS  clientTLSFlags // svid.go
	root       *cobra.Command
}

// Main runs the command line args and returns the exit code.
func Main(ctx context.Context, args []string, env Env) int {
	root := newRoot(env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	var ec *ExitCodeError
	if errors.As(err, &ec) {
		if !ec.Quiet && ec.Err != nil {
			fmt.Fprintln(env.Stderr, "agentgov:", ec.Err)
		}
		return ec.Code
	}
	fmt.Fprintln(env.Stderr, "agentgov:", err)
	// cobra reports unknown commands and bad arguments as plain errors.
	if strings.HasPrefix(err.Error(), "unknown command") || strings.Contains(err.Error(), "arg(s)") || strings.HasPrefix(err.Error(), "unknown flag") {
		return ExitUsage
	}
	return ExitError
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

func newRoot(env Env) *cobra.Command {
	g := &globals{env: env}
	root := &cobra.Command{
		Use:   "agentgov",
		Short: "Govern AI agents: check every action before it runs, record every decision verifiably",
		Long: `agentgov governs AI agents. Every decision it records goes into an append-only,
Merkle-tree audit log with signed checkpoints that anyone holding the log's
public key can verify offline.`,
		Example: `  agentgov serve                       # serve on 127.0.0.1:8470 with data in ./agentgov-data
  agentgov audit verify                # recompute and check the whole audit log
  agentgov audit pubkey > log.pub      # the key auditors verify checkpoints with`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	g.root = root
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("%w (see %s --help)", err, c.CommandPath())}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&g.configFile, "config", "", "configuration file (env AGENTGOV_CONFIG)")
	pf.StringVar(&g.addr, "addr", "", "listen address host:port (env AGENTGOV_ADDR; default 127.0.0.1:8470)")
	pf.StringVar(&g.dataDir, "data-dir", "", "data directory (env AGENTGOV_DATA_DIR; default ./agentgov-data)")
	root.AddCommand(newServeCmd(g), newAuditCmd(g), newVersionCmd(g), newConfigCmd(g), newACSCmd(g), newCheckCmd(g), newBenchCmd(g), newScanCmd(g), newIdentityCmd(g), newApprovalsCmd(g), newKeysCmd(g), newMCPCmd(g))
	root.AddCommand(newKillCmd(g), newUnkillCmd(g), newKillsCmd(g), newRunCmd(g), newAgentsCmd(g))
	root.AddCommand(newDelegateCmd(g), newTrustCmd(g), newSagasCmd(g))
	return root
}

// loadConfig layers file, environment and flags.
func (g *globals) loadConfig() (*config.Config, error) {
	file := g.configFile
	if file == "" {
		file = g.env.get("AGENTGOV_CONFIG")
	}
	ov := map[string]string{}
	set := func(flagName, envName, key string, v string) {
		if g.root.PersistentFlags().Changed(flagName) {
			ov[key] = v
		} else if e := g.env.get(envName); e != "" {
			ov[key] = e
		}
	}
	set("addr", "AGENTGOV_ADDR", "server.addr", g.addr)
	set("data-dir", "AGENTGOV_DATA_DIR", "storage.data_dir", g.dataDir)
	cfg, err := config.Load(config.Options{File: file, LookupEnv: g.env.LookupEnv, Overrides: ov})
	if err != nil {
		return nil, &ExitCodeError{Code: ExitUsage, Err: fmt.Errorf("configuration:\n%w", err)}
	}
	return cfg, nil
}

// reloadConfig re-reads the configuration exactly as at start (file,
// environment, flags); it reports problems without the exit-code wrapper.
func (g *globals) reloadConfig() (*config.Config, error) {
	cfg, err := g.loadConfig()
	var ec *ExitCodeError
	if errors.As(err, &ec) {
		return nil, ec.Err
	}
	return cfg, err
}

func newVersionCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print the agentgov version",
		Example: "  agentgov version",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "agentgov", version())
			return nil
		},
	}
}

func newConfigCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "config", Short: "Inspect the configuration"}
	c.AddCommand(&cobra.Command{
		Use:     "check",
		Short:   "Validate the configuration and print it with secrets redacted",
		Example: "  agentgov config check --config agentgov.yaml",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			return writeYAML(cmd.OutOrStdout(), cfg.Redacted())
		},
	})
	return c
}

func noArgs(cmd *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErr("%s takes no arguments, got %q", cmd.CommandPath(), args)
	}
	return nil
}

func exactArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != n {
			return usageErr("%s takes %d argument(s), got %d (see --help)", cmd.CommandPath(), n, len(args))
		}
		return nil
	}
}

// oneArg is the positional-argument check of a command that takes exactly
// one argument, named what in the usage error.
func oneArg(what string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) != 1 {
			return usageErr("%s takes one %s", cmd.CommandPath(), what)
		}
		return nil
	}
}
