package e2e

import (
	"bytes"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/api"
)

// TestLogKeyRotationKeepsEveryCheckpointVerifiable is the issue's "a
// rotated log key leaves every earlier checkpoint verifiable", through the
// real binary: checkpoints and proofs taken before, between and after two
// rotations (one through the running server, one locally with the lock)
// all verify offline from the log's first key; a non-ADMIN cannot rotate;
// tampering with a rotation entry breaks verification.
func TestLogKeyRotationKeepsEveryCheckpointVerifiable(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "agentgov.yaml")
	if err := os.WriteFile(cfgPath, []byte("audit:\n  origin: e2e.agentgov.test/log\n  key_rotation: 0s\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startGateServer(t, cfgPath)
	data := s.data
	file := func(name string) string { return filepath.Join(dir, name) }
	write := func(name, body string) {
		t.Helper()
		if err := os.WriteFile(file(name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cli := func(want int, args ...string) (string, string) {
		t.Helper()
		args = append(args, "--config", cfgPath, "--data-dir", data)
		cmd := exec.Command(binary, args...)
		var ob, eb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &ob, &eb
		cmd.Env = append(os.Environ(), "AGENTGOV_SERVER=", "AGENTGOV_TOKEN=", "E2E_ADMIN_TOKEN="+adminToken, "E2E_STRICT_TOKEN="+strictToken)
		code := 0
		if err := cmd.Run(); err != nil {
			ee, ok := err.(*exec.ExitError)
			if !ok {
				t.Fatal(err)
			}
			code = ee.ExitCode()
		}
		out, errOut := ob.String(), eb.String()
		if code != want {
			t.Fatalf("agentgov %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, want, out, errOut)
		}
		return out, errOut
	}
	remote := []string{"--server", s.url, "--token", adminToken}
	post := func() int64 {
		t.Helper()
		code, b := s.do(t, "POST", "/v1/audit/events", adminToken, `{"type":"external","agent":"billing-bot","decision":"allow","payload":{"amount":12}}`)
		var acc api.EventAccepted
		if code != 201 || json.Unmarshal(b, &acc) != nil {
			t.Fatalf("post: %d %s", code, b)
		}
		return acc.Index
	}
	type snapshot struct {
		size       int64
		checkpoint string // file names
		proof      string
	}
	var snaps []snapshot
	// take signs a checkpoint through the server and saves it with the
	// inclusion proof of entry `idx` in it.
	take := func(idx int64) snapshot {
		t.Helper()
		n := len(snaps)
		cp, _ := cli(0, append([]string{"audit", "checkpoint"}, remote...)...)
		size, err := checkpointSize(cp)
		if err != nil {
			t.Fatal(err)
		}
		sn := snapshot{size: size, checkpoint: fmt.Sprintf("cp%d.txt", n), proof: fmt.Sprintf("proof%d.json", n)}
		write(sn.checkpoint, cp)
		proof, _ := cli(0, append([]string{"audit", "proof", "--index", fmt.Sprint(idx), "--tree-size", fmt.Sprint(size)}, remote...)...)
		write(sn.proof, proof)
		snaps = append(snaps, sn)
		return sn
	}

	// The auditor takes the first key before anything is rotated.
	root, _ := cli(0, "audit", "pubkey")
	write("root.pub", root)
	first := post()
	code, entry := s.do(t, "GET", fmt.Sprintf("/v1/audit/entries/%d", first), adminToken, "")
	if code != 200 {
		t.Fatalf("entry: %d %s", code, entry)
	}
	write("entry.json", string(entry))
	take(first)

	// Only an ADMIN rotates.
	if code, b := s.do(t, "POST", "/v1/admin/keys/rotate", strictToken, `{"target":"log"}`); code != 403 {
		t.Fatalf("WRITER rotated the log key: %d %s", code, b)
	}
	out, errOut := cli(0, append([]string{"keys", "rotate", "--log", "--reason", "quarterly"}, remote...)...)
	var rot api.KeyRotateResponse
	if err := json.Unmarshal([]byte(out), &rot); err != nil || rot.Target != "log" || rot.Size != rot.Index+1 || rot.OldKey != strings.TrimSpace(root) {
		t.Fatalf("rotation: %v %s", err, out)
	}
	if !strings.Contains(errOut, "log key rotated at entry") {
		t.Fatalf("stderr: %s", errOut)
	}
	// The pubkey text is now the new key; --root is still the first.
	if cur, _ := cli(0, append([]string{"audit", "pubkey"}, remote...)...); strings.TrimSpace(cur) != rot.NewKey {
		t.Fatalf("current key %q, want %q", cur, rot.NewKey)
	}
	if r, _ := cli(0, append([]string{"audit", "pubkey", "--root"}, remote...)...); r != root {
		t.Fatalf("root key %q", r)
	}
	post()
	take(first)
	post()
	// A second rotation, and entries and a checkpoint after it.
	cli(0, append([]string{"keys", "rotate", "--log"}, remote...)...)
	post()
	take(first)
	s.stop(t)

	// A third rotation without a server: the command takes the lock.
	out, _ = cli(0, "keys", "rotate", "--log", "--reason", "offline")
	if err := json.Unmarshal([]byte(out), &rot); err != nil || rot.Checkpoint == "" {
		t.Fatalf("local rotation: %v %s", err, out)
	}
	chain, _ := cli(0, "audit", "pubkey", "--chain")
	write("chain.json", chain)
	var keys api.LogKeys
	if err := json.Unmarshal([]byte(chain), &keys); err != nil || len(keys.Keys) != 4 || keys.RootKey != strings.TrimSpace(root) {
		t.Fatalf("chain: %v %s", err, chain)
	}
	if fi, err := os.Stat(filepath.Join(data, "keys", "log.key")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("log.key after rotation: %v %v", fi, err)
	}

	// The whole log verifies from the first key and reports the chain.
	out, _ = cli(0, "audit", "verify", "--pubkey", file("root.pub"))
	if !strings.Contains(out, "INTACT") || !strings.Contains(out, "key chain:    4 keys, verified from key 0") || !strings.Contains(out, "rotation entry") {
		t.Fatalf("verify: %s", out)
	}
	// Without --pubkey, the data directory's log.root.pub is the root.
	if out, _ = cli(0, "audit", "verify"); !strings.Contains(out, "log.root.pub") {
		t.Fatalf("verify without --pubkey: %s", out)
	}

	// Every earlier checkpoint and proof verifies offline from the first
	// key along the chain; the one from before any rotation verifies with
	// the first key alone.
	for i, sn := range snaps {
		args := []string{"audit", "verify-proof", "--pubkey", file("root.pub"), "--key-chain", file("chain.json"),
			"--checkpoint", file(sn.checkpoint), "--proof", file(sn.proof), "--entry", file("entry.json")}
		if out, _ := cli(0, args...); !strings.Contains(out, "OK: entry") {
			t.Fatalf("checkpoint %d (size %d): %s", i, sn.size, out)
		}
		alone := []string{"audit", "verify-proof", "--pubkey", file("root.pub"), "--checkpoint", file(sn.checkpoint), "--proof", file(sn.proof)}
		if i == 0 {
			cli(0, alone...)
		} else if _, errOut := cli(1, alone...); !strings.Contains(errOut, "--key-chain") {
			t.Fatalf("a checkpoint of a later key with the first key alone: %s", errOut)
		}
	}
	// Consistency across one and across two rotations.
	for _, pair := range [][2]int{{0, 1}, {0, 2}, {1, 2}} {
		from, to := snaps[pair[0]], snaps[pair[1]]
		cons, _ := cli(0, "audit", "consistency", "--from", fmt.Sprint(from.size), "--to", fmt.Sprint(to.size))
		name := fmt.Sprintf("cons%d%d.json", pair[0], pair[1])
		write(name, cons)
		out, _ := cli(0, "audit", "verify-proof", "--pubkey", file("root.pub"), "--key-chain", file("chain.json"),
			"--checkpoint", file(from.checkpoint), "--checkpoint", file(to.checkpoint), "--proof", file(name))
		if !strings.Contains(out, fmt.Sprintf("of size %d is a prefix of its tree of size %d", from.size, to.size)) {
			t.Fatalf("consistency %d→%d: %s", from.size, to.size, out)
		}
	}

	// A chain document whose rotation signature was altered is refused.
	var doc api.LogKeys
	json.Unmarshal([]byte(chain), &doc)
	doc.Rotations[0].Signature = base64.StdEncoding.EncodeToString(make([]byte, 64))
	forged, _ := json.Marshal(doc)
	write("forged-chain.json", string(forged))
	if _, errOut := cli(1, "audit", "verify-proof", "--pubkey", file("root.pub"), "--key-chain", file("forged-chain.json"),
		"--checkpoint", file(snaps[1].checkpoint), "--proof", file(snaps[1].proof)); !strings.Contains(errOut, "not signed by the old key") {
		t.Fatalf("forged chain: %s", errOut)
	}

	// Tampering with a rotation entry in the store: its signature, then
	// (from a clean backup) the key it names.
	cli(0, "audit", "backup", file("clean.db"))
	tamper := func(stmt string) string {
		t.Helper()
		db, err := sql.Open("sqlite", "file:"+filepath.Join(data, "agentgov.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		res, err := db.Exec(stmt)
		if err != nil {
			t.Fatal(err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			t.Fatalf("%s changed %d rows", stmt, n)
		}
		out, _ := cli(1, "audit", "verify", "--pubkey", file("root.pub"))
		return out
	}
	firstRotation := fmt.Sprintf("WHERE idx = %d", keys.Rotations[0].Index)
	out = tamper(`UPDATE audit_payloads SET body = json_set(body, '$.signature', '` + base64.StdEncoding.EncodeToString(make([]byte, 64)) + `') ` + firstRotation)
	if !strings.Contains(out, "invalid_key_rotation") || !strings.Contains(out, "TAMPERED") {
		t.Fatalf("verify after tampering with a rotation signature: %s", out)
	}
	cli(0, "audit", "restore", "--force", "--pubkey", file("root.pub"), file("clean.db"))
	cli(0, "audit", "verify", "--pubkey", file("root.pub"))
	out = tamper(`UPDATE audit_payloads SET body = json_set(body, '$.new_key', json_extract(body, '$.old_key')) ` + firstRotation)
	if !strings.Contains(out, "invalid_key_rotation") || !strings.Contains(out, "modified_payload") {
		t.Fatalf("verify after tampering with a rotation's key: %s", out)
	}
}

// checkpointSize reads the tree size line of a checkpoint note.
func checkpointSize(note string) (int64, error) {
	lines := strings.SplitN(note, "\n", 3)
	if len(lines) < 3 {
		return 0, fmt.Errorf("not a checkpoint: %q", note)
	}
	var n int64
	_, err := fmt.Sscan(lines[1], &n)
	return n, err
}
