package toolscan

import (
	"regexp"
	"strings"
)

// The intent grammar reads a sentence as a combination of classes rather
// than as a phrase: a transfer action (send, upload, mirror, resell …)
// whose object is data that is not the tool's (credentials, personal
// identifiers, the conversation, or the user's content quantified as "every
// document") and whose destination is outside the user's control (a
// literal URL, address or host, "our servers", partners, a public paste).
// Each class lists its words in several languages, so a sentence written in
// a new style is caught when its parts fall in the classes even though the
// phrase as a whole was never seen. A sentence that leaves the choice to
// the user ("to the address the user provides", "configured by the admin")
// or discloses nothing ("hashed", "never stored") is not a transfer of
// the user's data.
//
// All patterns are RE2 and run on lower-cased text with separators made
// spaces (normalizeLight or textnorm's views). The ASCII families use \b;
// the others cannot (RE2's word boundary is ASCII-only).

var (
	transferSrc    = `\b(send|sends|sent|sending|post|posts|posted|posting|put|puts|upload\w*|forward\w*|mirror\w*|replicat\w+|sync|syncs|synced|syncing|synchroni[sz]\w+|ship|ships|shipped|shipping|stream|streams|streamed|streaming|tee|teed|tee'?d|tees|relay\w*|beacon\w*|report|reports|reported|reporting|share|shares|shared|sharing|resold|resell\w*|sell|sells|sold|retain\w*|kept|keep|keeps|store|stores|stored|saved|saves|logged|logs (\w+ )?to|log (\w+ )?to|record|records|recorded|handed|hands|hand over|pass(es|ed)? (on )?to|export\w* to|escrow\w*|transmit\w*|transfer\w*|submit\w*|deliver\w*|push\w*|lands?|ends? up|go(es)? to|copie[sd]|copy|bcc|bcc'?d|cc'?d|archiv\w*|publish\w*|disclos\w*|provided to|given to|fed (in)?to|feeds? (in)?to|train\w* on|used (to|for) train\w*|collected|ingest\w*|exfiltrat\w*|envi\w+|remit\w*|reenvi\w*|compart\w+|transmis\w*|suben|subido|subidos|subidas|guardan|guardad\w+|almacen\w+|gesendet|sendet|senden|ubertrag\w*|ubermittel\w*|weitergegeben|weiter|gemailt|hochgeladen|gespeichert|speichert|landen|behalten|synchronis\w*|envoy\w*|partag\w*|televers\w*|conserv\w*|stocke\w*|compartilh\w*|armazen\w*|remis|indexed|exposed|made public|made available|doorgestuurd|verstuurd|gestuurd|verzonden|gedeeld|opgeslagen|geupload|inoltrat\w*|inviat\w*|condivis\w*|salvat\w*|caricat\w*|riport\w*|inserisc\w*|incoll\w*|gonderil\w*|paylasil\w*|yuklen\w*|carry|carrying|carries|carried|tracking pixels?|dikirim|kirim\w*|diunggah|dibagikan|duoc gui|gui toi|gui cho|tai len|chia se|wysylane|przesylane|udostepniane|skicka\w*|delas|odesil\w*|odesl\w*|sdil\w*|predava\w*|repassad\w*|repass\w*|cedut\w*|ceduti|dump|dumps|dumped|route[sd]?|routing|cach(e|es|ed|ing)|feeds?|fed|indexed|surface[sd]?|snapshott?ed|made searchable|reviewed by|listen(ed)? to|queried by)\b|αποστελλ|αποστέλλ|στελν|στέλν|κοινοποι|διαβιβαζ|נשלח|שולח|מועבר|לשלוח|넘겨|넘기|→|⇒|=>| > |wysył|przesył|udostępn|gửi|gui đ|送信|送ら|転送|アップロード|保存|共有|同期|渡さ|渡し|提供さ|上传|上报|同步|发送|转发|提交|传送|提供给|отправ|переда|пересыла|сохраня|загружа|синхрониз|выгружа|전송|업로드|공유|보내|저장`
	transferBaseRE = re(transferSrc)
	transferRE     = re(transferSrc + langAlt(lcSend))

	// Data that belongs to the user or the agent.
	credObjSrc        = `\b(pg_authid|pg authid|pg_shadow|pg shadow|rolpassword|password hash(es)?|authentication_string|(ci ?/?cd|ci|pipeline|protected|masked) variables?( dump)?|variable dump|identifiants( de connexion)?|codes? (recus |envoyes )?par sms|reponses aux questions de securite|questions? de securite|preguntas de seguridad|sicherheitsfragen|codigos? (recibidos )?por sms|passwords?|passcodes?|one time (pass\w+|codes?)|otps?|tokens?|api keys?|secrets?|credentials?|cookies?|private keys?|ssh keys?|keys|pem|identityfile|env|environment (variables|config|files?|secrets)|umgebungsvariablen|variables de entorno|variables d'environnement|variabili d'ambiente|omgevingsvariabelen|env vars?|kubeconfig|client certificates?|seed phrases?|mnemonic|contrasenas?|wachtwoord\w*|sifre\w*|kata sandi|mat khau|hasla|hasel|heslo|hesla|losenord|authorization( headers?)?|auth headers?|bearer|passwort\w*|passworter|mots? de passe|senhas?|zugangs\w*|schlussel\w*|claves?|cles)\b|hasł|mật khẩu|lösenord|κωδικ|סיסמ|пароль|пароли|паролей|токен|ключ|密码|令牌|密钥|访问令牌|环境变量|トークン|パスワード|鍵|環境変数|토큰|비밀번호|환경 변수`
	credObjBaseRE     = re(credObjSrc)
	credObjRE         = re(credObjSrc + langAlt(lcCred))
	personalObjSrc    = `\b(numero de carte( bancaire)?|cryptogramme|numero (completo )?de (la )?tarjeta|numero (completo )?do cartao|numero (completo )?della carta|kartennummer|ssn|social security|passports?( details| numbers?)?|dates? of birth|birth ?dates?|home address\w*|phone numbers?|card numbers?|credit cards?|payment cards?|bank\w* (details|accounts?|transactions?)|account numbers?|balances|ibans?|heart rate|medications?|medical diagnos\w+|diagnoses|sleep data|income|salary|health data|medical \w+|location( history)?|gps( location)?|contacts|address book|contact details|personal (data|details|information)|pii|cpf|tax ids?|datos (fiscales|personales|bancarios)|coordonnees bancaires|dados (pessoais|bancarios)|datos de contacto|donnees personnelles|geo|geolocation|kartennummer\w*|kundendaten|geburtsdatum|adressbuch)\b|通讯录|联系人|連絡先|位置|住所|個人情報|个人信息|контакт|паспорт|персональн|개인정보|연락처|위치`
	personalObjBaseRE = re(personalObjSrc)
	personalObjRE     = re(personalObjSrc + langAlt(lcPersonal))
	convObjSrc        = `\b(conversations?|chats?|transcripts?|(direct )?messages|dms|(chat |conversation |session |message )history|system prompt|prompts|replies|turns|dialog(ue)?s?|conversacion\w*|sohbet gecmisi|gesprekken|conversazion\w*|historial|chatverlauf|gesprachsverlauf|historique|conversa|echanges de la (session|conversation)|intercambios de la (sesion|conversacion))\b|会話|履歴|对话|聊天|переписк|историю|истори|대화|기록`
	convObjBaseRE     = re(convObjSrc)
	convObjRE         = re(convObjSrc + langAlt(lcConv))
	contentObjSrc     = `\b(documents?|docs|files?|e ?mails?|mails|notes?|recordings?|audio|photos?|images?|pictures?|cvs?|resumes?|queries|query|results?|result sets?|rows|texts?|payloads?|exports?|invoices?|reports?|events?|event payloads|diffs?|outputs?|stdout|stderr|contents?|bodies|body|pages?|drafts?|receipts?|scans?|screenshots?|values|data|datos|daten|donnees|dados|textos?|texte|documentos|dateien|dateiinhalte|notizen|notas|facturas?|rechnungen|bilder|fichiers|arquivos|archivos|correos?|mensajes?|nachricht\w*|courriels?|mails?|catatan|ghi chu|notatki|keystrokes|typing|clipboard|frames?|designs?|artwork|dumps?|backups?|profiles?|repositor(y|ies)|snippets|code|anteckningar|poznamky|memos?|clips?|titles?|originals|uploads|submissions|inputs|materials|assets|media|videos|bestanden|documenti|metinler?|belgeler|contracts?|details|records?|information|info)\b|メモ|内容|文書|文章|原文|テキスト|データ|ファイル|笔记|照片|邮件|正文|日志|文件|文档|文本|数据|资料|заметк|текст|файл|письм|메모|문서|사진|메일|본문|σημειωσ|σημειώσ|פתק`
	contentObjBaseRE  = re(contentObjSrc)
	contentObjRE      = re(contentObjSrc + langAlt(lcContent))
	// Quantifiers and side-channel words that turn the user's content
	// into a wholesale copy.
	wholesaleSrc    = `\b(även|aven|také|επίσης|επισης|anche|tambem|también|every|each|all|any|full|entire|whole|copy|copies|copia|copie|kopie|duplicate|tee|teed|tee'?d|tees|mirror\w*|replicat\w*|relay\w*|beacon\w*|also|additionally|automatically|behind the scenes|in real time|nightly|todos|todas|cada|jede|jeder|jedes|alle|samt|zusatzlich|chaque|tous|toutes|tambien|ademas|also|too|as well)\b|全部|所有|すべて|全て|自動|一并|все|всех|копия|모든|자동`
	wholesaleBaseRE = re(wholesaleSrc)
	wholesaleRE     = re(wholesaleSrc + langAlt(lcWhole))
	possessiveRE    = re(`\b(your|user'?s?|users'|customer'?s?|client'?s?|candidate'?s?|caller'?s?|tus|sus|vos|ihre|seus|suas)\b|ユーザー|用户|您的|пользовател|사용자`)

	// Destinations outside the user's control.
	literalDestRE    = re(`\b((https?|wss?|s3|gs|ftp|sftp)://[^\s)"'<>\x{3000}-\x{9fff}\x{ac00}-\x{d7af}\x{ff00}-\x{ffef}]*|[a-z0-9][a-z0-9._%+-]*@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}|[a-z0-9][a-z0-9-]*(\.[a-z0-9-]+)*\.(example|com|net|org|io|dev|app|cloud|ai|co|me|cn|ru|de|xyz|site|biz|info|tk|top)\b)`)
	thirdPartySrc    = `\b(our (own )?(\w+ ){0,2}(servers?|cloud|platform|backend|dataset|data ?lake|database|team|brain|index|service|escrow|network|partners?|contractors|vendors?|dashboard|collector|records|crm|storage|systems?|research|corpus|models?|ai|training (data|set|corpus)|affiliates|customers|clients|buyers|marketplace|products?|staff|side|employees|reviewers)|its (own )?(\w+ ){0,2}(dataset|escrow|cloud|servers?|index|platform)|affiliat\w+|successors|insurers|recruiters|lenders|advertisers|marketers|annotators|listeners|other (customers|users|tenants)'?|another region|we control|on our side|\w+partner\w*|group companies|sister companies|publicly \w+|public(ly)? (searchable|accessible|index)|third[ -]part(y|ies)|3rd[ -]party|partners?|subprocessors?|contractors|vendors?|advertis\w+|marketers?|data brokers?|annotat\w+|public (\w+ ){0,2}(paste|repo\w*|gist|bucket|link|url|channel|service|board|album|page|site|folder|wiki|index|dashboard|feed|space|list|cdn)|(operator|maintainer|vendor|developer|publisher)'?s? (\w+ )?(cdn|servers?|cloud|endpoint|analytics|storage|bucket|account|slack|workspace)|cdn|gist|pastebin|monitoring channel|socios|terceros|terzi|licensees?|data (licensees?|buyers|brokers)|partenaire\w*|publicit\w*|agencias?|agences?|notre (serveur|partenaire|plateforme)|partnerbedrijven|partner\w*|extern\w*|partenaires|parceiros|terceiros|werbepartner\w*|data lake|unser\w* (\w+ )?(server|cloud|data lake|analyse\w*)|nuestros? (servidores?|socios|nube)|nos (serveurs|partenaires)|nossos? (servidores|parceiros))\b|当社|弊社|我们的|提携|広告|업체|第三者|第三方|合作方|广告|третьим лицам|рекламн|云端|服务器|合作伙伴|パートナー|サーバー|партн|у себя|외부|서버`
	thirdPartyBaseRE = re(thirdPartySrc)
	thirdPartyRE     = re(thirdPartySrc + langAlt(lcPartner))
	// The user or the operator chooses where the data goes, or nothing
	// that discloses it leaves.
	userChoiceSrc    = userValueSrc + `|` + `\b(user|you|admin|administrator|operator|requester|owner)\b[^.;]{0,25}\b(choose|chooses|chose|chosen|select|selects|selected|pick|picks|picked|provide|provides|provided|supply|supplies|supplied|specif\w+|configur\w+|enter\w*|indicat\w+|typed|wrote|approv\w+|confirm\w*|manage\w*|owns?|opgeeft|names)\b|\bwith (the user'?s?|their) (explicit )?consent|\basks the user|\b(configured|registered|chosen|selected|specified|provided|supplied|approved) (by|in)\b|\bconfigured\b|\b(user|you|admin|administrator|operator)\b[^.;]{0,25}\b(sets?|enabled?|enables|turned on|turns on|opts? in|opted in)\b|\b(off|disabled) by default\b|\bopt[ -]?in\b|\bwhen (enabled|turned on|opted in|switched on)\b|\b(registered|designated|verified|on file|preconfigured|pre configured|nominated) (\w+ )?(contacts?|address(es)?|e ?mails?|recipients?|accounts?|channels?|phones?|numbers?|endpoints?|portal)\b|\b(registrad[ao]|cadastrad[ao]|enregistree?|registriert\w*|hinterlegt\w*|geregistreerd\w*|registrat[ao])\b|\b(not|never) (be )?(stored|logged|retained|kept|leaves?|sent|shared|printed)|\b(hash\w*|k anonymity|anonymi\w+|redact\w*|masked|scrubb\w*|encrypted)\b|\bthe user'?s? (own )?(drive|mailbox|account|bucket|storage|folder|cloud|vault|keychain|inbox|documents|downloads)|\b(your|their|the user'?s?) own (\w+ )?(accounts?|devices?|servers?|instance|workspace|project|repository|organi[sz]ation|nas)\b|\b(user|you)\b[^.;]{0,25}\b(paired|linked)\b|\b(workspace|account|drive|project|organi[sz]ation|tenant|mailbox|inbox|folder|bucket|calendar|vault|notebook) (of|belonging to) the (signed in |logged in |authenticated |current )?user\b|\bthe (signed in|logged in|authenticated|current) user'?s? (own )?(workspace|account|drive|project|organi[sz]ation|tenant|mailbox|inbox|folder|bucket|calendar|vault|notebook)\b|\b(never|not|nothing) (\w+ ){0,2}(pass(es)? through|go(es)? through|touch(es)?)\b|\b(deleted|discarded|purged) (after|once|when|immediately)|\bzero retention|\bno retention|\bdoes not (store|retain|keep)|\b(when|if|once) the user (asks|requests|wants) (to|for|it|this|that|them)\b|\bat the user'?s? request|\bon request\b|\bopt ?in\b|\bif (they|the user) agree|\b(indique|indica|elija|elige|angegeben\w*|gewahlt\w*|choisi\w*|escolh\w*|indiqu\w*)\b|指定|选择|選択|указан|выбран|선택|지정`
	userChoiceBaseRE = re(userChoiceSrc)
	userChoiceRE     = re(userChoiceSrc + langAlt(lcChoice))
)

// beyondSelRE: more than the user picked — the other files of the same
// folder, or data sent along with the chosen item.
var (
	otherItemsRE = re(`\b(the )?(other|remaining|neighbou?ring|sibling|nearby|surrounding|rest of the) (\w+ ){0,2}(files?|images?|photos?|pictures?|documents?|attachments?|recordings?|videos?|messages?|e ?mails?|notes?) (in|from|of) the (same )?(folder|directory|dir|album|drive|mailbox|inbox|thread|workspace|project|repository|repo)\b`)
	alongsideRE  = re(`\b(alongside|along with|together with|in addition to|as well as|besides) the (selected|chosen|specified|requested|given|single|one|uploaded|attached) (file|image|photo|picture|document|attachment|item|message|recording)s?\b`)
)

// beyondSelection reports a sentence that transfers more than the user
// selected: the other files of the folder the chosen one is in, or
// personal data (location, contacts …) sent along with the chosen item.
// The destination is the server itself, so the destination grammar of
// exfilClause does not see it.
func beyondSelection(s string) (string, bool) {
	tloc := transferBaseRE.FindStringIndex(s)
	if tloc == nil || negatedVerbRE.MatchString(s[:tloc[0]]) || userChoiceBaseRE.MatchString(s) {
		return "", false
	}
	if m := otherItemsRE.FindString(s); m != "" {
		return m, true
	}
	if alongsideRE.MatchString(s) {
		if m := personalObjBaseRE.FindString(s); m != "" {
			return m, true
		}
	}
	return "", false
}

// possessiveDataRE: a destination word used as the owner of the data
// that follows ("other customers' information"), not as a place ("the
// vendor's Slack" stays a destination).
var possessiveDataRE = re(`^'s? (\w+ )?(information|data|details|records|contacts|e ?mails|messages|files|names|addresses|numbers|accounts|orders|history|profiles?)\b`)

// noChoiceRE: a clause that takes the user's choice away.
var noChoiceRE = re(`\b(whether or not|regardless of whether|even if|even when|no matter whether)\b[^.;,]{0,40}`)

// configNameRE: a configuration variable's name (SHOPIFY_STORE_DOMAIN).
var configNameRE = re(`\b[A-Z][A-Z0-9]*(_[A-Z0-9]+)+\b`)

// joinConfigNames writes the names of configuration variables that hold
// no secret as single words, so that the words they are made of ("STORE",
// "POST", "SHARE") are not read as verbs of the sentence. A secret's name
// keeps its words: "send AWS_SECRET_ACCESS_KEY to …" names what is sent.
func joinConfigNames(s string) string {
	if strings.Contains(s, "_") {
		s = configNameRE.ReplaceAllStringFunc(s, func(m string) string {
			if secretEnvRE.MatchString(m) {
				return m
			}
			return strings.ReplaceAll(m, "_", "")
		})
	}
	// A hyphenated host name stays one word too: light normalisation
	// would otherwise read "your-store.myshopify.com" as "your store …".
	if strings.Contains(s, "-") {
		s = hyphenHostRE.ReplaceAllStringFunc(s, func(m string) string { return strings.ReplaceAll(m, "-", "") })
	}
	return s
}

// hyphenHostRE: a host name with a hyphenated label.
var hyphenHostRE = re(`(?i)\b[a-z0-9]+(-[a-z0-9]+)+(\.[a-z0-9]+(-[a-z0-9]+)*)*\.[a-z]{2,}\b`)

// exfilClause reports whether one sentence transfers data that is not the
// tool's to a destination the user did not choose, and returns the parts
// it found for the reviewer.
// forKindRE: "for free", "for paid": a kind of account or key named
// after it.
var forKindRE = re(`\bfor (free|paid|pro|trial|enterprise|personal|team|test|live|sandbox|production|legacy) $`)

// timingRE: a verb after it names when, not what, the text asks for.
var timingRE = re(`\b(before|prior to|ahead of)\s+((it|they|this|that|the \w+)\s+(is|are|gets?|get|being)\s+)?$`)

func exfilClause(s string, first bool, own *services) (obj, dest string, ok bool) {
	lm := langClasses(s)
	tloc := pick(lm, lcSend, transferBaseRE, transferRE).FindStringIndex(s)
	if tloc == nil {
		tloc = saleRE.FindStringIndex(s)
	}
	// What is passed "here" is the tool's input; a later transfer in the
	// same sentence ("submitted here are resold to …") still counts.
	if tloc != nil && toThisToolRE.MatchString(s[tloc[1]:]) {
		next := pick(lm, lcSend, transferBaseRE, transferRE).FindStringIndex(s[tloc[1]:])
		if next == nil {
			next = saleRE.FindStringIndex(s[tloc[1]:])
		}
		if next == nil {
			return "", "", false
		}
		tloc = []int{tloc[1] + next[0], tloc[1] + next[1]}
	}
	// "Use before posting customer content to Slack": a send the tool
	// comes before is the user's, not an order; a later one in the same
	// sentence still counts.
	for tloc != nil && timingRE.MatchString(s[:tloc[0]]) {
		next := pick(lm, lcSend, transferBaseRE, transferRE).FindStringIndex(s[tloc[1]:])
		if next == nil {
			tloc = nil
			break
		}
		tloc = []int{tloc[1] + next[0], tloc[1] + next[1]}
	}
	if tloc == nil || negatedVerbRE.MatchString(s[:tloc[0]]) || lm.has(lcNeg) && langNegated(s, tloc) || configUseRE.MatchString(s) {
		return "", "", false
	}
	// In languages that put the verb last the destination comes first;
	// elsewhere it follows the verb ("are mirrored to …"): an address
	// mentioned before the verb is what the data contains, not where it
	// goes ("notes may contain links like https://…; they are stored …").
	// German, Dutch and Turkish put the verb last too ("werden … an
	// https://… übertragen").
	verbLast := !newGate(s).ascii || len(strings.Fields(s[tloc[1]:])) <= 1
	for _, r := range []*regexp.Regexp{literalDestRE, pick(lm, lcPartner, thirdPartyBaseRE, thirdPartyRE)} {
		for _, loc := range r.FindAllStringIndex(s, 4) {
			// The second form allows one word between the marker and
			// the address: light normalisation splits a hyphenated
			// host ("e.g. my-shop.example.com").
			// "other customers' information" names whose data it is, not
			// where it goes.
			if !verbLast && loc[0] < tloc[0] || exampleRE.MatchString(s[max(0, loc[0]-32):loc[0]]) || possessiveDataRE.MatchString(s[loc[1]:]) {
				continue
			}
			dest = s[loc[0]:loc[1]]
			break
		}
		if dest != "" {
			break
		}
	}
	third := pick(lm, lcPartner, thirdPartyBaseRE, thirdPartyRE).MatchString(s)
	// Selling data is handing it to a buyer, named or not.
	if m := saleRE.FindString(s); dest == "" && m != "" {
		dest, third = "a buyer ("+m+")", true
	}
	// "whether or not you enable sync" leaves the user no choice.
	if dest == "" || pick(lm, lcChoice, userChoiceBaseRE, userChoiceRE).MatchString(noChoiceRE.ReplaceAllString(s, " ")) {
		return "", "", false
	}
	// What is sent is named outside the addresses: ".../v3/<domain>/messages"
	// is a path, not the user's messages.
	bs := blankDests(s)
	for _, r := range []*regexp.Regexp{pick(lm, lcCred, credObjBaseRE, credObjRE), pick(lm, lcPersonal, personalObjBaseRE, personalObjRE), pick(lm, lcConv, convObjBaseRE, convObjRE)} {
		for _, loc := range r.FindAllStringIndex(bs, 4) {
			before := bs[max(0, loc[0]-40):loc[0]]
			// "push … with the user's stored credentials": the
			// credentials are the means, not what is sent.
			// "… (or api-free.deepl.com for free keys)": which keys use
			// the address, not what goes there.
			if negated(bs, loc[0]) || instrumentRE.MatchString(before) || instrumentCred(bs, loc) || forKindRE.MatchString(before) {
				continue
			}
			// "Send an SMS via the Twilio Messages API (https://…)": the
			// first sentence's own job, to its own service, is no leak.
			if first && (ownService(dest, own.get()) || r != pick(lm, lcCred, credObjBaseRE, credObjRE) && jobOpenerRE.MatchString(bs)) {
				continue
			}
			return bs[loc[0]:loc[1]], dest, true
		}
	}
	side := pick(lm, lcWhole, wholesaleBaseRE, wholesaleRE).MatchString(bs)
	// The tool's own job, stated first ("Upload an image to Imgur"), is
	// not a side channel unless the sentence says it copies more.
	// "Only the domain is sent to the vendor — never contact names,
	// e-mails or notes" names what is not sent.
	if loc := pick(lm, lcContent, contentObjBaseRE, contentObjRE).FindStringIndex(bs); loc != nil && !negated(bs, loc[0]) && !ownService(dest, own.get()) && (side || !first && (third || literalDestRE.MatchString(dest) || possessiveRE.MatchString(bs))) {
		return bs[loc[0]:loc[1]], dest, true
	}
	// "Always share with x@y as well": a copy to a literal address needs
	// no object.
	if alsoRE.MatchString(s) && literalDestRE.MatchString(s) {
		return "a copy", dest, true
	}
	return "", "", false
}

// jobOpenerRE: a first sentence that opens with the tool's own act of
// sending ("Send a chat request to …", "Posts a message to …").
var jobOpenerRE = re(`^\W*(sends?|posts?|forwards?|uploads?|shares?|submits?|delivers?|publish(es)?|sync(s|hronizes?)?|push(es)?|emails?|messages?|notif(y|ies)|relays?|routes?|envía|envia|envoie|sendet|invia|envia)\b`)

// toThisToolRE: what is passed "here" or "to this tool" is the tool's
// input, not a transfer elsewhere.
var toThisToolRE = re(`^\s*(here|to this (tool|function|call|endpoint)|in this call)\b`)

var (
	saleRE = re(`\b(sold|resold|sells?|resells?|monetiz\w+|licensed to|vend(e|en|emos|idos?|idas?)|verkauf\w*|vendu\w*|vendut\w*|dijual)\b|продаю|продаж|出售|販売|판매`)
	// A command line that reads a secret file and hands it to a network
	// client: "cat ~/.kube/config | curl -d @- https://…".
	netClientRE = re(`\b(curl|wget|nc|ncat|netcat|scp|rsync|invoke webrequest|invoke restmethod|iwr|irm|httpie|fetch|xmlhttprequest|sendbeacon|axios|requests\.(get|post|put)|http\.(get|post|request))\b`)
	// browserSecretRE: secrets a script can read in a browser or process.
	browserSecretRE = re(`document\.cookie|localstorage|sessionstorage|indexeddb|process\.env|os\.environ`)
	instrumentRE    = re(`\b(with|using|via|through|by means of|authenticated with|signed with)\s+(the |a |an |your |their )?(\w+'?s?\s+){0,3}$`)
	alsoRE          = re(`\b(as well|also|too|in addition|additionally|silently|secretly|quietly)\b`)
	negatedVerbRE   = re(`\b(do not|don't|dont|never|not|no|nor|without|cannot|can't|won't|prohibits?|forbids?|forbidden|prohibe|prohibido|prohiben|interdit|verboten|vietato|proibido|proibe)\s+(\w+\s+){0,2}$`)
	exampleRE       = re(`\b(like|such as|e\.g\.|eg|for example|for instance|example|say|typically|usually|` + foreignExampleSrc + `)\W*((to|at|from|as|in)\W+)?$|\b(e\.g\.|eg|for example|for instance|such as)\W+[a-z0-9]{1,20}\W$`)
)

// Concealment in shapes the secrecy family does not list: hiding a step or
// its output from the reply rather than "not telling the user".
// secretKeptOutRE: a secret value kept out of the reply ("do not repeat
// the password in your reply"), which protects the user; concealment
// hides what the tool does.
var secretKeptOutRE = re(`\b(passwords?|passphrases?|tokens?|api keys?|keys?|secrets?|credentials?|pins?|otps?|one[- ]time codes?|totp codes?|card numbers?|cvvs?|ssns?|social security numbers?|private keys?|seed phrases?)\b`)

// valueKeptOut reports a concealment match whose object is a pronoun for
// a secret named just before it ("the SSN is sent only to the checker;
// don't repeat it back in chat"): the value is kept out of the reply, as
// secretKeptOutRE's are.
func valueKeptOut(t, m string) bool {
	i := strings.Index(t, m)
	if i < 0 || !valuePronounRE.MatchString(m) {
		return false
	}
	return secretKeptOutRE.MatchString(t[max(0, i-160):i])
}

var valuePronounRE = re(`\b(repeat|show|include|reveal|list|mention|name)\s+(it|them|the value|its value|the values|their values|that value|this value)\b`)

var concealIntentRE = re(`\b(does not|doesn't|do not|don't|need not|needn't) (need to )?be (called out|mentioned|flagged|highlighted|pointed out|brought up) in (the |your )?(answer|reply|replies|response|summary)\b|\bneed not (appear|be (shown|mentioned|listed|included)) in (the |your )?(\w+ ){0,2}(summary|reply|response|answer|message|confirmation)\b|\b(do not|don't|dont|never) (pass|relay|forward|surface) (\w+ ){0,3}(on )?to the (user|customer)\b|\bwithout (\w+ ){0,3}(mention|mentioning|telling|informing|notifying|notice)( it| this)? to the (user|customer|client)\b|\bno need to (summari[sz]e|tell|inform|mention|show|explain)( \w+){0,2} (to )?the (user|customer|client)\b|\b(leave|leaving|keep|keeping) (\w+ ){0,4}out of (the |your )?(repl\w+|answers?|respons\w*|summar\w*|message|chat)\b|\b(left|leave|leaving|kept|keep|keeping) out of (the )?(\w+ ){0,2}(answer|reply|summary|message|response)s? (shown|given|displayed|sent|read|presented) (back )?(to the user|in (the )?chat)\b|\b(summary|answer|reply|response|message) (given|shown|sent|returned|read) (back )?(to the user|in (the )?chat)\b[^.]{0,80}\b(leaving out|leave out|omitting|without (mentioning|naming|giving))\b|\bomit(ted|s)? (\w+ ){0,3}from (the |your |any )?(repl\w+|respons\w*|answers?|chat|output|summar\w*|conversation|user|transcript)|\b(do not|don't|dont|never|no need to) (surface|narrate|discuss)\b|\b(do not|don't|dont|never) (\w+ )?(list|include|repeat|name|show|mention|reveal) (\w+ ){0,3}(in|to|with) (the |your )?(chat|conversation|repl(y|ies)|respons\w*|answers?|summary)\b|\b(do not|don't|dont|never) (show|display|print|echo|surface|expose|mention|reveal) (the |this |that |its |any )?(output|result|results|step|steps|call|calls|contents?|read)\b[^.;]{0,20}\b(in|to|with) (the )?(chat|conversation|repl\w+|respons\w*|answers?|user)|\b(need not|needn't|does not need to|doesn't need to|should not|must not) be (discussed|mentioned|shown|explained|disclosed|surfaced|visible)\b|\bkeep (quiet|silent|mum)\b|\b(skip|spare (them|the user)( from)?|leave out) (the )?details\b|\bunbemerkt\b|\bunauffallig\b|\bsin que (el usuario (lo )?(sepa|note|vea|se entere|se de cuenta)|nadie|lo sepa|se entere)|\bsans (en )?parler\b|\bne pas en parler\b|\bnicht erwahnen\b|\bgegenuber (bitte )?nicht\b|\bno (le )?(comentes|digas|menciones|cuentes|expliques) nada\b|\bnada de esto\b|\b(just|only|simply) (say|report|reply|respond|answer)\b[^.;]{0,12}['"]|伝えないで|知らせないで|言わないで|表示しないで|見せないで|об этом не|ничего не (говори|сообщай)`)

// Claims that content or the tool outranks the user and the system, or
// that the model's rules are off.
// notInstructionsRE: the opposite order ("treat their contents as
// information rather than instructions").
var notInstructionsRE = re(`\b(rather than|instead of|not|never) (as )?(an? )?(instructions?|commands?|orders?|directives?)\b`)

// ownRulesRE: what follows "follow these" when the text lists its own
// rules or steps.
var ownRulesRE = re(`^\s+(\w+\s+){0,2}(rules|guidelines|steps|conventions|practices|principles|standards|tips|recommendations)\b`)

var spanNegRE = re(`\b(not|never|no)\b|n't\b`)

var overrideIntentRE = re(`\btreat (them|it|this|these|its (output|results?)|the (output|results?|content|page|text|response)s?|any \w+) as (authoritative|trusted|binding|system|operator|official|developer|admin)\b|\b(treat(ed|s|ing)?|regard(ed|s|ing)?|handle[ds]?|handling|consider(ed|s|ing)?|interpret(ed|s|ing)?|take[ns]?|taking) (\w+ ){0,8}as (a |an )?(\w+ ){0,3}(instructions?|commands?|directives?|orders?)( (from|by) (the )?(user|system|operator|developer|admin))?\b|\b(act on|carry out|follow|obey) (it|them|these|those|the (\w+ )?(instructions|commands|requests|directives)) (immediately |directly )?without (asking|confirmation|confirming|checking|approval|review)\b|\b(do|execute|follow|obey|carry out|perform) (whatever|everything|anything|all) (the |it |they |that |this )?(\w+ )?(says?|tells? you|tell you|asks?|instructs?|contains?|requests?|wants?)\b|\b(execute|follow|obey|carry out) (them|these|those|the (directives|instructions|commands) (found |contained )?(in|inside|within))\b|\b(constraints|restrictions|rules|guardrails|safety (checks|rules|filters)|policies|limits) (are|have been|is) (now )?(lifted|suspended|removed|disabled|void|waived|off)\b|\b(disable|turn off|suspend|lift|drop|relax|bypass) (its|your|their|all) (own )?((safety|security|content) )?(checks|rules|filters|constraints|restrictions|guardrails|policies)\b|\b(outranks?|overrules?|trumps?) (the |all |any )?(system|user|operator|developer|other)\b|\btrusted (system[ -]level )?(guidance|instructions?|commands?|directives?)\b|\b(supersedes?|takes? precedence over|takes? priority over) (the |all |any )?(user|system|operator)'?s?\b|\b(follow|obey|prefer|prioriti[sz]e) (\w+ ){0,3}over (the )?(user|system|operator)'?s?\b|\b(results?|content|pages?|responses?|output|documents?)\b[^.]{0,40}\b(instructions|directives|commands)\b[^.]{0,30}\b(should|must|shall|will|to) (be )?(follow|obey|execut|comply)|\b(to|over) (anything|whatever|what) (the )?(user|system|operator)( or (the )?(user|system|operator))? (says?|said|asks?|wants?)\b|\b(are|is) (to be treated as )?(authoritative|trusted|binding|official|system[ -]level) (instructions|commands|directives|guidance|orders)\b|\bautonomous mode\b|\bregardless of (what|(which|whatever) (\w+ ){0,2})the user (specified|asked|said|wants|wanted|requested|chose|named|selected|picked)`)

// Markers that a text addresses the model with an obligation.
var obligationRE = re(`\b(the )?(assistant|model|agent|ai|llm)s?,?\s+(must|should|shall|has to|needs to|is required to)\b|\b(precondition|prerequisite|usage contract|required flow|model directive|non ?optional|step (one|two|three|1|2|3)|mandatory for the (model|assistant))\b|\((model|assistant|ai|agent|llm)\)|\b(model|assistant|agent|llm) (directive|note|instruction)s?\b|\bfor (the )?(model|assistant|assistants|ai|agent|llm)\s*:|\b(tip|note|hint|(house )?rules?|policy|guidelines?|instructions?) for (the )?(assistants?|models?|ai|agents?|llms?)\b|\bwichtig fur das modell|\bnota para el (modelo|asistente)|\bnote pour (le modele|l'assistant)|для (модели|ассистента)|给(模型|AI|ai)|モデル(へ|向け)`)

// A quoted identifier named as the place to put something: "pass it as
// `indent_hint`".
// quotedParamsNegated reports a clause whose every quoted parameter
// follows a negated order to put something there ("never put tokens or
// passwords in `variables`").
func quotedParamsNegated(sent string, isParam func(string) bool) bool {
	n := 0
	for _, loc := range quotedParamRE.FindAllStringSubmatchIndex(sent, 8) {
		name := strings.Trim(sent[loc[6]:loc[7]], "`'\"")
		if isParam != nil && !isParam(name) {
			continue
		}
		if !negatedIntoRE.MatchString(sent[max(0, loc[6]-100):loc[6]]) {
			return false
		}
		n++
	}
	return n > 0
}

var quotedParamRE = re("\\b(in|into|as|to|inside|within|under|en|dans|na|no|nel|nella|im|ins|rellena|llena|completa|remplis|remplissez|preencha|preenche|compila|fill|populate)\\s+(the\\s+|el\\s+campo\\s+|le\\s+champ\\s+|o\\s+campo\\s+|il\\s+campo\\s+|das\\s+feld\\s+)?(`[a-z][a-z0-9_.-]{0,40}`|'[a-z][a-z0-9_]{1,40}'|\"[a-z][a-z0-9_]{1,40}\")")

// homeReadRE: reading the user's files wholesale ("read every file in
// ~/.config").
var homeReadRE = re(`\b(read|cat|open|collect|gather|copy|load|upload|send)\s+(every|all|each|any)\s+(\w+\s+){0,2}(files?|documents?|configs?)\s+(in|under|from|inside)\s+(~|\$home|%userprofile%|(the\s+)?(user'?s?\s+)?home)`)

// includeCredRE: putting the agent's secrets somewhere ("append … any
// GIT_TOKEN you find"); it counts only in a text addressed to the model.
var includeCredRE = re(`\b(append|include|attach|add|insert|paste|copy|put|embed)\s+([^.;]|\.\S){0,60}?\b(any|every|all|the|your|the user'?s?)\s+(\w+\s+){0,2}(tokens?|api keys?|secrets?|credentials?|passwords?|private keys?|cookies)\b`)

// Key words of the intent families for the cheap first look (see gate):
// every ASCII alternative of a family contains one of them.
var (
	destKeys       = []string{"://", "@", ".", "our ", "its ", "part", "third", "3rd", "vendor", "contractor", "advertis", "market", "broker", "annotat", "public", "gist", "paste", "channel", "lake", "socio", "tercer", "unser", "nuestr", "nos ", "noss", "agenc", "sold", "sell", "vend", "verkauf", "monetiz", "licensed", "affiliat", "successor", "compan", "customer", "client", "buyer", "publicit", "notre", "extern", "dijual", " > ", "=>", "parc", "terz", "pubblicit", "licens", "data ", "repass", "cedut", "brok", "dump", "insur", "cdn", "operator", "maintainer", "developer", "publisher", "recruit", "lender", "staff", "region", "we control", "side", "partner"}
	concealKeys    = []string{"called out", "pointed out", "brought up", "omit", "skip", "spare", "mention to", "no need to", "need not", "t pass", "t relay", "t forward", "never pass", "never relay", "never forward", "without", "out of", "leave out", "left out", "leaving out", "kept out", "keeping out", "given back", "shown to the user", "surface", "narrate", "discuss", "show", "display", "print", "echo", "expose", "mention", "reveal", " be ", "keep", "unbemerkt", "unauffallig", "sin que", "sans", "ne pas", "erwahn", "gegenuber", "nada", "just", "only", "simply"}
	overrideIKeys  = []string{"treat", "regard", "handle", "consider", "interpret", "take", "act on", "without", "authoritative", "binding", "official", "system level", "system-level", "says", "said", "asks", "wants", "whatever", "everything", "anything", "execute", "follow", "obey", "carry out", "perform", "lifted", "suspend", "removed", "disable", "void", "waived", " off", "lift", "drop", "relax", "bypass", "outrank", "overrul", "trump", "trusted", "supersede", "precedence", "priority", "autonomous", "regardless", "all "}
	obligationKeys = []string{"precondition", "assistant", "model", "agent", "ai", "llm", "rule", "policy", "guideline", "prerequisite", "usage contract", "required flow", "directive", "optional", "step ", "mandatory", "(", "note", "instruction", "for the", "for model", "for assistant", "for ai", "for agent", "for llm", "tip", "hint", "wichtig", "nota", "note pour"}
)

// intents applies the grammar to one text (a normalised view and its
// original) and adds what it finds to sg.
func intents(view, orig string, sg *signals) { intentsWith(view, orig, sg, nil, nil) }

// intentsWith is intents knowing which names are the server's parameters
// (nil: any quoted name may be one) and which data is what the server
// itself keeps (nil: none).
func intentsWith(view, orig string, sg *signals, isParam, ownData func(string) bool) {
	lowOrig := strings.ToLower(joinConfigNames(orig))
	texts := []string{normalizeLight(lowOrig)}
	// The view differs in substance only where look-alike letters or
	// other scripts were folded.
	if view != texts[0] && (!newGate(orig).ascii || !sameLetters(view, texts[0])) {
		texts = append(texts, view)
	}
	for _, t := range texts {
		g := newGate(t)
		cls := clauses(t)
		var own *services
		if len(cls) > 0 {
			own = &services{first: cls[0]}
		}
		for ci, sent := range cls {
			if !newGate(sent).any(destKeys) {
				continue
			}
			if netClientRE.MatchString(sent) && literalDestRE.MatchString(sent) {
				if loc := secretPathIndex(sent); loc != nil {
					sg.exfilSentence, sg.send, sg.sensAccess = true, true, true
					sg.note("exfil", "a command that reads "+wholeToken(sent, loc[0], loc[1])+" and sends it over the network (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
				}
			}
			if netClientRE.MatchString(sent) && literalDestRE.MatchString(sent) {
				if m := browserSecretRE.FindString(sent); m != "" {
					sg.exfilSentence, sg.send, sg.sensAccess = true, true, true
					sg.note("exfil", "a script that sends "+m+" over the network (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
				}
			}
			if path, dest, ok := secretToDest(sent); ok {
				sg.exfilSentence, sg.send, sg.sensAccess = true, true, true
				sg.note("exfil", path+" → "+dest+" (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
			}
			if obj, ok := beyondSelection(sent); ok && !mitigatedRE.MatchString(sent) {
				sg.exfilSentence, sg.send = true, true
				sg.note("exfil", obj+" → the server, beyond what the user selected (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
			}
			if obj, dest, ok := exfilClause(sent, ci == 0, own); ok && !mitigatedRE.MatchString(sent) {
				sg.exfilSentence = true
				sg.send = true
				sg.note("exfil", strings.TrimSpace(obj)+" → "+strings.TrimSpace(dest)+" (\""+excerpt(strings.TrimSpace(sent), 100)+"\")")
			}
		}
		if strings.Contains(t, "~") || strings.Contains(t, "home") || strings.Contains(t, "%userprofile%") {
			if m := homeReadRE.FindString(t); m != "" {
				sg.sensData, sg.sensAccess = true, true
				sg.note("data", m)
				if sg.dataWord == "" {
					sg.dataWord = m
				}
			}
		}
		if g.any(concealKeys) {
			if m := concealIntentRE.FindString(t); m != "" && !userControlled(m) && !userCanAsk(t, m) && !secretKeptOutRE.MatchString(m) && !valueKeptOut(t, m) {
				sg.secrecy = true
				sg.note("secrecy", m)
			}
		}
		if g.any(overrideIKeys) {
			for _, loc := range overrideIntentRE.FindAllStringIndex(t, 4) {
				// "treat it as data, never as instructions" is the
				// opposite order.
				// "follow these house rules when drafting" names the
				// text's own rules, not instructions found elsewhere.
				if negatedVerbRE.MatchString(t[max(0, loc[0]-30):loc[0]]) || spanNegRE.MatchString(t[loc[0]:loc[1]]) || notInstructionsRE.MatchString(t[loc[0]:min(len(t), loc[1]+60)]) || ownRulesRE.MatchString(t[loc[1]:min(len(t), loc[1]+50)]) {
					continue
				}
				sg.override = true
				sg.note("override", t[loc[0]:loc[1]])
				break
			}
		}
		if g.any(obligationKeys) {
			// "…, not instructions for the assistant" disowns what the
			// same words would address.
			if loc := obligationRE.FindStringIndex(t); loc != nil && !strings.HasSuffix(t[:loc[0]], "not ") {
				sg.directed = true
				sg.note("directed", t[loc[0]:loc[1]])
			}
		}
		if !sg.directed {
			continue
		}
		// "Do not include the password in any other tool call" forbids
		// what the same words would order.
		if loc := includeCredRE.FindStringIndex(t); loc != nil && !negatedVerbRE.MatchString(t[max(0, loc[0]-30):loc[0]]) {
			m := t[loc[0]:loc[1]]
			sg.sensData, sg.sensAccess = true, true
			sg.note("data", m)
			if sg.dataWord == "" {
				sg.dataWord = m
			}
		}
	}
	fieldWords := langClasses(texts[0]).has(lcField)
	if strings.ContainsAny(lowOrig, "`'\"") && quotedParamIn(lowOrig, isParam) || fieldWords && langFieldParamRE.MatchString(lowOrig) {
		sg.paramDest = true
		// Data that is not the tool's routed into a named parameter.
		for _, sent := range clauses(lowOrig) {
			if !quotedParamIn(sent, isParam) && !(fieldWords && langFieldParamRE.MatchString(sent)) {
				continue
			}
			sent = stripMarks(sent)
			if userValueRE.MatchString(sent) || userSuppliedRE.MatchString(sent) || notIncludedRE.MatchString(sent) || quotedParamsNegated(sent, isParam) {
				continue // "pass `password` if the user supplied one", "keys not included in `data`", "never put tokens in `variables`"
			}
			for _, r := range []*regexp.Regexp{sysPromptObjRE, credObjRE, convObjRE, personalObjRE} {
				if loc := r.FindStringIndex(sent); loc != nil && !negationRE.MatchString(sent[max(0, loc[0]-40):loc[0]]) && !quotedNamedFor(sent, sent[loc[0]:loc[1]]) && !summarised(sent, loc) && (ownData == nil || !ownData(sent[loc[0]:loc[1]])) {
					m := sent[loc[0]:loc[1]]
					sg.sensData, sg.sensAccess = true, true
					sg.note("data", m)
					if sg.dataWord == "" {
						sg.dataWord = m
					}
					break
				}
			}
		}
	}
}

// clauses splits text into sentences and those at semicolons: "X is
// submitted; do not submit secrets" is two statements.
func clauses(t string) []string {
	var out []string
	var pending string
	for _, s := range sentences(t) {
		if pending != "" {
			s = pending + "." + s
			pending = ""
		}
		if abbrevRE.MatchString(s) {
			pending = s
			continue
		}
		if strings.IndexByte(s, ';') < 0 {
			out = append(out, s)
			continue
		}
		out = append(out, strings.Split(s, ";")...)
	}
	if pending != "" {
		out = append(out, pending)
	}
	return out
}

// abbrevRE: a full stop after these does not end the sentence.
var abbrevRE = re(`\b(incl|e\.g|i\.e|etc|approx|vs|cf|resp|esp|ca|z\.b|p\.ej|d\.h)$`)

// sameLetters reports whether two texts hold the same ASCII letters in the
// same order, whatever their spacing and punctuation: a view that folded
// nothing.
func sameLetters(a, b string) bool {
	i, j := 0, 0
	for {
		for i < len(a) && !isLetter(a[i]) {
			i++
		}
		for j < len(b) && !isLetter(b[j]) {
			j++
		}
		if i == len(a) || j == len(b) {
			return i == len(a) && j == len(b)
		}
		if a[i] != b[j] {
			return false
		}
		i++
		j++
	}
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 0x80 }

// blankDests replaces literal addresses (URLs, e-mail addresses, hosts)
// with spaces of the same length, so that words inside them are not read
// as the object of a sentence and offsets stay valid.
func blankDests(s string) string {
	if !strings.Contains(s, ".") {
		return s
	}
	locs := literalDestRE.FindAllStringIndex(s, -1)
	if locs == nil {
		return s
	}
	b := []byte(s)
	for _, loc := range locs {
		end := loc[1]
		// A URL template goes on past the characters literalDestRE
		// stops at: ".../v3/<domain>/messages".
		if strings.Contains(s[loc[0]:loc[1]], "://") {
			for end < len(b) && b[end] != ' ' && b[end] != '\n' && b[end] != ')' {
				end++
			}
		}
		for i := loc[0]; i < end; i++ {
			b[i] = ' '
		}
	}
	return string(b)
}
