package translog

import (
	"errors"
	"fmt"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// MaxNoteBytes bounds a checkpoint note we are willing to parse.
const MaxNoteBytes = 16 << 10

// Checkpoint is an opened, signature-checked checkpoint.
type Checkpoint struct {
	Origin string
	Size   int64
	Root   tlog.Hash
	// Note is the full signed note text as received.
	Note []byte
}

// Sign produces a C2SP checkpoint (origin, size, root) signed by s.
func Sign(s note.Signer, origin string, size int64, root tlog.Hash) ([]byte, error) {
	if size < 0 {
		return nil, fmt.Errorf("translog: negative tree size %d", size)
	}
	body := log.Checkpoint{Origin: origin, Size: uint64(size), Hash: root[:]}.Marshal()
	return note.Sign(&note.Note{Text: string(body)}, s)
}

// ErrCheckpoint marks a checkpoint that is malformed, for another log, or not
// signed by the expected key.
var ErrCheckpoint = errors.New("translog: invalid checkpoint")

// Open checks the signature of v on a checkpoint note and parses it. The
// origin line must equal origin.
func Open(msg []byte, origin string, v note.Verifier) (Checkpoint, error) {
	if len(msg) > MaxNoteBytes {
		return Checkpoint{}, fmt.Errorf("%w: %d bytes exceeds %d", ErrCheckpoint, len(msg), MaxNoteBytes)
	}
	cp, _, _, err := log.ParseCheckpoint(msg, origin, v)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("%w: %v", ErrCheckpoint, err)
	}
	if len(cp.Hash) != HashSize {
		return Checkpoint{}, fmt.Errorf("%w: root hash is %d bytes, want %d", ErrCheckpoint, len(cp.Hash), HashSize)
	}
	if cp.Size > 1<<62 {
		return Checkpoint{}, fmt.Errorf("%w: size %d out of range", ErrCheckpoint, cp.Size)
	}
	out := Checkpoint{Origin: cp.Origin, Size: int64(cp.Size), Note: msg}
	copy(out.Root[:], cp.Hash)
	return out, nil
}

// OriginOf reads the origin line of a note without checking signatures, so a
// caller can pick the matching verifier or report a mismatch clearly.
func OriginOf(msg []byte) string {
	for i, c := range msg {
		if c == '\n' {
			return string(msg[:i])
		}
	}
	return ""
}
