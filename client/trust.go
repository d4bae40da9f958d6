package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/agentgov/agentgov/api"
)

// Trust returns an agent's trust score, tier and counters.
func (c *Client) Trust(ctx context.Context, agent string) (api.TrustStanding, error) {
	var s api.TrustStanding
	_, err := c.do(ctx, http.MethodGet, "/v1/trust/"+url.PathEscape(agent), nil, nil, &s)
	return s, err
}

// SetTrust sets an agent's score (500 when score is nil); it needs an
// ADMIN token and is recorded in the audit log.
func (c *Client) SetTrust(ctx context.Context, agent string, score *int, reason string) (api.TrustStanding, error) {
	var s api.TrustStanding
	_, err := c.do(ctx, http.MethodPost, "/v1/trust/"+url.PathEscape(agent), nil, api.TrustSet{Score: score, Reason: reason}, &s)
	return s, err
}

// RegisterDelegation registers a signed delegation token (the delegator or
// an ADMIN); the issue is recorded in the audit log.
func (c *Client) RegisterDelegation(ctx context.Context, token string) (api.Delegation, error) {
	var d api.Delegation
	_, err := c.do(ctx, http.MethodPost, "/v1/delegations", nil, api.DelegationRegister{Token: token}, &d)
	return d, err
}

// RevokeDelegation revokes a delegation token, by the token or the digest
// of a registered one; every chain through it is refused from then on.
func (c *Client) RevokeDelegation(ctx context.Context, req api.DelegationRevoke) (api.DelegationRevoked, error) {
	var r api.DelegationRevoked
	_, err := c.do(ctx, http.MethodPost, "/v1/delegations/revoke", nil, req, &r)
	return r, err
}
