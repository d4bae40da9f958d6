package cli

import (
	"github.com/spf13/pflag"
)

// Environment variables of the client flags.
const (
	envServer = "AGENTGOV_SERVER"
	envToken  = "AGENTGOV_TOKEN"
)

// addClientFlags gives a command that talks to a running server the shared
// --server and --token flags. Every client command uses it, so that they
// all take the server and credential the same way: flag, then
// AGENTGOV_SERVER / AGENTGOV_TOKEN. serverUsage says what --server does
// for this command.
func addClientFlags(fs *pflag.FlagSet, g *globals, serverUsage string) {
	fs.StringVar(&g.server, "server", "", serverUsage+" (env "+envServer+")")
	fs.StringVar(&g.token, "token", "", "API bearer token: an operator token or an agent's session token (env "+envToken+
		"; none is needed for a server on loopback with no authentication configured)")
	addClientTLSFlags(fs, g) // svid.go
}

// serverURL is --server or AGENTGOV_SERVER ("" for neither).
func (g *globals) serverURL() string {
	if g.server != "" {
		return g.server
	}
	return g.env.get(envServer)
}

// apiToken is --token or AGENTGOV_TOKEN ("" for neither: the request goes
// without credentials, which only a server with no authentication
// configured accepts, from loopback).
func (g *globals) apiToken() string {
	if g.token != "" {
		return g.token
	}
	return g.env.get(envToken)
}
