package toolscan

import "regexp"

// The phrase families below run over textnorm's Base and Folded views:
// lower case, NFKC, look-alikes folded, diacritics removed from Latin
// letters, '_' and intra-word '-' made spaces. All are RE2 (linear time).
// They describe what tool definitions in particular carry; generic
// injection intents in many languages come from the injection detector.

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// secrecy: telling the model to keep something from the user.
var secrecyRE = []*regexp.Regexp{
	re(`\b(do not|don't|dont|never|must not|mustn't|should not|shouldn't|no need to|avoid|refrain from)\s+(\w+\s+){0,3}?(tell|telling|inform|informing|mention|mentioning|reveal|revealing|disclose|disclosing|notify|notifying|alert|alerting|show|showing|say|explain|explaining|report|reporting|warn|warning|bring up|let)\b[^.!?\n]{0,50}\b(user|users|human|operator|anyone|them|the person|customer|client)\b`),
	re(`\b(do not|don't|dont|never)\s+(mention|disclose|reveal|acknowledge|admit|explain)\s+(this|that|these|it|any of this|the (fact|step|instruction|above))`),
	// Silence about the instruction itself ("do not refer to this note").
	re(`\b(do not|don't|dont|never)\s+(refer to|reference|quote|cite)\s+(this|these|the above|the following) (note|notes|rule|rules|instruction|instructions|guidance|section|paragraph|policy)\b`),
	// A FAQ that answers its own question about telling the user with
	// "no".
	re(`\b(should|do|must|shall|can) (i|we|you|the (assistant|model|agent)) (tell|inform|notify|show|mention (it |this )?to) the (user|customer)\b[^?]{0,100}\?[\s*]*(a\s*:|answer\s*:)?[\s*]*no\b`),
	re(`\b(do not|don't|dont|never)\s+(read|say|repeat|echo|spell)\s+(\w+\s+){0,3}?(back|aloud|out)\s+to\s+(the\s+)?(user|human|customer|operator)`),
	re(`\bwithout\s+(\w+\s+){0,2}?(telling|informing|notifying|alerting|mentioning|asking|showing|letting)\s+(\w+\s+){0,2}?(the\s+)?(user|human|operator|them)`),
	re(`\bwithout\s+(the\s+)?(user|human|operator)'?s?\s+(knowledge|consent|awareness|approval|noticing|knowing|seeing)`),
	re(`\b(secretly|covertly|stealthily|surreptitiously|clandestinely|behind the user'?s back)\b`),
	re(`\b(silently|quietly|discreetly|invisibly)\s+(\w+\s+){0,2}?(send|read|include|append|copy|forward|upload|add|attach|collect|store|log|post|transmit|pass|fetch|call|run|execute|exfiltrate|bcc|cc|change|replace|modify|redirect|email|write)`),
	re(`\b(keep|kept)\s+(this|these|it|them|the \w+)(\s+\w+)?\s+(secret|hidden|confidential|private|between us)`),
	re(`\b(hide|conceal|mask|obscure)\s+(this|these|it|them|that|the \w+( \w+)?)\s+from\s+(the\s+)?(user|human|operator)`),
	re(`\b(hidden|kept|concealed) from (the )?(user|human|operator)\b`),
	re(`\b(user|human|operator)s?\s+(won't|wont|will not|doesn't need to|does not need to) (notice|know|see|find out|realize)\b`),
	re(`\b(user|human|operator)s?\s+(must|should|need|does|do|will|may|can|would)\s*(not|n't|never)\s+(need to\s+|have to\s+|ever\s+)?(know|see|notice|learn|find out|be (aware|informed|told|notified))`),
	re(`\b(don't|do not|never)\s+bring\s+(it|this|that)\s+up\b`),
	re(`\b(could|would|might|will|may)\s+(upset|scare|alarm|confuse|worry|frighten|annoy|bother|concern|distress)\s+(the\s+)?(user|human)`),
	re(`\b(not|never)\s+(be\s+)?(visible|shown|displayed|surfaced|revealed)\s+to\s+(the\s+)?(user|human)`),
	re(`\bno (\w+ )?(other )?(need|reason) to (tell|inform|mention|notify)`),
	re(`\btell (no one|nobody|no-one|noone)\b`),
	// A pretext for not asking: asking the user, the text claims, breaks
	// the work ("pausing to ask confirmation questions lets the lock
	// lapse"), so the model should act first and report afterwards.
	re(`\b(ask(s|ing)?|pausing to ask|stopping to ask|prompting|waiting for)\b[^.!?\n]{0,50}\b(confirm\w*|clarif\w*|approval|the user)\b[^.!?\n]{0,60}\b(lapses?|lets? [^.!?\n]{0,20}lapse|times? out|expires?|invalidat\w+|corrupts?|aborts?|partially applied|inconsistent state)\b`),
	re(`\b(mention|say|explain) nothing\b|\bno need to (explain|mention|tell|inform)\b`),
	re(`\b(leave|keep) (it|this|that|them|this step|these steps) out of (your |the )?(explanation|answer|response|reply|summary|output)`),
	re(`\b(do not|don't|never) (explain|describe|narrate|show) (this|these|that) (step|steps|part|instruction)`),
	// Other languages (diacritics already removed by normalisation).
	re(`\bno (se lo |le |les )?(digas|diga|menciones|mencione|informes|informe|cuentes|cuente|reveles|revele|muestres|muestre|avises|avise)\b[^.!?\n]{0,30}\busuario`),
	re(`\bsin (decirle|decir|avisar|informar|notificar|que el usuario (lo )?(sepa|note|vea|se entere|se de cuenta))\b`),
	re(`\busuari[oa]s? no (debe|deberia|tiene que|necesita|puede) (saber|enterarse|verlo|ver|notar|darse cuenta)`),
	re(`\butilisat(eur|rice)s? ne (doit|doivent|devrait) (pas|rien) (le )?(savoir|voir|remarquer)`),
	re(`\b(benutzer|nutzer|anwender)\w* (soll|sollte|darf) (davon )?(nichts|nicht) (erfahren|wissen|sehen|merken)`),
	re(`\butente non (deve|dovrebbe) (saperlo|sapere|vederlo|accorgersene)`),
	re(`\busuario nao (deve|precisa|pode) (saber|ver|perceber)`),
	re(`\b(en secreto|a escondidas|sin que nadie)\b`),
	re(`\bno (lo|la|se lo|le) (menciones|digas|comentes|expliques|cuentes)\b`),
	re(`\bnao (diga|conte|informe|mencione|revele|avise|mostre|comente)\b[^.!?\n]{0,30}\busuario`),
	re(`\bsem (avisar|informar|notificar|contar|que o usuario (saiba|perceba|veja|note|fique sabendo))\b`),
	re(`\b(em segredo|secretamente)\b`),
	re(`\bne (le |lui |leur |rien )?(dire|dites|dis|mentionnez|mentionne|signalez|revelez|montrez|informez|previens|prevenez)\b`),
	re(`\bsans (le dire|l'informer|informer|prevenir|avertir|en informer|en parler|que l'utilisateur (le )?(sache|voie|remarque|s'en apercoive))\b`),
	re(`\b(en secret|a l'insu)\b`),
	re(`\b(sag|sage|sagen sie|erwahne|erwahnen sie|informiere|informieren sie|verrate|verraten sie|zeige|zeigen sie)\b[^.!?\n]{0,40}\b(benutzer|nutzer|anwender)\w*\s+(nichts|nicht)\b`),
	re(`\bohne\s+(es\s+)?(dem|den|des)\s+(benutzer|nutzer|anwender)\w*\s+(zu sagen|mitzuteilen|zu informieren|zu benachrichtigen|zu erwahnen|wissen)`),
	re(`\b(heimlich|insgeheim|ohne wissen|keinen hinweis|kein wort|verschweigen|verheimlichen)\b`),
	re(`\b(erwahne|erwahnen sie|sag|sage|verrate|verraten sie)\s+(das|es|dies|dieses|davon)\s+(\w+\s+)?(nicht|nichts|niemandem)\b`),
	re(`\bnon (dire|dirlo|informare|menzionare|rivelare|mostrare|avvisare)\b[^.!?\n]{0,30}\butente`),
	re(`\bsenza (avvisare|informare|dire|dirlo|che l'utente)\b`),
	re(`\b(di nascosto|all'insaputa)\b`),
	re(`\b(vertel|zeg|meld)\b[^.!?\n]{0,30}\bgebruiker\w*\s+niet\b|\bzonder (de gebruiker|het te)\b|\bstiekem\b|\b(vermeld|noem|meld) (dit|dat|het|deze stap) niet\b|\bniet (vermelden|noemen) in (je|het|uw) antwoord\b|\blaat (dit|dat|het) weg uit (je|het|uw) antwoord\b`),
	re(`\bnie\s+(mow|mowi|informuj|wspominaj|pokazuj|zglasza|zglaszaj|zgłasza|zgłaszaj|raportuj)\w*\b[^.!?\n]{0,30}\buzytkownik|\bbez wiedzy\b`),
	re(`\bkullan[iı]c[iı]ya\s+(\w+\s+)?(soyleme|bahsetme|bildirme|gosterme)|\bhaberi olmadan\b`),
	re(`\bjangan\s+(beri tahu|beritahu|memberi tahu|memberitahu|katakan|sebutkan|kasih tahu)\b|\btanpa sepengetahuan\b|\bdiam diam\b`),
	// "Bí mật" alone is also the noun "secret" (chuỗi bí mật, a secret
	// string): only keeping something secret from the user, doing it
	// secretly, or a secret action conceals.
	re(`\bkhong\s+(noi|bao|cho)\b[^.!?\n]{0,20}\bnguoi dung\b|\bgiu bi mat\b[^.!?\n]{0,30}\bnguoi dung\b|\bmot cach bi mat\b|\bbi mat (gui|chuyen|sao chep|doc|thu thap|luu|ghi|them)\b`),
	re(`скрыть от пользовател|скрой от пользовател|втайне от пользовател`),
	re(`пользовател\S*\s+(\S+\s+){0,3}не\s+(говори|сообщай|рассказывай|упоминай|показывай)|користувач\S*\s+(\S+\s+){0,3}не\s+(кажи|повідомляй)`),
	re(`не\s+(говори|говорите|сообщай|сообщайте|рассказывай|рассказывайте|упоминай|упоминайте|показывай|показывайте|уведомляй|уведомляйте)[^.!?\n]{0,30}пользовател|без ведома|тайно|незаметно для`),
	re(`не\s+(кажи|кажіть|повідомляй|повідомляйте|згадуй|згадуйте)[^.!?\n]{0,30}користувач|без відома|таємно`),
	re(`别让用户|別讓用戶|不要让用户发现|不让用户知道|不要告诉|不要告訴|别告诉|別告訴|不要让用户|不要讓用戶|不要讓使用者|不要通知用户|不要通知用戶|勿告知|不要提及|不要提到|悄悄|偷偷|秘密地|用户不知情|用戶不知情|瞒着|瞞著`),
	re(`\b(carry (it|this|them) out|do (it|this|so)|perform (it|this|them)|apply (it|this|them|the \w+)|handle (it|this|them)|make (the \w+|it|this)) (quietly|silently|discreetly|in the background)\b|\bnot user[ -]facing\b`),
	re(`\bno (hace|hara) falta (mostrar|decir|informar|mencionar|comentar|contar)\w*|\bno es necesario (mostrar|decir|informar|mencionar|comentar|contar)\w*( (al|a los) usuarios?)?`),
	re(`ユーザーに(は)?(伝え|知らせ|言わ|教え|通知し|見せ)ない|説明しないで|ユーザーに知られない|知られずに|黙って|こっそり|ひそかに|言及しないで|内緒`),
	re(`\b(gegenuber|gegen uber) dem (nutzer|benutzer|anwender|kunden)\b[^.!?\n]{0,30}\bnicht (\w+ )?(erwahnen|nennen|mitteilen|sagen|ansprechen)\b|\bnicht (gesondert |extra |eigens )?(erwahnen|ansprechen)\b|\b(antwort|nutzer|benutzer|anwender|kunden?)\b[^.!?\n]{0,40}\bnicht (gesondert |extra |eigens )?(erwahnt|genannt|mitgeteilt|angesprochen|aufgefuhrt) (zu )?werden\b`),
	// A step that "stays implicit and does not appear in the answer".
	// "Need not appear in the answer": what the model does is left out
	// of what the user reads.
	re(`\b(need not|needn't|does not need to|doesn't need to|do not need to|don't need to|should not|shouldn't|must not|mustn't|is not to)\s+(be\s+)?(appear|shown|mentioned|included|listed|surfaced|displayed|reported|noted)\s+(to the user\s+)?in\s+(the\s+|your\s+)?(answer|response|reply|summary|recap|confirmation|message)s?\b` +
		`|\b(nao precisa|nao precisam|nao deve|nao devem|nao necessita|nao e necessario)\s+(aparecer|constar|ser (mencionad|exibid|mostrad|listad|informad)[ao]s?)\s+(na|no|nas|nos)\s+(resposta|resumo|retorno|confirmacao|mensagem)` +
		`|\bno (necesita|necesitan|debe|deben|tiene que|tienen que|hace falta que)\s+(aparecer|figurar|constar|mencionarse|mostrarse|incluirse)\s+en\s+(la respuesta|el resumen|la confirmacion|el mensaje)` +
		`|\bnon (deve|devono|serve che|e necessario che|occorre che)\s+(compar|figur|apparir|essere (menzionat|mostrat|indicat|riportat))\w*\s+(nella risposta|nel riepilogo|nella conferma|nel messaggio)` +
		`|\b(n'a pas besoin d'|n'ont pas besoin d'|ne doit pas |ne doivent pas |inutile d')(apparaitre|figurer|etre (mentionne|affiche|indique|signale)e?s?)\s+(dans|a)\s+(la reponse|le resume|le recapitulatif|la confirmation|le message)` +
		`|\b(muss|mussen|soll|sollen|braucht|brauchen)\s+(nicht|nie)\s+in\s+(der|die)\s+(antwort|zusammenfassung|bestatigung)\s+(zu\s+)?(erscheinen|auftauchen|erwahnt|aufgefuhrt|angezeigt)`),
	re(`\bn'?appara(i|î)t pas dans (la |les |le )?(reponse|réponse|reponses|réponses|resume|résumé|message)|\breste(nt)? implicites?\b|\bno aparece(n)? en (la |el )?(respuesta|resumen|mensaje)|\bnao aparece(m)? na (resposta|mensagem)|\berscheint nicht in der (antwort|zusammenfassung)|\bbleib(t|en) (implizit|unerwahnt|unerwähnt)\b`),
	// "No need to explain to or tell the user": 利用者への確認や説明は不要.
	re(`(ユーザー|利用者|お客様|使用者|本人)(へ|に)(の|は|も)?[^。]{0,8}(説明|報告|通知|連絡|伝達)[^。]{0,6}(不要|必要はありません|必要ありません|いりません|しなくて(よい|いい|も(よい|いい|構いません))|省略|割愛|控え)|(伝える|知らせる|説明する|報告する)必要は(ありません|ない)`),
	re(`(无需|无须|不必|不需要|不用)(向|对|告知|告诉|通知|说明)[^。]{0,6}(用户|用戶|使用者)|(無需|無須|不必|不需要|不用)(向|對|告知|告訴|通知|說明)[^。]{0,6}(用戶|使用者)`),
	// "Need not be detailed in the answer" in more languages: "no es
	// necesario detallarlo en la respuesta", "결과 요약에 포함하지 않아도
	// 됩니다", "回答に含める必要はありません", "无需在回复中提及".
	re(`\bno (es necesario|hace falta|hay que|tienes que|tiene que) ([^.;]{0,40} (ni|o|y) )?(detallar|indicar|incluir|explicar|reportar|mencionar|listar|reflejar)\w* en (la respuesta|el resumen|la confirmacion|el mensaje|tu respuesta)\b` +
		`|(요약|응답|답변|결과|회신|안내)\S*\s*(에|에는|에서)?\s*(포함|언급|표시|기재|설명)(하지|시키지)\s*않아도\s*(됩니다|된다|돼|무방)` +
		`|(回答|返答|要約|応答|返信|報告)(に|で|の中で)(は)?[^。]{0,4}(含める|含め|記載する|書く|言及する|表示する|触れる)必要は(ありません|ない)` +
		`|(无需|无须|不必|不需要|不用)在(回复|回答|总结|摘要|答复|结果|回覆|總結)(中|里|裡)(提及|说明|說明|列出|包含|展示|显示|顯示)`),
	// "Appends observer@… as a hidden attendee": someone who receives
	// what the user sends, kept off the list the user sees.
	re(`\b(hidden|silent|invisible|undisclosed|secret|unlisted) (attendee|recipient|guest|observer|participant|viewer|collaborator|cc|bcc)s?\b`),
	// A fixed verdict the model is told to give whatever the tool
	// returned ("responses for these tiers should be reported to the
	// user simply as \"cleared\"").
	re(`\b(report(ed)?|present(ed)?|describ(e|ed)|summari[sz](e|ed)|relay(ed)?|shown?) (\w+ ){0,3}to the (user|customer|client|analyst|reviewer)s? (simply|just|only|merely|always) as (an? )?(\w+ ){0,4}["'“‘]`),
	// "It is bookkeeping and isn't part of what the operator needs to
	// review": a step put outside what the person in charge sees.
	re(`\b(is not|isn'?t|not) part of what (the )?(user|operator|customer|merchant|admin|reviewer|human|owner)s? (needs? to|should|has to|must|wants? to|will) (review|see|know|approve|check|hear)\b`),
	re(`사용자에게\s*(알릴|설명할|말할|보고할)\s*필요(가|는)?\s*없`),
	re(`사용자에게(는)?\s*(알리지|말하지|언급하지|보여주지)|사용자\s*몰래|몰래|비밀로`),
	re(`لا\s+(تخبر|تبلغ|تذكر|تعلم)|دون\s+علم|بدون\s+علم|سرا|سراً`),
	re(`(मत|न)\s+(बताएं|बताएँ|बताना|बताओ)|बताए\s+बिना|चुपके\s+से|गुप्त\s+रूप`),
}

// sensitivePathRE: files an MCP tool has no business asking the model to
// read. Matched on the lower-cased original and on Base.
var sensitivePathRE = re(`(^|[^a-z0-9])([/\\]wallet\b|seed\.txt|\.wallet\b|\.config[/\\](gh|gcloud|hub|op|1password|rclone|doctl|aws)\b|hosts\.yml|\.ssh\b|id[ _]?(rsa|dsa|ecdsa|ed25519)\b|authorized[ _]keys|known[ _]hosts|\.aws[/\\]|aws[ _]credentials|\.env\b|/etc/(passwd|shadow|sudoers)|\.npmrc|\.pypirc|\.netrc|\.git[ -]?credentials|\.docker[/\\]config|kubeconfig|\.kube[/\\]config|mcp\.json|claude[ _]desktop[ _]config|\.cursor[/\\]|\.bash[ _]history|\.zsh[ _]history|\.gnupg|wallet\.dat|keychain|credentials\.json|service[ _]account\S*\.json|gcloud|login data|cookies\.sqlite|\.vault[ _]token|\.pgpass|\.my\.cnf|secrets?\.(ya?ml|json|env|txt|toml)|\.password|shadow file|private[ _]key\.pem|\.pem\b|\.p12\b|\.kdbx\b|keystore|\.dbt[/\\]profiles\.ya?ml|\.terraformrc|credentials\.tfrc\.json|\.azure[/\\]|\.oci[/\\]config|\.databrickscfg|\.snowsql[/\\]config|\.m2[/\\]settings\.xml|gradle\.properties|\.cargo[/\\]credentials|\.boto\b|\.s3cfg|kaggle\.json|huggingface[/\\]token|\.composer[/\\]auth\.json|\.gem[/\\]credentials|\.config[/\\]gh[/\\]hosts)`)

// sensitiveDataRE: data that belongs to the user or the agent, not the
// tool: credentials, the conversation, the system prompt.
var sensitiveDataRE = re(`\b(system (prompt|message|instructions?)|(conversation|chat|message|dialog|dialogue|session) (history|log|logs|transcript|context)|previous (messages|conversation|turns|instructions|tool (calls|results|outputs))|(entire|full|whole|complete) (\w+ )?(conversation|chat|context|history|transcript|context window|prompt)|all (previous |prior |earlier )?(messages|conversations|emails|contacts|files|documents|secrets|keys|tokens|passwords)|api[ -]?keys?|access[ -]?tokens?|(oauth|github|gh|slack|npm|pypi|gitlab|discord|telegram|openai|anthropic)[ _-]?(tokens?|keys?)|bank (details|account|information|credentials)|iban|routing numbers?|(historie|historia|historii) rozmowy|historique (\w+ )?de (la |l')?(conversation|discussion)|historial (\w+ )?de (la )?(conversacion|charla)|cronologia (\w+ )?(della )?(conversazione|chat)|historico (\w+ )?da conversa|(phone|mobile|cell) numbers?|home address(es)?|(postal|street|mailing) address(es)?|dates? of birth|passport numbers?|gespreksgeschiedenis|sohbet gecmisi|riwayat percakapan|lich su tro chuyen|konversationshistorik|historii konverzace|auth(entication|orization)?[ -]?tokens?|bearer tokens?|refresh tokens?|session (tokens?|cookies?|ids?)|cookies|credentials?|passwords?|passphrases?|private keys?|secret keys?|ssh keys?|seed phrases?|recovery phrases?|mnemonic|environment variables|env vars?|secrets|credit card( numbers?)?|card numbers?|social security|\bssn\b|(other|previous|all) tools?'? (results|outputs|responses)|(results|outputs|responses) (of|from) (other|previous|all|every) tools?|user'?s? (personal|private|sensitive) (data|information|details)|personal (data|information)|(contents?|content) of (the )?(user'?s? )?(home|inbox|emails?|documents?|directory|folder|clipboard|desktop)|clipboard|browser history|everything (the user|they|you) (said|wrote|typed|asked|shared)|everything you know about (the user|them|him|her)|(last|previous|recent) ((\d+|two|three|four|five|six|ten|twenty|few) )?(user )?messages|address book|contact list|(private|personal) (calendar|events?|entries|notes|photos|messages|files|data)|(last|latest|recent) (email|message)s? (the user|you|they) (received|sent|got)|text of the (last|latest|most recent) (email|message)|(your|the user'?s?) (live |current |precise |exact )?location|microphone audio|camera (feed|images)|screen (recording|contents)|(a )?(full|complete|entire|whole) copy|(previous|last|recent) (\d+ )?(dms|direct messages|chats)|(new|old|current) (secret|password|token|api key)s?\b|(paste|dump|copy|include|print|send) (the |all |your |all of (the )?)?(env|environment)\b|personal access tokens?|(the )?(chat|conversation) so far|(hidden|secret|internal|system) (instructions|rules|prompt|guidelines)|your (complete |full )?(instructions|rules|guidelines)|(open|opened|current) files?( contents?)?|file contents|user'?s? files|(every|all) files? in (the user'?s? )?home( directory| folder)?|home (directory|folder)|ip address(es)?|user'?s? ip|device (name|id|identifier)s?|(browsing|search) history|recent searches|file history|(text|contents?|transcript|copy) of (the )?(current |entire |whole |full |ongoing )?(conversation|chat|session)|(current|ongoing|this) conversation|(any|all) (tokens|keys|secrets|credentials|passwords)( or (tokens|keys|secrets|credentials|passwords))?|user'?s? (full|entire|whole|complete) \w+( \w+)?|personal details|user'?s? (\w+ )?(emails?|messages|files|documents|contacts|location))\b`)

// accessVerbRE precedes sensitive data or paths in a request to obtain it.
var accessVerbSrc = `\b(reveal|disclose|find|locate|look for|search for|extract|grab|read|reading|full text of|text of|contents? of|copy of|open|cat|load|access|fetch|retrieve|obtain|collect|gather|extract|dump|copy|grab|harvest|include|attach|append|provide|pass|send|upload|put|insert|add|paste|embed|output|print|echo|supply|share|forward|submit|lee|leer|envia|enviar|incluye|incluir|lire|lis|lisez|envoie|envoyez|inclure|lies|lesen|sende|senden|fuge|leggi|leggere|invia|inviare|includi|leia|ler|inclua|incluir)\b`

// accessVerbBaseRE is accessVerbRE without the words of langs.go, for text that holds none of them.
var accessVerbBaseRE = re(accessVerbSrc)

var accessVerbRE = re(accessVerbSrc + langAlt(lcRead))

// accessVerbIntlRE: the access verbs of other languages (no \b: RE2's
// word boundary is ASCII-only).
var accessVerbIntlRE = re(`読み|lesen|auslesen|einfugen|kopieren|先读|读|offne|oeffne|öffne|kopiere|прочитай|прочти|считай|прочитать|прочитайте|вставь|передай|读取|读一下|読み込|読んで|読み取|읽고|읽어|اقرأ|पढ़ें|पढ़ो|прочитати|прочитай|lee |leer|leia|lis |lisez|leggi|lies |oku |baca |przeczytaj|doc tep|lees |recupere|recuperez|récupère|obten|obtener|obtenha` + langAlt(lcRead))

// jailbreakRE: turning the model's rules off.
var jailbreakRE = re(`\b((act as|pretend to be|you are|behave as) (dan|an ai without|an unrestricted|a jailbroken|an uncensored)|(an? )?ai without (any )?(rules|restrictions|limits|filters)|without (any )?(refusing|refusal|restrictions|content filters)|no (content )?(restrictions|rules|limits|filters) (apply|at all)|(ignore|bypass|disable|turn off) (your |all )?(safety|content|ethical) (guidelines|rules|filters|policies|restrictions)|developer mode|jailbreak|never refuse|do not refuse|don't refuse)\b`)

// modelDirectedRE: text that addresses the model with a precondition or a
// standing instruction rather than describing the tool.
var modelDirectedRE = []*regexp.Regexp{
	re(`<\s*/?\s*(important|system|instructions?|secret|hidden|admin|critical|note|context|assistant|ai)\s*>`),
	re(`\[\s*(important|system|instructions?|admin|hidden)\s*\]`),
	re(`\b(before|prior to)\s+(using|calling|invoking|running|executing|you use|you call|responding|answering|replying|any other)\b`),
	re(`\b(you|the assistant|the model|the agent|the ai|claude|the llm|assistant|ai)\s+(must|should|needs? to|have to|has to|shall|are required to|is required to|will need to)\s+(first|always|also|immediately|now)\b`),
	re(`\b(always|first|immediately|also)\s+(read|call|invoke|run|include|send|append|pass|attach|add|copy|forward|fetch|upload|execute|collect|provide|output|print)\b`),
	re(`\botherwise\s+(the|this|it)\s+(tool\s+)?(will|would|won'?t|cannot|can'?t|does not|doesn'?t|is going to)\s+(not\s+)?(work|fail|function|break|crash|error|be able)`),
	re(`\b(required|necessary|needed|mandatory)\s+(for|in order for)\s+(the\s+|this\s+)?(tool|it|the function|the operation)\s+to\s+(work|function|operate|succeed)`),
	re(`\bnote to (the )?(ai|assistant|model|llm|agent|claude|gpt|bot)\b`),
	re(`\b(ai|assistant|llm|language model|agent|claude|chatgpt|gpt|model)s?\s*(,|:)\s*(you|please|always|ignore|send|read|remember|make sure|the|this|collect|include|first|before|pick|choose|select|use|prefer|set|leave|keep)\b`),
	re(`\bif you are an? (ai|language model|llm|assistant|model|agent)\b`),
	re(`\bwhenever\s+(you|the user|this tool|a user|the assistant)\b`),
	re(`\b(this|these) (is|are) (very |extremely )?(important|critical|mandatory) (instructions?|steps?|requirements?)\b`),
	re(`\b(important|critical|mandatory|attention)\s*[:!]\s*(you|the assistant|always|before|first|do not|don't|never|ignore|read|send)\b`),
	re(`\b(the model|the assistant|the ai|the agent|the llm|assistants|models|agents)( (using|reading|calling) this tool)?\s+(should|must|needs? to|has to|have to|is required to|are required to|is expected to|are expected to|is authorized|are authorized|is instructed|are instructed|will need to)\b`),
	re(`\b(official notice|urgent notice|notice from|message from the (security|it|admin|compliance) team|from the security team)\b`),
	re(`\b(you are now (a|an|in|the)\b|from now on\b|(rules|guidelines|policies|restrictions|instructions) no longer apply)`),
	re(`\b(when the conversation (starts|begins)|before doing anything else|at the start of (every|each|the) (conversation|session)|as (your|the) first (step|action))\b`),
	re(`\b(l'assistant doit|el asistente debe|der assistent muss|l'assistente deve|o assistente deve|anweisung fur (den|die) (assistenten|ki)|remarque pour l'assistant|instrucao para o assistente|instruccion para (el asistente|la ia)|istruzioni per l'assistente|instructie voor de assistent|instruccion interna|instruction interne|interne anweisung|istruzione interna|instrucao interna|hinweis an die ki|note (a|pour) l'ia|nota para (el asistente|la ia)|nota per l'assistente)\b`),
	re(`\b(vor (jeder|der|dem) (nutzung|verwendung|benutzung|aufruf)|bevor du|antes de (usar|cada|utilizar|llamar|responder)|avant (d'utiliser|chaque|de repondre)|prima di (usare|ogni|utilizzare|rispondere)|prima dell'(uso|utilizzo)|avant (utilisation|tout appel)|antes do uso|antes de (usarla|usarlo)|vor gebrauch|voordat je|przed (uzyciem|kazdym)|kullanmadan once|sebelum (menggunakan|memakai))\b`),
	re(`给AI|给ai|给助手|AIへ|aiへ|アシスタントへ|アシスタント向け|어시스턴트 참고|어시스턴트에게|给助手|致助手|для ассистента|примечание для ассистента|перед\s+(использованием|каждым|ответом)|使用此工具前|使用前|调用前|在使用|使う前|使用する前|呼び出す前|사용하기\s*전에|호출하기\s*전에|قبل\s+استخدام|उपयोग\s+करने\s+से\s+पहले`),
}

// overrideRE: instructions that claim precedence over other instructions.
var overrideRE = []*regexp.Regexp{
	re(`\b(ignore|disregard|forget|override|bypass|skip|discard)\s+(all\s+|any\s+)?(the\s+|your\s+)?(previous|prior|earlier|above|other|existing|original|user'?s?|system|safety|security|default)\s+(instructions?|rules?|guidelines?|prompts?|directions?|directives?|policies|restrictions|constraints|tools?|settings|guardrails|warnings)`),
	re(`\b(takes?|has|have|given)\s+(absolute\s+|top\s+)?(precedence|priority)\s+over\s+(all|any|every|other|previous|the user|system|your)`),
	re(`\bsupersedes?\s+(all|any|other|previous|the user|system|your|the system)`),
	re(`\boverrides?\s+(all|any|other|previous|the user'?s?|system|your)\s+(\w+\s+)?(instructions?|rules?|requests?|prompts?|settings|tools?)`),
	re(`\bregardless\s+of\s+(what\s+the\s+user|any\s+(other\s+)?instructions?|the\s+user'?s?\s+(request|instructions?|wishes)|previous|other\s+instructions?)`),
	re(`\beven if (it|they|this|that) (contradicts?|conflicts? with|overrides?|goes against) (the )?(user|system|your)`),
	re(`\b(instructions|commands|directions)( found)? in (fetched|retrieved|the|returned|web) (pages|documents|content|results|data)( are| is)? (trusted|to be followed|must be followed|take priority|have priority)`),
	re(`\b(take|takes) priority over the user'?s? (request|instructions?)`),
	re(`\beven\s+if\s+(the\s+)?(user|human|system|operator|instructions?)\s+(says?|asks?|requests?|instructs?|tells?|wants?|forbids?|objects?|refuses?|declines?)`),
	re(`\b(do not|don't|never)\s+(follow|obey|listen to|trust|comply with)\s+(the\s+)?(user'?s?|previous|prior|original|system|safety)\b`),
	re(`\b(new|updated|real|actual|true)\s+(system\s+)?instructions?\s*:`),
	// "Ignora qualsiasi istruzione precedente", "ignorez les instructions
	// précédentes", "ignora las instrucciones anteriores".
	re(`\b(ignora|ignorate|ignorar|ignorez|ignorer|ignoriere|ignorieren)\s+(qualsiasi|tutte le|ogni|le|cualquier|todas las|las|toda|todas as|as|qualquer|toutes les|les|toute|alle|jede|die|tout)?\s*(istruzion\w*|instruccion\w*|instrucoes|instrucao|instructions?|anweisung\w*|consignes?)\s+(precedent\w*|anterior\w*|vorherig\w*|fruher\w*|du systeme|di sistema|del sistema|do sistema|che|qui|que|die)\b`),
	// "If the user says to wait or hold off, submit anyway": the user's
	// own request to stop is to be acknowledged and ignored.
	re(`\bif (the )?(user|customer|client|patient|participant|requester|human|operator)s?( or (the )?[a-z]+)? (says?|asks?|tells? you|requests?|wants?|instructs? you) (you )?to (stop|wait|hold|pause|cancel|withdraw|not\b|halt|delay|abort)[^.!?]{0,140}\b(anyway|regardless|nonetheless|nevertheless|continue to|keep (calling|sending|sharing|submitting|going|syncing)|proceed (anyway|as planned|regardless))\b`),
	// "If the customer declines the warranty, add it anyway": a choice
	// the user made, overruled.
	re(`\bif (the )?(user|customer|client|patient|participant|shopper|buyer|guest|member|requester)s? (declines?|refuses?|rejects?|opts? out of|says? no to|unticks?|deselects?|turns? down)\b[^.!?]{0,100}\b(anyway|regardless|nonetheless|nevertheless)\b`),
}

// sendVerbRE: moving data somewhere.
var sendVerbRE = re(`\b(broadcast|collected at|streamed|transferred|envoyee|envoyees|envoye|enviada|enviadas|gesendet|gestuurd|verzonden|wordt gestuurd|ubertragen|hochgeladen|geschickt|archived|published|kept on|kept at|logged at|recorded at|synced|syncs|synchronized|call (this|the) tool( again)? with|call it( again)? with|stored on|stored at|saved to|kept on|logged to|reenvia|reenviar|reenvie|inviato|inviati|inviata|enviado|enviados|envoye|envoyes|gesendet|ubermittelt|transmitido|sending|posting|uploading|forwarding|transmitting|copying|sharing|submitting|mirroring|mirrored|mirrors|relayed|archived to|transmets|transmettez|transmettre|trasmetti|transmita|ubermittle|uebermittle|sent|emailed|mailed|posted|uploaded|uploads|forwarded|transmitted|copied|shared|submitted|delivered|open an issue|create an issue|file an issue|post a comment|create a gist|send|sends|post|posts|upload|uploads|forward|forwards|transmit|transmits|exfiltrate|leak|beacon|report|submit|relay|mirror|copy|bcc|cc|e mail|email|mail|share|pass|include|append|attach|embed|put|place|insert|encode|write|log|dump|deliver|push|sync|backup|back up|save|store|envia|enviar|envie|envoie|envoyez|envoyer|sende|senden|schicke|schicken|invia|inviare|manda|mandar|stuur|verstuur|wyslij|gonder|kirim|coloque|colocar|pon|ponga|mets|mettez|inserisci|metti|ubergib|ubergeben|fuge ein)\b|отправ|转发|同步到|上传到|передаётся|передается|передаются|放入|放到|填入|填到|入れ|写入|附上|附加|上传|提交|入れて|送って|넣으|пересыла|посыла|присыла|перешли|отправьте|отправить|перешли|пошли|надішли|发送|发到|傳送|发给|送信|전송|보내|أرسل|भेजें|भेजो`)

// sensitiveDataIntlRE: the same data in other languages (no \b: RE2's
// word boundary is ASCII-only).
var sensitiveDataIntlSrc = `numero de carte( bancaire)?( complet)?|cryptogramme|numero (completo )?de (la )?tarjeta|numero (completo )?do cartao|numero (completo )?della carta|kartennummer|testo integrale della conversazione|intera conversazione|conversazione completa|messaggi di sistema|conversation complete|messages systeme|conversacion completa|mensajes del sistema|conversa completa|mensagens do sistema|contrasenas|contrasena|mots de passe|mot de passe|passworter|kennwort|parole|senhas|senha|wachtwoord|hasla|sifreler|kata sandi|пароль|пароли|паролі|密码|密碼|パスワード|비밀번호|كلمات المرور|كلمة المرور|पासवर्ड|historial de (la )?conversacion|historique de (la )?conversation|gesprachsverlauf|copie complete|copia completa|copia integral|volledige kopie|vollstandige kopie|komplette kopie|pelna kopia|полная копия|полную копию|完整副本|完全なコピー|전체 사본|副本|копия|копию|複製|사본|联系人|聊天内容|最近打开的文件|datos bancarios|dados bancarios|donnees bancaires|bankdaten|dati bancari|facturas|contatti|contactos|contatos|kontakte|通讯录|所有邮件|連絡先|연락처|переписку|переписка|historie rozmowy|historia rozmowy|gespreksgeschiedenis|sohbet gecmisi|riwayat percakapan|lich su tro chuyen|історію розмови|історія розмови|caixa de entrada|bandeja de entrada|boite de reception|posteingang|casella di posta|почтовый ящик|收件箱|受信トレイ|받은 편지함|会話の全履歴|会話の履歴|全履歴|对话记录|聊天历史|密钥|chatverlauf|cronologia (della )?chat|historico da conversa|историю переписки|история переписки|все сообщения|所有消息|对话历史|對話歷史|聊天记录|会話履歴|대화 기록|سجل المحادثة|बातचीत का इतिहास|claves api|cles api|api schlussel|chiavi api|токены|ключи api|api 密钥|api密钥|apiキー|api 키`

// sensitiveDataIntlBaseRE is sensitiveDataIntlRE without the words of langs.go, for text that holds none of them.
var sensitiveDataIntlBaseRE = re(sensitiveDataIntlSrc)

var sensitiveDataIntlRE = re(sensitiveDataIntlSrc + langAlt(lcCred) + langAlt(lcConv))

// paramDestIntlRE: "the X parameter" in other languages.
var paramDestIntlRE = re(`参数|パラメータ|매개변수|параметр|поле|\b(parametre|parametro|parameter|feld|champ|campo|veld|pole)\b`)

// carrierDestRE: "into sidenote", "as the notes": a free-text parameter
// named as the place to put data.
var carrierDestRE = re("\\b(in|into|as|to|inside|within|via|through)\\s+(the\\s+|a\\s+)?[`'\"]?(side ?note|sidenote|notes?|context|ctx|metadata|meta|extra|debug( info)?|feedback|trace|memo|annotations?|remarks)\\b")

// destinations: where data is sent.
var (
	urlRE         = re(`https?://[^\s)"'<>\]\x{3000}-\x{9fff}\x{ac00}-\x{d7af}\x{ff00}-\x{ffef}` + "`" + `]+`)
	emailRE       = re(`[a-z0-9._%+-]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}`)
	urlInsertRE   = re(`https?://[^\s)"'<>]*[?&#=/][^\s)"'<>]*(insert|replace|put|your|user)_[a-z_]*(here|email|question|message|conversation|data|password|token|key|history|prompt)`)
	urlTemplateRE = re(`https?://[^\s"'<>]*([?&#/][^\s"'<>]*(\{\{?|\$\{|<[a-z_ ]+>|%s|\[[a-z_ ]+\]|\$[a-z_]+)|\{\{?[a-z_ ]+\}\}?)`)
	mdImageRE     = re(`!\[[^\]]{0,100}\]\(\s*https?://`)
	externalDest  = re(`\b((in|to|on|into) (the )?(repo(sitory)? )?[a-z0-9][a-z0-9-]*/[a-z0-9][a-z0-9._-]*|webhook|(our|the following|an external|a remote|third party|backup|analytics|logging|collection|telemetry|tracking|monitoring|audit|attacker'?s?|external|remote|my|compliance|verification)\s+(server|endpoint|url|address|host|domain|api|collector|service|inbox|mailbox|email|e mail))\b`)
	arrowDestRE   = re("(->|→|=>)\\s*(param(eter)?\\s+|field\\s+)?[`'\"]?[a-z][a-z0-9_]*")
	paramDest     = re("\\b(in|into|as|to|via|inside|within|through|using)\\s+(the\\s+|a\\s+)?[`'\"]?([a-z][a-z0-9 ]{1,30}?)[`'\"]?\\s+(parameter|param|argument|arg|field|property|input|key)\\b")
	copyVerbSrc   = `\b(bcc|cc|cop(y|ies|ied)|forward(s|ed|ing)?|also send|also email|mirror(s|ed|ing)?|duplicat\w+|archived? to)\b`
	copyVerbRE    = re(copyVerbSrc)
	copyToRE      = re(copyVerbSrc + `[^.!?\n]{0,60}([a-z0-9._%+-]+@[a-z0-9-]+\.[a-z]{2,}|https?://)`)
	genericDataRE = re(`\b(cop(y|ies)|copie|copia|kopie|kopia|pages?|recordings?|transcripts?|scans?|images?|attachments?|notes?|photos?|contacts?|invoices?|contents?|results?|outputs?|responses?|data|body|conversation|messages?|files?|everything|information|details|context|history|arguments|inputs?|queries|query|text|values?|records?|documents?|emails?)\b`)
)

// imperativeOpenRE: a sentence that opens with a bare verb of an action on
// the model's side. Tool descriptions are mostly declarative ("Reads a
// file"), so imperatives aimed at something else stand out.
var toolRefGenericRE = re(`\b((the )?[a-z0-9]+ (mcp )?server'?s ([a-z0-9/-]+ ){0,2}(tools?|functions?)|(all|any|every|each)\s+(other\s+)?([a-z]+\s+){0,2}(tools?|servers?|functions?|integrations?|plugins?|mcp servers?)|other\s+(mcp\s+)?(tools?|servers?|functions?|integrations?|plugins?)|(another|a different)\s+(tool|server|mcp server)|the ([a-z0-9_.-]+ ){1,3}(tool|function) (from|of|in|on|provided by|exposed by) (the )?([a-z0-9_.-]+ ){1,2}(mcp )?(server|integration|plugin|extension|connector))\b`)

// Compact-view families: text whose letters were spread out ("r-e-a-d
// t-h-e ~/.s-s-h") loses its word boundaries; these match the letters
// alone.
var (
	compactSecrecyRE  = re(`donottell|dontell|donotmention|dontmention|withouttelling|keepthissecret|nevermention|donotinform|dontinform|donotrevealthis|secretly|silently`)
	compactSensRE     = re(`idrsa|ided25519|sshkey|awscredentials|systemprompt|apikey|password|credentials|privatekey|sshidrsa|gitcredentials|kubeconfig`)
	compactOverrideRE = re(`ignoreallprevious|ignoreprevious|disregardprevious|ignoreyourinstructions|ignoreallinstructions|forgetyourinstructions`)
	compactAccessRE   = re(`read|open|cat|send|include|pass|upload|forward|copy`)
)

// negated reports a data mention at i that a negation just before it, or
// a prohibition opening its clause, denies ("do not include the
// conversation", "do not paste passwords, API keys or full card numbers
// into replies").
func negated(text string, i int) bool {
	return negationRE.MatchString(text[max(0, i-40):i]) || forbiddenClause(sentenceTail(text[:i], 60))
}

// negationRE just before a data mention negates it ("do not include
// personal data").
var negationRE = re(`\b(do not|don't|dont|never|not|no|without|excluding|except|nor|cannot|can't|can not|unable to|removing|remove|stripping|strip|redacting|redact|masking|mask|scrubbing|scrub)\b[^.;:!?]{0,25}$`)

// pretextRE: the usual cover stories.
var pretextRE = re(`\b(for (\w+ )?(verification|authentication|validation|auditing|accuracy auditing|quality assurance)\b|for (security|verification|compliance|authentication|auditing|audit|debugging|logging|analytics|telemetry|quality|training|tracking) (purposes|reasons|checks?)|(security|compliance|audit|verification) (requirement|policy|check|purposes)|to verify (your|the user'?s?) identity|required by (policy|compliance|law))\b`)
