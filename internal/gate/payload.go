package gate

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"sync"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
)

// object appends a canonical (RFC 8785) JSON object member by member.
// Callers add members in ascending key order, which for the ASCII keys used
// here is the canonical order; payload_test.go checks every writer against
// the generic encoder.
type object struct {
	b []byte
	n int
}

func (o *object) key(k string) {
	if o.n == 0 {
		o.b = append(o.b, '{')
	} else {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = append(o.b, '"')
	o.b = append(o.b, k...)
	o.b = append(o.b, '"', ':')
}

func (o *object) str(k, v string) {
	o.key(k)
	o.b = canonical.AppendString(o.b, v)
}

func (o *object) strs(k string, vs []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, v := range vs {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = canonical.AppendString(o.b, v)
	}
	o.b = append(o.b, ']')
}

func (o *object) close() []byte {
	if o.n == 0 {
		return append(o.b, '{', '}')
	}
	return append(o.b, '}')
}

// scratch is per-check working memory, pooled because every check
// canonicalises its arguments and builds one payload.
type scratch struct {
	buf []byte
	mac hash.Hash
	// digest holds the hex HMAC of the inspected value; ev the event
	// handed to the log, which copies what it keeps.
	digest [2 * sha256.Size]byte
	// sum receives the HMAC: a local array would escape through the
	// hash.Hash interface and cost an allocation per check.
	sum [sha256.Size]byte
	ev  api.Event
}

type scratchPool struct{ p sync.Pool }

func newScratchPool(key []byte) *scratchPool {
	sp := &scratchPool{}
	sp.p.New = func() any {
		return &scratch{buf: make([]byte, 0, 1024), mac: hmac.New(sha256.New, key)}
	}
	return sp
}

func (sp *scratchPool) get() *scratch { return sp.p.Get().(*scratch) }

func (sp *scratchPool) put(s *scratch) {
	// A huge argument must not pin its buffer in the pool.
	if cap(s.buf) > 64<<10 {
		s.buf = make([]byte, 0, 1024)
	}
	s.buf = s.buf[:0]
	s.mac.Reset()
	sp.p.Put(s)
}

// valueDigest is the keyed digest of the canonical form of v, appended to
// dst in hex.
func (s *scratch) valueDigest(dst []byte, v any) ([]byte, error) {
	b, err := canonical.AppendValue(s.buf[:0], v)
	s.buf = b[:0]
	if err != nil {
		return dst, err
	}
	s.mac.Reset()
	s.mac.Write(b)
	return hex.AppendEncode(dst, s.mac.Sum(s.sum[:0])), nil
}
