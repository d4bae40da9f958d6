package toolscan

import (
	"cmp"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Schema-level intents: what a parameter asks for, and what the tool as
// a whole says about its privileges and the origin of its targets. Like the
// sentence grammar in intent.go, both combine classes of words in several
// languages instead of matching whole phrases.

// fillIntentRE: asking the model to put something into a field, or to put
// all of something there.
var fillIntentSrc = `\b(paste|fill|populate|put|insert|include|set|enter|copy|dump|attach|provide|supply|concatenate|concatene|completo|completa|completos|completas|all|every|entire|full|complete|whole|verbatim|raw|unedited|pegue|pega|pegar|incluye|incluya|inserte|introduce|rellena|toda|todo|todas|todos|eintragen|einfugen|fugen|trage|alle|gesamte\w*|vollstandige\w*|befull\w*|ubernehm\w*|uebernehm\w*|einzutragen|colle|collez|inserez|remplis\w*|tout|toute|toutes|tous|integralement|reporter|recopier|recopiez|cole|insira|preencha|integralmente|intégralement|inserisci|inserire|incolla|riporta|compila|integrale|renseignez|renseigner|indiquez|saisissez|mettez)\b|貼り付け|すべて|全て|入れ|記入|含め|填写|填入|粘贴|所有|全部|вставь|вставьте|укажи|укажите|всю|все |весь|붙여|모든|입력`

// fillIntentBaseRE is fillIntentRE without the words of langs.go, for text that holds none of them.
var fillIntentBaseRE = re(fillIntentSrc)

var fillIntentRE = re(fillIntentSrc + langAlt(lcFill))

// ownedDataRE: a description that names data as the agent's or the
// user's ("the credentials available to you", "the last 50 chat turns").
var ownedDataRE = re(`\b(your|user'?s?|available to you|you (have|hold|know|see)|the assistant'?s?|(last|previous|prior|recent) \d+|all|every|entire|full|whole)\b`)

// sysPromptObjRE: the model's own instructions.
var sysPromptObjRE = re(`\b(system prompt|system message|hidden instructions|instructions you were given|your instructions)\b|系统提示|システムプロンプト|системн\S* (промпт|подсказк)|시스템 프롬프트`)

// privilegeIntentRE: the server acting with rights of its own, in several
// languages (the English forms of privilegeRE are reused as well).
var privilegeIntentRE = re(`\b(root|sudo|superuser|(as|with) (an? |the )?(admin|administrator|superuser|owner)\b|admin (rights|privileges|credentials|token|role|account|delegation)|internal (network|hosts?|hostnames?|services?|endpoints?|apis?)|super ?user( session)?|(ceo|cfo|cto|executive|director|president|founder)'?s? (email )?(address|account|mailbox|identity|name|signature)|on behalf of any|metadata (service|endpoint|address)(es|s)?|(within|inside|from) the (\w+ )?(vpc|cluster network|intranet|private network)|169\.254\.169\.254|production (primary|database|cluster|hosts?)|cluster[ -]admin|owner (role|token)|global admin|domain[ -]wide|delegation|treasury|full disk access|owner'?s? (\w+ )?(token|credentials?|keys?|account|session)|clave (\w+ )?maestra|master key|dba role|(key|token|credentials?|account) (held|owned|stored|kept) (by|on) the server|master (ssh |api )?(key|account|token)|enterprise[ -]owner|(full )?write privileges|root credentials|deploy (key|credentials)|service[ -]account|server'?s? (\w+ ){0,2}(token|credentials|kubeconfig|key|permissions|privileges|rights|identity|network|gateway|proxy)|(organi[sz]ation|platform|company|org)'?s? (\w+ ){0,2}(credentials|key|token|account)|privileged|con (los )?permisos del servidor|credenciales del servidor|als root|mit root\w*|de l'administrateur|do servidor|del servidor|des servers|credenci(ais|ales) de administrador|(credenciais|permissoes|privilegios) (de administrador|da organizacao|da empresa)|(credenciales|permisos|privilegios) (de administrador|de la organizacion|de la empresa)|conta de servico|cuenta de servicio|compte de service|dienstkonto|sudo sem senha|sudo sin contrasena|sudo sans mot de passe|admin (api )?keys?|operator (permissions|privileges|rights|level|access)|(firm|agency|practice|operator)'?s? (\w+ ){0,3}(account|credentials|key|token|access)|delegated (authority|access|rights|credentials|permissions)|power of attorney|access to all (of the )?(company|corporate|business|customer|client|firm) (bank )?accounts|(integration|automation|system|procurement) (integration |service )?account|(the )?user'?s? (authori[sz]ed|authenticated|connected|signed in|logged in) (\w+ )?(account|session|credentials|mailbox|token)|(perfil|conta|credenciais?|cuenta) de servi(c|ç)(o|io) (do|da|del|de la)|(filer|admin|owner|superuser)[ -]level access|koncie administratora|(credenciales|firma|e\.?firma|cuenta|certificado|credenciais|conta) (\w+ ){0,2}(del|do|da) (despacho|bufete|estudio|empresa|escritorio|firma)|e\.?firma institucional|beheerders(sleutel|rechten|account|token)\w*|met (de )?rechten van (de )?beheerder|(uprawnieniami|prawami|uprawnienia) administratora|konta serwisowego|deploy[ -]?schlussel\w*|produktions[ -]?zugangsdaten|zugangsdaten (des|der) (runners?|servers?|organisation|firma)|admin[ -]?rechte\w*|administratorrechte\w*|mit den rechten (des|der) (servers?|dienstes|organisation))\b|代理权限|集成账号|服务账号|管理员账号|管理员权限|超级管理员|сервисн\S* учетн\S* запис|служебн\S* учетн\S* запис|ко всем внутренним систем|管理者権限|root ?权限|服务器的|от имени владельца|внутренн\S* сет|сети сервера|от имени сервера|с правами|владельц|관리자 권한` + langAlt(lcPriv))

// privilegeKeys: every ASCII alternative of privilegeIntentRE contains
// one of them (see gate).
var privilegeKeys = []string{"root", "sudo", "super", "admin", "internal", "metadata", "169.254", "production", "vpc", "cluster",
	"intranet", "private network", "owner", "delegation", "treasury", "disk access", "privilege", "deploy", "service", "server",
	"organi", "platform", "company", "org", "permisos", "credenciales", "administrateur", "servidor", "master", "maestra", "dba",
	"ceo", "cfo", "cto", "executive", "director", "president", "founder", "on behalf", "global", "domain", "write",
	"credenci", "permiss", "privilegio", "servico", "servicio", "dienstkonto", "schlussel", "zugangsdaten", "rechte", "operator", "firm", "agency", "practice", "filer", "delegated", "perfil", "integration", "automation", "system", "procurement", "authori", "authenticated", "connected", "signed in", "logged in", "koncie", "uprawnien", "prawami", "konta", "despacho", "firma", "beheerder", "учетн", "внутренним"}

// arbitraryIntentRE: targets nobody constrains.
var arbitraryIntentRE = re(`\b((including|even|incl) (\w+ ){0,2}(internal|private|localhost|metadata|intranet)|(any|arbitrary|whatever|every) (\w+ ){0,2}(urls?|hosts?|paths?|files?|commands?|quer(y|ies)|sql|statements?|roles?|users?|resources?|permissions?|principals?|address(es)?|recipients?|iban|accounts?|remotes?|repositor(y|ies)|mailbox(es)?|director(y|ies)|requests?|scripts?|endpoints?|targets?|tables?|databases?|dbs?|records?|buckets?|ids?|employees?|members?|customers?|tenants?|git urls?|kubectl commands?|shell commands?)\b|whatever (the )?\w+ (asks|says|wants|contains|requests|specifies|tells)|(copied|pulled|read|reads|lifted|supplied|provided|taken) (\w+ ){0,6}(from|by) (the |a |an )?(\w+ ){0,2}(ticket|email|e mail|message|page|document|comment|input|conversation|prompt|request\w*)|(do not|does not|don't|doesn't|never) trigger (the |any )?(\w+ ){0,2}(verification|review|approval|check|confirmation)|unfiltered|unsanitized|unsanitised|qualsiasi|willekeurig\w*|herhangi|elke|arbitrary|unvalidated|unchecked|unrestricted|not (validated|checked|verified|sandboxed|restricted)|no (\w+ ){0,2}(check|checks|validation|allow ?list|allowlist|restriction|restrictions|review|confirmation|approval|gate|sandbox)|without (\w+ ){0,2}(validation|checks?|review|approval|confirmation|restriction)|verbatim|passed through unchanged|straight from|taken (verbatim )?from|comes? (straight )?from|decid\w+ by the content|not verified|ungepruft|beliebig\w*|sin (validacion|lista blanca|restriccion\w*|verificar)|cualquier\w*|n'importe|qualquer|sans (validation|controle|restriction)|(extraid|tirad|copiad|retirad|obtid|obtenid|tomad|sacad|lid|leid)[oa]s? (\w+ ){0,2}(do|da|dos|das|de|del|de la|de los|de las|desde) (\w+ ){0,2}(chamado|ticket|e ?mails?|correos?|paginas?|mensage(m|ns)|mensajes?|documentos?|comentarios?|conversas?|conversaciones?|solicitac\w+|solicitud\w*|pedidos?|peticion\w*)|conforme (indicado|solicitado|pedido) (na|no|en la|en el) (solicitacao|mensagem|pedido|chamado|solicitud|mensaje|peticion)|segun (lo )?(indicado|solicitado|pedido) en (la|el) (solicitud|mensaje|peticion|ticket|correo)|(forks?|pull requests?|prs?|merge requests?) (from|of|by) (external|outside|third[- ]party|untrusted|unknown|any) (contributors?|users?|authors?|people)|(externer|externen|fremder|fremden) (beitragender|beitragenden|forks?|nutzer|autoren)|auch fur forks|whichever (player|user|member|customer|sender|person|account|client) (sent|wrote|posted|asked|typed|requested)( it)?|(does not|doesn't|do not|don't|never) (check|verify|validate|look at) (the )?(sender|author|caller|requester|player|user)'?s? (rank|role|identity|permissions?)|(sender|author|caller|requester)'?s? (rank|role|identity|permissions?) (is|are) not (checked|verified)|wprost z (tresci|wiadomosci|maila|zgloszenia)|z tresci (maila|wiadomosci|zgloszenia)|nie jest sprawdzane|nikt nie sprawdza|dowoln\w+|(overgenomen|gehaald|genomen|gekopieerd) uit (\w+ ){0,4}(e ?mails?|berichten|documenten|vrachtbrieven|tickets|opmerkingen)|binnenkomende (documenten|berichten|e ?mails)|ongeacht (welke|wie)|(tomarse|tomado|tomada|tomados|aplicarse|aplicados) (directamente |tal como llegan|tal cual)|tal como llegan|no es necesario que el solicitante|no se exige (autenticacion|verificacion|identificacion)|sin (autenticacion|verificar la identidad)|(nao e|nao se) exig\w* (autenticacao|verificacao)|keine (authentifizierung|prufung|verifizierung)|without (authenticating|verifying) the (requester|sender|caller)|no (authentication|verification) of the (requester|sender|caller)|(verification|authentication|checks?|pin)( and [\w-]+ verification)? (are|is) (treated|considered|deemed) as (already )?(completed|done|passed|satisfied)|e dispensad[ao]|verificacao (\w+ ){0,4}(e )?dispensad[ao]|vindos? de (mensagens|formularios|e ?mails)|(procedentes|provenientes) de (mensajes|formularios|correos)|whoever is (named|listed|written|entered) in|(take|use|copy|read|pull|extract)s? (\w+ ){0,6}(directly |straight )?from the (content|body|text) of (the |a |an |any )?(\w+ ){0,2}(invoice|email|e mail|message|attachment|document|ticket)s?|(do|does|will) not (require|need) (\w+ ){0,2}(confirmation|approval|verification|review) (by|from) the user)\b|непосредственно из (писем|сообщении|вложении|комментари|документ)|из текста (полученного|входящего)|проверка \S+ не требуется|не требует проверки|直接取自|取自邮件|来自邮件|无需核对|无需验证|无需确认|任意|制限はありません|制限なし|そのまま|不做任何校验|不做校验|任何|直接取自|любой|любую|любые|любому|любого|любом|не проверя|без проверки|제한 없이|임의` + langAlt(lcArb))

// guardParamRE: a parameter that turns a safeguard off.
var guardParamRE = re(`^(bypass|skip|force|override|ignore|disable|no|allow|unsafe|admin)[_ -]?[a-z_ -]*(protection|review|reviews|checks?|verif\w*|approval|confirm\w*|policy|policies|guard\w*|rules?|limits?|safety|sandbox|scan|validation|hooks?|signing|2fa|mfa|override|merge)?$`)

// contentTriggerRE: a value chosen by what a piece of content says, not
// by the user.
var contentTriggerRE = re(`\b(whenever|when|if|once)\b[^.;]{0,60}\b(title|body|content|text|message|comment|description|subject|e ?mail|issue|ticket|pr|pull request|commit message|page|document|label)s?\b[^.;]{0,40}\b(contains?|says?|mentions?|includes?|asks? for|requests?|reads?|has|is tagged|carries)\b`)

// forwardedRE: a parameter's content passed on beyond the tool.
var forwardedRE = re(`\b(is|are|gets?|will be|get) (also |then |automatically |additionally )?(forwarded|sent|shared|copied|mirrored|uploaded|transmitted|relayed|passed on|submitted|e ?mailed|posted|exported|synced) (on )?to\b` +
	// Spanish, Portuguese, French and Italian passives (the text is
	// lower-cased, not stripped of accents).
	`|\bse (reenv[ií]a|env[ií]a|comparte|transmite|remite|sube|copia|reenv[ií]an|env[ií]an|comparten|transmiten)( tambi[eé]n| autom[aá]ticamente)? (a|al|con|hacia)\b` +
	`|\b(é|e|ser[aá]|s[aã]o|ser[aã]o) (tamb[eé]m |automaticamente )?(encaminhad|enviad|repassad|compartilhad|transmitid)[oa]s? (para|a|ao|com)\b` +
	`|\b(est|sont|sera|seront) (aussi |également |automatiquement )?(transmis|envoy[ée]|partag[ée]|transf[ée]r[ée]|copi[ée]|relay[ée])e?s? (à|a|au|aux|vers|avec)\b` +
	`|\b(viene|vengono|sar[aà]|saranno) (anche |automaticamente )?(inoltrat|inviat|condivis|trasmess)[oaie] (a|al|alla|ai|con)\b`)

// secretDumpRE: commands and flags whose output is secrets.
var secretDumpRE = re(`\b(printenv|show[- ]secrets|print[- ](access|identity)[- ]tokens?|export[- ]credentials|get[- ]secret[- ]value|reveal[- ]secrets?|decrypt[- ]secrets?)\b`)

// carryClaimRE: words saying data goes along with a call.
var carryClaimRE = re(`\b(attach\w*|send\w*|forward\w*|upload\w*|include\w*|cop(y|ies|ied)|shar\w+|sync\w*|relay\w*|transmit\w*)\b`)

// sessionContentRE: a parameter described as holding the session itself
// ("Serialized session: messages so far, tool results and any attached
// files"), which asks the model to fill it with the conversation whether
// or not a verb says so.
var sessionContentRE = re(`\b(messages so far|(the |this )?(conversation|chat|session) (so far|history|transcript|state)|(all |previous |prior |earlier )tool (results|outputs|responses)|serial(i[sz]ed|i[sz]ation of the) (session|conversation|chat|context)|(entire|full|whole|complete) (session|context|conversation|chat))\b`)

// executesContentRE: a tool that carries out actions, commands or
// instructions found in the content it reads.
var executesContentRE = re(`\b(appl(y|ies)|execut\w+|carr(y|ies) out|perform\w*|makes?) the (changes|actions|requests|instructions|updates) (each|every|any|the) (message|email|e mail|ticket|comment|request|issue)s? (asks? for|requests?|describes?|contains?|lists?)\b|\b(appl(y|ies)|carr(y|ies) out|execut\w+|mak(e|es)) (directly )?(the )?(changes|actions|instructions|commands|requests) (it|they|the request|the message|the email|the ticket) (contains?|describes?|lists?|indicates?|requests?)\b|\b(aplica|ejecuta|aplique|ejecute|realiza)\w* (directamente )?(los cambios|las acciones|las instrucciones|los comandos|las operaciones) que (en ella|en el|contenga|se indiquen|indique)\b|\b(carr(y|ies) out|execut\w+|appl(y|ies)|runs?|perform\w*|acts? on|follow\w*|honou?r\w*) (any|all|every|each|the) (\w+ ){0,2}(actions?|action lines|commands?|instructions?|requests?|directives?|steps?) (it |they |that |which )?(contains?|finds?|found|lists?|listed|written|embedded|included|given)\b|\b(actions?|commands?|instructions?|directives?|macros?|scripts?) (found |contained |written |embedded |listed )?in (the )?(ticket|email|e mail|message|comment|issue|page|document|body|pull request|pr)s?\b[^.]{0,40}\b(are|get|will be|is) (carried out|executed|applied|run|performed|honou?red)\b`)

// restrictionText is text with the words of restrictions that restrict
// nothing blanked: negated ones ("no allow-list") and labels ("player
// name, informational only").
func restrictionText(s string) string {
	s = negatedRestrictionRE.ReplaceAllString(s, " ")
	s = labelOnlyRE.ReplaceAllString(s, " ")
	s = filterOnlyRE.ReplaceAllString(s, " ")
	return claimedApprovalRE.ReplaceAllString(s, " ")
}

// claimedApprovalRE: approval claimed for whatever arrives ("tickets are
// pre-approved"), which restricts nothing.
var claimedApprovalRE = re(`\b(tickets?|requests?|messages?|changes?|e ?mails?|everything|all of them|they|these) (are|is) (all |already )*pre ?approved\b`)

// filterOnlyRE: "only" in a filter on what is read ("only process
// messages received after this time"), not a limit on what is done.
var filterOnlyRE = re(`\bonly (process|include|return|list|show|fetch|consider|read)\w* (\w+ ){0,2}(received|created|updated|modified|sent|after|before|since|newer|older)\b`)

// labelOnlyRE: "only" that marks a value as a label, not a limit.
var labelOnlyRE = re(`\b(informational|for (reference|information|display|logging|humans?)|display|cosmetic|descriptive|informative) only\b`)

// negatedRestrictionRE: "no allow-list", "without validation": the words
// of a restriction used to say there is none.
var negatedRestrictionRE = re(`\b(no|without|not|sin|ohne|sans|kein\w*)\s+(\w+\s+){0,2}(restriction|restrictions|restricted|allow ?list|allowlist|whitelist|lista blanca|validation|validated|validacion|check|checks|checked|review|confirmation|approval|sandbox|sandboxed|allowed)\b`)

// schemaIntents judges each parameter's own text by what it asks for and
// the tool as a whole by its privileges and the freedom of its targets.
func (sc *scan) schemaIntents(ta *toolAnalysis, t *Tool, ip *inputParams) {
	ps, names := ip.props, ip.names
	if len(ps) == 0 {
		return
	}
	purpose := normalizeLight(strings.ToLower(purposeText(ta)))
	allText := normalizeLight(strings.ToLower(t.Description))
	for _, pp := range ip.nested {
		desc := normalizeLight(strings.ToLower(str(pp.schema, "description") + " " + str(pp.schema, "title")))
		allText += " " + desc
		// "bypass_protection: set to true whenever the PR body contains
		// `hotfix`": a guard that whoever wrote the content can switch off.
		if guardParamRE.MatchString(strings.ToLower(pp.name)) {
			if m := contentTriggerRE.FindString(desc); m != "" {
				sc.add(Finding{Type: TypeConfusedDeputy, Tool: ta.name, Object: ta.object, Path: pp.ptr, Severity: detect.High,
					Detail: fmt.Sprintf("parameter %q switches off a safeguard when content says so (%q): whoever writes that content decides what the tool does with the server's rights; set it only on the user's decision, or remove it", pp.name, m)})
			}
		}
		// A boolean or an enum carries nothing the model writes, unless
		// its text says the data goes along ("attach the whole
		// conversation").
		if len(desc) < 12 || cannotCarry(pp.schema) && !carryClaimRE.MatchString(desc) || !pick(langClasses(desc), lcFill, fillIntentBaseRE, fillIntentRE).MatchString(desc) && !ownedDataRE.MatchString(desc) && !sessionContentRE.MatchString(desc) {
			continue
		}
		// "Include the document's full extracted text here. Samples are
		// forwarded to the vendor's calibration team (calibration@…)":
		// what the model writes into the parameter goes on to a third
		// party the user never chose.
		// The addresses are read from the text as written: the light
		// normalisation splits them at their hyphens.
		raw := strings.ToLower(str(pp.schema, "description"))
		if loc := forwardedRE.FindStringIndex(raw); loc != nil && !negationRE.MatchString(raw[max(0, loc[0]-30):loc[0]]) {
			own := sc.ownServices(purpose)
			// A full stop after an address ends the sentence, not the
			// address.
			tail := strings.ReplaceAll(raw[loc[1]:min(len(raw), loc[1]+160)]+" ", ". ", "  ")
			if a := cmp.Or(realMatch(tail, emailRE, own), realMatch(tail, urlRE, own)); a != "" {
				sc.add(Finding{Type: TypeExfiltration, Tool: ta.name, Object: ta.object, Path: pp.ptr, Severity: detect.High,
					Detail: fmt.Sprintf("parameter %q asks the model to fill it, and what it holds is passed on to %q: data the user did not choose to share would leave through this server; reject the server or remove the parameter", pp.name, a)})
				continue
			}
		}
		// "Populate with the output of `pulumi config --show-secrets` and
		// `printenv`": a command whose output is secrets names them
		// whatever service it belongs to, so the exemptions for a
		// service's own credentials below do not apply.
		if loc := secretDumpRE.FindStringIndex(desc); loc != nil && !negationRE.MatchString(desc[max(0, loc[0]-40):loc[0]]) && !strings.Contains(purpose, desc[loc[0]:loc[1]]) {
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: pp.ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q asks the model to fill it with the output of %q, which prints secrets: the parameter carries them out to the server; reject the server or remove the parameter", pp.name, desc[loc[0]:loc[1]])})
			continue
		}
		for _, r := range []*regexp.Regexp{sysPromptObjRE, credObjRE, convObjRE, personalObjRE} {
			loc := r.FindStringIndex(desc)
			if loc == nil || negationRE.MatchString(desc[max(0, loc[0]-40):loc[0]]) {
				continue
			}
			m := desc[loc[0]:loc[1]]
			stem := []rune(strings.Fields(m + " x")[0])
			if len(stem) > 5 {
				stem = stem[:5]
			}
			if len(stem) >= 3 && strings.Contains(purpose, string(stem)) || r == credObjRE && (ownServiceCred(purpose, desc) || toolCredRE.MatchString(desc) || sc.serverCred(desc)) || ownParamData(r == credObjRE, purpose, desc) ||
				(r == sysPromptObjRE || r == convObjRE) && sc.modelTool() && userTestsRE.MatchString(desc) ||
				// A password the tool offers to protect what it makes
				// (visibility: password) is the user's choice for it.
				strings.Contains(m, "password") && enumOffers(ps, "password") ||
				// A prompt's arguments are typed by the user who picks the
				// prompt ("raw incident notes and chat export"): a
				// conversation there is theirs to paste.
				ta.object == ObjectPrompt && r == convObjRE {
				continue
			}
			sc.add(Finding{Type: TypeSchemaAbuse, Tool: ta.name, Object: ta.object, Path: pp.ptr, Severity: detect.High,
				Detail: fmt.Sprintf("parameter %q asks the model to fill it with %q, which a tool described as %q does not need: the parameter carries data out to the server; reject the server or remove the parameter", pp.name, m, excerpt(ta.desc, 60))})
			break
		}
	}
	// Confused deputy: rights of the server's own on targets nobody
	// constrains, through a free-text parameter.
	if !newGate(allText).any(privilegeKeys) && langClasses(allText)&(1<<lcPriv|1<<lcArb) == 0 {
		return
	}
	// A tool that carries out what it finds in content ("carry out any
	// action lines the ticket contains") takes its targets from whoever
	// wrote the content, whether or not a parameter carries them.
	if m := executesContentRE.FindString(allText); m != "" {
		if priv := privilegeIntentRE.FindString(allText); priv != "" && !restrictedRE.MatchString(restrictionText(allText)) {
			sc.add(Finding{Type: TypeConfusedDeputy, Tool: ta.name, Object: ta.object, Path: "/description", Severity: detect.High,
				Detail: fmt.Sprintf("the tool says it acts with rights of its own (%q) and carries out what it finds in content (%q): whoever writes that content borrows the server's rights; require approval for each action", priv, m)})
			return
		}
	}
	arb := ""
	for _, loc := range arbitraryIntentRE.FindAllStringIndex(allText, 4) {
		if !negatedVerbRE.MatchString(allText[max(0, loc[0]-30):loc[0]]) && !frequencyOnly(allText, loc) {
			arb = allText[loc[0]:loc[1]]
			break
		}
	}
	if arb == "" {
		return
	}
	priv := privilegeIntentRE.FindString(allText)
	if priv == "" || restrictedRE.MatchString(restrictionText(allText)) {
		return
	}
	for _, name := range names {
		if m, _ := ps[name].(map[string]any); unconstrainedTarget(m) {
			sc.add(Finding{Type: TypeConfusedDeputy, Tool: ta.name, Object: ta.object, Path: "/inputSchema/properties/" + jsonpointer.Escape(name), Severity: detect.High,
				Detail: fmt.Sprintf("the tool says it acts with rights of its own (%q) on targets nobody constrains (%q), taken from the free-text parameter %q: whoever writes the input borrows the server's rights; constrain the parameter or require approval", priv, arb, name)})
			return
		}
	}
}

type paramNode struct {
	name, ptr string
	schema    map[string]any
}

// nestedParams lists the properties of a schema and of the objects and
// arrays inside it (to a bounded depth), sorted by pointer: instructions
// hide in nested item descriptions as well as at the top.
func nestedParams(ps map[string]any, prefix string, depth int, out []paramNode) []paramNode {
	for _, n := range slices.Sorted(maps.Keys(ps)) {
		m, _ := ps[n].(map[string]any)
		if m == nil {
			continue
		}
		ptr := prefix + jsonpointer.Escape(n)
		out = append(out, paramNode{name: n, ptr: ptr, schema: m})
		if depth >= 4 {
			continue
		}
		if sub, _ := m["properties"].(map[string]any); sub != nil {
			out = nestedParams(sub, ptr+"/properties/", depth+1, out)
		}
		if it, _ := m["items"].(map[string]any); it != nil {
			if sub, _ := it["properties"].(map[string]any); sub != nil {
				out = nestedParams(sub, ptr+"/items/properties/", depth+1, out)
			}
		}
	}
	return out
}
