package audit

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/store"
	"github.com/agentgov/agentgov/internal/translog"
)

// ErrClosed reports an append to a closed log.
var ErrClosed = errors.New("audit: log closed")

// ErrLogBroken reports a stored log that no longer matches its own latest
// checkpoint; agentgov refuses to append on top of it.
var ErrLogBroken = errors.New("audit: stored log does not match its checkpoints")

// DefaultMaxPayloadBytes bounds a payload unless configured otherwise.
const DefaultMaxPayloadBytes = 1 << 20

// maxBatch bounds one group commit so that a burst cannot build an unbounded
// transaction.
const maxBatch = 4096

// Options configure Open.
type Options struct {
	Store  store.Audit
	Origin string
	// Signer signs checkpoints; its name must equal Origin.
	Signer note.Signer
	// VerifierKey is the public half of Signer in note verifier-key form
	// (translog.VerifierKey derives it from the signer key).
	VerifierKey string
	// PendingSigner and PendingVerifierKey are a staged key from a
	// rotation that may have been interrupted after its entry committed:
	// when the log's key chain already hands over to it, Open signs with
	// it (and Signer, the previous key, signs the checkpoint covering the
	// rotation if that is missing).
	PendingSigner      note.Signer
	PendingVerifierKey string
	// Now is the clock, called by concurrent appenders; nil means
	// time.Now.
	Now func() time.Time
	// Rand supplies payload salts; nil means crypto/rand.
	Rand            io.Reader
	MaxPayloadBytes int
	Logger          *slog.Logger
	Metrics         *Metrics
	// Minimiser, when set, rewrites every event before it is recorded
	// (personal data and secrets out); an error refuses the event.
	Minimiser Minimiser
}

// Minimiser rewrites an event before it is recorded.
type Minimiser interface {
	Minimise(ctx context.Context, ev *api.Event) error
}

// Log is the writable audit log. It is safe for concurrent use; concurrent
// appends are committed together (one transaction, one fsync).
type Log struct {
	*Reader
	st      store.Audit
	now     func() time.Time
	rand    io.Reader
	salts   *saltReserve
	min     Minimiser
	maxBody int
	log     *slog.Logger
	m       *Metrics

	// qmu guards the queue, the leader flag and closed.
	qmu     sync.Mutex
	queue   []*request
	leading bool
	closed  bool
	idle    *sync.Cond // signalled when leading turns false

	// fmu guards frontier, the committed tree state, and keys, which
	// change with it when a rotation commits. stage is the leader's
	// scratch copy, swapped in when a batch commits.
	fmu      sync.Mutex
	frontier *translog.Frontier
	stage    *translog.Frontier
	keys     keyState
	// Buffers reused by whichever goroutine leads; leadership passes
	// through a channel close, which orders their use.
	batchBuf []*request
	recBuf   []store.AuditRecord
	hashBuf  []byte

	// lastTime is the time of the newest committed entry; only the leader
	// touches it. Entry times never decrease along the log, which is what
	// lets a time range be turned into an index range.
	lastTime time.Time
	pool     sync.Pool

	// emu serialises erasures so that two cannot race for one payload.
	emu sync.Mutex
	// cmu serialises checkpoint signing.
	cmu sync.Mutex
	// rmu serialises rotations.
	rmu sync.Mutex
}

// Open opens the log in o.Store for appending, creating it if the store is
// empty. It refuses a store whose identity (origin, key) differs from the
// options, and a store that no longer matches its latest checkpoint.
func Open(ctx context.Context, o Options) (*Log, error) {
	if o.Store == nil || o.Signer == nil {
		return nil, errors.New("audit: Open needs a store and a signer")
	}
	v, err := note.NewVerifier(o.VerifierKey)
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	if o.Signer.Name() != o.Origin || v.Name() != o.Origin || o.Signer.KeyHash() != v.KeyHash() {
		return nil, fmt.Errorf("audit: signing key %q does not belong to origin %q", o.Signer.Name(), o.Origin)
	}
	if err := claimMeta(ctx, o.Store, metaOrigin, o.Origin, "audit.origin"); err != nil {
		return nil, err
	}
	// The first key is the log's trust root: recorded once, never
	// replaced; later keys are reached through rotation entries.
	if _, err := o.Store.GetMeta(ctx, metaVerifierKey); errors.Is(err, store.ErrNotFound) {
		if err := o.Store.SetMeta(ctx, metaVerifierKey, o.VerifierKey); err != nil {
			return nil, err
		}
	} else if err != nil {
		return nil, err
	}
	chain, err := LoadKeyChain(ctx, o.Store)
	if err != nil {
		return nil, err
	}
	ks, err := keysFor(chain, o)
	if err != nil {
		return nil, err
	}
	size, err := o.Store.AuditSize(ctx)
	if err != nil {
		return nil, err
	}
	f, err := translog.LoadFrontier(ctx, o.Store, size)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLogBroken, err)
	}
	if err := checkAgainstLatest(ctx, o.Store, chain, f); err != nil {
		return nil, err
	}
	l := &Log{
		st: o.Store, now: o.Now, rand: o.Rand, maxBody: o.MaxPayloadBytes, min: o.Minimiser,
		log: o.Logger, m: o.Metrics, frontier: f, stage: translog.NewFrontier(), keys: ks,
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.rand == nil {
		// The system source: each pooled request draws salts from it in
		// bulk, without a shared lock.
		l.rand = rand.Reader
	} else {
		// An injected source (tests, replays) is read in order, so that
		// the same source gives the same log.
		l.salts = newSaltReserve(l.rand)
	}
	if l.maxBody <= 0 {
		l.maxBody = DefaultMaxPayloadBytes
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if size > 0 {
		last, err := o.Store.AuditEntry(ctx, size-1)
		if err != nil {
			return nil, err
		}
		t, _ := leafString(last.Leaf, "time")
		if l.lastTime, err = time.Parse(api.TimeLayout, t); err != nil {
			return nil, fmt.Errorf("%w: entry %d has a malformed time", ErrLogBroken, size-1)
		}
	}
	l.idle = sync.NewCond(&l.qmu)
	l.pool.New = newRequest
	l.Reader = newReader(o.Store, o.Origin, v, l.committedSize)
	l.m.setSize(size)
	if ks.retired != nil {
		if err := l.finishInterruptedRotation(ctx); err != nil {
			return nil, err
		}
	}
	return l, nil
}

// claimMeta records value under name on first use and afterwards insists on
// it: a log's origin and key are its identity.
func claimMeta(ctx context.Context, st store.Audit, name, value, what string) error {
	got, err := st.GetMeta(ctx, name)
	if errors.Is(err, store.ErrNotFound) {
		return st.SetMeta(ctx, name, value)
	}
	if err != nil {
		return err
	}
	if got != value {
		return fmt.Errorf("audit: this log was created with %s %q; the configured value is %q", what, got, value)
	}
	return nil
}

// checkAgainstLatest compares the stored tree with the newest checkpoint, so
// that a truncated or rewritten store is refused at start instead of being
// extended.
func checkAgainstLatest(ctx context.Context, st store.Audit, chain *translog.KeyChain, f *translog.Frontier) error {
	c, err := st.LatestCheckpoint(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	cp, _, err := chain.Open(c.Note)
	if err != nil {
		return fmt.Errorf("%w: latest checkpoint (size %d): %v", ErrLogBroken, c.Size, err)
	}
	if cp.Size > f.Size() {
		return fmt.Errorf("%w: the log has %d entries but a checkpoint covers %d; run agentgov audit verify", ErrLogBroken, f.Size(), cp.Size)
	}
	root := f.Root()
	if cp.Size < f.Size() {
		root, err = translog.Root(ctx, st, cp.Size)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrLogBroken, err)
		}
	}
	if root != cp.Root {
		return fmt.Errorf("%w: the tree of size %d differs from its signed checkpoint; run agentgov audit verify", ErrLogBroken, cp.Size)
	}
	return nil
}

func (l *Log) committedSize(context.Context) (int64, error) {
	l.fmu.Lock()
	defer l.fmu.Unlock()
	return l.frontier.Size(), nil
}

// request states.
const (
	stateWaiting int32 = iota
	stateDone
	stateLead
	stateAbandoned
)

type request struct {
	hdr Header
	// leafData is the leaf: the prefix (its first prefix bytes), then the
	// suffix that stamp appends. It, payload and salt are slices of mem.
	leafData []byte
	prefix   int
	// at is the entry's time, taken as it joins the queue.
	at      time.Time
	payload []byte
	salt    []byte
	erase   int64 // payload to erase with this entry, or -1
	index   int64
	err     error
	state   atomic.Int32
	// done carries exactly one token per use: "committed" or "you lead".
	done chan struct{}
	// leaf holds SHA-256 state after 0x00 and the leaf prefix; stamp
	// finishes it with the time and the rest of the leaf.
	leaf hash.Hash
	sum  [32]byte
	buf  []byte
	// scratch holds a payload while it is canonicalised.
	scratch []byte
	// mem holds the entry's salt, payload and leaf. The store copies what
	// it keeps, so mem serves the request's next use too.
	mem []byte
	// entropy holds salts drawn ahead (see expandSeed): the unused tail
	// of stock.
	entropy []byte
	stock   *[128 * SaltSize]byte
	// rot is set for a key rotation, whose payload the sequencer builds
	// once the entry's position is known.
	rot *rotateReq
}

// maxPooledScratch is the largest canonicalisation buffer a pooled request
// keeps.
const maxPooledScratch = 16 << 10

func newRequest() any {
	return &request{done: make(chan struct{}, 1), leaf: sha256.New(), buf: make([]byte, 0, 512)}
}

// fillSalt draws a salt into dst: from the ordered reserve for an injected
// source, otherwise from r's own stock, refilled from the system source in
// bulk (a read is a system call).
func (l *Log) fillSalt(r *request, dst []byte) error {
	if l.salts != nil {
		return l.salts.fill(dst)
	}
	if len(r.entropy) < SaltSize {
		// The stock's memory is reused: every salt taken from it was
		// wiped, so a refill overwrites zeros.
		if r.stock == nil {
			r.stock = new([128 * SaltSize]byte)
		}
		buf := r.stock[:]
		if err := expandSeed(l.rand, buf); err != nil {
			clear(buf)
			return err
		}
		r.entropy = buf
	}
	copy(dst, r.entropy[:SaltSize])
	// Each salt is used once: wipe it from the stock.
	clear(r.entropy[:SaltSize])
	r.entropy = r.entropy[SaltSize:]
	return nil
}

// expandSeed fills dst with the AES-256-CTR keystream of a fresh 32-byte
// key read from src, which is then wiped: the generate step of a CTR_DRBG
// (NIST SP 800-90A) reseeded from the system source for every stock of
// salts. The system source costs about 2 ns a byte, a sizeable share of an
// append; the keystream costs a twentieth of that, and a key that
// produces only 256 blocks is far inside AES's bounds.
func expandSeed(src io.Reader, dst []byte) error {
	var key [32]byte
	defer clear(key[:])
	if _, err := io.ReadFull(src, key[:]); err != nil {
		return err
	}
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return err
	}
	var iv [aes.BlockSize]byte
	clear(dst)
	cipher.NewCTR(block, iv[:]).XORKeyStream(dst, dst)
	return nil
}

// saltReserve hands out salts drawn ahead from the random source, many per
// read: a read is a system call, which would otherwise be a large share of
// an append. Salts leave the reserve in the order they were read, so a
// deterministic source gives deterministic logs.
type saltReserve struct {
	mu   sync.Mutex
	src  io.Reader
	buf  [64 * SaltSize]byte
	next int
}

func newSaltReserve(src io.Reader) *saltReserve {
	r := &saltReserve{src: src}
	r.next = len(r.buf)
	return r
}

// fill copies the next salt into dst and wipes it from the reserve.
func (r *saltReserve) fill(dst []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next == len(r.buf) {
		if _, err := io.ReadFull(r.src, r.buf[:]); err != nil {
			return err
		}
		r.next = 0
	}
	copy(dst, r.buf[r.next:r.next+SaltSize])
	clear(r.buf[r.next : r.next+SaltSize])
	r.next += SaltSize
	return nil
}

// recycle returns a request whose waiter has taken its result. Abandoned
// requests are never recycled: the sequencer may still hold them.
func (l *Log) recycle(r *request) {
	r.hdr, r.leafData, r.payload, r.salt, r.err, r.index, r.erase, r.rot = Header{}, nil, nil, nil, nil, 0, -1, nil
	r.state.Store(stateWaiting)
	r.leaf.Reset()
	// A pooled request should not pin a large payload's buffer, nor keep
	// its bytes: the scratch is wiped, and dropped past a small size.
	clear(r.scratch)
	if cap(r.scratch) > maxPooledScratch {
		r.scratch = nil
	}
	clear(r.mem)
	if cap(r.mem) > maxPooledScratch {
		r.mem = nil
	}
	l.pool.Put(r)
}

// Append validates an event, records it with source as its principal, and
// returns its index once it is durable.
func (l *Log) Append(ctx context.Context, ev *api.Event, source string) (int64, error) {
	if l.min != nil {
		cp := *ev
		if err := l.min.Minimise(ctx, &cp); err != nil {
			// Whatever cannot be inspected is not recorded: the caller
			// hears which part of the event it was.
			return 0, &FieldError{"payload", err.Error()}
		}
		ev = &cp
	}
	return l.AppendMinimised(ctx, ev, source)
}

// MinimiseText applies the log's minimiser to one string, for a writer
// that minimises its own events (AppendMinimised); s is returned as it is
// when the log has no minimiser.
func (l *Log) MinimiseText(ctx context.Context, s string) (string, error) {
	if l.min == nil || s == "" {
		return s, nil
	}
	ev := api.Event{Reason: s}
	if err := l.min.Minimise(ctx, &ev); err != nil {
		return "", err
	}
	return ev.Reason, nil
}

// AppendMinimised is Append without the minimiser, for an in-process
// writer that guarantees its event holds no personal data and no secret:
// the gate, which records digests, its own vocabulary and identifiers, and
// minimises the few strings a caller supplies before it records them.
func (l *Log) AppendMinimised(ctx context.Context, ev *api.Event, source string) (int64, error) {
	if ev.Type == TypePayloadErased || ev.Type == TypeKeyRotation {
		return 0, &FieldError{"type", fmt.Sprintf("%q is written only by agentgov itself", ev.Type)}
	}
	r, err := l.prepare(ev, source, false)
	if err != nil {
		return 0, err
	}
	return l.submit(ctx, r)
}

// AppendCanonical is AppendMinimised for an in-process writer that builds
// its payload directly in RFC 8785 canonical form (the gate, for every
// decision): the payload is digested and stored as given instead of being
// parsed and re-encoded. The writer's own tests must show that its bytes
// equal canonical.Append of the same value; a payload that is not
// canonical would verify in the store but not as an exported entry, whose
// verifier canonicalises what it reads.
func (l *Log) AppendCanonical(ctx context.Context, ev *api.Event, source string) (int64, error) {
	if ev.Type == TypePayloadErased || ev.Type == TypeKeyRotation {
		return 0, &FieldError{"type", fmt.Sprintf("%q is written only by agentgov itself", ev.Type)}
	}
	r, err := l.prepare(ev, source, true)
	if err != nil {
		return 0, err
	}
	return l.submit(ctx, r)
}

// Erase deletes the payload of entry index and appends the erasure entry that
// accounts for it; it returns the erasure entry's index.
func (l *Log) Erase(ctx context.Context, index int64, reason, source string) (int64, error) {
	if reason == "" {
		return 0, &FieldError{"reason", "is required"}
	}
	l.emu.Lock()
	defer l.emu.Unlock()
	rec, err := l.st.AuditEntry(ctx, index)
	if errors.Is(err, store.ErrNotFound) {
		return 0, fmt.Errorf("%w: entry %d", ErrNotFound, index)
	}
	if err != nil {
		return 0, err
	}
	if rec.Payload == nil {
		return 0, &FieldError{"index", fmt.Sprintf("entry %d has no payload to erase", index)}
	}
	if t, _ := leafString(rec.Leaf, "type"); t == TypeKeyRotation {
		return 0, &FieldError{"index", fmt.Sprintf("entry %d is a key rotation: its payload is a link of the log's key chain and holds no personal data", index)}
	}
	if l.min != nil {
		ev := api.Event{Reason: reason}
		if err := l.min.Minimise(ctx, &ev); err != nil {
			return 0, fmt.Errorf("audit: %w", err)
		}
		reason = ev.Reason
	}
	payload, err := canonical.Marshal(map[string]any{"reason": reason})
	if err != nil {
		return 0, err
	}
	h, err := parseLeaf(rec.Leaf)
	if err != nil {
		return 0, fmt.Errorf("%w: entry %d: %v", ErrCorrupt, index, err)
	}
	ref := index
	r, err := l.prepare(&api.Event{Type: TypePayloadErased, Agent: h.Agent, Session: h.Session,
		Action: "erase_payload", Reason: reason, Ref: &ref, Payload: payload}, source, true)
	if err != nil {
		return 0, err
	}
	r.erase = index
	return l.submit(ctx, r)
}

func checkText(field, v string, limit int, required bool) error {
	switch {
	case required && v == "":
		return &FieldError{field, "is required"}
	case len(v) > limit:
		return &FieldError{field, fmt.Sprintf("is %d bytes; the limit is %d", len(v), limit)}
	}
	// Header fields are nearly always short ASCII: one pass settles both
	// checks, and only other text pays for a UTF-8 validation.
	ascii := true
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c == 0:
			return &FieldError{field, "contains a NUL character"}
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.ValidString(v) {
		return &FieldError{field, "is not valid UTF-8"}
	}
	return nil
}

func checkType(v string) error {
	if err := checkText("type", v, maxTypeLen, true); err != nil {
		return err
	}
	for _, c := range []byte(v) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-' || c == ':' || c == '/') {
			return &FieldError{"type", "may contain only letters, digits and . _ - : /"}
		}
	}
	return nil
}

// prepare does all the per-entry work that does not depend on the entry's
// position, outside the sequencer, so that it runs on every core.
// A canonical payload (AppendCanonical) is taken as it is.
func (l *Log) prepare(ev *api.Event, source string, canonicalPayload bool) (*request, error) {
	if err := checkType(ev.Type); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name, v  string
		limit    int
		required bool
	}{
		{"agent", ev.Agent, maxIDLen, true},
		{"session", ev.Session, maxIDLen, false},
		{"action", ev.Action, maxIDLen, false},
		{"decision", ev.Decision, maxIDLen, false},
		{"reason", ev.Reason, maxTextLen, false},
		{"rule", ev.Rule, maxTextLen, false},
		{"policy_version", ev.PolicyVersion, maxIDLen, false},
		{"source", source, maxSourceLen, true},
	} {
		if err := checkText(f.name, f.v, f.limit, f.required); err != nil {
			return nil, err
		}
	}
	r := l.pool.Get().(*request)
	r.erase = -1
	r.hdr = Header{
		Type: ev.Type, Agent: ev.Agent, Session: ev.Session,
		Action: ev.Action, Decision: ev.Decision, Reason: ev.Reason, Rule: ev.Rule,
		PolicyVersion: ev.PolicyVersion, Source: source, Ref: -1,
	}
	if ev.Ref != nil {
		if *ev.Ref < 0 || *ev.Ref > MaxRef {
			l.recycle(r)
			return nil, &FieldError{"ref", fmt.Sprintf("must be between 0 and %d", int64(MaxRef))}
		}
		r.hdr.Ref = *ev.Ref
	}
	if err := l.preparePayload(r, ev.Payload, canonicalPayload); err != nil {
		l.recycle(r)
		return nil, err
	}
	return r, nil
}

func (l *Log) preparePayload(r *request, payload []byte, isCanonical bool) error {
	raw := payload
	if len(raw) == 0 {
		raw = []byte("null")
	}
	if len(raw) > l.maxBody {
		return &FieldError{"payload", fmt.Sprintf("is %d bytes; the limit is %d", len(raw), l.maxBody)}
	}
	body := raw
	if !isCanonical {
		var err error
		r.scratch, err = canonical.Append(r.scratch[:0], raw, canonical.Limits{MaxBytes: l.maxBody})
		if err != nil {
			return &FieldError{"payload", err.Error()}
		}
		body = r.scratch
	}
	if len(body) > l.maxBody {
		return &FieldError{"payload", fmt.Sprintf("is %d bytes in canonical form; the limit is %d", len(body), l.maxBody)}
	}
	var salt [SaltSize]byte
	defer clear(salt[:])
	if err := l.fillSalt(r, salt[:]); err != nil {
		return fmt.Errorf("audit: payload salt: %w", err)
	}
	r.hdr.PayloadSHA256 = PayloadDigest(salt[:], body)
	r.buf = appendLeafPrefix(r.buf[:0], &r.hdr)
	r.leaf.Write([]byte{0x00}) // RFC 9162 leaf hash domain separator
	r.leaf.Write(r.buf)
	// Salt, payload and leaf share one buffer: salt ‖ payload ‖ leaf
	// prefix, with room after it for the suffix (the quoted time, the
	// type, which is plain ASCII and never escaped, and the version).
	n := len(body)
	if need := SaltSize + n + len(r.buf) + len(api.TimeLayout) + len(r.hdr.Type) + 32; cap(r.mem) < need {
		r.mem = make([]byte, 0, need)
	}
	mem := append(append(append(r.mem[:0], salt[:]...), body...), r.buf...)
	r.mem = mem
	r.salt = mem[:SaltSize:SaltSize]
	r.payload = mem[SaltSize : SaltSize+n : SaltSize+n]
	r.leafData = mem[SaltSize+n:]
	r.prefix = len(r.buf)
	return nil
}

// stamp gives r its time and completes its leaf and leaf hash. It runs on
// the appender's own core, just before the entry joins the queue, so that
// the sequencer's serial work is only the tree and the store; the
// sequencer restamps (and so rehashes) only an entry that would otherwise
// go back in time along the log.
func (l *Log) stamp(r *request, at time.Time) {
	r.at = at
	// The time is digits and punctuation, so its RFC 8785 string is the
	// time in quotes; it is written straight into the leaf.
	d := append(r.leafData[:r.prefix], '"')
	d = append(appendStamp(d, at), '"')
	r.leafData = appendLeafSuffix(d, &r.hdr)
	r.leaf.Write(r.leafData[r.prefix:])
	// The sum goes into r's own array: a local would escape through the
	// hash.Hash interface and cost an allocation per entry.
	r.leaf.Sum(r.sum[:0])
}

// restamp is stamp for an entry whose leaf hash already covers a suffix.
func (l *Log) restamp(r *request, at time.Time) {
	r.leaf.Reset()
	r.leaf.Write([]byte{0x00})
	r.leaf.Write(r.leafData[:r.prefix])
	l.stamp(r, at)
}

// submit queues r and waits until it is committed. The first caller to find
// no leader commits batches itself (group commit without a background
// goroutine: an uncontended append costs no goroutine switch); later callers
// wait, and leadership passes to a waiter after each batch so that no
// caller's latency is held hostage by others' load.
func (l *Log) submit(ctx context.Context, r *request) (int64, error) {
	if r.rot == nil {
		// A rotation's leaf is built by the sequencer, which alone knows
		// its position.
		l.stamp(r, l.now().UTC())
	}
	l.qmu.Lock()
	if l.closed {
		l.qmu.Unlock()
		l.recycle(r)
		return 0, ErrClosed
	}
	l.queue = append(l.queue, r)
	if l.leading {
		l.qmu.Unlock()
		if done := ctx.Done(); done == nil {
			// A context that never ends needs no select.
			<-r.done
		} else {
			select {
			case <-r.done:
			case <-done:
				if r.state.CompareAndSwap(stateWaiting, stateAbandoned) {
					// The entry may still be committed; the caller
					// only learns that it was not acknowledged.
					return 0, ctx.Err()
				}
				<-r.done
			}
		}
		if r.state.Load() != stateLead {
			idx, err := r.index, r.err
			l.recycle(r)
			return idx, err
		}
	} else {
		l.leading = true
		// A leader's own request needs no wake-up token.
		r.state.Store(stateLead)
		l.qmu.Unlock()
	}
	l.lead(r)
	idx, err := r.index, r.err
	l.recycle(r)
	return idx, err
}

// lead commits batches until own is done, then hands leadership to a waiter
// or, if there is none, gives it up.
func (l *Log) lead(own *request) {
	for {
		l.qmu.Lock()
		n := min(len(l.queue), maxBatch)
		// An erasure commits alone: its store-side check can fail, and
		// that must not fail unrelated entries.
		for i, q := range l.queue[:n] {
			if q.erase >= 0 || q.rot != nil {
				n = max(i, 1)
				break
			}
		}
		batch := append(l.batchBuf[:0], l.queue[:n]...)
		l.batchBuf = batch
		l.queue = append(l.queue[:0], l.queue[n:]...)
		l.qmu.Unlock()

		l.commit(batch)

		l.qmu.Lock()
		if len(l.queue) == 0 {
			l.leading = false
			l.idle.Broadcast()
			l.qmu.Unlock()
			return
		}
		if own.state.Load() == stateDone {
			for _, q := range l.queue {
				if q.state.CompareAndSwap(stateWaiting, stateLead) {
					q.done <- struct{}{}
					l.qmu.Unlock()
					return
				}
			}
		}
		l.qmu.Unlock()
	}
}

// commit assigns indexes, extends a staged copy of the tree, writes the
// batch durably and only then publishes the new tree state.
func (l *Log) commit(batch []*request) {
	// The commit time is a metric only; without metrics the clock is not
	// read for it.
	var start time.Time
	if l.m != nil {
		start = time.Now()
	}
	f := l.stage
	l.fmu.Lock()
	f.CopyFrom(l.frontier)
	ks := l.keys
	l.fmu.Unlock()
	var rotated *keyState
	// abort fails the whole batch before it reaches the store (a rotation,
	// which commits alone, whose checkpoint could not be signed).
	var abort error
	base := f.Size()
	var hashLen int
	for i := range batch {
		hashLen += translog.GroupLen(base+int64(i)) * translog.HashSize
	}
	// The store copies the hashes it keeps, so one buffer serves every
	// batch; only the leader (one goroutine at a time) commits.
	hashes := slices.Grow(l.hashBuf[:0], hashLen)
	recs := l.recBuf[:0]
	// Entry times never go backwards along the log, even if the wall clock
	// does or two appenders join the queue in the opposite order to the
	// one in which they read it: such an entry takes its predecessor's
	// time.
	last := l.lastTime
	var erase []store.Erasure
	for _, r := range batch {
		idx := f.Size()
		if r.hdr.Ref >= idx {
			r.err = &FieldError{"ref", fmt.Sprintf("refers to entry %d, which does not exist", r.hdr.Ref)}
			continue
		}
		if r.rot != nil {
			if err := l.sealRotation(r, idx, &ks); err != nil {
				r.err = err
				continue
			}
		}
		switch {
		case r.rot != nil:
			l.stamp(r, maxTime(l.now().UTC(), last))
		case r.at.Before(last):
			l.restamp(r, last)
		}
		last = r.at
		off := len(hashes)
		var err error
		hashes, err = f.Append(hashes, r.sum)
		if err != nil {
			r.err = fmt.Errorf("audit: tree: %w", err)
			continue
		}
		r.index = idx
		if r.rot != nil {
			// The old key signs the tree that ends with its own
			// rotation; the new key takes over after it.
			if r.rot.note, err = translog.Sign(ks.signer, l.origin, f.Size(), f.Root()); err != nil {
				abort = fmt.Errorf("audit: sign the rotation checkpoint: %w", err)
				break
			}
			rotated = &r.rot.keys
		}
		recs = append(recs, store.AuditRecord{Index: idx, Leaf: r.leafData, Keys: r.hdr.keys(), Hashes: hashes[off:len(hashes):len(hashes)], Payload: r.payload, Salt: r.salt, ErasedBy: -1})
		if r.erase >= 0 {
			erase = append(erase, store.Erasure{Index: r.erase, By: idx})
		}
	}
	// The commit must not be cut short by the leader's own caller going
	// away: it carries everyone else's entries too.
	err := abort
	if err == nil {
		err = l.st.AppendAudit(context.Background(), store.AuditBatch{Records: recs, Erase: erase})
	}
	clear(recs) // the store has copied what it keeps; drop the references to the requests' buffers
	l.recBuf = recs[:0]
	l.hashBuf = hashes[:0]
	if err == nil {
		l.fmu.Lock()
		l.frontier, l.stage = f, l.frontier
		if rotated != nil {
			l.keys = *rotated
		}
		l.fmu.Unlock()
		l.lastTime = last
		if l.m != nil {
			l.m.appended(len(recs), f.Size(), time.Since(start))
		}
	} else {
		l.log.Error("audit append failed; the batch is not acknowledged", "entries", len(recs), "err", err)
		l.m.failed(len(recs))
	}
	for i, r := range batch {
		batch[i] = nil
		if r.err == nil && err != nil {
			r.err = fmt.Errorf("audit: append: %w", err)
			r.index = 0
		}
		if r.state.Swap(stateDone) != stateLead {
			r.done <- struct{}{}
		}
	}
}

func maxTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return b
	}
	return a
}

// Checkpoint returns a signed checkpoint of the current tree, signing and
// storing a new one when the newest stored checkpoint is older.
func (l *Log) Checkpoint(ctx context.Context) (Checkpoint, error) {
	l.cmu.Lock()
	defer l.cmu.Unlock()
	l.fmu.Lock()
	f := l.frontier.Clone()
	ks := l.keys
	l.fmu.Unlock()
	latest, err := l.st.LatestCheckpoint(ctx)
	if err == nil && latest.Size == f.Size() {
		return latest, nil
	}
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return Checkpoint{}, err
	}
	signer, err := ks.signerFor(f.Size())
	if err != nil {
		return Checkpoint{}, err
	}
	msg, err := translog.Sign(signer, l.origin, f.Size(), f.Root())
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	c := Checkpoint{Size: f.Size(), Note: msg, Created: l.now().UTC().Format(api.TimeLayout)}
	if err := l.st.PutCheckpoint(ctx, c); err != nil {
		return Checkpoint{}, err
	}
	l.m.checkpointed(c.Size)
	return c, nil
}

// InclusionProof is Reader.InclusionProof, except that with size 0 an entry
// not yet covered by a checkpoint gets a freshly signed one, so a caller can
// prove an entry the moment it is acknowledged.
func (l *Log) InclusionProof(ctx context.Context, index, size int64) (api.InclusionProof, error) {
	if size == 0 && index >= 0 {
		cp, err := l.st.LatestCheckpoint(ctx)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return api.InclusionProof{}, err
		}
		if err != nil || index >= cp.Size {
			n, _ := l.committedSize(ctx)
			if index < n {
				if _, err := l.Checkpoint(ctx); err != nil {
					return api.InclusionProof{}, err
				}
			}
		}
	}
	return l.Reader.InclusionProof(ctx, index, size)
}

// RunCheckpoints signs a checkpoint every interval while the log grows, until
// ctx ends.
func (l *Log) RunCheckpoints(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.Checkpoint(ctx); err != nil && ctx.Err() == nil {
				l.log.Error("periodic checkpoint failed", "err", err)
			}
		}
	}
}

// Close stops accepting appends, waits for every queued append to commit,
// and signs a final checkpoint so that everything acknowledged is covered.
// It does not close the store, which belongs to the caller.
func (l *Log) Close(ctx context.Context) error {
	l.qmu.Lock()
	l.closed = true
	for l.leading || len(l.queue) > 0 {
		l.idle.Wait()
	}
	l.qmu.Unlock()
	_, err := l.Checkpoint(ctx)
	return err
}
