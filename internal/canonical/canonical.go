// Package canonical is the single JSON encoding that agentgov hashes and
// signs: the JSON Canonicalization Scheme of RFC 8785 (JCS).
//
// A hash or signature over JSON is only meaningful if every party derives the
// same bytes from the same data. Ordinary encoders disagree on whitespace,
// member order, string escaping and number formatting, so a verifier written
// in another language (or a later version of this program) would compute a
// different digest for the same audit record. RFC 8785 removes every such
// degree of freedom, and its output is reproducible by any conforming
// implementation. Everything that agentgov hashes or signs therefore passes
// through this package, and nothing else may produce those bytes.
//
// The package is deliberately strict. Input that a lenient decoder would
// silently "repair" (duplicate keys, invalid UTF-8, lone surrogates, numbers
// that overflow a double) is rejected, because two verifiers repairing it
// differently would disagree about what was signed.
//
// Canonicalization sits on the audit-append hot path, so the parser is a
// single pass over the input that writes canonical output directly; it
// allocates nothing beyond the output buffer for typical documents.
package canonical

import (
	"encoding/json"
	"fmt"
)

const (
	defaultMaxDepth = 64
	defaultMaxBytes = 1 << 20
)

// Limits bounds the input. Zero fields mean the defaults (MaxDepth 64,
// MaxBytes 1<<20 (1 MiB)); negative fields are treated like zero.
//
// Depth counts nested arrays and objects: with MaxDepth 2, [[1]] is accepted
// and [[[1]]] is not. Scalars do not add depth.
type Limits struct {
	MaxDepth int
	MaxBytes int
}

func (l Limits) maxDepth() int {
	if l.MaxDepth <= 0 {
		return defaultMaxDepth
	}
	return l.MaxDepth
}

func (l Limits) maxBytes() int {
	if l.MaxBytes <= 0 {
		return defaultMaxBytes
	}
	return l.MaxBytes
}

// Error describes why input is not canonicalizable. Offset is the byte offset
// in src where the problem was found (-1 when the error is not about input
// bytes, as for AppendFloat); Path is a JSON Pointer (RFC 6901) to the value
// at fault ("" for the root). For a duplicate key Path names the repeated
// member; for a key that cannot be decoded, or misplaced punctuation between
// members or elements, it names the enclosing object or array.
//
// Path is only ever computed on failure, so successful calls do not pay for
// tracking it.
type Error struct {
	Offset int
	Path   string
	Reason string
}

func (e *Error) Error() string {
	if e.Offset < 0 {
		return "canonical: " + e.Reason
	}
	return fmt.Sprintf("canonical: %s (offset %d, path %q)", e.Reason, e.Offset, e.Path)
}

// Append parses the JSON text in src (exactly one JSON value, optional
// surrounding whitespace) and appends its RFC 8785 canonical form to dst.
//
// On error the returned slice is dst with its original length, so a caller
// reusing a buffer never sees a partial document.
func Append(dst, src []byte, lim Limits) ([]byte, error) {
	if max := lim.maxBytes(); len(src) > max {
		return dst, &Error{
			Offset: max,
			Reason: fmt.Sprintf("input is %d bytes, exceeds limit of %d", len(src), max),
		}
	}
	n0 := len(dst)
	// Canonical output is rarely longer than the input (only number
	// re-formatting can grow it), so reserving len(src) up front usually
	// makes the output the one and only allocation.
	if cap(dst)-n0 < len(src) {
		grown := make([]byte, n0, n0+len(src)+16)
		copy(grown, dst)
		dst = grown
	}
	p := parser{src: src, maxDepth: lim.maxDepth()}
	out, err := p.value(dst)
	if err == nil {
		p.skipWS()
		if p.pos < len(src) {
			err = p.errorf(p.pos, "unexpected %s after top-level value", describeByte(src[p.pos]))
		}
	}
	if err != nil {
		return dst[:n0], err
	}
	return out, nil
}

// Canonicalize is Append(nil, src, Limits{}).
func Canonicalize(src []byte) ([]byte, error) {
	return Append(nil, src, Limits{})
}

// Marshal encodes v with encoding/json and canonicalizes the result. It is a
// convenience for cold paths: the intermediate encoding costs an extra pass.
// The default Limits apply, so anything Marshal produces can be
// re-canonicalized by a verifier using the defaults.
func Marshal(v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return Canonicalize(b)
}
