package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		status int
		keep   bool
		body   string
		err    string
	}{
		{name: "content length", in: "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n\r\nhello", status: 200, keep: true, body: "hello"},
		{name: "header names in any case", in: "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nhi", status: 200, keep: true, body: "hi"},
		{name: "chunked with extension and trailer", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nTrailer: 1\r\n\r\n", status: 200, keep: true, body: "abcde"},
		{name: "connection close", in: "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 3\r\n\r\nbad", status: 400, keep: false, body: "bad"},
		{name: "delimited by the end of the connection", in: "HTTP/1.1 200 OK\r\n\r\nto the end", status: 200, keep: false, body: "to the end"},
		{name: "HTTP/1.0 closes unless told otherwise", in: "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nx", status: 200, keep: false, body: "x"},
		{name: "HTTP/1.0 keep-alive", in: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nx", status: 200, keep: true, body: "x"},
		{name: "interim answer first", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", status: 200, keep: true, body: "ok"},
		{name: "no content", in: "HTTP/1.1 204 No Content\r\n\r\n", status: 204, keep: true, body: ""},
		{name: "malformed status line", in: "HTTP/1.1 2xx OK\r\n\r\n", err: "malformed status line"},
		{name: "not HTTP", in: "SSH-2.0-OpenSSH\r\n\r\n", err: "malformed status line"},
		{name: "malformed header", in: "HTTP/1.1 200 OK\r\nno colon\r\n\r\n", err: "malformed header"},
		{name: "malformed length", in: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: "malformed Content-Length"},
		{name: "body shorter than its length", in: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", err: "reading the body"},
		{name: "too large", in: "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", err: "larger than"},
		{name: "malformed chunk", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: "malformed chunk size"},
		{name: "chunk without CRLF", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n", err: "not followed by CRLF"},
		{name: "truncated headers", in: "HTTP/1.1 200 OK\r\nContent-Len", err: "reading headers"},
		{name: "line too long", in: "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("a", 5000) + "\r\n\r\n", err: "longer than 4096"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			status, keep, err := readResponse(bufio.NewReaderSize(strings.NewReader(tt.in), 4096), &out)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || status != tt.status || keep != tt.keep || out.String() != tt.body {
				t.Fatalf("status %d keep %v body %q err %v; want %d %v %q", status, keep, out.String(), err, tt.status, tt.keep, tt.body)
			}
		})
	}
}

// The connection follows what real servers do: keep-alive, closing after
// every answer, chunked answers, and TLS.
func TestConnAgainstServers(t *testing.T) {
	answer := `{"decision":"allow","reason":"","reasons":[],"message":null,"audit_index":1}`
	plain := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/base/v1/check" || r.Header.Get("Authorization") != "Bearer tok" || r.ContentLength <= 0 || r.Host == "" {
			http.Error(w, "bad request line or headers", http.StatusBadRequest)
			return
		}
		w.Write([]byte(answer))
	})
	chunked := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(answer[:10]))
		w.(http.Flusher).Flush()
		w.Write([]byte(answer[10:]))
	})
	tests := []struct {
		name  string
		start func() *httptest.Server
	}{
		{"keep-alive", func() *httptest.Server { return httptest.NewServer(plain) }},
		{"close after every answer", func() *httptest.Server {
			s := httptest.NewUnstartedServer(plain)
			s.Config.SetKeepAlivesEnabled(false)
			s.Start()
			return s
		}},
		{"chunked", func() *httptest.Server { return httptest.NewServer(chunked) }},
		{"tls", func() *httptest.Server { return httptest.NewTLSServer(plain) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := tt.start()
			defer srv.Close()
			var tlsConfig *tls.Config
			if srv.TLS != nil {
				tlsConfig = srv.Client().Transport.(*http.Transport).TLSClientConfig
			}
			g := &generator{o: Options{URL: srv.URL + "/base", Token: "tok", Agents: 1, AgentPrefix: "a", Tools: []string{"t"}, SessionCalls: 3, TLSConfig: tlsConfig}}
			g.prepare()
			c := g.newClient(0)
			defer c.conn.close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			for i := range 5 {
				a, err := c.send(ctx, c.next())
				if err != nil || a.Decision != "allow" {
					t.Fatalf("check %d: %+v %v", i, a, err)
				}
			}
		})
	}
}
