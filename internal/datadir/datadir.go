// Package datadir owns the layout of agentgov's data directory and the lock
// that makes one process its only writer. Readers never take the lock; they
// open the store read-only beside whoever holds it.
package datadir

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// A briefly held, undescribed lock is retried this often before Acquire
// reports it.
const (
	probeRetries = 5
	probeBackoff = 10 * time.Millisecond
)

// Dir is a data directory.
type Dir string

// DB is the SQLite database file.
func (d Dir) DB() string { return filepath.Join(string(d), "agentgov.db") }

// Keys is the directory of private keys (mode 0700).
func (d Dir) Keys() string { return filepath.Join(string(d), "keys") }

func (d Dir) lockPath() string { return filepath.Join(string(d), "LOCK") }

// Holder describes the process holding the lock.
type Holder struct {
	PID     int    `json:"pid"`
	Command string `json:"command"`
	Addr    string `json:"addr,omitempty"`
}

// LockedError reports that another process holds the data directory.
type LockedError struct {
	Dir    string
	Holder Holder
}

func (e *LockedError) Error() string {
	msg := fmt.Sprintf("data directory %s is held by another process", e.Dir)
	if e.Holder.PID != 0 {
		msg += fmt.Sprintf(" (%s, pid %d", e.Holder.Command, e.Holder.PID)
		if e.Holder.Addr != "" {
			msg += ", serving on " + e.Holder.Addr
		}
		msg += ")"
	}
	return msg
}

// Lock is a held data-directory lock.
type Lock struct {
	f *os.File
}

// Create makes the data directory if needed (mode 0700: it holds keys and
// personal data).
func (d Dir) Create() error {
	if err := os.MkdirAll(string(d), 0o700); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}

// Acquire takes the exclusive lock without waiting. The lock is an flock on
// dir/LOCK, so the kernel drops it when the holder dies, even by SIGKILL: a
// crashed server never leaves a stale lock behind.
func (d Dir) Acquire(h Holder) (*Lock, error) {
	if err := d.Create(); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(d.lockPath(), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("datadir: %w", err)
	}
	for attempt := 0; ; attempt++ {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if !errors.Is(err, unix.EWOULDBLOCK) {
			f.Close()
			return nil, fmt.Errorf("datadir: lock %s: %w", d.lockPath(), err)
		}
		// A lock without a description is either a holder that is still
		// starting or Held probing for a moment; look again before
		// reporting a conflict.
		h := d.holder()
		if h.PID != 0 || attempt == probeRetries {
			f.Close()
			return nil, &LockedError{Dir: string(d), Holder: h}
		}
		time.Sleep(probeBackoff)
	}
	l := &Lock{f: f}
	if err := l.Describe(h); err != nil {
		l.Release()
		return nil, err
	}
	return l, nil
}

// Describe records who holds the lock, for other processes' error messages.
func (l *Lock) Describe(h Holder) error {
	if h.PID == 0 {
		h.PID = os.Getpid()
	}
	b, err := json.Marshal(h)
	if err != nil {
		return err
	}
	if err := l.f.Truncate(0); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	if _, err := l.f.WriteAt(append(b, '\n'), 0); err != nil {
		return fmt.Errorf("datadir: %w", err)
	}
	return nil
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	// Clear the description first so that nobody reads a stale holder.
	_ = l.f.Truncate(0)
	err := unix.Flock(int(l.f.Fd()), unix.LOCK_UN)
	return errors.Join(err, l.f.Close())
}

// Held reports whether some process holds the lock right now, and who.
func (d Dir) Held() (bool, Holder) {
	f, err := os.OpenFile(d.lockPath(), os.O_RDWR, 0)
	if err != nil {
		return false, Holder{}
	}
	defer f.Close()
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return true, d.holder()
	}
	_ = unix.Flock(int(f.Fd()), unix.LOCK_UN)
	return false, Holder{}
}

func (d Dir) holder() Holder {
	var h Holder
	b, err := os.ReadFile(d.lockPath())
	if err == nil && len(b) < 4096 {
		_ = json.Unmarshal(b, &h)
	}
	return h
}
