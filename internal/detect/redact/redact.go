// Package redact replaces what detectors found: personal data, secrets.
//
// Strategies:
//
//	mask  every character (rune) of the span becomes one '*': the text
//	      keeps its length in characters, not in bytes ("José" → "****"),
//	      so layouts survive while no byte of the value does.
//	tag   the span becomes <TYPE>, e.g. <EMAIL_ADDRESS>.
//	hash  the span becomes <TYPE:hhhhhhhh>, the first 8 hex digits (32 bits)
//	      of HMAC-SHA256 over the value under a per-deployment
//	      pseudonymisation key: the same value (after light per-type
//	      canonicalisation: separators dropped from numbers, e-mail lower
//	      case) always gives the same pseudonym under one key, so records
//	      can still be joined, but it cannot be reversed without the key
//	      (and brute-forcing a low-entropy value needs the key too). The
//	      key protects privacy, not integrity. 32 bits keep tags short;
//	      two values collide with probability 2^-32 per pair.
//	drop  the span is removed.
//
// Redaction is span-exact on UTF-8: it works on the byte spans of the
// findings, which must lie inside the text and on rune boundaries (an
// error otherwise — a redactor must fail closed, never guess). Overlapping
// and adjacent findings are merged into one region, replaced once, with
// the type of the member with the highest severity, then the widest span,
// then the smallest type name.
//
// Redacting redacted text changes nothing: the tags match the grammar in
// tag.go, which the pii and secrets detectors skip (a tag is never a
// finding and never lends its name as context), and they treat tags and
// masks as words, so neither joins a neighbour into something new. Two
// limits remain. Drop removes text, and the neighbours it joins can form a
// new candidate. And a redacted value can have been the context word that
// held a neighbour back (a name that reads like "SN", serial number, next to
// an SSN-shaped number); a second pass may then redact more, never less.
package redact

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
)

// Strategy says how a span is replaced.
type Strategy string

// Strategies.
const (
	Mask Strategy = "mask"
	Tag  Strategy = "tag"
	Hash Strategy = "hash"
	Drop Strategy = "drop"
)

// Valid reports whether s is one of the strategies.
func (s Strategy) Valid() bool {
	switch s {
	case Mask, Tag, Hash, Drop:
		return true
	}
	return false
}

// MinKeyBytes is the shortest pseudonymisation key accepted.
const MinKeyBytes = 16

// hashDigits is the number of hex digits of the HMAC in a hash tag.
const hashDigits = 8

// ErrBadSpan is returned for a finding whose span is outside the text or
// not on rune boundaries.
var ErrBadSpan = errors.New("redact: finding span outside the text or not on a rune boundary")

// Options configure a Redactor.
type Options struct {
	// Strategy applies to every type without an override (zero: Tag).
	Strategy Strategy
	// PerType overrides the strategy for some finding types.
	PerType map[string]Strategy
	// Key is the pseudonymisation key, required (≥ MinKeyBytes) when any
	// strategy is Hash.
	Key []byte
}

// Redactor replaces findings in text. It is immutable and safe for
// concurrent use.
type Redactor struct {
	def     Strategy
	perType map[string]Strategy
	key     []byte
}

// New returns a Redactor for opts.
func New(opts Options) (*Redactor, error) {
	r := &Redactor{def: opts.Strategy, perType: map[string]Strategy{}}
	if r.def == "" {
		r.def = Tag
	}
	needKey := r.def == Hash
	if !r.def.Valid() {
		return nil, fmt.Errorf("redact: unknown strategy %q", r.def)
	}
	for typ, s := range opts.PerType {
		if !s.Valid() {
			return nil, fmt.Errorf("redact: unknown strategy %q for %s", s, typ)
		}
		r.perType[typ] = s
		needKey = needKey || s == Hash
	}
	if needKey && len(opts.Key) < MinKeyBytes {
		return nil, fmt.Errorf("redact: the hash strategy needs a pseudonymisation key of at least %d bytes", MinKeyBytes)
	}
	r.key = slices.Clone(opts.Key)
	return r, nil
}

func (r *Redactor) strategy(typ string) Strategy {
	if s, ok := r.perType[typ]; ok {
		return s
	}
	return r.def
}

// region is a merged run of overlapping or adjacent findings.
type region struct {
	start, end int
	rep        detect.Finding // the member that names the region
}

// merge validates the spans and merges overlapping and adjacent findings.
func merge(text string, findings []detect.Finding) ([]region, error) {
	fs := slices.Clone(findings)
	offsets := make([]int, 0, 2*len(fs))
	for _, f := range fs {
		if f.Start >= f.End {
			return nil, fmt.Errorf("%w: %s [%d,%d) is empty", ErrBadSpan, f.Type, f.Start, f.End)
		}
		offsets = append(offsets, f.Start, f.End)
	}
	if !OnRuneBoundaries(text, offsets...) {
		for _, f := range fs {
			if !OnRuneBoundaries(text, f.Start, f.End) {
				return nil, fmt.Errorf("%w: %s [%d,%d) in %d bytes", ErrBadSpan, f.Type, f.Start, f.End, len(text))
			}
		}
	}
	slices.SortFunc(fs, func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return b.End - a.End
	})
	var out []region
	for _, f := range fs {
		if n := len(out); n > 0 && f.Start <= out[n-1].end {
			g := &out[n-1]
			g.end = max(g.end, f.End)
			if better(f, g.rep) {
				g.rep = f
			}
			continue
		}
		out = append(out, region{f.Start, f.End, f})
	}
	return out, nil
}

// better orders the members of a region: higher severity, then wider, then
// smaller type name.
func better(a, b detect.Finding) bool {
	if ra, rb := a.Severity.Rank(), b.Severity.Rank(); ra != rb {
		return ra > rb
	}
	if la, lb := a.End-a.Start, b.End-b.Start; la != lb {
		return la > lb
	}
	return a.Type < b.Type
}

// Redact returns text with every finding replaced by its type's strategy.
func (r *Redactor) Redact(text string, findings []detect.Finding) (string, error) {
	if len(findings) == 0 {
		return text, nil
	}
	regions, err := merge(text, findings)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(len(text))
	last := 0
	for _, g := range regions {
		b.WriteString(text[last:g.start])
		r.replace(&b, g.rep.Type, text[g.start:g.end])
		last = g.end
	}
	b.WriteString(text[last:])
	return b.String(), nil
}

func (r *Redactor) replace(b *strings.Builder, typ, value string) {
	switch r.strategy(typ) {
	case Mask:
		for range utf8.RuneCountInString(value) {
			b.WriteByte('*')
		}
	case Tag:
		b.WriteByte('<')
		b.WriteString(tagName(typ))
		b.WriteByte('>')
	case Hash:
		b.WriteByte('<')
		b.WriteString(tagName(typ))
		b.WriteByte(':')
		b.WriteString(r.Pseudonym(typ, value))
		b.WriteByte('>')
	case Drop:
	}
}

// Pseudonym returns the hash strategy's digest for value of type typ: the
// first 8 hex digits of HMAC-SHA256(key, canonical value). It is empty when
// the Redactor has no key.
func (r *Redactor) Pseudonym(typ, value string) string {
	if len(r.key) == 0 {
		return ""
	}
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(canonical(typ, value)))
	sum := m.Sum(nil)
	return hex.EncodeToString(sum[:hashDigits/2])
}

// canonical normalises a value so that its usual spellings pseudonymise
// alike: separators are dropped from numbers and codes, e-mail addresses
// are lower-cased.
func canonical(typ, value string) string {
	switch typ {
	case "CREDIT_CARD", "US_SSN", "US_ITIN", "UK_NHS", "PHONE_NUMBER", "IBAN_CODE", "UK_NINO", "US_PASSPORT", "US_DRIVER_LICENSE":
		var b strings.Builder
		for _, c := range value {
			switch c {
			case ' ', '-', '.', '(', ')', '/', '\u00a0', '\u202f':
				continue
			}
			b.WriteRune(c)
		}
		return strings.ToUpper(b.String())
	case "EMAIL_ADDRESS":
		return strings.ToLower(value)
	}
	return value
}

// tagName turns a finding type into a tag name of the grammar in tag.go:
// upper case, [A-Z0-9_], starting with a letter, at most 64 bytes.
func tagName(typ string) string {
	var b strings.Builder
	for i := 0; i < len(typ) && b.Len() < maxTagName; i++ {
		c := typ[i]
		switch {
		case c >= 'a' && c <= 'z':
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_':
		default:
			c = '_'
		}
		if b.Len() == 0 && !(c >= 'A' && c <= 'Z') {
			b.WriteString("X_")
		}
		b.WriteByte(c)
	}
	if b.Len() == 0 {
		return "REDACTED"
	}
	s := b.String()
	if len(s) > maxTagName {
		s = s[:maxTagName]
	}
	return s
}

// Text runs the detectors on text and redacts what they found. It returns
// the redacted text and the findings (offsets into the original text).
func (r *Redactor) Text(ctx context.Context, text string, dets []detect.Detector, src detect.Source) (string, []detect.Finding, error) {
	var all []detect.Finding
	for _, d := range dets {
		res, err := d.Detect(ctx, detect.Input{Text: text, Source: src})
		if err != nil {
			return "", nil, fmt.Errorf("redact: detector %s: %w", d.Name(), err)
		}
		all = append(all, res.Findings...)
	}
	out, err := r.Redact(text, all)
	if err != nil {
		return "", nil, err
	}
	slices.SortFunc(all, func(a, b detect.Finding) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return a.End - b.End
	})
	return out, all, nil
}
