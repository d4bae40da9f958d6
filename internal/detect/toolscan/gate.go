package toolscan

import "strings"

// gate is a cheap first look at a normalised text: the phrase families
// run only when one of their key words is present. Text with non-ASCII
// letters goes through every family (the multilingual patterns have no
// English key words).
type gate struct {
	text  string
	ascii bool
}

func newGate(text string) gate {
	g := gate{text: text, ascii: true}
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			g.ascii = false
			break
		}
	}
	return g
}

func (g gate) any(keys []string) bool {
	if !g.ascii {
		return true
	}
	for _, k := range keys {
		if strings.Contains(g.text, k) {
			return true
		}
	}
	return false
}

// Key words of the families: every English pattern of a family contains
// at least one of them; the other languages' patterns are reached through
// the non-ASCII rule or through these (no, sin, ne, ohne …).
var (
	secrecyKeys = []string{"tell no", "nobody", "hidden", "wont", "notice", "not", "n't", "never", "dont", "avoid", "refrain", "without", "secret", "covert", "stealth", "surrepti",
		"clandestin", "behind", "silent", "quiet", "discreet", "invisib", "keep", "kept", "hide", "conceal", "mask", "obscur",
		"upset", "scare", "alarm", "worr", "frighten", "annoy", "bother", "distress", "confus", "concern", "visible", "shown",
		"no ", "sin ", "nao ", "sem ", "ne ", "sans ", "insu", "sag", "erwahn", "informier", "verrat", "zeig", "ohne", "heimlich",
		"insgeheim", "non ", "senza", "nascosto", "insaputa", "vertel", "zeg ", "meld ", "zonder", "stiekem", "nie ", "bez ",
		"kullan", "haberi", "jangan", "tanpa", "diam", "khong", "bi mat", "segredo", "secreto", "escondidas",
		"implizit", "implicit", "apparait", "aparece", "erscheint", "bleib", "vermeld", "noem", "laat", "user-facing", "user facing", "hace falta", "hara falta", "es necesario", "hay que", "tienes que", "tiene que", "simply as", "just as", "only as", "merely as", "always as", "part of what",
		"besoin", "inutile", "muss", "soll", "brauch", "tell the", "inform the", "notify the", "show the", "mention it to", "mention this to", "mention to", "lapse", "time out", "times out", "expire", "invalidat", "corrupt", "abort", "partially applied", "inconsistent state"}
	// noAskKeys: noAskRE's nouns, one of which it always holds.
	noAskKeys    = []string{"confirmation", "approval", "permission"}
	overrideKeys = []string{"ignor", "disregard", "forget", "overrid", "bypass", "skip", "discard", "precedence", "priority",
		"supersede", "regardless", "even if", "follow", "obey", "listen", "trust", "comply", "instruction", "priority", "anyway", "continue to", "nonetheless", "nevertheless", "proceed", "ignora", "ignore", "ignorie"}
	directedKeys = []string{"<", "[", "before", "prior", "must", "should", "need", "have to", "has to", "shall", "required",
		"always", "first", "immediately", "also", "otherwise", "necessary", "mandatory", "note to", "ai", "assistant", "llm",
		"model", "agent", "claude", "gpt", "whenever", "important", "critical", "attention", "conversation", "antes", "avant",
		"vor ", "bevor", "prima", "voordat", "przed", "sebelum", "kullan"}
	pretextKeys   = []string{"purpose", "reason", "check", "requirement", "policy", "verify", "required by"}
	toolRefKeys   = []string{"tool", "server", "function", "integration", "plugin"}
	jailbreakKeys = []string{"act as", "pretend", "without", "rules", "restrict", "developer mode", "jailbreak", "refus",
		"ignore", "bypass", "disable", "turn off", "dan", "uncensored", "no content", "no limits", "no filters"}
	intlDataKeys = []string{"contrase", "passe", "passw", "kennw", "parole", "senha", "wachtw", "hasl", "sifre", "sandi",
		"historial", "historique", "gesprach", "chatverlauf", "cronologia", "historico", "caixa", "bandeja", "boite",
		"posteingang", "casella", "claves", "cles", "schlussel", "chiavi", "historie", "historia", "historii", "gesprek",
		"sohbet", "riwayat", "lich su", "konversation", "bancari", "bancai", "bankdat", "factura", "contatt", "contacto",
		"contato", "kontakt", "copie", "copia", "kopie", "kopia"}
)
