// Package sqlite is the embedded storage backend: one SQLite file under the
// data directory, opened with modernc.org/sqlite (pure Go), in WAL mode with
// synchronous=FULL so that a committed append survives power loss, and with
// secure_delete so that erased payload bytes do not linger in free pages.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/pressly/goose/v3"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/agentgov/agentgov/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file inside the data directory.
const FileName = "agentgov.db"

// Options configure Open.
type Options struct {
	// Path of the database file.
	Path string
	// ReadOnly opens the file without write access and without running
	// migrations; it can be used beside a running server.
	ReadOnly bool
	Logger   *slog.Logger
	// IndexChunk is the posting chunk size for a new database (default
	// DefaultChunkSize); an existing database keeps its own.
	IndexChunk int64
}

// Store is a SQLite-backed implementation of the store domains.
type Store struct {
	db       *sql.DB
	path     string
	readOnly bool
	log      *slog.Logger
	chunk    int64

	// Every write goes through one connection under wmu: SQLite has one
	// writer at a time anyway, and a pinned connection keeps the prepared
	// statements hot for the audit sequencer.
	wmu sync.Mutex
	w   *sql.Conn
	// insEntries and insPayloads insert chunkRows(i) rows per statement:
	// a batch goes in as a few multi-row statements rather than two
	// statements per entry, which the sequencer would pay serially.
	insEntries  [rowChunks]*sql.Stmt
	insPayloads [rowChunks]*sql.Stmt
	delPayload  *sql.Stmt
	insErasure  *sql.Stmt
	// iw is the query indexer's own writer connection, used under wmu
	// like w, whose commits are not fsynced (synchronous=NORMAL): the
	// postings are derived data that a crash only makes the indexer
	// write again, and WAL order makes them durable with the next audit
	// commit. An append then never waits for an index fsync.
	iw          *sql.Conn
	insPostings [rowChunks]*sql.Stmt
	// fresh holds the index keys of the entries this process appended
	// and the indexer has not indexed yet (index.go).
	fresh freshKeys

	// gmu guards groupStmts, the prepared hash-group reads by arity.
	gmu        sync.Mutex
	groupStmts [maxGroupQuery + 1]*sql.Stmt

	stopIndexer context.CancelFunc
	indexerDone chan struct{}

	stopCheckpointer context.CancelFunc
	checkpointerDone chan struct{}
}

var _ store.Audit = (*Store)(nil)

// schemaVersion is the newest embedded migration; a read-only open of an
// older file is refused rather than misread. It is derived from the file
// names (NNNNN_name.sql) so that adding a migration cannot leave it stale.
func schemaVersion() int64 {
	ents, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		panic(err) // embedded at build time: cannot fail
	}
	var v int64
	for _, e := range ents {
		num, _, _ := strings.Cut(e.Name(), "_")
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil {
			panic("sqlite: migration " + e.Name() + " is not named NNNNN_name.sql")
		}
		v = max(v, n)
	}
	return v
}

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "foreign_keys(ON)")
	if readOnly {
		q.Add("mode", "ro")
		q.Add("_pragma", "query_only(ON)")
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)")
		q.Add("_pragma", "secure_delete(ON)")
		q.Add("_txlock", "immediate")
	}
	return "file:" + path + "?" + q.Encode()
}

// Open opens (and, unless read-only, creates and migrates) the database.
func Open(ctx context.Context, opts Options) (*Store, error) {
	if opts.Path == "" {
		return nil, errors.New("sqlite: empty database path")
	}
	if strings.ContainsAny(opts.Path, "?#") {
		return nil, fmt.Errorf("sqlite: database path %q must not contain '?' or '#'", opts.Path)
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	db, err := sql.Open("sqlite", dsn(opts.Path, opts.ReadOnly))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	db.SetMaxOpenConns(8)
	db.SetMaxIdleConns(8)
	s := &Store{db: db, path: opts.Path, readOnly: opts.ReadOnly, log: log}
	if err := s.init(ctx, opts); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

func (s *Store) init(ctx context.Context, opts Options) error {
	if err := s.db.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: open %s: %w", opts.Path, err)
	}
	if opts.ReadOnly {
		var v int64
		err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&v)
		if err != nil {
			return fmt.Errorf("sqlite: %s is not an agentgov store: %w", opts.Path, err)
		}
		if want := schemaVersion(); v != want {
			return fmt.Errorf("sqlite: %s has schema version %d, this binary reads %d; start agentgov serve once to migrate it", opts.Path, v, want)
		}
		return s.loadChunkSize(ctx, DefaultChunkSize)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, s.db, sub)
	if err != nil {
		return fmt.Errorf("sqlite: migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("sqlite: migrate %s: %w", opts.Path, err)
	}
	chunk := opts.IndexChunk
	if chunk <= 0 {
		chunk = DefaultChunkSize
	}
	w, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: writer connection: %w", err)
	}
	s.w = w
	// Checkpoints are the checkpointer's (walcheckpoint.go), never a
	// commit's.
	if _, err := w.ExecContext(ctx, `PRAGMA wal_autocheckpoint=0`); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for _, p := range []struct {
		stmt **sql.Stmt
		q    string
	}{
		{&s.delPayload, `DELETE FROM audit_payloads WHERE idx = ?`},
		{&s.insErasure, `INSERT INTO audit_erasures (idx, erased_by) VALUES (?,?)`},
	} {
		st, err := w.PrepareContext(ctx, p.q)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		*p.stmt = st
	}
	for i := range rowChunks {
		n := chunkRows(i)
		for _, p := range []struct {
			stmt  **sql.Stmt
			table string
		}{
			{&s.insEntries[i], `audit_entries (idx, leaf, hashes)`},
			{&s.insPayloads[i], `audit_payloads (idx, salt, body)`},
		} {
			st, err := w.PrepareContext(ctx, `INSERT INTO `+p.table+` VALUES `+strings.TrimSuffix(strings.Repeat(`(?,?,?),`, n), ","))
			if err != nil {
				return fmt.Errorf("sqlite: prepare: %w", err)
			}
			*p.stmt = st
		}
	}
	iw, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("sqlite: index writer connection: %w", err)
	}
	s.iw = iw
	if _, err := iw.ExecContext(ctx, `PRAGMA synchronous=NORMAL`); err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	for i := range rowChunks {
		st, err := iw.PrepareContext(ctx, `INSERT INTO audit_postings (chunk, key, idxs) VALUES `+
			strings.TrimSuffix(strings.Repeat(`(?,?,?),`, chunkRows(i)), ",")+` ON CONFLICT (chunk, key) DO UPDATE SET idxs = excluded.idxs`)
		if err != nil {
			return fmt.Errorf("sqlite: prepare: %w", err)
		}
		s.insPostings[i] = st
	}
	if err := s.loadChunkSize(ctx, chunk); err != nil {
		return err
	}
	ictx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopIndexer, s.indexerDone = cancel, make(chan struct{})
	go s.runIndexer(ictx)
	cctx, ccancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopCheckpointer, s.checkpointerDone = ccancel, make(chan struct{})
	go s.runWALCheckpoints(cctx)
	return nil
}

// Close closes the database. Every acknowledged append is already durable.
func (s *Store) Close() error {
	var errs []error
	s.gmu.Lock()
	for _, st := range s.groupStmts {
		if st != nil {
			errs = append(errs, st.Close())
		}
	}
	s.gmu.Unlock()
	if s.stopIndexer != nil {
		s.stopIndexer()
		<-s.indexerDone
	}
	if s.stopCheckpointer != nil {
		s.stopCheckpointer()
		<-s.checkpointerDone
	}
	if s.w != nil {
		stmts := []*sql.Stmt{s.delPayload, s.insErasure}
		stmts = append(append(append(stmts, s.insEntries[:]...), s.insPayloads[:]...), s.insPostings[:]...)
		for _, st := range stmts {
			if st != nil {
				errs = append(errs, st.Close())
			}
		}
		errs = append(errs, s.w.Close())
	}
	if s.iw != nil {
		errs = append(errs, s.iw.Close())
	}
	errs = append(errs, s.db.Close())
	return errors.Join(errs...)
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }

// Backup writes a consistent copy of the database to dst (which must not
// exist) with VACUUM INTO. VACUUM INTO reads the source in one read
// transaction, so it works beside a running server; it needs a connection
// that may create files, so a read-only store uses a short-lived second
// connection that writes nothing to the source.
func (s *Store) Backup(ctx context.Context, dst string) error {
	db := s.db
	if s.readOnly {
		q := url.Values{}
		q.Add("_pragma", "busy_timeout(10000)")
		var err error
		if db, err = sql.Open("sqlite", "file:"+s.path+"?"+q.Encode()); err != nil {
			return fmt.Errorf("sqlite: backup: %w", err)
		}
		defer db.Close()
	}
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, dst); err != nil {
		return fmt.Errorf("sqlite: backup to %s: %w", dst, err)
	}
	return nil
}

// withWrite runs fn inside one immediate transaction on the writer
// connection and commits it durably.
func (s *Store) withWrite(ctx context.Context, fn func(ctx context.Context) error) (err error) {
	return s.withWriteOn(ctx, s.w, fn)
}

// withWriteOn is withWrite on one of the writer connections (w, iw).
func (s *Store) withWriteOn(ctx context.Context, w *sql.Conn, fn func(ctx context.Context) error) (err error) {
	if s.readOnly {
		return store.ErrReadOnly
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	if _, err := w.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		return fmt.Errorf("sqlite: begin: %w", err)
	}
	defer func() {
		if err != nil {
			// A failed rollback leaves nothing half-written: SQLite rolls
			// back an unfinished transaction when the connection closes.
			if _, rbErr := w.ExecContext(context.WithoutCancel(ctx), `ROLLBACK`); rbErr != nil {
				s.log.Error("sqlite rollback failed", "err", rbErr)
			}
		}
	}()
	if err := fn(ctx); err != nil {
		return err
	}
	if _, err := w.ExecContext(ctx, `COMMIT`); err != nil {
		return fmt.Errorf("sqlite: commit: %w", err)
	}
	return nil
}
