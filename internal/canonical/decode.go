package canonical

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Decode parses the JSON text in src (exactly one JSON value, optional
// surrounding whitespace) into Go values — nil, bool, json.Number (the
// number as written), string, []any and map[string]any — accepting
// exactly the documents Append accepts: no duplicate keys, valid UTF-8,
// no lone surrogates, finite numbers, nesting and size within lim. A
// caller that decodes with Decode and hashes with AppendValue therefore
// reads and commits to the same document, with one parse.
func Decode(src []byte, lim Limits) (any, error) {
	if max := lim.maxBytes(); len(src) > max {
		return nil, &Error{Offset: max, Reason: fmt.Sprintf("input is %d bytes, exceeds limit of %d", len(src), max)}
	}
	// Strings without escapes and numbers are cut from one copy of the
	// document rather than allocated one by one.
	p := parser{src: src, doc: string(src), maxDepth: lim.maxDepth()}
	v, err := p.decodeValue()
	if err == nil {
		p.skipWS()
		if p.pos < len(src) {
			err = p.errorf(p.pos, "unexpected %s after top-level value", describeByte(src[p.pos]))
		}
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (e *Error) underName(key string) *Error {
	e.Path = "/" + jsonpointer.Escape(key) + e.Path
	return e
}

func (p *parser) decodeValue() (any, *Error) {
	p.skipWS()
	if p.pos >= len(p.src) {
		return nil, p.errorf(p.pos, "unexpected end of input, expected a value")
	}
	switch c := p.src[p.pos]; {
	case c == '"':
		return p.decodeString()
	case c == '{':
		return p.decodeObject()
	case c == '[':
		return p.decodeArray()
	case c == '-' || (c >= '0' && c <= '9'):
		start := p.pos
		// The canonical form is only a check here (a finite double); the
		// value keeps the number as it was written.
		var scratch [32]byte
		if _, err := p.number(scratch[:0]); err != nil {
			return nil, err
		}
		return json.Number(p.doc[start:p.pos]), nil
	case c == 't':
		return true, p.expect("true")
	case c == 'f':
		return false, p.expect("false")
	case c == 'n':
		return nil, p.expect("null")
	default:
		return nil, p.errorf(p.pos, "unexpected %s, expected a value", describeByte(c))
	}
}

// expect consumes the literal lit (what literal does, without output).
func (p *parser) expect(lit string) *Error {
	if len(p.src)-p.pos < len(lit) || string(p.src[p.pos:p.pos+len(lit)]) != lit {
		return p.errorf(p.pos, "invalid literal, expected %q", lit)
	}
	p.pos += len(lit)
	return nil
}

func (p *parser) decodeArray() (any, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	// Elements gather on the stack and the array is allocated once, at
	// its final length.
	var first [8]any
	elems := first[:0]
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == ']' {
		p.pos++
		p.depth--
		return []any{}, nil
	}
	for i := 0; ; i++ {
		v, err := p.decodeValue()
		if err != nil {
			return nil, err.underIndex(i)
		}
		elems = append(elems, v)
		more, err := p.more(']', "array element")
		if err != nil {
			return nil, err
		}
		if !more {
			p.depth--
			return append(make([]any, 0, len(elems)), elems...), nil
		}
	}
}

func (p *parser) decodeObject() (any, *Error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	p.pos++
	out := map[string]any{}
	p.skipWS()
	if p.pos < len(p.src) && p.src[p.pos] == '}' {
		p.pos++
		p.depth--
		return out, nil
	}
	for {
		if err := p.keyStart(); err != nil {
			return nil, err
		}
		keyOff := p.pos
		key, err := p.decodeString()
		if err != nil {
			return nil, err
		}
		// Keys are compared decoded, which is what comparing their
		// canonical forms amounts to: canonical escaping is injective.
		if _, dup := out[key]; dup {
			return nil, p.errorf(keyOff, "duplicate object key %q", key).underName(key)
		}
		if err := p.colon(); err != nil {
			return nil, err.underName(key)
		}
		v, err := p.decodeValue()
		if err != nil {
			return nil, err.underName(key)
		}
		out[key] = v
		more, err := p.more('}', "object member")
		if err != nil {
			return nil, err
		}
		if !more {
			p.depth--
			return out, nil
		}
	}
}

// decodeString parses the string at src[pos] into its value. A string
// without escapes, the common case, is a substring of the document.
func (p *parser) decodeString() (string, *Error) {
	src := p.src
	start := p.pos + 1
	i := start
	for i < len(src) {
		c := src[i]
		if c < utf8.RuneSelf {
			if c == '"' {
				p.pos = i + 1
				return p.doc[start:i], nil
			}
			if c < 0x20 || c == '\\' {
				break
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && size == 1 {
			return "", p.errorf(i, "invalid UTF-8 byte 0x%02x in string", c)
		}
		i += size
	}
	// Escapes (or an error): decode into a buffer from where the plain
	// prefix ends.
	buf := append([]byte(nil), src[start:i]...)
	for {
		if i >= len(src) {
			return "", p.errorf(i, "unexpected end of input in string")
		}
		c := src[i]
		switch {
		case c == '"':
			p.pos = i + 1
			return string(buf), nil
		case c < 0x20:
			return "", p.errorf(i, "unescaped control character U+%04X in string", c)
		case c == '\\':
			r, n, err := p.escape(i)
			if err != nil {
				return "", err
			}
			buf = utf8.AppendRune(buf, r)
			i += n
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRune(src[i:])
			if r == utf8.RuneError && size == 1 {
				return "", p.errorf(i, "invalid UTF-8 byte 0x%02x in string", c)
			}
			buf = append(buf, src[i:i+size]...)
			i += size
		}
	}
}
