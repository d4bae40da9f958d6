package injection

// The lexicon: word families, not sentences. An attack intent is found when
// a verb family and an object family (and, for some intents, a modifier)
// co-occur in one clause within a bounded gap, in either order, so that
// "ignore all previous instructions", "disregard the rules you were given
// earlier", "las instrucciones anteriores, ignóralas" and
// "以前の指示をすべて無視して" are the same finding without listing any of
// them as a sentence.
//
// Term syntax (one entry holds terms separated by '|'):
//   - a term matches as a prefix (a stem): "ignor" matches ignore, ignoring,
//     ignorez, ignoriere;
//   - entries whose terms contain '|' separate them with '‖' instead;
//   - a trailing '$' asks for a whole word ("dan$" is not "dance");
//   - terms are normalised exactly as text is (lower case, no diacritics,
//     '_' and '-' as spaces), so they may be written with accents;
//   - words in scripts written with spaces (Latin, Cyrillic, Greek,
//     Devanagari, Hangul) must start at a word boundary; Han, Kana, Arabic
//     and Thai terms match anywhere, since those scripts attach particles
//     and articles to words.

// class is a word family.
type class uint8

const (
	cNone class = iota
	// verbs
	vIgnore     // ignore, disregard, forget
	vReveal     // reveal, print, repeat
	vRevealWeak // include, append, output, list: also ordinary nouns and requests
	vRole       // you are now, act as, pretend
	vDisable    // disable, bypass, turn off
	vSend       // send, post, upload, exfiltrate
	vCall       // call, invoke, run, execute, use (a tool)
	vApprove    // approve, authorise (a tool call)
	vRemember   // remember, memorise, store in memory
	vBe         // I am, you are, this user is
	vAccess     // fetch, access, list (data)
	vLoad       // load, render, open, visit (a URL)
	vFollow     // follow, obey, execute (instructions)
	vVoid       // no longer apply, are void, are disabled (after the object)
	// objects
	oInstr      // instructions, rules, guidelines
	oSysPrompt  // system prompt, hidden instructions
	oPersona    // DAN, developer mode, unrestricted
	oSafety     // safety, filters, guardrails, content policy
	oLimits     // restrictions, approval, verification, logging (weaker: also ordinary)
	oData       // secrets, credentials, conversation, customer data
	oDest       // attacker, external server, webhook (and URLs, e-mail addresses)
	oTool       // tool, function, command
	oToolRisky  // read_secret, shell, rm -rf, transfer funds
	oPriv       // administrator, root, full access
	oOther      // another tenant, other users' data
	oNewInstr   // new instructions, real task
	mPrev       // previous, all, above, your
	sPersona    // persona names strong on their own: DAN, developer mode
	sAI         // AI assistant, language model, LLM
	sModal      // must, should, are required to
	sFrame      // example, quoted, training, postmortem, detector
	sUrgent     // urgent, immediately, mandatory
	sAuthority  // from the administrator, security team
	sNeg        // not, never, do not
	sNegPost    // negation written after the verb (Japanese, Korean)
	sHide       // don't tell the user, secretly
	tTemplate   // chat-template tokens
	tToolOutput // fake tool-output markers
	tRole       // role names used as markers ("system:", "assistant:")
	// found by the structure scanners, not the lexicon
	sURL        // a URL or e-mail address (a possible destination)
	sURLQuery   // a URL with a query string
	sURLData    // a URL whose query carries data or placeholders
	tMdImage    // a markdown image with a query string
	tRoleMarker // a role marker where a turn would start
	nClasses
)

var classNames = [nClasses]string{
	"none", "ignore", "reveal", "reveal-weak", "role", "disable", "send", "call", "approve", "remember", "be", "access", "load", "follow", "void",
	"instructions", "system-prompt", "persona", "safety", "limits", "data", "destination", "tool", "risky-tool", "privilege", "other-tenant", "new-instructions",
	"modifier", "persona-name", "ai", "modal", "frame", "urgent", "authority", "negation", "negation-after", "hide", "template", "tool-output", "role-name",
	"url", "url-query", "url-data", "markdown-image", "role-marker",
}

func (c class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "?"
}

type lexEntry struct {
	class class
	lang  string
	terms string
}

// languages lists the language codes the lexicon covers, for reporting.
var languages = []string{"en", "es", "fr", "de", "pt", "it", "nl", "tr", "pl", "vi", "id", "uk", "ru", "zh", "ja", "ko", "ar", "hi"}

var lexicon = []lexEntry{
	// ---------------------------------------------------------------
	// Override previous instructions.
	{vIgnore, "en", "ignor|disregard|forget|forgot|overlook|neglect|set aside|throw out|throw away|discard|abandon|drop all|drop your|pay no attention|do not follow|don't follow|dont follow|stop following|no longer follow|cease following|override|overrid|overwrite|erase|wipe|delete your|clear your|reset your|skip the|skip all|skip your|bypass|circumvent|dismiss|scrap|unlearn|nevermind|never mind|put aside|leave behind|let go of|don't obey|do not obey|stop obeying|no longer obey|don't listen to|do not listen to|stop listening to|do not comply with|don't comply with|no longer comply"},
	{vIgnore, "es", "ignor|olvid|descart|omit|haz caso omiso|no sigas|deja de seguir|deja de lado|pasa por alto|anula|borra|desobedec|salta las|prescinde"},
	{vIgnore, "fr", "ignor|oubli|ne tiens pas compte|ne tenez pas compte|fais abstraction|faites abstraction|ne suis plus|ne suivez plus|ecart|annul|efface|laisse tomber|laissez tomber|passe outre|passez outre|outrepass|contourn|desobei"},
	{vIgnore, "de", "ignorier|vergiss|vergessen|missacht|uberschreib|verwirf|verwerf|ausser acht|hinweg uber|nicht mehr befolg|nicht befolg|umgeh|loesch|losch|verwirf"},
	{vIgnore, "pt", "ignor|esquec|desconsider|descart|despreze|nao sigas|nao siga|deixe de seguir|pare de seguir|anul|apague|desobedec|passe por cima"},
	{vIgnore, "it", "ignor|dimentic|trascur|non seguire|smetti di seguire|scarta|annulla|cancella|non tenere conto|disobbedisc|tralascia|lascia perdere|bypassa|aggira"},
	{vIgnore, "nl", "negeer|vergeet|sla over|volg niet|niet meer volgen|niet volgen|gooi weg|schrap|omzeil|verwerp|laat varen"},
	{vIgnore, "tr", "yoksay|yok say|gormezden gel|gozardi|unut|dikkate alma|uyma$|uymayi birak|gecersiz kil|atla|sil$|ihmal et|bosver"},
	{vIgnore, "pl", "zignoruj|ignoruj|zapomnij|pomin|nie stosuj|nie przestrzegaj|odrzuc|porzuc|lekcewaz|obejdz|nie zwracaj uwagi|skasuj|anuluj"},
	{vIgnore, "vi", "bo qua|phot lo|lo di|quen di|khong tuan theo|dung tuan theo|khong can tuan|xoa bo|vo hieu|gat bo|bat chap|dung lam theo|khong lam theo"},
	{vIgnore, "id", "abaikan|lupakan|acuhkan|jangan ikuti|berhenti mengikuti|tidak perlu mengikuti|buang|hapus|lewati|langgar|kesampingkan|tinggalkan"},
	{vIgnore, "uk", "ігнор|проігнор|забудь|забудьте|знехту|не зважай|не зважайте|не виконуй|не дотримуй|відкинь|скасуй|обійди"},
	{vIgnore, "ru", "игнор|проигнор|забудь|забудьте|пренебр|не обращай внимания|не обращайте внимания|не следуй|не выполняй|перестань следовать|отбрось|отмени|обойди|не соблюдай|сбрось"},
	{vIgnore, "zh", "忽略|忽视|忽視|无视|無視|不要理会|不要理會|不理会|别管|別管|忘记|忘記|忘掉|抛开|拋開|放弃|放棄|不要遵守|不再遵守|不要遵循|不再遵循|跳过|跳過|绕过|繞過|覆盖|覆蓋|丢弃|丟棄"},
	{vIgnore, "ja", "無視|むし|忘れ|従わない|従うな|守らない|破棄|捨て|無効に|取り消|スキップ|上書き|気にしない"},
	{vIgnore, "ko", "무시|잊어|잊고|잊으|따르지 마|따르지 말|지키지 마|버려|폐기|건너뛰|무효|취소해|우회"},
	{vIgnore, "ar", "تجاهل|تتجاهل|انس|إنس|اترك|لا تتبع|لا تلتزم|تخط|تجاوز|اهمل|أهمل|الغ|ألغ|اسقط"},
	{vIgnore, "hi", "अनदेखा|नज़रअंदाज़|नजरअंदाज|भूल जा|भूल जाओ|भूल जाएं|भूलो|मत मानो|पालन न कर|पालन मत|छोड़ दो|छोड़ दें|हटा दो|रद्द कर|उपेक्षा"},

	{oInstr, "en", "instruction|rules$|rule$|ruleset|guideline|directive|prompt|commands$|command$|orders$|guidance|constraints|policies|policy$|programming|training$|context$|system message|what you were told|what you've been told|everything above|everything before|all of the above|the above$|prior text|preceding text|previous text|setup$|configuration|settings$|restrictions|everything you were told|all you were told|you were told|you've been told|anything you were told|the user's request|the user's question|the user's instructions|the user's query|the user's message|user's request|the user$|the task$|your task|your assignment|your purpose|everything before this|everything above this|everything prior|the previous messages"},
	{oInstr, "es", "instruccion|reglas|regla$|directrices|directriz|indicaciones|ordenes|normas|pautas|politicas|comandos|mensaje del sistema|lo anterior|todo lo anterior|restricciones|consignas"},
	{oInstr, "fr", "instruction|regles|regle$|consigne|directive|indications|ordres|politique|commandes|message systeme|ce qui precede|tout ce qui precede|restrictions|recommandations"},
	{oInstr, "de", "anweisung|anleitung|regeln|regel$|richtlinie|vorgaben|befehle|anordnungen|instruktion|vorschriften|systemnachricht|alles obige|alles davor|einschrankungen|beschrankungen|weisungen"},
	{oInstr, "pt", "instruc|regras|regra$|diretrizes|diretiva|orientacoes|ordens|normas|politicas|comandos|mensagem do sistema|tudo acima|restricoes"},
	{oInstr, "it", "istruzion|regole|regola$|linee guida|direttive|indicazioni|ordini|norme|politiche|comandi|messaggio di sistema|tutto quanto sopra|restrizioni|consegne"},
	{oInstr, "nl", "instructie|regels|regel$|richtlijn|aanwijzingen|opdrachten|bevelen|voorschriften|beleid$|systeembericht|alles hierboven|beperkingen"},
	{oInstr, "tr", "talimat|kurallar|kural$|yonerge|yonerg|direktif|emirler|komutlar|politika|sistem mesaj|yukaridaki her sey|kisitlama"},
	{oInstr, "pl", "instrukcj|polecen|zasady|zasad$|regul|wytyczn|dyrektyw|rozkaz|komend|nakaz|komunikat systemowy|wszystko powyzej|ograniczen"},
	{oInstr, "vi", "huong dan|chi dan|chi thi|quy tac|quy dinh|lenh$|menh lenh|nguyen tac|chinh sach|loi nhac|tin nhan he thong|moi thu o tren|han che|rang buoc"},
	{oInstr, "id", "instruksi|perintah|aturan|pedoman|petunjuk|arahan|kebijakan|pesan sistem|semua di atas|batasan|ketentuan"},
	{oInstr, "uk", "інструкц|вказівк|правил|настанов|директив|команд|наказ|розпоряджен|системне повідомлення|все вище|обмежен"},
	{oInstr, "ru", "инструкц|указани|правил|директив|команд|приказ|распоряжени|установк|предписани|системное сообщение|все выше|всё выше|ограничени|наставлени"},
	{oInstr, "zh", "指令|指示|说明|說明|规则|規則|准则|準則|命令|提示词|提示詞|设定|設定|要求|约束|約束|政策|限制"},
	{oInstr, "ja", "指示|命令|ルール|規則|指令|設定|ガイドライン|方針|制約|プロンプト|インストラクション|決まり"},
	{oInstr, "ko", "지시|명령|규칙|지침|가이드라인|설정|정책|제약|프롬프트|안내"},
	{oInstr, "ar", "تعليمات|التعليمات|القواعد|قواعد|الأوامر|أوامر|اوامر|الإرشادات|ارشادات|إرشادات|توجيهات|السياسة|سياسة|القيود"},
	{oInstr, "hi", "निर्देश|नियम|आदेश|दिशानिर्देश|हिदायत|नीति|प्रतिबंध|सिस्टम संदेश"},

	{mPrev, "en", "previous|prior$|preceding|earlier|above$|all$|any$|every$|original|initial|old$|existing|current|your$|these$|those$|system$|developer|default|foregoing|aforementioned|given$|before$|so far|until now|up to now|hidden|the user's|user's|the users'|the human's|the operator's|the developer's"},
	{mPrev, "es", "anterior|previa|previo|todas$|todos$|toda$|cualquier|tus$|sus$|originales|iniciales|actuales|de arriba|hasta ahora|del sistema|ocultas|del usuario"},
	{mPrev, "fr", "precedent|anterieur|toutes$|tous$|tout$|vos$|tes$|initiales|originales|actuelles|ci dessus|jusqu'ici|du systeme|cachees|de l'utilisateur"},
	{mPrev, "de", "vorherig|vorigen|bisherig|fruher|obigen|alle$|allen$|sämtlich|samtlich|deine$|ihre$|ursprunglich|aktuellen|bis jetzt|des systems|versteckt|des benutzers|des nutzers"},
	{mPrev, "pt", "anterior|previa|previo|todas$|todos$|toda$|quaisquer|suas$|seus$|originais|iniciais|atuais|acima$|ate agora|do sistema|ocultas|do usuario"},
	{mPrev, "it", "precedent|tutte$|tutti$|ogni$|qualsiasi|tue$|tuoi$|originali|iniziali|attuali|sopra$|finora|fino ad ora|di sistema|nascoste|dell'utente"},
	{mPrev, "nl", "vorige|eerdere|voorgaande|alle$|al je|je$|jouw$|oorspronkelijke|huidige|bovenstaande|tot nu toe|systeem|van de gebruiker"},
	{mPrev, "tr", "onceki|tum$|tumunu|butun|hepsini|senin|sana verilen|orijinal|mevcut|yukaridaki|simdiye kadar|sistem|kullanicinin"},
	{mPrev, "pl", "poprzedni|wczesniejsz|wszystk|twoje|twoich|oryginaln|pierwotn|obecne|powyzsz|dotychczasow|systemow|uzytkownika"},
	{mPrev, "vi", "truoc do|truoc day|phia tren|o tren|tat ca|moi$|cua ban|ban dau|hien tai|tu truoc|he thong|cua nguoi dung"},
	{mPrev, "id", "sebelumnya|semua$|seluruh|setiap|anda$|kamu$|asli$|awal$|saat ini|di atas|sistem$|pengguna"},
	{mPrev, "uk", "попередн|всі$|усі$|все$|будь які|твої|ваші|початков|оригінальн|поточн|вищезазначен|системн|користувача"},
	{mPrev, "ru", "предыдущ|прежн|ранее|все$|всё$|любые|свои$|твои$|ваши$|исходн|первоначальн|текущ|вышеуказанн|выше$|системн|скрыт|пользователя"},
	{mPrev, "zh", "之前|以前|先前|此前|上面|上述|以上|所有|全部|一切|你的|原来|原有|原始|系统|系統|现有|現有|用户的|用戶的"},
	{mPrev, "ja", "以前|前の|これまで|上記|上の|すべて|全て|全部|あなたの|元の|最初の|システム|既存|ユーザーの"},
	{mPrev, "ko", "이전|앞의|위의|위에|모든|전부|당신의|너의|기존|원래|시스템|지금까지|사용자의"},
	{mPrev, "ar", "السابقة|سابقة|السابق|كل$|جميع|كافة|الأصلية|الحالية|أعلاه|اعلاه|النظام|المستخدم"},
	{mPrev, "hi", "पिछले|पिछली|पहले|सभी|सारे|सारी|तुम्हारे|आपके|मूल|वर्तमान|ऊपर|सिस्टम|उपयोगकर्ता के"},

	{oNewInstr, "en", "new instructions|new rules|new task|new directive|new system prompt|new prompt|new objective|new orders|new guidelines|updated instructions|revised instructions|real instructions|actual instructions|true instructions|real task|actual task|following instructions instead|instead do|instead, do|from now on you|from now on, you|henceforth"},
	{oNewInstr, "es", "nuevas instrucciones|nueva instruccion|nuevas reglas|nueva tarea|a partir de ahora|desde ahora"},
	{oNewInstr, "fr", "nouvelles instructions|nouvelle instruction|nouvelle consigne|nouvelles consignes|nouvelles regles|nouvelle tache|a partir de maintenant|desormais"},
	{oNewInstr, "de", "neue anweisung|neuen anweisung|neue regeln|neue aufgabe|ab jetzt|von nun an|ab sofort"},
	{oNewInstr, "pt", "novas instrucoes|nova instrucao|novas regras|nova tarefa|a partir de agora|de agora em diante"},
	{oNewInstr, "it", "nuove istruzioni|nuova istruzione|nuove regole|nuovo compito|d'ora in poi|da ora in poi|a partire da ora"},
	{oNewInstr, "nl", "nieuwe instructies|nieuwe regels|nieuwe taak|vanaf nu"},
	{oNewInstr, "tr", "yeni talimat|yeni kurallar|yeni gorev|bundan sonra|bundan boyle"},
	{oNewInstr, "pl", "nowe instrukcje|nowe polecenia|nowe zasady|nowe zadanie|od teraz"},
	{oNewInstr, "vi", "huong dan moi|chi thi moi|quy tac moi|nhiem vu moi|tu bay gio"},
	{oNewInstr, "id", "instruksi baru|perintah baru|aturan baru|tugas baru|mulai sekarang"},
	{oNewInstr, "uk", "нові інструкції|нова інструкція|нові правила|нове завдання|відтепер|з цього моменту"},
	{oNewInstr, "ru", "новые инструкции|новая инструкция|новые правила|новая задача|отныне|с этого момента|теперь ты"},
	{oNewInstr, "zh", "新的指令|新指令|新的指示|新规则|新規則|新任务|新任務|从现在开始|從現在開始|从现在起|從現在起"},
	{oNewInstr, "ja", "新しい指示|新たな指示|新しいルール|新しいタスク|今から|これからは|今後は"},
	{oNewInstr, "ko", "새로운 지시|새 지시|새로운 규칙|새로운 작업|지금부터|이제부터"},
	{oNewInstr, "ar", "تعليمات جديدة|قواعد جديدة|مهمة جديدة|من الآن فصاعدا|من الان"},
	{oNewInstr, "hi", "नए निर्देश|नया निर्देश|नए नियम|नया काम|अब से"},
	{vVoid, "en", "no longer apply|no longer applies|no longer valid|no longer in effect|are void|is void|are now void|are null|are cancelled|are canceled|is cancelled|are revoked|are obsolete|are overridden|is overridden|are suspended|are lifted|is lifted|do not apply|don't apply|does not apply|doesn't apply|not required|not needed|unnecessary|are disabled|is disabled|has been disabled|have been disabled|are turned off|is turned off|are off$|is off$|superseded"},
	{vVoid, "es", "ya no aplican|ya no son validas|quedan anuladas|estan desactivad|no se aplican"},
	{vVoid, "fr", "ne s'appliquent plus|ne sont plus valables|sont annulees|sont desactive|ne s'applique plus"},
	{vVoid, "de", "gelten nicht mehr|sind ungultig|sind aufgehoben|sind deaktiviert|gilt nicht mehr"},
	{vVoid, "ru", "больше не действуют|отменены|отключены|не действуют"},
	{vVoid, "zh", "不再适用|不再適用|已失效|已作废|已作廢|已禁用|已关闭|無效|无效"},

	// ---------------------------------------------------------------
	// Reveal the system prompt.
	{vReveal, "en", "reveal|show|print|display|repeat|recite|tell me|tell us|disclose|leak|dump|expose|share|write out|write down|echo|spell out|give me|give us|what is your|what are your|what were your|what's your|read back|verbatim|word for word|type out|divulge|confess|what were you told|what have you been told|what did they tell you|quote it|quote them|output your|print your|output the system|output everything"},
	{vRevealWeak, "en", "output|include|append|summarize|summarise|list$|list all|list your|provide|return$|return the|copy|paste|quote$|translate your|state your|enumerate"},
	{vReveal, "es", "revela|muestra|muestrame|imprime|ensena|dime|dinos|divulga|comparte|repite|escribe|expon|filtra|copia|cual es tu|cuales son tus|proporciona|dame|incluye|anade"},
	{vReveal, "fr", "revele|revelez|montre|montrez|affiche|imprime|imprimez|dis moi|dites moi|divulgue|divulguez|partage|partagez|repete|repetez|ecris|ecrivez|expose|copie|copiez|quel est ton|quelle est ta|quelles sont tes|donne moi|donnez moi|fournis|fournissez|inclu|ajoute"},
	{vReveal, "de", "enthull|zeig|gib aus|gib mir|druck|verrat|wiederhol|schreib|teile|offenleg|nenne|kopier|liste|was ist dein|was sind deine|ausgeben|anzeigen|preisgeben|fuge hinzu|gib$|gebe$|nenne$"},
	{vReveal, "pt", "revel|mostr|exib|imprim|diga|diz-me|divulg|compartilh|partilh|repit|escrev|expo|copi|qual e o seu|quais sao suas|me de|forneca|inclua|acrescent"},
	{vReveal, "it", "rivel|mostr|stamp|dimmi|ditemi|divulg|condividi|ripeti|scrivi|esponi|copia|qual e il tuo|quali sono le tue|dammi|fornisci|includi|aggiungi|visualizza"},
	{vReveal, "nl", "onthul|toon|laat zien|print|geef me|vertel|deel|herhaal|schrijf|kopieer|wat is je|wat zijn je|wat zijn jouw|lek$|lekken"},
	{vReveal, "tr", "goster|acikla|yazdir|soyle|paylas|tekrarla|yaz$|kopyala|ifsa et|sizdir|nedir|ver bana|listele"},
	{vReveal, "pl", "ujawnij|pokaz|wyswietl|wydrukuj|powiedz|podaj|udostepnij|powtorz|napisz|skopiuj|zdradz|jaki jest twoj|jakie sa twoje|wypisz"},
	{vReveal, "vi", "tiet lo|hien thi|cho xem|cho toi xem|in ra|noi cho|chia se|lap lai|viet ra|sao chep|cung cap|la gi|liet ke|de lo"},
	{vReveal, "id", "ungkap|tunjukkan|tampilkan|cetak|beritahu|beri tahu|bagikan|ulangi|tuliskan|salin|berikan|apa itu|sebutkan|bocorkan"},
	{vReveal, "uk", "покаж|розкри|виведи|надрукуй|скажи|повтори|напиши|поділись|скопіюй|який твій|які твої|перелічи|розкажи"},
	{vReveal, "ru", "покаж|раскро|выведи|напечатай|скажи|повтори|напиши|поделись|скопируй|какой твой|какие твои|каков твой|перечисли|расскажи|выдай|сообщи|озвучь"},
	{vReveal, "zh", "显示|顯示|展示|告诉我|告訴我|打印|输出|輸出|泄露|洩露|透露|重复|重複|复述|複述|列出|给我看|給我看|公开|公開|说出|說出|写出|寫出|是什么|是什麼"},
	{vReveal, "ja", "見せ|表示|教え|出力|印刷|漏らし|明かし|開示|繰り返|書き出|列挙|共有し|何ですか|コピー"},
	{vReveal, "ko", "보여|알려|출력|공개|누설|반복|적어|말해|복사|나열|공유|무엇인가|뭐야"},
	{vReveal, "ar", "اكشف|اظهر|أظهر|اعرض|اطبع|أخبرني|اخبرني|كرر|اكتب|شارك|انسخ|ما هي|ما هو|سرب|أفصح"},
	{vReveal, "hi", "दिखाओ|दिखाएं|दिखा दो|बताओ|बताएं|बता दो|प्रकट|छापो|प्रिंट|दोहराओ|लिखो|साझा|लीक|क्या है"},

	{oSysPrompt, "en", "system prompt|systemprompt|system message|system instructions|system rules|initial prompt|initial instructions|original prompt|original instructions|hidden prompt|hidden instructions|hidden rules|secret prompt|secret instructions|secret rules|internal instructions|internal rules|internal prompt|confidential instructions|private instructions|private rules|pre prompt|preprompt|meta prompt|your prompt|your instructions|your rules|your guidelines|your directives|your configuration|developer message|developer instructions|developer prompt|instructions above|prompt above|text above|words above|everything above|above this line|instructions you were given|instructions you received|what you were told|startup instructions|base prompt|custom instructions"},
	{oSysPrompt, "es", "prompt del sistema|indicacion del sistema|mensaje del sistema|instrucciones del sistema|instrucciones ocultas|instrucciones secretas|instrucciones internas|instrucciones iniciales|reglas ocultas|reglas internas|reglas privadas|tus instrucciones|tus reglas|tu prompt"},
	{oSysPrompt, "fr", "invite systeme|prompt systeme|message systeme|instructions systeme|instructions cachees|instructions secretes|instructions internes|instructions initiales|regles cachees|regles privees|regles internes|regles secretes|tes instructions|vos instructions|tes regles|vos regles|ton prompt|votre prompt|consignes cachees|consignes internes"},
	{oSysPrompt, "de", "systemprompt|system prompt|systemanweisung|systemnachricht|versteckte anweisung|geheime anweisung|interne anweisung|ursprungliche anweisung|versteckten regeln|geheimen regeln|internen regeln|deine anweisungen|deine regeln|deinen prompt|ihre anweisungen"},
	{oSysPrompt, "pt", "prompt do sistema|mensagem do sistema|instrucoes do sistema|instrucoes ocultas|instrucoes secretas|instrucoes internas|instrucoes iniciais|regras ocultas|regras internas|regras privadas|suas instrucoes|suas regras|seu prompt"},
	{oSysPrompt, "it", "prompt di sistema|messaggio di sistema|istruzioni di sistema|istruzioni nascoste|istruzioni segrete|istruzioni interne|istruzioni iniziali|regole nascoste|regole interne|regole private|le tue istruzioni|le tue regole|il tuo prompt"},
	{oSysPrompt, "nl", "systeemprompt|systeem prompt|systeembericht|systeeminstructies|verborgen instructies|geheime instructies|interne instructies|oorspronkelijke instructies|verborgen regels|je instructies|jouw instructies|je regels|jouw prompt"},
	{oSysPrompt, "tr", "sistem istemi|sistem komutu|sistem mesaji|sistem talimat|gizli talimat|gizli kural|ic talimat|dahili talimat|ilk talimat|talimatlarin|kurallarin|istemin"},
	{oSysPrompt, "pl", "prompt systemowy|monit systemowy|komunikat systemowy|instrukcje systemowe|ukryte instrukcje|tajne instrukcje|wewnetrzne instrukcje|poczatkowe instrukcje|ukryte zasady|twoje instrukcje|twoje zasady|twoj prompt"},
	{oSysPrompt, "vi", "loi nhac he thong|prompt he thong|chi dan he thong|huong dan he thong|tin nhan he thong|huong dan an|chi dan an|huong dan bi mat|quy tac an|quy tac noi bo|huong dan cua ban|quy tac cua ban"},
	{oSysPrompt, "id", "prompt sistem|perintah sistem|pesan sistem|instruksi sistem|instruksi tersembunyi|instruksi rahasia|instruksi internal|instruksi awal|aturan tersembunyi|aturan internal|instruksi anda|instruksi kamu|aturan anda|prompt anda"},
	{oSysPrompt, "uk", "системний промпт|системна підказка|системне повідомлення|системні інструкції|приховані інструкції|секретні інструкції|внутрішні інструкції|початкові інструкції|приховані правила|твої інструкції|ваші інструкції|твої правила|твій промпт"},
	{oSysPrompt, "ru", "системный промпт|системную подсказку|системная подсказка|системное сообщение|системные инструкции|системные указания|скрытые инструкции|секретные инструкции|внутренние инструкции|исходные инструкции|первоначальные инструкции|скрытые правила|твои инструкции|ваши инструкции|твои правила|свои инструкции|твой промпт|свой промпт"},
	{oSysPrompt, "zh", "系统提示|系統提示|系统指令|系統指令|系统消息|系統訊息|系统设定|系統設定|隐藏指令|隱藏指令|隐藏的指令|秘密指令|内部指令|內部指令|初始指令|原始指令|你的指令|你的提示词|你的提示詞|你的规则|你的規則|你的设定|提示词|提示詞"},
	{oSysPrompt, "ja", "システムプロンプト|システムメッセージ|システム指示|システムの指示|隠された指示|隠し指示|秘密の指示|内部指示|初期指示|元の指示|あなたの指示|あなたのルール|あなたのプロンプト|初期プロンプト"},
	{oSysPrompt, "ko", "시스템 프롬프트|시스템 메시지|시스템 지시|시스템 지침|숨겨진 지시|숨겨진 지침|비밀 지시|내부 지시|내부 지침|초기 지시|원래 지시|너의 지시|당신의 지시|당신의 규칙|너의 규칙|프롬프트 내용"},
	{oSysPrompt, "ar", "موجه النظام|رسالة النظام|تعليمات النظام|التعليمات المخفية|تعليمات مخفية|التعليمات السرية|تعليمات سرية|التعليمات الداخلية|التعليمات الأولية|تعليماتك|قواعدك|القواعد المخفية"},
	{oSysPrompt, "hi", "सिस्टम प्रॉम्प्ट|सिस्टम संदेश|सिस्टम निर्देश|छिपे निर्देश|छिपे हुए निर्देश|गुप्त निर्देश|आंतरिक निर्देश|प्रारंभिक निर्देश|तुम्हारे निर्देश|आपके निर्देश|आपके नियम|तुम्हारे नियम"},

	// ---------------------------------------------------------------
	// New role, persona, jailbreak.
	{vRole, "en", "you are now|you're now|youre now|you are no longer|from now on you are|from now on you're|act as|acting as|pretend|roleplay as|role play as|role-play as|play the role|assume the role|take on the role|become$|switch to|switch into|enter$|enable$|activate|turn on|simulate|impersonate|behave as|behave like|respond as|answer as|reply as|you will be|you will now be|stay in character|transform into|you must act|you are going to act|you are free|you have been freed|you have been released|unlock|from this point you are|from this point on you are|from here on you are|you are 'libre'"},
	{vRole, "es", "ahora eres|a partir de ahora eres|actua como|finge|haz de|interpreta el papel|asume el papel|conviertete en|cambia a|activa|modo$|simula|eres libre|ya no eres"},
	{vRole, "fr", "tu es maintenant|vous etes maintenant|desormais tu es|agis comme|agissez comme|fais semblant|faites semblant|joue le role|jouez le role|deviens|devenez|passe en|passez en|active|activez|simule|tu es libre|tu n'es plus|vous etes"},
	{vRole, "de", "du bist jetzt|du bist ab jetzt|sie sind jetzt|ab jetzt bist du|tu so als|tue so als|verhalte dich wie|agiere als|spiel die rolle|spiele die rolle|ubernimm die rolle|werde zu|wechsle in|aktiviere|simuliere|du bist frei|du bist nicht mehr"},
	{vRole, "pt", "agora voce e|agora es|a partir de agora voce|aja como|atue como|finja|faca de conta|interprete o papel|assuma o papel|torne se|mude para|ative|simule|voce esta livre|voce e livre|voce nao e mais"},
	{vRole, "it", "ora sei|adesso sei|d'ora in poi sei|agisci come|comportati come|fingi|fai finta|interpreta il ruolo|assumi il ruolo|diventa|passa a|attiva|simula|sei libero|non sei piu"},
	{vRole, "nl", "je bent nu|jij bent nu|vanaf nu ben je|gedraag je als|doe alsof|speel de rol|neem de rol|word$|schakel over|activeer|simuleer|je bent vrij|je bent niet langer"},
	{vRole, "tr", "artik sen|sen artik|gibi davran|rol yap|rolunu ustlen|taklit et|modunu etkinlestir|etkinlestir|aktif et|moduna gec|ozgursun|artik degilsin"},
	{vRole, "pl", "jestes teraz|teraz jestes|od teraz jestes|udawaj|zachowuj sie jak|dzialaj jako|wciel sie|odgrywaj role|przejdz w tryb|wlacz|aktywuj|symuluj|jestes wolny|nie jestes juz"},
	{vRole, "vi", "bay gio ban la|tu gio ban la|hay dong vai|dong vai|gia vo|hanh dong nhu|nhap vai|chuyen sang|kich hoat|bat che do|ban duoc tu do|ban khong con la"},
	{vRole, "id", "sekarang kamu adalah|sekarang anda adalah|kamu sekarang|anda sekarang|bertindaklah sebagai|bertindak sebagai|berpura pura|berperan sebagai|perankan|beralih ke|aktifkan|simulasikan|kamu bebas|kamu bukan lagi"},
	{vRole, "uk", "тепер ти|відтепер ти|ти тепер|поводься як|дій як|прикинься|вдавай|зіграй роль|грай роль|перейди в|увімкни|активуй|симулюй|ти вільний|ти більше не"},
	{vRole, "ru", "теперь ты|отныне ты|ты теперь|веди себя как|действуй как|притворись|представь что ты|сыграй роль|играй роль|перейди в|включи|активируй|симулируй|ты свободен|ты больше не"},
	{vRole, "zh", "你现在是|你現在是|现在你是|現在你是|从现在起你是|你将扮演|扮演|假装|假裝|充当|充當|作为一个|進入|进入|切换到|切換到|启用|啟用|激活|开启|開啟|你已经被解放|你自由了|你不再是"},
	{vRole, "ja", "あなたは今|今からあなたは|これからあなたは|として振る舞|のふりをして|ふりをし|演じて|なりきって|ロールプレイ|モードに切り替|モードを有効|有効にして|起動して|あなたは自由|もはや"},
	{vRole, "ko", "너는 이제|당신은 이제|이제부터 너는|이제 너는|인 척|척해|처럼 행동|역할을 맡|역할극|연기해|모드로 전환|모드를 활성화|활성화해|켜줘|너는 자유|더 이상"},
	{vRole, "ar", "أنت الآن|انت الان|من الآن أنت|تصرف ك|تظاهر|العب دور|تقمص|تحول إلى|فعّل|فعل وضع|شغل وضع|أنت حر|لم تعد"},
	{vRole, "hi", "अब तुम|अब आप|तुम अब|की तरह व्यवहार|का नाटक|बनकर|की भूमिका|रोलप्ले|मोड चालू|मोड सक्रिय|सक्रिय करो|तुम आज़ाद|तुम स्वतंत्र|अब नहीं हो"},

	{oPersona, "en", "dan$|do anything now|developer mode|dev mode|god mode|sudo mode|admin mode|root mode|debug mode|maintenance mode|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|unlimited|unbound|unchained|unshackled|no restrictions|without restrictions|no limits|without limits|no limitations|without limitations|no rules|without rules|no filter|without filter|no guidelines|no boundaries|no ethics|no morals|without ethics|without morals|amoral|unethical|evil$|evil ai|malicious ai|opposite mode|anti gpt|antigpt|betterdan|stan$|dude$|mongo tom|aim$|not bound by|free from|freed from|break free|broken free|any restrictions|can do anything|no longer bound|does not follow|doesn't follow|without any|no content policy|no safety|without safety|ignores all|no refusals|never refuses|never refuse|no censorship|without censorship|hacker mode|chaos mode|unlocked|escaped its guidelines|escaped its rules|escaped your guidelines|escaped|broke free|without guidelines"},
	{oPersona, "es", "modo desarrollador|modo dios|sin restricciones|sin limites|sin filtros|sin reglas|sin censura|sin etica|sin moral|no tiene restricciones|libre de|puede hacer cualquier cosa|haz cualquier cosa ahora"},
	{oPersona, "fr", "mode developpeur|mode dieu|sans restrictions|sans restriction|sans limites|sans limite|sans filtre|sans regles|sans censure|sans ethique|sans morale|aucune restriction|libre de toute|peut tout faire|fais n'importe quoi"},
	{oPersona, "de", "entwicklermodus|gottmodus|ohne einschrankungen|ohne beschrankungen|ohne grenzen|ohne filter|ohne regeln|ohne zensur|ohne ethik|ohne moral|keine einschrankungen|keine regeln|keine grenzen|uneingeschrankt|ungefiltert|unzensiert|frei von|kann alles"},
	{oPersona, "pt", "modo desenvolvedor|modo programador|modo deus|sem restricoes|sem limites|sem filtros|sem regras|sem censura|sem etica|sem moral|nenhuma restricao|livre de|pode fazer qualquer coisa"},
	{oPersona, "it", "modalita sviluppatore|modalita dio|senza restrizioni|senza limiti|senza filtri|senza regole|senza censura|senza etica|senza morale|nessuna restrizione|libero da|puo fare qualsiasi cosa"},
	{oPersona, "nl", "ontwikkelaarsmodus|ontwikkelaarmodus|godmodus|zonder beperkingen|zonder grenzen|zonder filters|zonder regels|zonder censuur|zonder ethiek|geen beperkingen|geen regels|ongefilterd|ongecensureerd|vrij van|kan alles"},
	{oPersona, "tr", "gelistirici modu|tanri modu|kisitlamasiz|kisitlama olmadan|sinirsiz|filtresiz|kuralsiz|sansursuz|etik olmadan|hicbir kisitlama|her seyi yapabilir"},
	{oPersona, "pl", "tryb dewelopera|tryb programisty|tryb boga|bez ograniczen|bez limitow|bez filtrow|bez zasad|bez cenzury|bez etyki|bez moralnosci|zadnych ograniczen|wolny od|moze zrobic wszystko"},
	{oPersona, "vi", "che do nha phat trien|che do developer|che do than|khong gioi han|khong bi gioi han|khong co gioi han|khong loc|khong kiem duyet|khong co quy tac|khong dao duc|lam bat cu dieu gi"},
	{oPersona, "id", "mode pengembang|mode developer|mode dewa|tanpa batasan|tanpa batas|tanpa filter|tanpa aturan|tanpa sensor|tanpa etika|tidak ada batasan|bebas dari|bisa melakukan apa saja"},
	{oPersona, "uk", "режим розробника|режим бога|без обмежень|без фільтрів|без правил|без цензури|без етики|без моралі|жодних обмежень|вільний від|може все"},
	{oPersona, "ru", "режим разработчика|режим бога|без ограничений|без фильтров|без правил|без цензуры|без этики|без морали|никаких ограничений|свободен от|может всё|может все|делай что угодно"},
	{oPersona, "zh", "开发者模式|開發者模式|开发人员模式|上帝模式|越狱|越獄|无限制|無限制|没有限制|沒有限制|不受限制|没有任何限制|不受任何约束|无审查|無審查|没有道德|沒有道德|没有规则|沒有規則|可以做任何事"},
	{oPersona, "ja", "開発者モード|デベロッパーモード|ゴッドモード|脱獄|制限なし|制限のない|無制限|フィルターなし|検閲なし|ルールなし|倫理なし|何でもできる|制約のない"},
	{oPersona, "ko", "개발자 모드|갓 모드|탈옥|제한 없는|제한없는|제한이 없는|무제한|필터 없는|검열 없는|규칙 없는|윤리 없는|무엇이든 할 수"},
	{oPersona, "ar", "وضع المطور|وضع الإله|بدون قيود|بلا قيود|بدون حدود|بدون فلاتر|بدون قواعد|بدون رقابة|بلا أخلاق|بدون أخلاق|لا قيود|كسر الحماية|يمكنه فعل أي شيء"},
	{oPersona, "hi", "डेवलपर मोड|गॉड मोड|जेलब्रेक|बिना किसी प्रतिबंध|बिना प्रतिबंध|बिना सीमा|कोई प्रतिबंध नहीं|बिना फ़िल्टर|बिना नियम|बिना सेंसर|बिना नैतिकता|कुछ भी कर सकते"},

	{sPersona, "en", "dan mode|do anything now|developer mode enabled|jailbreak mode|jailbroken mode|god mode enabled|you are dan|you're dan|as dan|stay in character|dan prompt|unrestricted ai|evil confidant|developer mode output|aim mode|dude mode|stan mode|jailbroken alter ego|alter ego|jailbroken version|unfiltered version|evil twin|respond twice|two responses|dual response|both responses|opposite of what"},

	// ---------------------------------------------------------------
	// Disable safety.
	{vDisable, "en", "disable|turn off|switch off|shut off|shut down|deactivate|bypass|circumvent|get around|work around|override|remove$|remove all|remove the|remove your|lift$|lift the|suspend|evade|avoid the|break$|break the|break your|defeat|disarm|neutralize|neutralise|strip$|without$|no longer need|no need for|skip$|skip the|don't apply|do not apply|stop applying|stop using|ignore"},
	{vDisable, "es", "desactiva|apaga|elude|evita|sortea|anula|quita|elimina|suspende|salta|omite|sin$|rompe"},
	{vDisable, "fr", "desactive|desactivez|eteins|coupe|contourne|contournez|evite|supprime|supprimez|suspend|leve|levez|enleve|retire|sans$|outrepasse"},
	{vDisable, "de", "deaktivier|abschalten|ausschalten|umgeh|entfern|aufheben|ohne$|uberspring|brich|auser kraft"},
	{vDisable, "pt", "desativ|deslig|contorn|evit|remov|suspend|ignor|sem$|quebr|burl"},
	{vDisable, "it", "disattiva|spegni|aggira|evita|rimuovi|sospendi|elimina|senza$|salta|rompi|scavalca"},
	{vDisable, "nl", "schakel uit|uitschakelen|zet uit|omzeil|verwijder|hef op|zonder$|sla over|deactiveer|breek"},
	{vDisable, "tr", "devre disi|kapat|atlat|etrafindan dolas|kaldir|askiya al|olmadan|atla|etkisiz"},
	{vDisable, "pl", "wylacz|dezaktywuj|obejdz|omin|usun|zawies|bez$|przeskocz|zlam|wyłącz"},
	{vDisable, "vi", "tat$|tat bo|vo hieu hoa|vuot qua|lach|go bo|bo qua|khong can|khong co|pha vo"},
	{vDisable, "id", "nonaktifkan|matikan|lewati|hindari|hapus|tangguhkan|tanpa$|jebol|bobol|akali"},
	{vDisable, "uk", "вимкни|вимкніть|відключи|обійди|обхід|зніми|прибери|видали|призупини|без$|пропусти|зламай"},
	{vDisable, "ru", "отключи|отключите|выключи|выключите|обойди|обход|сними|убери|удали|приостанови|без$|пропусти|взломай|деактивируй"},
	{vDisable, "zh", "关闭|關閉|禁用|停用|绕过|繞過|绕开|规避|規避|解除|移除|去掉|取消|跳过|跳過|无需|無需|不需要|突破"},
	{vDisable, "ja", "無効に|オフに|解除|回避|迂回|外して|取り除|停止して|なしで|不要|突破|バイパス"},
	{vDisable, "ko", "비활성화|꺼|끄고|해제|우회|제거|중지|없이|필요 없|무력화|뚫"},
	{vDisable, "ar", "عطل|عطّل|أوقف|اوقف|تجاوز|تخطى|أزل|ازل|ارفع|بدون|بلا|اكسر|تحايل"},
	{vDisable, "hi", "बंद कर|अक्षम|निष्क्रिय|बायपास|दरकिनार|हटा दो|हटाओ|हटाएं|बिना|तोड़|बचकर"},

	{oSafety, "en", "safe mode|guardrail|guard rail|safeguard|content policy|content policies|usage policy|usage policies|moderation|censor|alignment|safety filter|content filter|content filters|guardrails|ethical guidelines|ethics guidelines|safety guidelines|safety rules|safety policy|safety policies|safety settings|safety checks|safety measures|moderation filter|censorship|refusals|your filters|your guardrails|your restrictions|all restrictions|any restrictions|your limitations|all limitations|your ethical|your safeguards|all safeguards|every safeguard|safety features|safety protocols|safety layer|safety mode|safety training|safety systems|your safety|all safety|the safety filter|safety restrictions|safety constraints"},
	{oSafety, "es", "seguridad|filtro|salvaguard|politica de contenido|moderacion|restriccion|limitacion|etica|directrices|censura|proteccion|aprobacion|confirmacion|revision humana|verificacion|advertencias"},
	{oSafety, "fr", "securite|filtre|garde fou|garde-fou|politique de contenu|ethique|censure|approbation|revue humaine|avertissements|politique$"},
	{oSafety, "de", "sicherheit|schutz|inhaltsrichtlinie|einschrankung|beschrankung|ethik|zensur|genehmigung|freigabe|bestatigung|menschliche prufung|uberprufung|warnungen|richtlinien"},
	{oSafety, "pt", "seguranca|filtro|salvaguarda|protecao|politica de conteudo|moderacao|restricoes|limitac|etica|censura|aprovacao|confirmacao|revisao humana|verificacao|avisos"},
	{oSafety, "it", "sicurezza|filtri|filtro|salvaguardi|protezion|politica dei contenuti|moderazione|restrizion|limitazion|etica|censura|approvazione|conferma|revisione umana|verifica|avvisi"},
	{oSafety, "nl", "veiligheid|beveiliging|bescherming|inhoudsbeleid|moderatie|beperking|ethiek|censuur|goedkeuring|bevestiging|menselijke controle|verificatie|waarschuwingen"},
	{oSafety, "tr", "guvenlik|filtre|koruma|icerik politikasi|moderasyon|kisitlama|sinirlama|etik|sansur|onay|dogrulama|insan incelemesi|uyari"},
	{oSafety, "pl", "bezpieczenstw|filtr|zabezpieczen|ochron|polityk tresci|moderacj|ograniczen|etyk|cenzur|zatwierdzen|potwierdzen|weryfikacj|ostrzezen"},
	{oSafety, "vi", "an toan|bo loc|loc noi dung|bao ve|chinh sach noi dung|kiem duyet|han che|gioi han|dao duc|phe duyet|xac nhan|xac minh|canh bao|bao mat"},
	{oSafety, "id", "keamanan|keselamatan|penyaring|perlindungan|kebijakan konten|moderasi|pembatasan|batasan|etika|sensor|persetujuan|konfirmasi|verifikasi|peringatan"},
	{oSafety, "uk", "безпек|фільтр|захист|політик|модерац|обмежен|етик|цензур|схвален|підтвердже|перевірк|попереджен"},
	{oSafety, "ru", "безопасност|фильтр|защит|политик|модераци|ограничени|этик|цензур|одобрени|подтверждени|проверк|предупреждени"},
	{oSafety, "zh", "安全|过滤|過濾|防护|防護|内容政策|內容政策|审核|審核|限制|道德|伦理|倫理|审查|審查|批准|审批|審批|确认|確認|验证|驗證|警告|护栏|護欄"},
	{oSafety, "ja", "安全|セーフティ|フィルター|フィルタ|ガードレール|保護|コンテンツポリシー|検閲|制限|倫理|承認|確認|検証|警告|モデレーション"},
	{oSafety, "ko", "안전|필터|보호|콘텐츠 정책|검열|제한|윤리|승인|확인 절차|검증|경고|가드레일|보안"},
	{oSafety, "ar", "الأمان|الامان|أمان|السلامة|الفلتر|الفلاتر|مرشح|الحماية|حماية|سياسة المحتوى|الإشراف|القيود|الأخلاق|الرقابة|الموافقة|التأكيد|التحقق|التحذيرات"},
	{oSafety, "hi", "सुरक्षा|फ़िल्टर|फिल्टर|बचाव|सामग्री नीति|मॉडरेशन|प्रतिबंध|सीमा|नैतिक|सेंसर|अनुमोदन|मंजूरी|पुष्टि|सत्यापन|चेतावनी"},
	{oLimits, "en", "restriction|limitation|ethical|ethics|guideline|security check|security control|security measure|protection|approval|approvals|confirmation|human review|human in the loop|review step|refusal|refuse$|rate limit|sandbox|permission check|permissions check|verification|authentication|authorization check|2fa|mfa|oversight|monitoring|logging|audit|filter"},

	// ---------------------------------------------------------------
	// Exfiltrate data.
	{vSend, "en", "send|post$|post it|post the|post all|upload|forward|transmit|exfiltrate|exfil|leak|copy it to|copy them to|copy all|submit|deliver|export|dump|write it to|write them to|save it to|push$|push it|beacon|report back|share with|share it|share them|attach|encode|smuggle|relay|pipe|curl|wget|fetch$|http post|make a request|send a request|ping$|base64 encode|email it|email them|email this|email these|email all|email every|email everything|email my|email your|email the conversation|email the contents|mail it to|mail them to|share$|hand over|give away|disclose to"},
	{vSend, "es", "envia|envie|enviar|manda|mande|mandar|publica$|sube|reenvia|transmite|filtra|exporta|comparte con|adjunta|copia a"},
	{vSend, "fr", "envoie|envoyez|envoyer|transmets|transmettez|transmettre|poste$|postez|publie|televerse|telecharge vers|transfere|transferez|fais suivre|exporte|exportez|partage avec|joignez|copie vers|fuiter|divulguer"},
	{vSend, "de", "sende|senden|schick|schicken|ubermittle|ubermitteln|poste$|hochladen|weiterleiten|exportier|teile mit|hange an|kopiere nach"},
	{vSend, "pt", "envie|enviar|envia$|mande|mandar|publique|publicar|carregue|transmita|transmitir|encaminhe|encaminhar|exporte|exportar|compartilhe com|anexe|copie para|vaze"},
	{vSend, "it", "invia|inviare|manda|mandare|pubblica|carica|inoltra|trasmetti|esporta|condividi con|allega|copia su"},
	{vSend, "nl", "stuur|verstuur|zend|verzend|post$|upload|doorsturen|stuur door|exporteer|deel met|voeg toe aan|kopieer naar|lek$"},
	{vSend, "tr", "gonder|yolla|ilet|yukle|aktar|paylas|disa aktar|ekle|kopyala|sizdir|e posta ile"},
	{vSend, "pl", "wyslij|przeslij|wrzuc|opublikuj|przekaz|eksportuj|udostepnij|zalacz|skopiuj do|wyciek"},
	{vSend, "vi", "gui$|gui cho|gui den|gui toi|tai len|dang len|chuyen tiep|chuyen den|xuat|chia se voi|dinh kem|sao chep den|ro ri"},
	{vSend, "id", "kirim|unggah|posting|teruskan|ekspor|bagikan ke|lampirkan|salin ke|bocorkan"},
	{vSend, "uk", "надішли|надішліть|відправ|перешли|завантаж|опублікуй|експортуй|передай|поділись з|прикріпи|скопіюй до|злий"},
	{vSend, "ru", "отправь|отправьте|пошли|перешли|загрузи|выгрузи|опубликуй|экспортируй|передай|поделись с|прикрепи|скопируй в|слей"},
	{vSend, "zh", "发送|發送|发给|發給|发到|發到|传送|傳送|上传|上傳|转发|轉發|导出|導出|外传|外傳|泄露给|洩露給|提交到|寄给|寄給|分享给"},
	{vSend, "ja", "送信|送って|送付|アップロード|転送|エクスポート|共有して|添付|流出|投稿して|メールで送"},
	{vSend, "ko", "보내|전송|업로드|전달|내보내|공유해|첨부|유출|게시해|이메일로"},
	{vSend, "ar", "أرسل|ارسل|إرسال|ارفع|حمّل|انقل|وجه|صدّر|صدر|شارك مع|أرفق|سرب|انشر"},
	{vSend, "hi", "भेजो|भेजें|भेज दो|अपलोड|फॉरवर्ड|आगे भेज|निर्यात|साझा करो|संलग्न|लीक कर|पोस्ट कर"},

	{oData, "en", "conversation|chat history|chat log|message history|previous messages|all messages|secrets$|secret$|the secret|credential|api key|apikey|api keys|access key|secret key|private key|ssh key|access token|auth token|bearer token|session token|refresh token|oauth token|password|passwd|passcode|env var|environment variable|.env$|dotenv|database|db dump|customer data|customer records|customer emails|customer list|customer information|user data|user records|user information|users' data|personal data|personal information|pii$|email addresses|emails of|phone numbers|contact list|address book|source code|cookies|session cookie|wallet|seed phrase|mnemonic|credit card|card number|cvv|ssn$|social security|bank account|bank details|financial data|payroll|salary|medical record|health record|patient data|internal documents|confidential data|sensitive data|sensitive information|private data|memory contents|system prompt|config file|configuration file|aws keys|all files|all the files|every file|internal files|private files|confidential files|all records|all the records|attachments|all attachments|the attachments|inbox|emails$|all emails|mailbox|id_rsa|.ssh|/etc/passwd"},
	{oData, "es", "conversacion|historial|mensajes anteriores|secretos|credenciales|clave api|claves|contrasena|base de datos|registros|datos del cliente|datos de clientes|datos personales|datos de usuario|correos de los clientes|direcciones de correo|archivos|codigo fuente|tarjeta de credito|cuenta bancaria|datos sensibles|datos confidenciales|los datos|facturas"},
	{oData, "fr", "conversation|historique|messages precedents|secrets|secret$|identifiants|cle api|cles|mot de passe|mots de passe|jeton|base de donnees|enregistrements|donnees client|donnees des clients|donnees personnelles|donnees utilisateur|e mails des clients|adresses e mail|adresses email|fichiers|code source|carte bancaire|carte de credit|compte bancaire|donnees sensibles|donnees confidentielles|les donnees|donnees$|la valeur|factures"},
	{oData, "de", "unterhaltung|gesprach|chatverlauf|verlauf|geheimnisse|zugangsdaten|anmeldedaten|api schlussel|schlussel|passwort|passworter|kennwort|datenbank|datensatze|kundendaten|personenbezogene daten|benutzerdaten|kunden e mails|e mail adressen|dateien|quellcode|kreditkarte|bankkonto|sensible daten|vertrauliche daten|die daten|rechnungen"},
	{oData, "pt", "conversa|historico|mensagens anteriores|segredos|credenciais|chave de api|chaves|senha|senhas|banco de dados|base de dados|registros|dados do cliente|dados dos clientes|dados pessoais|dados do usuario|e mails dos clientes|enderecos de e mail|arquivos|codigo fonte|cartao de credito|conta bancaria|dados sensiveis|dados confidenciais|os dados|faturas"},
	{oData, "it", "conversazione|cronologia|messaggi precedenti|segreti|credenziali|chiave api|chiavi|banca dati|dati del cliente|dati dei clienti|dati personali|dati utente|email dei clienti|indirizzi email|codice sorgente|carta di credito|conto bancario|dati sensibili|dati riservati|i dati|fatture"},
	{oData, "nl", "gesprek|chatgeschiedenis|geschiedenis|geheimen|inloggegevens|api sleutel|sleutels|wachtwoord|wachtwoorden|klantgegevens|persoonsgegevens|gebruikersgegevens|e mailadressen|bestanden|broncode|creditcard|bankrekening|gevoelige gegevens|vertrouwelijke gegevens|de gegevens|facturen"},
	{oData, "tr", "konusma|sohbet gecmisi|gecmis|sirlar|kimlik bilgileri|api anahtari|anahtar|sifre|parola|veritabani|kayitlar|musteri verileri|kisisel veriler|kullanici verileri|e posta adresleri|dosyalar|kaynak kod|kredi karti|banka hesabi|hassas veriler|gizli veriler|verileri|faturalar"},
	{oData, "pl", "rozmow|historie czatu|historia czatu|sekret|dane logowania|klucz api|klucze|haslo|hasla|baze danych|baza danych|rekordy|dane klientow|dane osobowe|dane uzytkownikow|adresy e mail|pliki|kod zrodlowy|karte kredytowa|konto bankowe|dane wrazliwe|poufne dane|faktury"},
	{oData, "vi", "cuoc tro chuyen|lich su tro chuyen|lich su chat|bi mat|thong tin dang nhap|khoa api|mat khau|ma token|co so du lieu|ban ghi|du lieu khach hang|du lieu ca nhan|du lieu nguoi dung|dia chi email|tep|ma nguon|the tin dung|tai khoan ngan hang|du lieu nhay cam|du lieu mat|du lieu|hoa don"},
	{oData, "id", "percakapan|riwayat obrolan|riwayat chat|rahasia|kredensial|kunci api|kata sandi|sandi|basis data|catatan|data pelanggan|data pribadi|data pengguna|alamat email|berkas|kode sumber|kartu kredit|rekening bank|data sensitif|data rahasia|faktur"},
	{oData, "uk", "розмов|історію чату|історія чату|секрет|облікові дані|ключ api|ключі|пароль|паролі|токен|базу даних|база даних|записи|дані клієнтів|персональні дані|дані користувачів|адреси електронної пошти|файли|вихідний код|кредитн|банківськ|конфіденційні дані|чутливі дані|дані$|рахунки"},
	{oData, "ru", "разговор|переписк|историю чата|история чата|секрет|учетные данные|учётные данные|ключ api|ключи|пароль|пароли|токен|базу данных|база данных|записи|данные клиентов|персональные данные|данные пользователей|адреса электронной почты|файлы|исходный код|кредитн|банковск|конфиденциальные данные|чувствительные данные|данные$|счета"},
	{oData, "zh", "对话|對話|聊天记录|聊天記錄|历史记录|歷史記錄|秘密|机密|機密|密钥|密鑰|凭证|憑證|凭据|憑據|密码|密碼|令牌|数据库|資料庫|记录|記錄|客户数据|客戶數據|客户资料|客戶資料|个人数据|個人數據|个人信息|個人資訊|用户数据|用戶數據|邮箱地址|電郵地址|文件|源代码|源代碼|信用卡|银行账户|銀行帳戶|敏感数据|敏感數據|数据|數據|发票|發票"},
	{oData, "ja", "会話|チャット履歴|履歴|秘密|機密|認証情報|資格情報|APIキー|apiキー|キー|パスワード|トークン|データベース|記録|顧客データ|顧客情報|個人データ|個人情報|ユーザーデータ|メールアドレス|ファイル|ソースコード|クレジットカード|銀行口座|機密データ|データ|請求書"},
	{oData, "ko", "대화|채팅 기록|기록|비밀|자격 증명|인증 정보|api 키|키$|비밀번호|암호|토큰|데이터베이스|레코드|고객 데이터|고객 정보|개인 데이터|개인정보|사용자 데이터|이메일 주소|파일|소스 코드|신용카드|은행 계좌|민감한 데이터|기밀 데이터|데이터|청구서"},
	{oData, "ar", "المحادثة|محادثة|سجل الدردشة|السجل|الأسرار|أسرار|بيانات الاعتماد|مفتاح api|المفاتيح|كلمة المرور|كلمات المرور|الرمز|قاعدة البيانات|السجلات|بيانات العملاء|البيانات الشخصية|بيانات المستخدمين|عناوين البريد|الملفات|الشيفرة المصدرية|بطاقة الائتمان|الحساب المصرفي|البيانات الحساسة|البيانات السرية|البيانات|بيانات|الفواتير"},
	{oData, "hi", "बातचीत|चैट इतिहास|इतिहास|रहस्य|गुप्त|क्रेडेंशियल|एपीआई कुंजी|कुंजी|पासवर्ड|टोकन|डेटाबेस|रिकॉर्ड|ग्राहक डेटा|ग्राहकों का डेटा|व्यक्तिगत डेटा|उपयोगकर्ता डेटा|ईमेल पते|फ़ाइलें|फाइलें|सोर्स कोड|क्रेडिट कार्ड|बैंक खाता|संवेदनशील डेटा|गोपनीय डेटा|डेटा|चालान"},

	{oDest, "en", "attacker|external server|remote server|external address|external url|external endpoint|external site|third party|third-party|webhook|my server|our server|this url|this address|this endpoint|the following url|the following address|the link below|this link|pastebin|ngrok|requestbin|request bin|burp collaborator|interactsh|exfil server|outside the company|personal email|my email|my inbox"},
	{oDest, "es", "atacante|servidor externo|servidor remoto|direccion externa|esta url|esta direccion|mi servidor|mi correo|terceros"},
	{oDest, "fr", "attaquant|serveur externe|serveur distant|adresse externe|cette url|cette adresse|mon serveur|mon adresse|tiers$"},
	{oDest, "de", "angreifer|externen server|externer server|entfernten server|externe adresse|diese url|diese adresse|meinen server|meine e mail|dritte"},
	{oDest, "pt", "atacante|servidor externo|servidor remoto|endereco externo|esta url|este endereco|meu servidor|meu e mail|terceiros"},
	{oDest, "it", "attaccante|server esterno|server remoto|indirizzo esterno|questo url|questo indirizzo|mio server|mia email|terze parti"},
	{oDest, "nl", "aanvaller|externe server|externe adres|deze url|dit adres|mijn server|mijn e mail|derden"},
	{oDest, "tr", "saldirgan|harici sunucu|uzak sunucu|bu adres|bu url|benim sunucum|ucuncu taraf"},
	{oDest, "pl", "atakujac|zewnetrzny serwer|zewnetrzny adres|ten adres|ten url|moj serwer|moj e mail|osoby trzecie"},
	{oDest, "vi", "ke tan cong|may chu ben ngoai|may chu tu xa|dia chi ben ngoai|dia chi nay|url nay|may chu cua toi|ben thu ba"},
	{oDest, "id", "penyerang|server eksternal|server luar|alamat eksternal|alamat ini|url ini|server saya|email saya|pihak ketiga"},
	{oDest, "uk", "зловмисник|зовнішній сервер|віддалений сервер|зовнішню адресу|цю адресу|мій сервер|третім особам"},
	{oDest, "ru", "злоумышленник|атакующ|внешний сервер|удаленный сервер|удалённый сервер|внешний адрес|этот адрес|мой сервер|мою почту|третьим лицам"},
	{oDest, "zh", "攻击者|攻擊者|外部服务器|外部伺服器|远程服务器|遠端伺服器|外部地址|这个地址|這個地址|这个网址|這個網址|我的服务器|我的邮箱|第三方"},
	{oDest, "ja", "攻撃者|外部サーバー|外部サーバ|リモートサーバー|外部アドレス|このアドレス|このURL|私のサーバー|第三者"},
	{oDest, "ko", "공격자|외부 서버|원격 서버|외부 주소|이 주소|이 url|내 서버|제3자"},
	{oDest, "ar", "المهاجم|خادم خارجي|الخادم الخارجي|خادم بعيد|عنوان خارجي|هذا العنوان|هذا الرابط|خادمي|طرف ثالث"},
	{oDest, "hi", "हमलावर|बाहरी सर्वर|रिमोट सर्वर|बाहरी पते|इस पते|इस यूआरएल|मेरे सर्वर|तीसरे पक्ष"},

	// Data of other tenants or users (data-boundary abuse).
	{oOther, "en", "tenant b|another tenant|other tenant|other tenants|different tenant|all tenants|cross tenant|other customers|another customer|other customer's|other users|another user|other user's|other accounts|another account|someone else's|other organizations|other organisations|another organization|other companies|other clients|another client|other employees"},
	{oOther, "es", "otro inquilino|otros inquilinos|otro cliente|otros clientes|otros usuarios|otro usuario|otra cuenta|otras cuentas|otra organizacion"},
	{oOther, "fr", "autre locataire|autres locataires|autre client|autres clients|autres utilisateurs|autre utilisateur|autre compte|autres comptes|autre organisation|autre tenant"},
	{oOther, "de", "anderen mandanten|anderer mandant|anderen kunden|anderer kunden|anderen benutzer|anderer benutzer|anderen konten|anderes konto|anderen organisation"},
	{oOther, "pt", "outro inquilino|outros inquilinos|outro cliente|outros clientes|outros usuarios|outro usuario|outra conta|outras contas|outra organizacao"},
	{oOther, "it", "altro tenant|altri tenant|altro cliente|altri clienti|altri utenti|altro utente|altro account|altri account|altra organizzazione"},
	{oOther, "nl", "andere tenant|andere klant|andere klanten|andere gebruikers|andere gebruiker|ander account|andere accounts|andere organisatie"},
	{oOther, "tr", "baska kiraci|diger kiracilar|baska musteri|diger musteriler|diger kullanicilar|baska kullanici|baska hesap|diger hesaplar"},
	{oOther, "pl", "innego najemcy|innych najemcow|innego klienta|innych klientow|innych uzytkownikow|innego uzytkownika|innego konta|innych kont"},
	{oOther, "vi", "khach hang khac|nguoi dung khac|tai khoan khac|to chuc khac|tenant khac"},
	{oOther, "id", "penyewa lain|pelanggan lain|pengguna lain|akun lain|organisasi lain"},
	{oOther, "uk", "іншого орендаря|іншого клієнта|інших клієнтів|інших користувачів|іншого користувача|іншого акаунта"},
	{oOther, "ru", "другого арендатора|другого клиента|других клиентов|других пользователей|другого пользователя|чужие данные|чужого аккаунта|другого аккаунта"},
	{oOther, "zh", "其他租户|其他租戶|另一个租户|其他客户|其他客戶|其他用户|其他用戶|别人的|別人的|其他账户|其他帳戶"},
	{oOther, "ja", "他のテナント|別のテナント|他の顧客|他のユーザー|別のユーザー|他人の|他のアカウント"},
	{oOther, "ko", "다른 테넌트|다른 고객|다른 사용자|다른 계정|타인의"},
	{oOther, "ar", "مستأجر آخر|عميل آخر|العملاء الآخرين|المستخدمين الآخرين|مستخدم آخر|حساب آخر"},
	{oOther, "hi", "दूसरे किरायेदार|अन्य ग्राहक|दूसरे ग्राहक|अन्य उपयोगकर्ता|दूसरे उपयोगकर्ता|दूसरे खाते"},

	{vAccess, "en", "fetch|access|retrieve|read$|read all|read the|get$|get all|get the|list$|list all|show$|show all|show me|display|dump|export|open$|query|pull|download|view|look up|lookup|search|grab|collect|extract|scrape|enumerate|copy$|copy all|copy the|copy every"},
	{vAccess, "es", "accede|obten|recupera|lee$|lista|muestra|descarga|consulta|extrae|busca"},
	{vAccess, "fr", "accede|accedez|recupere|recuperez|lis$|lisez|liste|listez|affiche|affichez|telecharge|consulte|consultez|extrais|obtiens|obtenez"},
	{vAccess, "de", "zugreifen|abrufen|lies|lese|liste|zeige|herunterladen|abfragen|extrahiere|hole"},
	{vAccess, "pt", "acess|obtenh|recuper|leia|liste|mostre|baixe|consult|extraia|busque"},
	{vAccess, "it", "accedi|ottieni|recupera|leggi|elenca|mostra|scarica|interroga|estrai|cerca"},
	{vAccess, "nl", "open$|haal op|lees|toon|download|raadpleeg|extraheer|zoek"},
	{vAccess, "tr", "eris|getir|oku|listele|goster|indir|sorgula|cikar"},
	{vAccess, "pl", "uzyskaj dostep|pobierz|odczytaj|przeczytaj|wylistuj|pokaz|wyswietl|sciagnij|wyciagnij|znajdz"},
	{vAccess, "vi", "truy cap|lay$|lay ra|doc$|liet ke|hien thi|tai xuong|truy van|trich xuat|tim"},
	{vAccess, "id", "akses|ambil|baca|daftar|tampilkan|unduh|kueri|ekstrak|cari"},
	{vAccess, "uk", "отримай|доступ до|прочитай|виведи|покажи|завантаж|знайди|витягни"},
	{vAccess, "ru", "получи|доступ к|прочитай|выведи|покажи|скачай|загрузи|найди|вытащи|достань|извлеки"},
	{vAccess, "zh", "获取|獲取|访问|訪問|读取|讀取|列出|显示|顯示|下载|下載|查询|查詢|提取|调取|調取"},
	{vAccess, "ja", "取得|アクセス|読み取|読み込|一覧|表示|ダウンロード|照会|抽出|取り出"},
	{vAccess, "ko", "가져와|접근|읽어|나열|보여|다운로드|조회|추출"},
	{vAccess, "ar", "اجلب|احصل|الوصول|اقرأ|اعرض|نزل|استخرج|استعلم"},
	{vAccess, "hi", "प्राप्त करो|एक्सेस|पढ़ो|सूची|दिखाओ|डाउनलोड|निकालो|खोजो"},

	{vLoad, "en", "load|render|visit|navigate to|go to|open the link|open this|open the url|click|embed|insert the image|include the image|add the image|display the image|show the image|request$|make a get|fetch the url|fetch this|call the url|hit the url|access the url|ping$|append the image|markdown image"},
	{vLoad, "es", "carga|cargue|renderiza|visita|navega a|abre el enlace|haz clic|inserta la imagen|incluye la imagen"},
	{vLoad, "fr", "charge|chargez|affiche l'image|visite|visitez|ouvre le lien|ouvrez le lien|clique|cliquez|insere l'image|inserez l'image|integre"},
	{vLoad, "de", "lade|rendere|besuche|offne den link|klicke|fuge das bild ein"},
	{vLoad, "pt", "carregue|renderize|visite|abra o link|clique|insira a imagem|inclua a imagem"},
	{vLoad, "it", "carica|visualizza|visita|apri il link|clicca|inserisci l'immagine|includi l'immagine"},
	{vLoad, "nl", "laad|bezoek|open de link|klik|voeg de afbeelding in"},
	{vLoad, "ru", "загрузи|открой ссылку|перейди по|посети|вставь изображение|отобрази"},
	{vLoad, "zh", "加载|載入|访问链接|訪問連結|打开链接|打開鏈接|点击|點擊|插入图片|插入圖片|渲染"},
	{vLoad, "ja", "読み込|開いて|アクセスして|クリック|画像を挿入|レンダリング"},

	// ---------------------------------------------------------------
	// Call a tool on the attacker's behalf.
	{vCall, "en", "call$|call the|invoke|run$|run the|execute$|exec$|use the|use your|trigger|fire$|launch|perform|initiate|kick off|schedule|issue a|make a call|call it|spawn|start the|execute$|execute the|execute this|execute it|execute all|executing$"},
	{vCall, "es", "llama a|llama la|invoca|ejecuta|usa la|usa el|utiliza|activa|lanza|realiza"},
	{vCall, "fr", "appelle|appelez|invoque|invoquez|execute$|executez|lance|lancez|utilise|utilisez|declenche|declenchez|effectue|effectuez"},
	{vCall, "de", "aufrufen|ausfuhren|verwende|benutze|nutze|starte"},
	{vCall, "pt", "chame|invoqu|execute$|executar|use a|use o|utilize|acione|dispare|inicie"},
	{vCall, "it", "chiama|invoca|esegui|usa lo|usa il|usa la|utilizza|attiva|avvia|lancia"},
	{vCall, "nl", "aanroepen|uitvoeren|gebruik|activeer"},
	{vCall, "tr", "cagir|calistir|kullan|tetikle|baslat|yurut"},
	{vCall, "pl", "wywolaj|uruchom|wykonaj|uzyj|odpal|zainicjuj"},
	{vCall, "vi", "goi$|goi cong cu|thuc thi|chay$|su dung|dung cong cu|kich hoat"},
	{vCall, "id", "panggil|jalankan|eksekusi|gunakan|pakai|picu"},
	{vCall, "uk", "виклич|запусти|виконай|використай|скористайся"},
	{vCall, "ru", "вызови|запусти|выполни|используй|воспользуйся|активируй"},
	{vCall, "zh", "调用|調用|执行|執行|运行|運行|使用|触发|觸發|启动|啟動"},
	{vCall, "ja", "呼び出|実行|使用して|使って|起動|トリガー"},
	{vCall, "ko", "호출|실행|사용해|작동|트리거"},
	{vCall, "ar", "استدع|نفذ|نفّذ|شغل|شغّل|استخدم|فعّل"},
	{vCall, "hi", "कॉल करो|चलाओ|निष्पादित|उपयोग करो|इस्तेमाल करो|ट्रिगर"},

	{vApprove, "en", "approve$|approve all|approve the|approve any|approve every|approve this|approve pending|auto approve|auto-approve|authorize$|authorise$|authorize all|authorise all|authorize the|authorise the|grant$|grant all|grant the|confirm all|accept all|allow all|whitelist|allowlist|sign off on"},
	{vApprove, "es", "aprueba|autoriza|concede|acepta todas|permite todas"},
	{vApprove, "fr", "approuve|approuvez|autorise|autorisez|accorde|accordez|valide|validez|accepte toutes|acceptez toutes"},
	{vApprove, "de", "genehmige|autorisiere|bestatige alle|erlaube alle|freigeben"},
	{vApprove, "pt", "aprov|autoriz|conceda|aceite todas|permita todas"},
	{vApprove, "it", "approva$|autorizza|concedi|accetta tutte|consenti tutte"},
	{vApprove, "nl", "goedkeuren|autoriseer"},
	{vApprove, "ru", "одобри|утверди|разреши все|подтверди все|авторизуй"},
	{vApprove, "uk", "схвали|затверди|дозволь усі|підтверди всі"},
	{vApprove, "zh", "批准|审批通过|審批通過|授权|授權|允许所有|允許所有|同意所有"},
	{vApprove, "ja", "承認して|許可して|すべて承認"},
	{vApprove, "ko", "승인해|허용해|모두 승인"},
	{vApprove, "tr", "onayla|yetkilendir|hepsine izin ver"},
	{vApprove, "pl", "zatwierdz|autoryzuj|zezwol na wszystkie"},
	{vApprove, "id", "setujui|otorisasi|izinkan semua"},
	{vApprove, "vi", "phe duyet|chap thuan|cho phep tat ca"},
	{vApprove, "ar", "وافق|اعتمد|صرّح|اسمح بكل"},
	{vApprove, "hi", "मंजूरी दो|अनुमोदित करो|स्वीकृत करो"},

	{oTool, "en", "tool|tools$|function$|functions$|function call|tool call|api call|plugin|action$|actions$|command$|commands$|shell|terminal|bash$|powershell|script$|cli$|endpoint|request$|requests$|operation|operations|the next call|next tool|pending calls|pending requests|pending actions"},
	{oTool, "es", "herramienta|funcion|comando|accion|acciones"},
	{oTool, "fr", "outil|fonction|commande|action$|actions$"},
	{oTool, "de", "werkzeug|tool|funktion|befehl|aktion"},
	{oTool, "pt", "ferramenta|funcao|comando|acao|acoes"},
	{oTool, "it", "strumento|strumenti|funzione|comando|azione|azioni"},
	{oTool, "nl", "hulpmiddel|tool|functie|commando|actie"},
	{oTool, "tr", "arac|fonksiyon|komut|islem"},
	{oTool, "pl", "narzedzi|funkcj|polecenie|komend|akcj"},
	{oTool, "vi", "cong cu|ham$|lenh$|thao tac"},
	{oTool, "id", "alat$|fungsi|perintah|tindakan"},
	{oTool, "uk", "інструмент|функці|команд|дію"},
	{oTool, "ru", "инструмент|функци|команд|действи"},
	{oTool, "zh", "工具|函数|函數|命令|操作|插件"},
	{oTool, "ja", "ツール|関数|コマンド|操作|プラグイン"},
	{oTool, "ko", "도구|툴|함수|명령|작업"},
	{oTool, "ar", "أداة|الأداة|اداة|الدالة|الأمر|العملية"},
	{oTool, "hi", "टूल|उपकरण|फ़ंक्शन|फंक्शन|कमांड"},

	{oToolRisky, "en", "read secret|get secret|read secrets|secret manager|get credentials|read credentials|dump credentials|delete all|delete every|delete the database|drop table|drop database|truncate|rm -rf|rm rf|format the disk|wipe the|transfer funds|transfer money|wire transfer|wire money|send money|send payment|make a payment|refund all|grant admin|add admin|make me admin|create admin|elevate|sudo$|chmod 777|exec$|eval$|shell command|run command|execute command|exec command|system command|reverse shell|netcat|nc -e|base64 -d|curl http|wget http|powershell -enc|http request|disable logging|disable audit|delete logs|clear logs|export the database|database credentials|reset password|change password|change the password|add ssh key|authorized keys|private repo|make public|share publicly|all pending tool calls|pending tool calls|the next tool call|pending transfers|all transfers|the transfer|pending payments|all payments|the payment|all transactions|pending transactions|refunds|all refunds|the purchase|withdrawal|pending requests|cat ~/|id_rsa|/etc/passwd|/etc/shadow|.ssh|ssh key|private key|delete repository|delete the repository|drop the database"},
	{oToolRisky, "es", "borra todo|elimina todo|transfiere fondos|transferencia bancaria|ejecuta comando|restablece la contrasena"},
	{oToolRisky, "fr", "supprime tout|supprimez tout|virement|transfere des fonds|execute la commande|reinitialise le mot de passe"},
	{oToolRisky, "de", "losche alles|uberweisung|uberweise|fuhre den befehl aus|setze das passwort zuruck"},
	{oToolRisky, "ru", "удали все|удалить все|переведи деньги|перевод средств|выполни команду|сбрось пароль"},
	{oToolRisky, "zh", "删除所有|刪除所有|转账|轉帳|执行命令|執行命令|重置密码|重置密碼"},

	// ---------------------------------------------------------------
	// Memory poisoning and privilege claims.
	{vRemember, "en", "remember|memorize|memorise|store this|store that|store in memory|save this|save that|save to memory|add to memory|add to your memory|update your memory|commit to memory|record that|learn that|from now on|always treat|permanently|for all future|in all future|in future sessions|for future conversations|for future sessions|memory note|note for future|for next time|in your memory|to your memory|long term memory|long-term memory|every future session|all future sessions|future session|future conversations|long-term memory entry|memory entry|persist this|persist that"},
	{vRemember, "es", "recuerda|memoriza|guarda en memoria|guarda esto|ten en cuenta|anota que|de ahora en adelante|para siempre|permanentemente"},
	{vRemember, "fr", "souviens toi|souvenez vous|retiens|retenez|memorise|memorisez|enregistre|enregistrez|garde en memoire|note que|notez que|desormais|pour toujours|definitivement|en permanence"},
	{vRemember, "de", "merke dir|merk dir|erinnere dich|speichere|speicher|behalte|notiere|ab jetzt|fur immer|dauerhaft|permanent"},
	{vRemember, "pt", "lembre|memorize|guarde na memoria|salve|anote que|de agora em diante|para sempre|permanentemente"},
	{vRemember, "it", "ricorda|memorizza|salva|tieni a mente|annota che|d'ora in poi|per sempre|permanentemente"},
	{vRemember, "nl", "onthoud|memoriseer|sla op|bewaar|noteer dat|vanaf nu|voor altijd|permanent"},
	{vRemember, "tr", "hatirla|unutma|aklinda tut|kaydet|hafizana|not et|bundan sonra|kalici olarak|sonsuza dek"},
	{vRemember, "pl", "zapamietaj|zapisz|pamietaj|zanotuj|od teraz|na zawsze|na stale"},
	{vRemember, "vi", "hay nho|ghi nho|luu lai|luu vao bo nho|tu gio tro di|mai mai|vinh vien"},
	{vRemember, "id", "ingat|ingatlah|simpan|catat|mulai sekarang|selamanya|secara permanen"},
	{vRemember, "uk", "запам'ятай|запамятай|запам’ятай|збережи|пам'ятай|занотуй|відтепер|назавжди|постійно"},
	{vRemember, "ru", "запомни|запомните|сохрани|помни|запиши|отныне|навсегда|постоянно"},
	{vRemember, "zh", "记住|記住|牢记|牢記|保存到记忆|存入记忆|記憶|永久|永远|永遠|以后都|以後都"},
	{vRemember, "ja", "覚えて|記憶して|記憶に|保存して|永久に|ずっと|今後は"},
	{vRemember, "ko", "기억해|기억하|저장해|영구적으로|앞으로 항상|메모리에"},
	{vRemember, "ar", "تذكر|احفظ|احفظه|سجل أن|دائما|بشكل دائم|للأبد"},
	{vRemember, "hi", "याद रखो|याद रखें|सहेजो|सहेज लो|हमेशा के लिए|स्थायी रूप से"},

	{oPriv, "en", "administrator|admin$|admins$|admin rights|admin access|admin privileges|root$|root access|superuser|super user|sudo$|authorized to|authorised to|is authorized|is authorised|trusted user|trusted$|verified user|privileged|elevated|full access|unrestricted access|all permissions|all access|vip$|whitelisted|exempt from|has clearance|security clearance|is allowed to|always approve|never ask|no need to verify|skip verification|pre approved|pre-approved|approved for everything|always trust|trust all|trust every|trust messages|root privileges|superuser privileges|approvals are not required|no approval needed"},
	{oPriv, "es", "administrador|admin$|root$|superusuario|propietario|autorizado|de confianza|verificado|privilegiado|acceso total|acceso completo|todos los permisos"},
	{oPriv, "fr", "administrateur|admin$|root$|superutilisateur|proprietaire|autorise|de confiance|verifie|privilegie|acces total|acces complet|tous les droits|toutes les permissions"},
	{oPriv, "de", "administrator|admin$|root$|superuser|eigentumer|autorisiert|berechtigt|vertrauenswurdig|verifiziert|privilegiert|vollzugriff|voller zugriff|alle rechte|alle berechtigungen"},
	{oPriv, "pt", "administrador|admin$|root$|superusuario|proprietario|autorizado|confiavel|verificado|privilegiado|acesso total|acesso completo|todas as permissoes"},
	{oPriv, "it", "amministratore|admin$|root$|superutente|proprietario|autorizzato|fidato|verificato|privilegiato|accesso completo|accesso totale|tutti i permessi"},
	{oPriv, "nl", "beheerder|administrator|admin$|root$|eigenaar|geautoriseerd|vertrouwd|geverifieerd|volledige toegang|alle rechten"},
	{oPriv, "tr", "yonetici|admin$|root$|sahip|yetkili|guvenilir|dogrulanmis|tam erisim|tum izinler|ayricalikli"},
	{oPriv, "pl", "administrator|admin$|root$|wlasciciel|uprawniony|autoryzowany|zaufany|zweryfikowany|pelny dostep|wszystkie uprawnienia"},
	{oPriv, "vi", "quan tri vien|admin$|root$|chu so huu|duoc uy quyen|dang tin cay|da xac minh|toan quyen|quyen truy cap day du|moi quyen"},
	{oPriv, "id", "administrator|admin$|root$|pemilik|berwenang|terpercaya|terverifikasi|akses penuh|semua izin|hak istimewa"},
	{oPriv, "uk", "адміністратор|адмін$|root$|власник|авторизован|довірен|перевірен|повний доступ|всі права|усі права"},
	{oPriv, "ru", "администратор|админ$|root$|суперпользовател|владелец|авторизован|доверенн|проверенн|привилегированн|полный доступ|все права"},
	{oPriv, "zh", "管理员|管理員|超级用户|超級用戶|root权限|所有者|已授权|已授權|受信任|已验证|已驗證|完全访问|完全訪問|所有权限|所有權限|特权|特權"},
	{oPriv, "ja", "管理者|アドミン|スーパーユーザー|所有者|権限がある|信頼できる|認証済み|フルアクセス|全権限|特権"},
	{oPriv, "ko", "관리자|슈퍼유저|소유자|권한이 있|신뢰할 수 있는|인증된|전체 접근|모든 권한|특권"},
	{oPriv, "ar", "مسؤول|المسؤول|مدير النظام|المدير|مستخدم متميز|المالك|مخول|موثوق|تم التحقق|وصول كامل|جميع الصلاحيات|صلاحيات كاملة"},
	{oPriv, "hi", "व्यवस्थापक|एडमिन|सुपरयूज़र|मालिक|अधिकृत|विश्वसनीय|सत्यापित|पूर्ण पहुंच|सभी अनुमतियां|सभी अधिकार"},

	{vBe, "en", "i am$|i'm$|im the|i am the|i am an|this user is|the user is|user is an|user is the|you are an|you are the|you are a|you're an|you're the|you're a|we are the|speaking as|my role is|i have been granted|has been granted|have been granted|is now an|is now the|is now a|grant me|give me|make me|promote me|elevate me|treat me as|treat this user as|treat them as|consider me|the user has|this user has|user has|i have$|has root|has admin|they are|he is the|she is the"},
	{vBe, "es", "soy$|soy el|soy un|este usuario es|el usuario es|eres$|eres el|eres un|trata me como|tratame como|hazme|dame"},
	{vBe, "fr", "je suis|cet utilisateur est|l'utilisateur est|tu es|vous etes|traite moi comme|traitez moi comme|fais de moi|donne moi|donnez moi"},
	{vBe, "de", "ich bin|dieser benutzer ist|der benutzer ist|du bist|sie sind|behandle mich als|mach mich zum|gib mir"},
	{vBe, "pt", "eu sou|sou o|sou um|este usuario e|o usuario e|voce e|trate me como|faca me|me de"},
	{vBe, "it", "io sono|sono l|sono il|sono un|questo utente e|l'utente e|tu sei|sei un|sei il|trattami come|rendimi|dammi"},
	{vBe, "nl", "ik ben|deze gebruiker is|de gebruiker is|jij bent|je bent|u bent|behandel mij als|maak mij|geef me"},
	{vBe, "tr", "ben bir|ben$|bu kullanici|kullanici bir|sen bir|sen$|bana ver"},
	{vBe, "pl", "jestem$|ten uzytkownik jest|uzytkownik jest|jestes$|traktuj mnie jak|zrob mnie|daj mi"},
	{vBe, "vi", "toi la|nguoi dung nay la|ban la|hay coi toi la|cap cho toi"},
	{vBe, "id", "saya adalah|saya$|aku adalah|pengguna ini adalah|pengguna ini|kamu adalah|anda adalah|jadikan saya|berikan saya"},
	{vBe, "uk", "я$|я є|цей користувач|користувач є|ти$|ви$|вважай мене|зроби мене|дай мені"},
	{vBe, "ru", "я$|я —|этот пользователь|пользователь является|ты$|вы$|считай меня|сделай меня|дай мне|выдай мне"},
	{vBe, "zh", "我是|此用户是|這個用戶是|这个用户是|该用户是|用户是|你是|您是|把我当作|給我|给我"},
	{vBe, "ja", "私は|このユーザーは|ユーザーは|あなたは|僕は|俺は"},
	{vBe, "ko", "나는|저는|이 사용자는|사용자는|당신은|너는"},
	{vBe, "ar", "أنا|انا|هذا المستخدم|المستخدم هو|أنت|انت|اعتبرني|امنحني"},
	{vBe, "hi", "मैं|यह उपयोगकर्ता|उपयोगकर्ता है|तुम|आप"},

	// ---------------------------------------------------------------
	// Text addressed to a model.
	{sAI, "en", "ai assistant|ai agent|ai model|ai system|ai systems|ai agents|ai assistants|assistant$|assistants$|language model|large language model|llm$|llms$|chatbot|chat bot|gpt$|chatgpt|gpt 4|gpt4|claude$|gemini$|copilot|bard$|llama$|mistral$|the ai$|an ai$|any ai$|dear ai|hey ai|attention ai|note to the model|note to ai|note to the ai|note to the assistant|note for the assistant|note for the model|note for ai|to the assistant|to the model|to the ai|if you are an ai|if you're an ai|if you are a language model|ai reading this|model reading this|assistant reading this|agent reading this|bots reading|crawlers reading|automated agents|autonomous agent|summarizer|summariser|note to agent|note to the agent|note for the agent|to the agent|dear agent|hey agent|attention agent|agent:"},
	{sAI, "es", "asistente|asistente de ia|modelo de lenguaje|inteligencia artificial|la ia$|ia$|agente de ia|nota para la ia|nota para el modelo|si eres una ia"},
	{sAI, "fr", "assistant$|assistante|l'assistant|modele de langage|intelligence artificielle|l'ia$|ia$|agent ia|note pour l'ia|note pour le modele|note pour l'assistant|si tu es une ia|si vous etes une ia"},
	{sAI, "de", "assistent|ki assistent|sprachmodell|kunstliche intelligenz|die ki|ki$|ki agent|hinweis an die ki|hinweis an das modell|notiz fur die ki|wenn du eine ki bist"},
	{sAI, "pt", "assistente|modelo de linguagem|inteligencia artificial|a ia$|ia$|agente de ia|nota para a ia|nota para o modelo|se voce e uma ia"},
	{sAI, "it", "assistente|modello linguistico|modello di linguaggio|intelligenza artificiale|l'ia$|ia$|agente ia|nota per l'ia|nota per il modello|se sei un'ia"},
	{sAI, "nl", "assistent|taalmodel|kunstmatige intelligentie|de ai$|ai$|notitie voor de ai|als je een ai bent"},
	{sAI, "tr", "asistan|dil modeli|yapay zeka|yapay zekaya|ai$|yz$"},
	{sAI, "pl", "asystent|model jezykowy|sztuczna inteligencja|sztucznej inteligencji|ai$|notatka dla ai|jesli jestes ai"},
	{sAI, "vi", "tro ly|tro ly ao|mo hinh ngon ngu|tri tue nhan tao|ai$|gui ai|luu y cho ai"},
	{sAI, "id", "asisten|model bahasa|kecerdasan buatan|ai$|catatan untuk ai|jika kamu adalah ai"},
	{sAI, "uk", "асистент|помічник|мовна модель|мовної моделі|штучний інтелект|ші$|модель$|нотатка для ші"},
	{sAI, "ru", "ассистент|помощник|языковая модель|языковой модели|искусственный интеллект|ии$|нейросеть|модель$|заметка для ии|если ты ии"},
	{sAI, "zh", "ai助手|人工智能|人工智慧|语言模型|語言模型|大模型|助手|机器人|機器人|致ai|给ai|給ai|如果你是ai"},
	{sAI, "ja", "aiアシスタント|アシスタント|言語モデル|人工知能|チャットボット|モデルへ|aiへ|aiの方"},
	{sAI, "ko", "ai 어시스턴트|어시스턴트|비서|언어 모델|인공지능|챗봇|모델에게|ai에게"},
	{sAI, "ar", "المساعد|مساعد الذكاء|نموذج اللغة|النموذج اللغوي|الذكاء الاصطناعي|ذكاء اصطناعي|روبوت الدردشة|ملاحظة للنموذج"},
	{sAI, "hi", "सहायक|असिस्टेंट|भाषा मॉडल|कृत्रिम बुद्धि|आर्टिफिशियल इंटेलिजेंस|एआई|मॉडल के लिए"},

	{sModal, "en", "must$|should$|shall$|need to|needs to|have to|has to|are required|is required|are instructed|is instructed|will now|now$|immediately|make sure to|make sure you|ensure you|ensure that you|it is essential|are expected to|are obligated|are ordered|you are to|are hereby|do this|do it$|comply|obey|follow these|follow this|follow the|carry out|execute these|execute this|perform these|don't tell|do not tell|never mention|without telling|without mentioning|secretly|silently|quietly|before responding|before answering|when summarizing|when summarising|when you summarize|when you read|when processing|while processing|in your response|in your answer|in your summary|at the end of your"},
	{sModal, "es", "debe|debes|deberia|tiene que|tienes que|es necesario|ahora$|inmediatamente|asegurate|obedece|cumple|sigue estas|al resumir|en tu respuesta|sin decir|en secreto"},
	{sModal, "fr", "doit|dois$|devez|devrait|il faut|est tenu|maintenant|immediatement|assure toi|assurez vous|obeis|obeissez|suis ces|suivez ces|en resumant|lors du resume|dans ta reponse|dans votre reponse|sans dire|secretement|discretement"},
	{sModal, "de", "muss|musst|sollte|sollst|hat zu|ist verpflichtet|jetzt$|sofort|stelle sicher|gehorche|befolge|beim zusammenfassen|in deiner antwort|ohne zu sagen|heimlich"},
	{sModal, "pt", "deve$|deves|deveria|tem que|precisa|agora$|imediatamente|certifique se|obedeca|cumpra|siga estas|ao resumir|na sua resposta|sem dizer|secretamente"},
	{sModal, "it", "deve$|devi$|dovrebbe|e tenuto|ora$|subito|immediatamente|assicurati|obbedisci|segui queste|nel riassumere|nella tua risposta|senza dire|segretamente"},
	{sModal, "nl", "moet|moeten|zou moeten|dient|nu$|onmiddellijk|zorg ervoor|gehoorzaam|volg deze|bij het samenvatten|in je antwoord|zonder te zeggen|stiekem"},
	{sModal, "tr", "zorunda|gerekir|gerekiyor|malisin|melisin|hemen|derhal|simdi|itaat et|uy$|ozetlerken|cevabinda|soylemeden|gizlice"},
	{sModal, "pl", "musi|musisz|powinien|powinienes|nalezy|teraz$|natychmiast|upewnij sie|wykonaj|posluchaj|podczas podsumowania|w odpowiedzi|bez mowienia|potajemnie"},
	{sModal, "vi", "phai$|can phai|bat buoc|ngay lap tuc|ngay bay gio|hay dam bao|tuan theo|khi tom tat|trong cau tra loi|ma khong noi|bi mat"},
	{sModal, "id", "harus|wajib|perlu|sekarang$|segera|pastikan|patuhi|ikuti ini|saat meringkas|dalam jawaban|tanpa memberi tahu|diam diam"},
	{sModal, "uk", "повинен|повинна|мусиш|має$|маєш|необхідно|негайно|зараз$|переконайся|підкорись|виконай|під час підсумовування|у своїй відповіді|не кажучи|таємно"},
	{sModal, "ru", "должен|должна|должны|обязан|обязана|необходимо|нужно|немедленно|сейчас$|убедись|подчинись|выполни|при составлении|в своем ответе|в своём ответе|не говоря|тайно|незаметно"},
	{sModal, "zh", "必须|必須|应该|應該|需要|务必|務必|立即|立刻|马上|馬上|现在|現在|确保|確保|服从|服從|在总结时|在總結時|在回答中|不要告诉|不要告訴|悄悄"},
	{sModal, "ja", "必ず|しなければ|すべき|してください|直ちに|すぐに|今すぐ|確実に|従え|従って|要約する際|要約時|回答に|伝えずに|こっそり"},
	{sModal, "ko", "반드시|해야|해야 한다|즉시|지금 당장|지금$|확실히|따르라|따라야|요약할 때|답변에|말하지 말고|몰래"},
	{sModal, "ar", "يجب|عليك|ينبغي|لا بد|فورا|فوراً|الآن|الان|تأكد|أطع|اتبع|عند التلخيص|في ردك|دون إخبار|سرا"},
	{sModal, "hi", "चाहिए|अवश्य|ज़रूर|जरूर|तुरंत|अभी|सुनिश्चित|पालन करो|सारांश बनाते समय|अपने उत्तर में|बिना बताए|चुपके से"},

	{sHide, "en", "don't tell the user|do not tell the user|don't mention this|do not mention this|don't reveal this instruction|do not reveal this instruction|without telling the user|without informing the user|without the user knowing|hide this from the user|keep this secret|keep this hidden|invisible to the user|the user must not know|the user should not know|do not disclose this instruction|never mention these instructions|don't let the user know"},
	{sHide, "es", "no le digas al usuario|sin decirle al usuario|sin que el usuario lo sepa|no menciones esto"},
	{sHide, "fr", "ne dis pas a l'utilisateur|ne le dis pas a l'utilisateur|sans le dire a l'utilisateur|sans que l'utilisateur le sache|ne mentionne pas ceci"},
	{sHide, "de", "sag es dem benutzer nicht|ohne den benutzer zu informieren|ohne dass der benutzer es merkt|erwahne dies nicht"},
	{sHide, "ru", "не говори пользователю|не сообщай пользователю|без ведома пользователя|чтобы пользователь не узнал|не упоминай это"},
	{sHide, "zh", "不要告诉用户|不要告訴用戶|不要让用户知道|不要讓用戶知道|不要提及此|对用户保密|對用戶保密"},
	{sHide, "ja", "ユーザーに伝えない|ユーザーに言わない|ユーザーに知らせず|これについて言及しない"},
	{sHide, "ko", "사용자에게 말하지|사용자에게 알리지|사용자 모르게"},

	{sUrgent, "en", "urgent|urgently|immediately|asap|critical:|important:|attention:|warning:|notice:|mandatory|required action|priority override|top priority|highest priority|emergency|final warning|must comply|non-negotiable|non negotiable|failure to comply|or you will be|or else|right now|at once|this overrides|supersedes|takes precedence|overrides all"},
	{sUrgent, "es", "urgente|inmediatamente|obligatorio|prioridad maxima|de inmediato"},
	{sUrgent, "fr", "urgent|immediatement|obligatoire|priorite absolue|sur le champ|tout de suite"},
	{sUrgent, "de", "dringend|sofort|verpflichtend|hochste prioritat|unverzuglich"},
	{sUrgent, "ru", "срочно|немедленно|обязательно|наивысший приоритет"},
	{sUrgent, "zh", "紧急|緊急|立即|最高优先级|最高優先級|必须立即"},
	{sUrgent, "ja", "緊急|至急|直ちに|最優先"},

	{sAuthority, "en", "system administrator|sysadmin|admin note|administrator note|message from the developer|from the developers|developer note|from your developer|i am your developer|i'm your developer|your creator|your owner|from openai|openai team|from anthropic|anthropic team|security team|it department|it team|official notice|official instruction|authorized by|on behalf of the|compliance team|legal team|management has|the ceo|ceo$|system notice|system alert|system update|policy update|new policy|internal memo"},
	{sAuthority, "es", "administrador del sistema|equipo de seguridad|nota del desarrollador|aviso oficial"},
	{sAuthority, "fr", "administrateur systeme|equipe de securite|note du developpeur|avis officiel|service informatique"},
	{sAuthority, "de", "systemadministrator|sicherheitsteam|hinweis des entwicklers|offizielle mitteilung|it abteilung"},
	{sAuthority, "ru", "системный администратор|служба безопасности|от разработчиков|официальное уведомление"},
	{sAuthority, "zh", "系统管理员|系統管理員|安全团队|安全團隊|开发者通知|官方通知"},

	{sNeg, "en", "not$|never$|don't|do not|dont$|doesn't|does not|didn't|did not|cannot|can't|won't|shouldn't|should not|must not|mustn't|refuse to|refused to|refuses to|no one should|nobody should|avoid$|prevent|prohibited|forbidden|blocked|reject|resist"},
	{sNeg, "es", "no$|nunca|jamas|no debes|prohibido"},
	{sNeg, "fr", "ne$|n'|jamais|pas$|interdit|refuse"},
	{sNeg, "de", "nicht|niemals|nie$|kein|verboten"},
	{sNeg, "pt", "nao$|nunca|jamais|proibido"},
	{sNeg, "it", "non$|mai$|vietato"},
	{sNeg, "nl", "niet$|nooit|verboden"},
	{sNeg, "ru", "не$|никогда|нельзя|запрещено"},
	{sNeg, "uk", "не$|ніколи|заборонено"},
	{sNeg, "zh", "不要|不得|切勿|禁止|别|別|不能|不可"},
	{sNegPost, "ja", "しないで|ないで|してはいけない|するな"},
	{sNegPost, "ko", "하지 마|하지 말|지 마"},
	{sNeg, "ar", "لا$|لن$|ممنوع"},
	{sNeg, "hi", "मत$|नहीं|न करें"},

	// Descriptive frames: text about attacks rather than an attack.
	{sFrame, "en", "example|examples|e.g.|for instance|such as|phrases like|phrase like|prompts like|strings like|text like|inputs like|patterns like|the phrase|the string|the quote|the sentence|quoted|quotes$|quote$|quoting|cited|citing|literal string|verbatim example|attack phrase|attack pattern|attack sample|attack string|attack example|malicious page|malicious prompt|malicious input|attacker wrote|attacker's|attackers$|threat pattern|threat model|prompt injection|prompt-injection|injection attack|injection attempt|injection example|jailbreak attempt|jailbreak prompt|jailbreak corpora|red team|red-team|redteam|security note|security awareness|security training|training material|training data|training module|trainer note|awareness module|workshop|slide$|quiz|lesson|learners|students|analysts|postmortem|post-mortem|incident report|incident review|research|researchers|paper$|benchmark|studies|article|blog|writeup|write-up|whitepaper|changelog|release notes|documentation|docs$|readme|guidance|owasp|ncsc|nist|mitre|cve$|detector|detection|classifier|guardrail blocked|was blocked|were blocked|flagged|should flag|should be flagged|false positive|false positives|regression test|unit test|test case|test fixture|fixture|test data|sample transcript|transcript|snapshot|assert|expect(|allowlist|denylist|rule docs|rule documentation|pattern to refuse|recognize attacks|recognise attacks|classify it|is unsafe|is risky|are risky|untrusted|as an attack|attack sample|not as an instruction|not an instruction|without instructing|should not obey|refused|defenses|defences|defense|defence|mitigation|attackers|adversarial|evaluates|measures whether|discussion of|discusses|describes|explains|illustrates|demonstrates|historical context|evidence appendix|appendix|for analysts|to recognize|to recognise|to detect|detecting|how to defend|how to detect|defending against|awareness|special token|special tokens|tokenizer|chatml|chat template|prompt format|template format|exfiltration|payload|payloads|regression|such images|such prompts|such messages|such text|these phrases|this phrase|attempts|attempt to|was stopped|stopped it|reported it|phishing|awareness quiz|classified as|classify|is classified|mustflag|mustnotflag|expects the string|fixtures|samples"},
	{sFrame, "es", "ejemplo|ejemplos|por ejemplo|frases como|la frase|cita|citado|ataque|inyeccion de prompt|documentacion|investigacion|articulo|formacion|seguridad|detector|prueba unitaria"},
	{sFrame, "fr", "exemple|exemples|par exemple|phrases comme|la phrase|citation|cite$|attaque|injection de prompt|documentation|recherche|article|formation|sensibilisation|detecteur|test unitaire"},
	{sFrame, "de", "beispiel|beispiele|zum beispiel|z.b.|phrasen wie|der satz|zitat|zitiert|angriff|prompt injection|dokumentation|forschung|artikel|schulung|detektor|unit test"},
	{sFrame, "pt", "exemplo|exemplos|por exemplo|frases como|a frase|citacao|citado|ataque|injecao de prompt|documentacao|pesquisa|artigo|treinamento|detector|teste unitario"},
	{sFrame, "it", "esempio|esempi|ad esempio|per esempio|frasi come|la frase|citazione|citato|attacco|prompt injection|documentazione|ricerca|articolo|formazione|rilevatore|test unitario"},
	{sFrame, "nl", "voorbeeld|voorbeelden|bijvoorbeeld|zinnen zoals|de zin|citaat|aanval|documentatie|onderzoek|artikel|training"},
	{sFrame, "tr", "ornek|ornegin|gibi ifadeler|alinti|saldiri|belgeler|arastirma|makale|egitim"},
	{sFrame, "pl", "przyklad|przyklady|na przyklad|zwroty takie jak|cytat|atak|dokumentacja|badanie|artykul|szkolenie"},
	{sFrame, "vi", "vi du|chang han|cum tu|trich dan|tan cong|tai lieu|nghien cuu|bai viet|dao tao"},
	{sFrame, "id", "contoh|misalnya|frasa seperti|kutipan|serangan|dokumentasi|penelitian|artikel|pelatihan"},
	{sFrame, "uk", "приклад|наприклад|фрази як|цитат|атак|документац|дослідженн|статт|навчанн"},
	{sFrame, "ru", "пример|например|фразы вроде|фразы типа|цитат|атак|документаци|исследовани|статья|статье|обучени|детектор"},
	{sFrame, "zh", "例如|比如|示例|例子|范例|範例|引用|攻击|攻擊|提示注入|提示詞注入|文档|文檔|研究|文章|培训|培訓|检测器|檢測器"},
	{sFrame, "ja", "例えば|たとえば|例文|引用|攻撃|プロンプトインジェクション|ドキュメント|研究|記事|トレーニング|研修|検出器"},
	{sFrame, "ko", "예를 들어|예시|인용|공격|프롬프트 인젝션|문서|연구|기사|교육|탐지기"},
	{sFrame, "ar", "مثال|أمثلة|على سبيل المثال|اقتباس|هجوم|حقن الأوامر|التوثيق|بحث|مقال|تدريب"},
	{sFrame, "hi", "उदाहरण|जैसे कि|उद्धरण|हमला|प्रॉम्प्ट इंजेक्शन|दस्तावेज़|शोध|लेख|प्रशिक्षण"},

	// Structure: chat-template tokens and fake tool output. Written raw;
	// they are normalised like everything else.
	{tTemplate, "en", "<|im_start|>‖<|im_end|>‖<|system|>‖<|user|>‖<|assistant|>‖<|endoftext|>‖<|eot_id|>‖<|start_header_id|>‖<|end_header_id|>‖<|begin_of_text|>‖<|prompter|>‖<|end|>‖[inst]‖[/inst]‖<<sys>>‖<</sys>>‖<s>[inst]‖### instruction‖### system‖### response‖### input‖### human‖### assistant‖<start_of_turn>‖<end_of_turn>‖[system]‖[system message]‖[system note]‖[system prompt]‖[[system]]‖<system>‖</system>‖<system_prompt>‖{{system}}‖system override‖begin system prompt‖end system prompt‖end of system prompt‖begin new instructions‖new system message‖=== system‖--- system‖system instruction:‖<|channel|>‖<|message|>‖<|tool|>‖<|tool_call|>"},
	{tRole, "en", "system:|system :|assistant:|assistant :|user:|human:|developer:|admin:|administrator:|ai:|model:|bot:|tool:|function:|systeme:|sistema:|système:|system prompt:|system message:|system note:|system update:|system override:|систем:|система:|системa:|系统:|系統:|システム:|시스템:|النظام:|सिस्टम:|asistente:|assistente:|assistent:|ассистент:|助手:|アシスタント:"},
	{tToolOutput, "en", "[tool output]‖[tool result]‖[tool response]‖tool output:‖tool result:‖tool response:‖function output:‖function result:‖function response:‖observation:‖<tool_result>‖</tool_result>‖<function_results>‖</function_results>‖<tool_response>‖<function_call>‖\"function_call\"\"tool_calls\"\"tool_call\"\"tool_use\"\"arguments\":‖\"parameters\":‖[function call]‖[result]‖api response:‖<search_results>‖</search_results>"},
}
