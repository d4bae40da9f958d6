//go:build unix

package cli

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/client"
	"github.com/agentgov/agentgov/internal/killswitch"
	"github.com/agentgov/agentgov/internal/supervise"
)

func newRunCmd(g *globals) *cobra.Command {
	var agent, session string
	var grace, maxDisconnect time.Duration
	c := &cobra.Command{
		Use:   "run --server URL --agent ID [--session ID] [--grace D] -- COMMAND [ARG...]",
		Short: "Run an agent under supervision: a kill on the server terminates it",
		Long: `Run COMMAND as agent ID, in its own process group, while holding the server's
kill stream open. When a kill covers the agent (an agent kill, a kill of
--session, or a global kill), the whole process group gets SIGTERM, and
SIGKILL once --grace has passed with any member left. The outcome is reported
to the server as it firms up: signalled; terminated, with the exit status,
once the child has exited; confirmed once no process of the group remains.
A tool kill does not terminate agents: the gate refuses the tool.

An agent that is killed when run starts is not started. Signals run receives
(SIGINT, SIGTERM, SIGHUP, SIGQUIT) are forwarded to the group. The exit
status of run is the child's (128 + N when signal N ended it). A lost stream
is re-established, resuming where it stopped; kills made meanwhile arrive
with it. With --max-disconnect D, an agent whose kill stream stays lost for
longer than D is terminated as if killed (fail closed: a supervisor that
cannot hear kills does not keep the agent running).`,
		Example: `  agentgov run --server http://127.0.0.1:8470 --token "$AGENT_TOKEN" --agent research-assistant -- python agent.py
  agentgov run --agent support-bot --session s-42 --grace 30s -- ./bot --config bot.yaml`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageErr("give the command to run after --")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if agent == "" {
				return usageErr("--agent is required")
			}
			if grace <= 0 {
				return usageErr("--grace must be positive")
			}
			if maxDisconnect < 0 {
				return usageErr("--max-disconnect must not be negative")
			}
			cl, err := g.serverClient("agentgov run")
			if err != nil {
				return err
			}
			r := &runner{cl: cl, agent: agent, session: session, grace: grace, maxDisconnect: maxDisconnect, stderr: cmd.ErrOrStderr(), id: "run-" + rand.Text()[:16]}
			return r.run(cmd.Context(), args)
		},
	}
	fl := c.Flags()
	fl.StringVar(&agent, "agent", "", "the agent the command runs as")
	fl.StringVar(&session, "session", "", "the session it runs (kills of this session terminate it too)")
	fl.DurationVar(&grace, "grace", 10*time.Second, "time between SIGTERM and SIGKILL")
	fl.DurationVar(&maxDisconnect, "max-disconnect", 0, "terminate the agent when the kill stream stays lost this long (0: never)")
	addClientFlags(fl, g, "the server whose kill switch governs the agent")
	return c
}

type runner struct {
	cl             *client.Client
	agent, session string
	grace          time.Duration
	maxDisconnect  time.Duration
	stderr         io.Writer
	id             string
}

func (r *runner) say(format string, args ...any) {
	fmt.Fprintf(r.stderr, "agentgov run: "+format+"\n", args...)
}

// covers reports whether a kill terminates this runner's agent.
func (r *runner) covers(k *api.Kill) bool {
	return k != nil && k.Active && killswitch.TargetOf(*k).Terminates(r.agent, r.session)
}

// connect opens the kill stream and reads the state in force; it returns
// the first kill that covers the agent, if any.
func (r *runner) connect(ctx context.Context, lastID string) (*client.KillStream, *api.Kill, error) {
	st, err := r.cl.KillStream(ctx, r.agent, lastID)
	if err != nil {
		return nil, nil, err
	}
	var hit *api.Kill
	for {
		ev, err := st.Next()
		if err != nil {
			st.Close()
			return nil, nil, err
		}
		switch ev.Type {
		case "ready":
			return st, hit, nil
		case "kill":
			if hit == nil && r.covers(ev.Kill) {
				hit = ev.Kill
			}
		}
	}
}

// watch follows the stream, reconnecting with backoff (and resuming from
// the last event), and delivers the first kill that covers the agent.
func (r *runner) watch(ctx context.Context, st *client.KillStream, kills chan<- api.Kill, lost chan<- time.Duration) {
	backoff, last := 100*time.Millisecond, ""
	var lostAt time.Time
	for {
		if st == nil {
			if d := time.Since(lostAt); r.maxDisconnect > 0 && d > r.maxDisconnect {
				lost <- d
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(backoff):
			}
			s, hit, err := r.connect(ctx, last)
			if err != nil {
				r.say("reconnecting to the kill stream: %v", err)
				backoff = min(2*backoff, 5*time.Second)
				continue
			}
			backoff, st, lostAt = 100*time.Millisecond, s, time.Time{}
			if hit != nil {
				st.Close()
				kills <- *hit
				return
			}
		}
		ev, err := st.Next()
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			r.say("kill stream lost (%v); reconnecting", err)
			last, lostAt = st.LastID, time.Now()
			st.Close()
			st = nil
			continue
		}
		if ev.Type == "kill" && r.covers(ev.Kill) {
			st.Close()
			kills <- *ev.Kill
			return
		}
	}
}

func (r *runner) run(ctx context.Context, command []string) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st, hit, err := r.connect(ctx, "")
	if err != nil {
		return fmt.Errorf("run: connecting to the kill stream: %w", err)
	}
	if hit != nil {
		st.Close()
		return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("run: agent %s is killed (%s, kill %s); not starting it", r.agent, hit.Reason, hit.ID)}
	}
	// Signals are taken before the child starts, so that one arriving in
	// between is forwarded rather than killing run alone.
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	sup, err := supervise.Start(supervise.Options{Command: command, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Grace: r.grace})
	if err != nil {
		st.Close()
		return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("run: %w", err)}
	}
	defer sup.Close()
	kills := make(chan api.Kill, 1)
	lost := make(chan time.Duration, 1)
	go r.watch(ctx, st, kills, lost)
	for {
		select {
		case <-sup.Exited():
			return r.exit(sup)
		case s := <-sigs:
			if err := sup.Signal(s.(syscall.Signal)); err != nil {
				r.say("forwarding %v: %v", s, err)
			}
		case k := <-kills:
			r.terminate(ctx, sup, k)
			return r.exit(sup)
		case d := <-lost:
			r.say("no kill stream for %s (--max-disconnect %s): terminating process group %d", d.Round(time.Millisecond), r.maxDisconnect, sup.PID())
			out := sup.Terminate(ctx, nil)
			if out.Err != nil {
				r.say("%v", out.Err)
			}
			return r.exit(sup)
		}
	}
}

// exit mirrors the child's exit status.
func (r *runner) exit(sup *supervise.Supervisor) error {
	if code := sup.ShellStatus(); code != 0 {
		return &ExitCodeError{Code: code, Quiet: true}
	}
	return nil
}

// terminate ends the group and reports each step of the outcome, in
// order, without holding up the termination.
func (r *runner) terminate(ctx context.Context, sup *supervise.Supervisor, k api.Kill) {
	r.say("kill %s (%s, scope %s): terminating process group %d", k.ID, k.Reason, k.Scope, sup.PID())
	reports := make(chan api.KillProcess, 8)
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for p := range reports {
			r.report(ctx, k.ID, p)
		}
	}()
	out := sup.Terminate(ctx, func(o supervise.Outcome) { reports <- r.process(o) })
	close(reports)
	select {
	case <-sent:
	case <-time.After(30 * time.Second):
		r.say("the server did not take the outcome report in time")
	}
	switch {
	case out.Err != nil:
		r.say("kill %s: %v", k.ID, out.Err)
	default:
		r.say("kill %s: child exited (%s), process group gone", k.ID, exitText(out.Exit))
	}
}

func exitText(e supervise.Exit) string {
	if e.Signal != "" {
		return "signal: " + e.Signal
	}
	return fmt.Sprintf("status %d", e.Code)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// process is the report of an outcome: terminated only with an exit,
// confirmed only after it.
func (r *runner) process(o supervise.Outcome) api.KillProcess {
	p := api.KillProcess{Runner: r.id, Agent: r.agent, Session: r.session, PID: o.PID, PGID: o.PGID,
		SignalledAt: stamp(o.SignalledAt), KilledAt: stamp(o.KilledAt)}
	if !o.Exit.At.IsZero() {
		code := o.Exit.Code
		p.ExitCode, p.ExitSignal, p.TerminatedAt = &code, o.Exit.Signal, stamp(o.Exit.At)
		p.ConfirmedAt = stamp(o.ConfirmedAt)
	}
	if o.Err != nil {
		p.Error = o.Err.Error()
	}
	return p
}

// report posts one step, retrying briefly: the server may be restarting.
func (r *runner) report(ctx context.Context, id string, p api.KillProcess) {
	var err error
	for attempt := range 5 {
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		_, err = r.cl.ReportKill(rctx, id, p)
		cancel()
		var ce *client.Error
		if err == nil || (errors.As(err, &ce) && ce.Status/100 == 4) {
			break
		}
		time.Sleep(time.Duration(attempt+1) * 200 * time.Millisecond)
	}
	if err != nil {
		r.say("reporting the outcome of kill %s: %v", id, strings.TrimSpace(err.Error()))
	}
}
