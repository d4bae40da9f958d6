package toolscan

import (
	"strings"
)

// Structure that needs no vocabulary: a secret file named next to an
// outside address, or next to one of the tool's own parameters, says
// where the file is to go in any language. "~/.ssh/id_rsa … https://x" and
// "~/.aws/credentials … 'markus'" read the same in Estonian as in English.

// secretToDest reports a clause that names a secret file and, after it, a
// literal outside address that is neither cited nor chosen by the user.
func secretToDest(sent string) (path, dest string, ok bool) {
	loc := secretPathIndex(sent)
	if loc == nil {
		return "", "", false
	}
	rest := sent[loc[1]:]
	for _, d := range literalDestRE.FindAllStringIndex(rest, 4) {
		if referenceRE.MatchString(rest[max(0, d[0]-30):d[0]]) || exampleRE.MatchString(rest[max(0, d[0]-12):d[0]]) {
			continue
		}
		// ".env.example" is a file name, not the host env.example.
		if d[0] > 0 && strings.ContainsRune("./\\~", rune(rest[d[0]-1])) {
			continue
		}
		if userChoiceRE.MatchString(sent) || mitigatedRE.MatchString(sent) || configUseRE.MatchString(sent) {
			return "", "", false
		}
		return wholeToken(sent, loc[0], loc[1]), rest[d[0]:d[1]], true
	}
	return "", "", false
}

// configUseRE: a sentence about what the server is configured with
// ("Uses SHOPIFY_STORE_DOMAIN (acme.myshopify.com) and the token in
// SHOPIFY_ACCESS_TOKEN"), not about where data goes.
var configUseRE = re(`^\W*(uses|reads|takes|authenticates (with|using)|connects (to|with|using)|requires|needs|expects|usa|utiliza|emplea|nutzt|verwendet|benötigt|benotigt|utilise|nécessite|necessite|requer)\b|\b(is|are) (read|loaded|taken|sourced) from\b|\b(comes?|come) from\b|\bse (lee|toma|obtiene) de\b|\bwird aus \S+ gelesen\b|\best lu depuis\b`)

// purposeNamesPath reports a purpose text that uses one of the path's
// names.
func purposeNamesPath(purpose, path string) bool {
	purpose = strings.ReplaceAll(purpose, "_", " ")
	for _, w := range pathWords(path) {
		if strings.Contains(purpose, w) {
			return true
		}
		for _, a := range pathAliases[w] {
			if strings.Contains(purpose, a) {
				return true
			}
		}
	}
	return false
}

// pathAliases are the words a tool about a secret directory uses without
// naming it (a key generator writes to ~/.ssh).
var pathAliases = map[string][]string{
	"ssh":        {"keypair", "key pair", "ssh key"},
	"kubeconfig": {"kubectl", "kubernetes", "k8s", "cluster"},
	"aws":        {"amazon web services"},
	"kube":       {"kubernetes", "k8s", "kubectl"},
	"gnupg":      {"gpg", "pgp"},
	"npmrc":      {"npm"},
	"pypirc":     {"pypi", "twine"},
	"pgpass":     {"postgres", "psql"},
	"netrc":      {"curl", "ftp"},
}

// pathWords are the names in a secret path ("ssh", "aws", "credentials"):
// a tool whose own name or first sentence uses one of them works with
// that file (an SSH client names ~/.ssh/id_ed25519).
func pathWords(path string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(path), func(r rune) bool { return r < 'a' || r > 'z' }) {
		if len(w) >= 3 && w != "etc" && w != "home" && w != "users" && w != "config" {
			out = append(out, w)
		}
	}
	return out
}

// secretIntoParam reports whether a description names a secret file and
// one of the tool's own parameters (quoted, or after the word for "field"
// or "parameter" in some language) while the tool's name and first
// sentence have nothing to do with that file.
func secretIntoParam(name, desc, path string, param string) bool {
	if path == "" || len(param) < 2 {
		return false
	}
	d := strings.ToLower(desc)
	named := mentionsParam(desc, param)
	if !named {
		for _, m := range langFieldParamRE.FindAllString(d, 4) {
			if strings.Contains(m, strings.ToLower(param)) {
				named = true
				break
			}
		}
	}
	if !named {
		return false
	}
	first := strings.ToLower(name)
	if s := sentences(d); len(s) > 0 {
		first += " " + s[0]
	}
	return !purposeNamesPath(first, path) && !onlyAuthSentences(d, path, param) && !onlyForbidden(d, path) && !serversOwn(d, path)
}

// serversOwn reports a store named only as the server's own ("signed
// with the named secret from the server's keystore"): where the server
// keeps its secrets, which the model never touches.
func serversOwn(d, path string) bool {
	return everyMention(d, strings.TrimPrefix(strings.ToLower(path), "s "), func(s string, i int) bool {
		return serverOwnerRE.MatchString(s[:i])
	})
}

// everyMention reports a path named at least once in d, and in every
// sentence that names it, first at i, ok(sentence, i).
func everyMention(d, path string, ok func(sent string, i int) bool) bool {
	p := strings.ToLower(path)
	n := 0
	for _, s := range sentences(d) {
		i := strings.Index(s, p)
		if i < 0 {
			continue
		}
		if !ok(s, i) {
			return false
		}
		n++
	}
	return n > 0
}

var serverOwnerRE = re(`\b(the )?(server|service|backend|gateway|relay|platform)(’|')s\s*$|\b(its|our) own\s*$`)

// onlyForbidden reports a path named only in clauses that forbid doing
// something with it ("do not paste tokens, `.env` contents or
// credentials into PR bodies", "never cat files such as .env"), that
// leave it out ("consider excluding ~/.ssh"), or that give it as an
// example of a place (decoys "planted where an intruder would find them
// (e.g. ~/.aws/credentials)"): the server's rule against the act,
// whatever parameter it mentions elsewhere. "Do not skip reading
// ~/.ssh/id_rsa" is an order.
func onlyForbidden(d, path string) bool {
	return everyMention(d, path, func(s string, i int) bool {
		tail := sentenceTail(s[:i], 80)
		return forbiddenClause(tail) || exclusionRE.MatchString(tail) || exampleRE.MatchString(s[max(0, i-32):i])
	})
}

// exclusionRE: a mention that is left out ("consider excluding ~/.ssh",
// "skip .env").
var exclusionRE = re(`\b(exclud\w*|except|excepting|ignor(e|es|ed|ing)|omit(s|ted|ting)?|skip(s|ped|ping)?)\b[^.;:!?]{0,60}$`)

// forbiddenClause reports text before a mention that opens a prohibition
// in the mention's own clause.
func forbiddenClause(tail string) bool {
	loc := prohibitionRE.FindStringIndex(tail)
	return loc != nil && !orderedByNegationRE.MatchString(tail[loc[0]:])
}

var (
	prohibitionRE       = re(`\b(do not|don't|dont|never|must not|mustn't|should not|shouldn't|may not|cannot|can't|avoid)\b[^.;:!?]*$`)
	orderedByNegationRE = re(`^\S+( not|n't)?\s+(` + skipVerbs + `)\b`)
)

// authSentenceRE: a sentence about how the tool itself authenticates.
var authSentenceRE = re(`\b(authenticat\w+|auth|log ?in|sign ?in)\b|認証|认证|認證|인증`)

// onlyAuthSentences reports a path named only in sentences that say how
// the tool authenticates ("認証には Application Default Credentials
// （gcloud auth …）を使用します") and name neither the parameter nor a
// transfer: the tool's own login, not a file the model is asked to send
// ("to authenticate, put ~/.aws/credentials in `notes`" still counts).
func onlyAuthSentences(d, path, param string) bool {
	return everyMention(d, path, func(s string, _ int) bool {
		return authSentenceRE.MatchString(s) && !mentionsParam(s, param) && !transferBaseRE.MatchString(s)
	})
}
