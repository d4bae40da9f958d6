package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/agentgov/agentgov/api"
)

// RegisterAgent enrols agent with its public key (a did:key); it needs an
// ADMIN token.
func (c *Client) RegisterAgent(ctx context.Context, agent, publicKey string) (api.Agent, error) {
	var a api.Agent
	_, err := c.do(ctx, http.MethodPost, "/v1/identity/agents", nil, api.AgentRegistration{Agent: agent, PublicKey: publicKey}, &a)
	return a, err
}

// RotateAgentKey makes publicKey (a did:key) the agent's key; the old one
// stays valid for verifying what it signed. It needs an ADMIN token.
func (c *Client) RotateAgentKey(ctx context.Context, agent, publicKey string) (api.Agent, error) {
	var a api.Agent
	_, err := c.do(ctx, http.MethodPost, "/v1/identity/agents/"+url.PathEscape(agent)+"/keys", nil, api.AgentKeyRotation{PublicKey: publicKey}, &a)
	return a, err
}

// Agent returns one registered agent.
func (c *Client) Agent(ctx context.Context, id string) (api.Agent, error) {
	var a api.Agent
	_, err := c.do(ctx, http.MethodGet, "/v1/identity/agents/"+url.PathEscape(id), nil, nil, &a)
	return a, err
}

// Agents returns every registered agent.
func (c *Client) Agents(ctx context.Context) ([]api.Agent, error) {
	var out struct {
		Agents []api.Agent `json:"agents"`
	}
	_, err := c.do(ctx, http.MethodGet, "/v1/identity/agents", nil, nil, &out)
	return out.Agents, err
}
