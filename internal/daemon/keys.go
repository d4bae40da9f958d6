package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/logkey"
	"github.com/agentgov/agentgov/internal/server"
)

// keyService rotates agentgov's keys for POST /v1/admin/keys/rotate.
type keyService struct {
	log *logkey.Log
	// rotateCA rotates the built-in SPIFFE CA; nil when this server has
	// none.
	rotateCA func(ctx context.Context) error
}

// RotateLogKey implements server.KeyRotator.
func (k *keyService) RotateLogKey(ctx context.Context, reason string) (api.KeyRotateResponse, error) {
	r, err := k.log.Rotate(ctx, "manual: "+reason)
	if err != nil {
		return api.KeyRotateResponse{}, err
	}
	return logkey.Response(r), nil
}

// RotateCA implements server.KeyRotator.
func (k *keyService) RotateCA(ctx context.Context, reason string) (api.KeyRotateResponse, error) {
	if k.rotateCA == nil {
		return api.KeyRotateResponse{}, fmt.Errorf("%w: this server runs no built-in SPIFFE CA", server.ErrKeyTargetUnavailable)
	}
	if err := k.rotateCA(ctx); err != nil {
		if errors.Is(err, server.ErrSVIDUnavailable) {
			return api.KeyRotateResponse{}, fmt.Errorf("%w: %v", server.ErrKeyTargetUnavailable, err)
		}
		return api.KeyRotateResponse{}, err
	}
	return api.KeyRotateResponse{Target: "ca", Detail: "the built-in CA signs new SVIDs with a new key; SVIDs already issued verify until they expire"}, nil
}

// runKeySchedule rotates the log key every audit.key_rotation (0: never)
// until ctx ends; the schedule runs on the log's entry times and the
// injected clock.
func runKeySchedule(ctx context.Context, cfg *config.Config, l *logkey.Log, now func() time.Time, log *slog.Logger) {
	every := cfg.Audit.KeyRotation.Duration
	if every <= 0 {
		return
	}
	if now == nil {
		now = time.Now
	}
	t := time.NewTicker(logkey.CheckInterval(every))
	defer t.Stop()
	log.Info("scheduled log key rotation on", "every", every.String())
	l.RunSchedule(ctx, every, now, t.C)
}
