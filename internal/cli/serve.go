package cli

import (
	"fmt"
	"io"
	"log/slog"
	"os/signal"
	"syscall"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/daemon"
)

func newLogger(w io.Writer, c config.Log) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(c.Level))
	opts := &slog.HandlerOptions{Level: lvl}
	if c.Format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func writeYAML(w io.Writer, v any) error {
	b, err := yaml.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

func newServeCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "serve",
		Short: "Run the agentgov server (HTTP API, audit log, checkpoints)",
		Long: `Run the agentgov server. With no configuration it listens on 127.0.0.1:8470
and keeps its data and keys under ./agentgov-data. With no authentication
configured (auth.tokens, AGENTGOV_OPERATOR_TOKEN, server.tls.client_ca or
server.tls.spiffe) it serves loopback only, treats loopback callers as an
anonymous ADMIN and logs a warning. SIGTERM or SIGINT drains requests, makes every acknowledged
entry durable and signs a final checkpoint before exiting.`,
		Example: `  agentgov serve
  agentgov serve --config /etc/agentgov/agentgov.yaml
  AGENTGOV_DATA_DIR=/var/lib/agentgov agentgov serve --addr 127.0.0.1:9000`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := g.loadConfig()
			if err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			log := newLogger(g.env.Stderr, cfg.Log)
			file := g.configFile
			if file == "" {
				file = g.env.get("AGENTGOV_CONFIG")
			}
			if err := daemon.Run(ctx, daemon.Options{Config: cfg, ConfigFile: file, Reload: g.reloadConfig, Logger: log, Info: daemon.Info{Version: version()}}); err != nil {
				log.Error("agentgov serve failed", "err", err)
				return &ExitCodeError{Code: ExitError, Err: fmt.Errorf("serve: %w", err)}
			}
			return nil
		},
	}
}
