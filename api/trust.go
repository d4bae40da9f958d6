package api

import "time"

// TrustStanding is an agent's trust (GET /v1/trust/{agent}).
type TrustStanding struct {
	Agent string `json:"agent"`
	// Score is 0 to 1000 (default 500), decayed to now; Tier is its tier:
	// untrusted < 300 ≤ probationary < 500 ≤ standard < 700 ≤ trusted <
	// 900 ≤ verified_partner.
	Score    int           `json:"score"`
	Tier     string        `json:"tier"`
	Updated  time.Time     `json:"updated"`
	Counters TrustCounters `json:"counters"`
}

// TrustCounters count the signals an agent's score has taken.
type TrustCounters struct {
	Clean         int64 `json:"clean"`
	Denials       int64 `json:"denials"`
	RingBreaches  int64 `json:"ring_breaches"`
	Injections    int64 `json:"injections"`
	Exfiltrations int64 `json:"exfiltrations"`
	Resets        int64 `json:"resets"`
}

// TrustSet is the body of POST /v1/trust/{agent} (ADMIN): set the score,
// 500 (the default) when absent.
type TrustSet struct {
	Score  *int   `json:"score,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// DelegationRegister is the body of POST /v1/delegations.
type DelegationRegister struct {
	Token string `json:"token"`
}

// Delegation describes a registered delegation token.
type Delegation struct {
	Digest    string    `json:"digest"`
	ID        string    `json:"id"`
	From      string    `json:"from"`
	To        string    `json:"to"`
	Tools     []string  `json:"tools,omitempty"`
	Resources []string  `json:"resources,omitempty"`
	Points    []string  `json:"points,omitempty"`
	Expires   time.Time `json:"expires"`
	// Registered is false when the token was already registered.
	Registered bool `json:"registered"`
}

// DelegationRevoke is the body of POST /v1/delegations/revoke: the token,
// or the digest of a registered one (any digest for an ADMIN).
type DelegationRevoke struct {
	Token  string `json:"token,omitempty"`
	Digest string `json:"digest,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// DelegationRevoked is its answer.
type DelegationRevoked struct {
	Digest string `json:"digest"`
	// Revoked is false when the token was already revoked.
	Revoked bool `json:"revoked"`
}
