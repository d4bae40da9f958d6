// Package jsonplain encodes JSON for machines rather than web pages:
// without the HTML escaping encoding/json applies by default, so that a
// redaction marker such as "<EMAIL_ADDRESS>" or an argument holding "&"
// reaches its reader as written.
package jsonplain

import (
	"bytes"
	"encoding/json"
)

// Marshal is json.Marshal without HTML escaping (and without the newline
// an Encoder adds).
func Marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}
