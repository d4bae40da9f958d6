package approval

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// Fatigue flags.
const (
	FatigueFast    = "fatigue:fast"
	FatigueUniform = "fatigue:uniform"
)

// maxFatigueScan bounds the requests one fatigue check reads.
const maxFatigueScan = 10 * store.MaxApprovalList

// fatigue returns the flags an approval by approver at now earns on
// request a. The history comes from the store, so it survives restarts
// and is shared by replicas.
func (s *Service) fatigue(ctx context.Context, a api.Approval, approver string, now time.Time) ([]string, error) {
	f := s.cfg.Load().Fatigue
	var flags []string
	if f.MinDecisionTime > 0 && now.Sub(a.Created) < f.MinDecisionTime {
		flags = append(flags, FatigueFast)
	}
	if f.MaxConsecutive <= 0 || f.Window <= 0 {
		return flags, nil
	}
	if f.MaxConsecutive == 1 {
		return append(flags, FatigueUniform), nil
	}
	since := now.Add(-f.Window)
	// A vote in the window may be on a request opened up to the longest
	// timeout before it.
	q := store.ApprovalQuery{CreatedSince: since.Add(-maxRequestAge), Limit: store.MaxApprovalList}
	var history []api.ApprovalVote
	for scanned := 0; scanned < maxFatigueScan; {
		page, err := s.st.ListApprovals(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("approval: reading approver history: %w", err)
		}
		for _, r := range page {
			if r.ID == a.ID {
				continue
			}
			var other api.Approval
			if err := json.Unmarshal(r.Body, &other); err != nil {
				return nil, fmt.Errorf("approval: stored request %s: %w", r.ID, err)
			}
			for _, v := range other.Votes {
				if v.Approver == approver && !v.Time.Before(since) {
					history = append(history, v)
				}
			}
		}
		scanned += len(page)
		if len(page) < q.Limit {
			break
		}
		last := page[len(page)-1]
		q.AfterCreated, q.AfterID = last.Created, last.ID
	}
	slices.SortFunc(history, func(x, y api.ApprovalVote) int { return y.Time.Compare(x.Time) })
	run := 1 // this approval
	for _, v := range history {
		if v.Vote != api.VoteApprove {
			break
		}
		run++
	}
	if run >= f.MaxConsecutive {
		flags = append(flags, FatigueUniform)
	}
	return flags, nil
}

// maxRequestAge is the longest a request can stay open (the largest
// configurable timeout).
const maxRequestAge = 24 * time.Hour
