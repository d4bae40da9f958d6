package cli

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
	"github.com/agentgov/agentgov/internal/loadgen"
)

func newBenchCmd(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "bench", Short: "Measure what agentgov sustains"}
	c.AddCommand(newBenchHTTPCmd(g))
	return c
}

// benchTokenVar names the token of the in-process server in its generated
// configuration; its value never leaves the process.
const benchTokenVar = "AGENTGOV_BENCH_TOKEN"

// benchFlags are the settings of agentgov bench http.
type benchFlags struct {
	server, token, detectors, output, tools string
	cpuProfile, memProfile                  string
	json, keep                              bool
	load                                    loadgen.Options
}

func newBenchHTTPCmd(g *globals) *cobra.Command {
	f := &benchFlags{}
	c := &cobra.Command{
		Use:   "http",
		Short: "Load POST /v1/check with many agents and report decisions/s and latency",
		Long: `Send pre_tool_call checks to POST /v1/check from --clients concurrent
clients (one keep-alive connection each, each waiting for its answer before
the next check), as --agents agents in sessions of --session-calls tool
calls, and report decisions per second, the latency percentiles (p50, p95,
p99, max) and errors. The first --warmup is not counted.

Without --server, the command starts agentgov serve itself, in this process,
on a loopback port, with a temporary data directory (durable SQLite audit,
every decision fsynced before it is answered) and a generated configuration:
a strict profile with 20 allowed tools, 10 blocked patterns, session limits,
rate limits and concurrency, and a WRITER token bound to the agents. After
the run it stops the server and verifies the whole audit log. --detectors
selects the scenario:

  off      every content detector is switched off in the profile
           (detectors: {NAME: {enabled: false}}) and there are no egress
           rules: the profile's own checks only, blocked patterns included
  default  the content detectors a profile gets when it names none, and
           egress rules (default deny, *.example.com allowed), so that every
           detector serve runs by default inspects each call

With --server URL the load goes to that server, and detectors are whatever
its configuration enables: run the same command against a server started
with and without them. The agents (--agent-prefix, --agents) and the tools
(--tools) must be ones its configuration allows. AGENTGOV_SERVER is not
read: load goes to a server only when it is named on the command line. The
token comes from --token or AGENTGOV_TOKEN; without one, the server must
be a loopback one with no authentication configured.

Exit status: 0 when every check was answered (and, in-process, the audit
log verified), 1 otherwise, 2 usage.`,
		Example: `  agentgov bench http                                  # in-process server, detectors off
  agentgov bench http --detectors default --duration 10s --json
  agentgov bench http --server http://127.0.0.1:8470 --token "$TOKEN" \
      --agent-prefix support-bot- --agents 50 --tools search,read_file`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return g.runBench(ctx, cmd, f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.server, "server", "", "load this server instead of one started in-process")
	fl.StringVar(&f.token, "token", "", "API bearer token for --server (env AGENTGOV_TOKEN)")
	fl.IntVar(&f.load.Clients, "clients", 64, "concurrent clients")
	fl.DurationVar(&f.load.Duration, "duration", 10*time.Second, "measured duration")
	fl.DurationVar(&f.load.Warmup, "warmup", time.Second, "warm-up before the measured duration (not counted)")
	fl.IntVar(&f.load.Agents, "agents", 1000, "number of distinct agents")
	fl.StringVar(&f.load.AgentPrefix, "agent-prefix", "agent-", "agents are named PREFIX0, PREFIX1, ... (with --server)")
	fl.StringVar(&f.tools, "tools", "", "comma-separated tool names the agents call (default tool_00 ... tool_19; with --server)")
	fl.IntVar(&f.load.SessionCalls, "session-calls", 20, "tool calls per session before an agent starts a new one")
	fl.BoolVar(&f.load.PostToolCall, "post-tool-call", false, "follow every pre_tool_call with its post_tool_call (both are decisions)")
	fl.StringVar(&f.detectors, "detectors", "off", "in-process scenario: off or default")
	fl.StringVarP(&f.output, "output", "o", "text", "text or json")
	fl.BoolVar(&f.json, "json", false, "shorthand for --output json")
	fl.StringVar(&f.cpuProfile, "cpuprofile", "", "write a CPU profile of this process (load generator and in-process server) to FILE")
	fl.StringVar(&f.memProfile, "memprofile", "", "write a heap profile of this process to FILE when the measured run ends (before the in-process server stops)")
	fl.BoolVar(&f.keep, "keep", false, "keep the in-process server's data directory and configuration (the path is printed)")
	return c
}

// benchReport is the outcome of a run, as printed.
type benchReport struct {
	Target    string  `json:"target"`
	Server    string  `json:"server"`
	Detectors string  `json:"detectors"`
	Clients   int     `json:"clients"`
	Agents    int     `json:"agents"`
	Tools     int     `json:"tools"`
	Session   int     `json:"session_calls"`
	PostCall  bool    `json:"post_tool_call"`
	Duration  float64 `json:"duration_seconds"`
	Warmup    float64 `json:"warmup_seconds"`

	Decisions  int64            `json:"decisions"`
	PerSecond  float64          `json:"decisions_per_second"`
	ByDecision map[string]int64 `json:"by_decision"`
	Reasons    map[string]int64 `json:"reasons"`
	Errors     int64            `json:"errors"`
	ErrorList  []string         `json:"error_samples"`
	LatencyMS  benchLatency     `json:"latency_ms"`

	// Audit is set for an in-process server: the log verified after the
	// run.
	Audit *benchAudit `json:"audit,omitempty"`
	// DataDir is where the in-process server kept its data (TMPDIR
	// decides: the audit is only as durable as that file system), and
	// Kept whether it is still there.
	DataDir string `json:"data_dir,omitempty"`
	Kept    bool   `json:"kept,omitempty"`

	Machine benchMachine `json:"machine"`
}

type benchLatency struct {
	P50  float64 `json:"p50"`
	P95  float64 `json:"p95"`
	P99  float64 `json:"p99"`
	Max  float64 `json:"max"`
	Mean float64 `json:"mean"`
}

type benchAudit struct {
	Entries int64 `json:"entries"`
	Intact  bool  `json:"intact"`
	// Covers reports whether the log holds at least one entry per
	// answered decision (and the policy activation).
	Covers bool `json:"covers_decisions"`
}

type benchMachine struct {
	GOOS       string `json:"goos"`
	GOARCH     string `json:"goarch"`
	NumCPU     int    `json:"num_cpu"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	Version    string `json:"agentgov"`
	Date       string `json:"date"`
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func (g *globals) runBench(ctx context.Context, cmd *cobra.Command, f *benchFlags) error {
	if f.json {
		f.output = "json"
	}
	switch {
	case f.output != "text" && f.output != "json":
		return usageErr("--output must be text or json")
	case f.load.Clients < 1:
		return usageErr("--clients must be at least 1")
	case f.load.Duration <= 0:
		return usageErr("--duration must be positive")
	case f.load.Agents < 1:
		return usageErr("--agents must be at least 1")
	case f.load.SessionCalls < 1:
		return usageErr("--session-calls must be at least 1")
	case f.detectors != "off" && f.detectors != "default":
		return usageErr("--detectors must be off or default")
	}
	if f.load.Warmup == 0 {
		f.load.Warmup = -1 // loadgen's "none"
	}
	if f.tools != "" {
		for t := range strings.SplitSeq(f.tools, ",") {
			if t = strings.TrimSpace(t); t != "" {
				f.load.Tools = append(f.load.Tools, t)
			}
		}
		if len(f.load.Tools) == 0 {
			return usageErr("--tools names no tool")
		}
	}
	if f.cpuProfile != "" {
		pf, err := os.Create(f.cpuProfile)
		if err != nil {
			return usageErr("--cpuprofile: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return fmt.Errorf("--cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	flags := cmd.Flags()
	rep := &benchReport{Detectors: f.detectors, Clients: f.load.Clients, Agents: f.load.Agents, Session: f.load.SessionCalls,
		PostCall: f.load.PostToolCall, Duration: f.load.Duration.Seconds(), Warmup: max(f.load.Warmup, 0).Seconds(),
		Machine: benchMachine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
			Go: runtime.Version(), Version: version(), Date: time.Now().UTC().Format(time.RFC3339)}}
	var err error
	if f.server != "" {
		if flags.Changed("detectors") {
			return usageErr("--detectors selects the in-process scenario; with --server, detectors are the server's configuration")
		}
		rep.Target, rep.Server, rep.Detectors = f.server, "external", "as configured on the server"
		f.load.URL = f.server
		if f.load.Token, err = g.benchToken(f.token); err != nil {
			return err
		}
		if err = runLoad(ctx, f, rep); err == nil && f.memProfile != "" {
			err = writeHeapProfile(f.memProfile)
		}
	} else {
		for _, name := range []string{"config", "data-dir", "addr", "agent-prefix", "tools", "token"} {
			if g.root.PersistentFlags().Changed(name) || flags.Changed(name) {
				return usageErr("--%s applies with --server only: the in-process server runs a generated configuration", name)
			}
		}
		rep.Server = "in-process agentgov serve, durable SQLite audit, strict profile"
		err = g.benchInProcess(ctx, cmd.ErrOrStderr(), f, rep)
	}
	if err != nil {
		return err
	}
	if f.output == "json" {
		if err := printJSON(cmd.OutOrStdout(), rep); err != nil {
			return err
		}
	} else {
		printBench(cmd.OutOrStdout(), rep)
	}
	switch {
	case rep.Errors > 0:
		return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("%d checks failed; first: %s", rep.Errors, rep.ErrorList[0])}
	case rep.Audit != nil && !rep.Audit.Intact:
		return &ExitCodeError{Code: ExitError, Err: errors.New("the audit log of the run did not verify")}
	case rep.Audit != nil && !rep.Audit.Covers:
		return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("the audit log holds %d entries for %d answered decisions", rep.Audit.Entries, rep.Decisions)}
	}
	return nil
}

// benchToken is --token or AGENTGOV_TOKEN; "" sends no credentials, which
// a loopback server with no authentication configured accepts.
func (g *globals) benchToken(flag string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	return g.env.get("AGENTGOV_TOKEN"), nil
}

func runLoad(ctx context.Context, f *benchFlags, rep *benchReport) error {
	res, err := loadgen.Run(ctx, f.load)
	if err != nil {
		return &ExitCodeError{Code: ExitError, Err: err}
	}
	rep.Tools = len(f.load.Tools)
	if rep.Tools == 0 {
		rep.Tools = len(loadgen.DefaultTools(20))
	}
	rep.Decisions, rep.PerSecond, rep.ByDecision, rep.Reasons = res.Decisions, res.PerSecond(), res.ByDecision, res.Reasons
	rep.Errors, rep.ErrorList = res.Errors, res.ErrorSamples
	if rep.ErrorList == nil {
		rep.ErrorList = []string{}
	}
	rep.Duration = res.Elapsed.Seconds()
	rep.LatencyMS = benchLatency{P50: ms(res.P50), P95: ms(res.P95), P99: ms(res.P99), Max: ms(res.Max), Mean: ms(res.Mean)}
	return nil
}

// benchInProcess runs the load against a server started here with a
// generated configuration, then verifies the audit log it wrote.
func (g *globals) benchInProcess(ctx context.Context, stderr io.Writer, f *benchFlags, rep *benchReport) (err error) {
	dir, err := os.MkdirTemp("", "agentgov-bench-")
	if err != nil {
		return err
	}
	rep.DataDir, rep.Kept = dir, f.keep
	if !f.keep {
		defer func() { err = errors.Join(err, os.RemoveAll(dir)) }()
	}
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return err
	}
	token := hex.EncodeToString(secret)
	file := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(file, []byte(benchConfig(filepath.Join(dir, "data"), f.load.Agents, loadgen.DefaultTools(20), f.detectors)), 0o600); err != nil {
		return err
	}
	// The generated file is the whole scenario: the caller's AGENTGOV_*
	// environment does not leak into it.
	cfg, err := config.Load(config.Options{File: file, LookupEnv: func(k string) (string, bool) {
		if k == benchTokenVar {
			return token, true
		}
		return "", false
	}})
	if err != nil {
		return fmt.Errorf("the generated configuration: %w", err)
	}

	sctx, stopServer := context.WithCancel(ctx)
	defer stopServer()
	started := make(chan string, 1)
	done := make(chan error, 1)
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	go func() {
		done <- daemon.Run(sctx, daemon.Options{Config: cfg, ConfigFile: file, Logger: log, Info: daemon.Info{Version: version()},
			Started: func(addr, _ string) { started <- addr }})
	}()
	var addr string
	select {
	case addr = <-started:
	case err := <-done:
		return fmt.Errorf("starting the in-process server: %w", err)
	case <-ctx.Done():
		stopServer()
		<-done
		return ctx.Err()
	}
	rep.Target = "http://" + addr
	f.load.URL, f.load.Token = rep.Target, token
	loadErr := runLoad(ctx, f, rep)
	if loadErr == nil && f.memProfile != "" {
		loadErr = writeHeapProfile(f.memProfile)
	}
	stopServer()
	if err := <-done; err != nil {
		return errors.Join(loadErr, fmt.Errorf("in-process server: %w", err))
	}
	if loadErr != nil {
		return loadErr
	}
	// Every answered decision must be in the log, and the log intact.
	st, err := openReadOnly(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	v, _, err := g.trustedVerifier(cfg, "")
	if err != nil {
		return err
	}
	vr, err := audit.Verify(ctx, st, audit.VerifyOptions{Verifier: v})
	if err != nil {
		return fmt.Errorf("verifying the audit log of the run: %w", err)
	}
	rep.Audit = &benchAudit{Entries: vr.Size, Intact: vr.Intact, Covers: vr.Size > rep.Decisions}
	return nil
}

// benchConfig is the configuration of the in-process server: the strict
// profile of the gate's benchmarks (20 allowed tools, 10 blocked patterns,
// session limits, rate limits, concurrency), with limits set so that the
// load itself is never what they deny, and a WRITER token bound to the
// agents, as a production deployment would issue one.
func benchConfig(dataDir string, agents int, tools []string, detectors string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "server:\n  addr: 127.0.0.1:0\nstorage:\n  data_dir: %q\n", dataDir)
	fmt.Fprintf(&b, "auth:\n  tokens:\n    - {name: bench, token: \"${%s}\", role: WRITER, agents: [\"agent-*\"]}\n", benchTokenVar)
	b.WriteString("tools:\n")
	for _, t := range tools {
		fmt.Fprintf(&b, "  %s: {ring: 3, permission: read}\n", t)
	}
	b.WriteString("defaults:\n  role: WRITER\n  ring: 2\n  mode: strict\n  allowed_tools: [")
	b.WriteString(strings.Join(tools, ", "))
	b.WriteString("]\n  blocked_patterns:\n")
	for _, p := range []string{"drop table", "rm -rf", "/etc/passwd", "curl | sh", "base64 -d", "chmod 777", "<script", "169.254.169.254", "password=", "union select"} {
		fmt.Fprintf(&b, "    - substring: %q\n", p)
	}
	b.WriteString("  limits: {max_tool_calls: 100000, timeout: 1h}\n")
	b.WriteString("  rate: {per_second: 100000, burst: 100000}\n")
	b.WriteString("  concurrency: {max: 1000}\n")
	switch detectors {
	case "off":
		// Every content detector switched off in the profile; a profile
		// that says nothing gets the built-in defaults.
		b.WriteString("  detectors:\n")
		for _, name := range config.DetectorNames {
			fmt.Fprintf(&b, "    %s: {enabled: false}\n", name)
		}
	case "default":
		b.WriteString("  egress:\n    default: deny\n    rules:\n")
		b.WriteString("      - {host: \"*.example.com\", action: allow}\n      - {host: \"search.example.net\", action: allow}\n")
	}
	b.WriteString("agents:\n")
	for i := range agents {
		fmt.Fprintf(&b, "  %s: {}\n", loadgen.AgentName("agent-", i))
	}
	return b.String()
}

func printBench(w io.Writer, r *benchReport) {
	fmt.Fprintf(w, "target:     %s (%s; detectors %s)\n", r.Target, r.Server, r.Detectors)
	points := "pre_tool_call"
	if r.PostCall {
		points += " + post_tool_call"
	}
	fmt.Fprintf(w, "load:       %d clients, %d agents, %d tools, sessions of %d calls, %s; %.1fs measured after %.1fs warm-up\n",
		r.Clients, r.Agents, r.Tools, r.Session, points, r.Duration, r.Warmup)
	fmt.Fprintf(w, "decisions:  %d = %.0f/s (", r.Decisions, r.PerSecond)
	first := true
	for _, d := range []string{"allow", "warn", "transform", "escalate", "deny"} {
		if n := r.ByDecision[d]; n > 0 {
			if !first {
				fmt.Fprint(w, ", ")
			}
			fmt.Fprintf(w, "%s %d", d, n)
			first = false
		}
	}
	fmt.Fprintln(w, ")")
	reasons := slices.SortedFunc(maps.Keys(r.Reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(r.Reasons[b], r.Reasons[a]), cmp.Compare(a, b))
	})
	for i, k := range reasons {
		if i == 5 {
			fmt.Fprintf(w, "  (%d more reasons)\n", len(reasons)-i)
			break
		}
		fmt.Fprintf(w, "  %s: %d\n", k, r.Reasons[k])
	}
	fmt.Fprintf(w, "errors:     %d\n", r.Errors)
	for _, e := range r.ErrorList {
		fmt.Fprintf(w, "  %s\n", e)
	}
	l := r.LatencyMS
	fmt.Fprintf(w, "latency:    p50 %.2fms  p95 %.2fms  p99 %.2fms  max %.2fms  (mean %.2fms)\n", l.P50, l.P95, l.P99, l.Max, l.Mean)
	if r.Audit != nil {
		state := "verified INTACT"
		if !r.Audit.Intact {
			state = "TAMPERED OR CORRUPT"
		}
		fmt.Fprintf(w, "audit:      %d entries, %s\n", r.Audit.Entries, state)
	}
	switch {
	case r.Kept:
		fmt.Fprintf(w, "data dir:   %s (kept: agentgov audit verify --data-dir %s)\n", r.DataDir, filepath.Join(r.DataDir, "data"))
	case r.DataDir != "":
		fmt.Fprintf(w, "data dir:   %s (removed)\n", r.DataDir)
	}
	m := r.Machine
	fmt.Fprintf(w, "machine:    %s/%s, %d CPUs, GOMAXPROCS %d, %s, agentgov %s, %s\n", m.GOOS, m.GOARCH, m.NumCPU, m.GOMAXPROCS, m.Go, m.Version, m.Date)
}

// writeHeapProfile writes the live heap, after a collection, to path.
func writeHeapProfile(path string) error {
	pf, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--memprofile: %w", err)
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(pf); err != nil {
		pf.Close()
		return fmt.Errorf("--memprofile: %w", err)
	}
	return pf.Close()
}
