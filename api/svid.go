package api

// SVIDRequest is the body of POST /v1/identity/svid: a PKCS#10 CSR for a
// key the agent holds (ECDSA P-256/P-384 or Ed25519). The CA sets the
// subject and SANs itself; a CSR asking for any SAN other than the
// caller's own SPIFFE ID is refused.
type SVIDRequest struct {
	// CSR is one PEM "CERTIFICATE REQUEST" block.
	CSR string `json:"csr"`
	// Agent names the agent to issue for. An agent principal (handshake
	// session or SVID) may leave it empty or repeat its own id; an ADMIN
	// operator must set it.
	Agent string `json:"agent,omitempty"`
}

// SVIDResponse is the answer: the X.509-SVID and the trust bundle to
// verify peers (and the server) with.
type SVIDResponse struct {
	SPIFFEID string `json:"spiffe_id"`
	// SVID is the certificate chain, PEM, leaf first.
	SVID string `json:"svid"`
	// Bundle is every CA certificate of the trust domain, PEM; it may hold
	// more than one while a rotated CA's SVIDs are still valid.
	Bundle    string `json:"bundle"`
	Serial    string `json:"serial"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	// AuditIndex is the audit entry that records the issuance.
	AuditIndex int64 `json:"audit_index"`
}

// SVIDRevoked answers POST /v1/identity/svid/{serial}/revocation.
type SVIDRevoked struct {
	Serial  string `json:"serial"`
	Revoked bool   `json:"revoked"`
}
