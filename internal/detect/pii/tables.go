package pii

import (
	"embed"
	"strings"
	"sync"
)

// The gazetteers are plain word lists written for this package (see
// data/): given names and family names from several countries, names that
// are also common words, and capitalised words that are never names. They
// are embedded and parsed once; the tables are read-only afterwards.
//
//go:embed data/*.txt
var dataFS embed.FS

type tables struct {
	cues      *cueIndex
	first     map[string]bool // exact case: "Sarah", "José"
	ambiguous map[string]bool // first names that are also words: "May", "Will"
	surnames  map[string]bool
	notNames  map[string]bool // exact case and lower case
	// Street types: suffixes after the name (English "Baker Street"),
	// words before it (Romance "rue des Martyrs", "Calle Mayor") and
	// compound endings (German/Dutch/Nordic "Lindenstraße").
	streetSuffix map[string]bool
	streetFirst  map[string]bool
	compound     []string
	particles    map[string]bool
	directions   map[string]bool
}

var getTables = sync.OnceValue(func() *tables {
	t := &tables{
		cues:      buildCueIndex(),
		first:     words("data/first_names.txt"),
		ambiguous: words("data/ambiguous.txt"),
		surnames:  words("data/surnames.txt"),
		notNames:  words("data/not_names.txt"),
		streetSuffix: set("street st str avenue ave av road rd lane ln drive dr boulevard blvd court ct " +
			"place pl terrace ter terr close cl crescent cres parkway pkwy highway hwy square sq circle cir " +
			"trail trl way row mews grove gr gardens gdns walk hill alley aly plaza plz loop path pike green " +
			"rise vale wharf quay parade pde esplanade broadway expressway expy freeway fwy turnpike tpke " +
			"causeway embankment gate yard"),
		streetFirst: set("rue avenue av ave boulevard bd bld place pl chemin ch allée allee impasse imp quai route rte " +
			"cours square passage sentier voie calle c/ avenida avda av. paseo plaza pza carrera camino ronda rambla " +
			"travesía travesia glorieta via viale corso piazza piazzale largo vicolo strada contrada borgo lungomare " +
			"rua travessa praça praca alameda estrada ul. ulica aleja al. plac"),
		compound: []string{"straße", "strasse", "str.", "weg", "allee", "platz", "gasse", "ring", "damm",
			"ufer", "chaussee", "pfad", "steig", "markt", "graben", "straat", "laan", "plein", "gracht",
			"kade", "singel", "dijk", "dreef", "steeg", "pad", "gatan", "vägen", "vagen", "gata", "gade",
			"vej", "veien", "vegen", "gate", "utca", "katu", "tie"},
		particles:  set("van von der den de da di du del della delle dei des la le les dos das do ter ten zu bin binti ibn al el y e d' l'"),
		directions: set("n s e w ne nw se sw north south east west"),
	}
	// Lower-case forms of the not-a-name words, for case-insensitive
	// checks of sentence-initial words.
	for w := range t.notNames {
		t.notNames[strings.ToLower(w)] = true
	}
	// Particles written as separate words in the lists are not names.
	for p := range t.particles {
		for _, m := range []map[string]bool{t.first, t.surnames} {
			delete(m, p)
			delete(m, strings.ToUpper(p[:1])+p[1:])
		}
	}
	return t
})

// words reads an embedded word list: whitespace separated, '#' comments.
func words(name string) map[string]bool {
	b, err := dataFS.ReadFile(name)
	if err != nil {
		panic(err) // embedded at build time
	}
	m := map[string]bool{}
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		for _, w := range strings.Fields(line) {
			m[w] = true
		}
	}
	return m
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}
