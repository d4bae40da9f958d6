package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/toolscan"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/mcpconn"
	"github.com/agentgov/agentgov/internal/outbound"
	"github.com/agentgov/agentgov/internal/supplychain"
	"github.com/agentgov/agentgov/internal/toolpin"
)

// newMCPCmd is the `agentgov mcp` group. The gateway adds its proxy
// command to it.
func newMCPCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "mcp", Short: "Scan MCP servers for poisoned tools and approve (pin) their definitions"}
	addClientFlags(c.PersistentFlags(), g, "go through this agentgov server (pins, decisions, approvals) instead of the local data directory")
	c.AddCommand(newMCPScanCmd(g), newMCPPinCmd(g), newMCPProxyCmd(g))
	return c
}

// mcpTargets are the servers a command works on: from configuration
// files, or one command line after --, or one URL.
type mcpTargets struct {
	configFiles     []string
	discover        bool
	name, url       string
	transport       string
	timeout         time.Duration
	allowUnverified bool
}

func (t *mcpTargets) flags(c *cobra.Command) {
	c.Flags().StringArrayVar(&t.configFiles, "config-file", nil, "MCP client configuration (Claude Desktop, Cursor, VS Code, Windsurf JSON); repeatable")
	c.Flags().BoolVar(&t.discover, "discover", false, "also read the configuration files of the common clients found for this user and directory")
	c.Flags().StringVar(&t.name, "name", "", "server name for a server given after -- or with --url")
	c.Flags().StringVar(&t.url, "url", "", "an HTTP MCP server to connect to")
	c.Flags().StringVar(&t.transport, "transport", "streamable-http", "the --url server's transport: streamable-http, or sse for the deprecated HTTP+SSE transport (protocol 2024-11-05)")
	c.Flags().DurationVar(&t.timeout, "timeout", 30*time.Second, "deadline for starting and listing each server")
	c.Flags().BoolVar(&t.allowUnverified, "allow-unverified-launch", false, "start a server even when the supply-chain guard finds a high or critical problem with what its command installs or runs")
}

func (t *mcpTargets) specs(g *globals, args []string) ([]mcpconn.Spec, error) {
	switch t.transport {
	case "streamable-http", "":
	case "sse":
		if t.url == "" {
			return nil, usageErr("--transport sse needs --url URL")
		}
	default:
		return nil, usageErr("--transport must be streamable-http or sse, not %q", t.transport)
	}
	var out []mcpconn.Spec
	files := append([]string{}, t.configFiles...)
	if t.discover {
		home, _ := os.UserHomeDir()
		cwd, _ := os.Getwd()
		files = append(files, mcpconn.DiscoverPaths(home, cwd)...)
	}
	lookup := g.env.LookupEnv
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	for _, f := range files {
		b, err := readInput(f, "--config-file")
		if err != nil {
			return nil, err
		}
		specs, err := mcpconn.ParseConfig(f, b, lookup)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		out = append(out, specs...)
	}
	if len(args) > 0 {
		name := t.name
		if name == "" {
			name = args[0]
		}
		out = append(out, mcpconn.Spec{Name: name, Command: args[0], Args: args[1:], Source: "command line"})
	}
	if t.url != "" {
		name := t.name
		if name == "" {
			name = t.url
		}
		out = append(out, mcpconn.Spec{Name: name, URL: t.url, SSE: t.transport == "sse", Source: "--url"})
	}
	if len(out) == 0 {
		return nil, usageErr("no MCP server given: pass --config-file FILE, --discover, --url URL or -- COMMAND ARGS...")
	}
	return out, nil
}

type serverListing struct {
	spec    mcpconn.Spec
	listing mcpconn.Listing
	err     error
	// launch are the supply-chain findings of a stdio server's command;
	// with a high or critical one the server is not started (err says
	// so) unless --allow-unverified-launch.
	launch []supplychain.Finding
}

// listAll lists every server; streamable-HTTP servers are reached with the
// outbound TLS settings (roots, pins, TLS 1.3). A stdio server's command
// passes the supply-chain guard first: listing a server runs it, and a
// look-alike or deny-listed package must not run even to be scanned.
func (g *globals) listAll(ctx context.Context, specs []mcpconn.Spec, t *mcpTargets) ([]serverListing, error) {
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	tlsCfg, err := outbound.TLS(cfg, "")
	if err != nil {
		return nil, usageErr("%v", err)
	}
	guard, err := gate.NewSupplyChainGuard(cfg)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	out := make([]serverListing, len(specs))
	for i, sp := range specs {
		out[i].spec = sp
		if sp.Command != "" {
			var blocking []string
			out[i].launch, blocking = launchFindings(ctx, guard, append([]string{sp.Command}, sp.Args...))
			if len(blocking) > 0 && !t.allowUnverified {
				out[i].err = fmt.Errorf("not started: the supply-chain guard refused its command: %s (--allow-unverified-launch overrides)", strings.Join(blocking, "; "))
				continue
			}
		}
		out[i].listing, out[i].err = mcpconn.List(ctx, sp, mcpconn.Options{Timeout: t.timeout, Version: version(), TLS: tlsCfg})
	}
	return out, nil
}

// launchFindings runs the supply-chain guard over a server command and
// returns every finding, and the high and critical ones as text.
func launchFindings(ctx context.Context, guard *supplychain.Guard, argv []string) (all []supplychain.Finding, blocking []string) {
	all = guard.CheckArgv(ctx, argv)
	for _, f := range all {
		if detect.Severity(f.Severity).Rank() >= detect.High.Rank() {
			blocking = append(blocking, f.Type+": "+f.Detail)
		}
	}
	return all, blocking
}

// mcpServerReport is one server in `mcp scan --output json`.
type mcpServerReport struct {
	Server    string             `json:"server"`
	Source    string             `json:"source"`
	Error     string             `json:"error,omitempty"`
	Tools     int                `json:"tools"`
	Prompts   int                `json:"prompts"`
	Resources int                `json:"resources"`
	Pinned    bool               `json:"pinned"`
	Flagged   bool               `json:"flagged"`
	Findings  []toolscan.Finding `json:"findings"`
	// Launch are the supply-chain findings of the server's command.
	Launch []launchFinding `json:"launch,omitempty"`
}

// launchFinding is a supply-chain finding in a scan report.
type launchFinding struct {
	Type      string `json:"type"`
	Severity  string `json:"severity"`
	Ecosystem string `json:"ecosystem,omitempty"`
	Package   string `json:"package,omitempty"`
	Detail    string `json:"detail"`
}

func newMCPScanCmd(g *globals) *cobra.Command {
	var t mcpTargets
	var failOn, output string
	c := &cobra.Command{
		Use:   "scan [--config-file FILE]... [-- COMMAND ARGS...]",
		Short: "Start MCP servers, list their tools, prompts and resources, and report poisoned definitions and rug pulls",
		Long: `Start each configured MCP server (stdio, or connect to a streamable-HTTP one)
through the official MCP Go SDK with a deadline, list what it offers, scan it
(the other servers of the same configuration count for shadowing and
typosquatting), and compare it with the approved definitions pinned in the
store (agentgov mcp pin) to report rug pulls.

Exit status: 0 nothing at or above --fail-on, 1 a finding at or above it or a
server that could not be scanned, 2 usage.`,
		Example: `  agentgov mcp scan --config-file ~/.cursor/mcp.json
  agentgov mcp scan --config-file .vscode/mcp.json --output json --fail-on critical
  agentgov mcp scan --name files -- npx -y @modelcontextprotocol/server-filesystem /tmp`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			threshold := detect.Severity(failOn)
			if threshold.Rank() == 0 {
				return usageErr("--fail-on: want low, medium, high or critical, got %q", failOn)
			}
			if output != "text" && output != "json" {
				return usageErr("--output: want text or json, got %q", output)
			}
			specs, err := t.specs(g, args)
			if err != nil {
				return err
			}
			baselines, err := g.pinBaselines(ctx, specs)
			if err != nil {
				return err
			}
			listed, err := g.listAll(ctx, specs, &t)
			if err != nil {
				return err
			}
			sc := toolscan.New()
			var reports []mcpServerReport
			failed := false
			for i, l := range listed {
				r := mcpServerReport{Server: l.spec.Name, Source: l.spec.Source, Findings: []toolscan.Finding{}}
				for _, f := range l.launch {
					r.Launch = append(r.Launch, launchFinding{Type: f.Type, Severity: f.Severity, Ecosystem: string(f.Ecosystem), Package: f.Package, Detail: f.Detail})
				}
				if l.err != nil {
					r.Error = l.err.Error()
					failed = true
					reports = append(reports, r)
					continue
				}
				in := toolscan.Input{Server: l.spec.Name, Instructions: l.listing.Instructions, Tools: l.listing.Tools, Prompts: l.listing.Prompts, Resources: l.listing.Resources}
				if b, ok := baselines[l.spec.Name]; ok {
					in.Baseline, r.Pinned = b, true
				}
				for j, o := range listed {
					if j != i && o.err == nil {
						in.OtherServers = append(in.OtherServers, toolscan.Server{Server: o.spec.Name, Tools: o.listing.Tools})
					}
				}
				fs, err := sc.Scan(ctx, in)
				if err != nil {
					r.Error = err.Error()
					failed = true
				}
				r.Tools, r.Prompts, r.Resources = len(in.Tools), len(in.Prompts), len(in.Resources)
				if fs != nil {
					r.Findings = fs
				}
				r.Flagged = toolscan.Flagged(fs, threshold)
				failed = failed || r.Flagged
				reports = append(reports, r)
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				if err := printJSON(w, map[string]any{"fail_on": threshold, "flagged": failed, "servers": reports}); err != nil {
					return err
				}
			} else {
				printMCPReport(w, reports, threshold)
			}
			if failed {
				return &ExitCodeError{Code: ExitError, Quiet: true}
			}
			return nil
		},
	}
	t.flags(c)
	c.Flags().StringVar(&failOn, "fail-on", "high", "exit 1 when a finding reaches this severity: low, medium, high, critical")
	c.Flags().StringVar(&output, "output", "text", "text or json")
	return c
}

func printMCPReport(w io.Writer, reports []mcpServerReport, threshold detect.Severity) {
	for _, r := range reports {
		if r.Error != "" {
			fmt.Fprintf(w, "server %s (%s): NOT SCANNED: %s\n", r.Server, r.Source, r.Error)
			continue
		}
		for _, f := range r.Launch {
			fmt.Fprintf(w, "  launch %-8s %-22s %s\n     %s\n", strings.ToUpper(f.Severity), f.Type, f.Package, f.Detail)
		}
		pinned := "no pins"
		if r.Pinned {
			pinned = "compared with pins"
		}
		fmt.Fprintf(w, "server %s (%s): %d tools, %d prompts, %d resources, %s\n", r.Server, r.Source, r.Tools, r.Prompts, r.Resources, pinned)
		if len(r.Findings) == 0 {
			fmt.Fprintln(w, "  no findings")
		}
		for _, f := range r.Findings {
			mark := " "
			if f.Severity.Rank() >= threshold.Rank() {
				mark = "!"
			}
			what := f.Tool
			if f.Object != "" {
				what = f.Object + " " + f.Tool
			}
			fmt.Fprintf(w, " %s %-8s %-22s %s %s\n     %s\n", mark, strings.ToUpper(string(f.Severity)), f.Type, what, f.Path, f.Detail)
		}
	}
}

// pinBaselines fetches the approved definitions of the servers, from the
// running server when --server is set, else from the data directory when
// it has a store. A server without pins has no baseline.
func (g *globals) pinBaselines(ctx context.Context, specs []mcpconn.Spec) (map[string][]toolscan.Tool, error) {
	out := map[string][]toolscan.Tool{}
	cfg, err := g.loadConfig()
	if err != nil {
		return nil, err
	}
	cl, err := g.remote(cfg)
	if err != nil {
		return nil, err
	}
	var list func(server string) (api.PinList, error)
	if cl != nil {
		list = func(server string) (api.PinList, error) { return cl.Pins(ctx, server) }
	} else {
		dir := datadir.Dir(cfg.Storage.DataDir)
		if _, err := os.Stat(dir.DB()); errors.Is(err, fs.ErrNotExist) {
			return out, nil
		}
		st, err := openReadOnly(ctx, cfg)
		if err != nil {
			return nil, err
		}
		defer st.Close()
		list = func(server string) (api.PinList, error) { return toolpin.List(ctx, st, server) }
	}
	for _, sp := range specs {
		l, err := list(sp.Name)
		if err != nil {
			return nil, fmt.Errorf("reading the pins of %s: %w", sp.Name, err)
		}
		if len(l.Pins) == 0 {
			continue
		}
		b, err := toolpin.Baseline(l)
		if err != nil {
			return nil, err
		}
		out[sp.Name] = b
	}
	return out, nil
}

func newMCPPinCmd(g *globals) *cobra.Command {
	var t mcpTargets
	var output string
	c := &cobra.Command{
		Use:   "pin [--config-file FILE]... [-- COMMAND ARGS...]",
		Short: "Approve the current definition of every tool of MCP servers (recorded in the store and the audit log)",
		Long: `List each server's tools and record their definitions (canonical JSON and its
SHA-256) as approved. Later scans compare against these pins and report rug
pulls. Each new or changed approval, and each withdrawal of a tool the server
no longer offers, is one audit entry. With a running server (--server) the
pins go through POST /v1/mcp/pins (ADMIN); without one the command takes the
data-directory lock.`,
		Example: `  agentgov mcp pin --config-file ~/.cursor/mcp.json
  agentgov mcp pin --server http://127.0.0.1:8470 --name files -- npx -y @modelcontextprotocol/server-filesystem /tmp`,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if output != "text" && output != "json" {
				return usageErr("--output: want text or json, got %q", output)
			}
			specs, err := t.specs(g, args)
			if err != nil {
				return err
			}
			listed, err := g.listAll(ctx, specs, &t)
			if err != nil {
				return err
			}
			for _, l := range listed {
				if l.err != nil {
					return fmt.Errorf("nothing pinned: %w", l.err)
				}
			}
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			pin, closeFn, err := g.pinner(ctx, cfg)
			if err != nil {
				return err
			}
			defer closeFn()
			var results []api.PinResult
			for _, l := range listed {
				res, err := pin(l.spec.Name, l.listing.Tools)
				if err != nil {
					return fmt.Errorf("pinning %s: %w", l.spec.Name, err)
				}
				results = append(results, res)
			}
			w := cmd.OutOrStdout()
			if output == "json" {
				return printJSON(w, results)
			}
			for _, r := range results {
				fmt.Fprintf(w, "server %s:\n", r.Server)
				for _, p := range r.Pins {
					fmt.Fprintf(w, "  %-10s %s v%d %s (audit entry %d)\n", p.Change, p.Tool, p.Version, p.Hash, p.AuditIndex)
				}
			}
			return nil
		},
	}
	t.flags(c)
	c.Flags().StringVar(&output, "output", "text", "text or json")
	return c
}

// pinner approves tools through the running server, or locally under the
// data-directory lock.
func (g *globals) pinner(ctx context.Context, cfg *config.Config) (func(string, []toolscan.Tool) (api.PinResult, error), func(), error) {
	cl, err := g.remote(cfg)
	if err != nil {
		return nil, nil, err
	}
	if cl != nil {
		return func(server string, tools []toolscan.Tool) (api.PinResult, error) {
			raw := make([]json.RawMessage, 0, len(tools))
			for _, t := range tools {
				b, err := toolscan.Canonical(t)
				if err != nil {
					return api.PinResult{}, err
				}
				raw = append(raw, b)
			}
			return cl.PinTools(ctx, server, raw)
		}, func() {}, nil
	}
	w, err := openWriter(ctx, cfg, "agentgov mcp pin")
	if err != nil {
		return nil, nil, err
	}
	svc := &toolpin.Service{Store: w.st, Log: w.log}
	src := localSource()
	return func(server string, tools []toolscan.Tool) (api.PinResult, error) {
			out, err := svc.Pin(ctx, server, tools, src)
			return api.PinResult{Server: server, Pins: out}, err
		}, func() {
			if err := w.close(context.WithoutCancel(ctx)); err != nil {
				fmt.Fprintln(g.env.Stderr, "agentgov: closing the store:", err)
			}
		}, nil
}

// remotePins reads a server's approved tool definitions through the API
// (nil when none are pinned), for scans and the gateway.
func remotePins(cl *client.Client) func(ctx context.Context, server string) ([]toolscan.Tool, error) {
	return func(ctx context.Context, server string) ([]toolscan.Tool, error) {
		l, err := cl.Pins(ctx, server)
		if err != nil {
			return nil, err
		}
		if len(l.Pins) == 0 {
			return nil, nil
		}
		return toolpin.Baseline(l)
	}
}

// localPins reads them from the store a local command holds (nil when none
// are pinned).
func localPins(w *writer) func(ctx context.Context, server string) ([]toolscan.Tool, error) {
	return func(ctx context.Context, server string) ([]toolscan.Tool, error) {
		l, err := toolpin.List(ctx, w.st, server)
		if err != nil {
			return nil, err
		}
		if len(l.Pins) == 0 {
			return nil, nil
		}
		return toolpin.Baseline(l)
	}
}
