// Package logkey looks after the audit log's signing key over its life: it
// opens the log with the key kept in the data directory, finishes a key
// rotation that a crash interrupted, rotates the key on request, and
// rotates it on a schedule.
//
// A rotation touches two things that cannot change in one step, the key
// files and the log, so it runs in an order that a crash at any point
// leaves recoverable: the new key is written (0600, synced) as
// log.key.next; the log appends the key_rotation entry signed by the old
// key and the old key's checkpoint covering it; only then does the new key
// replace log.key. Open finds a leftover log.key.next and either adopts it
// (the log's chain already hands over to it) or deletes it (it never did).
package logkey

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/keyring"
)

// Log is an audit log together with the keeper of its signing key.
type Log struct {
	*audit.Log
	// dir is the keys directory; "" keeps keys in memory only (a log
	// that does not outlive the process).
	dir    string
	origin string
	rand   io.Reader
	logger *slog.Logger
	mu     sync.Mutex
}

// Open opens the log described by o with the signing key in keysDir
// (created on first use); o.Signer and o.VerifierKey are filled in. A
// staged key from an interrupted rotation is adopted or discarded.
func Open(ctx context.Context, keysDir string, o audit.Options) (*Log, error) {
	key, err := keyring.LoadOrCreateLogKey(keysDir, o.Origin, nil)
	if err != nil {
		return nil, err
	}
	o.Signer, o.VerifierKey = key.Signer, key.VerifierKey
	staged, err := keyring.LoadStagedLogKey(keysDir)
	switch {
	case err == nil:
		o.PendingSigner, o.PendingVerifierKey = staged.Signer, staged.VerifierKey
	case errors.Is(err, keyring.ErrNoKey):
		staged = nil
	default:
		return nil, err
	}
	al, err := audit.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	l := &Log{Log: al, dir: keysDir, origin: o.Origin, rand: o.Rand, logger: o.Logger}
	if l.logger == nil {
		l.logger = slog.New(slog.DiscardHandler)
	}
	if staged != nil {
		if err := l.settle(staged.VerifierKey); err != nil {
			return nil, errors.Join(err, al.Close(ctx))
		}
		if al.CurrentKey() == staged.VerifierKey {
			l.logger.Warn("completed an interrupted log key rotation", "verifier_key", staged.VerifierKey)
		} else {
			l.logger.Warn("discarded the staged key of a log key rotation that never happened")
		}
	}
	return l, nil
}

// InMemory wraps a log whose key lives only in memory: rotations generate
// the next key with rnd (nil: crypto/rand) and keep no file.
func InMemory(al *audit.Log, origin string, rnd io.Reader) *Log {
	return &Log{Log: al, origin: origin, rand: rnd, logger: slog.New(slog.DiscardHandler)}
}

// settle promotes the staged key if the log now signs with it, and
// deletes it otherwise.
func (l *Log) settle(staged string) error {
	if l.CurrentKey() != staged {
		return keyring.DiscardStagedLogKey(l.dir)
	}
	if err := keyring.EnsureLogRoot(l.dir, l.KeyChain().Root().VerifierKey); err != nil {
		return err
	}
	if _, err := keyring.PromoteStagedLogKey(l.dir); err != nil {
		return fmt.Errorf("the log now signs with the key in %s/%s, but making it the log key failed: %w", l.dir, keyring.LogNextKeyFile, err)
	}
	return nil
}

// Rotate hands the log over to a freshly generated key; reason is recorded
// in the key_rotation entry.
func (l *Log) Rotate(ctx context.Context, reason string) (audit.Rotation, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rnd := l.rand
	if rnd == nil {
		rnd = rand.Reader
	}
	if l.dir == "" {
		skey, vkey, err := note.GenerateKey(rnd, l.origin)
		if err != nil {
			return audit.Rotation{}, err
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			return audit.Rotation{}, err
		}
		return l.RotateKey(ctx, s, vkey, reason)
	}
	// The first key is the auditors' trust root: keep its public half
	// before it stops being log.pub.
	if err := keyring.EnsureLogRoot(l.dir, l.KeyChain().Root().VerifierKey); err != nil {
		return audit.Rotation{}, err
	}
	next, err := keyring.StageLogKey(l.dir, l.origin, rnd)
	if err != nil {
		return audit.Rotation{}, err
	}
	rot, err := l.RotateKey(ctx, next.Signer, next.VerifierKey, reason)
	if serr := l.settle(next.VerifierKey); serr != nil {
		err = errors.Join(err, serr)
	}
	return rot, err
}

// Response renders a rotation as the API answers it.
func Response(r audit.Rotation) api.KeyRotateResponse {
	return api.KeyRotateResponse{Target: "log", Index: r.Index, Size: r.Size, OldKey: r.OldKey, NewKey: r.NewKey, Checkpoint: string(r.Checkpoint)}
}

// lastRotation is the time the current key took over: the time of the
// last key_rotation entry, or of the log's first entry.
func (l *Log) lastRotation(ctx context.Context) (time.Time, bool, error) {
	idx := int64(0)
	if rots := l.KeyChain().Rotations(); len(rots) > 0 {
		idx = rots[len(rots)-1].Size - 1
	} else if n, err := l.Size(ctx); err != nil || n == 0 {
		return time.Time{}, false, err
	}
	e, err := l.Entry(ctx, idx)
	if err != nil {
		return time.Time{}, false, err
	}
	t, err := time.Parse(api.TimeLayout, e.Time)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("logkey: entry %d has a malformed time: %w", idx, err)
	}
	return t, true, nil
}

// RotateIfDue rotates the key when it has been in use for every or longer
// at now, and reports whether it did.
func (l *Log) RotateIfDue(ctx context.Context, every time.Duration, now time.Time) (bool, error) {
	if every <= 0 {
		return false, nil
	}
	since, ok, err := l.lastRotation(ctx)
	if err != nil || !ok || now.Sub(since) < every {
		return false, err
	}
	r, err := l.Rotate(ctx, fmt.Sprintf("scheduled: audit.key_rotation %s", every))
	if err != nil {
		return false, err
	}
	l.logger.Info("scheduled log key rotation", "index", r.Index, "new_key", r.NewKey)
	return true, nil
}

// RunSchedule rotates the key every interval (measured on the log's own
// entry times, so restarts do not reset it), checking with the clock now
// at each tick, until ctx ends.
func (l *Log) RunSchedule(ctx context.Context, every time.Duration, now func() time.Time, tick <-chan time.Time) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick:
			if _, err := l.RotateIfDue(ctx, every, now()); err != nil && ctx.Err() == nil {
				l.logger.Error("scheduled log key rotation failed; the current key stays in use", "err", err)
			}
		}
	}
}

// CheckInterval is how often serve asks whether a rotation is due.
func CheckInterval(every time.Duration) time.Duration {
	return min(max(every/100, time.Second), time.Minute)
}
