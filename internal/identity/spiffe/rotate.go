package spiffe

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/spiffe/go-spiffe/v2/svid/x509svid"
)

// ErrExpired reports that the held SVID has expired and could not be
// renewed: presenting it would fail at every peer anyway, so nothing is
// presented.
var ErrExpired = errors.New("spiffe: the SVID has expired and was not renewed")

// RotatorOptions configure NewRotator.
type RotatorOptions struct {
	// Obtain gets a fresh SVID (from the CA, a server, or SPIRE).
	Obtain func(ctx context.Context) (*x509svid.SVID, error)
	// Stale, if set, reports an SVID that must be replaced before its
	// half-life, e.g. because the CA that signed it was rotated.
	Stale func(*x509svid.SVID) bool
	// Now is the clock (nil: time.Now).
	Now    func() time.Time
	Logger *slog.Logger
	// Poll bounds how long Run sleeps between checks (0: 30 s), so that
	// Stale is noticed without waiting for the half-life.
	Poll time.Duration
}

// Rotator holds an X.509-SVID and renews it at half its lifetime, before
// it can expire. It implements x509svid.Source and is safe for concurrent
// use.
type Rotator struct {
	o   RotatorOptions
	mu  sync.RWMutex
	cur *x509svid.SVID
}

// NewRotator obtains the first SVID.
func NewRotator(ctx context.Context, o RotatorOptions) (*Rotator, error) {
	if o.Obtain == nil {
		return nil, errors.New("spiffe: a rotator needs an Obtain function")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Poll <= 0 {
		o.Poll = 30 * time.Second
	}
	r := &Rotator{o: o}
	if err := r.renew(ctx); err != nil {
		return nil, err
	}
	return r, nil
}

// GetX509SVID implements x509svid.Source.
func (r *Rotator) GetX509SVID() (*x509svid.SVID, error) {
	r.mu.RLock()
	s := r.cur
	r.mu.RUnlock()
	if !r.o.Now().Before(s.Certificates[0].NotAfter) {
		return nil, fmt.Errorf("%w (%s expired at %s)", ErrExpired, s.ID, s.Certificates[0].NotAfter.UTC().Format(time.RFC3339))
	}
	return s, nil
}

// RenewAt is when the held SVID is due for renewal: half-way through its
// validity.
func (r *Rotator) RenewAt() time.Time {
	r.mu.RLock()
	leaf := r.cur.Certificates[0]
	r.mu.RUnlock()
	return leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
}

// Due reports whether the held SVID should be renewed now.
func (r *Rotator) Due() bool {
	r.mu.RLock()
	s := r.cur
	r.mu.RUnlock()
	if r.o.Stale != nil && r.o.Stale(s) {
		return true
	}
	return !r.o.Now().Before(r.RenewAt())
}

// RenewIfDue renews the SVID when it is due and reports whether it did.
func (r *Rotator) RenewIfDue(ctx context.Context) (bool, error) {
	if !r.Due() {
		return false, nil
	}
	return true, r.renew(ctx)
}

func (r *Rotator) renew(ctx context.Context) error {
	s, err := r.o.Obtain(ctx)
	if err != nil {
		return fmt.Errorf("spiffe: renewing the SVID: %w", err)
	}
	if s == nil || len(s.Certificates) == 0 || s.PrivateKey == nil {
		return errors.New("spiffe: renewing the SVID: got an empty SVID")
	}
	r.mu.Lock()
	r.cur = s
	r.mu.Unlock()
	return nil
}

// Run renews the SVID whenever it is due until ctx ends. A failed renewal
// is logged and retried; the old SVID stays in use until it expires.
func (r *Rotator) Run(ctx context.Context) {
	retry := time.Second
	for {
		wait := min(max(r.RenewAt().Sub(r.o.Now()), 0), r.o.Poll)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		renewed, err := r.RenewIfDue(ctx)
		switch {
		case err != nil:
			r.o.Logger.Error("SVID renewal failed; retrying", "err", err, "retry_in", retry)
			select {
			case <-ctx.Done():
				return
			case <-time.After(retry):
			}
			retry = min(2*retry, time.Minute)
		case renewed:
			retry = time.Second
			s, _ := r.GetX509SVID()
			if s != nil {
				r.o.Logger.Info("SVID renewed", "spiffe_id", s.ID.String(), "not_after", s.Certificates[0].NotAfter.UTC())
			}
		}
	}
}
