package config

import (
	"testing"
	"time"
)

func TestHandshakeKeys(t *testing.T) {
	cfg := mustLoad(t, Options{File: writeConfig(t, "auth:\n  handshake:\n    challenge_ttl: 10s\n    session_ttl: 1h\n    peer_rate: 2\n    peer_burst: 4\n"),
		LookupEnv: envOf("AGENTGOV_AUTH_HANDSHAKE_MAX_SESSIONS", "500")})
	h := cfg.Auth.Handshake
	if h.ChallengeTTL.Duration != 10*time.Second || h.SessionTTL.Duration != time.Hour || h.PeerRate != 2 || h.PeerBurst != 4 ||
		h.MaxSessions != 500 || h.Rate != 200 || h.MaxOutstanding != 10000 {
		t.Fatalf("%+v", h)
	}
	expectErr(t, Options{File: writeConfig(t, "auth:\n  handshake:\n    challenge_ttl: 10m\n")},
		"FILE:3:20: auth.handshake.challenge_ttl: must be between 1s and 5m, got 10m0s")
	expectErr(t, Options{File: writeConfig(t, "auth:\n  handshake:\n    max_outstanding: 0\n")},
		"FILE:3:22: auth.handshake.max_outstanding: must be between 1 and 1048576, got 0")
	expectErr(t, Options{File: writeConfig(t, "auth:\n  handshake:\n    rate: 10\n    peer_rate: 20\n")},
		"FILE:4:16: auth.handshake.peer_rate: 20 exceeds auth.handshake.rate (10): one peer cannot have more than everyone")
	expectErr(t, Options{File: writeConfig(t, "auth:\n  tokens:\n    - {name: x, token: agses_0123456789abcdef0123456789abcdef, role: ADMIN}\n")},
		`FILE:3:24: auth.tokens[0].token: must not start with "agses_": that prefix marks handshake session tokens`)
	expectErr(t, Options{File: writeConfig(t, "auth:\n  handshake:\n    nonce_size: 3\n")},
		`FILE:3:5: auth.handshake.nonce_size: unknown key "nonce_size"; valid keys here: burst, challenge_ttl, max_outstanding, max_sessions, peer_burst, peer_rate, rate, session_ttl`)
}
