package injection

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"io"
	"strings"

	"github.com/agentgov/agentgov/internal/textnorm"
)

// CanaryPrefix starts every canary: easy to search for in logs, and
// unlikely to occur by chance together with the 26 random characters that
// follow it.
const CanaryPrefix = "agc-"

var canaryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// MintCanary returns a fresh canary token: CanaryPrefix followed by the
// lower-case base32 of 16 bytes from r (crypto/rand when r is nil), 128
// bits that an attacker cannot guess. Plant it in the system prompt of one
// session and pass it in detect.Input.Canaries: any appearance in model
// output or tool arguments proves the system prompt leaked.
func MintCanary(r io.Reader) (string, error) {
	if r == nil {
		r = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return "", fmt.Errorf("prompt-injection: minting canary: %w", err)
	}
	return CanaryPrefix + strings.ToLower(canaryEncoding.EncodeToString(b[:])), nil
}

// NewCanary is MintCanary for readers that cannot fail (crypto/rand); it
// panics if r fails, since a session without its canary must not start.
func NewCanary(r io.Reader) string {
	c, err := MintCanary(r)
	if err != nil {
		panic(err)
	}
	return c
}

// minCanary is the shortest canary (after canonicalisation) searched for:
// shorter tokens would match ordinary text.
const minCanary = 12

// canonicalCanary keeps the ASCII letters and digits of a canary, lower
// case: the same reduction is applied to the text, so a canary split by
// spaces, dots, zero-width characters, written in fullwidth or look-alike
// letters, or upper-cased is still found.
func canonicalCanary(c string) string {
	t := textnorm.Normalize(c, textnorm.Options{MaxDepth: -1, NoCompact: true})
	var b strings.Builder
	for i := 0; i < len(t.Base.Text); i++ {
		if ch := t.Base.Text[i]; isWordByte(ch) {
			b.WriteByte(ch)
		}
	}
	return b.String()
}

func canonicalCanaries(cs []string) []string {
	var out []string
	for _, c := range cs {
		if k := canonicalCanary(c); len(k) >= minCanary {
			out = append(out, k)
		}
	}
	return out
}

// findCanaries looks for canaries in the Base view of t and of every
// decoded payload.
func findCanaries(t *textnorm.Text, canaries []string, ev *evidence) {
	b := t.Base.Text
	alnum := make([]byte, 0, len(b))
	pos := make([]int32, 0, len(b))
	for i := 0; i < len(b); i++ {
		if isWordByte(b[i]) {
			alnum = append(alnum, b[i])
			pos = append(pos, int32(i))
		}
	}
	s := string(alnum)
	for _, c := range canaries {
		for from := 0; from < len(s); {
			k := strings.Index(s[from:], c)
			if k < 0 {
				break
			}
			i, j := from+k, from+k+len(c)
			ev.canary = append(ev.canary, t.Base.Orig(int(pos[i]), int(pos[j-1])+1))
			from = j
		}
	}
	for i := range t.Decoded {
		findCanaries(t.Decoded[i].Text, canaries, ev)
	}
}
