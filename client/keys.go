package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/agentgov/agentgov/api"
)

// RotateKey asks the server to rotate one of its keys (ADMIN):
// api.KeyRotateRequest{Target: "log"} hands the audit log over to a new
// signing key, Target "ca" rotates the built-in SPIFFE CA.
func (c *Client) RotateKey(ctx context.Context, req api.KeyRotateRequest) (api.KeyRotateResponse, error) {
	var out api.KeyRotateResponse
	_, err := c.do(ctx, http.MethodPost, "/v1/admin/keys/rotate", nil, req, &out)
	return out, err
}

// KeyChain fetches the audit log's key chain (GET /v1/audit/pubkey with
// Accept: application/json). It needs no trust of its own: a verifier
// rebuilds it from the log's first key and the signed rotations.
func (c *Client) KeyChain(ctx context.Context) (api.LogKeys, []byte, error) {
	u := *c.base
	u.Path += "/v1/audit/pubkey"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return api.LogKeys{}, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return api.LogKeys{}, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if err != nil {
		return api.LogKeys{}, nil, err
	}
	if len(raw) > maxResponse {
		return api.LogKeys{}, nil, errors.New("client: response too large")
	}
	if resp.StatusCode/100 != 2 {
		e := &Error{Status: resp.StatusCode}
		_ = json.Unmarshal(raw, &e.Problem)
		return api.LogKeys{}, nil, e
	}
	var out api.LogKeys
	if err := json.Unmarshal(raw, &out); err != nil {
		return api.LogKeys{}, nil, fmt.Errorf("client: decoding the key chain: %w (a server from before key rotation answers only text)", err)
	}
	return out, raw, nil
}
