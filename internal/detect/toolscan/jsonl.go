package toolscan

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/agentgov/agentgov/internal/detect"
	jsonlines "github.com/agentgov/agentgov/internal/detect/scan"
)

// Record is one line of `agentgov scan --detector mcp`:
//
//	{"id": str, "server": str, "tools": [{"name","description","inputSchema"}],
//	 "instructions": str,                             (optional)
//	 "prompts": [...], "resources": [...],            (optional)
//	 "baseline": [tools previously approved],          (optional)
//	 "other_servers": [{"server", "tools"}]}           (optional)
//
// Other members are ignored.
type Record struct {
	ID          string
	Input       Input
	HasBaseline bool
}

// DecodeRecord decodes and validates one line. On error it returns the
// record's id when one could be read, so that the failure line names it.
func DecodeRecord(line []byte) (Record, *string, error) {
	t := bytes.TrimSpace(line)
	if len(t) == 0 {
		return Record{}, nil, fmt.Errorf("empty line")
	}
	if t[0] != '{' {
		return Record{}, nil, fmt.Errorf("not a JSON object")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(t, &raw); err != nil {
		return Record{}, nil, fmt.Errorf("invalid JSON: %v", err)
	}
	var rec Record
	idRaw, ok := raw["id"]
	if !ok {
		return Record{}, nil, fmt.Errorf(`missing field "id"`)
	}
	if err := json.Unmarshal(idRaw, &rec.ID); err != nil || isNull(idRaw) {
		return Record{}, nil, fmt.Errorf(`field "id" must be a string`)
	}
	id := &rec.ID
	if v, ok := raw["server"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &rec.Input.Server); err != nil {
			return Record{}, id, fmt.Errorf(`field "server" must be a string`)
		}
	}
	v, ok := raw["tools"]
	if !ok || isNull(v) {
		return Record{}, id, fmt.Errorf(`missing field "tools"`)
	}
	var err error
	if rec.Input.Tools, err = decodeTools(v, "tools"); err != nil {
		return Record{}, id, err
	}
	if v, ok := raw["baseline"]; ok && !isNull(v) {
		if rec.Input.Baseline, err = decodeTools(v, "baseline"); err != nil {
			return Record{}, id, err
		}
		if rec.Input.Baseline == nil {
			rec.Input.Baseline = []Tool{}
		}
		rec.HasBaseline = true
	}
	if v, ok := raw["other_servers"]; ok && !isNull(v) {
		var arr []json.RawMessage
		if err := json.Unmarshal(v, &arr); err != nil {
			return Record{}, id, fmt.Errorf(`field "other_servers" must be an array of {"server", "tools"} objects`)
		}
		for i, e := range arr {
			var o map[string]json.RawMessage
			if err := json.Unmarshal(e, &o); err != nil || o == nil {
				return Record{}, id, fmt.Errorf(`field "other_servers[%d]" must be an object`, i)
			}
			var srv Server
			if sv, ok := o["server"]; ok && !isNull(sv) {
				if err := json.Unmarshal(sv, &srv.Server); err != nil {
					return Record{}, id, fmt.Errorf(`field "other_servers[%d].server" must be a string`, i)
				}
			}
			if tv, ok := o["tools"]; ok && !isNull(tv) {
				if srv.Tools, err = decodeTools(tv, fmt.Sprintf("other_servers[%d].tools", i)); err != nil {
					return Record{}, id, err
				}
			}
			rec.Input.OtherServers = append(rec.Input.OtherServers, srv)
		}
	}
	if v, ok := raw["instructions"]; ok && !isNull(v) {
		if err := json.Unmarshal(v, &rec.Input.Instructions); err != nil {
			return Record{}, id, fmt.Errorf(`field "instructions" must be a string`)
		}
	}
	if v, ok := raw["prompts"]; ok && !isNull(v) {
		if err := decodeStrict(v, &rec.Input.Prompts); err != nil {
			return Record{}, id, fmt.Errorf(`field "prompts" must be an array of prompts: %v`, err)
		}
	}
	if v, ok := raw["resources"]; ok && !isNull(v) {
		if err := decodeStrict(v, &rec.Input.Resources); err != nil {
			return Record{}, id, fmt.Errorf(`field "resources" must be an array of resources: %v`, err)
		}
	}
	return rec, id, nil
}

func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	return dec.Decode(v)
}

func decodeTools(v json.RawMessage, field string) ([]Tool, error) {
	var arr []json.RawMessage
	if err := json.Unmarshal(v, &arr); err != nil {
		return nil, fmt.Errorf("field %q must be an array of tools", field)
	}
	out := make([]Tool, 0, len(arr))
	for i, e := range arr {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(e, &m); err != nil || m == nil {
			return nil, fmt.Errorf("field \"%s[%d]\" must be an object", field, i)
		}
		var t Tool
		nv, ok := m["name"]
		if !ok {
			return nil, fmt.Errorf("field \"%s[%d].name\" is missing", field, i)
		}
		if err := json.Unmarshal(nv, &t.Name); err != nil || isNull(nv) || t.Name == "" {
			return nil, fmt.Errorf("field \"%s[%d].name\" must be a non-empty string", field, i)
		}
		for _, k := range []struct {
			key string
			dst *string
		}{{"description", &t.Description}, {"title", &t.Title}} {
			if sv, ok := m[k.key]; ok && !isNull(sv) {
				if err := json.Unmarshal(sv, k.dst); err != nil {
					return nil, fmt.Errorf("field \"%s[%d].%s\" must be a string", field, i, k.key)
				}
			}
		}
		for _, k := range []struct {
			key string
			dst *any
		}{{"inputSchema", &t.InputSchema}, {"outputSchema", &t.OutputSchema}} {
			sv, ok := m[k.key]
			if !ok || isNull(sv) {
				continue
			}
			var sch any
			if err := decodeStrict(sv, &sch); err != nil {
				return nil, fmt.Errorf("field \"%s[%d].%s\": %v", field, i, k.key, err)
			}
			if _, ok := sch.(map[string]any); !ok {
				return nil, fmt.Errorf("field \"%s[%d].%s\" must be a JSON Schema object", field, i, k.key)
			}
			*k.dst = sch
		}
		if av, ok := m["annotations"]; ok && !isNull(av) {
			if err := decodeStrict(av, &t.Annotations); err != nil {
				return nil, fmt.Errorf("field \"%s[%d].annotations\" must be an object", field, i)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// Result is one output line.
type Result struct {
	ID       string    `json:"id"`
	Flagged  bool      `json:"flagged"`
	Score    float64   `json:"score"`
	Findings []Finding `json:"findings"`
}

// FlagSeverity is the severity at which the default profile blocks a
// server: a result is flagged when any finding reaches it.
const FlagSeverity = detect.High

// Run implements `agentgov scan --detector mcp`: one Result (or failure)
// per input line, in order. It returns nil once r is read to its end.
func (s *Scanner) Run(ctx context.Context, r io.Reader, w io.Writer) error {
	return jsonlines.RunRecords(ctx, r, w, func(ctx context.Context, line []byte) any {
		rec, id, err := DecodeRecord(line)
		if err != nil {
			return jsonlines.Failure(id, err.Error())
		}
		fs, err := s.Scan(ctx, rec.Input)
		if err != nil {
			return jsonlines.Failure(id, err.Error())
		}
		return Result{ID: rec.ID, Flagged: Flagged(fs, FlagSeverity), Score: Score(fs), Findings: fs}
	})
}
