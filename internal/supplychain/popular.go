package supplychain

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

//go:embed popular/*.txt
var shipped embed.FS

// maxPopularNames bounds a popular-names list read from disk.
const maxPopularNames = 100_000

// Popular holds, per ecosystem, the names of widely used packages that
// attackers imitate.
type Popular struct {
	names map[Ecosystem]map[string]bool
	// keys holds each name's comparison key, with the names that share it.
	keys map[Ecosystem]map[string][]string
	list map[Ecosystem][]string
}

// ShippedPopular returns the lists built into agentgov.
func ShippedPopular() *Popular {
	p, err := loadPopular(shipped, "popular")
	if err != nil {
		panic(err) // embedded at build time
	}
	return p
}

// LoadPopular reads <ecosystem>.txt files from dir; an ecosystem without a
// file keeps the shipped list. This is how a deployment refreshes the
// lists without a new binary.
func LoadPopular(dir string) (*Popular, error) {
	base := ShippedPopular()
	over, err := loadPopular(os.DirFS(dir), ".")
	if err != nil {
		return nil, err
	}
	for eco, names := range over.list {
		base.set(eco, names)
	}
	return base, nil
}

func loadPopular(fsys fs.FS, dir string) (*Popular, error) {
	p := &Popular{names: map[Ecosystem]map[string]bool{}, keys: map[Ecosystem]map[string][]string{}, list: map[Ecosystem][]string{}}
	for _, eco := range Ecosystems {
		f, err := fsys.Open(filepath.ToSlash(filepath.Join(dir, string(eco)+".txt")))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var names []string
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			if len(names) >= maxPopularNames {
				f.Close()
				return nil, fmt.Errorf("supplychain: %s.txt has more than %d names", eco, maxPopularNames)
			}
			names = append(names, line)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("supplychain: %s.txt: %w", eco, err)
		}
		p.set(eco, names)
	}
	return p, nil
}

func (p *Popular) set(eco Ecosystem, names []string) {
	set := map[string]bool{}
	keys := map[string][]string{}
	var list []string
	for _, n := range names {
		n = canonicalName(eco, n)
		if set[n] {
			continue
		}
		set[n] = true
		list = append(list, n)
		k := lookalikeKey(n)
		keys[k] = append(keys[k], n)
	}
	p.names[eco], p.keys[eco], p.list[eco] = set, keys, list
}

// canonicalName is how a registry compares names.
func canonicalName(eco Ecosystem, n string) string {
	switch eco {
	case PyPI:
		return normalisePyPI(n)
	case Go:
		return n
	}
	return strings.ToLower(n)
}

// Lookalike reports the popular package a name imitates: a different
// name within a small edit distance of a popular one, or one that reads
// the same once separators, digits that pass for letters and letter
// pairs that pass for others (rn for m) are folded.
func (p *Popular) Lookalike(eco Ecosystem, name string) (string, bool) {
	name = canonicalName(eco, name)
	if name == "" || p.names[eco][name] {
		return "", false
	}
	if hits := p.keys[eco][lookalikeKey(name)]; len(hits) > 0 {
		return hits[0], true
	}
	scope, bare := splitScope(eco, name)
	for _, q := range p.list[eco] {
		qs, qb := splitScope(eco, q)
		if scope != qs {
			continue
		}
		if close(bare, qb) {
			return q, true
		}
	}
	return "", false
}

// splitScope separates what the registry treats as an owner (an npm
// scope, a Go module's host and owner) from the name an attacker varies.
func splitScope(eco Ecosystem, name string) (string, string) {
	switch eco {
	case NPM:
		if strings.HasPrefix(name, "@") {
			if s, n, ok := strings.Cut(name, "/"); ok {
				return s, n
			}
		}
	case Go:
		if i := strings.LastIndex(name, "/"); i >= 0 {
			return name[:i], name[i+1:]
		}
	}
	return "", name
}

// close reports an edit distance of one for names of five or more
// characters, two for names of ten or more. Shorter names are too dense
// for distance alone to mean imitation.
func close(a, b string) bool {
	if a == b {
		return false
	}
	lim := 0
	switch n := max(len(a), len(b)); {
	case n >= 10:
		lim = 2
	case n >= 5:
		lim = 1
	}
	if lim == 0 {
		return false
	}
	d := len(a) - len(b)
	if d > lim || -d > lim {
		return false
	}
	return distance(a, b, lim) <= lim
}

// distance is the optimal-string-alignment edit distance (insertions,
// deletions, substitutions, adjacent transpositions), cut off above lim.
func distance(a, b string, lim int) int {
	if len(a) > 256 || len(b) > 256 {
		return lim + 1
	}
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			v := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				v = min(v, prev2[j-2]+1)
			}
			cur[j] = v
			rowMin = min(rowMin, v)
		}
		if rowMin > lim {
			return lim + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// lookalikeKey folds what a reader's eye does not tell apart.
func lookalikeKey(n string) string {
	r := strings.NewReplacer("rn", "m", "vv", "w", "cl", "d", "0", "o", "1", "l", "3", "e", "4", "a", "5", "s", "7", "t", "8", "b", "i", "l", "|", "l",
		"-", "", "_", "", ".", "")
	return r.Replace(strings.ToLower(n))
}
