package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/policy/engines"
)

// governance owns the active policy and its changes: every version is
// validated completely before it replaces the old one, and every activated
// version is an audit entry.
type governance struct {
	mu      sync.Mutex
	load    func() (*config.Config, error)
	dir     string
	engines engines.Options
	gate    *gate.Gate
	log     *audit.Log
	logger  *slog.Logger
	// approvals, when set, holds the gate's escalations (serve only).
	approvals *approvals
	// trust, when set, is the trust model and delegation verifier the
	// gate uses (serve only).
	trust *Trust
	// incident, when set, gives the gate kill state, lifecycle admission
	// and automatic kills (serve only).
	incident *incident
}

// compile builds a policy from cfg, with manifests taken relative to the
// configuration file's directory.
func (gv *governance) compile(ctx context.Context, cfg *config.Config) (*gate.Policy, error) {
	return gate.Compile(cfg, gate.ACSLoader(ctx, gv.dir, gv.engines))
}

// record writes the activation of version (replacing previous).
func (gv *governance) record(ctx context.Context, p *gate.Policy, previous, trigger string) error {
	payload, err := json.Marshal(map[string]any{"policy_version": p.Version, "previous_version": previous, "trigger": trigger})
	if err != nil {
		return err
	}
	_, err = gv.log.Append(ctx, &api.Event{Type: "config_change", Agent: "agentgov", Action: "policy_activate",
		Decision: "activated", Reason: trigger, PolicyVersion: p.Version, Payload: payload}, audit.SourceAgentgov)
	return err
}

// reload re-reads the configuration and activates it if it is valid; on
// any error the running policy stays.
func (gv *governance) reload(ctx context.Context, trigger string) (string, error) {
	gv.mu.Lock()
	defer gv.mu.Unlock()
	cfg, err := gv.load()
	if err != nil {
		return "", err
	}
	p, err := gv.compile(ctx, cfg)
	if err != nil {
		return "", err
	}
	// Trust weights, the trust half-life and the delegation depth are not
	// part of the policy's version: they are checked with it and change
	// with an entry of their own.
	var tune retuning
	if gv.trust != nil {
		if tune, err = gv.trust.planRetune(cfg); err != nil {
			return "", err
		}
	}
	old := gv.gate.Policy()
	if old.Version != p.Version {
		if err := gv.record(ctx, p, old.Version, trigger); err != nil {
			return "", fmt.Errorf("recording the new policy: %w", err)
		}
		gv.gate.Swap(p)
		if gv.approvals != nil {
			gv.approvals.reconfigure(cfg)
		}
		gv.logger.Info("policy activated", "version", p.Version, "previous", old.Version, "trigger", trigger)
	}
	if tune.changes != nil {
		tune.changes["trigger"] = trigger
		payload, err := json.Marshal(tune.changes)
		if err != nil {
			return "", err
		}
		if _, err := gv.log.Append(ctx, &api.Event{Type: "config_change", Agent: "agentgov", Action: "trust_settings",
			Decision: "activated", Reason: trigger, PolicyVersion: p.Version, Payload: payload}, audit.SourceAgentgov); err != nil {
			return "", fmt.Errorf("recording the new trust settings: %w", err)
		}
		tune.apply()
		gv.logger.Info("trust and delegation settings changed", "trigger", trigger)
	}
	return p.Version, nil
}

// watchHangup subscribes to SIGHUP at once (a hangup that arrives before
// the subscription would kill the process) and returns the loop that
// reloads on each until ctx ends.
func (gv *governance) watchHangup(ctx context.Context) func() {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGHUP)
	return func() { gv.reloadOnHangup(ctx, ch) }
}

func (gv *governance) reloadOnHangup(ctx context.Context, ch chan os.Signal) {
	defer signal.Stop(ch)
	for {
		select {
		case <-ctx.Done():
			return
		case <-ch:
			if _, err := gv.reload(ctx, "sighup"); err != nil {
				gv.logger.Error("reload refused; the running policy stays", "err", err)
			}
		}
	}
}

func configDir(file string) string {
	if file == "" {
		return "."
	}
	return filepath.Dir(file)
}
