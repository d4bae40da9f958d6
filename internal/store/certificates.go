package store

import (
	"context"
	"time"
)

// CertificateRecord is one X.509 certificate agentgov's built-in CA
// issued. The certificate itself is not kept: the log records what was
// issued to whom and when, and the digest identifies the exact bytes.
type CertificateRecord struct {
	// Serial is the certificate serial number in lower-case hex; it is
	// unique.
	Serial string
	// SPIFFEID is the certificate's URI SAN.
	SPIFFEID string
	// Issuer identifies the CA certificate that signed it (the CA's id:
	// hex of the first 8 bytes of the SHA-256 of its DER).
	Issuer string
	// NotBefore and NotAfter are the certificate's validity window.
	NotBefore, NotAfter time.Time
	// SHA256 is the lower-case hex SHA-256 of the certificate DER.
	SHA256 string
	// IssuedAt is when the CA signed it.
	IssuedAt time.Time
	// Revoked marks a certificate that must no longer be accepted.
	Revoked bool
}

// CertificateQuery selects issued certificates, newest issuance first.
// Empty strings match anything.
type CertificateQuery struct {
	SPIFFEID string
	Issuer   string
	Limit    int
}

// Certificates is the issued-certificate log of the built-in CA.
type Certificates interface {
	// PutCertificate records an issued certificate; a serial that is
	// already recorded is ErrConflict.
	PutCertificate(ctx context.Context, r CertificateRecord) error
	// GetCertificate returns the record of serial, or ErrNotFound.
	GetCertificate(ctx context.Context, serial string) (CertificateRecord, error)
	// ListCertificates returns up to q.Limit records (0: all) matching q,
	// newest issuance first.
	ListCertificates(ctx context.Context, q CertificateQuery) ([]CertificateRecord, error)
	// RevokeCertificate sets the revoked flag of serial; ErrNotFound if it
	// was never recorded. Revoking twice is not an error.
	RevokeCertificate(ctx context.Context, serial string) error
	// LatestCertificateExpiry returns the largest NotAfter of the
	// certificates issuer signed, or ErrNotFound if it signed none.
	LatestCertificateExpiry(ctx context.Context, issuer string) (time.Time, error)
}
