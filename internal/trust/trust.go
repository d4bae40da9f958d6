// Package trust is agentgov's one trust scale: a score from 0 to 1000 per
// agent, default 500, read as five tiers. The gate feeds it signals from
// its decisions (denials, ring breaches, injection and exfiltration
// findings lower the score; clean completed work raises it slowly) and
// enforces minimum tiers that profiles and tools ask for.
//
// Revocation is not a score: it is a lifecycle state, so no amount of decay
// or good behaviour can un-revoke an agent. This package knows nothing of
// it.
package trust

import (
	"fmt"
	"math"
	"time"
)

// Score bounds.
const (
	MinScore     = 0
	MaxScore     = 1000
	DefaultScore = 500
)

// Tier is a named band of scores.
type Tier string

// Tiers, highest first.
const (
	VerifiedPartner Tier = "verified_partner"
	Trusted         Tier = "trusted"
	Standard        Tier = "standard"
	Probationary    Tier = "probationary"
	Untrusted       Tier = "untrusted"
)

// Tier floors: a score at or above the floor is in the tier.
const (
	VerifiedPartnerFloor = 900
	TrustedFloor         = 700
	StandardFloor        = 500
	ProbationaryFloor    = 300
)

// Tiers lists the tiers, lowest first.
func Tiers() []Tier { return []Tier{Untrusted, Probationary, Standard, Trusted, VerifiedPartner} }

// TierOf returns the tier of a score.
func TierOf(score int) Tier {
	switch {
	case score >= VerifiedPartnerFloor:
		return VerifiedPartner
	case score >= TrustedFloor:
		return Trusted
	case score >= StandardFloor:
		return Standard
	case score >= ProbationaryFloor:
		return Probationary
	}
	return Untrusted
}

// ParseTier returns the tier named s.
func ParseTier(s string) (Tier, bool) {
	for _, t := range Tiers() {
		if string(t) == s {
			return t, true
		}
	}
	return "", false
}

// Rank orders tiers: untrusted 0 … verified_partner 4; -1 for an unknown
// tier.
func (t Tier) Rank() int {
	for i, x := range Tiers() {
		if x == t {
			return i
		}
	}
	return -1
}

// AtLeast reports whether t is min or higher. An unknown tier is never at
// least anything: fail closed.
func (t Tier) AtLeast(min Tier) bool {
	r := t.Rank()
	return r >= 0 && r >= min.Rank()
}

// Signal is what one decision says about an agent.
type Signal uint8

// Signals, in increasing severity after None and Clean.
const (
	None Signal = iota
	Clean
	Denial
	RingBreach
	Injection
	Exfiltration
)

func (s Signal) String() string {
	switch s {
	case Clean:
		return "clean"
	case Denial:
		return "denial"
	case RingBreach:
		return "ring_breach"
	case Injection:
		return "injection"
	case Exfiltration:
		return "exfiltration"
	}
	return "none"
}

// Weights are the points each signal moves the score by. Penalties are
// magnitudes (subtracted); Clean is the gain at the default score, and
// shrinks linearly to nothing at MaxScore, so that trust is earned ever
// more slowly the higher it is. The defaults are deliberately asymmetric:
// one denial costs ten clean actions, an injection or exfiltration attempt
// a hundred or more — trust is lost quickly and regained slowly, so that a
// compromised agent cannot bank goodwill to spend on an attack.
type Weights struct {
	Clean        int64
	Denial       int64
	RingBreach   int64
	Injection    int64
	Exfiltration int64
}

// DefaultWeights are the weights without configuration.
func DefaultWeights() Weights {
	return Weights{Clean: 1, Denial: 10, RingBreach: 50, Injection: 100, Exfiltration: 150}
}

// Validate checks the weights' ranges and their asymmetry.
func (w Weights) Validate() error {
	if w.Clean < 0 || w.Clean > 100 {
		return fmt.Errorf("clean: must be between 0 and 100")
	}
	for _, p := range []struct {
		name string
		v    int64
	}{{"denial", w.Denial}, {"ring_breach", w.RingBreach}, {"injection", w.Injection}, {"exfiltration", w.Exfiltration}} {
		if p.v < 0 || p.v > MaxScore {
			return fmt.Errorf("%s: must be between 0 and %d", p.name, MaxScore)
		}
		if p.v != 0 && p.v <= w.Clean {
			return fmt.Errorf("%s: must be greater than clean (%d): trust is lost faster than it is earned, or the penalty is 0 to switch the signal off", p.name, w.Clean)
		}
	}
	return nil
}

func (w Weights) penalty(s Signal) float64 {
	switch s {
	case Denial:
		return float64(w.Denial)
	case RingBreach:
		return float64(w.RingBreach)
	case Injection:
		return float64(w.Injection)
	case Exfiltration:
		return float64(w.Exfiltration)
	}
	return 0
}

// apply returns the score after one signal.
func (w Weights) apply(score float64, s Signal) float64 {
	switch s {
	case None:
		return score
	case Clean:
		// Diminishing: the full weight at the default, nothing at the
		// top; below the default a clean action earns the full weight.
		f := 1.0
		if score > DefaultScore {
			f = (MaxScore - score) / (MaxScore - DefaultScore)
		}
		return clamp(score + float64(w.Clean)*f)
	}
	return clamp(score - w.penalty(s))
}

func clamp(x float64) float64 { return min(max(x, MinScore), MaxScore) }

// decay returns score after elapsed time: exponential toward the default
// with the given half-life. Negative elapsed time (a clock step back)
// decays nothing.
func decay(score float64, elapsed, halfLife time.Duration) float64 {
	if elapsed <= 0 || halfLife <= 0 || score == DefaultScore {
		return score
	}
	f := math.Exp2(-float64(elapsed) / float64(halfLife))
	out := DefaultScore + (score-DefaultScore)*f
	// Within a millionth of a point is the default: the tail would
	// otherwise never quite arrive.
	if math.Abs(out-DefaultScore) < 1e-6 {
		return DefaultScore
	}
	return out
}

// round is the public score of an exact one.
func round(x float64) int { return int(math.Round(clamp(x))) }
