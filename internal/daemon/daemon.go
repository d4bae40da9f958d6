// Package daemon is the composition root of agentgov serve: it builds the
// store, keys, audit log and HTTP server from a validated configuration,
// starts them in order, and on shutdown stops them in reverse so that every
// acknowledged entry is durable and covered by a final checkpoint.
package daemon

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/config"
	"github.com/agentgov/agentgov/internal/datadir"
	"github.com/agentgov/agentgov/internal/gate"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/logkey"
	"github.com/agentgov/agentgov/internal/minimise"
	"github.com/agentgov/agentgov/internal/server"
	"github.com/agentgov/agentgov/internal/store/sqlite"
	"github.com/agentgov/agentgov/internal/toolpin"
)

// Info describes the running build.
type Info struct {
	Version string
}

// Options configure Run.
type Options struct {
	Config *config.Config
	// ConfigFile is the file Config came from ("" for embedded defaults);
	// manifests in profiles are relative to its directory.
	ConfigFile string
	// Reload re-reads the configuration (file and environment) for SIGHUP
	// and POST /v1/admin/reload; nil disables reloading.
	Reload func() (*config.Config, error)
	Logger *slog.Logger
	Info   Info
	// Started, if set, is called once the listeners are bound, with their
	// addresses (useful when the configured port is 0).
	Started func(addr, diagnosticAddr string)
}

// Run serves until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, o Options) (err error) {
	cfg, log := o.Config, o.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	dir := datadir.Dir(cfg.Storage.DataDir)
	lock, err := dir.Acquire(datadir.Holder{Command: "agentgov serve", Addr: cfg.Server.Addr})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, lock.Release()) }()

	key, err := keyring.LoadOrCreateLogKey(dir.Keys(), cfg.Audit.Origin, nil)
	if err != nil {
		return err
	}
	tokens := tokensFor(cfg)
	if err := checkUnauthenticated(cfg, log); err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, sqlite.Options{Path: dir.DB(), Logger: log})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	build := prometheus.NewGauge(prometheus.GaugeOpts{Name: "agentgov_build_info", Help: "Build information.",
		ConstLabels: prometheus.Labels{"version": o.Info.Version}})
	build.Set(1)
	reg.MustRegister(build)

	klog, err := logkey.Open(ctx, dir.Keys(), audit.Options{
		Store: st, Origin: cfg.Audit.Origin,
		MaxPayloadBytes: int(cfg.Audit.MaxPayloadBytes), Logger: log.With("component", "audit"),
		Metrics: audit.NewMetrics(reg), Minimiser: Minimiser(cfg),
	})
	if err != nil {
		return err
	}
	alog := klog.Log
	var closed sync.Once
	closeLog := func() error {
		var cerr error
		closed.Do(func() {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout.Duration)
			defer cancel()
			cerr = alog.Close(cctx)
		})
		return cerr
	}
	defer func() { err = errors.Join(err, closeLog()) }()

	ap, err := newApprovals(cfg, dir, st, alog, log, reg)
	if err != nil {
		return err
	}
	defer ap.close()
	inc, err := newIncident(ctx, st, alog, log)
	if err != nil {
		return err
	}
	inc.register(reg)
	gv := &governance{incident: inc, load: o.Reload, dir: configDir(o.ConfigFile), log: alog, logger: log.With("component", "governance"), approvals: ap}
	if gv.engines.Fetch, err = OutboundFetch(cfg); err != nil { // spiffe.go
		return err
	}
	sp := NewSPIFFE(cfg, dir.Keys(), st, alog, log) // spiffe.go
	if gv.trust, err = buildTrust(ctx, cfg, st, alog, log, func(id string) bool { _, ok := gv.gate.Policy().Agent(id); return ok }); err != nil {
		return err
	}
	defer func() { err = errors.Join(err, gv.trust.close(context.WithoutCancel(ctx))) }()
	g, pol, err := gv.build(ctx, cfg, log, gate.NewMetrics(reg))
	if err != nil {
		return err
	}
	if err := gv.record(ctx, pol, "", "start"); err != nil {
		return fmt.Errorf("recording the active policy: %w", err)
	}
	if err := ap.start(ctx); err != nil {
		return err
	}
	idp, err := buildIdentity(cfg, dir, st, alog, func(id string) bool { _, ok := gv.gate.Policy().Agent(id); return ok })
	if err != nil {
		return err
	}
	idp.register(reg)
	life, err := inc.startLifecycle(ctx, cfg, st, idp.registry, alog, func(id string) bool { _, ok := gv.gate.Policy().Agent(id); return ok }, log)
	if err != nil {
		return err
	}
	if len(cfg.Agents) == 0 {
		log.Warn("no agents are configured: every check is denied (agent_unknown) until agents: lists them")
	}
	var reload server.Reloader
	if o.Reload != nil {
		reload = func(ctx context.Context) (string, error) { return gv.reload(ctx, "api") }
		// watchHangup subscribes here, synchronously; only the loop runs
		// in the new goroutine.
		go gv.watchHangup(ctx)()
	}

	sagas, stopSagas, err := startSagas(ctx, cfg, st, alog, g, inc.kills, ap.svc, log)
	if err != nil {
		return err
	}
	defer stopSagas()

	var shuttingDown sync.Once
	down := make(chan struct{})
	srv, err := server.New(server.Options{
		Gate: g, Reload: reload, Approvals: ap.svc, WebhookKey: ap.key,
		Audit: alog, Tokens: tokens, VerifierKey: key.VerifierKey, Keys: &keyService{log: klog, rotateCA: sp.RotateCA},
		Kills: inc.kills, Lifecycle: life,
		Identity: idp.registry, Handshake: idp.authority, TrustDomain: cfg.Auth.TrustDomain, Anonymous: !authConfigured(cfg),
		SVID: sp, SVIDRevocations: sp, MCPPins: &toolpin.Service{Store: st, Log: alog},
		Trust: gv.trust, Delegations: gv.trust.registry, Sagas: sagas,
		MaxRequestBytes: cfg.Server.MaxRequestBytes, Registry: reg, Logger: log.With("component", "http"),
		Ready: []server.Check{
			{Name: "store", Fn: st.Ping},
			{Name: "signing_key", Fn: func(context.Context) error {
				if key.Signer == nil {
					return errors.New("not loaded")
				}
				return nil
			}},
			{Name: "shutdown", Fn: func(context.Context) error {
				select {
				case <-down:
					return errors.New("shutting down")
				default:
					return nil
				}
			}},
		},
	})
	if err != nil {
		return err
	}

	tlsCfg, err := tlsConfig(cfg)
	if err != nil {
		return err
	}
	if cfg.Server.TLS.SPIFFE {
		if tlsCfg, _, err = sp.ServerTLS(ctx, cfg.Server.Addr, cfg.Server.DiagnosticAddr); err != nil {
			return err
		}
	}
	main, err := listen(cfg.Server.Addr, tlsCfg)
	if err != nil {
		return err
	}
	servers := []*http.Server{newHTTPServer(srv, tlsCfg, log)}
	// Long polls on approvals answer at once when shutdown begins, so that
	// draining does not wait for them.
	servers[0].RegisterOnShutdown(ap.close)
	// Kill streams are held open; end them when shutdown begins.
	servers[0].RegisterOnShutdown(srv.CloseStreams)
	listeners := []net.Listener{main}
	diagAddr := ""
	if cfg.Server.DiagnosticAddr != "" {
		dl, err := listen(cfg.Server.DiagnosticAddr, tlsCfg)
		if err != nil {
			main.Close()
			return err
		}
		servers = append(servers, newHTTPServer(srv.DiagnosticHandler(), tlsCfg, log))
		listeners = append(listeners, dl)
		diagAddr = dl.Addr().String()
	}
	scheme := "http"
	if tlsCfg != nil {
		scheme = "https"
	} else {
		log.Warn("serving plain HTTP; allowed only because the listener is on loopback", "addr", main.Addr().String())
	}

	errc := make(chan error, len(servers))
	for i, hs := range servers {
		go func() {
			if err := hs.Serve(listeners[i]); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- err
			}
		}()
	}
	cpCtx, stopCheckpoints := context.WithCancel(ctx)
	defer stopCheckpoints()
	go alog.RunCheckpoints(cpCtx, cfg.Audit.CheckpointInterval.Duration)
	go runKeySchedule(cpCtx, cfg, klog, nil, log.With("component", "keys"))
	go sp.RunCARotation(cpCtx, time.Hour)

	if err := lock.Describe(datadir.Holder{Command: "agentgov serve", Addr: scheme + "://" + main.Addr().String()}); err != nil {
		log.Warn("could not describe the data directory lock", "err", err)
	}
	log.Info("agentgov serving", "addr", main.Addr().String(), "scheme", scheme, "diagnostic_addr", diagAddr,
		"data_dir", cfg.Storage.DataDir, "origin", cfg.Audit.Origin, "verifier_key", alog.CurrentKey(), "version", o.Info.Version)
	if o.Started != nil {
		o.Started(main.Addr().String(), diagAddr)
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
		log.Error("listener failed; shutting down", "err", serveErr)
	}
	shuttingDown.Do(func() { close(down) })
	log.Info("shutting down: draining requests")
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout.Duration)
	defer cancel()
	var shutErr error
	for _, hs := range servers {
		shutErr = errors.Join(shutErr, hs.Shutdown(sctx))
	}
	stopCheckpoints()
	// Every acknowledged append is already durable; closing the log waits
	// for queued ones and signs a final checkpoint over all of them.
	if err := closeLog(); err != nil {
		shutErr = errors.Join(shutErr, fmt.Errorf("final checkpoint: %w", err))
	}
	log.Info("stopped")
	return errors.Join(serveErr, shutErr)
}

func newHTTPServer(h http.Handler, tlsCfg *tls.Config, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tlsCfg,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

func listen(addr string, tlsCfg *tls.Config) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	if tlsCfg != nil {
		l = tls.NewListener(l, tlsCfg)
	}
	return l, nil
}

// tlsConfig builds a TLS 1.3-only configuration, or nil for plain HTTP
// (which config validation allows only on loopback).
func tlsConfig(cfg *config.Config) (*tls.Config, error) {
	t := cfg.Server.TLS
	if t.Cert == "" {
		return nil, nil
	}
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("server.tls: %w", err)
	}
	c := &tls.Config{MinVersion: tls.VersionTLS13, Certificates: []tls.Certificate{cert}}
	if t.ClientCA != "" {
		pem, err := os.ReadFile(t.ClientCA)
		if err != nil {
			return nil, fmt.Errorf("server.tls.client_ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("server.tls.client_ca: %s holds no PEM certificate", t.ClientCA)
		}
		c.ClientCAs = pool
		c.ClientAuth = tls.VerifyClientCertIfGiven
		if t.RequireClientCert {
			c.ClientAuth = tls.RequireAndVerifyClientCert
		}
	}
	return c, nil
}

// tokensFor returns the configured operator tokens (the file's and
// AGENTGOV_OPERATOR_TOKEN's). With none, and no client CA, the server runs
// unauthenticated on loopback only (see checkUnauthenticated).
func tokensFor(cfg *config.Config) []server.Token {
	var out []server.Token
	for _, t := range cfg.Auth.Tokens {
		out = append(out, server.Token{Name: t.Name, Secret: t.Secret, Role: server.Role(t.Role), Agents: t.Agents})
	}
	return out
}

// Minimiser is the audit minimiser cfg asks for (nil: none).
func Minimiser(cfg *config.Config) audit.Minimiser {
	if !cfg.Audit.Minimise {
		return nil
	}
	return minimise.New()
}
