package secrets

import (
	"testing"

	"github.com/agentgov/agentgov/internal/detect/detecttest"
)

// benchText is realistic mixed text an agent handles: a chat message, a
// config excerpt, code and a log, with two real-looking credentials and
// the usual key-like noise (max_tokens, token_type, public keys, hashes).
const benchText = `Thanks, the deploy is fixed. For the record, the new settings are below; the token
I pasted yesterday was revoked, please use the vault reference instead of the password.

# config/production.yaml
database:
  host: db.prod.internal
  port: 5432
  user: svc_billing
  password: ${DB_PASSWORD}
llm:
  model: gpt-4o
  max_tokens: 2048
  api_key: sk-proj-Qm3v8ZrT2yLk9pWx4sNc7bJd1fHg6aEu5tYi0oRq2wXe8zUv4nBm7cKj3lPs9dFh1gAq6rTy2uIo5pLk
  token_type: bearer
cache:
  url: redis://cache.prod.internal:6379/0

def fetch(client, key_id):
    secret = os.environ["SERVICE_SECRET"]
    headers = {"Authorization": f"Bearer {secret}", "X-Request-Id": str(uuid.uuid4())}
    return client.get(f"/v1/keys/{key_id}", headers=headers, timeout=30)

2024-05-13T08:41:22Z INFO auth: token refreshed for user 58213 (expires_in=3600)
2024-05-13T08:41:23Z DEBUG git: fetched 4f6a1c2d9e8b7a60f5c3d2e1b0a99887766554433 from origin
2024-05-13T08:41:24Z WARN s3: AccessDenied for AKIA2E0A8F3B244C9986 on bucket acme-logs
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGVzaG9ydGtleWV4YW1wbGVkb250dXNlcmVhbA deploy@ci
`

// BenchmarkSecretsScan1KB is the headline number: one kilobyte of mixed
// text.
func BenchmarkSecretsScan1KB(b *testing.B) {
	detecttest.BenchFind(b, Default().Find, detecttest.RepeatTo(benchText, 1<<10))
}

// BenchmarkSecretsScanSizes shows linear time: ns/KB stays flat from 1 to
// 64 KB.
func BenchmarkSecretsScanSizes(b *testing.B) {
	detecttest.BenchSizes(b, Default().Find, benchText, 1, 8, 64)
}

// TestLinearTime checks that time grows linearly with the input, also for
// one huge line (see detecttest.CheckLinearTime).
func TestLinearTime(t *testing.T) {
	line := "password=Vq2!Lm9xZ token: ghp_Zq8Xv2Lk9Rt4Wm7Ny3Ps6Jd1Hf5Gb0CaQw3E curl -u a:Vq2Lm9xZ https://u:p4ssw0rd@h/x?api_key=Zq8Xv2Lk9Rt4Wm7Ny3Ps6Jd1Hf5Gb0Ca& key=x secret sk-abc eyJhbGciOi "
	detecttest.CheckLinearTime(t, Default().Find, line)
}
