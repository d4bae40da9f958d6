package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

const metaIndexedUpto = "audit.indexed_upto"

// Indexer pacing. The writer connection is shared with the audit sequencer,
// so the indexer works one chunk per transaction and lets appends in
// between.
const (
	indexInterval = 200 * time.Millisecond
	// DefaultChunkSize is the number of entries per posting chunk.
	DefaultChunkSize = 4096
	metaChunkSize    = "audit.index_chunk"
)

type rowQuerier interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func (s *Store) indexedUpto(ctx context.Context, q rowQuerier) (int64, error) {
	var v string
	err := q.QueryRowContext(ctx, `SELECT value FROM meta WHERE name = ?`, metaIndexedUpto).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("sqlite: read index position: %w", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n%s.chunk != 0 {
		return 0, fmt.Errorf("sqlite: corrupt index position %q", v)
	}
	return n, nil
}

// runIndexer keeps audit_postings up to date until ctx ends.
func (s *Store) runIndexer(ctx context.Context) {
	defer close(s.indexerDone)
	t := time.NewTicker(indexInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := s.IndexOnce(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.log.Error("audit query indexer failed; queries fall back to scanning", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
		}
	}
}

// postingKeys lists the index keys of one entry.
func postingKeys(dst []string, agent, session, typ, decision string) []string {
	dst = append(dst[:0], "a:"+agent, "t:"+typ)
	if session != "" {
		dst = append(dst, "s:"+session)
	}
	if decision != "" {
		dst = append(dst, "d:"+decision)
	}
	return dst
}

// IndexOnce indexes the next complete chunk, if there is one, and reports
// how many entries it indexed. Queries are correct whether or not it has
// run; it only makes filtered queries over old entries fast.
//
// Committed entries never change, so the chunk is read and its postings
// built without the write lock, on a pooled connection; only the inserts
// take the lock, a few hundred rows per transaction, so that appends are
// never held up for a whole chunk. The index position moves last: queries
// use a chunk's postings only once all of them are in, and a chunk left
// half-inserted by a crash is simply written again.
func (s *Store) IndexOnce(ctx context.Context) (int, error) {
	upto, err := s.indexedUpto(ctx, s.db)
	if err != nil {
		return 0, err
	}
	var size int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(idx) + 1, 0) FROM audit_entries`).Scan(&size); err != nil {
		return 0, err
	}
	if size-upto < s.chunk {
		return 0, nil
	}
	post, err := s.chunkPostings(ctx, upto)
	if err != nil {
		return 0, err
	}
	sorted := make([]string, 0, len(post))
	for k := range post {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	chunk := upto / s.chunk
	for len(sorted) > 0 {
		n := min(len(sorted), postingsPerTx)
		err := s.withWrite(ctx, func(ctx context.Context) error {
			for _, k := range sorted[:n] {
				if _, err := s.insPosting.ExecContext(ctx, chunk, k, post[k]); err != nil {
					return fmt.Errorf("sqlite: index chunk %d: %w", chunk, err)
				}
			}
			return nil
		})
		if err != nil {
			return 0, err
		}
		sorted = sorted[n:]
	}
	err = s.withWrite(ctx, func(ctx context.Context) error {
		_, err := s.w.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
			metaIndexedUpto, strconv.FormatInt(upto+s.chunk, 10))
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(s.chunk), nil
}

// postingsPerTx bounds the posting rows one indexing transaction writes:
// an append waits for at most that many inserts.
const postingsPerTx = 256

// chunkPostings builds the posting lists of the chunk starting at upto:
// for each key, the entries' indexes as uvarint deltas.
func (s *Store) chunkPostings(ctx context.Context, upto int64) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT e.idx, `+leafField("agent")+`, `+leafField("session")+`, `+leafField("type")+`, `+leafField("decision")+`
 FROM audit_entries e WHERE e.idx >= ? AND e.idx < ? ORDER BY e.idx`, upto, upto+s.chunk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	post := map[string][]byte{}
	last := map[string]int64{}
	var keys []string
	for rows.Next() {
		var idx int64
		var agent, session, typ, decision sql.NullString
		if err := rows.Scan(&idx, &agent, &session, &typ, &decision); err != nil {
			return nil, err
		}
		// A leaf that is not JSON yields NULLs and is left out of the
		// index; verification reports it.
		for _, k := range postingKeys(keys, agent.String, session.String, typ.String, decision.String) {
			prev, ok := last[k]
			if !ok {
				prev = upto - 1
			}
			post[k] = binary.AppendUvarint(post[k], uint64(idx-prev))
			last[k] = idx
		}
	}
	return post, rows.Err()
}

// decodePostings decodes a posting list of the chunk starting at base.
func decodePostings(b []byte, base, chunk int64) ([]int64, error) {
	var out []int64
	prev := base - 1
	for len(b) > 0 {
		d, n := binary.Uvarint(b)
		if n <= 0 || d == 0 || d > uint64(chunk) {
			return nil, fmt.Errorf("%w: corrupt posting list in chunk at %d", store.ErrConflict, base)
		}
		prev += int64(d)
		out = append(out, prev)
		b = b[n:]
	}
	return out, nil
}

// loadChunkSize fixes the posting chunk size of a database on first use: it
// cannot change afterwards without reindexing.
func (s *Store) loadChunkSize(ctx context.Context, want int64) error {
	v, err := s.GetMeta(ctx, metaChunkSize)
	if errors.Is(err, store.ErrNotFound) {
		s.chunk = want
		if s.readOnly {
			return nil
		}
		return s.SetMeta(ctx, metaChunkSize, strconv.FormatInt(want, 10))
	}
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return fmt.Errorf("sqlite: corrupt index chunk size %q", v)
	}
	s.chunk = n
	return nil
}
