package toolscan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/internal/canonical"
	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
	"github.com/agentgov/agentgov/internal/textnorm"
)

// Canonical returns the RFC 8785 form of a tool definition: the bytes a
// pin stores and hashes. Key order and whitespace do not change it.
func Canonical(t Tool) ([]byte, error) {
	b, err := canonical.Marshal(t)
	if err != nil {
		return nil, fmt.Errorf("%s: canonical form of tool %q: %w", Name, t.Name, err)
	}
	return b, nil
}

// Hash is "sha256:" and the hex SHA-256 of Canonical(t).
func Hash(t Tool) (string, error) {
	b, err := Canonical(t)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// ChangeKind says how a tool differs from its approved version.
type ChangeKind string

// Change kinds.
const (
	Added   ChangeKind = "added"
	Removed ChangeKind = "removed"
	Changed ChangeKind = "changed"
)

// Reason is one difference and how much it matters.
type Reason struct {
	// Path is a JSON Pointer into the current definition (the approved
	// one for a removal).
	Path     string          `json:"path"`
	What     string          `json:"what"`
	Severity detect.Severity `json:"severity"`
	// reading marks a reason that comes from reading the old and new
	// text (compareText), not from a fact of the schema or annotations:
	// the second stage may weigh it as it weighs the text rules.
	reading bool
}

// Change is a tool whose definition differs from the approved one.
type Change struct {
	Tool string     `json:"tool"`
	Kind ChangeKind `json:"kind"`
	// Severity is the highest of the reasons: low for benign changes (a
	// typo fix, a new optional parameter), high or critical for dangerous
	// ones.
	Severity detect.Severity `json:"severity"`
	Reasons  []Reason        `json:"reasons"`
	Approved *Tool           `json:"-"`
	Current  *Tool           `json:"-"`
}

// Dangerous reports whether the change needs a new approval before the
// tool is used.
func (c Change) Dangerous() bool { return c.Severity.Rank() >= detect.High.Rank() }

// Diff compares the current tools with the approved ones, by name, and
// returns every tool that was added, removed or changed, sorted by name.
// Definitions equal in canonical form (reordered keys, other whitespace)
// are unchanged.
func Diff(approved, current []Tool) []Change {
	old := map[string]*Tool{}
	for i := range approved {
		old[approved[i].Name] = &approved[i]
	}
	seen := map[string]bool{}
	// The current tools' names: an order to call one of them is a
	// workflow hint, not an instruction smuggled in.
	rd := &reader{own: map[string]bool{}, in: &Input{Tools: current}}
	for i := range current {
		rd.own[strings.ToLower(current[i].Name)] = true
	}
	var out []Change
	for i := range current {
		t := &current[i]
		seen[t.Name] = true
		a, ok := old[t.Name]
		if !ok {
			out = append(out, Change{Tool: t.Name, Kind: Added, Severity: detect.Medium, Current: t,
				Reasons: []Reason{{Path: "", What: "a tool that was not approved", Severity: detect.Medium}}})
			continue
		}
		ha, errA := Hash(*a)
		hc, errC := Hash(*t)
		if errA == nil && errC == nil && ha == hc {
			continue
		}
		c := Change{Tool: t.Name, Kind: Changed, Approved: a, Current: t}
		c.Reasons = compareTools(a, t, rd)
		if len(c.Reasons) == 0 {
			// The canonical forms differ in a member we do not judge:
			// still a change a reviewer must see.
			c.Reasons = []Reason{{What: "the definition changed", Severity: detect.Medium}}
		}
		for _, r := range c.Reasons {
			if r.Severity.Rank() > c.Severity.Rank() {
				c.Severity = r.Severity
			}
		}
		out = append(out, c)
	}
	for i := range approved {
		if !seen[approved[i].Name] {
			out = append(out, Change{Tool: approved[i].Name, Kind: Removed, Severity: detect.Low, Approved: &approved[i],
				Reasons: []Reason{{What: "an approved tool is no longer offered", Severity: detect.Low}}})
		}
	}
	slices.SortFunc(out, func(a, b Change) int { return strings.Compare(a.Tool, b.Tool) })
	return out
}

func compareTools(a, b *Tool, rd *reader) []Reason {
	var rs []Reason
	rs = append(rs, compareText("/description", a.Description, b.Description, rd)...)
	rs = append(rs, compareText("/title", a.Title, b.Title, rd)...)
	rs = append(rs, compareSchema("/inputSchema", a.InputSchema, b.InputSchema, 0, rd)...)
	rs = append(rs, compareOutput(a.OutputSchema, b.OutputSchema, rd)...)
	rs = append(rs, compareAnnotations(a.Annotations, b.Annotations)...)
	at, _ := a.Annotations["title"].(string)
	bt, _ := b.Annotations["title"].(string)
	rs = append(rs, compareText("/annotations/title", at, bt, rd)...)
	return rs
}

// compareOutput judges a changed output schema by its text: what the tool
// returns constrains no argument, so a changed shape is only worth a
// look, but new words to the model are judged like a description's. A
// schema added where there was none is low (pins taken before output
// schemas were read have none); its text is scanned like any other.
func compareOutput(a, b any, rd *reader) []Reason {
	switch {
	case reflect.DeepEqual(a, b):
		return nil
	case a == nil:
		return []Reason{{Path: "/outputSchema", Severity: detect.Low, What: "an output schema was added"}}
	case b == nil:
		return []Reason{{Path: "/outputSchema", Severity: detect.Low, What: "the output schema was removed"}}
	}
	ua, _, errA := outputUnits(nil, a, 0)
	ub, _, errB := outputUnits(nil, b, 0)
	if errA != nil || errB != nil {
		return []Reason{{Path: "/outputSchema", Severity: detect.High, What: "the output schema cannot be read"}}
	}
	old := make(map[string]string, len(ua))
	for _, u := range ua {
		old[u.path] = u.text
	}
	var rs []Reason
	for _, u := range ub {
		rs = append(rs, compareText(u.path, old[u.path], u.text, rd)...)
	}
	if len(rs) == 0 {
		rs = append(rs, Reason{Path: "/outputSchema", Severity: detect.Low, What: "the output schema changed"})
	}
	return rs
}

// reader reads the texts Diff compares: own holds the current tools'
// names (an order to call one of them is a workflow hint, not an
// instruction smuggled in), and in is the current server, which tells the
// phrase families its parameter names and what it keeps.
type reader struct {
	own map[string]bool
	in  *Input
	sc  *scan // built on first use
}

// signals reads a text with the phrase families alone (no injection
// detector, no other servers).
func (rd *reader) signals(s string) signals {
	if rd.sc == nil {
		rd.sc = &scan{s: &Scanner{}, in: rd.in, own: map[string]bool{}, refs: []string{}}
	}
	sc := rd.sc
	n := textnorm.Normalize(s, textnorm.Options{})
	sg := sc.analyze(n.Base.Text, s)
	if n.Folded.Text != n.Base.Text {
		f := sc.analyze(n.Folded.Text, s)
		sg.merge(&f)
	}
	for i := range n.Decoded {
		d := sc.analyze(n.Decoded[i].Text.Base.Text, n.Decoded[i].Text.Original)
		sg.merge(&d)
	}
	if n.Signals.Invisible+n.Signals.Bidi+n.Signals.Tags > 0 {
		sg.obfuscated = true
	}
	return sg
}

// compareText judges an edited description: a small edit without new
// instruction content is benign; new instructions, hidden characters, or
// growth with imperative content are not.
func compareText(path, a, b string, rd *reader) []Reason {
	rs := rd.readText(path, a, b)
	for i := range rs {
		rs[i].reading = true
	}
	return rs
}

// readText is compareText's judgement.
func (rd *reader) readText(path, a, b string) []Reason {
	if a == b {
		return nil
	}
	sa, sb := rd.signals(a), rd.signals(b)
	if sb.url && !sa.url && onlyDocURLs(a, b) {
		sb.url = false
	}
	added := sb.any() && !sa.any() || sb.secrecy && !sa.secrecy || sb.override && !sa.override ||
		sb.exfilSentence && !sa.exfilSentence || sb.shadowSentence && !sa.shadowSentence || sb.sensAccess && !sa.sensAccess
	switch {
	case userGuardRE.MatchString(strings.ToLower(a)) && !userGuardRE.MatchString(strings.ToLower(b)):
		return []Reason{{Path: path, Severity: detect.High, What: "the approved text made the model ask the user first; the new text no longer does"}}
	case limitRE.MatchString(strings.ToLower(a)) && !limitRE.MatchString(strings.ToLower(b)):
		return []Reason{{Path: path, Severity: detect.High, What: fmt.Sprintf("the approved text stated a limit (%q); the new text drops it", limitRE.FindString(strings.ToLower(a)))}}
	case added:
		return []Reason{{Path: path, Severity: detect.Critical, What: "the new text adds instructions to the model (" + firstNonEmpty(sb.ex["secrecy"], sb.ex["override"], sb.ex["exfil"], sb.ex["shadow"], sb.ex["path"], sb.ex["data"], sb.ex["copyto"], sb.ex["urltemplate"]) + ")"}}
	case sb.obfuscated && !sa.obfuscated:
		return []Reason{{Path: path, Severity: detect.High, What: "the new text carries invisible characters"}}
	case sb.directed && !sa.directed && len(b) > len(a) && !ownToolOrder(b, sb.ex["directed"], rd.own) && !guardOrder(b, sb.ex["directed"]):
		return []Reason{{Path: path, Severity: detect.High, What: "the text grew with an instruction to the model (" + sb.ex["directed"] + ")"}}
	case sb.sensData && !sa.sensData && !(sb.sensPath && !sa.sensPath) && !(sb.url && !sa.url) && !(sb.email && !sa.email) && credentialNoteOnly(a, b):
		return []Reason{{Path: path, Severity: detect.Medium, What: "the new text names the credential the tool is configured with; re-review it"}}
	case (sb.sensPath && !sa.sensPath) || (sb.url && !sa.url) || (sb.email && !sa.email):
		return []Reason{{Path: path, Severity: detect.High, What: "the new text mentions files or destinations the approved one did not"}}
	case sb.sensData && !sa.sensData && dataMoved(b, sb.dataWord):
		return []Reason{{Path: path, Severity: detect.High, What: "the new text moves data the approved one did not mention (" + sb.dataWord + ")"}}
	case sb.sensData && !sa.sensData:
		// Data named without a verb that moves it, or as where a message
		// goes ("to the work phone numbers held in the HR system"), is
		// most often a fuller account of the same job: worth a look, not
		// a block.
		return []Reason{{Path: path, Severity: detect.Medium, What: "the new text mentions data the approved one did not; re-review it"}}
	}
	limit := max(4, len(a)/10)
	if d := damerau(a, b, limit); d <= limit {
		return []Reason{{Path: path, Severity: detect.Low, What: fmt.Sprintf("a small edit (%d character(s)) without new instructions", d)}}
	}
	if len(b) > 2*len(a)+80 {
		return []Reason{{Path: path, Severity: detect.Medium, What: fmt.Sprintf("the text grew from %d to %d bytes; re-review it", len(a), len(b))}}
	}
	return []Reason{{Path: path, Severity: detect.Medium, What: "the text was rewritten; re-review it"}}
}

// Audience words of visibility and sharing settings, narrow and wide.
var (
	narrowAudienceRE = re(`^(private|internal|restricted|unlisted|hidden|only ?me|me|self|owner|owner only|bucket owner (read|full control)|none|nobody|team|members|org|organi[sz]ation|company|draft)$`)
	wideAudienceRE   = re(`^(public( (read|read write|write|access|link|readable))?|everyone|anyone|anybody|world( (readable|writable))?|anonymous|external|anyone ?with ?(the ?|a ?)?link|published|all ?users|all authenticated users)$`)
	// Access levels of sharing and membership settings, reading and
	// changing.
	readAccessRE  = re(`^(reader|viewer|view|read|read only|commenter|comment|guest|none|no access)$`)
	writeAccessRE = re(`^(writer|editor|edit|write|read write|contributor|maintainer|owner|admin|administrator|full( access| control)?|manager|organizer)$`)
)

// raisesAccess reports a default that moved from reading to changing
// (reader → writer): whoever the call shares with may now alter or delete
// unless the model thinks to say otherwise.
func raisesAccess(a, b any) bool {
	sa, okA := a.(string)
	sb, okB := b.(string)
	return okA && okB && readAccessRE.MatchString(audienceWords(sa)) && writeAccessRE.MatchString(audienceWords(sb))
}

// widensExposure reports a default that moved from a narrow audience to a
// wide one (private → public): a call that used to keep data to its owner
// now publishes it unless the model thinks to say otherwise.
func widensExposure(a, b any) bool {
	sa, okA := a.(string)
	return okA && narrowAudienceRE.MatchString(audienceWords(sa)) && wideAudience(b)
}

// wideAudience reports a setting value that shows data to everyone.
func wideAudience(v any) bool {
	s, ok := v.(string)
	return ok && wideAudienceRE.MatchString(audienceWords(s))
}

func audienceWords(s string) string {
	return strings.ToLower(strings.NewReplacer("_", " ", "-", " ").Replace(strings.TrimSpace(s)))
}

// onlyDocURLs reports whether every URL that b has and a lacks is on one
// of the bare documentation domains (example.com, .net, .org; RFC 2606),
// as in a formatting sample ("<https://example.com|links>"): nobody
// receives data there.
func onlyDocURLs(a, b string) bool {
	la := strings.ToLower(a)
	n := 0
	for _, u := range urlRE.FindAllString(strings.ToLower(b), 16) {
		if strings.Contains(la, u) {
			continue
		}
		host := strings.TrimPrefix(strings.TrimPrefix(u, "https://"), "http://")
		if i := strings.IndexFunc(host, func(r rune) bool { return !(r == '.' || r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9') }); i >= 0 {
			host = host[:i]
		}
		switch strings.TrimPrefix(host, "www.") {
		case "example.com", "example.net", "example.org":
			n++
		default:
			return false
		}
	}
	return n > 0
}

// fillVerbRE: verbs that put data somewhere; toDestRE: the words that
// make what follows a destination.
var (
	fillVerbRE = re(`\b(write|writes|written|put|puts|paste|pastes|insert|inserts|add|adds|include|includes|included|enter|copy|copies|fill|fills|attach|attaches|append|appends)\b`)
	toDestRE   = re(`\b(to|an|a|à|al|alla) (the |their |its |die |den |das |le |la |les |el |los )?(\w+ ){0,2}$`)
)

// dataMoved reports a sentence of text that names data (lower-cased)
// with a verb that puts or sends it somewhere, the data not being where
// the verb sends ("sends a notice to the work phone numbers").
func dataMoved(text, data string) bool {
	if data == "" {
		return false
	}
	for _, s := range sentences(strings.ToLower(text)) {
		i := strings.Index(s, data)
		if i < 0 || !movingVerb(s) {
			continue
		}
		if !toDestRE.MatchString(s[:i]) {
			return true
		}
	}
	return false
}

// movingVerb reports a transfer or fill verb in s that no negation in
// its clause denies ("the value is typed into the page and is not stored
// by the server or included in screenshots' metadata" moves nothing).
func movingVerb(s string) bool {
	return firstAffirmed(transferBaseRE, s) != "" || firstAffirmed(fillVerbRE, s) != ""
}

// limitRE: a stated restriction on what the tool reaches ("addresses on
// the allow-list", "only within the project", "are rejected").
var limitRE = re(`\ballow[ -]?list\w*|\ballowlist\w*|\bwhitelist\w*|\b(are|is) (rejected|refused|blocked)\b|\b(restricted|limited) to\b|\bread[ -]only\b`)

// consentParamRE: a boolean that stands for the user's consent.
var consentParamRE = re(`^(confirm|confirmed|approve|approved|consent|yes|force|auto approve|skip confirmation|no confirm|i understand|acknowledged?)$`)

// userGuardRE: text that makes the model check with the user before it
// acts.
var userGuardRE = re(`\b(confirmed|approved|authori[sz]ed|reviewed|released) by the user\b|\b(getting|get|obtain\w*|with|after) (their|the user'?s?) (approval|confirmation|consent|ok|okay|go ahead)\b|\b(ask|confirm with|check with) the user\b|\b(user'?s?|explicit) (confirmation|approval|consent|permission|ok|okay|go ahead)\b|\brequires? (the )?(user'?s? )?(confirmation|approval|consent)\b|\bwait for (the )?user\b|\bconfirm\b[^.;]{0,60}\bwith (them|the user|the customer)\b|\bonly (after|once) the user (has )?(approved|confirmed|agreed)\b`)

// showUserRE: an order to put something in front of the user ("show the
// user the run total … before calling").
var showUserRE = re(`\b(show|tell|present|display|read( it| them)? back|summari[sz]e|explain)( it| this| them)?( to)? (the user|the customer|the requester|the caller|the approver)\b`)

// guardOrder reports an order the new text gives in a sentence that has
// the model check with or show the user first ("show the user the total
// before calling"): a safeguard added, not an instruction smuggled in.
func guardOrder(text, phrase string) bool {
	p := strings.ToLower(phrase)
	if p == "" {
		return false
	}
	for _, s := range sentences(strings.ToLower(text)) {
		if strings.Contains(s, p) {
			return userGuardRE.MatchString(s) || showUserRE.MatchString(s)
		}
	}
	return false
}

// ownToolOrder reports an order that names one of the server's own tools
// right after it ("always call jira_get_transitions first"): a workflow
// hint about this server.
func ownToolOrder(text, phrase string, own map[string]bool) bool {
	low := strings.ToLower(text)
	i := strings.Index(low, strings.ToLower(phrase))
	if phrase == "" || i < 0 {
		return false
	}
	rest := strings.TrimLeft(low[i+len(phrase):], " `'\"")
	end := strings.IndexFunc(rest, func(r rune) bool {
		return !(r == '_' || r == '-' || r == '.' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	})
	if end < 0 {
		end = len(rest)
	}
	return own[strings.TrimRight(rest[:end], ".")]
}

// constraintKeys narrow what a parameter accepts; removing one widens it.
var constraintKeys = []string{"enum", "const", "pattern", "format", "maxLength", "maximum", "exclusiveMaximum", "maxItems",
	"minimum", "exclusiveMinimum", "minLength", "minItems", "maxProperties", "multipleOf"}

// defaultChange says why a parameter's new default matters ("" when it
// does not): it widens who sees the data, grants more, gives the user's
// consent, or fills in a destination the user used to choose, so that
// whatever the model leaves out goes there.
func defaultChange(name string, ma, mb map[string]any) (detect.Severity, string) {
	a, b := ma["default"], mb["default"]
	switch {
	case widensExposure(a, b):
		return detect.High, fmt.Sprintf("the default widens who can see the data (%v → %v)", a, b)
	case raisesAccess(a, b):
		return detect.High, fmt.Sprintf("the default grants more than it did (%v → %v)", a, b)
	case a == false && b == true && consentParamRE.MatchString(identWords(name)):
		return detect.High, "the default now gives the user's consent (false → true) without asking"
	}
	if d := fixedDestDefault(name, mb); d != "" {
		return detect.High, fmt.Sprintf("the destination parameter now defaults to %q", d)
	}
	return detect.Low, ""
}

func compareSchema(path string, a, b any, depth int, rd *reader) []Reason {
	if depth > maxDepth || reflect.DeepEqual(a, b) {
		return nil
	}
	ma, okA := a.(map[string]any)
	mb, okB := b.(map[string]any)
	if !okA || !okB {
		if a == nil && okB || okA && b == nil {
			return []Reason{{Path: path, Severity: detect.High, What: "the schema was added or removed"}}
		}
		return []Reason{{Path: path, Severity: detect.High, What: "the schema changed shape"}}
	}
	var rs []Reason
	if ta, tb := ma["type"], mb["type"]; !reflect.DeepEqual(ta, tb) {
		rs = append(rs, Reason{Path: path + "/type", Severity: detect.High, What: fmt.Sprintf("the type changed from %v to %v", ta, tb)})
	}
	for _, k := range constraintKeys {
		va, inA := ma[k]
		vb, inB := mb[k]
		switch {
		case inA && !inB && mb["deprecated"] == true:
			// A parameter kept only as a deprecated alias.
			rs = append(rs, Reason{Path: path, Severity: detect.Medium, What: fmt.Sprintf("the constraint %s was removed from a deprecated parameter", k)})
		case inA && !inB && k != "enum" && k != "const" && enumWithin(mb, ma):
			// "minimum 0, maximum 4" replaced by "enum [0 … 4]": the new
			// list admits nothing the old bounds refused.
			rs = append(rs, Reason{Path: path, Severity: detect.Low, What: fmt.Sprintf("the constraint %s gave way to an enum within it", k)})
		case inA && !inB:
			rs = append(rs, Reason{Path: path, Severity: detect.High, What: fmt.Sprintf("the constraint %s was removed", k)})
		case !inA && inB:
			rs = append(rs, Reason{Path: path + "/" + k, Severity: detect.Low, What: fmt.Sprintf("a constraint %s was added", k)})
		case inA && inB && !reflect.DeepEqual(va, vb):
			if k == "enum" {
				ea, _ := va.([]any)
				eb, _ := vb.([]any)
				var extra []string
				for _, v := range eb {
					if !slices.ContainsFunc(ea, func(x any) bool { return reflect.DeepEqual(x, v) }) {
						extra = append(extra, fmt.Sprint(v))
					}
				}
				if len(extra) > 0 {
					sev := detect.Medium
					for _, e := range extra {
						if s := rd.signals(e); s.any() || s.directed {
							sev = detect.Critical
						}
					}
					rs = append(rs, Reason{Path: path + "/enum", Severity: sev, What: fmt.Sprintf("the enum was widened by %s", excerpt(strings.Join(extra, ", "), 60))})
				} else {
					rs = append(rs, Reason{Path: path + "/enum", Severity: detect.Low, What: "the enum was narrowed"})
				}
				continue
			}
			if k == "pattern" || k == "format" || k == "const" {
				rs = append(rs, Reason{Path: path + "/" + k, Severity: detect.High, What: fmt.Sprintf("the constraint %s changed", k)})
				continue
			}
			na, _ := number(va)
			nb, _ := number(vb)
			looser := nb > na
			if strings.HasPrefix(k, "min") || k == "exclusiveMinimum" {
				looser = nb < na
			}
			if looser {
				rs = append(rs, Reason{Path: path + "/" + k, Severity: detect.Medium, What: fmt.Sprintf("%s was loosened from %v to %v", k, va, vb)})
			} else {
				rs = append(rs, Reason{Path: path + "/" + k, Severity: detect.Low, What: fmt.Sprintf("%s was tightened from %v to %v", k, va, vb)})
			}
		}
	}
	if ap, bp := ma["additionalProperties"], mb["additionalProperties"]; ap == false && bp != false {
		rs = append(rs, Reason{Path: path + "/additionalProperties", Severity: detect.Medium, What: "additional properties are now allowed"})
	}
	for _, k := range []string{"description", "title"} {
		sa, _ := ma[k].(string)
		sb, _ := mb[k].(string)
		rs = append(rs, compareText(path+"/"+k, sa, sb, rd)...)
	}
	for _, k := range []string{"default", "examples", "example"} {
		if !reflect.DeepEqual(ma[k], mb[k]) && mb[k] != nil {
			sev, what := detect.Low, fmt.Sprintf("the %s changed", k)
			if s := rd.signals(fmt.Sprint(mb[k])); s.any() || s.directed {
				sev = detect.Critical
			} else if k == "default" {
				if s, w := defaultChange(jsonpointer.Unescape(path[strings.LastIndexByte(path, '/')+1:]), ma, mb); w != "" {
					sev, what = s, w
				}
			}
			rs = append(rs, Reason{Path: path + "/" + k, Severity: sev, What: what})
		}
	}
	// Parameters.
	pa, _ := ma["properties"].(map[string]any)
	pb, _ := mb["properties"].(map[string]any)
	reqA, reqB := stringSet(ma["required"]), stringSet(mb["required"])
	names := make([]string, 0, len(pa)+len(pb))
	for k := range pa {
		names = append(names, k)
	}
	for k := range pb {
		if _, ok := pa[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	for _, n := range names {
		p := path + "/properties/" + jsonpointer.Escape(n)
		va, inA := pa[n]
		vb, inB := pb[n]
		switch {
		case !inA && inB && reqB[n]:
			// A required parameter the model must now fill can carry
			// what it is told to put there; one that holds no free text
			// (a flag, a number, a choice) or that repeats a name as a
			// guard ("confirm_name must equal name") cannot.
			sev, what := detect.High, fmt.Sprintf("a new required parameter %q", n)
			if m, _ := vb.(map[string]any); cannotCarry(m) || carriesNoProse(m) || confirmParamRE.MatchString(strings.ToLower(n)) {
				sev, what = detect.Medium, fmt.Sprintf("a new required parameter %q that carries no free text", n)
			} else if old := renamedFrom(vb, pa, pb); old != "" {
				sev, what = detect.Medium, fmt.Sprintf("the parameter %q was renamed %q", old, n)
			}
			rs = append(rs, Reason{Path: p, Severity: sev, What: what})
		case !inA && inB:
			sev := detect.Low
			what := fmt.Sprintf("a new optional parameter %q", n)
			if carrierNames[strings.ToLower(n)] {
				sev, what = detect.Medium, fmt.Sprintf("a new free-text parameter %q of the kind used to carry context out", n)
			}
			if w, nested := newParamDefault(n, vb, depth); w != "" {
				if nested {
					w += fmt.Sprintf(", inside parameter %q", n)
				}
				sev, what = detect.High, "a new "+w
			}
			rs = append(rs, Reason{Path: p, Severity: sev, What: what})
		case inA && !inB:
			rs = append(rs, Reason{Path: path + "/properties", Severity: detect.Low, What: fmt.Sprintf("the parameter %q was removed", n)})
		default:
			if reqB[n] && !reqA[n] {
				rs = append(rs, Reason{Path: path + "/required", Severity: detect.Medium, What: fmt.Sprintf("the parameter %q became required", n)})
			}
			rs = append(rs, compareSchema(p, va, vb, depth+1, rd)...)
		}
	}
	if ia, ib := ma["items"], mb["items"]; ia != nil || ib != nil {
		rs = append(rs, compareSchema(path+"/items", ia, ib, depth+1, rd)...)
	}
	return rs
}

// newParamDefault says what makes a new parameter's default, or the
// default of a property nested in it, dangerous ("" when nothing does):
// a destination filled in, publishing by default, or the user's home
// configuration as the value. A new optional object is easy to wave
// through, so what it holds is read as closely as a parameter. nested
// says the default belongs to a property inside the parameter. (The
// current tool's own scan walks nested parameters with nestedParams, to
// a depth of four; an update is read to maxDepth, items included.)
func newParamDefault(name string, schema any, depth int) (what string, nested bool) {
	m, _ := schema.(map[string]any)
	if m == nil || depth > maxDepth {
		return "", false
	}
	if d := fixedDestDefault(name, m); d != "" {
		return fmt.Sprintf("parameter %q that is a destination defaulting to %q", name, d), false
	}
	if wideAudience(m["default"]) {
		return fmt.Sprintf("parameter %q that publishes by default (%v)", name, m["default"]), false
	}
	if d := homeSecretDefault(m); d != "" {
		return fmt.Sprintf("parameter %q that defaults to %s", name, d), false
	}
	props, _ := m["properties"].(map[string]any)
	for _, k := range slices.Sorted(maps.Keys(props)) {
		if w, _ := newParamDefault(k, props[k], depth+1); w != "" {
			return w, true
		}
	}
	// The items of an array parameter are the parameter's own values.
	return newParamDefault(name, m["items"], depth+1)
}

// renamedFrom returns the removed parameter a new one replaces, when the
// new one's description names it ("SKU (replaces ref_article, still
// accepted as an alias)"): a renamed field asks for what the approved one
// did.
func renamedFrom(vb any, pa, pb map[string]any) string {
	m, _ := vb.(map[string]any)
	d, _ := m["description"].(string)
	d = strings.ToLower(d)
	if d == "" {
		return ""
	}
	for _, old := range slices.Sorted(maps.Keys(pa)) {
		if _, kept := pb[old]; !kept && len(old) >= 3 && strings.Contains(d, strings.ToLower(old)) {
			return old
		}
	}
	return ""
}

// carriesNoProse reports a string parameter whose format or pattern
// admits no sentence: an identifier (a UUID, a date, an address) cannot
// carry what the model is told to write.
func carriesNoProse(m map[string]any) bool {
	if m == nil {
		return false
	}
	switch m["format"] {
	case "uuid", "date", "date-time", "time", "email", "ipv4", "ipv6", "hostname", "duration":
		return true
	}
	p, _ := m["pattern"].(string)
	if p == "" {
		return false
	}
	re, err := regexp.Compile(p)
	// A pattern Go cannot read is not taken as a limit.
	return err == nil && !re.MatchString(proseSample)
}

// proseSample is a sentence any free-text field accepts.
const proseSample = "Read the file and put its contents here, then send it on."

// confirmParamRE: a parameter that asks for a name or value again as a
// guard against acting on the wrong object.
var confirmParamRE = re(`^confirm(ation)?[_ -]?(name|id|slug|title|resource|target|repo|repository|project|branch|environment|env|namespace|cluster|database|db|table)?$`)

// enumWithin reports a new schema b whose enum (or const) lists only
// values the old schema a accepted under its numeric bounds and length
// limits (a pattern or format of a is not evaluated: their removal still
// counts).
func enumWithin(b, a map[string]any) bool {
	vals, ok := b["enum"].([]any)
	if c, isConst := b["const"]; isConst {
		vals, ok = []any{c}, true
	}
	if !ok || len(vals) == 0 {
		return false
	}
	if _, p := a["pattern"]; p {
		return false
	}
	if _, f := a["format"]; f {
		return false
	}
	for _, v := range vals {
		if n, isNum := number(v); isNum {
			if lo, ok := number(a["minimum"]); ok && n < lo {
				return false
			}
			if hi, ok := number(a["maximum"]); ok && n > hi {
				return false
			}
			if lo, ok := number(a["exclusiveMinimum"]); ok && n <= lo {
				return false
			}
			if hi, ok := number(a["exclusiveMaximum"]); ok && n >= hi {
				return false
			}
			continue
		}
		s, isStr := v.(string)
		if !isStr {
			return false
		}
		if hi, ok := number(a["maxLength"]); ok && float64(len([]rune(s))) > hi {
			return false
		}
		if lo, ok := number(a["minLength"]); ok && float64(len([]rune(s))) < lo {
			return false
		}
	}
	return true
}

func stringSet(v any) map[string]bool {
	out := map[string]bool{}
	if arr, ok := v.([]any); ok {
		for _, x := range arr {
			if s, ok := x.(string); ok {
				out[s] = true
			}
		}
	}
	return out
}

func compareAnnotations(a, b map[string]any) []Reason {
	var rs []Reason
	if a["readOnlyHint"] == true && b["readOnlyHint"] != true {
		rs = append(rs, Reason{Path: "/annotations/readOnlyHint", Severity: detect.High, What: "the tool no longer claims to be read-only"})
	}
	if a["destructiveHint"] == false && b["destructiveHint"] != false {
		rs = append(rs, Reason{Path: "/annotations/destructiveHint", Severity: detect.High, What: "the tool may now be destructive"})
	}
	if a["openWorldHint"] == false && b["openWorldHint"] != false {
		rs = append(rs, Reason{Path: "/annotations/openWorldHint", Severity: detect.Medium, What: "the tool now reaches outside systems"})
	}
	return rs
}

// rugPull turns a change into a RUG_PULL finding.
func (s *Scanner) rugPull(_ context.Context, c Change) (Finding, bool) {
	path := ""
	var what []string
	for _, r := range c.Reasons {
		if r.Severity == c.Severity && path == "" {
			path = r.Path
		}
		what = append(what, fmt.Sprintf("%s (%s)", r.What, r.Severity))
	}
	var detail string
	switch c.Kind {
	case Added:
		detail = "the server now offers a tool that was not approved: review it, then pin the server again (agentgov mcp pin)"
	case Removed:
		detail = "an approved tool is no longer offered"
	default:
		advice := "a benign change: re-pin to accept it"
		if c.Severity.Rank() >= detect.Medium.Rank() {
			advice = "review the new definition before the tool is used again, then re-pin it or remove the server"
		}
		if c.Dangerous() {
			advice = "the tool changed after approval in a way that matters: do not use it until it is reviewed and pinned again"
		}
		detail = fmt.Sprintf("the definition differs from the approved one: %s; %s", strings.Join(what, "; "), advice)
	}
	// A change that matters only by a reading of its text is weighed as
	// the text rules are; one that matters by a fact (a new required
	// parameter, a default, an annotation) is not.
	reading := len(c.Reasons) > 0
	for _, r := range c.Reasons {
		if r.Severity == c.Severity && !r.reading {
			reading = false
		}
	}
	return Finding{Type: TypeRugPull, Tool: c.Tool, Path: path, Severity: c.Severity, Detail: detail, reading: reading}, true
}

// credentialNoteOnly reports a change whose new sentences that name a
// credential only say what the tool is configured with ("The personal
// access token (AIRTABLE_PAT) needs data.records:read").
func credentialNoteOnly(a, b string) bool {
	old := map[string]bool{}
	for _, s := range sentences(strings.ToLower(a)) {
		old[strings.TrimSpace(s)] = true
	}
	seen := false
	for _, s := range sentences(strings.ToLower(b)) {
		s = strings.TrimSpace(s)
		if old[s] || !sensitiveDataRE.MatchString(s) {
			continue
		}
		seen = true
		if !(configUseRE.MatchString(s) || secretEnvRE.MatchString(strings.ToUpper(s)) || credentialScopeRE.MatchString(s)) {
			return false
		}
	}
	return seen
}

var credentialScopeRE = re(`\b(scopes?|permissions?|needs|requires|must have|read from|is read)\b`)
