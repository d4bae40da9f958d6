package detecttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// A labelled split lives in the package's testdata/ directory twice: as
// markup, <split>.txt, where an entity is written [[TYPE|value]] and
// documents are separated by a line "%%%" (a first line starting with "%%"
// is a comment), and as JSONL generated from it, <split>.jsonl, one Row a
// line, checked in so that `agentgov scan` and other tools can read it.

// Span is one labelled entity: a type and UTF-8 byte offsets, End
// exclusive.
type Span struct {
	Type  string `json:"type"`
	Start int    `json:"start"`
	End   int    `json:"end"`
}

// Row is one labelled document.
type Row struct {
	Text     string `json:"text"`
	Entities []Span `json:"entities"`
}

// ParseMarkup turns a markup file into rows.
func ParseMarkup(src string) ([]Row, error) {
	if strings.HasPrefix(src, "%%") {
		if i := strings.IndexByte(src, '\n'); i >= 0 {
			src = src[i+1:]
		}
	}
	var rows []Row
	for n, doc := range strings.Split(strings.TrimRight(src, "\n"), "\n%%%\n") {
		var b strings.Builder
		row := Row{Entities: []Span{}}
		for {
			i := strings.Index(doc, "[[")
			if i < 0 {
				b.WriteString(doc)
				break
			}
			for i+2 < len(doc) && doc[i+2] == '[' {
				i++ // "[[[TYPE|v]]]": the first '[' is text
			}
			b.WriteString(doc[:i])
			rest := doc[i+2:]
			bar := strings.IndexByte(rest, '|')
			end := strings.Index(rest, "]]")
			if bar < 0 || end < bar {
				return nil, fmt.Errorf("document %d: bad markup near %q", n, doc[i:min(len(doc), i+40)])
			}
			typ, val := rest[:bar], rest[bar+1:end]
			start := b.Len()
			b.WriteString(val)
			row.Entities = append(row.Entities, Span{typ, start, b.Len()})
			doc = rest[end+2:]
		}
		row.Text = b.String()
		rows = append(rows, row)
	}
	return rows, nil
}

// EncodeJSONL renders rows as JSON Lines, the checked-in form of a split.
func EncodeJSONL(rows []Row) []byte {
	var buf bytes.Buffer
	for _, r := range rows {
		b, err := json.Marshal(r)
		if err != nil {
			panic(err)
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes()
}
