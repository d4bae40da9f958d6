package identity

import (
	"encoding/binary"
)

// Domain-separation labels: a signature made for one purpose can never be
// replayed as another, nor as anything else an agent key signs.
const (
	labelAgentResponse = "agentgov/handshake/v1/agent-response"
	labelServerProof   = "agentgov/handshake/v1/server-proof"
	labelPeerReply     = "agentgov/peer-handshake/v1/reply"
	labelPeerConfirm   = "agentgov/peer-handshake/v1/confirm"
)

// statement encodes label and fields canonically: each is a 4-byte
// big-endian length followed by its bytes, so no two different field lists
// share an encoding.
func statement(label string, fields ...[]byte) []byte {
	n := 4 + len(label)
	for _, f := range fields {
		n += 4 + len(f)
	}
	out := make([]byte, 0, n)
	out = binary.BigEndian.AppendUint32(out, uint32(len(label)))
	out = append(out, label...)
	for _, f := range fields {
		out = binary.BigEndian.AppendUint32(out, uint32(len(f)))
		out = append(out, f...)
	}
	return out
}

// AgentResponseStatement is what an agent signs to answer a server
// challenge: it binds the challenge, its nonce, the agent, the server's
// did and the audience.
func AgentResponseStatement(challengeID string, nonce []byte, agent, serverDID, audience string) []byte {
	return statement(labelAgentResponse, []byte(challengeID), nonce, []byte(agent), []byte(serverDID), []byte(audience))
}

// ServerProofStatement is what the server signs so that the caller
// authenticates it: the caller's own nonce bound to the challenge.
func ServerProofStatement(challengeID string, clientNonce, nonce []byte, agent, serverDID, audience string) []byte {
	return statement(labelServerProof, []byte(challengeID), clientNonce, nonce, []byte(agent), []byte(serverDID), []byte(audience))
}
