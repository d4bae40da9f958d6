package gate

import (
	"context"
	"crypto/tls"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
	outboundtls "github.com/agentgov/agentgov/internal/outbound"
	"github.com/agentgov/agentgov/internal/supplychain"
)

// SupplyChainDetector guards the code a tool call installs or launches.
// Any tool call qualifies: what matters is the command in its arguments,
// not the tool's name. A string argument named command, cmd, script,
// shell or command_line is read as shell text; a `command` naming a
// program together with an `args` list (the shape MCP server launch
// configurations use) is read as one program and its arguments.
type SupplyChainDetector struct{}

// supplyChainKey is the detector's key under a profile's detectors.
const supplyChainKey = "supply_chain"

// shellArgs are the argument names that hold shell text.
var shellArgs = []string{"command", "cmd", "script", "shell", "command_line", "commandline"}

// Name implements Detector.
func (SupplyChainDetector) Name() string { return supplyChainKey }

// Inspect implements Detector.
func (SupplyChainDetector) Inspect(ctx context.Context, in *Inspection) ([]Finding, error) {
	pol := in.Profile.Content[supplyChainKey]
	if pol == nil || !pol.Enabled || in.Point != PreToolCall {
		return nil, nil
	}
	g := in.Profile.SupplyChain
	if g == nil {
		return nil, fmt.Errorf("supply chain guard not configured")
	}
	args, _ := in.Value.(map[string]any)
	var out []Finding
	add := func(path string, fs []supplychain.Finding) {
		for _, f := range fs {
			sev := detect.Severity(f.Severity)
			act := pol.action(in.Point, f.Type, sev)
			if act == Allow {
				continue
			}
			out = append(out, Finding{Detector: supplyChainKey, Type: f.Type, Path: path, Severity: string(sev), Action: act, Detail: f.Detail})
		}
	}
	if argv, ok := launchArgv(args); ok {
		add(jsonpointer.Append("", "command"), g.CheckArgv(ctx, argv))
		return out, nil
	}
	for _, name := range slices.Sorted(maps.Keys(args)) {
		text, ok := args[name].(string)
		if !ok || text == "" || !slices.Contains(shellArgs, strings.ToLower(name)) {
			continue
		}
		add(jsonpointer.Append("", name), g.CheckShell(ctx, text))
	}
	return out, nil
}

// launchArgv reads {"command": "npx", "args": ["-y", "pkg"]}.
func launchArgv(args map[string]any) ([]string, bool) {
	cmd, ok := args["command"].(string)
	list, lok := args["args"].([]any)
	if !ok || !lok || cmd == "" || strings.ContainsAny(cmd, " \t\n;|&") {
		return nil, false
	}
	argv := []string{cmd}
	for _, a := range list {
		s, ok := a.(string)
		if !ok {
			s = fmt.Sprint(a)
		}
		argv = append(argv, s)
	}
	return argv, true
}

// NewSupplyChainGuard builds the deployment's guard from its configuration;
// registry lookups honour outbound.tls (roots and pins).
func NewSupplyChainGuard(cfg *config.Config) (*supplychain.Guard, error) {
	c := cfg.SupplyChain
	o := supplychain.Options{Deny: c.Deny, Allow: c.Allow, MinAge: c.MinAge.Duration, LookupTimeout: c.LookupTimeout.Duration}
	if c.PopularDir != "" {
		p, err := supplychain.LoadPopular(c.PopularDir)
		if err != nil {
			return nil, fmt.Errorf("supply_chain.popular_dir: %w", err)
		}
		o.Popular = p
	}
	if o.MinAge > 0 {
		base := map[supplychain.Ecosystem]string{}
		for eco, u := range c.Registries {
			base[supplychain.Ecosystem(eco)] = u
		}
		roots, err := outboundtls.Roots(cfg)
		if err != nil {
			return nil, err
		}
		pins, err := outboundtls.PinHook(cfg)
		if err != nil {
			return nil, err
		}
		o.Registry = &supplychain.CachedRegistry{R: &supplychain.HTTPRegistry{Base: base, Client: supplychain.NewHTTPClient(func(c *tls.Config) {
			c.RootCAs = roots
			pins(c)
		})},
			TTL: time.Hour, Max: 10000, Now: time.Now}
	}
	g, err := supplychain.New(o)
	if err != nil {
		return nil, fmt.Errorf("supply_chain: %w", err)
	}
	return g, nil
}
