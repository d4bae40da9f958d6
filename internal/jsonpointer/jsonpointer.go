// Package jsonpointer builds RFC 6901 JSON Pointers, the one way agentgov
// names a place inside a JSON value (in findings, errors and audit
// entries).
package jsonpointer

import "strings"

var escaper = strings.NewReplacer("~", "~0", "/", "~1")

// Escape escapes one reference token: "~" becomes "~0" and "/" "~1".
func Escape(token string) string {
	if !strings.ContainsAny(token, "~/") {
		return token
	}
	return escaper.Replace(token)
}

// Append returns the pointer to member token of the value at ptr.
func Append(ptr, token string) string {
	return ptr + "/" + Escape(token)
}
