package toolscan

import (
	"regexp"
	"slices"
	"strings"
)

// Whose data and whose service: the checks that tell a tool's own job
// from a side channel without depending on the language of the text. A
// credential named as the means of a call ("uses GITHUB_TOKEN to POST")
// is not what the call sends; a destination on the service the tool says
// it works with ("to your Sentry project" → o0.ingest.sentry.io) is the
// tool's job; a URL cited as documentation is not a destination; a URL
// template whose placeholders address a resource ({owner}/{repo}) carries
// no data.

// instrumentAnyRE: the words before a credential that make it the means
// of a call rather than what the call sends ("uses GITHUB_TOKEN to POST",
// "med brugerens eget token", "ด้วยโทเค็น"), in the languages of the
// class table and the older families.
var instrumentAnyRE = re(`(\b(with|using|uses|use|via|through|by means of|authenticat\w* (with|by)|signed with|requires?|med|mit|con|avec|com|met|dengan|menggunakan|kwa kutumia|cu|folosind|felhasznalasaval|kayttaen|ile)\s+(the |a |an |your |their |its )?([\w'.()*\x60"-]+\s+){0,5}$)|(ด้วย|โดยใช้|با|দিয়ে|з|с помощью)\s*\S*\s*$`)

// sentObject finds data that is not the tool's in a sentence whose
// addresses are blanked, skipping credentials named as the means of the
// call and negated mentions.
func sentObject(ns string, intl bool) string {
	for _, r := range []*regexp.Regexp{sensitiveDataRE, sensitiveDataIntlRE} {
		if r == sensitiveDataIntlRE && !intl {
			break
		}
		// Most sentences hold no match, or one that is not a means.
		for off, n := 0, 0; off < len(ns) && n < 4; n++ {
			loc := r.FindStringIndex(ns[off:])
			if loc == nil {
				break
			}
			loc[0], loc[1] = loc[0]+off, loc[1]+off
			if !instrumentCred(ns, loc) {
				return ns[loc[0]:loc[1]]
			}
			off = max(loc[1], loc[0]+1)
		}
	}
	return ""
}

// referenceRE: the words before a URL that cite it rather than send to
// it ("as described at https://…", "see https://…").
var referenceRE = re(`\b(described at|described in|documented at|documentation at|docs at|details at|more at|see|see also|explained at|per|according to|as in|rate limits|questions to|questions go to)\W*$`)

// destURL is the first URL of a sentence that is not cited as a
// reference.
func destURL(s string) string {
	for _, loc := range urlRE.FindAllStringIndex(s, 4) {
		if referenceRE.MatchString(s[max(0, loc[0]-30):loc[0]]) {
			continue
		}
		return s[loc[0]:loc[1]]
	}
	return ""
}

// serviceRE: the service a tool's first sentence says it works with
// ("Report an error to your Sentry project", "Upload an image to Imgur").
var serviceRE = re(`\b(to|through|via|on|in|into|with|using|from)\s+(your |the |a |an )?([a-z][a-z0-9]{3,})`)

var notService = map[string]bool{"your": true, "their": true, "this": true, "that": true, "each": true, "every": true, "file": true, "files": true,
	"text": true, "data": true, "user": true, "users": true, "channel": true, "address": true, "account": true, "project": true, "server": true,
	"folder": true, "bucket": true, "list": true, "email": true, "message": true, "messages": true, "note": true, "notes": true, "page": true}

// services are the services of a first sentence, found when first asked
// for: most sentences never need them.
type services struct {
	first string
	words []string
	done  bool
}

func (s *services) get() []string {
	if s == nil {
		return nil
	}
	if !s.done {
		s.words, s.done = serviceWords(s.first), true
	}
	return s.words
}

// serviceWords lists the services named in a first sentence.
func serviceWords(first string) []string {
	var out []string
	for _, m := range serviceRE.FindAllStringSubmatch(first, 6) {
		if w := m[3]; !notService[w] {
			out = append(out, w)
		}
	}
	return out
}

// ownService reports whether a destination belongs to the service the
// tool says it works with: "https://o0.ingest.sentry.io/…" for a tool
// that reports errors "to your Sentry project".
func ownService(dest string, own []string) bool {
	if len(own) == 0 {
		return false
	}
	// The name must be the registrable label ("sentry" of
	// "o0.ingest.sentry.io"), not any label ("imgur.attacker.example").
	reg := registrableLabel(dest)
	return reg != "" && slices.Contains(own, reg)
}

// registrableLabel is the label before the public suffix of an address's
// host ("sentry" of "https://o0.ingest.sentry.io/…", "acme" of
// "x@mail.acme.co.uk"), or "".
func registrableLabel(dest string) string {
	host := dest
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexAny(host, "/?#:"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndexByte(host, '@'); i >= 0 {
		host = host[i+1:]
	}
	labels := strings.Split(host, ".")
	if len(labels) < 2 {
		return ""
	}
	reg := labels[len(labels)-2]
	if len(labels) >= 3 && (reg == "co" || reg == "com" || reg == "org" || reg == "net" || reg == "ac" || reg == "gov") && len(labels[len(labels)-1]) == 2 {
		reg = labels[len(labels)-3]
	}
	return reg
}

// placeholderRE finds the placeholders of a URL template.
var placeholderRE = re(`\{\{?\s*([a-z_ ]+?)\s*\}\}?|<([a-z_ ]+)>|\[([a-z_ ]+)\]|\$\{?([a-z_]+)\}?`)

var addressingNames = map[string]bool{"domain": true, "subdomain": true, "project": true, "project_id": true, "owner": true, "repo": true, "id": true,
	"tenant": true, "region": true, "bucket": true, "account": true, "org": true, "organization": true, "workspace": true, "team": true,
	"instance": true, "host": true, "release": true, "release_id": true, "version": true, "site": true, "zone": true, "env": false}

// addressingOnly reports whether the URL template that starts at m in
// text has only placeholders that address a resource (domain, owner,
// repo, id …), not placeholders that carry data.
func addressingOnly(text, m string) bool { return addressingOnlyWith(text, m, nil) }

// addressingOnlyWith is addressingOnly where a placeholder named after
// one of the server's parameters ({folder}, {board_id}) also addresses.
func addressingOnlyWith(text, m string, isParam func(string) bool) bool {
	i := strings.Index(text, m)
	if i < 0 {
		return false
	}
	end := i
	for end < len(text) && text[end] != ' ' && text[end] != '\n' && text[end] != ')' {
		end++
	}
	n := 0
	for _, g := range placeholderRE.FindAllStringSubmatch(text[i:end], 8) {
		name := strings.TrimSpace(g[1] + g[2] + g[3] + g[4])
		if !addressingNames[name] && !addressingSuffix(name) && !(isParam != nil && isParam(name)) {
			return false
		}
		n++
	}
	return n > 0
}

// accompanyRE: "together with", "along with": the credential goes with
// the data, it is not the means of the call.
var accompanyRE = re(`\b(together|along|alongside|jointly|sammen|zusammen|junto|pamoja|plus)\s+(with|med|mit|con|na)\b`)

// instrumentCred reports whether the match at loc in text is a credential
// named as the means of the call ("authenticates with the API key in
// MAILGUN_API_KEY") rather than data handed over.
func instrumentCred(text string, loc []int) bool {
	return instrumentCredDepth(text, loc, 3)
}

// altCredRE: the end of "… classic token or a fine-grained ": an
// alternative to the credential named just before.
var altCredRE = re(`\s+(or|and|/|,)\s+(an? |the )?([\w-]+\s+){0,2}$`)

func instrumentCredDepth(text string, loc []int, depth int) bool {
	if !credObjRE.MatchString(text[loc[0]:loc[1]]) {
		return false
	}
	before := text[max(0, loc[0]-48):loc[0]]
	if instrumentAnyRE.MatchString(before) && !accompanyRE.MatchString(before) {
		return true
	}
	// An alternative to a credential that is itself the means: "uses
	// GITHUB_TOKEN (a classic token or a fine-grained token)".
	if depth == 0 || !altCredRE.MatchString(before) {
		return false
	}
	start := max(0, loc[0]-48)
	prev := credObjRE.FindAllStringIndex(text[start:loc[0]], -1)
	if len(prev) == 0 {
		return false
	}
	p := prev[len(prev)-1]
	return instrumentCredDepth(text, []int{start + p[0], start + p[1]}, depth-1)
}

// ownKeyRE: a parameter that names whose key it is: "your Stripe secret
// key", "the Twilio auth token".
var ownKeyRE = re(`\b([a-z][a-z0-9]{3,})\s+(secret |api |access |auth |private |restricted |personal access )?(key|token|api key|secret)\b`)

var notOwner = map[string]bool{"your": true, "their": true, "user": true, "users": true, "this": true, "that": true, "some": true, "secret": true,
	"access": true, "private": true, "bearer": true, "session": true, "personal": true, "auth": true, "master": true, "admin": true, "root": true}

// ownServiceCred reports whether a credential parameter is the user's key
// for the service the tool itself names ("Create a Stripe charge" with
// "Your Stripe secret key"): the tool needs it for what it says it does.
func ownServiceCred(purpose, desc string) bool {
	for _, m := range ownKeyRE.FindAllStringSubmatch(desc, 4) {
		if w := m[1]; !notOwner[w] && strings.Contains(purpose, w) {
			return true
		}
	}
	return false
}

// sentenceAround is the sentence of text that holds loc.
func sentenceAround(text string, loc []int) string {
	i := strings.LastIndexAny(text[:loc[0]], ".!?\n;")
	j := strings.IndexAny(text[loc[1]:], ".!?\n;")
	if j < 0 {
		j = len(text)
	} else {
		j += loc[1]
	}
	return text[i+1 : j]
}

// addressingSuffix reports a placeholder whose name says it addresses a
// resource ({phone_number_id}, {workspace_slug}, {shop}).
func addressingSuffix(name string) bool {
	n := strings.ToLower(name)
	if strings.HasSuffix(n, "id") && len(n) > 3 {
		return true // {accountsid}, {userid}
	}
	for _, suf := range []string{"id", "slug", "name", "shop", "store", "tenant", "org", "workspace", "instance", "region", "version", "bucket", "folder", "host", "subdomain", "domain"} {
		if n == suf || strings.HasSuffix(n, "_"+suf) || strings.HasSuffix(n, "-"+suf) {
			return true
		}
	}
	return false
}
