// Package strictjson reads request documents the one way agentgov accepts
// them. Vet runs the canonical parser over the bytes first, which refuses
// duplicate keys, invalid UTF-8 and excessive nesting — a security product
// must not let two parsers disagree about what a request said — and
// Decode then maps the document onto a Go value, refusing unknown members
// and naming the member at fault in every error.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/agentgov/agentgov/internal/canonical"
)

// Error is a document that cannot be accepted. Field names the member at
// fault as a dotted path ("snapshot", "requests[2].agent"); empty means the
// document as a whole.
type Error struct {
	Field, Problem string
}

func (e *Error) Error() string {
	if e.Field == "" {
		return e.Problem
	}
	return e.Field + ": " + e.Problem
}

// Vet checks that raw is one well-formed JSON document of at most
// maxBytes with no duplicate keys, valid UTF-8 and bounded nesting.
func Vet(raw []byte, maxBytes int) error {
	if len(bytes.TrimSpace(raw)) == 0 {
		return &Error{Problem: "the document is empty; send a JSON object"}
	}
	if _, err := canonical.Append(nil, raw, canonical.Limits{MaxBytes: maxBytes}); err != nil {
		return vetError(err)
	}
	return nil
}

func vetError(err error) *Error {
	var ce *canonical.Error
	if errors.As(err, &ce) && ce.Path != "" {
		return &Error{Field: strings.TrimPrefix(ce.Path, "/"), Problem: ce.Reason}
	}
	return &Error{Problem: "malformed JSON: " + err.Error()}
}

// Object vets raw (as Vet does) and decodes it, in the same single pass,
// into the JSON object it must be, numbers kept as json.Number.
func Object(raw []byte, maxBytes int) (map[string]any, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &Error{Problem: "the document is empty; send a JSON object"}
	}
	v, err := canonical.Decode(raw, canonical.Limits{MaxBytes: maxBytes})
	if err != nil {
		return nil, vetError(err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &Error{Problem: "must be a JSON object, not " + TypeName(v)}
	}
	return m, nil
}

// Errorf is the error about member field of a document whose members are
// named with prefix (e.g. "requests[3]."); an empty field names the
// document itself.
func Errorf(prefix, field, format string, args ...any) *Error {
	return &Error{Field: strings.TrimSuffix(prefix+field, "."), Problem: fmt.Sprintf(format, args...)}
}

// TypeName names the JSON type of a decoded value as errors do.
func TypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "bool"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// Decode maps raw onto v, refusing unknown members and trailing data.
// With useNumber, numbers stay json.Number so that digests and policies
// see them exactly as written. prefix is put before member names in
// errors (e.g. "requests[3].").
func Decode(raw []byte, v any, useNumber bool, prefix string) error {
	bad := func(field, format string, args ...any) error { return Errorf(prefix, field, format, args...) }
	dec := json.NewDecoder(bytes.NewReader(raw))
	if useNumber {
		dec.UseNumber()
	}
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &te) && te.Field != "":
			return bad(te.Field, "must be %s, not %s", kind(te.Type.Kind().String()), te.Value)
		case errors.As(err, &te):
			return bad("", "must be a JSON object, not %s", te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return bad(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`), "is not a known field")
		}
		return bad("", "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return bad("", "trailing data after the document")
	}
	return nil
}

// kind names a Go kind as the JSON type a member must have.
func kind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "map", "struct", "ptr":
		return "an object"
	case "slice", "array":
		return "an array"
	case "bool":
		return "true or false"
	}
	return "a number"
}
