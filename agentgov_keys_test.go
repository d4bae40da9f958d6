package agentgov_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/agentgov/agentgov"
	"github.com/agentgov/agentgov/api"
)

func TestRotatedLogKeyKeepsEveryCheckpointVerifiable(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	l, err := agentgov.OpenLog(ctx, agentgov.LogOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	root := l.VerifierKey()
	var cps [][]byte
	step := func() {
		for range 3 {
			if _, err := l.Append(ctx, api.Event{Type: "t", Agent: "a"}); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := l.Checkpoint(ctx)
		if err != nil {
			t.Fatal(err)
		}
		cps = append(cps, cp)
	}
	step()
	for range 2 {
		if _, err := l.RotateKey(ctx, "test"); err != nil {
			t.Fatal(err)
		}
		step()
	}
	if l.RootKey() != root || l.VerifierKey() == root {
		t.Fatal("root or current key wrong after rotation")
	}
	doc, err := json.Marshal(l.KeyChain())
	if err != nil {
		t.Fatal(err)
	}
	kc, err := agentgov.NewKeyChain(root, doc)
	if err != nil {
		t.Fatal(err)
	}
	single, err := agentgov.NewKeyChain(root, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i, cp := range cps {
		head, err := kc.OpenCheckpoint(cp)
		if err != nil {
			t.Fatalf("checkpoint %d: %v", i, err)
		}
		p, err := l.InclusionProof(ctx, 1, head.TreeSize)
		if err != nil {
			t.Fatal(err)
		}
		e, err := l.Entry(ctx, 1)
		if err != nil {
			t.Fatal(err)
		}
		if err := kc.VerifyInclusion(cp, p, &e); err != nil {
			t.Fatalf("inclusion in checkpoint %d: %v", i, err)
		}
		// Only the checkpoint from before the first rotation verifies
		// with the first key alone.
		if err := single.VerifyInclusion(cp, p, &e); (err == nil) != (i == 0) {
			t.Fatalf("checkpoint %d with the first key alone: %v", i, err)
		}
		if i == 0 {
			if err := agentgov.VerifyInclusion(cp, root, p, &e); err != nil {
				t.Fatal(err)
			}
		}
	}
	first, _ := kc.OpenCheckpoint(cps[0])
	last, _ := kc.OpenCheckpoint(cps[2])
	cons, err := l.ConsistencyProof(ctx, first.TreeSize, last.TreeSize)
	if err != nil {
		t.Fatal(err)
	}
	if err := kc.VerifyConsistency(cps[0], cps[2], cons); err != nil {
		t.Fatalf("consistency across two rotations: %v", err)
	}
	if rep, err := l.Verify(ctx); err != nil || !rep.Intact || len(rep.Keys) != 3 {
		t.Fatalf("verify: %v %+v", err, rep)
	}
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	l, err = agentgov.OpenLog(ctx, agentgov.LogOptions{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(ctx)
	if l.RootKey() != root {
		t.Fatal("the reopened log lost its first key")
	}
	if rep, err := l.Verify(ctx); err != nil || !rep.Intact {
		t.Fatalf("verify after reopen: %v %+v", err, rep)
	}
}

func TestMemoryLogRotates(t *testing.T) {
	ctx := context.Background()
	l, err := agentgov.OpenMemoryLog(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(ctx, api.Event{Type: "t", Agent: "a"}); err != nil {
		t.Fatal(err)
	}
	r, err := l.RotateKey(ctx, "test")
	if err != nil || r.OldKey != l.RootKey() || r.NewKey != l.VerifierKey() {
		t.Fatalf("%+v %v", r, err)
	}
	if rep, err := l.Verify(ctx); err != nil || !rep.Intact {
		t.Fatalf("%v %+v", err, rep)
	}
}
