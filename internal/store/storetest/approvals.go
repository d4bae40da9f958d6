package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/agentgov/agentgov/internal/store"
)

func approvalRecord(i int, state string) store.ApprovalRecord {
	created := base.Add(time.Duration(i/2) * time.Second) // two per second: ties order by id
	return store.ApprovalRecord{ID: fmt.Sprintf("apr-%03d", i), Agent: fmt.Sprintf("agent-%d", i%3), State: state,
		Created: created, Deadline: created.Add(5 * time.Minute), Body: []byte(fmt.Sprintf(`{"n":%d}`, i))}
}

// RunApprovals runs the approvals-domain suite against fresh stores from
// open.
func RunApprovals(t *testing.T, open func(t *testing.T) store.Approvals) {
	ctx := context.Background()
	t.Run("CreateGet", func(t *testing.T) {
		st := open(t)
		r := approvalRecord(1, store.ApprovalPending)
		if err := st.CreateApproval(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateApproval(ctx, r); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("duplicate create: %v, want ErrConflict", err)
		}
		got, err := st.GetApproval(ctx, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 1 || got.Agent != r.Agent || got.State != r.State || !got.Created.Equal(r.Created) ||
			!got.Deadline.Equal(r.Deadline) || string(got.Body) != string(r.Body) {
			t.Fatalf("read back %+v, want %+v at version 1", got, r)
		}
		if _, err := st.GetApproval(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("unknown id: %v, want ErrNotFound", err)
		}
	})
	t.Run("UpdateCompareAndSwap", func(t *testing.T) {
		st := open(t)
		r := approvalRecord(2, store.ApprovalPending)
		if err := st.CreateApproval(ctx, r); err != nil {
			t.Fatal(err)
		}
		r.Version, r.State, r.Body = 1, "approved", []byte(`{"n":2,"state":"approved"}`)
		if err := st.UpdateApproval(ctx, r); err != nil {
			t.Fatal(err)
		}
		// A writer that read version 1 has lost the race.
		stale := r
		stale.State = "denied"
		if err := st.UpdateApproval(ctx, stale); !errors.Is(err, store.ErrConflict) {
			t.Fatalf("stale update: %v, want ErrConflict", err)
		}
		got, err := st.GetApproval(ctx, r.ID)
		if err != nil || got.Version != 2 || got.State != "approved" || string(got.Body) != string(r.Body) {
			t.Fatalf("after update %+v %v", got, err)
		}
		r.ID = "missing"
		if err := st.UpdateApproval(ctx, r); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("update of unknown id: %v, want ErrNotFound", err)
		}
	})
	t.Run("UpdateExactlyOnce", func(t *testing.T) {
		// Many writers read the same version; exactly one may write.
		st := open(t)
		r := approvalRecord(3, "approved")
		if err := st.CreateApproval(ctx, r); err != nil {
			t.Fatal(err)
		}
		var wins atomic.Int64
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				u := r
				u.Version = 1
				u.Body = []byte(fmt.Sprintf(`{"consumed_by":%d}`, i))
				err := st.UpdateApproval(ctx, u)
				switch {
				case err == nil:
					wins.Add(1)
				case !errors.Is(err, store.ErrConflict):
					t.Errorf("writer %d: %v", i, err)
				}
			}()
		}
		wg.Wait()
		if wins.Load() != 1 {
			t.Fatalf("%d writers won, want exactly 1", wins.Load())
		}
	})
	t.Run("List", func(t *testing.T) {
		st := open(t)
		for i := range 10 {
			state := store.ApprovalPending
			if i%3 == 0 {
				state = "denied"
			}
			if err := st.CreateApproval(ctx, approvalRecord(i, state)); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(rs []store.ApprovalRecord) string {
			s := ""
			for _, r := range rs {
				s += r.ID[4:] + " "
			}
			return s
		}
		for _, tc := range []struct {
			name string
			q    store.ApprovalQuery
			want string
		}{
			{"all", store.ApprovalQuery{}, "000 001 002 003 004 005 006 007 008 009 "},
			{"pending", store.ApprovalQuery{State: store.ApprovalPending}, "001 002 004 005 007 008 "},
			{"agent", store.ApprovalQuery{Agent: "agent-1"}, "001 004 007 "},
			{"since", store.ApprovalQuery{CreatedSince: base.Add(3 * time.Second)}, "006 007 008 009 "},
			{"limit", store.ApprovalQuery{Limit: 3}, "000 001 002 "},
			{"after", store.ApprovalQuery{AfterCreated: base.Add(1 * time.Second), AfterID: "apr-002", Limit: 3}, "003 004 005 "},
			{"pending after", store.ApprovalQuery{State: store.ApprovalPending, AfterCreated: base.Add(2 * time.Second), AfterID: "apr-004"}, "005 007 008 "},
		} {
			got, err := st.ListApprovals(ctx, tc.q)
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if ids(got) != tc.want {
				t.Errorf("%s: got %q, want %q", tc.name, ids(got), tc.want)
			}
		}
	})
}
