package config

import (
	"cmp"
	"slices"
	"strconv"
	"strings"
)

// Sources of a value, as recorded in FieldError.Source.
const (
	SourceFile     = "file"
	SourceOverride = "override"
	sourceEnvPref  = "env:"
)

// FieldError is one problem with one configuration value.
//
// Source says where the offending value came from: "file" (File, Line and
// Column locate it), "env:AGENTGOV_X" (the variable) or "override".
// Source is empty when the value is a default or when the error comes
// from Validate on a Config built in code.
type FieldError struct {
	File   string
	Line   int
	Column int
	// Field is the dotted path, e.g. "server.addr" or
	// "auth.tokens[1].role"; empty for problems with the file as a whole.
	Field   string
	Source  string
	Problem string
}

// Error renders the forms operators grep for:
//
//	FILE:LINE:COL: FIELD: PROBLEM
//	AGENTGOV_SERVER_ADDR: PROBLEM
//	override server.addr: PROBLEM
//	FIELD: PROBLEM
func (e *FieldError) Error() string {
	var b strings.Builder
	switch {
	case strings.HasPrefix(e.Source, sourceEnvPref):
		b.WriteString(strings.TrimPrefix(e.Source, sourceEnvPref))
		b.WriteString(": ")
		b.WriteString(e.Problem)
		return b.String()
	case e.Source == SourceOverride:
		b.WriteString("override ")
	case e.File != "" && e.Line > 0:
		b.WriteString(e.File)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(e.Column))
		b.WriteString(": ")
	case e.File != "":
		b.WriteString(e.File)
		b.WriteString(": ")
	}
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	b.WriteString(e.Problem)
	return b.String()
}

// EnvVar returns the variable of an env-sourced error, or "".
func (e *FieldError) EnvVar() string {
	v, ok := strings.CutPrefix(e.Source, sourceEnvPref)
	if !ok {
		return ""
	}
	return v
}

// Errors is every problem found in one Load or Validate, file problems
// first in line order, then environment, then overrides. errors.As with a
// *FieldError target finds the first one.
type Errors []*FieldError

func (es Errors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

// Unwrap exposes the individual errors to errors.Is and errors.As.
func (es Errors) Unwrap() []error {
	out := make([]error, len(es))
	for i, e := range es {
		out[i] = e
	}
	return out
}

func (es Errors) sort() {
	rank := func(e *FieldError) int {
		switch {
		case e.Source == SourceFile || (e.Source == "" && e.File != ""):
			return 0
		case strings.HasPrefix(e.Source, sourceEnvPref):
			return 1
		case e.Source == SourceOverride:
			return 2
		}
		return 3
	}
	slices.SortStableFunc(es, func(a, b *FieldError) int {
		return cmp.Or(
			cmp.Compare(rank(a), rank(b)),
			cmp.Compare(a.Line, b.Line),
			cmp.Compare(a.Column, b.Column),
			cmp.Compare(a.Source, b.Source),
		)
	})
}

// asError avoids the typed-nil trap of returning an empty Errors as error.
func (es Errors) asError() error {
	if len(es) == 0 {
		return nil
	}
	es.sort()
	return es
}
