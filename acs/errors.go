package acs

import (
	"fmt"
	"strings"
)

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Problem is one thing wrong with a manifest.
type Problem struct {
	// File is the manifest file or URL the offending entry came from, when
	// known.
	File string
	// Path is the JSON path of the offending value in the merged manifest,
	// e.g. "intervention_points.input.policy_target" ("" for the document).
	Path    string
	Reason  string
	Message string
}

func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

func errorf(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Message: fmt.Sprintf(format, args...)}
}
