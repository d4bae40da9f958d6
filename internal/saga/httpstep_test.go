package saga

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/agentgov/agentgov/internal/store/memory"
)

// delivery is one request a step server received.
type delivery struct {
	Path, Key, Agent, Saga string
	TLS                    uint16
	Body                   Request
}

// stepServer answers POSTs by path: answers[path] is a list of statuses,
// one per delivery (the last repeats); 200 answers {"path": ...}.
type stepServer struct {
	mu      sync.Mutex
	got     []delivery
	answers map[string][]int
	big     map[string]bool
}

func (s *stepServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body Request
	b, _ := io.ReadAll(r.Body)
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil || r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	d := delivery{Path: r.URL.Path, Key: r.Header.Get("Idempotency-Key"), Agent: r.Header.Get("Agentgov-Agent"), Saga: r.Header.Get("Agentgov-Saga"), Body: body}
	if r.TLS != nil {
		d.TLS = r.TLS.Version
	}
	s.mu.Lock()
	n := 0
	for _, g := range s.got {
		if g.Path == r.URL.Path {
			n++
		}
	}
	s.got = append(s.got, d)
	codes := s.answers[r.URL.Path]
	s.mu.Unlock()
	code := 200
	if len(codes) > 0 {
		code = codes[min(n, len(codes)-1)]
	}
	if s.big[r.URL.Path] {
		w.WriteHeader(200)
		_, _ = w.Write([]byte(`"` + strings.Repeat("x", 4096) + `"`))
		return
	}
	if code == http.StatusFound {
		http.Redirect(w, r, "/elsewhere", code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
}

func (s *stepServer) paths() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, d := range s.got {
		out = append(out, d.Path)
	}
	return out
}

func (s *stepServer) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.got)
}

func httpDef(base string, names ...string) *Definition {
	d := &Definition{Agent: "bot", Input: json.RawMessage(`{"order":42}`)}
	for _, n := range names {
		d.Steps = append(d.Steps, StepDef{Name: n, URL: base + "/" + n, CompensationURL: base + "/undo-" + n, Timeout: "5s"})
	}
	return d
}

func tlsPool(srv *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(srv.Certificate())
	return p
}

// Three HTTPS steps, the third refused: the first two are compensated in
// reverse order, every delivery carries its own idempotency key and the
// documented body, over TLS 1.3.
func TestHTTPStepsCompensateInReverse(t *testing.T) {
	ss := &stepServer{answers: map[string][]int{"/s3": {400}, "/s2": {503, 200}}}
	srv := httptest.NewTLSServer(ss)
	defer srv.Close()
	h := newHarness(memory.New())
	r := h.runner(t, func(o *Options) { o.TLS = &tls.Config{RootCAs: tlsPool(srv)} })
	d := httpDef(srv.URL, "s1", "s2", "s3")
	d.Steps[1].MaxAttempts = 2
	id, err := r.Start(context.Background(), Spec{HTTP: d, Source: "token:ops"})
	if err != nil {
		t.Fatal(err)
	}
	v := wait(t, r, id)
	if v.Status != StatusCompensated || v.Reason != "step_failed:s3" {
		t.Fatalf("%s %s %v", v.Status, v.Reason, statuses(v))
	}
	want := []string{"/s1", "/s2", "/s2", "/s3", "/undo-s2", "/undo-s1"}
	if p := ss.paths(); !slices.Equal(p, want) {
		t.Fatalf("deliveries %v, want %v", p, want)
	}
	ds := ss.deliveries()
	keys := []string{id + ".0.step.1", id + ".1.step.1", id + ".1.step.2", id + ".2.step.1", id + ".1.compensation.1", id + ".0.compensation.1"}
	for i, d := range ds {
		if d.Key != keys[i] || d.Agent != "bot" || d.Saga != id || d.TLS != tls.VersionTLS13 {
			t.Fatalf("delivery %d: key %s agent %s saga %s tls %x", i, d.Key, d.Agent, d.Saga, d.TLS)
		}
		if d.Body.SagaID != id || string(d.Body.Input) != `{"order":42}` {
			t.Fatalf("delivery %d body %+v", i, d.Body)
		}
	}
	if b := ds[2].Body; b.Kind != KindStep || b.Attempt != 2 || b.Step != "s2" || b.StepIndex != 1 || string(b.Previous["s1"]) != `{"path":"/s1"}` {
		t.Fatalf("retry body %+v", b)
	}
	if b := ds[4].Body; b.Kind != KindCompensation || b.Attempt != 1 || b.Outcome != StepSucceeded || string(b.Result) != `{"path":"/s2"}` {
		t.Fatalf("compensation body %+v", b)
	}
	if s := statuses(v); !slices.Equal(s, []string{"s1=compensated", "s2=compensated", "s3=failed"}) {
		t.Fatalf("steps %v", s)
	}
	if string(v.Steps[0].Result) != `{"path":"/s1"}` {
		t.Fatalf("result %s", v.Steps[0].Result)
	}
	// The gate saw the destination of each step and of its compensation.
	pre := h.gate.pre()
	if pre[0].Args["url"] != srv.URL+"/s1" || pre[0].Args["compensation_url"] != srv.URL+"/undo-s1" || pre[0].Source != "token:ops" {
		t.Fatalf("gate args %+v", pre[0])
	}
}

func TestHTTPFailureKinds(t *testing.T) {
	ss := &stepServer{answers: map[string][]int{"/redirect": {302}}, big: map[string]bool{"/big": true}}
	tlsSrv := httptest.NewUnstartedServer(ss)
	// The untrusted-certificate case makes the server log a failed
	// handshake; that is the point, not noise for the test output.
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0)
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	plain := httptest.NewServer(ss) // loopback
	defer plain.Close()

	for _, tc := range []struct {
		name    string
		base    string
		trusted bool
		steps   []string
		want    []string
		reason  string
	}{
		{"plain http to loopback works", plain.URL, false, []string{"a", "b"}, []string{"a=succeeded", "b=succeeded"}, ""},
		{"untrusted certificate fails without effect", tlsSrv.URL, false, []string{"a"}, []string{"a=failed"}, "step_failed:a"},
		{"redirect is not followed", tlsSrv.URL, true, []string{"a", "redirect"}, []string{"a=compensated", "redirect=failed"}, "step_failed:redirect"},
		{"oversized answer is unknown and compensated", tlsSrv.URL, true, []string{"a", "big"}, []string{"a=compensated", "big=compensated"}, "step_failed:big"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(memory.New())
			r := h.runner(t, func(o *Options) {
				o.MaxResponseBytes = 1024
				if tc.trusted {
					o.TLS = &tls.Config{RootCAs: tlsPool(tlsSrv)}
				}
			})
			id, err := r.Start(context.Background(), Spec{HTTP: httpDef(tc.base, tc.steps...)})
			if err != nil {
				t.Fatal(err)
			}
			v := wait(t, r, id)
			if s := statuses(v); !slices.Equal(s, tc.want) || v.Reason != tc.reason {
				t.Fatalf("steps %v reason %q, want %v %q", s, v.Reason, tc.want, tc.reason)
			}
		})
	}
}

func TestHTTPCompensationRetriesWithNewKeys(t *testing.T) {
	ss := &stepServer{answers: map[string][]int{"/undo-a": {500, 502, 200}, "/b": {422}}}
	srv := httptest.NewServer(ss)
	defer srv.Close()
	h := newHarness(memory.New())
	r := h.runner(t, nil)
	id, err := r.Start(context.Background(), Spec{HTTP: httpDef(srv.URL, "a", "b")})
	if err != nil {
		t.Fatal(err)
	}
	v := wait(t, r, id)
	if v.Status != StatusCompensated || v.Steps[0].CompensationAttempts != 3 {
		t.Fatalf("%s %+v", v.Status, v.Steps[0])
	}
	var keys []string
	for _, d := range ss.deliveries() {
		if d.Path == "/undo-a" {
			keys = append(keys, d.Key)
		}
	}
	if !slices.Equal(keys, []string{id + ".0.compensation.1", id + ".0.compensation.2", id + ".0.compensation.3"}) {
		t.Fatalf("keys %v", keys)
	}
}
