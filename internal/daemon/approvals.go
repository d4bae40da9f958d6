package daemon

import (
	"context"
	"crypto/x509"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/agentgov/agentgov/internal/approval"
	"github.com/agentgov/agentgov/internal/approval/webhook"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/outbound"
	"github.com/agentgov/agentgov/internal/server"
	"github.com/agentgov/agentgov/internal/store"
)

// approvals is the approval service of serve and its webhook.
type approvals struct {
	svc  *approval.Service
	hook *webhook.Sender
	key  *server.WebhookKey
}

// newApprovals builds the approval service over the store and the audit
// log, with the webhook when one is configured. The service is started
// (pending requests re-armed) by start, once the gate can consume.
func newApprovals(cfg *config.Config, dir datadir.Dir, st store.Approvals, rec approval.Recorder, log *slog.Logger, reg prometheus.Registerer) (*approvals, error) {
	out := &approvals{}
	o := approval.Options{Store: st, Recorder: rec, Config: approval.ConfigFrom(cfg), Logger: log.With("component", "approvals"),
		Metrics: approval.NewMetrics(reg)}
	if w := cfg.Approvals.Webhook; w.URL != "" {
		key, err := webhook.LoadOrCreateKey(dir.Keys(), nil)
		if err != nil {
			return nil, err
		}
		// The webhook's own CA file, if set, is the only root it
		// trusts; otherwise the outbound roots (system plus
		// outbound.tls.ca_file).
		var roots *x509.CertPool
		if w.CAFile != "" {
			roots, err = webhook.LoadCAs(w.CAFile)
		} else {
			roots, err = outbound.Roots(cfg)
		}
		if err != nil {
			return nil, err
		}
		pinHook, err := outbound.PinHook(cfg)
		if err != nil {
			return nil, err
		}
		out.hook, err = webhook.New(webhook.Options{URL: w.URL, RootCAs: roots, ConfigureTLS: pinHook, Timeout: w.Timeout.Duration, MaxAttempts: int(w.MaxAttempts),
			QueueSize: int(w.QueueSize), Key: key, Logger: log.With("component", "approval-webhook")})
		if err != nil {
			return nil, err
		}
		out.key = &server.WebhookKey{ID: key.ID, Key: key.Public()}
		o.Notifier = out.hook
	}
	svc, err := approval.New(o)
	if err != nil {
		out.close()
		return nil, err
	}
	out.svc = svc
	return out, nil
}

func (a *approvals) start(ctx context.Context) error { return a.svc.Start(ctx) }

// reconfigure applies a reloaded configuration to requests opened from
// now on.
func (a *approvals) reconfigure(cfg *config.Config) { a.svc.SetConfig(approval.ConfigFrom(cfg)) }

func (a *approvals) close() {
	if a.svc != nil {
		a.svc.Close()
	}
	if a.hook != nil {
		a.hook.Close()
	}
}
