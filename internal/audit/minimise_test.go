package audit

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store/memory"
)

// upperMinimiser stands in for the detectors: it "redacts" the word
// SECRET, and refuses events whose reason says so.
type upperMinimiser struct{}

func (upperMinimiser) Minimise(_ context.Context, ev *api.Event) error {
	if ev.Reason == "refuse" {
		return errors.New("cannot inspect")
	}
	ev.Reason = strings.ReplaceAll(ev.Reason, "SECRET", "<X>")
	ev.Payload = []byte(strings.ReplaceAll(string(ev.Payload), "SECRET", "<X>"))
	return nil
}

func TestMinimiserRunsBeforeRecording(t *testing.T) {
	k := newKey(t)
	l, err := Open(context.Background(), Options{Store: memory.New(), Origin: testOrigin, Signer: k.signer, VerifierKey: k.vkey, Now: fakeClock(), Minimiser: upperMinimiser{}})
	if err != nil {
		t.Fatal(err)
	}
	e := ev("a", "decision", `{"note":"the SECRET is out"}`)
	e.Reason = "SECRET reason"
	idx := mustAppend(t, l, e)
	got, err := l.Entry(context.Background(), idx)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got.Payload)+got.Reason, "SECRET") || !strings.Contains(string(got.Payload), "<X>") {
		t.Fatalf("recorded as given: %+v %s", got, got.Payload)
	}
	if !strings.Contains(string(e.Payload), "SECRET") {
		t.Fatal("the caller's event was modified")
	}
	// An event the minimiser cannot inspect is not recorded.
	e = ev("a", "decision", `{}`)
	e.Reason = "refuse"
	var fe *FieldError
	if _, err := l.Append(context.Background(), e, "test"); !errors.As(err, &fe) {
		t.Fatalf("refused event: %v", err)
	}
	// Erasure reasons are minimised too.
	eidx, err := l.Erase(context.Background(), idx, "subject SECRET asked", "agentgov")
	if err != nil {
		t.Fatal(err)
	}
	er, _ := l.Entry(context.Background(), eidx)
	if strings.Contains(er.Reason+string(er.Payload), "SECRET") {
		t.Fatalf("erasure reason kept: %+v", er)
	}
	if n, _ := l.Size(context.Background()); n != 2 {
		t.Fatalf("size %d", n)
	}
}
