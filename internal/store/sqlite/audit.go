package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

const selectEntry = `SELECT e.idx, e.leaf, e.hashes, p.salt, p.body, x.erased_by
 FROM audit_entries e
 LEFT JOIN audit_payloads p ON p.idx = e.idx
 LEFT JOIN audit_erasures x ON x.idx = e.idx`

// leafField reads a committed field of an entry.
func leafField(name string) string { return "json_extract(e.leaf, '$." + name + "')" }

// AuditSize implements store.Audit.
func (s *Store) AuditSize(ctx context.Context) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("sqlite: audit size: %w", err)
	}
	return n, nil
}

// AppendAudit implements store.Audit.
func (s *Store) AppendAudit(ctx context.Context, b store.AuditBatch) error {
	if len(b.Records) == 0 && len(b.Erase) == 0 {
		return nil
	}
	err := s.withWrite(ctx, func(ctx context.Context) error {
		if len(b.Records) > 0 {
			var next int64
			if err := s.w.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries`).Scan(&next); err != nil {
				return fmt.Errorf("sqlite: audit size: %w", err)
			}
			if b.Records[0].Index != next {
				return fmt.Errorf("%w: batch starts at index %d, log size is %d", store.ErrConflict, b.Records[0].Index, next)
			}
		}
		for i := range b.Records {
			if r := &b.Records[i]; i > 0 && r.Index != b.Records[i-1].Index+1 {
				return fmt.Errorf("%w: batch is not contiguous at index %d", store.ErrConflict, r.Index)
			}
		}
		// The leaf goes in as TEXT so that json_extract reads it as JSON
		// (a BLOB would be taken for JSONB).
		err := insertRows(ctx, &s.insEntries, "entry", b.Records, func(r *store.AuditRecord) bool { return true },
			func(args []any, r *store.AuditRecord) []any { return append(args, r.Index, string(r.Leaf), r.Hashes) })
		if err != nil {
			return err
		}
		err = insertRows(ctx, &s.insPayloads, "payload", b.Records, func(r *store.AuditRecord) bool { return r.Payload != nil },
			func(args []any, r *store.AuditRecord) []any { return append(args, r.Index, r.Salt, r.Payload) })
		if err != nil {
			return err
		}
		for _, e := range b.Erase {
			res, err := s.delPayload.ExecContext(ctx, e.Index)
			if err != nil {
				return fmt.Errorf("sqlite: erase payload %d: %w", e.Index, err)
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return fmt.Errorf("%w: entry %d has no payload to erase", store.ErrConflict, e.Index)
			}
			if _, err := s.insErasure.ExecContext(ctx, e.Index, e.By); err != nil {
				return fmt.Errorf("sqlite: record erasure of %d: %w", e.Index, err)
			}
		}
		return nil
	})
	if err == nil {
		s.fresh.add(b.Records)
	}
	if err != nil || len(b.Erase) == 0 {
		return err
	}
	// Old page images of an erased payload stay in the WAL until it is
	// checkpointed and truncated; do that now rather than at some later
	// auto-checkpoint. Readers holding old snapshots can make it partial,
	// which is logged, not fatal: the payload is already gone from the
	// database itself.
	var busy, logFrames, done int
	s.wmu.Lock()
	cerr := s.w.QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done)
	s.wmu.Unlock()
	if cerr != nil || busy != 0 {
		s.log.Warn("WAL checkpoint after erasure incomplete; erased bytes remain in the WAL until the next checkpoint", "err", cerr, "busy", busy)
	}
	return nil
}

// Multi-row insert statements come in rowChunks sizes: 64, 16, 4 and 1
// rows (chunkRows), so that any batch is a sum of few of them.
const rowChunks = 4

func chunkRows(c int) int { return 1 << (2 * (rowChunks - 1 - c)) }

// insertRows inserts the records that keep accepts with as few statements
// of stmts (stmts[c] inserts chunkRows(c) rows) as their number allows.
func insertRows(ctx context.Context, stmts *[rowChunks]*sql.Stmt, what string, recs []store.AuditRecord,
	keep func(*store.AuditRecord) bool, row func([]any, *store.AuditRecord) []any) error {
	var rows []*store.AuditRecord
	for i := range recs {
		if keep(&recs[i]) {
			rows = append(rows, &recs[i])
		}
	}
	return execRows(ctx, stmts, len(rows), func(args []any, i int) []any { return row(args, rows[i]) },
		func(from, to int) string {
			return fmt.Sprintf("insert %s %d to %d", what, rows[from].Index, rows[to].Index)
		})
}

// execRows runs n rows through the multi-row statements stmts, largest
// first; row appends row i's arguments, what names a failed range.
func execRows(ctx context.Context, stmts *[rowChunks]*sql.Stmt, n int, row func([]any, int) []any, what func(from, to int) string) error {
	args := make([]any, 0, 3*chunkRows(0))
	for done := 0; done < n; {
		c := 0
		for chunkRows(c) > n-done {
			c++
		}
		k := chunkRows(c)
		args = args[:0]
		for i := done; i < done+k; i++ {
			args = row(args, i)
		}
		if _, err := stmts[c].ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("sqlite: %s: %w", what(done, done+k-1), err)
		}
		done += k
	}
	return nil
}

// scanner is the subset of *sql.Row and *sql.Rows that scanRecord needs.
type scanner interface{ Scan(dest ...any) error }

func scanRecord(sc scanner, r *store.AuditRecord) error {
	var erasedBy sql.NullInt64
	r.Payload, r.Salt, r.Keys = nil, nil, store.AuditKeys{}
	if err := sc.Scan(&r.Index, &r.Leaf, &r.Hashes, &r.Salt, &r.Payload, &erasedBy); err != nil {
		return err
	}
	r.ErasedBy = -1
	if erasedBy.Valid {
		r.ErasedBy = erasedBy.Int64
	}
	return nil
}

// AuditEntry implements store.Audit.
func (s *Store) AuditEntry(ctx context.Context, index int64) (store.AuditRecord, error) {
	var r store.AuditRecord
	err := scanRecord(s.db.QueryRowContext(ctx, selectEntry+` WHERE e.idx = ?`, index), &r)
	if errors.Is(err, sql.ErrNoRows) {
		return r, store.ErrNotFound
	}
	if err != nil {
		return r, fmt.Errorf("sqlite: audit entry %d: %w", index, err)
	}
	return r, nil
}

// QueryAudit implements store.Audit. It runs in one read transaction: the
// time bounds become index bounds by binary search (entry times never
// decrease along the log), the indexed part is read through audit_keys, and
// the tail the indexer has not reached yet is scanned.
func (s *Store) QueryAudit(ctx context.Context, q store.AuditQuery) ([]store.AuditRecord, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	defer tx.Rollback()
	var size int64
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries`).Scan(&size); err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	lo, hi := max(q.From, 0), size
	if q.Since != "" {
		if lo, err = firstAtOrAfter(ctx, tx, q.Since, lo, hi); err != nil {
			return nil, err
		}
	}
	if q.Until != "" {
		if hi, err = firstAtOrAfter(ctx, tx, q.Until, lo, hi); err != nil {
			return nil, err
		}
	}
	if lo >= hi {
		return nil, nil
	}
	var preds []string
	var pargs []any
	for _, f := range []struct{ col, v string }{{"agent", q.Agent}, {"session", q.Session}, {"type", q.Type}, {"decision", q.Decision}} {
		if f.v != "" {
			preds = append(preds, " AND "+leafField(f.col)+" = ?")
			pargs = append(pargs, f.v)
		}
	}
	where := strings.Join(preds, "")
	var out []store.AuditRecord
	if key := queryKey(q); key != "" {
		upto, err := s.indexedUpto(ctx, tx)
		if err != nil {
			return nil, err
		}
		if end := min(upto, hi); lo < end {
			if out, err = s.queryPostings(ctx, tx, key, lo, end, where, pargs, limit); err != nil {
				return nil, err
			}
			if len(out) == limit {
				return out, nil
			}
			lo = end
		}
	}
	if lo < hi {
		args := append([]any{lo, hi}, pargs...)
		args = append(args, limit-len(out))
		if out, err = collect(ctx, tx, out, selectEntry+` WHERE e.idx >= ? AND e.idx < ?`+where+` ORDER BY e.idx LIMIT ?`, args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// queryPostings reads matching entries in [lo, end), which the posting
// chunks cover, chunk by chunk.
func (s *Store) queryPostings(ctx context.Context, tx *sql.Tx, key string, lo, end int64, where string, pargs []any, limit int) ([]store.AuditRecord, error) {
	getPost, err := tx.PrepareContext(ctx, `SELECT idxs FROM audit_postings WHERE chunk = ? AND key = ?`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	defer getPost.Close()
	getEntry, err := tx.PrepareContext(ctx, selectEntry+` WHERE e.idx = ?`+where)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	defer getEntry.Close()
	var out []store.AuditRecord
	args := make([]any, 1+len(pargs))
	copy(args[1:], pargs)
	for c := lo / s.chunk; c*s.chunk < end && len(out) < limit; c++ {
		var blob []byte
		err := getPost.QueryRowContext(ctx, c, key).Scan(&blob)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("sqlite: query audit: %w", err)
		}
		idxs, err := decodePostings(blob, c*s.chunk, s.chunk)
		if err != nil {
			return nil, err
		}
		for _, idx := range idxs {
			if idx < lo || idx >= end {
				continue
			}
			args[0] = idx
			var r store.AuditRecord
			err := scanRecord(getEntry.QueryRowContext(ctx, args...), &r)
			if errors.Is(err, sql.ErrNoRows) {
				continue // another filter excludes it
			}
			if err != nil {
				return nil, fmt.Errorf("sqlite: query audit: %w", err)
			}
			out = append(out, r)
			if len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

// queryKey picks the most selective indexed filter of q.
func queryKey(q store.AuditQuery) string {
	switch {
	case q.Session != "":
		return "s:" + q.Session
	case q.Agent != "":
		return "a:" + q.Agent
	case q.Type != "":
		return "t:" + q.Type
	case q.Decision != "":
		return "d:" + q.Decision
	}
	return ""
}

func collect(ctx context.Context, tx *sql.Tx, out []store.AuditRecord, query string, args ...any) ([]store.AuditRecord, error) {
	rows, err := tx.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r store.AuditRecord
		if err := scanRecord(rows, &r); err != nil {
			return nil, fmt.Errorf("sqlite: query audit: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: query audit: %w", err)
	}
	return out, nil
}

// firstAtOrAfter returns the smallest index in [lo, hi) whose time is at or
// after t, or hi.
func firstAtOrAfter(ctx context.Context, tx *sql.Tx, t string, lo, hi int64) (int64, error) {
	for lo < hi {
		mid := lo + (hi-lo)/2
		var idx int64
		var tm string
		err := tx.QueryRowContext(ctx, `SELECT e.idx, `+leafField("time")+` FROM audit_entries e WHERE e.idx >= ? ORDER BY e.idx LIMIT 1`, mid).Scan(&idx, &tm)
		if errors.Is(err, sql.ErrNoRows) {
			return hi, nil
		}
		if err != nil {
			return 0, fmt.Errorf("sqlite: time search: %w", err)
		}
		if tm >= t {
			hi = mid
		} else {
			lo = max(idx, mid) + 1
		}
	}
	return lo, nil
}

// scanChunk bounds how long one read transaction stays open during a scan,
// so that a long verification beside a running server does not hold back
// WAL checkpoints.
const scanChunk = 8192

// ScanAudit implements store.Audit. Entries and payloads are read as two
// ordered range scans, each on its own connection and goroutine, and merged
// by index in the caller's goroutine: a join would cost two b-tree lookups
// per entry, and one goroutine doing everything leaves a core idle during
// a full verification. Each chunk is its own read transaction, so a long
// scan never holds back the WAL of a running server; an erasure that
// happens meanwhile is still seen, because its entry is appended in the
// same transaction and the scan reads on to the end.
func (s *Store) ScanAudit(ctx context.Context, from int64, fn func(*store.AuditRecord) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	entries := make(chan entryChunk, 2)
	payloads := make(chan payloadChunk, 2)
	go s.produceEntries(ctx, from, entries)
	go s.producePayloads(ctx, from, payloads)

	var pc payloadChunk
	pi := 0
	nextPayload := func() (*payloadRow, error) {
		for pi >= len(pc.rows) {
			var ok bool
			if pc, ok = <-payloads; !ok {
				return nil, nil
			}
			if pc.err != nil {
				return nil, pc.err
			}
			pi = 0
		}
		return &pc.rows[pi], nil
	}
	for ec := range entries {
		if ec.err != nil {
			return ec.err
		}
		for i := range ec.recs {
			r := &ec.recs[i]
			for {
				p, err := nextPayload()
				if err != nil {
					return err
				}
				if p == nil || p.idx > r.Index {
					break
				}
				if p.idx == r.Index {
					r.Payload, r.Salt = p.body, p.salt
				}
				pi++
			}
			if err := fn(r); err != nil {
				return err
			}
		}
	}
	return nil
}

type entryChunk struct {
	recs []store.AuditRecord
	err  error
}

type payloadRow struct {
	idx        int64
	salt, body []byte
}

type payloadChunk struct {
	rows []payloadRow
	err  error
}

func (s *Store) produceEntries(ctx context.Context, from int64, out chan<- entryChunk) {
	defer close(out)
	for {
		recs, err := s.readEntryChunk(ctx, from)
		if err != nil {
			select {
			case out <- entryChunk{err: err}:
			case <-ctx.Done():
			}
			return
		}
		if len(recs) > 0 {
			select {
			case out <- entryChunk{recs: recs}:
			case <-ctx.Done():
				return
			}
			from = recs[len(recs)-1].Index + 1
		}
		if len(recs) < scanChunk {
			return
		}
	}
}

func (s *Store) readEntryChunk(ctx context.Context, from int64) ([]store.AuditRecord, error) {
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("sqlite: scan audit: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT idx, leaf, hashes FROM audit_entries WHERE idx >= ? ORDER BY idx LIMIT ?`, from, scanChunk)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scan audit from %d: %w", from, err)
	}
	defer rows.Close()
	recs := make([]store.AuditRecord, 0, scanChunk)
	for rows.Next() {
		r := store.AuditRecord{ErasedBy: -1}
		if err := rows.Scan(&r.Index, &r.Leaf, &r.Hashes); err != nil {
			return nil, fmt.Errorf("sqlite: scan audit after index %d: %w", from, err)
		}
		recs = append(recs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: scan audit from index %d: %w", from, err)
	}
	if len(recs) == 0 {
		return recs, nil
	}
	er, err := tx.QueryContext(ctx, `SELECT idx, erased_by FROM audit_erasures WHERE idx >= ? AND idx <= ?`, recs[0].Index, recs[len(recs)-1].Index)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scan erasures: %w", err)
	}
	defer er.Close()
	for er.Next() {
		var i, by int64
		if err := er.Scan(&i, &by); err != nil {
			return nil, fmt.Errorf("sqlite: scan erasures: %w", err)
		}
		k := sort.Search(len(recs), func(j int) bool { return recs[j].Index >= i })
		if k < len(recs) && recs[k].Index == i {
			recs[k].ErasedBy = by
		}
	}
	return recs, er.Err()
}

func (s *Store) producePayloads(ctx context.Context, from int64, out chan<- payloadChunk) {
	defer close(out)
	for {
		rows, err := s.readPayloadChunk(ctx, from)
		if err != nil {
			select {
			case out <- payloadChunk{err: err}:
			case <-ctx.Done():
			}
			return
		}
		if len(rows) > 0 {
			select {
			case out <- payloadChunk{rows: rows}:
			case <-ctx.Done():
				return
			}
			from = rows[len(rows)-1].idx + 1
		}
		if len(rows) < scanChunk {
			return
		}
	}
}

func (s *Store) readPayloadChunk(ctx context.Context, from int64) ([]payloadRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idx, salt, body FROM audit_payloads WHERE idx >= ? ORDER BY idx LIMIT ?`, from, scanChunk)
	if err != nil {
		return nil, fmt.Errorf("sqlite: scan payloads from %d: %w", from, err)
	}
	defer rows.Close()
	out := make([]payloadRow, 0, scanChunk)
	for rows.Next() {
		var p payloadRow
		if err := rows.Scan(&p.idx, &p.salt, &p.body); err != nil {
			return nil, fmt.Errorf("sqlite: scan payloads: %w", err)
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// maxGroupQuery bounds the leaves read by one statement; a proof needs at
// most about 2·log2(size) of them.
const maxGroupQuery = 128

// HashGroups implements store.Audit (and translog.GroupReader).
func (s *Store) HashGroups(ctx context.Context, leaves []int64) ([][]byte, error) {
	got := make(map[int64][]byte, len(leaves))
	for start := 0; start < len(leaves); start += maxGroupQuery {
		part := leaves[start:min(start+maxGroupQuery, len(leaves))]
		if err := s.readGroups(ctx, part, got); err != nil {
			return nil, err
		}
	}
	out := make([][]byte, len(leaves))
	for i, l := range leaves {
		h, ok := got[l]
		if !ok {
			return nil, fmt.Errorf("%w: no hashes for leaf %d", store.ErrNotFound, l)
		}
		out[i] = h
	}
	return out, nil
}

// readGroups reads with one "IN (?, …)" statement per list length, prepared
// once and kept: proofs are a hot path and re-parsing SQL costs more than
// the lookups themselves.
func (s *Store) readGroups(ctx context.Context, leaves []int64, into map[int64][]byte) error {
	st, err := s.groupStmt(ctx, len(leaves))
	if err != nil {
		return err
	}
	args := make([]any, len(leaves))
	for i, l := range leaves {
		args[i] = l
	}
	rows, err := st.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqlite: read hashes: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var idx int64
		var h []byte
		if err := rows.Scan(&idx, &h); err != nil {
			return fmt.Errorf("sqlite: read hashes: %w", err)
		}
		into[idx] = h
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: read hashes: %w", err)
	}
	return nil
}

func (s *Store) groupStmt(ctx context.Context, n int) (*sql.Stmt, error) {
	s.gmu.Lock()
	defer s.gmu.Unlock()
	if st := s.groupStmts[n]; st != nil {
		return st, nil
	}
	q := `SELECT idx, hashes FROM audit_entries WHERE idx IN (?` + strings.Repeat(",?", n-1) + `)`
	st, err := s.db.PrepareContext(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	s.groupStmts[n] = st
	return st, nil
}

// PutCheckpoint implements store.Audit.
func (s *Store) PutCheckpoint(ctx context.Context, c store.Checkpoint) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		created := c.Created
		if created == "" {
			created = time.Now().UTC().Format(api.TimeLayout)
		}
		_, err := s.w.ExecContext(ctx, `INSERT INTO audit_checkpoints (size, note, created) VALUES (?,?,?) ON CONFLICT (size) DO NOTHING`, c.Size, c.Note, created)
		if err != nil {
			return fmt.Errorf("sqlite: store checkpoint of size %d: %w", c.Size, err)
		}
		return nil
	})
}

func (s *Store) oneCheckpoint(ctx context.Context, q string, args ...any) (store.Checkpoint, error) {
	var c store.Checkpoint
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&c.Size, &c.Note, &c.Created)
	if errors.Is(err, sql.ErrNoRows) {
		return c, store.ErrNotFound
	}
	if err != nil {
		return c, fmt.Errorf("sqlite: read checkpoint: %w", err)
	}
	return c, nil
}

// LatestCheckpoint implements store.Audit.
func (s *Store) LatestCheckpoint(ctx context.Context) (store.Checkpoint, error) {
	return s.oneCheckpoint(ctx, `SELECT size, note, created FROM audit_checkpoints ORDER BY size DESC LIMIT 1`)
}

// CheckpointAt implements store.Audit.
func (s *Store) CheckpointAt(ctx context.Context, size int64) (store.Checkpoint, error) {
	return s.oneCheckpoint(ctx, `SELECT size, note, created FROM audit_checkpoints WHERE size = ?`, size)
}

// ScanCheckpoints implements store.Audit.
func (s *Store) ScanCheckpoints(ctx context.Context, fn func(store.Checkpoint) error) error {
	rows, err := s.db.QueryContext(ctx, `SELECT size, note, created FROM audit_checkpoints ORDER BY size`)
	if err != nil {
		return fmt.Errorf("sqlite: scan checkpoints: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var c store.Checkpoint
		if err := rows.Scan(&c.Size, &c.Note, &c.Created); err != nil {
			return fmt.Errorf("sqlite: scan checkpoints: %w", err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: scan checkpoints: %w", err)
	}
	return nil
}

// GetMeta implements store.Audit.
func (s *Store) GetMeta(ctx context.Context, name string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, name).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", store.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("sqlite: read meta %s: %w", name, err)
	}
	return v, nil
}

// SetMeta implements store.Audit.
func (s *Store) SetMeta(ctx context.Context, name, value string) error {
	return s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`, name, value)
		if err != nil {
			return fmt.Errorf("sqlite: write meta %s: %w", name, err)
		}
		return nil
	})
}
