package pii

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/nyaruka/phonenumbers"
)

// TestPhoneValidityMatchesLibrary checks the precompiled validity rule
// against phonenumbers.IsValidNumber on the library's example numbers of
// every region and type and on random mutations of them.
func TestPhoneValidityMatchesLibrary(t *testing.T) {
	pt := phoneTables()
	rng := rand.New(rand.NewPCG(1, 2))
	types := []phonenumbers.PhoneNumberType{
		phonenumbers.FIXED_LINE, phonenumbers.MOBILE, phonenumbers.TOLL_FREE,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOIP, phonenumbers.SHARED_COST,
	}
	total, disagree, missed := 0, 0, 0
	for region := range phonenumbers.GetSupportedRegions() {
		for _, typ := range types {
			ex := phonenumbers.GetExampleNumberForType(region, typ)
			if ex == nil {
				continue
			}
			cc := strconv.Itoa(int(ex.GetCountryCode()))
			nsn := phonenumbers.GetNationalSignificantNumber(ex)
			cands := []string{nsn}
			for k := 0; k < 8; k++ {
				b := []byte(nsn)
				b[rng.IntN(len(b))] = byte('0' + rng.IntN(10))
				cands = append(cands, string(b))
			}
			cands = append(cands, nsn+"1", nsn[:len(nsn)-1])
			for _, c := range cands {
				num, err := phonenumbers.Parse("+"+cc+c, "")
				if err != nil {
					continue
				}
				lib := phonenumbers.IsValidNumber(num)
				ours := pt.validIntl(strconv.Itoa(int(num.GetCountryCode())) + phonenumbers.GetNationalSignificantNumber(num))
				total++
				if lib != ours {
					disagree++
					if lib {
						missed++
						t.Logf("library valid, ours not: +%s %s (%s)", cc, c, region)
					}
				}
			}
		}
	}
	t.Logf("%d numbers, %d disagreements (%d valid for the library only)", total, disagree, missed)
	if missed > 0 {
		t.Errorf("%d numbers the library accepts are rejected", missed)
	}
	if float64(disagree) > 0.01*float64(total) {
		t.Errorf("%d/%d disagreements", disagree, total)
	}
}
