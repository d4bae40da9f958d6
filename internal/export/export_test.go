package export_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/export"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

const origin = "agentgov.test/log"

// checkpoint is a fixed, plausible checkpoint note. Export does not verify
// it, so a real signature is not needed to pin the output.
const checkpoint = "agentgov.test/log\n3\nq8X2pPpLq4nU1r+Wz6P0c1Jm2zS1wWw1s4d0e4d0RnY=\n\n— agentgov.test/log AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\n"

func ref(i int64) *int64 { return &i }

// records are a fixed small export: a plain entry, an erased one, and the
// erasure entry that refers to it, with strings that stress JSON escaping.
func records() []api.ExportRecord {
	const digest = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	proof := func(i int64, hashes ...string) api.InclusionProof {
		return api.InclusionProof{Index: i, TreeSize: 3, LeafHash: "bGVhZi1oYXNoLW9mLWVudHJ5LXplcm8tLi4uLi4uLi4=", Hashes: hashes}
	}
	return []api.ExportRecord{
		{
			Entry: api.Entry{
				Index: 0, Time: "2026-01-02T03:04:05.000000006Z", Type: "decision", Agent: "agent-1",
				Session: "s-1", Action: "tool:search", Decision: "allow", Reason: `quoted "text" \ and <html> & tab	end`,
				Rule: "r1", PolicyVersion: "sha256:ab", Source: "token:ops", PayloadSHA256: digest,
				Payload: json.RawMessage(`{"q":"weather","n":1}`), PayloadSalt: "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=",
			},
			Leaf:       "eyJhY3Rpb24iOiJ0b29sOnNlYXJjaCJ9",
			Proof:      proof(0, "aGFzaC1vbmUtLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4=", "aGFzaC10d28tLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4="),
			Checkpoint: checkpoint,
		},
		{
			Entry: api.Entry{
				Index: 1, Time: "2026-01-02T03:04:05.100000000Z", Type: "escalation:human", Agent: "ägent \u2028 ☃ \x01",
				Session: "", Action: "payments/transfer", Decision: "deny", Source: "token:ops", PayloadSHA256: digest,
				Erased: true,
			},
			Leaf:       "eyJhY3Rpb24iOiJwYXltZW50cy90cmFuc2ZlciJ9",
			Proof:      proof(1, "aGFzaC1vbmUtLi4uLi4uLi4uLi4uLi4uLi4uLi4uLi4="),
			Checkpoint: checkpoint,
		},
		{
			Entry: api.Entry{
				Index: 2, Time: "2026-01-02T03:04:06.000000000Z", Type: "payload_erased", Agent: "agent-1",
				Reason: "retention", Source: "agentgov", Ref: ref(1), PayloadSHA256: digest,
				Payload: json.RawMessage(`{}`), PayloadSalt: "c2FsdHNhbHRzYWx0c2FsdHNhbHRzYWx0c2FsdHNhbHQ=",
			},
			Leaf:       "eyJhY3Rpb24iOiIifQ==",
			Proof:      proof(2, "aGFzaC10aHJlZS0uLi4uLi4uLi4uLi4uLi4uLi4uLi4="),
			Checkpoint: checkpoint,
		},
	}
}

func sliceSource(recs []api.ExportRecord) export.Source {
	return func(ctx context.Context, fn func(*api.ExportRecord) error) error {
		for i := range recs {
			if err := fn(&recs[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestWriteGolden(t *testing.T) {
	for _, format := range []string{export.FormatJSONL, export.FormatCloudEvents} {
		t.Run(format, func(t *testing.T) {
			var buf bytes.Buffer
			n, err := export.Write(context.Background(), &buf, format, origin, sliceSource(records()))
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(records())) {
				t.Fatalf("wrote %d records, want %d", n, len(records()))
			}
			golden := filepath.Join("testdata", format+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				t.Fatalf("%s output changed; if intended, rerun with -update\ngot:\n%s\nwant:\n%s", format, buf.Bytes(), want)
			}
		})
	}
}

// TestJSONLRoundTrips holds each JSONL line to the record it came from, so
// that a golden file accidentally regenerated from broken output is caught.
func TestJSONLRoundTrips(t *testing.T) {
	recs := records()
	var buf bytes.Buffer
	if _, err := export.Write(context.Background(), &buf, export.FormatJSONL, origin, sliceSource(recs)); err != nil {
		t.Fatal(err)
	}
	lines := splitLines(t, buf.Bytes())
	if len(lines) != len(recs) {
		t.Fatalf("%d lines for %d records", len(lines), len(recs))
	}
	for i, line := range lines {
		var got api.ExportRecord
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatalf("line %d: %v", i, err)
		}
		if !reflect.DeepEqual(got, recs[i]) {
			t.Errorf("line %d decodes to\n%+v\nwant\n%+v", i, got, recs[i])
		}
	}
}

func splitLines(t *testing.T, b []byte) [][]byte {
	t.Helper()
	if len(b) == 0 || b[len(b)-1] != '\n' {
		t.Fatalf("output does not end with a newline: %q", b)
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, append([]byte(nil), sc.Bytes()...))
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCloudEventsLines(t *testing.T) {
	recs := records()
	var buf bytes.Buffer
	if _, err := export.Write(context.Background(), &buf, export.FormatCloudEvents, origin, sliceSource(recs)); err != nil {
		t.Fatal(err)
	}
	lines := splitLines(t, buf.Bytes())
	if len(lines) != len(recs) {
		t.Fatalf("%d lines for %d records", len(lines), len(recs))
	}
	for i, line := range lines {
		checkCloudEvent(t, line, &recs[i])
	}
}

func checkCloudEvent(t *testing.T, line []byte, rec *api.ExportRecord) {
	t.Helper()
	var ev struct {
		SpecVersion     string          `json:"specversion"`
		ID              string          `json:"id"`
		Source          string          `json:"source"`
		Type            string          `json:"type"`
		Subject         *string         `json:"subject"`
		Time            *string         `json:"time"`
		DataContentType string          `json:"datacontenttype"`
		Index           json.Number     `json:"agentgovindex"`
		TreeSize        json.Number     `json:"agentgovtreesize"`
		Data            json.RawMessage `json:"data"`
		DataBase64      *string         `json:"data_base64"`
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("entry %d: %v in %s", rec.Entry.Index, err, line)
	}
	idx := strconv.FormatInt(rec.Entry.Index, 10)
	for _, c := range []struct{ name, got, want string }{
		{"specversion", ev.SpecVersion, "1.0"},
		{"id", ev.ID, origin + "/" + idx},
		{"source", ev.Source, origin},
		{"type", ev.Type, "dev.agentgov.audit." + rec.Entry.Type},
		{"datacontenttype", ev.DataContentType, "application/json"},
		{"agentgovindex", ev.Index.String(), idx},
		{"agentgovtreesize", ev.TreeSize.String(), strconv.FormatInt(rec.Proof.TreeSize, 10)},
	} {
		if c.got != c.want {
			t.Errorf("entry %d: %s = %q, want %q", rec.Entry.Index, c.name, c.got, c.want)
		}
	}
	if ev.Subject == nil || *ev.Subject != rec.Entry.Agent {
		t.Errorf("entry %d: subject = %v, want the agent %q", rec.Entry.Index, ev.Subject, rec.Entry.Agent)
	}
	want, err := time.Parse(api.TimeLayout, rec.Entry.Time)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Time == nil {
		t.Errorf("entry %d: no time", rec.Entry.Index)
	} else if got, err := time.Parse(time.RFC3339Nano, *ev.Time); err != nil || !got.Equal(want) {
		t.Errorf("entry %d: time %q (%v), want %s", rec.Entry.Index, *ev.Time, err, rec.Entry.Time)
	}
	if ev.DataBase64 != nil {
		t.Errorf("entry %d: data is base64, want inline JSON", rec.Entry.Index)
	}
	var data api.ExportRecord
	if err := json.Unmarshal(ev.Data, &data); err != nil {
		t.Fatalf("entry %d: data %s: %v", rec.Entry.Index, ev.Data, err)
	}
	if !reflect.DeepEqual(data, *rec) {
		t.Errorf("entry %d: data decodes to\n%+v\nwant the record\n%+v", rec.Entry.Index, data, *rec)
	}
}

func TestCloudEvent(t *testing.T) {
	base := records()[0]
	cases := []struct {
		name   string
		mutate func(*api.ExportRecord)
		noTime bool
	}{
		{"as is", func(*api.ExportRecord) {}, false},
		{"unparseable time is left out", func(r *api.ExportRecord) { r.Entry.Time = "yesterday" }, true},
		{"largest int32 index", func(r *api.ExportRecord) {
			r.Entry.Index, r.Proof.Index, r.Proof.TreeSize = math.MaxInt32-1, math.MaxInt32-1, math.MaxInt32
		}, false},
		{"index beyond int32", func(r *api.ExportRecord) {
			r.Entry.Index, r.Proof.Index, r.Proof.TreeSize = 1<<33, 1<<33, 1<<33+1
		}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base
			c.mutate(&r)
			b, err := export.CloudEvent(origin, &r)
			if err != nil {
				t.Fatal(err)
			}
			if bytes.ContainsRune(b, '\n') {
				t.Fatalf("event spans lines: %s", b)
			}
			if c.noTime {
				var m map[string]json.RawMessage
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				if _, ok := m["time"]; ok {
					t.Fatalf("event has a time for an unparseable entry time: %s", m["time"])
				}
				return
			}
			checkCloudEvent(t, b, &r)
		})
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	for _, format := range []string{"", "json", "JSONL", "cloudevent", "csv"} {
		t.Run(format, func(t *testing.T) {
			called := false
			src := func(context.Context, func(*api.ExportRecord) error) error { called = true; return nil }
			var buf bytes.Buffer
			n, err := export.Write(context.Background(), &buf, format, origin, src)
			if err == nil || !strings.Contains(err.Error(), "unknown format") {
				t.Fatalf("Write(%q) = %v, want an unknown format error", format, err)
			}
			if n != 0 || buf.Len() != 0 || called {
				t.Fatalf("Write(%q) wrote %d records (%d bytes), source called %v", format, n, buf.Len(), called)
			}
		})
	}
}

func TestWriteSourceError(t *testing.T) {
	boom := errors.New("store went away")
	recs := records()
	cases := []struct {
		name  string
		after int // records delivered before the failure
	}{
		{"immediately", 0},
		{"midway", 2},
	}
	for _, format := range []string{export.FormatJSONL, export.FormatCloudEvents} {
		for _, c := range cases {
			t.Run(format+"/"+c.name, func(t *testing.T) {
				src := func(ctx context.Context, fn func(*api.ExportRecord) error) error {
					for i := range c.after {
						if err := fn(&recs[i]); err != nil {
							return err
						}
					}
					return boom
				}
				n, err := export.Write(context.Background(), &bytes.Buffer{}, format, origin, src)
				if !errors.Is(err, boom) {
					t.Fatalf("Write = %v, want the source's error", err)
				}
				if n != int64(c.after) {
					t.Fatalf("Write counted %d records, want %d", n, c.after)
				}
			})
		}
	}
}

type failWriter struct{ err error }

func (f failWriter) Write([]byte) (int, error) { return 0, f.err }

func TestWriteWriterError(t *testing.T) {
	boom := errors.New("disk full")
	_, err := export.Write(context.Background(), failWriter{boom}, export.FormatJSONL, origin, sliceSource(records()))
	if !errors.Is(err, boom) {
		t.Fatalf("Write = %v, want the writer's error", err)
	}
}
