package pii

import "github.com/agentgov/agentgov/internal/detect"

// The entity vocabulary. Names follow Microsoft Presidio's where Presidio
// has the type; STREET_ADDRESS and DATE_OF_BIRTH are ours.
const (
	EmailAddress    = "EMAIL_ADDRESS"
	PhoneNumber     = "PHONE_NUMBER"
	IPAddress       = "IP_ADDRESS"
	USSSN           = "US_SSN"
	CreditCard      = "CREDIT_CARD"
	IBANCode        = "IBAN_CODE"
	USPassport      = "US_PASSPORT"
	USDriverLicense = "US_DRIVER_LICENSE"
	USITIN          = "US_ITIN"
	UKNHS           = "UK_NHS"
	UKNINO          = "UK_NINO"
	MACAddress      = "MAC_ADDRESS"
	Crypto          = "CRYPTO"
	DateOfBirth     = "DATE_OF_BIRTH"
	Person          = "PERSON"
	StreetAddress   = "STREET_ADDRESS"
)

// entity indexes the vocabulary; it doubles as the bit number of the
// entity's positive context cue.
type entity uint8

const (
	eEmail entity = iota
	ePhone
	eIP
	eSSN
	eCard
	eIBAN
	ePassport
	eDL
	eITIN
	eNHS
	eNINO
	eMAC
	eCrypto
	eDOB
	ePerson
	eAddress
	numEntities
)

var entityNames = [numEntities]string{
	EmailAddress, PhoneNumber, IPAddress, USSSN, CreditCard, IBANCode,
	USPassport, USDriverLicense, USITIN, UKNHS, UKNINO, MACAddress, Crypto,
	DateOfBirth, Person, StreetAddress,
}

// Types returns the vocabulary in a fixed order.
func Types() []string {
	out := make([]string, len(entityNames))
	copy(out, entityNames[:])
	return out
}

// entitySeverity ranks what a leak of each type costs: identifiers that
// enable fraud or identity theft on their own are high, contact data and
// names medium, network identifiers low.
var entitySeverity = [numEntities]detect.Severity{
	eEmail:    detect.Medium,
	ePhone:    detect.Medium,
	eIP:       detect.Low,
	eSSN:      detect.High,
	eCard:     detect.High,
	eIBAN:     detect.High,
	ePassport: detect.High,
	eDL:       detect.High,
	eITIN:     detect.High,
	eNHS:      detect.High,
	eNINO:     detect.High,
	eMAC:      detect.Low,
	eCrypto:   detect.Medium,
	eDOB:      detect.Medium,
	ePerson:   detect.Medium,
	eAddress:  detect.Medium,
}

// entityDetail explains a finding without repeating the value.
var entityDetail = [numEntities]string{
	eEmail:    "e-mail address",
	ePhone:    "telephone number valid for its numbering plan",
	eIP:       "IP address",
	eSSN:      "US Social Security number (SSA structure rules)",
	eCard:     "payment card number (Luhn and issuer range)",
	eIBAN:     "IBAN (ISO 13616 mod-97 and country length)",
	ePassport: "US passport number (in a passport context)",
	eDL:       "US driver's licence number (in a licence context)",
	eITIN:     "US Individual Taxpayer Identification Number (IRS ranges)",
	eNHS:      "NHS number (modulus 11)",
	eNINO:     "UK National Insurance number (HMRC prefix rules)",
	eMAC:      "MAC address",
	eCrypto:   "cryptocurrency address (checksum verified where the format has one)",
	eDOB:      "date of birth (a date in a birth context)",
	ePerson:   "person's name",
	eAddress:  "street address",
}

func entityByName(name string) (entity, bool) {
	for i, n := range entityNames {
		if n == name {
			return entity(i), true
		}
	}
	return 0, false
}
