package server

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encoding failed", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func readAll(r *http.Request, limit int64) ([]byte, error) {
	// A declared length within the limit is read into one buffer of that
	// size (net/http stops the body there); otherwise the body is read up
	// to one byte past the limit, which the size check then refuses.
	if n := r.ContentLength; n > 0 && n <= limit {
		b := make([]byte, n)
		if _, err := io.ReadFull(r.Body, b); err != nil {
			return nil, err
		}
		return b, nil
	}
	return io.ReadAll(io.LimitReader(r.Body, limit+1))
}

// onlyParams rejects unknown query parameters and repeated ones: a typo in
// a filter must not silently widen a query.
func onlyParams(q url.Values, allowed ...string) error {
	for k, vs := range q {
		known := false
		for _, a := range allowed {
			known = known || k == a
		}
		if !known {
			return badField(k, "is not a known query parameter")
		}
		if len(vs) > 1 {
			return badField(k, "is given more than once")
		}
	}
	return nil
}

func indexParam(v, name string) (int64, error) {
	if v == "" {
		return 0, badField(name, "is required")
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, badField(name, "must be a non-negative integer")
	}
	return n, nil
}

func timeParam(v, name string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return time.Time{}, badField(name, "must be an RFC 3339 time such as 2026-01-02T15:04:05Z")
	}
	return t, nil
}
