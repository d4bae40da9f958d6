package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"github.com/agentgov/agentgov/api"
)

// StartSaga defines and starts an HTTP saga (POST /v1/sagas; the token
// must be allowed to act for its agent and substitute). It returns the
// saga's first checkpoint; the steps run on the server.
func (c *Client) StartSaga(ctx context.Context, def api.SagaDefinition) (api.Saga, error) {
	var out api.Saga
	_, err := c.do(ctx, http.MethodPost, "/v1/sagas", nil, def, &out)
	return out, err
}

// Saga returns a saga's last checkpoint (GET /v1/sagas/{id}).
func (c *Client) Saga(ctx context.Context, id string) (api.Saga, error) {
	var out api.Saga
	_, err := c.do(ctx, http.MethodGet, "/v1/sagas/"+url.PathEscape(id), nil, nil, &out)
	return out, err
}

// AbortSaga stops a running saga, which then compensates what it did
// (POST /v1/sagas/{id}/abort).
func (c *Client) AbortSaga(ctx context.Context, id string) (api.Saga, error) {
	var out api.Saga
	_, err := c.do(ctx, http.MethodPost, "/v1/sagas/"+url.PathEscape(id)+"/abort", nil, nil, &out)
	return out, err
}

// SagaQuery selects sagas for Sagas.
type SagaQuery struct {
	// Agent names the agent whose sagas to list; a credential that is not
	// an auditor's must name one it may act for (an agent's own token
	// defaults to itself).
	Agent string
	// Unfinished selects the sagas still running or compensating.
	Unfinished bool
	// Limit bounds the answer (1–1000; 0 means the server's 100).
	Limit int
}

// Sagas lists sagas, newest first (GET /v1/sagas).
func (c *Client) Sagas(ctx context.Context, q SagaQuery) (api.SagaList, error) {
	v := url.Values{}
	if q.Agent != "" {
		v.Set("agent", q.Agent)
	}
	if q.Unfinished {
		v.Set("unfinished", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out api.SagaList
	_, err := c.do(ctx, http.MethodGet, "/v1/sagas", v, nil, &out)
	return out, err
}
