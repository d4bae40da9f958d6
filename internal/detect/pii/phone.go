package pii

import (
	"regexp"
	"strconv"
	"sync"

	"github.com/nyaruka/phonenumbers"
)

// Phone numbers are validated against the numbering-plan metadata of
// github.com/nyaruka/phonenumbers (the Go port of Google's libphonenumber),
// with the library's own rule: a national significant number is valid for
// a region when it matches the region's general description and the
// description of at least one number type (fixed line, mobile, toll free,
// premium, shared cost, VoIP, personal, pager, UAN, voicemail), each with
// its possible lengths. The library's IsValidNumber implements that rule
// too, but rebuilds and looks up every pattern under a lock on each call
// (~4–9 µs, most of the per-kilobyte budget); here each region's patterns
// are compiled once, on first use, and a check costs well under a
// microsecond. TestPhoneValidityMatchesLibrary keeps the two in agreement.

type phoneDesc struct {
	lengths uint32 // possible lengths (bit n); 0: any
	re      *regexp.Regexp
}

func (d phoneDesc) match(nsn string) bool {
	if d.re == nil || len(nsn) >= 32 {
		return false
	}
	return (d.lengths == 0 || d.lengths&(1<<len(nsn)) != 0) && d.re.MatchString(nsn)
}

type regionPatterns struct {
	general phoneDesc
	types   []phoneDesc
}

type phoneRegion struct {
	code     string
	cc       int32
	ndd      string // national (trunk) prefix: "0" in most of Europe, "1" in NANP
	keepZero bool   // the national significant number keeps its leading 0 (Italy)
	// bareOK: numbers are commonly written without the trunk prefix
	// (Brazil, Mexico, India: "(11) 91234-5678", "55 1234 5678").
	bareOK   bool
	lengths  uint32 // possible lengths of the national significant number (bit n)
	patterns func() *regionPatterns
}

type phoneTabs struct {
	regions map[string]*phoneRegion // geographic regions by ISO code
	byCC    map[int32][]*phoneRegion
	// ccLengths maps a country calling code to the union of the possible
	// national lengths of its regions.
	ccLengths map[int32]uint32
}

func compileDesc(d *phonenumbers.PhoneNumberDesc) phoneDesc {
	if d == nil || d.GetNationalNumberPattern() == "" {
		return phoneDesc{}
	}
	var lengths uint32
	for _, l := range d.GetPossibleLength() {
		if l < 0 {
			return phoneDesc{} // -1: the region has no numbers of this type
		}
		if l < 32 {
			lengths |= 1 << l
		}
	}
	re, err := regexp.Compile("^(?:" + d.GetNationalNumberPattern() + ")$")
	if err != nil {
		return phoneDesc{}
	}
	return phoneDesc{lengths, re}
}

var phoneTables = sync.OnceValue(func() *phoneTabs {
	pt := &phoneTabs{
		regions:   map[string]*phoneRegion{},
		byCC:      map[int32][]*phoneRegion{},
		ccLengths: map[int32]uint32{},
	}
	coll, err := phonenumbers.MetadataCollection()
	if err != nil || coll == nil {
		return pt
	}
	for _, md := range coll.GetMetadata() {
		md := md
		var lengths uint32
		for _, d := range []*phonenumbers.PhoneNumberDesc{md.GetGeneralDesc(), md.GetFixedLine(), md.GetMobile(), md.GetTollFree()} {
			for _, l := range d.GetPossibleLength() {
				if l > 0 && l < 32 {
					lengths |= 1 << l
				}
			}
		}
		id := md.GetId()
		r := &phoneRegion{
			code:     id,
			cc:       md.GetCountryCode(),
			ndd:      md.GetNationalPrefix(),
			keepZero: id == "IT" || id == "SM" || id == "VA",
			bareOK:   id == "BR" || id == "MX" || id == "IN" || id == "CN" || id == "AR",
			lengths:  lengths,
			patterns: sync.OnceValue(func() *regionPatterns {
				p := &regionPatterns{general: compileDesc(md.GetGeneralDesc())}
				for _, d := range []*phonenumbers.PhoneNumberDesc{
					md.GetPremiumRate(), md.GetTollFree(), md.GetSharedCost(), md.GetVoip(),
					md.GetPersonalNumber(), md.GetPager(), md.GetUan(), md.GetVoicemail(),
					md.GetFixedLine(), md.GetMobile(),
				} {
					if c := compileDesc(d); c.re != nil {
						p.types = append(p.types, c)
					}
				}
				return p
			}),
		}
		pt.ccLengths[r.cc] |= lengths
		pt.byCC[r.cc] = append(pt.byCC[r.cc], r)
		if len(id) == 2 {
			pt.regions[id] = r
		}
	}
	return pt
})

// valid reports whether nsn is a valid national significant number of r.
func (r *phoneRegion) valid(nsn string) bool {
	p := r.patterns()
	if !p.general.match(nsn) {
		return false
	}
	for _, d := range p.types {
		if d.match(nsn) {
			return true
		}
	}
	return false
}

// phoneRange scores clusters ri as a phone number; ok is false when it is
// not one. A number must be valid for its numbering plan; one in a strong
// phone format (+CC, NANP, a trunk 0 with grouping) next to a phone cue
// needs only a possible length, because fictional and reserved numbers
// ((555) 123-4567, 07700 900123) are phone numbers to any reader.
func (s *scan) phoneRange(ri *rangeInfo, digits string) (float64, bool) {
	nd := ri.nd
	if nd < 7 || nd > 15 {
		return 0, false
	}
	if ri.seps&sepSlash != 0 && ri.plus {
		return 0, false
	}
	// Dots mixed with spaces are decimals and coordinates, not phones.
	if ri.seps&sepDot != 0 && ri.spaced {
		return 0, false
	}
	if allSame(digits) {
		return 0, false
	}
	intl := ri.plus
	// 3-2-4 is the SSN layout, never a phone layout.
	if !intl && ri.lensAre(3, 2, 4) {
		return 0, false
	}
	idd := !intl && nd >= 10 && digits[0] == '0' && digits[1] == '0' && ri.spaced
	nanp := nanpShape(ri, digits)
	trunk := !intl && !idd && digits[0] == '0' && (ri.spaced || ri.seps&(sepDash|sepParen|sepSlash) != 0) && nd >= 9 && nd <= 12
	// An area code in parentheses: (02) 9374 4000, (11) 91234-5678.
	areaParen := !intl && ri.seps&sepParen != 0 && ri.lens[0] <= 4 && s.text[ri.start] == '(' && nd >= 8
	base := 0.3
	switch {
	case intl:
		base = 0.7
	case idd, nanp:
		base = 0.6
	case trunk, areaParen:
		base = 0.55 // 020 7946 0958, 06 12 34 56 78, 030/901820
	}
	if base+0.35 < s.d.minScore {
		return 0, false
	}
	around, near := s.context(ri.start, ri.end)
	if base < s.d.minScore {
		// Unformatted digits are a phone number only when labelled as one
		// right there ("tel: 4155550123"), not because "phone" appears
		// somewhere on the line.
		around = near
	}
	pos := bit(ePhone)
	neg := cueNegID | cueNegAccount | cueNegVersion | cueNegSection
	sc := combine(base, around, near, pos, neg)
	if sc < s.d.minScore {
		return 0, false
	}
	hasCue := sc > base
	if !intl && !hasCue && !ri.wholeRun {
		// Part of a longer run of numbers ("04 11 23 35 42 49" is a draw,
		// not a French phone number and a 49).
		return 0, false
	}
	pt := phoneTables()
	switch {
	case intl:
		d := trunkZero(ri, digits)
		return sc, pt.validIntl(d) || hasCue && pt.possibleIntl(d)
	case idd:
		return sc, pt.validIntl(digits[2:]) || hasCue && pt.possibleIntl(digits[2:])
	}
	if nanp {
		// 212-555-0147 is a North American layout: validate it there only.
		d := digits
		if nd == 10 {
			d = "1" + d
		}
		if pt.validIntl(d) {
			return sc, true
		}
	} else {
		for _, r := range s.d.regions {
			if r.validNational(digits) {
				return sc, true
			}
		}
	}
	// NANP area codes never start with 0 or 1 (exchanges neither, but
	// fictional numbers such as (555) 123-4567 break that rule and still
	// read as phone numbers).
	if hasCue && nanp && digits[nd-10] >= '2' {
		return sc, true
	}
	if hasCue && trunk {
		for _, r := range s.d.regions {
			if _, ok := r.nationalNumber(digits); ok && r.ndd == "0" {
				return sc, true
			}
		}
	}
	return 0, false
}

// trunkZero drops a "(0)" trunk prefix from an international number
// (+44 (0)20 …).
func trunkZero(ri *rangeInfo, digits string) string {
	// The digit groups are in ri.lens; a group of length 1 holding 0 right
	// after the country code group, written in parentheses, is the trunk
	// prefix. Without group provenance, drop a 0 after a 1–3 digit first
	// group when the whole number is one digit too long.
	if ri.seps&sepParen != 0 && ri.ng >= 2 && ri.lens[1] == 1 && len(digits) > ri.lens[0] && digits[ri.lens[0]] == '0' {
		return digits[:ri.lens[0]] + digits[ri.lens[0]+1:]
	}
	return digits
}

// nanpShape reports the North American formats: (212) 555-0147,
// 212-555-0147, 212.555.0147, 1-800-555-0199, 212 555 0147.
func nanpShape(ri *rangeInfo, digits string) bool {
	switch ri.nd {
	case 10:
		if ri.lensAre(3, 3, 4) {
			return ri.spaced && ri.oneGroupCl || !ri.spaced && (ri.seps == sepDash || ri.seps == sepDot) || ri.seps&sepParen != 0
		}
	case 11:
		if digits[0] == '1' && ri.lensAre(1, 3, 3, 4) {
			return true
		}
	}
	return false
}

func allSame(d string) bool {
	for i := 1; i < len(d); i++ {
		if d[i] != d[0] {
			return false
		}
	}
	return true
}

// splitIntl splits country code and national number; ok is false when no
// calling code matches or the national length is impossible for it.
func (pt *phoneTabs) splitIntl(d string) (int32, string, bool) {
	for l := 1; l <= 3 && l < len(d); l++ {
		cc64, err := strconv.ParseInt(d[:l], 10, 32)
		if err != nil {
			return 0, "", false
		}
		cc := int32(cc64)
		lengths, ok := pt.ccLengths[cc]
		if !ok {
			continue
		}
		// Calling codes are prefix-free: the first that exists is the one.
		nsn := d[l:]
		return cc, nsn, len(nsn) < 32 && lengths&(1<<len(nsn)) != 0
	}
	return 0, "", false
}

// possibleIntl reports a country code with a possible national length.
func (pt *phoneTabs) possibleIntl(d string) bool {
	_, _, ok := pt.splitIntl(d)
	return ok
}

// validIntl validates country code + national number digits: valid for
// one of the regions of the calling code. A trunk prefix written after the
// country code (+44 020 …, a common slip) is dropped as the library's
// parser does.
func (pt *phoneTabs) validIntl(d string) bool {
	for l := 1; l <= 3 && l < len(d); l++ {
		cc64, err := strconv.ParseInt(d[:l], 10, 32)
		if err != nil {
			return false
		}
		regions := pt.byCC[int32(cc64)]
		if len(regions) == 0 {
			continue
		}
		nsn := d[l:]
		for _, r := range regions {
			if r.valid(nsn) {
				return true
			}
			if !r.keepZero && r.ndd != "" && len(nsn) > len(r.ndd) && nsn[:len(r.ndd)] == r.ndd && r.valid(nsn[len(r.ndd):]) {
				return true
			}
		}
		return false
	}
	return false
}

// nationalNumber strips region r's trunk prefix from d and checks the
// possible lengths.
func (r *phoneRegion) nationalNumber(d string) (string, bool) {
	nsn := d
	switch {
	case r.keepZero:
	case r.ndd != "" && len(d) > len(r.ndd) && d[:len(r.ndd)] == r.ndd:
		nsn = d[len(r.ndd):]
	case r.cc == 1, r.ndd == "", r.bareOK:
		// NANP numbers are written without the 1; regions without a trunk
		// prefix are written as they are.
	default:
		return "", false
	}
	return nsn, len(nsn) < 32 && r.lengths&(1<<len(nsn)) != 0
}

// validNational validates a number written in region r's national format.
func (r *phoneRegion) validNational(d string) bool {
	nsn, ok := r.nationalNumber(d)
	return ok && r.valid(nsn)
}
