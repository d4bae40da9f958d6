package memory

import (
	"runtime"
	"sync"
)

// Slab sizes: a store starts small, so that the many short-lived stores of
// a test run cost little, and doubles up to maxSlab. A record larger than
// maxSlab gets a slab of its own.
const (
	minSlab = 64 << 10
	maxSlab = 4 << 20
)

// arena holds the bytes of every entry a Store keeps, outside the garbage
// collector's heap where the platform allows (slab_linux.go). An entry's
// bytes are written once, read under the store's lock and copied out to
// callers, so no slice into a slab ever leaves the store; that is what
// makes it safe to release the slabs when the store becomes unreachable,
// and to overwrite an erased payload in place.
//
// Why not the heap: a log keeps every entry, so its memory only grows.
// Heap-allocated entries are scanned by every collection and, since the
// heap's goal is twice what is live, also grow the garbage side of the
// heap by as much again; on a virtual machine each fresh page costs a
// fault that the host must back, which a store that appends a few hundred
// bytes per entry pays on every few entries. Slabs are prepared (mapped
// and faulted in) ahead of use by a goroutine of their own, off the
// appender's path.
//
// An arena is used under the store's write lock; its slab set has a lock
// of its own because the preparing goroutine and the cleanup that runs
// when the store is collected touch it from outside that lock.
type arena struct {
	cur  []byte // the slab being filled
	used int    // bytes of cur handed out
	// asked says the slab after cur has been asked for.
	asked bool
	// slabs[i] is the slab an entry's slab number i names.
	slabs [][]byte
	set   *slabSet
}

// slabSet owns every mapped slab of one arena.
type slabSet struct {
	// mapSlab is the platform's mapSlab; tests make it fail.
	mapSlab   func(size int) ([]byte, error)
	mu        sync.Mutex
	cond      sync.Cond
	owned     [][]byte
	ready     []byte // prepared in the background, not yet in use
	preparing bool
	closed    bool
}

func newArena(owner *Store) *arena {
	set := &slabSet{mapSlab: mapSlab}
	set.cond.L = &set.mu
	// The slabs are released once the owner is unreachable; the set is
	// referenced by the owner, never the other way round.
	runtime.AddCleanup(owner, func(s *slabSet) { s.close() }, set)
	return &arena{set: set}
}

// put writes parts one after another into the arena and returns where
// they start.
func (a *arena) put(parts ...[]byte) (slab, off int32, err error) {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if len(a.cur)-a.used < n {
		if err := a.next(n); err != nil {
			return 0, 0, err
		}
	}
	slab, off = int32(len(a.slabs)-1), int32(a.used)
	dst := a.cur[a.used:]
	for _, p := range parts {
		dst = dst[copy(dst, p):]
	}
	a.used += n
	if !a.asked && a.used > len(a.cur)/2 {
		// Half full: the next slab is prepared while this one fills.
		a.set.prepare(a.nextSize(0))
		a.asked = true
	}
	return slab, off, nil
}

// nextSize is the size of the slab after the current one, for a record of
// n bytes.
func (a *arena) nextSize(n int) int {
	size := minSlab
	if len(a.cur) > 0 {
		size = min(len(a.cur)*2, maxSlab)
	}
	for size < n {
		size *= 2
	}
	return size
}

// next makes a slab with room for n bytes the current one. (A slab larger
// than maxSlab, made for one large record, is followed by one of maxSlab
// again.)
func (a *arena) next(n int) error {
	b, err := a.set.take(a.nextSize(n))
	if err != nil {
		return err
	}
	a.slabs = append(a.slabs, b)
	a.cur, a.used, a.asked = b, 0, false
	return nil
}

// view returns n bytes at off of a slab; the slice must not leave the
// store.
func (a *arena) view(slab, off int32, n int) []byte {
	return a.slabs[slab][off : int(off)+n : int(off)+n]
}

// prepare starts mapping a slab of size bytes in the background, unless
// one is being prepared or is ready.
func (s *slabSet) prepare(size int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.preparing || s.ready != nil || s.closed {
		return
	}
	s.preparing = true
	go func() {
		b, err := s.mapSlab(size)
		s.mu.Lock()
		defer s.mu.Unlock()
		s.preparing = false
		s.cond.Broadcast()
		switch {
		case err != nil:
			// The appender maps one itself and reports the error.
		case s.closed:
			unmapSlab(b)
		default:
			s.owned = append(s.owned, b)
			s.ready = b
		}
	}()
}

// take returns a slab of at least size bytes: the one prepared in the
// background if it is large enough (waiting for it if it is on its way),
// else a new one.
func (s *slabSet) take(size int) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for s.preparing {
		s.cond.Wait()
	}
	if s.ready != nil && len(s.ready) >= size {
		b := s.ready
		s.ready = nil
		return b, nil
	}
	b, err := s.mapSlab(size)
	if err != nil {
		return nil, err
	}
	s.owned = append(s.owned, b)
	return b, nil
}

func (s *slabSet) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, b := range s.owned {
		unmapSlab(b)
	}
	s.owned, s.ready = nil, nil
}
