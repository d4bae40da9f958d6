// Package pii finds personal data in text: the fixed vocabulary of
// EMAIL_ADDRESS, PHONE_NUMBER, IP_ADDRESS, US_SSN, CREDIT_CARD, IBAN_CODE,
// US_PASSPORT, US_DRIVER_LICENSE, US_ITIN, UK_NHS, UK_NINO, MAC_ADDRESS,
// CRYPTO, DATE_OF_BIRTH, PERSON and STREET_ADDRESS (Presidio's names where
// Presidio has the type).
//
// Candidates come from hand-written linear scanners (no regular
// expressions on the hot path) and are confirmed by validators: Luhn and
// issuer ranges for cards, ISO 13616 mod-97 with country lengths for IBANs,
// SSA rules for SSNs, IRS ranges for ITINs, modulus 11 for NHS numbers,
// HMRC prefix rules for NINOs, base58check, bech32/bech32m and EIP-55 for
// crypto addresses, the numbering plans of github.com/nyaruka/phonenumbers
// for phone numbers and net/netip for IP addresses. Context words around a
// candidate raise or lower its score (see cues.go); the weak shapes —
// passport and driver's licence numbers, dates of birth, bare 9- and
// 10-digit numbers — are reported only with context. Names and street
// addresses come from context ("my name is", "Dear", signatures, "Mr.") and
// from embedded gazetteers (data/).
//
// Spans are exact UTF-8 byte offsets into the input, always on rune
// boundaries. The detector has no mutable state and is safe for concurrent
// use; its tables are built once, on first use.
package pii

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/redact"
)

// Name is the detector's name in configuration and in `agentgov scan`.
const Name = "pii"

// DefaultMaxInputBytes bounds one input. Scanning is linear, so the bound
// is about latency and memory, not complexity: 1 MiB takes tens of
// milliseconds. Detect returns ErrInputTooLarge above it and scans nothing,
// so that a gate fails closed instead of passing unscanned data; callers
// with larger documents split them (for example per JSON leaf, which
// redact.JSON does).
const DefaultMaxInputBytes = 1 << 20

// DefaultMinScore is the score a candidate needs to be reported.
const DefaultMinScore = 0.5

// DefaultRegions are the regions whose national phone formats (without a
// +country prefix) are recognised, in the order they are tried.
var DefaultRegions = []string{"US", "GB", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "IE", "PT", "PL", "SE", "AU", "IN", "BR", "MX", "JP", "ZA"}

// ErrInputTooLarge is returned for an input above Options.MaxInputBytes.
var ErrInputTooLarge = errors.New("pii: input too large")

// Options configure a Detector. The zero value selects every type, the
// default regions, DefaultMinScore and DefaultMaxInputBytes.
type Options struct {
	// Types restricts detection to these entity types (nil: all).
	Types []string
	// Regions are ISO 3166-1 alpha-2 codes whose national phone formats
	// are recognised (nil: DefaultRegions). International numbers (+CC)
	// are recognised for every region.
	Regions []string
	// MinScore in (0,1] is the score a finding needs (0: DefaultMinScore).
	MinScore float64
	// MaxInputBytes bounds one input (0: DefaultMaxInputBytes).
	MaxInputBytes int
}

// Detector finds personal data. Build it with New; it is immutable.
type Detector struct {
	enabled  [numEntities]bool
	regions  []*phoneRegion
	minScore float64
	maxBytes int
}

var _ detect.Detector = (*Detector)(nil)

// New returns a Detector for opts.
func New(opts Options) (*Detector, error) {
	d := &Detector{minScore: DefaultMinScore, maxBytes: DefaultMaxInputBytes}
	if len(opts.Types) == 0 {
		for i := range d.enabled {
			d.enabled[i] = true
		}
	}
	for _, t := range opts.Types {
		e, ok := entityByName(t)
		if !ok {
			return nil, fmt.Errorf("pii: unknown entity type %q", t)
		}
		d.enabled[e] = true
	}
	if opts.MinScore < 0 || opts.MinScore > 1 {
		return nil, fmt.Errorf("pii: min score %v outside [0,1]", opts.MinScore)
	}
	if opts.MinScore > 0 {
		d.minScore = opts.MinScore
	}
	maxBytes, err := detect.InputLimit(opts.MaxInputBytes, DefaultMaxInputBytes)
	if err != nil {
		return nil, fmt.Errorf("pii: %w", err)
	}
	d.maxBytes = maxBytes
	regions := opts.Regions
	if regions == nil {
		regions = DefaultRegions
	}
	pt := phoneTables()
	for _, r := range regions {
		pr, ok := pt.regions[strings.ToUpper(r)]
		if !ok {
			return nil, fmt.Errorf("pii: unknown phone region %q", r)
		}
		d.regions = append(d.regions, pr)
	}
	return d, nil
}

// Default returns a Detector with the zero Options.
func Default() *Detector {
	d, err := New(Options{})
	if err != nil {
		panic(err) // the defaults are valid; a test covers it
	}
	return d
}

// Name implements detect.Detector.
func (d *Detector) Name() string { return Name }

// Detect implements detect.Detector. The result's Score is the highest
// finding score; Flagged is always false, because the default profile
// redacts personal data rather than blocking it.
func (d *Detector) Detect(ctx context.Context, in detect.Input) (detect.Result, error) {
	return detect.DetectWith(ctx, in, d.Find)
}

// Find returns the findings in text, ordered by start offset, with no two
// overlapping.
func (d *Detector) Find(text string) ([]detect.Finding, error) {
	if err := detect.CheckInputSize(text, d.maxBytes, ErrInputTooLarge); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, nil
	}
	t := getTables()
	s := &scan{d: d, t: t, text: text}
	s.tags = redact.TagSpans(text)
	s.hits = t.cues.find(text, s.tags)
	s.scanEmails()
	s.scanNumbers()
	s.scanTokens()
	s.scanTriggered()
	s.scanNames()
	s.scanStreets()
	return detect.ResolveOverlaps(s.cands), nil
}

// scan is the state of one Find call.
type scan struct {
	d    *Detector
	t    *tables
	text string
	tags [][2]int
	hits []cueHit
	// cands are the candidate findings, overlapping, in the order found.
	cands []detect.Finding
	// houseNumbers are short numbers that may start or end a street
	// address, collected by the number scanner for scanStreets.
	houseNumbers [][2]int
}

// add records a candidate if its type is enabled, its score reaches the
// threshold and it does not touch a redaction tag.
func (s *scan) add(e entity, start, end int, score float64) {
	if !s.d.enabled[e] || score < s.d.minScore || start >= end {
		return
	}
	if len(s.tags) > 0 && detect.OverlapsAny(s.tags, start, end) {
		return
	}
	s.cands = append(s.cands, detect.Finding{
		Type:     entityNames[e],
		Start:    start,
		End:      end,
		Severity: entitySeverity[e],
		Score:    min(score, 1),
		Detail:   entityDetail[e],
	})
}

// score combines a base score with the context of [start,end) (see
// combine).
func (s *scan) score(e entity, base float64, start, end int, neg cueMask) float64 {
	around, near := s.context(start, end)
	return combine(base, around, near, bit(e), neg)
}
