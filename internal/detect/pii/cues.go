package pii

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agentgov/agentgov/internal/detect"
)

// Context cues, Presidio-style: words near a candidate raise its score
// (a card number after "card", a date after "born"), or lower it (a
// Luhn-valid number after "order" or "reference", a dotted quad after
// "version"). The text is split into words once (camelCase, snake_case and
// kebab-case identifiers split into their words, so "date_of_birth",
// "dateOfBirth" and "date of birth" are the same cue), every word is
// looked up once in a hash table of cue words, multi-word cues are matched
// at their last word against the words before it, and each candidate then
// finds the hits in a window around it by binary search. The cost of
// context is therefore one linear pass and no allocation per word.

// cueMask has one bit per entity (positive cue, bit = entity index) and
// the bits below.
type cueMask uint64

const (
	cueNegID      cueMask = 1 << 20 // order, invoice, reference, tracking, sku …: identifiers, not PII
	cueNegVersion cueMask = 1 << 21 // version, release, build, firmware …: dotted numbers are versions
	cueNegSection cueMask = 1 << 22 // section, chapter, figure …: dotted numbers are headings
	cueNegAccount cueMask = 1 << 23 // account, customer id …: long numbers are account numbers, not phones
	cueIntro      cueMask = 1 << 24 // "my name is", "name:", "from:": a name follows
	cueTitle      cueMask = 1 << 25 // Mr, Dr, Frau, Mme: a (sur)name follows
	cueGreeting   cueMask = 1 << 26 // Dear, Hi, Hola: a name follows
	cueClosing    cueMask = 1 << 27 // Regards, Cheers: a name on the next line
	cueRole       cueMask = 1 << 28 // patient, applicant, payee: a name may follow

	cuePerson = cueIntro | cueTitle | cueGreeting | cueClosing | cueRole
)

func bit(e entity) cueMask { return 1 << e }

// cueTable lists the cue phrases, lower case, '|' separated. Multi-word
// phrases also match with '_', '-' or nothing between the words (JSON keys
// and identifiers: date_of_birth, phoneNumber, dateOfBirth).
var cueTable = []struct {
	mask    cueMask
	phrases string
}{
	{bit(eEmail), "email|e-mail|mail|email address|courriel|correo|correo electrónico|posta elettronica|adresse mail|adresse e-mail|mailto"},
	{bit(ePhone), "phone|phone number|phone no|telephone|tel|tél|tel no|mobile|mobile number|mob|cell|cell phone|cellphone|fax|call|call me|ring|ring me|text me|sms|whatsapp|signal|contact number|reach me|landline|hotline|dial|téléphone|portable|joindre|appeler|telefon|telefonnummer|handy|mobil|mobilnummer|rufnummer|anrufen|teléfono|telefono|móvil|movil|celular|llamar|llámame|cellulare|numero|número|numéro|chiamami|telefoonnummer|mobiel|bellen|tlf|puhelin|telefone|ph|phone #|tel #|m:|t:|p:"},
	{bit(eIP), "ip|ip address|ipv4|ipv6|addr|inet|inet6|host|server|gateway|client ip|remote addr|src|dst|source ip|from ip|peer|upstream|dns|nameserver|bcast|broadcast|x-forwarded-for|blocked|login from"},
	{bit(eSSN), "ssn|ssn#|social security|social security number|social security no|soc sec|ss#|ss no|ssa|sozialversicherungsnummer|número de seguro social"},
	{bit(eCard), "card|card number|card no|credit card|debit card|cc|cc#|ccn|pan|visa|mastercard|master card|amex|american express|discover|diners|jcb|unionpay|maestro|carte|carte bancaire|numéro de carte|tarjeta|número de tarjeta|karte|kreditkarte|kartennummer|carta|carta di credito|creditcard|kaart|payment card|card on file|charge|charged|declined"},
	{bit(eIBAN), "iban|bic|swift|account|konto|kontonummer|compte|cuenta|conto|rekening|rekeningnummer|bank|bank account|sepa|wire|transfer|überweisung|virement|transferencia|bonifico"},
	{bit(ePassport), "passport|passport no|passport number|passport #|passport num|pasaporte|passeport|reisepass|passaporto|paspoort|travel document"},
	{bit(eDL), "driver's license|drivers license|driver license|driver's licence|drivers licence|driver licence|driving licence|driving license|driver's lic|dl|dl#|dl no|dl number|dln|license no|license number|licence no|licence number|lic no|lic#|license #|permis de conduire|führerschein|licencia de conducir|patente di guida|rijbewijs"},
	{bit(eITIN), "itin|individual taxpayer|taxpayer identification|taxpayer id|tax id|tin"},
	{bit(eNHS), "nhs|nhs number|nhs no|nhs#|national health service|chi number|hcn"},
	{bit(eNINO), "nino|ni number|ni no|national insurance|national insurance number|national insurance no|nat ins|insurance number"},
	{bit(eMAC), "mac|mac address|hwaddr|ether|hardware address|bssid|physical address|lladdr"},
	{bit(eCrypto), "btc|bitcoin|eth|ether|ethereum|wallet|address|crypto|usdt|segwit|taproot|send to|payout"},
	{bit(eDOB), "born|born on|date of birth|birth date|birthdate|birthday|dob|d.o.b|d.o.b.|fecha de nacimiento|nacido|nacida|nacimiento|né|née|né le|née le|date de naissance|naissance|geboren|geburtsdatum|geb.|geboren am|data di nascita|nato|nata|nascita|geboortedatum|geboren op|data de nascimento|nascido|nascida|nascimento|urodzony|urodzona|data urodzenia|födelsedatum|född|fødselsdato|født|syntymäaika|doğum tarihi|dogum tarihi|生年月日|出生日期"},
	{bit(eAddress), "address|street|home address|mailing address|shipping address|billing address|ship to|deliver to|lives at|living at|resides at|réside|reside|adresse|anschrift|wohnhaft|dirección|direccion|domicilio|indirizzo|adres|bezorgadres|morada|endereço"},

	{cueNegID, "order|order no|order number|order id|invoice|inv|bill no|receipt|ref|reference|ref no|tracking|tracking number|track|sku|ean|upc|isbn|id|ids|identifier|uuid|guid|ticket|case|case no|incident|txn|transaction|transaction id|trace|trace id|request id|session|po|purchase order|serial|serial no|s/n|sn|part|part no|model|item|product|batch|lot|build|job|run|pipeline|commit|customer reference|confirmation|booking|reservation|pnr|shipment|parcel|awb|device id|record|row|otp|pin|verification code|bestellung|bestellnummer|rechnung|referenz|commande|facture|référence|pedido|factura|referencia|ordine|fattura|riferimento|bestelnummer|factuur|kenmerk"},
	{cueNegVersion, "version|ver|v|release|released|build|firmware|kernel|sdk|api|driver|revision|rev|patch|update|upgrade|package|library|lib|chrome|chromium|firefox|android|ios|windows|macos|ubuntu|debian|python|node|java|golang|npm|pip|gem|cuda|protobuf|grpc|dependency|dependencies|pinned|bumped|semver"},
	{cueNegSection, "section|sec|§|chapter|chap|clause|paragraph|para|figure|fig|table|step|article|art|oid|rule|appendix|annex|item|point|exhibit"},
	{cueNegAccount, "account|acct|account no|account number|customer id|customer no|member id|membership|policy|policy no|claim|iccid|imei|imsi|meid|msisdn"},

	{cueIntro, "my name is|name is|name|full name|first name|given name|i am|i'm|this is|it's me|je m'appelle|je suis|mon nom est|nom|prénom|ich heiße|ich heisse|ich bin|mein name ist|name:|mi nombre es|me llamo|soy|nombre|mi chiamo|sono|il mio nome è|nome|mijn naam is|ik ben|naam|o meu nome é|meu nome é|chamo-me|me chamo|from:|to:|cc:|bcc:|attendees|participants|approved by|signed by|reviewed by|prepared by|written by|authored by|assigned to|submitted by|requested by|created by|owner|author|contact|contact person|caller|speaker|interviewer|interviewee|witness|signed"},
	{cueTitle, "mr|mrs|ms|miss|mx|dr|prof|professor|sir|dame|lord|lady|herr|frau|monsieur|madame|mme|mlle|m.|señor|señora|señorita|sr|sra|srta|doña|signor|signora|sig.ra|dott|dott.ssa|dhr|mevr|mevrouw|meneer|heer|capt"},
	{cueGreeting, "dear|hi|hello|hey|hiya|howdy|greetings|good morning|good afternoon|good evening|thanks|thank you|many thanks|cheers|hola|buenos días|estimado|estimada|querido|querida|bonjour|bonsoir|salut|cher|chère|hallo|liebe|lieber|sehr geehrte|sehr geehrter|guten tag|moin|servus|ciao|salve|gentile|caro|cara|buongiorno|beste|geachte|hoi|olá|oi|prezado|prezada|caro|cara|merci|danke|gracias|grazie|bedankt|obrigado|obrigada"},
	{cueClosing, "regards|kind regards|best regards|warm regards|warmest regards|best wishes|best|all the best|cheers|thanks|thank you|many thanks|thanks again|sincerely|yours sincerely|sincerely yours|yours truly|yours faithfully|respectfully|cordially|take care|talk soon|cordialement|bien cordialement|bien à vous|amitiés|bises|mit freundlichen grüßen|mit freundlichen gruessen|freundliche grüße|viele grüße|beste grüße|liebe grüße|grüße|lg|vg|mfg|saludos|un saludo|saludos cordiales|atentamente|un abrazo|cordiali saluti|distinti saluti|saluti|un saluto|met vriendelijke groet|vriendelijke groet|groeten|groet|atenciosamente|abraços|cumprimentos|signed|sent from"},
	{cueRole, "patient|customer|client|employee|applicant|candidate|traveller|traveler|passenger|guest|tenant|holder|account holder|cardholder|card holder|payee|payer|beneficiary|recipient|sender|titular|kontoinhaber|inhaber|bénéficiaire|beneficiario|destinatario|empfänger|student|resident|insured|policyholder|claimant|subscriber|buyer|seller|landlord|ceo|cto|cfo|coo|founder|president|director|manager|met with|spoke with|talked to"},
}

// cueHit is one cue phrase found in the text.
type cueHit struct {
	start, end int
	mask       cueMask
}

// cuePhrase is a multi-word cue, indexed by its last word.
type cuePhrase struct {
	before []string // the words before the last, in order
	mask   cueMask
	// suffix, when set, must follow the phrase ("from:", "ss#").
	suffix byte
}

type cueWord struct {
	mask    cueMask // the word alone is a cue
	phrases []cuePhrase
}

type cueIndex struct {
	words map[string]*cueWord
	// filter has a bit per (length, first letter, last letter) of the cue
	// words: most words of a text miss it and skip the hash lookup.
	filter [1 << 15 / 64]uint64
}

func filterBit(w []byte) int {
	return (len(w)&31)<<10 | int(w[0]&31)<<5 | int(w[len(w)-1]&31)
}

// maxCueWords bounds the words of a phrase; maxCueWordLen the bytes of a
// word (longer words are never cues).
const (
	maxCueWords   = 4
	maxCueWordLen = 32
)

func buildCueIndex() *cueIndex {
	ix := &cueIndex{words: map[string]*cueWord{}}
	entry := func(w string) *cueWord {
		e := ix.words[w]
		if e == nil {
			e = &cueWord{}
			ix.words[w] = e
		}
		return e
	}
	for _, row := range cueTable {
		for _, p := range strings.Split(row.phrases, "|") {
			p = strings.TrimSpace(p)
			var suffix byte
			// A trailing ':' or '#' must follow in the text ("from:",
			// "ss#"); so must the dot of a one-letter abbreviation ("m.").
			if n := len(p); n > 1 && (p[n-1] == ':' || p[n-1] == '#' || p[n-1] == '.' && n == 2) {
				suffix = p[n-1]
				p = strings.TrimSpace(p[:n-1])
			}
			ws := splitCueWords(p)
			if len(ws) == 0 || len(ws) > maxCueWords {
				continue
			}
			last := entry(ws[len(ws)-1])
			if len(ws) == 1 {
				if suffix == 0 {
					last.mask |= row.mask
				} else {
					last.phrases = append(last.phrases, cuePhrase{mask: row.mask, suffix: suffix})
				}
				continue
			}
			last.phrases = append(last.phrases, cuePhrase{before: ws[:len(ws)-1], mask: row.mask, suffix: suffix})
		}
	}
	for w := range ix.words {
		b := filterBit([]byte(w))
		ix.filter[b/64] |= 1 << (b % 64)
	}
	return ix
}

// splitCueWords splits a cue phrase of the table into lower-case words the
// way the text is split.
func splitCueWords(p string) []string {
	var out []string
	forEachWord(p, func(s, e int, lower []byte) bool {
		if len(lower) == 0 {
			out = nil // a word too long to be looked up
			return false
		}
		out = append(out, string(lower))
		return true
	})
	return out
}

// forEachWord calls fn for each word of text with its span and its
// lower-case form (valid only during the call). Words are letters with
// inner apostrophes ("driver's", "m'appelle"); digits, punctuation, '_'
// and '-' separate them, and so does a lower-to-upper change (camelCase).
// fn returns false to stop.
func forEachWord(text string, fn func(s, e int, lower []byte) bool) {
	var buf [maxCueWordLen + 4]byte
	for i := 0; i < len(text); {
		c := text[i]
		if c < 0x80 && !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			i++
			continue
		}
		if c >= 0x80 {
			if r, sz := utf8.DecodeRuneInString(text[i:]); !unicode.IsLetter(r) {
				i += sz
				continue
			}
		}
		var r rune
		var sz int
		s, n, tooLong := i, 0, false
		prevLower := false
		for i < len(text) {
			c = text[i]
			lower := false
			if c < 0x80 {
				switch {
				case c >= 'a' && c <= 'z':
					r, sz, lower = rune(c), 1, true
				case c >= 'A' && c <= 'Z':
					if prevLower {
						goto done // camelCase boundary
					}
					r, sz = rune(c+'a'-'A'), 1
				case c == '\'' && i > s && i+1 < len(text) && isLetterAt(text, i+1):
					r, sz = '\'', 1
				default:
					goto done
				}
			} else {
				r, sz = utf8.DecodeRuneInString(text[i:])
				switch {
				case r == '’' && i > s && isLetterAt(text, i+sz):
					r = '\''
				case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r):
					if unicode.IsUpper(r) {
						if prevLower {
							goto done
						}
						r = unicode.ToLower(r)
					} else {
						lower = true
					}
				default:
					goto done
				}
			}
			prevLower = lower
			if n+utf8.RuneLen(r) <= maxCueWordLen {
				n += utf8.EncodeRune(buf[n:], r)
			} else {
				tooLong = true
			}
			i += sz
		}
	done:
		if tooLong {
			n = 0
		}
		if !fn(s, i, buf[:n]) {
			return
		}
	}
}

func isLetterAt(text string, i int) bool {
	if i >= len(text) {
		return false
	}
	c := text[i]
	if c < 0x80 {
		return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	r, _ := utf8.DecodeRuneInString(text[i:])
	return unicode.IsLetter(r)
}

// isWordByte reports whether c may be part of a word: ASCII letters and
// digits, and every byte of a multi-byte UTF-8 sequence (treating all of
// them as word bytes keeps "phone" from matching inside "téléphone").
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLowerASCII(c byte) bool { return c >= 'a' && c <= 'z' }

// find returns the cue hits in text ordered by end offset. Hits inside
// redaction tags are dropped (a tag's name must not act as context).
func (ix *cueIndex) find(text string, tags [][2]int) []cueHit {
	type prev struct {
		s, e int
		w    [maxCueWordLen]byte
		n    int
	}
	var ring [maxCueWords - 1]prev // the words before the current one, newest last
	nring := 0
	hits := make([]cueHit, 0, 16)
	forEachWord(text, func(s, e int, lower []byte) bool {
		if len(lower) == 0 {
			nring = 0 // an over-long word breaks phrases
			return true
		}
		if b := filterBit(lower); ix.filter[b/64]&(1<<(b%64)) == 0 {
			// fall through to the ring push below
		} else if cw := ix.words[string(lower)]; cw != nil {
			if cw.mask != 0 && (len(tags) == 0 || !detect.OverlapsAny(tags, s, e)) {
				hits = append(hits, cueHit{s, e, cw.mask})
			}
			for _, ph := range cw.phrases {
				k := len(ph.before)
				if k > nring {
					continue
				}
				ok := true
				next := s
				for j := k - 1; j >= 0 && ok; j-- {
					p := &ring[nring-k+j]
					ok = string(p.w[:p.n]) == ph.before[j] && joined(text, p.e, next)
					next = p.s
				}
				if !ok {
					continue
				}
				start := s
				if k > 0 {
					start = ring[nring-k].s
				}
				if ph.suffix != 0 && !followedBy(text, e, ph.suffix) {
					continue
				}
				if len(tags) == 0 || !detect.OverlapsAny(tags, start, e) {
					hits = append(hits, cueHit{start, e, ph.mask})
				}
			}
		}
		// Push the word into the ring.
		if nring == len(ring) {
			copy(ring[:], ring[1:])
			nring--
		}
		p := &ring[nring]
		p.s, p.e, p.n = s, e, copy(p.w[:], lower)
		nring++
		return true
	})
	// Words come in order, so hits are ordered by end already; a phrase
	// and its last word end together, in either order.
	return hits
}

// joined reports whether two words of a phrase are separated by at most
// two bytes of spaces or word separators on one line.
func joined(text string, prevEnd, nextStart int) bool {
	if nextStart-prevEnd > 2 {
		return false
	}
	for i := prevEnd; i < nextStart; i++ {
		switch text[i] {
		case ' ', '_', '-', '.', '\'', '/':
		default:
			return false
		}
	}
	return true
}

// followedBy reports whether c follows position e, after optional spaces.
func followedBy(text string, e int, c byte) bool {
	for e < len(text) && text[e] == ' ' {
		e++
	}
	return e < len(text) && text[e] == c
}

// Window sizes, in bytes: about six words before a candidate, three after,
// and "near" (negative cues count only when they label the candidate).
const (
	ctxBefore     = 64
	ctxAfter      = 32
	ctxNearBefore = 20
	ctxNearAfter  = 12
)

// context returns the positive cues around [start,end) and the cues near
// it. The window stays on the candidate's line, and also takes in the line
// above when the candidate starts its line ("Phone:\n+44 …").
func (s *scan) context(start, end int) (around, near cueMask) {
	text := s.text
	// Every search is bounded by the window, so that a huge single-line
	// input stays linear.
	floor := max(0, start-ctxBefore)
	lineStart := strings.LastIndexByte(text[floor:start], '\n') + 1 + floor
	if lineStart == floor && floor > 0 && text[floor-1] != '\n' {
		lineStart = -1 // the line starts before the window
	}
	from := max(lineStart, floor)
	if lineStart > 0 && onlyPunct(text[lineStart:start]) {
		from = max(floor, strings.LastIndexByte(text[floor:lineStart-1], '\n')+1+floor)
	}
	to := min(end+ctxAfter, len(text))
	if k := strings.IndexByte(text[end:to], '\n'); k >= 0 {
		to = end + k
	}
	hits := s.hits
	// Hits are ordered by end; take those ending in [from, to].
	i := sort.Search(len(hits), func(i int) bool { return hits[i].end >= from })
	for ; i < len(hits) && hits[i].end <= to+64; i++ {
		h := hits[i]
		if h.start < from {
			continue
		}
		switch {
		case h.end <= start:
			around |= h.mask
			if start-h.end <= ctxNearBefore {
				near |= h.mask
			}
		case h.start >= end && h.start <= to:
			around |= h.mask
			if h.start-end <= ctxNearAfter {
				near |= h.mask
			}
		}
	}
	return around, near
}

func onlyPunct(s string) bool {
	for i := 0; i < len(s); i++ {
		if isWordByte(s[i]) {
			return false
		}
	}
	return true
}
