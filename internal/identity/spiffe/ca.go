// Package spiffe gives agents and agentgov itself SPIFFE identities: a
// built-in certificate authority for one trust domain that issues
// short-lived X.509-SVIDs, keeps its key on disk (mode 0600) and a log of
// every certificate it issued in the store, rotates without breaking the
// SVIDs already handed out, and the TLS configurations that accept and
// present them. An existing SPIRE deployment can stand in for the built-in
// CA through the Workload API (see OpenWorkloadAPI).
//
// Verification is go-spiffe's (x509svid.Verify against an x509bundle
// source); this package decides what is issued and what is trusted.
package spiffe

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/spiffe/go-spiffe/v2/bundle/x509bundle"
	"github.com/spiffe/go-spiffe/v2/spiffeid"
	"github.com/spiffe/go-spiffe/v2/svid/x509svid"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/keyring"
	"github.com/agentgov/agentgov/internal/store"
)

// Defaults and bounds of the validity periods.
const (
	DefaultSVIDTTL = time.Hour
	MinSVIDTTL     = time.Minute
	MaxSVIDTTL     = 24 * time.Hour
	DefaultCATTL   = 365 * 24 * time.Hour
	// backdate covers clock skew between agentgov and the peers that
	// verify what it issues.
	backdate = 30 * time.Second
)

// ServerPath is the SPIFFE ID path of agentgov's own server identity.
const ServerPath = "/agentgov/server"

// AuditSource is the source of the CA's audit entries.
const AuditSource = "agentgov"

// Errors callers branch on.
var (
	// ErrRequest: a CSR or identity the CA refuses to sign (bad encoding,
	// a bad signature, a key type or SAN outside policy, an agent id that
	// is no SPIFFE path segment).
	ErrRequest = errors.New("spiffe: certificate request refused")
	// ErrUntrusted: a certificate that does not verify as an SVID of the
	// trust domain, or that was revoked.
	ErrUntrusted = errors.New("spiffe: certificate not trusted")
)

// AuditLog records the CA's state changes; *audit.Log implements it.
type AuditLog interface {
	Append(ctx context.Context, ev *api.Event, source string) (int64, error)
}

// Options configure OpenCA.
type Options struct {
	// TrustDomain is auth.trust_domain, e.g. agentgov.local.
	TrustDomain string
	// Dir holds the CA's files (a directory under the data directory's
	// keys directory; created 0700).
	Dir string
	// Store keeps the issued-certificate log.
	Store store.Certificates
	// Audit records every issuance and rotation; required: an issuance
	// that cannot be recorded does not happen.
	Audit AuditLog
	// SVIDTTL is the lifetime of issued SVIDs (0: DefaultSVIDTTL); CATTL
	// that of a new CA certificate (0: DefaultCATTL).
	SVIDTTL, CATTL time.Duration
	// Now and Rand are injected for tests (nil: time.Now, crypto/rand).
	// Rand draws serial numbers; key generation and signatures always use
	// the system's secure source.
	Now  func() time.Time
	Rand io.Reader
}

// authority is one CA certificate; key is nil once it has been retired.
type authority struct {
	id    string
	cert  *x509.Certificate
	key   crypto.Signer
	until time.Time // retired: trusted until then
}

type caState struct {
	current *authority
	retired []*authority
}

// CA is the built-in certificate authority. It is safe for concurrent use.
type CA struct {
	o  Options
	td spiffeid.TrustDomain
	// mu is held shared by issuances and exclusively by Rotate, so that
	// no SVID is signed by a CA after its retirement was computed.
	mu    sync.RWMutex
	state atomic.Pointer[caState]
	// revocations counts Revoke calls, so that a caller caching "not
	// revoked" answers knows when they may have gone stale.
	revocations atomic.Uint64
}

// stateFile names the CA's active and retired certificates.
const stateFile = "state.json"

type stateDoc struct {
	Current string         `json:"current"`
	Retired []retiredEntry `json:"retired,omitempty"`
}

type retiredEntry struct {
	ID    string    `json:"id"`
	Until time.Time `json:"until"`
}

// OpenCA loads the CA from o.Dir, creating it (and recording that in the
// audit log) on first use.
func OpenCA(ctx context.Context, o Options) (*CA, error) {
	td, err := spiffeid.TrustDomainFromString(o.TrustDomain)
	if err != nil {
		return nil, fmt.Errorf("spiffe: trust domain %q: %w", o.TrustDomain, err)
	}
	if o.Store == nil || o.Audit == nil || o.Dir == "" {
		return nil, errors.New("spiffe: a CA needs a directory, a certificate store and an audit log")
	}
	if o.SVIDTTL == 0 {
		o.SVIDTTL = DefaultSVIDTTL
	}
	if o.SVIDTTL < MinSVIDTTL || o.SVIDTTL > MaxSVIDTTL {
		return nil, fmt.Errorf("spiffe: SVID lifetime %s is outside [%s, %s]", o.SVIDTTL, MinSVIDTTL, MaxSVIDTTL)
	}
	if o.CATTL == 0 {
		o.CATTL = DefaultCATTL
	}
	if o.CATTL < 2*o.SVIDTTL {
		return nil, fmt.Errorf("spiffe: CA lifetime %s must be at least twice the SVID lifetime %s", o.CATTL, o.SVIDTTL)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Reader
	}
	ca := &CA{o: o, td: td}
	b, err := os.ReadFile(filepath.Join(o.Dir, stateFile))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		a, err := ca.newAuthority()
		if err != nil {
			return nil, err
		}
		if err := ca.commit(&caState{current: a}); err != nil {
			return nil, err
		}
		if err := ca.record(ctx, "spiffe_ca_create", "created", map[string]any{"ca": a.id, "not_after": a.cert.NotAfter.UTC()}); err != nil {
			return nil, err
		}
		return ca, nil
	case err != nil:
		return nil, fmt.Errorf("spiffe: %w", err)
	}
	var doc stateDoc
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("spiffe: %s: %w", filepath.Join(o.Dir, stateFile), err)
	}
	st := &caState{}
	if st.current, err = ca.loadAuthority(doc.Current, true); err != nil {
		return nil, err
	}
	for _, r := range doc.Retired {
		a, err := ca.loadAuthority(r.ID, false)
		if err != nil {
			return nil, err
		}
		a.until = r.Until
		st.retired = append(st.retired, a)
	}
	ca.state.Store(st)
	return ca, nil
}

// TrustDomain is the CA's trust domain.
func (ca *CA) TrustDomain() spiffeid.TrustDomain { return ca.td }

// SVIDTTL is the lifetime of the SVIDs the CA issues.
func (ca *CA) SVIDTTL() time.Duration { return ca.o.SVIDTTL }

// CurrentID identifies the CA certificate that signs new SVIDs.
func (ca *CA) CurrentID() string { return ca.state.Load().current.id }

// Authorities returns the CA certificates a peer must trust now: the
// current one and every retired one that may still have signed a valid
// SVID, current first.
func (ca *CA) Authorities() []*x509.Certificate {
	st, now := ca.state.Load(), ca.o.Now()
	out := []*x509.Certificate{st.current.cert}
	for _, a := range st.retired {
		if now.Before(a.until) {
			out = append(out, a.cert)
		}
	}
	return out
}

// Bundle is the trust bundle of the domain (Authorities).
func (ca *CA) Bundle() *x509bundle.Bundle {
	return x509bundle.FromX509Authorities(ca.td, ca.Authorities())
}

// BundlePEM is Bundle as concatenated PEM certificates.
func (ca *CA) BundlePEM() []byte {
	var out []byte
	for _, c := range ca.Authorities() {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// GetX509BundleForTrustDomain implements x509bundle.Source: the bundle is
// read at each call, so a rotation is seen by the next handshake.
func (ca *CA) GetX509BundleForTrustDomain(td spiffeid.TrustDomain) (*x509bundle.Bundle, error) {
	if td != ca.td {
		return nil, fmt.Errorf("%w: no bundle for trust domain %q", ErrUntrusted, td)
	}
	return ca.Bundle(), nil
}

// AgentID is the SPIFFE ID of agent id in the CA's trust domain.
func (ca *CA) AgentID(agent string) (spiffeid.ID, error) {
	id, err := spiffeid.FromSegments(ca.td, "agent", agent)
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("%w: agent id %q cannot be a SPIFFE path segment: %w", ErrRequest, agent, err)
	}
	return id, nil
}

// Issued is a newly signed SVID.
type Issued struct {
	ID spiffeid.ID
	// Certificates is the chain to present (the leaf; the CA is a root of
	// the bundle).
	Certificates []*x509.Certificate
	Record       store.CertificateRecord
	// AuditIndex is the index of the issuance entry.
	AuditIndex int64
}

// CertificatePEM is the chain as PEM.
func (i *Issued) CertificatePEM() []byte {
	var out []byte
	for _, c := range i.Certificates {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// MaxCSRBytes bounds a CSR PEM.
const MaxCSRBytes = 16 << 10

// ParseCSR decodes one PEM CERTIFICATE REQUEST and checks its signature
// (proof that the requester holds the private key) and key policy: ECDSA
// P-256 or P-384, or Ed25519. SANs are checked against the identity by
// IssueAgent, which sets them itself.
func ParseCSR(pemBytes []byte) (*x509.CertificateRequest, error) {
	if len(pemBytes) > MaxCSRBytes {
		return nil, fmt.Errorf("%w: the CSR is larger than %d bytes", ErrRequest, MaxCSRBytes)
	}
	block, rest := pem.Decode(pemBytes)
	if block == nil || block.Type != "CERTIFICATE REQUEST" {
		return nil, fmt.Errorf("%w: expected one PEM block of type CERTIFICATE REQUEST", ErrRequest)
	}
	if more, _ := pem.Decode(rest); more != nil {
		return nil, fmt.Errorf("%w: expected exactly one PEM block", ErrRequest)
	}
	csr, err := x509.ParseCertificateRequest(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrRequest, err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("%w: the CSR signature does not verify: %w", ErrRequest, err)
	}
	if err := checkKey(csr.PublicKey); err != nil {
		return nil, err
	}
	return csr, nil
}

func checkKey(pub crypto.PublicKey) error {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() && k.Curve != elliptic.P384() {
			return fmt.Errorf("%w: ECDSA keys must be on P-256 or P-384", ErrRequest)
		}
		return nil
	case ed25519.PublicKey:
		return nil
	}
	return fmt.Errorf("%w: key type %T is not accepted; use ECDSA P-256 or Ed25519", ErrRequest, pub)
}

// IssueAgent signs an SVID for agent from csr (as returned by ParseCSR).
// The CA sets subject and SANs itself; a CSR that asks for any SAN other
// than the agent's own SPIFFE ID is refused rather than silently edited.
// by names who asked (recorded in the audit entry).
func (ca *CA) IssueAgent(ctx context.Context, agent string, csr *x509.CertificateRequest, by string) (*Issued, error) {
	id, err := ca.AgentID(agent)
	if err != nil {
		return nil, err
	}
	if len(csr.DNSNames) > 0 || len(csr.IPAddresses) > 0 || len(csr.EmailAddresses) > 0 {
		return nil, fmt.Errorf("%w: the CSR asks for DNS, IP or e-mail SANs; an agent SVID carries only its SPIFFE ID", ErrRequest)
	}
	for _, u := range csr.URIs {
		if u.String() != id.String() {
			return nil, fmt.Errorf("%w: the CSR asks for URI SAN %q, but the caller's identity is %s", ErrRequest, u.String(), id)
		}
	}
	if err := checkKey(csr.PublicKey); err != nil {
		return nil, err
	}
	return ca.issue(ctx, id, csr.PublicKey, nil, nil, agent, by)
}

// IssueServer issues agentgov's own server SVID for a fresh key, with DNS
// and IP SANs for hosts so that clients can also verify it by name.
func (ca *CA) IssueServer(ctx context.Context, hosts []string) (*x509svid.SVID, error) {
	id, err := spiffeid.FromPath(ca.td, ServerPath)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("spiffe: server key: %w", err)
	}
	var dns []string
	var ips []net.IP
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			ips = append(ips, ip)
		} else if h != "" && !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	is, err := ca.issue(ctx, id, key.Public(), dns, ips, "agentgov", AuditSource)
	if err != nil {
		return nil, err
	}
	return &x509svid.SVID{ID: id, Certificates: is.Certificates, PrivateKey: key}, nil
}

func (ca *CA) issue(ctx context.Context, id spiffeid.ID, pub crypto.PublicKey, dns []string, ips []net.IP, agent, by string) (*Issued, error) {
	ca.mu.RLock()
	defer ca.mu.RUnlock()
	a := ca.state.Load().current
	now := ca.o.Now()
	serial, err := ca.serial()
	if err != nil {
		return nil, err
	}
	notBefore := now.Add(-backdate)
	if notBefore.Before(a.cert.NotBefore) {
		notBefore = a.cert.NotBefore
	}
	notAfter := now.Add(ca.o.SVIDTTL)
	if notAfter.After(a.cert.NotAfter) {
		notAfter = a.cert.NotAfter
	}
	if !notAfter.After(now) {
		return nil, fmt.Errorf("spiffe: CA certificate %s has expired; rotate the CA (agentgov keys rotate --ca)", a.id)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// The SPIFFE ID is the identity; the subject only helps humans
		// reading the certificate.
		Subject:               pkix.Name{Organization: []string{"agentgov"}, CommonName: id.Path()},
		URIs:                  []*url.URL{id.URL()},
		DNSNames:              dns,
		IPAddresses:           ips,
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageKeyAgreement,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, a.cert, pub, a.key)
	if err != nil {
		return nil, fmt.Errorf("spiffe: sign SVID: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("spiffe: parse issued SVID: %w", err)
	}
	sum := sha256.Sum256(der)
	rec := store.CertificateRecord{
		Serial: hex.EncodeToString(serial.Bytes()), SPIFFEID: id.String(), Issuer: a.id,
		NotBefore: leaf.NotBefore, NotAfter: leaf.NotAfter, SHA256: hex.EncodeToString(sum[:]), IssuedAt: now,
	}
	if err := ca.o.Store.PutCertificate(ctx, rec); err != nil {
		return nil, fmt.Errorf("spiffe: recording SVID %s: %w", rec.Serial, err)
	}
	idx, err := ca.appendEntry(ctx, &api.Event{Type: "identity", Agent: agent, Action: "svid_issue", Decision: "issued",
		Reason: "requested by " + by}, map[string]any{
		"serial": rec.Serial, "spiffe_id": rec.SPIFFEID, "ca": rec.Issuer, "sha256": rec.SHA256,
		"not_before": rec.NotBefore.UTC(), "not_after": rec.NotAfter.UTC(), "requested_by": by,
	})
	if err != nil {
		// Fail closed: an issuance the log does not show must not be
		// usable. The certificate never leaves this function, and the
		// record is marked revoked in case it did leak.
		_ = ca.o.Store.RevokeCertificate(context.WithoutCancel(ctx), rec.Serial)
		return nil, fmt.Errorf("spiffe: recording the issuance of %s: %w", rec.Serial, err)
	}
	return &Issued{ID: id, Certificates: []*x509.Certificate{leaf}, Record: rec, AuditIndex: idx}, nil
}

// serial draws a positive 127-bit serial number.
func (ca *CA) serial() (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(ca.o.Rand, b[:]); err != nil {
		return nil, fmt.Errorf("spiffe: serial: %w", err)
	}
	b[0] &= 0x7f
	b[0] |= 0x40 // a fixed length keeps the hex form canonical
	return new(big.Int).SetBytes(b[:]), nil
}

// Verify checks that certs (leaf first) is an SVID of the CA's trust
// domain, valid now under the current bundle and not revoked.
func (ca *CA) Verify(ctx context.Context, certs []*x509.Certificate) (spiffeid.ID, error) {
	id, _, err := x509svid.Verify(certs, ca, x509svid.WithTime(ca.o.Now()))
	if err != nil {
		return spiffeid.ID{}, fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	if err := ca.checkRevoked(ctx, certs[0]); err != nil {
		return spiffeid.ID{}, err
	}
	return id, nil
}

// CheckRevoked checks that leaf is in the issued-certificate log and not
// revoked (what Verify checks after the chain).
func (ca *CA) CheckRevoked(ctx context.Context, leaf *x509.Certificate) error {
	return ca.checkRevoked(ctx, leaf)
}

// RevocationEpoch changes whenever a certificate is revoked.
func (ca *CA) RevocationEpoch() uint64 { return ca.revocations.Load() }

func (ca *CA) checkRevoked(ctx context.Context, leaf *x509.Certificate) error {
	serial := hex.EncodeToString(leaf.SerialNumber.Bytes())
	rec, err := ca.o.Store.GetCertificate(ctx, serial)
	switch {
	case errors.Is(err, store.ErrNotFound):
		// Signed by our key but absent from the log: not something this
		// CA handed out through IssueAgent/IssueServer.
		return fmt.Errorf("%w: certificate %s is not in the issued-certificate log", ErrUntrusted, serial)
	case err != nil:
		return fmt.Errorf("%w: checking revocation of %s: %w", ErrUntrusted, serial, err)
	case rec.Revoked:
		return fmt.Errorf("%w: certificate %s was revoked", ErrUntrusted, serial)
	}
	return nil
}

// Revoke marks serial revoked; Verify refuses it from then on.
func (ca *CA) Revoke(ctx context.Context, serial, by string) error {
	rec, err := ca.o.Store.GetCertificate(ctx, serial)
	if err != nil {
		return fmt.Errorf("spiffe: revoke %s: %w", serial, err)
	}
	if err := ca.o.Store.RevokeCertificate(ctx, serial); err != nil {
		return fmt.Errorf("spiffe: revoke %s: %w", serial, err)
	}
	ca.revocations.Add(1)
	_, err = ca.appendEntry(ctx, &api.Event{Type: "identity", Agent: agentOf(rec.SPIFFEID), Action: "svid_revoke", Decision: "revoked",
		Reason: "requested by " + by}, map[string]any{"serial": serial, "spiffe_id": rec.SPIFFEID, "requested_by": by})
	return err
}

func agentOf(spiffeID string) string {
	id, err := spiffeid.FromString(spiffeID)
	if err != nil {
		return "agentgov"
	}
	if rest, ok := strings.CutPrefix(id.Path(), "/agent/"); ok {
		return rest
	}
	return "agentgov"
}

// RotationDue reports whether the current CA certificate must be replaced
// now: less than a third of its lifetime, or less than two SVID
// lifetimes, is left. Rotating then leaves every SVID it signed time to be
// renewed under the new CA before the old one expires.
func (ca *CA) RotationDue() bool {
	cur := ca.state.Load().current.cert
	left := cur.NotAfter.Sub(ca.o.Now())
	return left < cur.NotAfter.Sub(cur.NotBefore)/3 || left < 2*ca.o.SVIDTTL
}

// Rotate makes a new CA key and certificate that signs every SVID from now
// on. The old certificate stays in the bundle until the last SVID it
// signed expires, so nothing already issued stops verifying; its private
// key is deleted at once. The rotation is an audit entry.
func (ca *CA) Rotate(ctx context.Context) error {
	ca.mu.Lock()
	defer ca.mu.Unlock()
	old := ca.state.Load()
	now := ca.o.Now()
	until, err := ca.o.Store.LatestCertificateExpiry(ctx, old.current.id)
	if errors.Is(err, store.ErrNotFound) {
		until = now
	} else if err != nil {
		return fmt.Errorf("spiffe: rotate: %w", err)
	}
	if until.After(old.current.cert.NotAfter) {
		until = old.current.cert.NotAfter
	}
	a, err := ca.newAuthority()
	if err != nil {
		return err
	}
	next := &caState{current: a}
	if until.After(now) {
		next.retired = append(next.retired, &authority{id: old.current.id, cert: old.current.cert, until: until})
	}
	for _, r := range old.retired {
		if r.until.After(now) {
			next.retired = append(next.retired, r)
		}
	}
	if err := ca.commit(next); err != nil {
		return err
	}
	// The old key signs nothing any more; it must not outlive its use.
	if err := os.Remove(filepath.Join(ca.o.Dir, "ca-"+old.current.id+".key")); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("spiffe: removing the retired CA key: %w", err)
	}
	return ca.record(ctx, "spiffe_ca_rotate", "rotated", map[string]any{
		"ca": a.id, "previous_ca": old.current.id, "previous_trusted_until": until.UTC(), "not_after": a.cert.NotAfter.UTC(),
	})
}

func (ca *CA) newAuthority() (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("spiffe: CA key: %w", err)
	}
	serial, err := ca.serial()
	if err != nil {
		return nil, err
	}
	now := ca.o.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{Organization: []string{"agentgov"}, CommonName: "agentgov CA " + ca.td.Name(), SerialNumber: serial.Text(16)},
		URIs:                  []*url.URL{ca.td.ID().URL()},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(ca.o.CATTL),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("spiffe: self-sign CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	a := &authority{id: authorityID(cert), cert: cert, key: key}
	pk, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	if err := keyring.WriteSecretFile(filepath.Join(ca.o.Dir, "ca-"+a.id+".key"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pk})); err != nil {
		return nil, fmt.Errorf("spiffe: storing the CA key: %w", err)
	}
	if err := keyring.WritePublicFile(filepath.Join(ca.o.Dir, "ca-"+a.id+".pem"), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})); err != nil {
		return nil, fmt.Errorf("spiffe: storing the CA certificate: %w", err)
	}
	return a, nil
}

func authorityID(cert *x509.Certificate) string {
	sum := sha256.Sum256(cert.Raw)
	return hex.EncodeToString(sum[:8])
}

// commit persists st (the state file is replaced atomically, after the
// files it names exist) and publishes it.
func (ca *CA) commit(st *caState) error {
	doc := stateDoc{Current: st.current.id}
	for _, r := range st.retired {
		doc.Retired = append(doc.Retired, retiredEntry{ID: r.id, Until: r.until.UTC()})
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return err
	}
	if err := keyring.WritePublicFile(filepath.Join(ca.o.Dir, stateFile), append(b, '\n')); err != nil {
		return fmt.Errorf("spiffe: storing the CA state: %w", err)
	}
	ca.state.Store(st)
	// A copy of the bundle for local clients (BundlePath); it may list a
	// retired CA a little longer than Authorities does, which only trusts
	// what is already trusted.
	if err := keyring.WritePublicFile(filepath.Join(ca.o.Dir, bundleFile), ca.BundlePEM()); err != nil {
		return fmt.Errorf("spiffe: storing the bundle: %w", err)
	}
	return nil
}

// bundleFile is the PEM bundle written beside the CA state.
const bundleFile = "bundle.pem"

// Exists reports whether dir holds a CA (OpenCA would load it rather than
// create one).
func Exists(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, stateFile))
	return err == nil
}

// BundlePath is the bundle file of the CA in dir, if there is one: what a
// client on the same host trusts an agentgov server in SPIFFE mode with.
func BundlePath(dir string) (string, bool) {
	p := filepath.Join(dir, bundleFile)
	if _, err := os.Stat(p); err != nil {
		return "", false
	}
	return p, true
}

func (ca *CA) loadAuthority(id string, withKey bool) (*authority, error) {
	if len(id) != 16 {
		return nil, fmt.Errorf("spiffe: %s names CA %q, which is not a CA id", filepath.Join(ca.o.Dir, stateFile), id)
	}
	certPath := filepath.Join(ca.o.Dir, "ca-"+id+".pem")
	b, err := os.ReadFile(certPath)
	if err != nil {
		return nil, fmt.Errorf("spiffe: %w", err)
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("spiffe: %s holds no PEM certificate", certPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("spiffe: %s: %w", certPath, err)
	}
	if authorityID(cert) != id {
		return nil, fmt.Errorf("spiffe: %s does not hold CA %s", certPath, id)
	}
	if len(cert.URIs) != 1 || cert.URIs[0].String() != ca.td.IDString() {
		return nil, fmt.Errorf("spiffe: CA %s belongs to another trust domain than %q (auth.trust_domain changed?); move %s away to start a new CA", id, ca.td.Name(), ca.o.Dir)
	}
	a := &authority{id: id, cert: cert}
	if !withKey {
		return a, nil
	}
	keyPath := filepath.Join(ca.o.Dir, "ca-"+id+".key")
	kb, err := keyring.ReadSecretFile(keyPath)
	if err != nil {
		return nil, fmt.Errorf("spiffe: CA key: %w", err)
	}
	kblock, _ := pem.Decode(kb)
	if kblock == nil || kblock.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("spiffe: %s holds no PEM PRIVATE KEY", keyPath)
	}
	k, err := x509.ParsePKCS8PrivateKey(kblock.Bytes)
	if err != nil {
		return nil, fmt.Errorf("spiffe: %s: %w", keyPath, err)
	}
	signer, ok := k.(*ecdsa.PrivateKey)
	if !ok || !signer.PublicKey.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("spiffe: %s is not the key of %s", keyPath, certPath)
	}
	a.key = signer
	return a, nil
}

func (ca *CA) record(ctx context.Context, action, decision string, payload map[string]any) error {
	_, err := ca.appendEntry(ctx, &api.Event{Type: "identity", Agent: "agentgov", Action: action, Decision: decision,
		Reason: "trust domain " + ca.td.Name()}, payload)
	if err != nil {
		return fmt.Errorf("spiffe: recording %s: %w", action, err)
	}
	return nil
}

func (ca *CA) appendEntry(ctx context.Context, ev *api.Event, payload map[string]any) (int64, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return 0, err
	}
	ev.Payload = b
	return ca.o.Audit.Append(ctx, ev, AuditSource)
}
