package mcpconn

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// TestOriginClient: requests go to the configured origin only, with the
// configured headers; a request or a redirect elsewhere fails before it
// is sent.
func TestOriginClient(t *testing.T) {
	var elsewhere atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer other.Close()
	var auth atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth.Store(r.Header.Get("Authorization"))
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		}
	}))
	defer srv.Close()
	hc, err := OriginClient(srv.URL+"/mcp", map[string]string{"Authorization": "Bearer s3cret"}, http.DefaultTransport)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := hc.Get(srv.URL + "/mcp")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if auth.Load() != "Bearer s3cret" {
		t.Fatalf("the configured header was not sent to the server's origin: %v", auth.Load())
	}
	if _, err := hc.Get(other.URL + "/x"); err == nil || !strings.Contains(err.Error(), "refusing a request to") {
		t.Fatalf("a request to another origin: %v", err)
	}
	if _, err := hc.Get(srv.URL + "/redirect"); err == nil || !strings.Contains(err.Error(), "refusing a request to") {
		t.Fatalf("a redirect to another origin: %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Fatalf("%d requests reached another origin", n)
	}
	for _, bad := range []string{"", "ftp://h/x", "/relative", "http://"} {
		if _, err := OriginClient(bad, nil, http.DefaultTransport); err == nil {
			t.Errorf("OriginClient(%q) accepted", bad)
		}
	}
}
