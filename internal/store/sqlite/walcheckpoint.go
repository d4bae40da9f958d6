package sqlite

import (
	"context"
	"time"
)

// WAL checkpoints run here, on their own connection, instead of inside a
// commit: SQLite's automatic checkpoint runs in whichever commit crosses
// its threshold, and that commit (and every append queued behind it) then
// waits for the whole database file to be written and fsynced — the
// latency tail of a busy log. A passive checkpoint from another connection
// copies the WAL into the database while commits keep appending to it.
const (
	walCheckpointEvery = 250 * time.Millisecond
	// walRestartFrames is how many frames the WAL may hold after a
	// passive checkpoint before one that waits for readers is forced, so
	// that a reader that never lets go cannot make the WAL grow forever.
	walRestartFrames = 64 << 10
)

func (s *Store) runWALCheckpoints(ctx context.Context) {
	defer close(s.checkpointerDone)
	t := time.NewTicker(walCheckpointEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := s.walCheckpoint(ctx, "PASSIVE"); err != nil && ctx.Err() == nil {
			s.log.Warn("WAL checkpoint failed; retrying", "err", err)
		}
	}
}

func (s *Store) walCheckpoint(ctx context.Context, mode string) error {
	c, err := s.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	var busy, logFrames, done int64
	if err := c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(`+mode+`)`).Scan(&busy, &logFrames, &done); err != nil {
		return err
	}
	if mode == "PASSIVE" && logFrames-done > walRestartFrames {
		return c.QueryRowContext(ctx, `PRAGMA wal_checkpoint(RESTART)`).Scan(&busy, &logFrames, &done)
	}
	return nil
}
