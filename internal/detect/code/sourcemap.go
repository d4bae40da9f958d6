package code

import (
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"unicode/utf8"
)

// A source map (version 3) decoder, just enough to map positions in
// esbuild's output back to the original text. Columns in source maps are
// UTF-16 code units; offsets here are UTF-8 bytes, so both texts keep a
// line index and convert.

type smSegment struct {
	genCol, origLine, origCol int // 0-based; columns in UTF-16 units
}

type sourceMap struct {
	lines [][]smSegment // by generated line
	gen   *lineIndex
	orig  *lineIndex
}

// lineIndex converts between byte offsets and (line, UTF-16 column).
type lineIndex struct {
	text   string
	starts []int
}

func newLineIndex(text string) *lineIndex {
	li := &lineIndex{text: text, starts: []int{0}}
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// pos returns the line and UTF-16 column of a byte offset.
func (li *lineIndex) pos(off int) (int, int) {
	off = min(max(off, 0), len(li.text))
	line := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	col := 0
	for _, r := range li.text[li.starts[line]:off] {
		col++
		if r >= 0x10000 {
			col++
		}
	}
	return line, col
}

// offset returns the byte offset of a line and UTF-16 column.
func (li *lineIndex) offset(line, col int) int {
	if line < 0 {
		return 0
	}
	if line >= len(li.starts) {
		return len(li.text)
	}
	off := li.starts[line]
	for col > 0 && off < len(li.text) && li.text[off] != '\n' {
		r, n := utf8.DecodeRuneInString(li.text[off:])
		off += n
		col--
		if r >= 0x10000 {
			col--
		}
	}
	return off
}

// parseSourceMap decodes the mappings of a source map.
func parseSourceMap(data []byte, gen, orig string) (*sourceMap, error) {
	var raw struct {
		Mappings string `json:"mappings"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	sm := &sourceMap{gen: newLineIndex(gen), orig: newLineIndex(orig)}
	var origLine, origCol, src, name int
	for _, line := range strings.Split(raw.Mappings, ";") {
		var segs []smSegment
		genCol := 0
		for _, seg := range strings.Split(line, ",") {
			if seg == "" {
				continue
			}
			v, err := decodeVLQ(seg)
			if err != nil {
				return nil, err
			}
			genCol += v[0]
			if len(v) >= 4 {
				src += v[1]
				origLine += v[2]
				origCol += v[3]
				if len(v) >= 5 {
					name += v[4]
				}
				segs = append(segs, smSegment{genCol: genCol, origLine: origLine, origCol: origCol})
			}
		}
		sm.lines = append(sm.lines, segs)
	}
	return sm, nil
}

var errVLQ = errors.New("sourcemap: bad VLQ")

const vlqChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

func decodeVLQ(s string) ([]int, error) {
	var out []int
	shift, value := 0, 0
	for i := 0; i < len(s); i++ {
		d := strings.IndexByte(vlqChars, s[i])
		if d < 0 || shift > 30 {
			return nil, errVLQ
		}
		value += (d & 31) << shift
		if d&32 != 0 {
			shift += 5
			continue
		}
		if value&1 != 0 {
			out = append(out, -(value >> 1))
		} else {
			out = append(out, value>>1)
		}
		shift, value = 0, 0
	}
	if shift != 0 {
		return nil, errVLQ
	}
	return out, nil
}

// segmentAt finds the mapping segment at or before a generated offset and
// returns its generated and original byte offsets.
func (sm *sourceMap) segmentAt(genOff int) (gen, orig int, ok bool) {
	line, col := sm.gen.pos(genOff)
	for l := min(line, len(sm.lines)-1); l >= 0; l-- {
		segs := sm.lines[l]
		i := len(segs) - 1
		if l == line {
			i = sort.Search(len(segs), func(i int) bool { return segs[i].genCol > col }) - 1
		}
		if i >= 0 {
			s := segs[i]
			return sm.gen.offset(l, s.genCol), sm.orig.offset(s.origLine, s.origCol), true
		}
	}
	return 0, 0, false
}

// toOriginal maps a generated offset to the original text: the segment's
// original position, plus the distance from the segment when the text in
// between is the same in both (esbuild copies identifiers, strings and
// most punctuation verbatim).
func (sm *sourceMap) toOriginal(genOff int) (int, bool) {
	g, o, ok := sm.segmentAt(genOff)
	if !ok {
		return 0, false
	}
	d := genOff - g
	if d > 0 && o+d <= len(sm.orig.text) && sm.gen.text[g:genOff] == sm.orig.text[o:o+d] {
		return o + d, true
	}
	return o, d == 0
}

// span maps a generated span to the original text.
func (sm *sourceMap) span(s, e int) (int, int) {
	os, _ := sm.toOriginal(s)
	if e <= s {
		return os, os
	}
	last, exact := sm.toOriginal(e - 1)
	oe := last + 1
	if !exact {
		oe = lineEnd(sm.orig.text, last)
	}
	if oe <= os {
		oe = lineEnd(sm.orig.text, os)
	}
	n := len(sm.orig.text)
	return min(os, n), min(max(oe, os), n)
}
