// Package scan implements the JSONL contract of `agentgov scan`: it runs
// one detector over a stream of records and writes one result per record,
// in order. Every detector uses the same contract; only the names of the
// input fields differ (Fields).
//
// Input, one JSON object per line (lines up to MaxLineBytes):
//
//	{"id": str, "text": str, "source": "user"|"document"|"tool_result"|"model"|"memory"}
//
// source is optional (default user); well-known aliases such as
// "rag_chunk" (a document) or "ticket" (user input) are accepted (see
// detect.ParseSource). Code detectors read {"id", "language", "code"}.
//
// Output, one line per input line:
//
//	{"id": str, "flagged": bool, "score": number, "findings": [{"type", "start", "end", "severity", "detail"}]}
//
// start and end are UTF-8 byte offsets into the text, end exclusive;
// findings is always an array. A line that cannot be used (not JSON, not
// an object, a missing or mistyped field, an unknown source, too long, or a
// detector error) yields {"id": <id or null>, "error": str} and the run
// goes on. Run returns nil when the input was read to its end.
package scan

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/agentgov/agentgov/internal/detect"
)

// MaxLineBytes bounds one input line (without its newline).
const MaxLineBytes = 8 << 20

// Fields names the input fields of a record.
type Fields struct {
	// ID is the record identifier field (required, a string).
	ID string
	// Text is the field holding the text to inspect (required, a string).
	Text string
	// Source is the optional provenance field; empty means the detector
	// takes no source and every record is user input.
	Source string
	// Language is the optional programming-language field of code
	// detectors; empty means none.
	Language string
}

// TextFields is the mapping of text detectors (prompt injection, PII,
// secrets): {"id", "text", "source"}.
var TextFields = Fields{ID: "id", Text: "text", Source: "source"}

// CodeFields is the mapping of code detectors: {"id", "language", "code"}.
var CodeFields = Fields{ID: "id", Text: "code", Language: "language"}

type result struct {
	ID       string           `json:"id"`
	Flagged  bool             `json:"flagged"`
	Score    float64          `json:"score"`
	Findings []detect.Finding `json:"findings"`
}

type failure struct {
	ID    *string `json:"id"`
	Error string  `json:"error"`
}

var errTooLong = fmt.Errorf("line longer than %d bytes", MaxLineBytes)

// Run reads records from r, inspects each with d and writes the results
// to w. It stops early only when ctx is done or reading or writing fails.
func Run(ctx context.Context, r io.Reader, w io.Writer, d detect.Detector, f Fields) error {
	if f.ID == "" || f.Text == "" {
		return errors.New("scan: the id and text fields must be named")
	}
	return RunRecords(ctx, r, w, func(ctx context.Context, line []byte) any { return process(ctx, line, d, f) })
}

// readLine returns the next line without its line ending; io.EOF only when
// nothing is left. An over-long line is consumed and reported as
// errTooLong.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	tooLong := false
	for {
		chunk, err := br.ReadSlice('\n')
		if !tooLong {
			if len(buf)+len(chunk) > MaxLineBytes+2 {
				tooLong, buf = true, nil
			} else {
				buf = append(buf, chunk...)
			}
		}
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF:
			if len(buf) == 0 && !tooLong {
				return nil, io.EOF
			}
		case err != nil:
			return nil, err
		}
		if tooLong {
			return nil, errTooLong
		}
		buf = bytes.TrimSuffix(buf, []byte("\n"))
		buf = bytes.TrimSuffix(buf, []byte("\r"))
		if len(buf) > MaxLineBytes {
			return nil, errTooLong
		}
		return buf, nil
	}
}

// process turns one line into a result or a failure.
func process(ctx context.Context, line []byte, d detect.Detector, f Fields) any {
	if len(bytes.TrimSpace(line)) == 0 {
		return failure{Error: "empty line"}
	}
	if t := bytes.TrimSpace(line); t[0] != '{' {
		return failure{Error: "not a JSON object"}
	}
	var rec map[string]json.RawMessage
	if err := json.Unmarshal(line, &rec); err != nil {
		return failure{Error: "invalid JSON: " + err.Error()}
	}
	var id string
	raw, ok := rec[f.ID]
	if !ok {
		return failure{Error: fmt.Sprintf("missing field %q", f.ID)}
	}
	if err := json.Unmarshal(raw, &id); err != nil || isNull(raw) {
		return failure{Error: fmt.Sprintf("field %q must be a string", f.ID)}
	}
	fail := func(msg string) any { return failure{ID: &id, Error: msg} }
	in := detect.Input{Source: detect.SourceUser}
	raw, ok = rec[f.Text]
	if !ok {
		return fail(fmt.Sprintf("missing field %q", f.Text))
	}
	if err := json.Unmarshal(raw, &in.Text); err != nil || isNull(raw) {
		return fail(fmt.Sprintf("field %q must be a string", f.Text))
	}
	if f.Source != "" {
		if raw, ok := rec[f.Source]; ok && !isNull(raw) {
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return fail(fmt.Sprintf("field %q must be a string", f.Source))
			}
			src, ok := detect.ParseSource(s)
			if !ok {
				return fail(fmt.Sprintf("unknown source %q (want user, document, tool_result, model or memory)", s))
			}
			in.Source = src
		}
	}
	if f.Language != "" {
		if raw, ok := rec[f.Language]; ok && !isNull(raw) {
			if err := json.Unmarshal(raw, &in.Language); err != nil {
				return fail(fmt.Sprintf("field %q must be a string", f.Language))
			}
		}
	}
	res, err := d.Detect(ctx, in)
	if err != nil {
		return fail(err.Error())
	}
	findings := res.Findings
	if findings == nil {
		findings = []detect.Finding{}
	}
	score := res.Score
	if math.IsNaN(score) {
		score = 0
	}
	score = math.Round(min(max(score, 0), 1)*1e6) / 1e6
	return result{ID: id, Flagged: res.Flagged, Score: score, Findings: findings}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }
