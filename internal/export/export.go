// Package export writes the audit log in formats other tools ingest: JSON
// Lines of self-verifying records, and CloudEvents 1.0 (structured JSON
// mode), one event per line, each carrying the same verification data.
package export

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/cloudevents/sdk-go/v2/event"

	"github.com/agentgov/agentgov/api"
)

// Formats are the supported export formats.
const (
	FormatJSONL       = "jsonl"
	FormatCloudEvents = "cloudevents"
)

// EventTypePrefix prefixes the CloudEvents type of every exported entry.
const EventTypePrefix = "dev.agentgov.audit."

// Source yields export records in order; audit.Reader.Records fits.
type Source func(ctx context.Context, fn func(*api.ExportRecord) error) error

// Write writes every record of src to w in format and returns how many it
// wrote.
func Write(ctx context.Context, w io.Writer, format, origin string, src Source) (int64, error) {
	var enc func(*api.ExportRecord) ([]byte, error)
	switch format {
	case FormatJSONL:
		enc = func(r *api.ExportRecord) ([]byte, error) { return json.Marshal(r) }
	case FormatCloudEvents:
		enc = func(r *api.ExportRecord) ([]byte, error) { return CloudEvent(origin, r) }
	default:
		return 0, fmt.Errorf("export: unknown format %q (want %s or %s)", format, FormatJSONL, FormatCloudEvents)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int64
	err := src(ctx, func(r *api.ExportRecord) error {
		b, err := enc(r)
		if err != nil {
			return err
		}
		if _, err := bw.Write(append(b, '\n')); err != nil {
			return err
		}
		n++
		return nil
	})
	if err != nil {
		return n, err
	}
	return n, bw.Flush()
}

// CloudEvent renders one record as a CloudEvents 1.0 JSON event. The data is
// the whole record, so the event verifies on its own.
func CloudEvent(origin string, r *api.ExportRecord) ([]byte, error) {
	e := event.New(event.CloudEventsVersionV1)
	e.SetID(origin + "/" + strconv.FormatInt(r.Entry.Index, 10))
	e.SetSource(origin)
	e.SetType(EventTypePrefix + r.Entry.Type)
	e.SetSubject(r.Entry.Agent)
	if t, err := time.Parse(api.TimeLayout, r.Entry.Time); err == nil {
		e.SetTime(t)
	}
	// CloudEvents integers are 32-bit; a log outgrows that, so the index
	// and tree size travel as decimal strings.
	e.SetExtension("agentgovindex", strconv.FormatInt(r.Entry.Index, 10))
	e.SetExtension("agentgovtreesize", strconv.FormatInt(r.Proof.TreeSize, 10))
	if err := e.SetData(event.ApplicationJSON, r); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("export: entry %d: %w", r.Entry.Index, err)
	}
	return json.Marshal(e)
}
