package client

import (
	"context"
	"net/http"
	"net/url"

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
