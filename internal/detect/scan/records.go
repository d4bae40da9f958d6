package scan

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// RecordFunc turns one input line (without its line ending, at most
// MaxLineBytes) into the value written for it: a result, or a Failure.
type RecordFunc func(ctx context.Context, line []byte) any

// Failure is the output of a line that cannot be used.
func Failure(id *string, msg string) any { return failure{ID: id, Error: msg} }

// RunRecords is Run for detectors whose records are not one text field
// (the MCP tool scanner reads a server's tool definitions): the same line
// reading, bounds, ordering and failure lines, with the decoding and
// inspection of each line left to fn.
func RunRecords(ctx context.Context, r io.Reader, w io.Writer, fn RecordFunc) error {
	br := bufio.NewReaderSize(r, 64<<10)
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for {
		if err := ctx.Err(); err != nil {
			bw.Flush()
			return err
		}
		// Flush before a read that may block, so that a caller feeding
		// one record at a time sees each answer at once.
		if br.Buffered() == 0 {
			if err := bw.Flush(); err != nil {
				return err
			}
		}
		line, err := readLine(br)
		if err == io.EOF {
			return bw.Flush()
		}
		var out any
		switch {
		case errors.Is(err, errTooLong):
			out = failure{Error: err.Error()}
		case err != nil:
			bw.Flush()
			return fmt.Errorf("scan: reading input: %w", err)
		default:
			out = fn(ctx, line)
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("scan: writing output: %w", err)
		}
	}
}
