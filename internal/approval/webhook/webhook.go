// Package webhook delivers approval notifications to an outside receiver:
// one signed POST per request opened and per resolution. The body is
// canonical JSON (RFC 8785) signed with Ed25519, so a receiver verifies
// exactly the bytes it got with the key published at
// GET /v1/approvals/webhook-key. Deliveries run off a bounded queue on
// their own goroutine, with retries and exponential backoff: a slow or
// failing receiver never delays a decision.
package webhook

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/keyring"
)

// Headers of a delivery.
const (
	HeaderSignature = "Agentgov-Signature"
	HeaderKeyID     = "Agentgov-Key-Id"
	HeaderEvent     = "Agentgov-Event"
)

// KeyFile is the signing key's file in the keys directory (a hex seed,
// mode 0600).
const KeyFile = "approval-webhook.key"

// Key is the webhook signing key.
type Key struct {
	priv ed25519.PrivateKey
	// ID names the key: "ed25519:" and the first 16 bytes of the SHA-256
	// of the public key, in hex.
	ID string
}

// Public is the public key.
func (k *Key) Public() ed25519.PublicKey { return k.priv.Public().(ed25519.PublicKey) }

// LoadOrCreateKey reads the signing key from the keys directory, creating
// it on first use.
func LoadOrCreateKey(dir string, rnd io.Reader) (*Key, error) {
	seedHex, _, err := keyring.LoadOrCreateToken(dir, KeyFile, rnd)
	if err != nil {
		return nil, err
	}
	seed, err := hex.DecodeString(seedHex)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, fmt.Errorf("webhook: %s does not hold a 32-byte hex seed", KeyFile)
	}
	return NewKey(ed25519.NewKeyFromSeed(seed)), nil
}

// NewKey wraps a private key.
func NewKey(priv ed25519.PrivateKey) *Key {
	sum := sha256.Sum256(priv.Public().(ed25519.PublicKey))
	return &Key{priv: priv, ID: "ed25519:" + hex.EncodeToString(sum[:16])}
}

// Sign returns the base64 signature of body.
func (k *Key) Sign(body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(k.priv, body))
}

// Verify checks a delivery: sig is the Agentgov-Signature header.
func Verify(pub ed25519.PublicKey, body []byte, sig string) error {
	raw, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || len(raw) != ed25519.SignatureSize {
		return errors.New("webhook: the signature is not base64 of 64 bytes")
	}
	if !ed25519.Verify(pub, body, raw) {
		return errors.New("webhook: the signature does not verify")
	}
	return nil
}

// Payload is the signed body.
type Payload struct {
	Type     string       `json:"type"`
	Approval api.Approval `json:"approval"`
	Sent     time.Time    `json:"sent"`
}

// Options configure New.
type Options struct {
	URL string
	// RootCAs adds trusted CAs for the receiver (nil: the system's).
	RootCAs     *x509.CertPool
	Timeout     time.Duration
	MaxAttempts int
	QueueSize   int
	Key         *Key

	// ConfigureTLS, if set, adjusts the TLS client configuration once
	// (agentgov adds outbound.tls.pins here); it must not weaken it.
	ConfigureTLS func(*tls.Config)

	// Backoff is the first retry delay (doubling, capped at 1 minute);
	// default 1s.
	Backoff time.Duration
	Now     func() time.Time
	Logger  *slog.Logger
}

// LoadCAs reads a PEM bundle and adds it to the system pool.
func LoadCAs(file string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("approvals.webhook.ca_file: %w", err)
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("approvals.webhook.ca_file: %s holds no PEM certificate", file)
	}
	return pool, nil
}

type job struct {
	kind string
	a    api.Approval
}

// Sender is a Notifier for package approval.
type Sender struct {
	o      Options
	client *http.Client
	queue  chan job
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
}

// New starts the sender's delivery goroutine; Close stops it.
func New(o Options) (*Sender, error) {
	if o.URL == "" || o.Key == nil {
		return nil, errors.New("webhook: a URL and a key are required")
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxAttempts < 1 {
		o.MaxAttempts = 1
	}
	if o.QueueSize < 1 {
		o.QueueSize = 1
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS13, RootCAs: o.RootCAs}
	if o.ConfigureTLS != nil {
		o.ConfigureTLS(tlsCfg)
		tlsCfg.InsecureSkipVerify = false
		tlsCfg.MinVersion = tls.VersionTLS13
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     tlsCfg,
		TLSHandshakeTimeout: o.Timeout,
		MaxIdleConns:        2,
		IdleConnTimeout:     time.Minute,
	}
	s := &Sender{o: o, queue: make(chan job, o.QueueSize), stop: make(chan struct{}), done: make(chan struct{}),
		client: &http.Client{Transport: tr, Timeout: o.Timeout,
			// A receiver that redirects is not the receiver configured.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	go s.run()
	return s, nil
}

// Notify queues a notification; a full queue drops it (and logs), never
// blocking the caller.
func (s *Sender) Notify(kind string, a api.Approval) {
	select {
	case s.queue <- job{kind: kind, a: a}:
	default:
		s.o.Logger.Error("approval webhook queue full; notification dropped", "approval_id", a.ID, "type", kind)
	}
}

// Close stops delivery; queued notifications that were not sent are
// dropped (the approval itself is in the store and the audit log).
func (s *Sender) Close() {
	s.once.Do(func() { close(s.stop) })
	<-s.done
}

func (s *Sender) run() {
	defer close(s.done)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	for {
		select {
		case <-s.stop:
			return
		case j := <-s.queue:
			s.deliver(ctx, j)
		}
	}
}

// Body is the canonical signed body of a notification.
func Body(kind string, a api.Approval, sent time.Time) ([]byte, error) {
	return canonical.Marshal(Payload{Type: kind, Approval: a, Sent: sent.UTC()})
}

func (s *Sender) deliver(ctx context.Context, j job) {
	body, err := Body(j.kind, j.a, s.o.Now())
	if err != nil {
		s.o.Logger.Error("approval webhook: encoding failed", "approval_id", j.a.ID, "err", err)
		return
	}
	sig := s.o.Key.Sign(body)
	delay := s.o.Backoff
	for attempt := 1; attempt <= s.o.MaxAttempts; attempt++ {
		err := s.post(ctx, j.kind, body, sig)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			return
		}
		s.o.Logger.Warn("approval webhook delivery failed", "approval_id", j.a.ID, "attempt", attempt, "err", err)
		if attempt == s.o.MaxAttempts {
			s.o.Logger.Error("approval webhook: giving up", "approval_id", j.a.ID, "attempts", attempt)
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

func (s *Sender) post(ctx context.Context, kind string, body []byte, sig string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.o.URL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "agentgov-approvals")
	req.Header.Set(HeaderSignature, sig)
	req.Header.Set(HeaderKeyID, s.o.Key.ID)
	req.Header.Set(HeaderEvent, kind)
	resp, err := s.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("receiver answered %d", resp.StatusCode)
	}
	return nil
}
