package client

import (
	"context"
	"fmt"
	"net/http"

	"github.com/agentgov/agentgov/api"
)

// CheckRequest and CheckDecision are the wire types of POST /v1/check.
type (
	CheckRequest  = api.CheckRequest
	CheckDecision = api.CheckDecision
)

// Check submits one check and returns the decision. A malformed request is
// an *Error with status 400 whose Problem.Field names the field at fault.
func (c *Client) Check(ctx context.Context, req CheckRequest) (CheckDecision, error) {
	var out CheckDecision
	if _, err := c.do(ctx, http.MethodPost, "/v1/check", nil, req, &out); err != nil {
		return CheckDecision{}, err
	}
	if out.Decision == "" {
		return CheckDecision{}, fmt.Errorf("client: the answer to POST /v1/check holds no decision")
	}
	return out, nil
}

// CheckBatch submits up to the server's batch limit of checks, decided in
// order, and returns their decisions in the same order. The server
// validates every request before deciding any, so a malformed batch
// records nothing.
func (c *Client) CheckBatch(ctx context.Context, reqs []CheckRequest) ([]CheckDecision, error) {
	body := api.CheckBatch{Requests: reqs}
	if body.Requests == nil {
		body.Requests = []CheckRequest{}
	}
	var out api.CheckBatchDecisions
	if _, err := c.do(ctx, http.MethodPost, "/v1/check/batch", nil, body, &out); err != nil {
		return nil, err
	}
	if len(out.Decisions) != len(reqs) {
		return nil, fmt.Errorf("client: %d checks sent, %d decisions received", len(reqs), len(out.Decisions))
	}
	return out.Decisions, nil
}
