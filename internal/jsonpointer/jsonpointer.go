// Package jsonpointer builds RFC 6901 JSON Pointers, the one way agentgov
// names a place inside a JSON value (in findings, errors and audit
// entries).
package jsonpointer

import "strings"

var (
	escaper   = strings.NewReplacer("~", "~0", "/", "~1")
	unescaper = strings.NewReplacer("~1", "/", "~0", "~")
)

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

// Unescape undoes Escape on one reference token. Each "~" pair is read
// once, left to right, so "~01" is "~1" and not "/" (RFC 6901 §4).
func Unescape(token string) string {
	if !strings.Contains(token, "~") {
		return token
	}
	return unescaper.Replace(token)
}
