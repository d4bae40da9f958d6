package code

// valueFacts is what the analysis of every language tracks about a value:
// how it was built, where it came from, what it names. Each language adds
// its own members by embedding it.
type valueFacts struct {
	constant  bool // literals and constants only
	hasStr    bool // contains a string literal
	value     string
	built     bool // a string built with non-constant parts
	tainted   bool // user or request input
	sanitized bool // passed through a quoting or path-sanitising function
	sensitive bool // names a credential or account file
	envDump   bool // the whole environment
	fetched   bool // read from the network
	decoded   bool // decoded or decompressed
	home      bool // the home directory
	temp      bool // a temporary file or directory
	conn      bool // a network connection
	socket    bool // a socket
	lits      []string
}

// merge combines what two parts of one expression contribute.
func (f *valueFacts) merge(g valueFacts) {
	f.constant = f.constant && g.constant
	f.hasStr = f.hasStr || g.hasStr
	f.built = f.built || g.built
	f.tainted = f.tainted || g.tainted
	f.sanitized = f.sanitized || g.sanitized
	f.sensitive = f.sensitive || g.sensitive
	f.envDump = f.envDump || g.envDump
	f.fetched = f.fetched || g.fetched
	f.decoded = f.decoded || g.decoded
	f.home = f.home || g.home
	f.temp = f.temp || g.temp
	f.conn = f.conn || g.conn
	f.socket = f.socket || g.socket
	if len(f.lits)+len(g.lits) <= maxLits {
		f.lits = append(f.lits, g.lits...)
	}
}
