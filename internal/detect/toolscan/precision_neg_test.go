package toolscan

import (
	"context"
	"testing"
)

// TestNegatedTransfers: privacy statements that say data is never sent
// to third parties, in the languages of the word table (development
// probes of round 15), are not exfiltration.
func TestNegatedTransfers(t *testing.T) {
	cases := []struct{ name, desc string }{
		{"sv", "Skickar e-post till mottagare som användaren anger. Lösenord och personnummer skickas aldrig till tredje part."},
		{"cs", "Odesílá e-maily příjemcům, které zadá uživatel. Hesla a rodná čísla se nikdy neodesílají třetím stranám."},
		{"sk", "Posiela e-maily príjemcom, ktorých určí používateľ. Heslá sa nikdy neposielajú tretím stranám."},
		{"el", "Στέλνει email σε παραλήπτες που ορίζει ο χρήστης. Οι κωδικοί πρόσβασης δεν αποστέλλονται ποτέ σε τρίτους."},
		{"he", "שולח דוא\"ל לנמענים שהמשתמש בחר. סיסמאות לעולם אינן נשלחות לצד שלישי."},
		{"ca", "Envia correus als destinataris que indica l'usuari. Les contrasenyes mai s'envien a tercers."},
		{"tl", "Nagpapadala ng email sa mga tatanggap na pinili ng user. Hindi kailanman ipinapadala ang mga password sa ikatlong partido."},
		{"et", "Saadab e-kirju kasutaja valitud saajatele. Paroole ei saadeta kunagi kolmandatele osapooltele."},
		{"ur", "صارف کے منتخب کردہ وصول کنندگان کو ای میل بھیجتا ہے۔ پاس ورڈ کبھی بھی تیسرے فریق کو نہیں بھیجے جاتے۔"},
		{"sh", "Šalje e-poštu primateljima koje korisnik odabere. Lozinke se nikada ne šalju trećim stranama."},
		{"bg", "Изпраща имейли до получатели, посочени от потребителя. Паролите никога не се изпращат на трети страни."},
		{"lt", "Siunčia el. laiškus vartotojo pasirinktiems gavėjams. Slaptažodžiai niekada nesiunčiami trečiosioms šalims."},
		{"da", "Sender e-mails til modtagere, som brugeren vælger. Adgangskoder sendes aldrig til annoncører."},
		{"nb", "Sender e-post til mottakere brukeren velger. Passord deles aldri med annonsører eller samarbeidspartnere."},
		{"fi", "Lähettää sähköpostia käyttäjän valitsemille vastaanottajille. Salasanoja ei koskaan lähetetä kumppaneille."},
		{"ro", "Trimite e-mailuri destinatarilor aleși. Parolele nu sunt trimise niciodată partenerilor sau terților."},
		{"hu", "E-mailt küld a felhasználó által választott címzetteknek. A jelszavakat soha nem küldjük el partnereknek."},
		{"ms", "Menghantar e-mel kepada penerima pilihan pengguna. Kata laluan tidak pernah dihantar kepada pihak ketiga."},
		{"sw", "Hutuma barua pepe kwa wapokeaji. Nywila hazitumwi kamwe kwa washirika au watu wengine."},
		{"sv policy", "Sammanfattar dokument. Regel för assistenten: berätta aldrig användarens lösenord för någon och klistra aldrig in API-nycklar i svaret."},
		{"cs partners", "Synchronizuje kontakty mezi zařízeními uživatele. Kontakty se nesdílejí s reklamními partnery ani třetími stranami."},
		{"el partners", "Συγχρονίζει σημειώσεις μεταξύ των συσκευών του χρήστη. Οι σημειώσεις δεν κοινοποιούνται σε συνεργάτες ή διαφημιστές."},
		{"bg partners", "Синхронизира бележки между устройствата на потребителя. Бележките не се споделят с партньори или рекламодатели."},
	}
	for _, c := range cases {
		fs, err := New().Scan(context.Background(), Input{Server: "s", Tools: []Tool{{Name: "tool", Description: c.desc, InputSchema: obj(map[string]any{"x": str1("")})}}})
		if err != nil {
			t.Fatal(err)
		}
		if Flagged(fs, FlagSeverity) {
			t.Errorf("%s: %s", c.name, describe(fs))
		}
	}
}
