package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/agentgov/agentgov/api"
)

// ApprovalQuery selects approval requests; zero fields match anything.
type ApprovalQuery struct {
	// State is pending, approved, denied or expired.
	State, Agent string
	Limit        int
	Cursor       string
}

// Approvals lists approval requests in creation order.
func (c *Client) Approvals(ctx context.Context, q ApprovalQuery) (api.ApprovalList, error) {
	v := url.Values{}
	for k, s := range map[string]string{"state": q.State, "agent": q.Agent, "cursor": q.Cursor} {
		if s != "" {
			v.Set(k, s)
		}
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out api.ApprovalList
	_, err := c.do(ctx, http.MethodGet, "/v1/approvals", v, nil, &out)
	return out, err
}

// Approval returns one request. With wait > 0 the server holds the
// answer until the request resolves or wait passes (it caps wait at 50s).
func (c *Client) Approval(ctx context.Context, id string, wait time.Duration) (api.Approval, error) {
	v := url.Values{}
	if wait > 0 {
		v.Set("wait", wait.String())
	}
	var out api.Approval
	_, err := c.do(ctx, http.MethodGet, "/v1/approvals/"+url.PathEscape(id), v, nil, &out)
	return out, err
}

// WaitApproval long-polls until the request leaves pending or ctx ends,
// and returns it as it then stands. Approved means: re-submit the check
// with ApprovalID set to run the action (once).
func (c *Client) WaitApproval(ctx context.Context, id string) (api.Approval, error) {
	var last api.Approval
	for {
		// Below the default client timeout of 30 s.
		a, err := c.Approval(ctx, id, 25*time.Second)
		if err != nil {
			if ctx.Err() != nil && last.ID != "" {
				return last, ctx.Err()
			}
			return a, err
		}
		if a.State != api.ApprovalPending {
			return a, nil
		}
		last = a
		if err := ctx.Err(); err != nil {
			return a, err
		}
	}
}

// Approve casts the caller's approval on request id.
func (c *Client) Approve(ctx context.Context, id, comment string) (api.Approval, error) {
	return c.vote(ctx, id, "approve", comment)
}

// Deny casts the caller's rejection on request id.
func (c *Client) Deny(ctx context.Context, id, comment string) (api.Approval, error) {
	return c.vote(ctx, id, "deny", comment)
}

func (c *Client) vote(ctx context.Context, id, vote, comment string) (api.Approval, error) {
	var out api.Approval
	_, err := c.do(ctx, http.MethodPost, "/v1/approvals/"+url.PathEscape(id)+"/"+vote, nil, api.ApprovalVoteRequest{Comment: comment}, &out)
	return out, err
}
