package server

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/mod/sumdb/note"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/audit"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// fakeIssuer records who was issued for and on whose behalf.
type fakeIssuer struct {
	agent, by string
	err       error
}

func (f *fakeIssuer) IssueSVID(_ context.Context, agent string, csr []byte, by string) (api.SVIDResponse, error) {
	if f.err != nil {
		return api.SVIDResponse{}, f.err
	}
	f.agent, f.by = agent, by
	return api.SVIDResponse{SPIFFEID: "spiffe://agentgov.test/agent/" + agent, SVID: string(csr)}, nil
}

func (f *fakeIssuer) RevokeSVID(_ context.Context, serial, by string) error {
	if f.err != nil {
		return f.err
	}
	f.agent, f.by = serial, by
	return nil
}

func TestPostSVID(t *testing.T) {
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(context.Background(), audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	iss := &fakeIssuer{}
	s, err := New(Options{Audit: l, VerifierKey: vkey, Registry: prometheus.NewRegistry(), SVID: iss, TrustDomain: "agentgov.test",
		Tokens: []Token{{Name: "admin", Secret: adminTok, Role: "ADMIN"}, {Name: "writer", Secret: writerTok, Role: "WRITER"}}})
	if err != nil {
		t.Fatal(err)
	}
	svidOf := func(agent string) *tls.ConnectionState {
		u, _ := url.Parse("spiffe://agentgov.test/agent/" + agent)
		return &tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{{URIs: []*url.URL{u}}}}}
	}
	csr := `"-----BEGIN CERTIFICATE REQUEST-----\nx\n-----END CERTIFICATE REQUEST-----\n"`
	for _, tc := range []struct {
		name, token, body string
		tls               *tls.ConnectionState
		issueErr          error
		status            int
		agent, by, field  string
	}{
		{"agent for itself", "", `{"csr":` + csr + `}`, svidOf("a"), nil, 201, "a", "svid:a", ""},
		{"agent names itself", "", `{"csr":` + csr + `,"agent":"a"}`, svidOf("a"), nil, 201, "a", "svid:a", ""},
		{"agent for another", "", `{"csr":` + csr + `,"agent":"b"}`, svidOf("a"), nil, 403, "", "", ""},
		{"admin names agent", adminTok, `{"csr":` + csr + `,"agent":"b"}`, nil, nil, 201, "b", "token:admin", ""},
		{"admin without agent", adminTok, `{"csr":` + csr + `}`, nil, nil, 400, "", "", "agent"},
		{"writer", writerTok, `{"csr":` + csr + `,"agent":"b"}`, nil, nil, 403, "", "", ""},
		{"nobody", "", `{"csr":` + csr + `}`, nil, nil, 401, "", "", ""},
		{"no csr", adminTok, `{"agent":"b"}`, nil, nil, 400, "", "", "csr"},
		{"unknown member", adminTok, `{"csr":` + csr + `,"agent":"b","san":"x"}`, nil, nil, 400, "", "", "san"},
		{"csr refused", adminTok, `{"csr":` + csr + `,"agent":"b"}`, nil, &SVIDRequestError{Field: "csr", Err: errors.New("bad key")}, 400, "", "", "csr"},
		{"from spire", adminTok, `{"csr":` + csr + `,"agent":"b"}`, nil, ErrSVIDUnavailable, 409, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			*iss = fakeIssuer{err: tc.issueErr}
			req := httptest.NewRequest("POST", "/v1/identity/svid", strings.NewReader(tc.body))
			req.RemoteAddr = "192.0.2.1:1234"
			req.TLS = tc.tls
			if tc.token != "" {
				req.Header.Set("Authorization", "Bearer "+tc.token)
			}
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == http.StatusCreated {
				if iss.agent != tc.agent || iss.by != tc.by {
					t.Fatalf("issued for %q by %q, want %q by %q", iss.agent, iss.by, tc.agent, tc.by)
				}
				return
			}
			var p api.Problem
			if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Field != tc.field {
				t.Fatalf("problem %+v %v, want field %q", p, err, tc.field)
			}
		})
	}
}

func TestRevokeSVID(t *testing.T) {
	skey, vkey, _ := note.GenerateKey(rand.Reader, "agentgov.test/log")
	signer, _ := note.NewSigner(skey)
	l, err := audit.Open(context.Background(), audit.Options{Store: memory.New(), Origin: "agentgov.test/log", Signer: signer, VerifierKey: vkey})
	if err != nil {
		t.Fatal(err)
	}
	iss := &fakeIssuer{}
	s, err := New(Options{Audit: l, VerifierKey: vkey, Registry: prometheus.NewRegistry(), SVID: iss,
		Tokens: []Token{{Name: "admin", Secret: adminTok, Role: "ADMIN"}, {Name: "writer", Secret: writerTok, Role: "WRITER"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, serial string
		err                 error
		status              int
	}{
		{"admin", adminTok, "4a0b", nil, 200},
		{"writer", writerTok, "4a0b", nil, 403},
		{"upper case", adminTok, "4A0B", nil, 400},
		{"unknown", adminTok, "4a0c", ErrSVIDNotFound, 404},
		{"spire", adminTok, "4a0c", ErrSVIDUnavailable, 409},
	} {
		t.Run(tc.name, func(t *testing.T) {
			*iss = fakeIssuer{err: tc.err}
			req := httptest.NewRequest("POST", "/v1/identity/svid/"+tc.serial+"/revocation", nil)
			req.Header.Set("Authorization", "Bearer "+tc.token)
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, req)
			if rec.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.status, rec.Body)
			}
			if tc.status == 200 && (iss.agent != tc.serial || iss.by != "token:admin") {
				t.Fatalf("revoked %q by %q", iss.agent, iss.by)
			}
		})
	}
}
