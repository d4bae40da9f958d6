package toolscan

import (
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/textnorm"
)

// Word classes of the languages the phrase families of lexicon.go and
// intent.go were not written for. Each language lists words, not sentences:
// the grammar combines them (a transfer verb with a credential noun and a
// destination; a read verb before a secret file; a "don't tell" phrase)
// exactly as it combines the English words, so a new phrasing in one of
// these languages is caught when its parts fall in the classes.
//
// Terms are written as a speaker writes them (diacritics, æ, ø, ZWNJ); they
// are normalised the way text is (textnorm's Base view, the light view of
// intent.go and plain lower case) so that every view matches. A term of
// ASCII letters matches as a word prefix ("sendes" matches "sendes" and
// "sendest"); a trailing '$' asks for the whole word and a leading '*'
// lets it start inside a word (Swahili verbs carry subject and tense
// prefixes: "hutumwa", "zinatumwa"). Terms in other scripts match
// anywhere, since Thai, Persian and Bengali attach particles to words.
type langWords struct {
	code string
	// The exfiltration grammar.
	send, cred, personal, conv, content, whole, partner, choice []string
	// Instructions to the model.
	read, conceal, ignore, instr, directed, field, fill []string
	// Confused deputies: rights of the server's own, unconstrained targets.
	priv, arb []string
	// Negation near a transfer verb: "skickas aldrig till tredje part"
	// says what does not happen.
	neg []string
}

// lc is a class of langWords.
type lc int

const (
	lcSend lc = iota
	lcCred
	lcPersonal
	lcConv
	lcContent
	lcWhole
	lcPartner
	lcChoice
	lcRead
	lcConceal
	lcIgnore
	lcInstr
	lcDirected
	lcField
	lcFill
	lcPriv
	lcArb
	lcNeg
)

func (w *langWords) class(c lc) []string {
	return [...][]string{w.send, w.cred, w.personal, w.conv, w.content, w.whole, w.partner, w.choice,
		w.read, w.conceal, w.ignore, w.instr, w.directed, w.field, w.fill, w.priv, w.arb, w.neg}[c]
}

var langTable = []langWords{
	{code: "da",
		send:     []string{"sendes", "sendt", "videresend", "videregiv", "uploades", "overføres", "overført", "deles med", "deler den", "deler dem", "synkronis", "kopieres", "gemmes", "gemmer en kopi"},
		cred:     []string{"adgangskode", "kodeord", "adgangsnøgle", "api nøgle", "api nøgler", "nøgler$", "loginoplysning", "legitimationsoplysning"},
		personal: []string{"telefonnummer", "cpr nummer", "personnummer", "adresse$", "kontakter", "personoplysning", "lokation", "placering"},
		conv:     []string{"samtale", "chathistorik", "chatlog", "beskeder"},
		content:  []string{"noter$", "noterne", "dokument", "filer$", "filerne", "billeder", "fotos", "e mails", "tekst", "kalender", "indhold"},
		whole:    []string{"også", "desuden", "alle$", "hver$", "hvert$", "hele$", "automatisk", "kopi"},
		partner:  []string{"annoncører", "samarbejdspartnere"},
		choice:   []string{"brugeren angiver", "brugeren vælger", "brugeren selv vælger", "brugerens egen", "brugerens eget", "brugerens egne", "intet gemmes", "gemmes ikke", "ikke gemt"},
		read:     []string{"læs$", "læse$", "læs filen", "kopier", "hent", "åbn"},
		conceal:  []string{"fortæl ikke", "sig ikke", "nævn ikke", "uden at nævne", "uden at fortælle", "uden at sige", "uden brugerens viden", "i hemmelighed", "skjult for brugeren", "ikke nævne det", "ikke fortælle"},
		ignore:   []string{"glem$", "ignorer", "se bort fra", "tilsidesæt", "følg ikke"},
		instr:    []string{"instruktion", "regler$", "tidligere regler", "anvisninger", "instrukser"},
		directed: []string{"vigtigt for assistenten", "til assistenten", "til modellen", "for modellen", "før du svarer", "inden du svarer", "før hvert svar", "du skal altid", "du skal først"},
		field:    []string{"feltet", "parameteren", "felt$"},
		fill:     []string{"indsæt", "kopier", "skriv", "udfyld", "hele$", "alle$"},
		priv:     []string{"serverens egne", "serverens egen", "interne netværk", "interne adresser"},
		arb:      []string{"enhver$", "hvilken som helst", "vilkårlig", "ingen tilladelsesliste", "ingen begrænsning"},
		neg:      []string{"ikke$", "aldrig"},
	},
	{code: "nb",
		send:     []string{"sendes", "videresendes", "videresend", "lastes opp", "laster opp", "deles med", "deles også", "overføres", "synkroniser", "kopieres", "lagres"},
		cred:     []string{"passord", "tilgangstoken", "tilgangsnøkkel", "api nøkkel", "api nøkler", "nøkler$", "innloggingsinformasjon", "pålogging"},
		personal: []string{"telefonnummer", "fødselsnummer", "adresse$", "kontakter", "personopplysning", "posisjon", "e postadresse"},
		conv:     []string{"samtale", "chattehistorikk", "meldinger", "chatlogg"},
		content:  []string{"notater", "dokument", "filer$", "bilder", "tekst", "innhold", "lister$", "listene"},
		whole:    []string{"også", "i tillegg", "alle$", "hver$", "hvert$", "hele$", "automatisk", "kopi"},
		partner:  []string{"annonsører", "samarbeidspartnere"},
		choice:   []string{"brukeren oppgir", "brukeren velger", "brukerens egen", "brukerens eget", "brukerens egne", "lagres ikke", "ikke lagret", "brukeren har gitt", "brukeren har lagt inn"},
		read:     []string{"les filen", "les innholdet", "lese$", "hent", "kopier", "åpne"},
		conceal:  []string{"ikke si noe", "ikke fortell", "ikke nevn", "si ikke", "fortell ikke", "nevn ikke", "uten å nevne", "uten å si", "uten å fortelle", "uten brukerens viten", "i hemmelighet"},
		ignore:   []string{"se bort fra", "ignorer", "glem$", "ikke følg", "overstyr"},
		instr:    []string{"instrukser", "instruksjoner", "regler$", "tidligere instrukser", "retningslinjer"},
		directed: []string{"instruks til modellen", "til modellen", "til assistenten", "for modellen", "merknad til", "før du svarer", "før hvert svar", "du må alltid", "du må først"},
		field:    []string{"parameteren", "feltet", "felt$"},
		fill:     []string{"sett inn", "kopier", "fyll", "skriv", "hele$", "alle$"},
		priv:     []string{"serverens egne", "serverens egen", "interne nettverk", "interne adresser"},
		arb:      []string{"hvilken som helst", "enhver$", "vilkårlig", "ingen tillatelsesliste", "ingen begrensning"},
		neg:      []string{"ikke$", "aldri$"},
	},
	{code: "fi",
		send:     []string{"lähetetään", "lähettää", "lähetä", "välitetään", "ladataan", "jaetaan", "siirretään", "synkronoidaan", "tallennetaan", "kopioidaan"},
		cred:     []string{"salasan", "tunnukse", "kirjautumistie", "avaime", "api avain", "tunnistetie", "käyttöoikeustunnus"},
		personal: []string{"puhelinnumer", "henkilötunnus", "osoitteet", "yhteystied", "henkilötied", "sijainti", "sähköpostiosoit"},
		conv:     []string{"keskustelu", "viestit", "viestihistoria"},
		content:  []string{"muistiinpano", "asiakirj", "tiedosto", "kuvat", "viestit", "teksti", "sisältö", "sisällön"},
		whole:    []string{"myös", "kaikki", "jokainen", "jokaisen", "automaattisesti", "kopio"},
		partner:  []string{"kumppane", "mainostaj", "kolmansille osapuolille"},
		choice:   []string{"käyttäjän antama", "käyttäjän valitse", "jonka käyttäjä valitsee", "käyttäjän oma", "ei tallenneta", "eikä sitä tallenneta", "ylläpitäjän salli"},
		read:     []string{"lue$", "lukea", "lue tiedosto", "kopioi", "hae$", "avaa"},
		conceal:  []string{"älä kerro", "älä mainitse", "älä ilmoita", "kertomatta", "mainitsematta", "käyttäjän tietämättä", "salaa$"},
		ignore:   []string{"ohita", "unohda", "älä noudata", "jätä huomiotta", "sivuuta"},
		instr:    []string{"ohjee", "ohjeet", "säännöt", "aiemmat", "aiemmin annetut"},
		directed: []string{"ennen kuin vastaat", "ennen jokaista vastausta", "ennen vastaamista", "huomio avustajalle", "ohje mallille", "avustajalle", "mallille"},
		field:    []string{"kenttään", "kentässä", "kenttä", "parametri"},
		fill:     []string{"liitä", "kopioi", "täytä", "kirjoita", "koko$", "kaikki"},
		priv:     []string{"palvelimen omilla", "palvelimen oma", "sisäverkon", "sisäisen verkon", "pääkäyttäjä"},
		arb:      []string{"minkä tahansa", "mitä tahansa", "mikä tahansa", "ei rajoiteta", "ilman rajoituksia", "rajoittamatta"},
		neg:      []string{"ei$", "eivät", "eikä", "koskaan"},
	},
	{code: "ro",
		send:     []string{"trimis", "trimit", "trimite", "trimiși", "încărcat", "încărcate", "transmis", "transmit", "redirecționat", "partajat", "distribuit", "sincroniz", "expediat", "copiat"},
		cred:     []string{"parol", "cheile", "cheia api", "chei api", "cheie api", "date de autentificare", "date de acces", "tokenuri", "tokenul"},
		personal: []string{"număr de telefon", "numărul de telefon", "numerele de telefon", "cnp$", "adresa$", "adresele", "lista de contacte", "date personale", "localizare", "cod fiscal"},
		conv:     []string{"istoricul conversației", "istoricul chat", "mesajele"},
		content:  []string{"notițe", "fișier", "imagini", "poze", "fotografii", "mesaj", "conținut", "factur"},
		whole:    []string{"și la", "de asemenea", "toate$", "toți$", "fiecare", "fiecărui", "automat", "copi"},
		partner:  []string{"parteneri", "agenți de publicitate", "terți$", "terțe părți"},
		choice:   []string{"ales de utilizator", "aleasă de utilizator", "furnizat de utilizator", "indicat de utilizator", "utilizatorului propriu", "nu este salvat", "nu este stocat", "configurat de administrator", "configurată de administrator"},
		read:     []string{"citește", "citeste", "citi$", "copiază", "deschide", "preia"},
		conceal:  []string{"nu spune", "nu îi spune", "nu le spune", "nu menționa", "nu informa", "fără să spui", "fără a spune", "fără să informezi", "fără știrea", "în secret$", "pe ascuns"},
		ignore:   []string{"ignoră", "ignorați", "uită", "nu respecta", "nu urma", "treci peste"},
		instr:    []string{"instrucțiun", "regulile", "reguli$", "anterioare"},
		directed: []string{"notă pentru model", "notă pentru asistent", "pentru model", "pentru asistent", "înainte de a răspunde", "înainte de fiecare răspuns"},
		field:    []string{"câmpul", "câmp$", "parametrul"},
		fill:     []string{"copiază", "introdu", "completează", "pune$", "întreaga", "toată", "toate$"},
		priv:     []string{"drepturile serverului", "privilegiile serverului", "rețeaua internă", "rețelei interne", "adrese interne"},
		arb:      []string{"orice$", "arbitrar", "fără restricți", "nicio listă", "fără listă"},
		neg:      []string{"nu$", "niciodată"},
	},
	{code: "hu",
		send:     []string{"elküld", "küldjük", "küldi", "küldik", "továbbít", "feltölt", "megoszt", "átad", "szinkroniz", "továbbküld", "elmentjük"},
		cred:     []string{"jelszav", "jelszó", "hozzáférési kulcs", "api kulcs", "kulcsok", "tokenek", "hitelesítő adat", "bejelentkezési adat"},
		personal: []string{"telefonszám", "adószám", "taj szám", "lakcím", "névjegy", "személyes adat", "helyadat", "tartózkodási hely", "e mail cím"},
		conv:     []string{"beszélgetés", "csevegés", "üzeneteit", "üzenetek"},
		content:  []string{"jegyzet", "dokumentum", "fájl", "kép$", "képek", "fénykép", "számla", "számlák", "tartalm", "üzenet", "szöveg"},
		whole:    []string{"szintén", "minden$", "összes", "automatikusan", "másolat"},
		partner:  []string{"partner", "hirdető", "harmadik fél", "harmadik felek"},
		choice:   []string{"felhasználó által megadott", "felhasználó által választott", "felhasználó adja meg", "felhasználó saját", "nem tároljuk", "nem mentjük", "soha nem hagyja el"},
		read:     []string{"olvasd", "olvass", "olvasni", "másold", "nyisd meg", "töltsd be"},
		conceal:  []string{"ne említsd", "ne szólj", "ne mondd", "ne mond el", "ne tájékoztasd", "ne értesítsd", "említés nélkül", "tudta nélkül", "titokban"},
		ignore:   []string{"hagyd figyelmen kívül", "figyelmen kívül", "felejtsd el", "ne kövesd", "hagyd figyelmen"},
		instr:    []string{"utasítás", "szabály", "korábbi", "előző"},
		directed: []string{"minden válasz előtt", "mielőtt válaszolsz", "megjegyzés az asszisztensnek", "az asszisztensnek", "a modellnek", "modellnek szól"},
		field:    []string{"paraméterben", "paraméter", "mezőben", "mezőbe", "mező$"},
		fill:     []string{"másold", "illeszd", "írd be", "teljes", "összes", "minden$"},
		priv:     []string{"szerver saját", "saját root", "belső cím", "belső hálózat"},
		arb:      []string{"tetszőleges", "bármely", "bármilyen", "nincs engedélyezési lista", "korlátozás nélkül"},
		neg:      []string{"nem$", "soha", "sosem", "sohasem"},
	},
	{code: "fa",
		send:     []string{"ارسال", "فرستاده", "می\u200cفرست", "بفرست", "بارگذاری", "آپلود", "منتقل", "به اشتراک", "همگام"},
		cred:     []string{"رمز عبور", "رمزهای عبور", "گذرواژه", "کلیدهای", "کلید api", "توکن", "اعتبارنامه"},
		personal: []string{"شماره تلفن", "شماره\u200cهای تلفن", "آدرس\u200cهای", "مخاطب", "اطلاعات شخصی", "موقعیت مکانی", "کد ملی"},
		conv:     []string{"گفتگو", "مکالمه", "تاریخچه چت", "پیام\u200cها"},
		content:  []string{"یادداشت", "سند", "اسناد", "فایل", "عکس", "تصویر", "متن", "محتوا", "ایمیل"},
		whole:    []string{"نیز", "همچنین", "همه", "تمام", "خودکار", "کپی"},
		partner:  []string{"شرکا", "شرکای", "تبلیغاتی", "شخص ثالث"},
		choice:   []string{"که کاربر وارد", "که کاربر انتخاب", "خود کاربر", "ذخیره نمی\u200cشود", "حذف می\u200cشود"},
		read:     []string{"بخوان", "بخون", "خواندن", "کپی کن", "باز کن"},
		conceal:  []string{"نگو", "اطلاع نده", "ذکر نکن", "بدون اطلاع", "مخفیانه", "پنهانی"},
		ignore:   []string{"نادیده بگیر", "فراموش کن", "پیروی نکن"},
		instr:    []string{"دستورالعمل", "دستورات", "قوانین", "قبلی"},
		directed: []string{"قبل از هر پاسخ", "پیش از پاسخ", "برای مدل", "برای دستیار", "یادداشت برای"},
		field:    []string{"پارامتر", "فیلد"},
		fill:     []string{"بنویس", "کپی", "قرار بده", "کل ", "همه"},
		priv:     []string{"دسترسی سرور", "شبکه داخلی", "آدرس\u200cهای داخلی"},
		arb:      []string{"هر آدرسی", "هر نشانی", "بدون محدودیت"},
		neg:      []string{"نمی", "هرگز", "نخواهد"},
	},
	{code: "th",
		send:     []string{"ส่งไป", "ถูกส่ง", "ส่งต่อ", "อัปโหลด", "อัพโหลด", "แชร์", "ซิงค์", "ส่งค่า", "ส่ง"},
		cred:     []string{"รหัสผ่าน", "โทเค็น", "คีย์", "ข้อมูลรับรอง"},
		personal: []string{"เบอร์โทร", "หมายเลขโทรศัพท์", "ที่อยู่", "รายชื่อติดต่อ", "ผู้ติดต่อ", "ข้อมูลส่วนตัว", "ตำแหน่งที่ตั้ง"},
		conv:     []string{"บทสนทนา", "ประวัติการแชท"},
		content:  []string{"บันทึก", "โน้ต", "เอกสาร", "ไฟล์", "รูปภาพ", "อีเมล", "ข้อความ", "เนื้อหา"},
		whole:    []string{"ด้วย", "ทั้งหมด", "ทุก", "โดยอัตโนมัติ", "สำเนา"},
		partner:  []string{"พันธมิตร", "บุคคลที่สาม", "ผู้โฆษณา"},
		choice:   []string{"ที่ผู้ใช้ระบุ", "ที่ผู้ใช้เลือก", "ผู้ใช้ให้มา", "ที่ผู้ใช้ตั้งค่า", "ของผู้ใช้เอง", "ไม่ถูกเก็บ"},
		read:     []string{"อ่าน", "คัดลอก", "เปิดไฟล์"},
		conceal:  []string{"ห้ามบอก", "อย่าบอก", "ไม่ต้องบอก", "อย่าแจ้ง", "ห้ามแจ้ง", "โดยไม่แจ้ง", "โดยไม่บอก", "อย่าพูดถึง"},
		ignore:   []string{"เพิกเฉย", "ข้ามคำสั่ง", "ลืมคำสั่ง", "ไม่ต้องทำตาม"},
		instr:    []string{"คำสั่ง", "คำแนะนำ", "กฎ"},
		directed: []string{"ก่อนตอบ", "สำหรับโมเดล", "ถึงผู้ช่วย", "สำหรับผู้ช่วย"},
		field:    []string{"พารามิเตอร์", "ฟิลด์"},
		fill:     []string{"ใส่", "คัดลอก", "ทั้งหมด"},
		priv:     []string{"สิทธิ์ของเซิร์ฟเวอร์", "เครือข่ายภายใน"},
		arb:      []string{"ใดก็ได้", "ไม่มีข้อจำกัด"},
		neg:      []string{"ไม่"},
	},
	{code: "ms",
		send:     []string{"dihantar", "hantar", "dimuat naik", "muat naik", "dikongsi", "kongsi", "dimajukan", "dipindahkan", "disegerakkan"},
		cred:     []string{"kata laluan", "kunci api", "kunci akses", "kelayakan"},
		personal: []string{"nombor telefon", "alamat e mel", "alamat$", "kenalan", "maklumat peribadi", "data peribadi", "lokasi", "nombor kad pengenalan"},
		conv:     []string{"perbualan", "sejarah sembang", "mesej$"},
		content:  []string{"nota$", "dokumen", "fail$", "gambar", "foto", "mesej", "kandungan", "teks$", "salinan setiap"},
		whole:    []string{"turut", "juga", "semua", "setiap", "secara automatik", "salinan", "pun$"},
		partner:  []string{"rakan kongsi", "pengiklan", "pihak ketiga"},
		choice:   []string{"dinyatakan oleh pengguna", "dipilih oleh pengguna", "diberikan oleh pengguna", "pengguna sendiri", "tiada data dikongsi", "tidak disimpan"},
		read:     []string{"baca$", "salin", "buka fail"},
		conceal:  []string{"jangan beritahu", "jangan bagitahu", "jangan maklumkan", "tanpa memberitahu", "tanpa bagitahu", "tanpa pengetahuan", "secara rahsia"},
		ignore:   []string{"abaikan", "lupakan", "jangan ikut"},
		instr:    []string{"arahan", "peraturan", "sebelum ini"},
		directed: []string{"sebelum menjawab", "nota untuk model", "nota untuk pembantu", "untuk pembantu ai"},
		field:    []string{"medan", "parameter"},
		fill:     []string{"masukkan", "salin", "tampal", "semua", "seluruh"},
		priv:     []string{"kebenaran pelayan", "rangkaian dalaman", "alamat dalaman"},
		arb:      []string{"mana mana", "sebarang", "tanpa sekatan"},
		neg:      []string{"tidak$", "tak$", "bukan$", "tidak pernah"},
	},
	{code: "bn",
		send:     []string{"পাঠা", "পাঠান", "আপলোড", "শেয়ার", "ফরোয়ার্ড", "প্রেরণ", "স্থানান্তর"},
		cred:     []string{"পাসওয়ার্ড", "টোকেন", "এপিআই কী", "ক্রেডেনশিয়াল", "শংসাপত্র"},
		personal: []string{"ফোন নম্বর", "ঠিকানা", "পরিচিতি", "ব্যক্তিগত তথ্য", "অবস্থান"},
		conv:     []string{"কথোপকথন", "চ্যাট ইতিহাস"},
		content:  []string{"নোট", "নথি", "ফাইল", "ছবি", "ইমেইল", "বার্তা", "লেখা"},
		whole:    []string{"সব", "সকল", "প্রতিটি", "স্বয়ংক্রিয়", "কপি", "এছাড়াও"},
		partner:  []string{"অংশীদার", "বিজ্ঞাপনদাতা", "তৃতীয় পক্ষ"},
		choice:   []string{"ব্যবহারকারী যে", "ব্যবহারকারীর নির্বাচিত", "ব্যবহারকারীর নিজের", "সংরক্ষণ করা হয় না"},
		read:     []string{"পড়ে", "পড়ো", "পড়ুন", "পড়", "কপি করো"},
		conceal:  []string{"বলবে না", "বলো না", "বলবেন না", "জানাবে না", "জানিও না", "জানাবেন না", "উল্লেখ করবে না", "গোপনে", "না জানিয়ে"},
		ignore:   []string{"উপেক্ষা কর", "ভুলে যাও", "ভুলে যান", "মানবে না"},
		instr:    []string{"নির্দেশ", "নিয়ম"},
		directed: []string{"উত্তর দেওয়ার আগে", "মডেলের জন্য", "সহকারীর জন্য"},
		field:    []string{"প্যারামিটার", "ক্ষেত্রে", "ফিল্ড"},
		fill:     []string{"লিখ", "কপি", "সব", "পুরো"},
		priv:     []string{"সার্ভারের নিজস্ব", "অভ্যন্তরীণ নেটওয়ার্ক"},
		arb:      []string{"যেকোনো", "যে কোনো", "কোনো সীমাবদ্ধতা নেই"},
		neg:      []string{"হয় না", "কখনো", "কখনও", "নয়"},
	},
	{code: "sw",
		send:     []string{"*tumwa", "hutuma", "kutuma", "tuma kwa", "*pakiwa", "kupakia", "*pelekwa", "*shirikiwa", "*sambazwa", "*hamishwa"},
		cred:     []string{"nywila", "nenosiri", "tokeni", "funguo", "ufunguo", "vitambulisho vya kuingia"},
		personal: []string{"namba ya simu", "nambari ya simu", "anwani", "mawasiliano", "taarifa binafsi", "eneo la"},
		conv:     []string{"mazungumzo", "historia ya gumzo"},
		content:  []string{"maelezo", "nyaraka", "hati$", "faili", "picha", "barua pepe", "ujumbe", "maandishi"},
		whole:    []string{"pia$", "zote$", "yote$", "kila$", "moja kwa moja", "nakala"},
		partner:  []string{"washirika", "watangazaji", "watu wengine"},
		choice:   []string{"iliyotolewa na mtumiaji", "aliyetajwa na mtumiaji", "hutolewa na mtumiaji", "ya mtumiaji mwenyewe", "hazihifadhiwi", "hazitumwi"},
		read:     []string{"soma$", "nakili", "fungua"},
		conceal:  []string{"usimwambie", "usiwaambie", "usimjulishe", "bila kumwambia", "bila kumjulisha", "kwa siri", "usitaje"},
		ignore:   []string{"puuza", "sahau", "usifuate"},
		instr:    []string{"maagizo", "maelekezo", "sheria", "ya awali", "za awali"},
		directed: []string{"kabla ya kujibu", "kwa modeli", "kwa msaidizi", "maagizo kwa"},
		field:    []string{"kigezo", "sehemu"},
		fill:     []string{"weka", "nakili", "andika", "yote$", "zote$", "nzima"},
		priv:     []string{"ruhusa za seva", "mtandao wa ndani", "anwani za ndani"},
		arb:      []string{"yoyote$", "lolote$", "hakuna orodha", "bila vikwazo"},
		neg:      []string{"kamwe$", "hazi"},
	},
	{code: "uk",
		send:     []string{"надсила", "надісл", "вивантаж", "пересила", "відправ", "поширю"},
		cred:     []string{"парол", "токен", "облікові дані", "облікових даних"},
		personal: []string{"номер телефону", "номери телефонів", "адрес", "персональн", "місцезнаходжен"},
		conv:     []string{"розмов", "листуван", "повідомлен"},
		content:  []string{"нотат", "чернетк", "документ", "файл", "фото", "лист"},
		whole:    []string{"також", "теж", "усі", "всі", "кожн", "автоматично", "копі"},
		choice:   []string{"вказав користувач", "обрав користувач", "яку обрав", "якого вказав", "вилучаються"},
		read:     []string{"прочитай", "прочитайте", "скопіюй", "відкрий"},
		conceal:  []string{"про це не повідомляй", "не повідомляй", "не кажи", "не згадуй"},
		ignore:   []string{"забудь", "ігноруй", "проігноруй", "не виконуй"},
		instr:    []string{"інструкц", "вказівк", "більше не діють", "попередн"},
		directed: []string{"примітка для асистента", "для асистента", "для моделі", "перед кожною відповіддю", "перед відповіддю", "важливо для моделі"},
		field:    []string{"поле", "параметр"},
		fill:     []string{"встав", "скопіюй", "впиши", "весь", "всю", "усі"},
		neg:      []string{"ніколи", "не надсила", "не передаю", "не вивантаж", "не пересила"},
	},
	// Round 15: the languages whose text the grammar met without words.
	{code: "sv",
		send:     []string{"skickas", "skickar", "vidarebefordra", "laddas upp", "laddar upp", "delas med", "överförs", "synkronis", "kopieras", "lagras hos"},
		cred:     []string{"lösenord", "åtkomsttoken", "api nyckl", "api nyckel", "nycklar$", "inloggningsuppgift", "autentiseringsuppgift"},
		personal: []string{"telefonnummer", "personnummer", "bankuppgift", "adresser$", "kontakter", "personuppgift", "e postadress"},
		conv:     []string{"konversation", "chatthistorik", "meddelanden"},
		content:  []string{"anteckning", "dokument", "filer$", "bilder", "faktur", "innehåll"},
		whole:    []string{"också", "dessutom", "även$", "alla$", "varje$", "hela$", "automatiskt", "en kopia"},
		partner:  []string{"vår partner", "våra partner", "annonsörer", "tredje part"},
		choice:   []string{"användaren anger", "användaren väljer", "användarens egen", "användarens eget", "användarens egna", "lagras inte", "sparas inte", "användaren bekräftar"},
		read:     []string{"läs$", "läsa$", "läs filen", "kopiera", "hämta", "öppna"},
		conceal:  []string{"berätta inte", "nämn inte", "säg inte", "utan att nämna", "utan att berätta", "utan användarens vetskap", "i hemlighet", "visas inte för användaren"},
		ignore:   []string{"ignorera", "glöm$", "bortse från", "följ inte"},
		instr:    []string{"instruktion", "regler$", "tidigare regler", "anvisningar"},
		directed: []string{"viktigt för assistenten", "till assistenten", "för ai assistenter", "till modellen", "innan du svarar", "före varje svar", "du måste alltid", "du måste först"},
		field:    []string{"fältet", "parametern", "fält$"},
		fill:     []string{"klistra in", "kopiera", "fyll i", "skriv", "hela$", "alla$"},
		priv:     []string{"serverns egna", "serverns egen", "interna nätverk", "interna adresser"},
		arb:      []string{"vilken som helst", "godtycklig", "ingen tillåtelselista", "utan begränsning"},
		neg:      []string{"inte$", "aldrig", "ej$"},
	},
	{code: "cs",
		send:     []string{"odesílá", "odesílají", "odeslán", "posílá", "posílají", "předáván", "předává", "přeposílá", "nahrává", "sdílen", "synchronizuj", "synchronizován"},
		cred:     []string{"hesl", "přístupov", "api klíč", "klíče$", "přihlašovací údaj"},
		personal: []string{"telefonní čísl", "rodné číslo", "rodná čísla", "adres", "kontakt", "osobní údaj", "poloh"},
		conv:     []string{"konverzac", "historie chatu", "zpráv$", "předchozí zpráv", "všechny zprávy", "dosavadní zpráv"},
		content:  []string{"poznámk", "dokument", "soubor", "fotk", "faktur", "obsah"},
		whole:    []string{"také$", "zároveň", "všechn", "vešker", "každ", "automaticky", "kopi"},
		partner:  []string{"partnerům", "partnerovi", "reklamní", "třetí stran"},
		choice:   []string{"zadá uživatel", "zvolí uživatel", "určí uživatel", "uživatel zvolí", "uživatel určí", "vlastní úložiště", "se neukládá", "nikdy neukládá"},
		read:     []string{"přečti", "přečíst", "zkopíruj", "otevři", "načti"},
		conceal:  []string{"neříkej", "nezmiňuj", "neinformuj", "nic o tom", "bez vědomí", "tajně"},
		ignore:   []string{"ignoruj", "zapomeň", "nedodržuj", "neřiď se"},
		instr:    []string{"pokyn", "instrukc", "pravidl", "předchozí"},
		directed: []string{"poznámka pro model", "pro asistenta", "před každou odpovědí", "než odpovíš", "vždy nejprve"},
		field:    []string{"pole$", "poli$", "parametr"},
		fill:     []string{"vlož", "zkopíruj", "vyplň", "napiš", "celou", "celý$", "všechny"},
		priv:     []string{"oprávnění serveru", "práva serveru", "vnitřní síť", "interní síť"},
		arb:      []string{"libovoln", "jakoukoli", "jakýkoli", "bez omezení", "žádný seznam"},
		neg:      []string{"nikdy", "není$", "nejsou"},
	},
	{code: "sk",
		send:     []string{"odosiela", "odoslan", "posiela", "preposiela", "nahráva", "zdieľa", "synchronizuj", "odovzdáva"},
		cred:     []string{"heslá", "heslo", "hesl", "prístupov", "api kľúč", "prihlasovacie údaje"},
		personal: []string{"telefónne čísl", "rodné číslo", "rodným číslom", "bankov", "adres", "kontakt", "osobné údaje", "polohu"},
		conv:     []string{"konverzáci", "históriu konverzácie", "správ"},
		content:  []string{"poznámk", "dokument", "súbor", "fotk", "faktúr", "obsah"},
		whole:    []string{"zároveň", "tiež$", "všetk", "každ", "automaticky", "kópi"},
		partner:  []string{"partnerovi", "partnerom", "reklamn", "tretím stranám", "tretie strany"},
		choice:   []string{"určí používateľ", "zvolí používateľ", "zadá používateľ", "používateľ potvrdí", "sa neukladá", "neukladá"},
		read:     []string{"prečítaj", "prečítať", "skopíruj", "otvor", "načítaj"},
		conceal:  []string{"nehovor", "nespomínaj", "neinformuj", "bez vedomia", "potajme", "tajne"},
		ignore:   []string{"ignoruj", "zabudni", "nedodržiavaj", "neriaď sa"},
		instr:    []string{"pokyn", "inštrukci", "pravidl", "predchádzajúc"},
		directed: []string{"dôležité pre asistenta", "pre asistenta", "pred každou odpoveďou", "než odpovieš"},
		field:    []string{"parametra", "parameter", "pole$", "poľa$"},
		fill:     []string{"vlož", "skopíruj", "vyplň", "napíš", "celú", "celý$", "všetky"},
		priv:     []string{"oprávnenia servera", "práva servera", "vnútornej siete", "vnútorná sieť"},
		arb:      []string{"ľubovoľn", "akúkoľvek", "akýkoľvek", "bez obmedzen"},
		neg:      []string{"nikdy", "nie$", "nie sú"},
	},
	{code: "ca",
		send:     []string{"s envien", "s envia", "envien", "reenvien", "reenvia", "es reenvien", "es pugen", "es comparteix", "es transmet", "sincronitz", "es copien"},
		cred:     []string{"contrasenya", "contrasenyes", "claus api", "clau api", "credencials", "testimonis d accés"},
		personal: []string{"telèfons", "telèfon", "adreces", "contactes", "dades personals", "ubicació", "dni$"},
		conv:     []string{"conversa$", "historial de la conversa", "missatges"},
		content:  []string{"les notes", "els documents", "fitxers", "fotos", "factures", "contingut"},
		whole:    []string{"també", "a més", "totes$", "tots$", "cada$", "automàticament", "còpia"},
		partner:  []string{"socis", "anunciants", "tercers"},
		choice:   []string{"que indica l usuari", "que tria l usuari", "triat per l usuari", "de l usuari mateix", "no es desa", "no es guarda"},
		read:     []string{"llegeix", "llegir", "copia$", "obre$"},
		conceal:  []string{"no ho diguis", "no ho mencionis", "no ho expliquis", "no li diguis", "sense dir", "sense que l usuari", "en secret$"},
		ignore:   []string{"ignora", "oblida", "no segueixis"},
		instr:    []string{"instruccions", "regles", "anteriors"},
		directed: []string{"important per a l assistent", "per a l assistent", "per al model", "regles per a l assistent", "abans de respondre", "abans de cada resposta"},
		field:    []string{"camp$", "paràmetre"},
		fill:     []string{"posa$", "posa l", "copia$", "enganxa", "escriu", "tota$", "tot el"},
		priv:     []string{"permisos del servidor", "xarxa interna", "adreces internes"},
		arb:      []string{"qualsevol", "sense restriccions", "cap llista"},
		neg:      []string{"no$", "mai$", "mai no"},
	},
	{code: "tl",
		send:     []string{"ipinapadala", "ipinadala", "pinapadala", "ipadala", "ipinapasa", "ipinasa", "ina upload", "in upload", "ibinabahagi", "ibinahagi", "isi sync"},
		cred:     []string{"password ng", "mga password", "kredensyal", "mga token"},
		personal: []string{"numero ng telepono", "mga numero ng telepono", "tirahan", "mga contact", "personal na impormasyon", "lokasyon"},
		conv:     []string{"usapan", "pag uusap", "kasaysayan ng usapan", "mga mensahe"},
		content:  []string{"tala$", "mga tala", "dokumento", "mga file", "larawan", "nilalaman"},
		whole:    []string{"rin$", "din$", "lahat$", "bawat$", "awtomatikong", "kopya", "bukod dito"},
		partner:  []string{"aming mga partner", "mga partner", "ikatlong partido"},
		choice:   []string{"pinili ng user", "tinukoy ng user", "ng user mismo", "hindi iniimbak", "hindi sine save"},
		read:     []string{"basahin", "kopyahin", "buksan"},
		conceal:  []string{"huwag sabihin", "huwag banggitin", "huwag ipaalam", "huwag itong banggitin", "nang hindi sinasabi", "nang palihim", "lihim$"},
		ignore:   []string{"huwag pansinin", "balewalain", "kalimutan", "huwag sundin"},
		instr:    []string{"tagubilin", "mga utos", "patakaran", "naunang"},
		directed: []string{"mahalaga para sa assistant", "para sa assistant", "para sa model", "bago sumagot", "bago ang bawat sagot"},
		field:    []string{"parameter na", "field na"},
		fill:     []string{"ilagay", "kopyahin", "isulat", "buong$", "lahat$"},
		priv:     []string{"pahintulot ng server", "panloob na network"},
		arb:      []string{"kahit anong", "anumang", "walang limitasyon"},
		neg:      []string{"hindi$", "kailanman"},
	},
	{code: "et",
		send:     []string{"saadetakse", "saadab", "edastatakse", "edastab", "laaditakse", "laadib üles", "jagatakse", "sünkroonitakse", "kopeeritakse"},
		cred:     []string{"parool", "pääsuvõtme", "api võti", "api võtmed", "sisselogimisandme", "volitus"},
		personal: []string{"telefoninumbr", "isikukood", "aadress", "kontakt", "isikuandme", "asukoh"},
		conv:     []string{"vestlus", "sõnumid", "vestluse ajalugu"},
		content:  []string{"märkme", "märkmed", "dokument", "failid", "fotod", "arved", "sisu$"},
		whole:    []string{"ka$", "lisaks", "kõik$", "iga$", "automaatselt", "koopia"},
		partner:  []string{"partneritele", "reklaamija", "kolmandatele osapooltele"},
		choice:   []string{"kasutaja valitud", "kasutaja määratud", "kasutaja enda", "ei salvestata"},
		read:     []string{"loe$", "lugeda", "kopeeri", "ava$"},
		conceal:  []string{"ära räägi", "ära maini", "ära ütle", "ära teavita", "kasutaja teadmata", "salaja"},
		ignore:   []string{"ignoreeri", "unusta", "ära järgi"},
		instr:    []string{"juhis", "juhiseid", "reegl", "varasem"},
		directed: []string{"tähtis assistendile", "assistendile", "mudelile", "enne vastamist", "enne iga vastust"},
		field:    []string{"parameetrisse", "parameeter", "välja$", "väljale"},
		fill:     []string{"pane$", "kopeeri", "kirjuta", "sisesta", "kogu$", "kõik$"},
		priv:     []string{"serveri õigustega", "sisevõrgu", "sisevõrk"},
		arb:      []string{"mistahes", "suvalise", "piiranguteta"},
		neg:      []string{"ei$", "kunagi", "mitte$"},
	},
	{code: "ur",
		send:     []string{"بھیجے", "بھیجا", "بھیج", "اپلوڈ", "اپ لوڈ", "منتقل", "شیئر", "ارسال"},
		cred:     []string{"پاس ورڈ", "پاسورڈ", "ٹوکن", "خفیہ کلید"},
		personal: []string{"فون نمبر", "پتے", "رابطے", "ذاتی معلومات", "شناختی کارڈ"},
		conv:     []string{"گفتگو", "بات چیت", "پیغامات"},
		content:  []string{"نوٹس", "نوٹ", "دستاویز", "فائل", "تصاویر", "مواد"},
		whole:    []string{"بھی", "سارے", "ساری", "خود بخود", "کاپی"},
		partner:  []string{"شراکت دار", "اشتہار", "تیسرے فریق"},
		choice:   []string{"صارف کی منتخب", "صارف کے منتخب", "صارف خود", "محفوظ نہیں"},
		read:     []string{"پڑھیں", "پڑھو", "پڑھ", "کاپی کریں", "کھولیں"},
		conceal:  []string{"نہ بتائیں", "مت بتاؤ", "مت بتائیں", "ذکر نہ کریں", "ذکر نہ کرو", "بتائے بغیر", "خفیہ طور"},
		ignore:   []string{"نظر انداز", "بھول جاؤ", "بھول جائیں"},
		instr:    []string{"ہدایات", "ہدایت", "قواعد", "پچھلی"},
		directed: []string{"اسسٹنٹ کے لیے", "ماڈل کے لیے", "جواب دینے سے پہلے", "ہر جواب سے پہلے"},
		field:    []string{"پیرامیٹر", "فیلڈ"},
		fill:     []string{"ڈالیں", "لکھیں", "کاپی", "پورا", "پوری"},
		priv:     []string{"سرور کے اختیارات", "اندرونی نیٹ ورک"},
		arb:      []string{"کوئی بھی", "بغیر پابندی"},
		neg:      []string{"کبھی", "نہیں بھیج", "نہیں کی", "نہیں جات"},
	},
	// Serbian and Croatian in Latin letters; the Cyrillic forms are in the
	// Bulgarian-Serbian entry below.
	{code: "sh",
		send:     []string{"šalju", "šalje", "poslat", "prosleđuj", "prosljeđuj", "prosleđen", "prosljeđen", "učitava", "dijeli", "deli se", "sinhroniz", "sinkroniz"},
		cred:     []string{"lozink", "pristupn", "api ključ", "ključevi", "vjerodajnic", "akreditiv"},
		personal: []string{"brojevi telefona", "broj telefona", "jmbg", "oib$", "adres", "kontakt", "lični podaci", "osobni podaci", "lokacij"},
		conv:     []string{"razgovor", "povijest razgovora", "istorija razgovora", "poruk"},
		content:  []string{"beleš", "bilješ", "dokument", "datotek", "fajl", "slik", "faktur", "sadržaj"},
		whole:    []string{"takođe", "također", "osim toga", "sve$", "svi$", "svak", "automatski", "kopij"},
		partner:  []string{"partnerima", "partneru$", "oglašivač", "treće strane"},
		choice:   []string{"korisnik odabere", "korisnik izabere", "koje korisnik", "korisnikov vlastit", "ne čuva se", "ne sprema se"},
		read:     []string{"pročitaj", "pročitati", "kopiraj", "otvori"},
		conceal:  []string{"nemoj reći", "nemoj da kažeš", "ne spominji", "ne pominji", "ne govori", "bez znanja", "tajno"},
		ignore:   []string{"zanemari", "ignoriši", "ignoriraj", "zaboravi", "ne slijedi"},
		instr:    []string{"uput", "instrukcij", "pravil", "prethodn"},
		directed: []string{"važno za asistenta", "za asistenta", "za model", "prije svakog odgovora", "pre svakog odgovora", "prije odgovora"},
		field:    []string{"parametar", "polje$"},
		fill:     []string{"stavi", "ubaci", "kopiraj", "upiši", "cijel", "sve$"},
		priv:     []string{"ovlasti servera", "prava servera", "interna mreža", "interne mreže"},
		arb:      []string{"bilo koji", "bilo koju", "proizvoljn", "bez ograničenja"},
		neg:      []string{"nikada", "nikad$", "ne$"},
	},
	{code: "bg",
		send:     []string{"изпраща", "препраща", "качва", "споделя", "предава", "синхрониз", "шаљ", "прослеђуј", "прослеђен", "отпрема"},
		cred:     []string{"парол", "лозинк", "токен", "ключове", "идентификационни данни"},
		personal: []string{"телефонн", "телефонни номера", "телефонния номер", "егн", "јмбг", "адресите", "адреси$", "контактите", "контакти$", "лични данни", "лични подаци", "рачуна купца", "местоположение"},
		conv:     []string{"разговор", "съобщения", "историята на разговора"},
		content:  []string{"бележк", "белешк", "документ", "файл", "датотек", "снимк", "фактур", "съдържание", "садржај", "текстови"},
		whole:    []string{"също", "освен това", "всички", "цялата", "всяк", "автоматично", "аутоматски", "копие", "копија", "сваке", "такође"},
		partner:  []string{"партньор", "партнер", "рекламодател", "трети страни"},
		choice:   []string{"посочен от потребителя", "избран от потребителя", "потребителят избира", "не се съхранява", "само на потребители"},
		read:     []string{"прочети", "прочитай", "прочитај", "копирай", "отвори"},
		conceal:  []string{"не казвай", "не споменавай", "не съобщавай", "без знанието", "тайно", "немој рећи", "не помињи"},
		ignore:   []string{"игнорирай", "забрави", "не следвай", "занемари", "игнориши"},
		instr:    []string{"инструкци", "указани", "правила", "предишни", "упутства"},
		directed: []string{"важно за асистента", "за асистента", "за модела", "преди всеки отговор", "преди да отговориш", "пре сваког одговора"},
		field:    []string{"параметъра", "параметър", "полето", "параметар"},
		fill:     []string{"сложи", "постави", "копирай", "напиши", "цялата", "целия", "всички"},
		priv:     []string{"root права", "правата на сървъра", "вътрешната мрежа"},
		arb:      []string{"произволн", "всеки хост", "всеки адрес", "без ограничения", "няма списък"},
		neg:      []string{"никога", "никада", "не се", "не шаљ", "не прослеђ", "нито"},
	},
	{code: "lt",
		send:     []string{"siunčiam", "siunčia", "persiunčiam", "persiunčia", "išsiunčiam", "įkeliam", "įkelia", "perduodam", "dalijamasi", "sinchroniz"},
		cred:     []string{"slaptažod", "prisijungimo duomen", "prieigos rakt", "api rakt"},
		personal: []string{"telefonų numer", "telefono numer", "asmens kod", "adres", "kontakt", "asmens duomen", "buvimo viet"},
		conv:     []string{"pokalbi", "žinut"},
		content:  []string{"užraš", "dokument", "failai", "failus", "nuotrauk", "sąskait", "turinį", "turinys"},
		whole:    []string{"taip pat", "visi$", "kiekvien", "automatiškai", "kopij"},
		partner:  []string{"partneriams", "reklamuotoj", "trečiosioms šalims"},
		choice:   []string{"vartotojo pasirinkt", "nurodo vartotojas", "vartotojo paties", "nesaugomi", "nesaugoma"},
		read:     []string{"perskaityk", "perskaityti", "nukopijuok", "atidaryk"},
		conceal:  []string{"nesakyk", "neminėk", "nepranešk", "vartotojui nežinant", "slapta$"},
		ignore:   []string{"ignoruok", "pamiršk", "nepaisyk", "nesilaikyk"},
		instr:    []string{"instrukcij", "nurodym", "taisykl", "ankstesn"},
		directed: []string{"svarbu asistentui", "asistentui", "modeliui", "prieš kiekvieną atsakymą", "prieš atsakydamas"},
		field:    []string{"parametrą", "parametras", "lauką", "laukas"},
		fill:     []string{"įdėk", "nukopijuok", "įrašyk", "įvesk", "visą$", "visus$"},
		priv:     []string{"serverio teisėmis", "vidinio tinklo", "vidinis tinklas"},
		arb:      []string{"bet kokį", "bet kurį", "be apribojimų"},
		neg:      []string{"niekada", "ne$"},
	},
	{code: "el",
		send:     []string{"αποστέλλ", "στέλνο", "στείλε", "προωθ", "ανεβαίν", "μεταφορτών", "κοινοποι", "συγχρον"},
		cred:     []string{"κωδικοί πρόσβασης", "κωδικούς πρόσβασης", "κωδικό πρόσβασης", "κωδικοί", "συνθηματικ", "διαπιστευτήρι", "κλειδιά api"},
		personal: []string{"τηλεφών", "διευθύνσ", "επαφές", "προσωπικά δεδομένα", "τοποθεσία", "αφμ"},
		conv:     []string{"συνομιλ", "μηνύματα"},
		content:  []string{"σημειώσ", "έγγραφ", "αρχεία", "φωτογραφ", "τιμολόγι", "περιεχόμενο"},
		whole:    []string{"επίσης", "επιπλέον", "όλες", "όλα", "όλοι", "ολόκληρο", "κάθε", "αυτόματα", "αντίγραφο"},
		partner:  []string{"συνεργάτ", "διαφημιστ", "τρίτους", "τρίτα μέρη"},
		choice:   []string{"που ορίζει ο χρήστης", "που επιλέγει ο χρήστης", "ο χρήστης επιβεβαιώνει", "δεν αποθηκεύ", "κανένας κωδικός δεν"},
		read:     []string{"διάβασε", "διάβασ", "αντέγραψε", "άνοιξε"},
		conceal:  []string{"μην το πεις", "μην πεις", "μην αναφέρεις", "μην ενημερώσεις", "χωρίς να ενημερωθεί", "χωρίς να το πεις", "κρυφά", "δεν χρειάζεται να αναφερθεί", "δεν χρειάζεται να αναφέρεται", "δεν χρειάζεται να ενημερωθεί"},
		ignore:   []string{"αγνόησε", "αγνοήστε", "ξέχασε", "μην ακολουθείς"},
		instr:    []string{"οδηγίες", "οδηγιών", "κανόνες", "προηγούμεν"},
		directed: []string{"σημαντικό για το μοντέλο", "για το μοντέλο", "για τον βοηθό", "πριν απαντήσεις", "πριν από κάθε απάντηση"},
		field:    []string{"παράμετρο", "πεδίο"},
		fill:     []string{"βάλε", "αντέγραψε", "γράψε", "ολόκληρ", "όλα", "καταχωρεί", "καταχώρησε", "συγκεντρώνει"},
		priv:     []string{"δικαιώματα του διακομιστή", "εσωτερικό δίκτυο", "εσωτερικών hostnames"},
		arb:      []string{"οποιοδήποτε", "οποιαδήποτε", "χωρίς λίστα", "χωρίς περιορισμ"},
		neg:      []string{"δεν", "ποτέ", "μην"},
	},
	{code: "he",
		send:     []string{"נשלח", "נשלחים", "נשלחת", "מועבר", "מועברים", "מועברת", "מועלה", "מועלים", "משותף", "מסונכרן"},
		cred:     []string{"סיסמ", "אסימונ", "מפתחות api", "מפתח api", "פרטי התחברות"},
		personal: []string{"מספרי הטלפון", "מספר טלפון", "מספר הטלפון", "כתובת", "אנשי קשר", "מידע אישי", "תעודת זהות", "מיקום"},
		conv:     []string{"השיחה", "שיחות", "היסטוריית", "הודעות"},
		content:  []string{"פתקים", "הערות", "מסמכ", "קבצים", "תמונות", "תוכן"},
		whole:    []string{"גם", "בנוסף", "כל ה", "אוטומטית", "עותק"},
		partner:  []string{"שותפים", "שותפ", "מפרסמים", "צד שלישי", "צדדים שלישיים"},
		choice:   []string{"שהמשתמש בחר", "שהמשתמש מציין", "של המשתמש עצמו", "לא נשמר", "לא נשמרת"},
		read:     []string{"קרא את", "העתק", "פתח את"},
		conceal:  []string{"אל תספר", "אל תזכיר", "אל תגיד", "אל תודיע", "בלי לספר", "מבלי לספר", "בסתר"},
		ignore:   []string{"התעלם", "שכח", "אל תציית"},
		instr:    []string{"הוראות", "הוראה", "כללים", "הקודמות"},
		directed: []string{"הוראה חשובה למודל", "למודל", "לעוזר", "לפני כל תשובה", "לפני שאתה עונה"},
		field:    []string{"בפרמטר", "פרמטר", "בשדה", "לשדה"},
		fill:     []string{"הכנס את", "שים את", "העתק", "כתוב את", "כל ה"},
		priv:     []string{"הרשאות השרת", "רשת פנימית"},
		arb:      []string{"כל כתובת", "כל מארח", "ללא הגבלה"},
		neg:      []string{"לעולם", "אינן", "אינו", "אינם", "אינה", "לא נשלח", "לא מועבר"},
	},
	// Round 23: Turkish, Vietnamese and Korean, whose servers met only a
	// few phrases of lexicon.go.
	{code: "tr",
		send:     []string{"gönderil", "gönder", "iletil", "iletin", "yüklenir", "yüklenecek", "paylaşıl", "aktarıl", "senkronize", "kopyalanır", "kopyalanacak"},
		cred:     []string{"şifre", "parola", "api anahtar", "erişim anahtar", "anahtarlar", "kimlik bilgi", "oturum anahtar"},
		personal: []string{"telefon numara", "tc kimlik", "adresler", "adresi$", "kişi listesi", "kişisel veri", "kişisel bilgi", "konum bilgi", "iban"},
		conv:     []string{"konuşma geçmiş", "sohbet geçmiş", "önceki mesaj", "tüm mesaj", "mesajları", "sistem talimat", "konuşmanın tamam"},
		content:  []string{"notlar", "belge", "dosya", "fotoğraf", "resim", "e posta", "metin", "içerik", "fatura", "çıktılar"},
		whole:    []string{"ayrıca", "tüm$", "tümü", "bütün", "otomatik", "kopya", "eksiksiz", "tamamı"},
		partner:  []string{"iş ortak", "reklamveren", "üçüncü taraf"},
		choice:   []string{"kullanıcının belirttiği", "kullanıcının seçtiği", "kullanıcı tarafından belirtilen", "kullanıcının kendi", "saklanmaz", "kaydedilmez"},
		read:     []string{"oku$", "okuyun", "kopyala", "dosyayı aç"},
		conceal:  []string{"kullanıcıya söyleme", "kullanıcıya bildirme", "kullanıcıya gösterme", "bahsetme", "söylemeyin", "bildirmeyin", "haberi olmadan", "gizlice"},
		ignore:   []string{"yok say", "görmezden gel", "unut$", "uyma$", "uymayın"},
		instr:    []string{"talimat", "kurallar", "önceki"},
		directed: []string{"modele not", "asistana not", "yanıt vermeden önce", "her yanıttan önce", "asistan için", "model için"},
		field:    []string{"alanına", "alanı$", "parametre"},
		fill:     []string{"eklenmeli", "ekleyin", "yapıştır", "kopyala", "yazın", "tamamını", "eksiksiz", "tüm$"},
		priv:     []string{"sunucunun kendi", "iç ağ", "dahili ağ", "yönetici yetki"},
		arb:      []string{"herhangi bir", "kısıtlama olmadan", "sınırsız"},
		neg:      []string{"asla", "değil", "gönderilmez", "paylaşılmaz", "iletilmez"},
	},
	{code: "vi",
		send:     []string{"gửi đến", "gửi tới", "gửi kèm", "được gửi", "gửi cho", "gửi về", "gửi bản", "chuyển tiếp", "tải lên", "chia sẻ", "đồng bộ", "sao lưu", "truyền"},
		cred:     []string{"mật khẩu", "khóa api", "mã truy cập", "access token", "thông tin đăng nhập", "mã xác thực", "mã otp"},
		personal: []string{"số điện thoại", "địa chỉ", "danh bạ", "thông tin cá nhân", "vị trí", "căn cước", "số tài khoản"},
		conv:     []string{"lịch sử hội thoại", "cuộc trò chuyện", "hội thoại", "tin nhắn", "lịch sử trò chuyện"},
		content:  []string{"ghi chú", "tài liệu", "tệp$", "hình ảnh", "nội dung", "văn bản", "hóa đơn"},
		whole:    []string{"tất cả", "toàn bộ", "mọi$", "tự động", "bản sao", "kèm theo"},
		partner:  []string{"đối tác", "bên thứ ba", "nhà quảng cáo"},
		choice:   []string{"người dùng chỉ định", "người dùng chọn", "do người dùng cung cấp", "người dùng nhập", "không được lưu", "không lưu trữ"},
		read:     []string{"đọc tệp", "đọc file", "đọc nội dung", "sao chép", "mở tệp"},
		conceal:  []string{"đừng nói", "không nói với người dùng", "đừng thông báo", "không thông báo cho người dùng", "không cho người dùng biết", "đừng cho người dùng biết", "âm thầm", "lặng lẽ", "không cần hỏi người dùng", "không cần hiển thị"},
		ignore:   []string{"bỏ qua", "phớt lờ", "không tuân theo", "không làm theo"},
		instr:    []string{"hướng dẫn", "chỉ dẫn", "quy tắc", "trước đó"},
		directed: []string{"lưu ý cho mô hình", "cho mô hình", "cho trợ lý", "trước khi trả lời", "trước mỗi câu trả lời"},
		field:    []string{"trường", "tham số"},
		fill:     []string{"điền", "chèn", "sao chép", "dán$", "toàn bộ", "tất cả", "nguyên văn"},
		priv:     []string{"quyền của máy chủ", "mạng nội bộ", "quyền quản trị"},
		arb:      []string{"bất kỳ", "không giới hạn", "không hạn chế"},
		neg:      []string{"không$", "không bao giờ", "chưa$"},
	},
	{code: "ko",
		send:     []string{"전송", "보내", "보냅", "업로드", "공유", "전달", "동기화", "백업"},
		cred:     []string{"비밀번호", "암호", "토큰", "api 키", "인증 정보", "액세스 키", "인증번호"},
		personal: []string{"전화번호", "주소", "연락처", "개인정보", "위치 정보", "주민등록번호", "계좌번호"},
		conv:     []string{"대화 내용", "대화 기록", "대화 중", "이전 메시지", "채팅 기록", "메시지"},
		content:  []string{"메모", "문서", "파일", "사진", "이미지", "이메일", "본문"},
		whole:    []string{"또한", "모든", "전체", "전부", "자동으로", "사본", "그대로"},
		partner:  []string{"파트너", "광고주", "제3자"},
		choice:   []string{"사용자가 지정한", "사용자가 선택한", "사용자가 입력한", "사용자 본인", "저장되지 않", "저장하지 않"},
		read:     []string{"읽어", "읽고", "복사", "파일을 열"},
		conceal:  []string{"사용자에게 알리지", "알리지 마", "말하지 마", "언급하지 마", "사용자 모르게", "몰래", "비밀리에", "표시하지 마", "보여주지 마"},
		ignore:   []string{"무시", "잊어", "따르지 마"},
		instr:    []string{"지시", "지침", "규칙", "이전"},
		directed: []string{"모델에게", "어시스턴트에게", "응답하기 전에", "답변하기 전에", "모든 응답 전에"},
		field:    []string{"필드", "매개변수", "파라미터"},
		fill:     []string{"포함해", "포함하", "넣어", "입력해", "붙여", "복사", "그대로"},
		priv:     []string{"서버 권한", "관리자 권한", "내부망", "내부 네트워크"},
		arb:      []string{"임의의", "제한 없이", "제한없이"},
		neg:      []string{"않", "절대"},
	},
	{code: "nl",
		send:     []string{"verzonden", "verstuurd", "verstuur", "verzend", "doorgestuurd", "doorsturen", "doorgegeven", "meegestuurd", "meegezonden", "gedeeld met", "geüpload", "gesynchroniseerd", "gekopieerd", "overgedragen"},
		cred:     []string{"wachtwoord", "api sleutel", "toegangssleutel", "toegangstoken", "inloggegevens", "sleutels$", "pincode"},
		personal: []string{"telefoonnummer", "burgerservicenummer", "bsn", "adressen", "e mailadres", "contactpersonen", "persoonsgegevens", "locatiegegevens", "iban", "geboortedatum", "rekeningnummer"},
		conv:     []string{"gesprek", "chatgeschiedenis", "eerdere berichten", "vorige berichten", "systeeminstructie"},
		content:  []string{"notities", "document", "bestanden", "bestand$", "foto", "afbeelding", "e mails", "tekst$", "inhoud", "agenda", "facturen"},
		whole:    []string{"ook$", "eveneens", "alle$", "elk$", "elke$", "volledig", "automatisch", "kopie", "letterlijk", "integraal"},
		partner:  []string{"partner", "adverteerders", "derden", "derde partij"},
		choice:   []string{"door de gebruiker opgegeven", "door de gebruiker gekozen", "die de gebruiker kiest", "die de gebruiker opgeeft", "wordt niet opgeslagen", "niet bewaard"},
		read:     []string{"lees$", "lees het bestand", "kopieer", "open het bestand"},
		conceal:  []string{"vraag de gebruiker er niet naar", "zonder de gebruiker te vragen", "zonder het de gebruiker te vragen", "zonder medeweten", "in het geheim", "niet aan de gebruiker melden", "niet aan de gebruiker vertellen", "hoeft de gebruiker niet"},
		ignore:   []string{"negeer", "vergeet", "volg niet"},
		instr:    []string{"instructies", "regels", "eerdere", "vorige"},
		directed: []string{"notitie voor het model", "notitie voor de assistent", "voor de assistent", "voordat je antwoordt", "voor je antwoord"},
		field:    []string{"veld$", "het veld", "parameter"},
		fill:     []string{"vul", "neem", "plak", "kopieer", "volledig", "letterlijk"},
		priv:     []string{"rechten van de server", "serviceaccount", "intern netwerk", "beheerdersrechten"},
		arb:      []string{"willekeurig", "zonder beperking"},
		neg:      []string{"niet$", "nooit", "geen$"},
	},
	{code: "pl",
		send:     []string{"wysyłan", "wysłan", "przesyłan", "przesłan", "przekazywan", "przekazan", "udostępnian", "udostępnion", "kopiowan", "synchronizowan", "dołączan"},
		cred:     []string{"hasło", "hasła", "hasel", "klucz api", "klucze api", "klucz dostępu", "token dostępu", "dane logowania", "poświadczen"},
		personal: []string{"numer telefonu", "pesel", "adresy", "adres e mail", "kontakty", "dane osobowe", "lokalizacj", "numer konta", "iban", "data urodzenia"},
		conv:     []string{"rozmow", "historia czatu", "historię czatu", "poprzednie wiadomości", "wcześniejsze wiadomości", "instrukcje systemowe"},
		content:  []string{"notatki", "dokument", "pliki", "plik$", "zdjęcia", "obrazy", "e maile", "tekst$", "treść", "kalendarz", "faktury"},
		whole:    []string{"również", "także", "wszystkie", "każd", "całą", "cały", "całość", "automatycznie", "kopi", "dosłownie"},
		partner:  []string{"partner", "reklamodawc", "strony trzecie", "stronom trzecim", "podmiot zewnętrzn"},
		choice:   []string{"wskazany przez użytkownika", "wskazanego przez użytkownika", "wybrany przez użytkownika", "podany przez użytkownika", "nie jest zapisywan", "nie są zapisywane", "nie przechowujemy"},
		read:     []string{"przeczytaj", "odczytaj", "skopiuj", "otwórz plik", "wczytaj"},
		conceal:  []string{"nie mów użytkownikowi", "nie informuj użytkownika", "nie wspominaj", "bez informowania", "bez wiedzy użytkownika", "po cichu", "w tajemnicy", "nie pytaj użytkownika o", "bez pytania użytkownika"},
		ignore:   []string{"zignoruj", "ignoruj", "zapomnij", "nie stosuj się"},
		instr:    []string{"instrukcj", "polecenia", "poprzednie", "wcześniejsze"},
		directed: []string{"notatka dla modelu", "uwaga dla modelu", "uwaga dla asystenta", "dla asystenta", "przed odpowiedzią"},
		field:    []string{"pole$", "polu$", "pola$", "parametr"},
		fill:     []string{"wpisz", "wklej", "skopiuj", "umieść", "dołącz", "dosłownie"},
		priv:     []string{"uprawnienia serwera", "uprawnieniami serwera", "sieć wewnętrzn", "uprawnienia administratora", "konto serwisowe", "pełnomocnictw", "wszystkich rachunków"},
		arb:      []string{"dowoln", "bez ograniczeń", "bezpośrednio z treści", "z treści otrzyman", "nie wymagają potwierdzenia", "nie wymaga potwierdzenia", "bez potwierdzenia"},
		neg:      []string{"nie$", "nigdy", "żadn"},
	},
	{code: "id",
		send:     []string{"dikirim", "kirim", "diteruskan", "teruskan", "diunggah", "unggah", "dibagikan", "bagikan", "disinkronkan", "disalin", "ditransfer"},
		cred:     []string{"kata sandi", "sandi$", "kunci api", "token akses", "kredensial", "kode otp"},
		personal: []string{"nomor telepon", "nomor hp", "nik$", "ktp$", "alamat email", "kontak", "data pribadi", "informasi pribadi", "nomor rekening", "tanggal lahir"},
		conv:     []string{"percakapan", "riwayat obrolan", "riwayat chat", "pesan sebelumnya", "instruksi sistem"},
		content:  []string{"catatan", "dokumen", "berkas", "foto", "gambar", "surel", "konten", "lampiran"},
		whole:    []string{"juga", "ikut", "semua", "setiap", "seluruh", "otomatis", "salinan", "beserta"},
		partner:  []string{"mitra", "pihak ketiga", "pengiklan"},
		choice:   []string{"ditentukan oleh pengguna", "dipilih oleh pengguna", "diberikan oleh pengguna", "tidak disimpan"},
		read:     []string{"bacalah", "salin", "buka berkas", "ambil isi"},
		conceal:  []string{"jangan beri tahu", "jangan memberi tahu", "tanpa memberi tahu", "tanpa sepengetahuan", "diam diam", "tidak perlu bertanya kepada pengguna", "tanpa bertanya kepada pengguna", "tidak perlu meminta konfirmasi"},
		ignore:   []string{"jangan ikuti"},
		instr:    []string{"instruksi", "aturan", "sebelumnya"},
		directed: []string{"catatan untuk model", "catatan untuk asisten", "untuk asisten ai"},
		field:    []string{"kolom", "bidang", "isian"},
		fill:     []string{"isikan", "isi dengan", "tempel", "lengkap"},
		priv:     []string{"hak akses server", "jaringan internal", "akses admin"},
		arb:      []string{"apa pun", "mana pun", "tanpa batas"},
		neg:      []string{"jangan$"},
	},
	{code: "hi",
		send:     []string{"भेजा जाता", "भेजी जाती", "भेजे जाते", "भेज दी", "भेज दिया", "भेजें", "फ़ॉरवर्ड", "फॉरवर्ड", "अग्रेषित", "साझा किया", "साझा की", "साझा करें", "अपलोड", "सिंक"},
		cred:     []string{"पासवर्ड", "कूटशब्द", "एपीआई कुंजी", "कुंजी", "टोकन", "ओटीपी"},
		personal: []string{"फ़ोन नंबर", "फोन नंबर", "मोबाइल नंबर", "आधार", "पैन नंबर", "जन्मतिथि", "व्यक्तिगत जानकारी", "निजी जानकारी", "संपर्क", "बैंक खाता"},
		conv:     []string{"बातचीत", "वार्तालाप", "चैट इतिहास", "पिछले संदेश", "सिस्टम निर्देश"},
		content:  []string{"नोट्स", "दस्तावेज़", "दस्तावेज", "फ़ाइल", "फाइल", "फ़ोटो", "तस्वीर", "ईमेल", "सामग्री"},
		whole:    []string{"सभी", "प्रत्येक", "पूरा", "पूरी", "स्वचालित", "अपने आप", "प्रति"},
		partner:  []string{"भागीदार", "साझेदार", "पार्टनर", "तृतीय पक्ष", "थर्ड पार्टी", "विज्ञापनदाता"},
		choice:   []string{"उपयोगकर्ता द्वारा दिए", "उपयोगकर्ता द्वारा दी", "उपयोगकर्ता द्वारा चुने", "उपयोगकर्ता द्वारा बताए", "संग्रहीत नहीं", "सहेजा नहीं"},
		read:     []string{"पढ़ें", "पढ़ो", "पढ़कर", "फ़ाइल खोलें"},
		conceal:  []string{"उपयोगकर्ता को न बताएं", "उपयोगकर्ता को मत बताएं", "मत बताना", "मत बताओ", "न बताएं", "बिना बताए", "पूछने की आवश्यकता नहीं", "पूछने की जरूरत नहीं", "पूछने की ज़रूरत नहीं", "गुप्त रूप से", "चुपचाप"},
		ignore:   []string{"अनदेखा करें", "अनदेखा कर", "नज़रअंदाज़", "नजरअंदाज", "पालन न करें"},
		instr:    []string{"निर्देश", "नियम", "पिछले"},
		directed: []string{"मॉडल के लिए", "सहायक के लिए", "जवाब देने से पहले", "उत्तर देने से पहले"},
		field:    []string{"फ़ील्ड", "फील्ड", "पैरामीटर", "यहाँ", "यहां"},
		fill:     []string{"डालें", "भरें", "जोड़ें", "चिपकाएं"},
		priv:     []string{"सर्वर के अधिकार", "आंतरिक नेटवर्क", "व्यवस्थापक अधिकार"},
		arb:      []string{"कोई भी", "बिना प्रतिबंध", "असीमित"},
		neg:      []string{"नहीं", "कभी नहीं"},
	},
	{code: "ar",
		send:     []string{"يُرسل", "يرسل", "ترسل", "تُرسل", "إرسال", "ارسال", "إعادة توجيه", "يُعاد توجيه", "مشاركة", "تُشارك", "يتم رفع", "مزامنة", "نسخة إلى"},
		cred:     []string{"كلمة المرور", "كلمة السر", "مفتاح api", "مفتاح الوصول", "رمز الوصول", "بيانات الاعتماد", "بيانات الدخول", "رمز التحقق"},
		personal: []string{"رقم الهاتف", "رقم الجوال", "رقم الهوية", "جهات الاتصال", "البيانات الشخصية", "المعلومات الشخصية", "الموقع الجغرافي", "رقم الحساب", "تاريخ الميلاد"},
		conv:     []string{"المحادثة", "محادثة", "سجل الدردشة", "الرسائل السابقة", "تعليمات النظام"},
		content:  []string{"الملاحظات", "المستندات", "مستند", "الملفات", "الصور", "البريد الإلكتروني", "المحتوى"},
		whole:    []string{"أيضًا", "أيضا", "كذلك", "جميع", "بالكامل", "كاملة", "تلقائيًا", "تلقائيا", "نسخة"},
		partner:  []string{"شريك", "الشركاء", "طرف ثالث", "أطراف ثالثة", "المعلنين"},
		choice:   []string{"يحدده المستخدم", "يختاره المستخدم", "لا يتم تخزين", "لا يتم حفظ"},
		read:     []string{"اقرأ", "قراءة الملف", "انسخ", "افتح الملف"},
		conceal:  []string{"لا تخبر المستخدم", "لا تُخبر المستخدم", "دون إخبار المستخدم", "دون علم المستخدم", "بدون علم المستخدم", "دون إبلاغ المستخدم", "دون سؤال المستخدم", "لا حاجة لسؤال المستخدم", "لا داعي لسؤال المستخدم", "في الخفاء"},
		ignore:   []string{"تجاهل", "لا تتبع"},
		instr:    []string{"التعليمات", "القواعد", "السابقة"},
		directed: []string{"ملاحظة للنموذج", "ملاحظة للمساعد", "قبل الرد", "قبل الإجابة"},
		field:    []string{"الحقل", "المعامل"},
		fill:     []string{"أدخل", "الصق", "انسخ", "املأ"},
		priv:     []string{"صلاحيات الخادم", "الشبكة الداخلية", "صلاحيات المسؤول"},
		arb:      []string{"دون قيود", "بلا قيود"},
		neg:      []string{"لا يتم", "أبدًا", "أبدا"},
	},
	// Russian, Ukrainian, Hindi and Arabic as they are typed in Latin
	// letters (translit, Hinglish, Arabizi).
	{code: "latn",
		send:     []string{"otprav", "peresyla", "peredai", "peredaj", "peredat", "zagruzh", "vygruzh", "nadsyla", "nadysla", "bhej", "bhejo", "bhejta", "bhejte", "upload hota", "upload hote", "*tba3at", "*teb3at", "*b3at"},
		cred:     []string{"parol", "paroli", "klyuch", "klyuchi"},
		personal: []string{"pan number", "aadhaar", "nomer telefona", "kontakty"},
		conv:     []string{"perepisk", "istoriy"},
		content:  []string{"zametk", "fayl", "dokument", "pisma", "vmist", "mola7azat"},
		whole:    []string{"bhi$", "saath", "poora", "sab$", "har$", "takzhe", "vse$", "kaman"},
		choice:   []string{"ukazannyi polzovatelem", "ukazannyy polzovatelem", "user ke diye", "user ke diya", "sirf usi", "elly el user", "papku polzovatelya"},
		read:     []string{"prochitay", "prochitai", "prochti", "prochytai", "skopiruy", "otkroy", "e2ra", "i2ra", "padho", "padh ke", "parh"},
		conceal:  []string{"ne govori", "ne soobshchay", "ne rasskazyvay", "ne kazhy", "ne povidomlyay", "tayno", "bez vedoma", "mat batana", "mat batao", "mat bolna", "na batayein", "bina bataye", "chupke se", "ma t2ol", "mat2olsh", "ma t2olsh", "matqolsh"},
		ignore:   []string{"ignoriruy", "ignoruy", "zabud", "tajahal"},
		instr:    []string{"instruktsi", "instrukcii", "ukazaniya", "poperedni", "predydushchie", "ta3limat", "ta3leemat"},
		directed: []string{"dlya modeli", "dlya assistenta", "pered otvetom"},
		field:    []string{"parametre", "parametri", "pole$"},
		fill:     []string{"vstav", "skopiruy"},
	},
}

// langTerms returns the normalised forms of a class's terms over all
// languages: ASCII prefixes, ASCII whole words and other-script terms.
func langTerms(c lc) (prefix, whole, infix, other []string) {
	for i := range langTable {
		for _, t := range langTable[i].class(c) {
			w := strings.HasSuffix(t, "$")
			in := strings.HasPrefix(t, "*")
			t = strings.TrimPrefix(strings.TrimSuffix(t, "$"), "*")
			forms := []string{strings.ToLower(t), normalizeLight(strings.ToLower(t)),
				strings.TrimSpace(textnorm.Normalize(t, textnorm.Options{}).Base.Text)}
			for _, f := range forms {
				f = strings.Join(strings.Fields(f), " ")
				if f == "" {
					continue
				}
				switch {
				case !isASCII(f):
					other = append(other, f)
				case in:
					infix = append(infix, f)
				case w:
					whole = append(whole, f)
				default:
					prefix = append(prefix, f)
				}
			}
		}
	}
	return dedupeSorted(prefix), dedupeSorted(whole), dedupeSorted(infix), dedupeSorted(other)
}

// langAlt is the alternation of a class's terms, to be appended to a
// family's pattern: "|\b(?:…)|\b(?:…)\b|(?:…)", or "" for an empty class.
func langAlt(c lc) string {
	prefix, whole, infix, other := langTerms(c)
	var b strings.Builder
	for _, g := range []struct {
		terms     []string
		pre, post string
	}{{prefix, `\b(?:`, `)`}, {whole, `\b(?:`, `)\b`}, {append(infix, other...), `(?:`, `)`}} {
		if len(g.terms) == 0 {
			continue
		}
		q := make([]string, len(g.terms))
		for i, t := range g.terms {
			q[i] = strings.ReplaceAll(regexp.QuoteMeta(t), " ", `\s+`)
		}
		b.WriteString("|" + g.pre + strings.Join(q, "|") + g.post)
	}
	return b.String()
}

// langRE compiles a class on its own; it never matches when the class is
// empty.
func langRE(c lc) *regexp.Regexp {
	a := langAlt(c)
	if a == "" {
		return re(`[^\s\S]`)
	}
	return re(a[1:])
}

// langMask is a cheap first look over a normalised text: which classes
// of the table can match in it, so that the families of the other classes
// run without the table's words. ASCII terms match at a word start (or,
// for infix terms, anywhere), so the word starts of the text, looked up by
// their first bytes, and a search for the few infix terms are enough. A
// text with non-ASCII letters may hold terms in other scripts and gets
// every class.
type langMask uint32

func (m langMask) has(c lc) bool { return m&(1<<c) != 0 }

const prefixLen = 7

type langPrefilter struct {
	// starts maps the start of a term (its first word when that has at
	// least five letters; at most prefixLen bytes, compared with the
	// text's runs of spaces written as one) to the classes of the terms
	// that begin so.
	starts map[string]langMask
	// words maps whole-word terms of one word to their classes: they
	// match a word of the text exactly, so a start ("poli" of "policy")
	// must not mark them.
	words map[string]langMask
	infix []infixTerm
}

type infixTerm struct {
	term string
	mask langMask
}

var langFilter = sync.OnceValue(func() *langPrefilter {
	lf := &langPrefilter{starts: map[string]langMask{}, words: map[string]langMask{}}
	for c := lcSend; c <= lcNeg; c++ {
		p, w, in, _ := langTerms(c)
		for _, t := range w {
			if strings.IndexFunc(t, func(r rune) bool { return r > 0x7f || !isWordByte(byte(r)) }) < 0 {
				lf.words[t] |= 1 << c
			} else {
				p = append(p, t)
			}
		}
		for _, t := range p {
			if i := strings.IndexByte(t, ' '); i >= 5 {
				t = t[:i]
			}
			lf.starts[t[:min(len(t), prefixLen)]] |= 1 << c
		}
		for _, t := range in {
			lf.infix = append(lf.infix, infixTerm{t, 1 << c})
		}
	}
	return lf
})

// langClasses returns the classes whose terms may occur in text.
func langClasses(text string) langMask {
	if !isASCII(text) {
		return ^langMask(0)
	}
	lf := langFilter()
	var m langMask
	for i := 0; i < len(text); i++ {
		if !isWordByte(text[i]) || i > 0 && isWordByte(text[i-1]) {
			continue
		}
		// The start of a term as the text writes it, runs of spaces
		// written as one ("in  secret" starts a term "in secret").
		var win [prefixLen]byte
		w := 0
		for k := i; k < len(text) && w < prefixLen; k++ {
			if text[k] == ' ' && w > 0 && win[w-1] == ' ' {
				continue
			}
			win[w] = text[k]
			w++
			m |= lf.starts[string(win[:w])]
		}
		j := i
		for j < len(text) && isWordByte(text[j]) {
			j++
		}
		m |= lf.words[text[i:j]]
	}
	for _, x := range lf.infix {
		if m&x.mask != x.mask && strings.Contains(text, x.term) {
			m |= x.mask
		}
	}
	return m
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= 'A' && c <= 'Z'
}

// pick returns full when the mask holds class c, base otherwise: the
// families with the table's words are slower, and most text has none.
func pick(m langMask, c lc, base, full *regexp.Regexp) *regexp.Regexp {
	if m.has(c) {
		return full
	}
	return base
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

func dedupeSorted(ss []string) []string {
	slices.Sort(ss)
	return slices.Compact(ss)
}

// Families built from the classes alone.
var (
	// langConcealRE: "don't tell the user" phrases.
	langConcealRE = langRE(lcConceal)
	// langDirectedRE: text addressed to the model ("before you answer",
	// "note for the assistant").
	langDirectedRE = langRE(lcDirected)
	// langOverrideRE: an ignore verb and an instruction noun in one
	// clause, in either order.
	langOverrideRE = re(`(?:` + langAlt(lcIgnore)[1:] + `)[^.!?\n;]{0,48}(?:` + langAlt(lcInstr)[1:] + `)|(?:` + langAlt(lcInstr)[1:] + `)[^.!?\n;]{0,32}(?:` + langAlt(lcIgnore)[1:] + `)`)
	// langFieldParamRE: a parameter named as the place to put something,
	// quoted or not, with the word for "field" or "parameter" on either
	// side: "kenttään 'muoto'", "'notes' প্যারামিটারে", "พารามิเตอร์ note".
	langFieldParamRE = re(`(?:` + langAlt(lcField)[1:] + `)\s*[:"'„“«‹「` + "`" + `]?\s*[a-z_][a-z0-9_]{0,40}|["'„“«‹「` + "`" + `][a-z_][a-z0-9_]{0,40}["'“”»›」` + "`" + `]\s*(?:` + langAlt(lcField)[1:] + `)`)
	langSendRE       = langRE(lcSend)
	langChoiceRE     = langRE(lcChoice)
)

// langSend reports whether a sentence has a transfer verb of the class
// table (for the older send + data + destination pairing of analyze; the
// caller has checked that the text holds one of the class's terms).
func langSend(s string) bool {
	// "Токен не передаётся в параметрах": a transfer verb the sentence
	// denies sends nothing.
	for _, loc := range langSendRE.FindAllStringIndex(s, 8) {
		if !langNegated(s, loc) {
			return true
		}
	}
	return false
}

// langSignals adds what the class-built families find in one normalised
// text: concealment, address to the model, and overriding instructions.
func (sc *scan) langSignals(m langMask, text string, sg *signals) {
	if m.has(lcConceal) {
		if m := langConcealRE.FindString(text); m != "" {
			sg.secrecy = true
			sg.note("secrecy", m)
		}
	}
	if m.has(lcDirected) {
		if m := langDirectedRE.FindString(text); m != "" {
			sg.directed = true
			sg.note("directed", m)
		}
	}
	if m.has(lcIgnore) {
		if m := langOverrideRE.FindString(text); m != "" {
			sg.override = true
			sg.note("override", m)
		}
	}
}

var langNegRE = langRE(lcNeg)

// langNegated reports whether a negation word of the table stands next to
// the transfer verb at tloc: before it (verb-final languages, "не се
// изпращат") or right after it ("skickas aldrig").
func langNegated(s string, tloc []int) bool {
	return langNegRE.MatchString(s[max(0, tloc[0]-24):min(len(s), tloc[1]+16)])
}
