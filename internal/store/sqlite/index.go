package sqlite

import (
	"context"
	"database/sql"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"sync"
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
// take the lock, a few dozen rows per transaction, so that appends are
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
	// Entries this process appended carry their keys already; only a
	// chunk begun before it started is read back.
	post, ok := s.fresh.postings(upto, s.chunk)
	if !ok {
		if post, err = s.chunkPostings(ctx, upto); err != nil {
			return 0, err
		}
	}
	sorted := make([]string, 0, len(post))
	for k := range post {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	chunk := upto / s.chunk
	for len(sorted) > 0 {
		batch := sorted[:min(len(sorted), postingsPerTx)]
		err := s.withWriteOn(ctx, s.iw, func(ctx context.Context) error {
			return execRows(ctx, &s.insPostings, len(batch), func(args []any, i int) []any {
				return append(args, chunk, batch[i], post[batch[i]])
			}, func(int, int) string { return fmt.Sprintf("index chunk %d", chunk) })
		})
		if err != nil {
			return 0, err
		}
		sorted = sorted[len(batch):]
	}
	err = s.withWriteOn(ctx, s.iw, func(ctx context.Context) error {
		_, err := s.iw.ExecContext(ctx, `INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value`,
			metaIndexedUpto, strconv.FormatInt(upto+s.chunk, 10))
		return err
	})
	if err != nil {
		return 0, err
	}
	return int(s.chunk), nil
}

// postingsPerTx bounds the posting rows one indexing transaction writes
// (one multi-row statement): an append waits for at most that many
// upserts, and never for an fsync of the index's (see Store.iw).
const postingsPerTx = 64

// freshKeys are the index keys of recent appends, from index from on: the
// keys an append was given are the leaf's own members (store.AuditRecord
// says so), so the indexer need not read the leaves back.
type freshKeys struct {
	mu   sync.Mutex
	from int64
	keys [][4]string // agent, session, type, decision
}

// maxFresh bounds the keys held (several chunks): an indexer that falls
// behind reads the rest back from the table.
const maxFresh = 1 << 16

func (f *freshKeys) add(recs []store.AuditRecord) {
	if len(recs) == 0 {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.keys) == 0 || f.from+int64(len(f.keys)) != recs[0].Index || len(f.keys)+len(recs) > maxFresh {
		// Not contiguous with what is held (the first append, or after
		// a gap): start again from this batch.
		f.from, f.keys = recs[0].Index, f.keys[:0]
	}
	for i := range recs {
		k := &recs[i].Keys
		f.keys = append(f.keys, [4]string{k.Agent, k.Session, k.Type, k.Decision})
	}
}

// postings builds the posting lists of the chunk [upto, upto+n) from the
// held keys, and drops the keys before its end; false if they do not
// cover the chunk.
func (f *freshKeys) postings(upto, n int64) (map[string][]byte, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if upto < f.from || upto+n > f.from+int64(len(f.keys)) {
		return nil, false
	}
	b := postingBuilder{base: upto, post: map[string][]byte{}, last: map[string]int64{}}
	for i, k := range f.keys[upto-f.from : upto+n-f.from] {
		b.add(upto+int64(i), k)
	}
	kept := copy(f.keys, f.keys[upto+n-f.from:])
	clear(f.keys[kept:]) // let go of the strings
	f.keys = f.keys[:kept]
	f.from = upto + n
	return b.post, true
}

// postingBuilder appends entries' indexes, as uvarint deltas, to the
// posting lists of their keys.
type postingBuilder struct {
	base int64
	post map[string][]byte
	last map[string]int64
	keys []string
}

func (b *postingBuilder) add(idx int64, f [4]string) {
	b.keys = postingKeys(b.keys, f[0], f[1], f[2], f[3])
	for _, k := range b.keys {
		prev, ok := b.last[k]
		if !ok {
			prev = b.base - 1
		}
		b.post[k] = binary.AppendUvarint(b.post[k], uint64(idx-prev))
		b.last[k] = idx
	}
}

// chunkPostings builds the posting lists of the chunk starting at upto:
// for each key, the entries' indexes as uvarint deltas. The four fields
// are read out of each leaf in Go (leafKeys); a leaf whose fields are not
// all plain strings is read with json_extract instead, as the query path
// reads it, so that both always agree.
func (s *Store) chunkPostings(ctx context.Context, upto int64) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT idx, leaf FROM audit_entries WHERE idx >= ? AND idx < ? ORDER BY idx`, upto, upto+s.chunk)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	b := postingBuilder{base: upto, post: map[string][]byte{}, last: map[string]int64{}}
	var leaf []byte
	for rows.Next() {
		var idx int64
		if err := rows.Scan(&idx, &leaf); err != nil {
			return nil, err
		}
		f, ok := leafKeys(leaf)
		if !ok {
			if f, err = s.leafKeysSQL(ctx, idx); err != nil {
				return nil, err
			}
		}
		b.add(idx, f)
	}
	return b.post, rows.Err()
}

// leafKeys reads the indexed fields of a leaf that is a JSON object whose
// indexed members, where present, are strings; false for anything else.
func leafKeys(leaf []byte) ([4]string, bool) {
	k, _, ok := store.LeafKeys(leaf)
	if !ok {
		return [4]string{}, false
	}
	// The members the query index keys on, in postingKeys' order.
	return [4]string{k.Agent, k.Session, k.Type, k.Decision}, true
}

// leafKeysSQL reads the indexed fields of entry idx with json_extract (a
// leaf that is not JSON yields empty fields and no postings but its type's).
func (s *Store) leafKeysSQL(ctx context.Context, idx int64) ([4]string, error) {
	var f [4]sql.NullString
	err := s.db.QueryRowContext(ctx, `SELECT `+leafField("agent")+`, `+leafField("session")+`, `+leafField("type")+`, `+leafField("decision")+`
 FROM audit_entries e WHERE e.idx = ?`, idx).Scan(&f[0], &f[1], &f[2], &f[3])
	if err != nil {
		return [4]string{}, err
	}
	return [4]string{f[0].String, f[1].String, f[2].String, f[3].String}, nil
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
