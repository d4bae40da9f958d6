package detect

import (
	"context"
	"errors"
	"testing"
)

func TestDetectWith(t *testing.T) {
	find := func(text string) ([]Finding, error) {
		if text == "" {
			return nil, errTooLarge
		}
		return []Finding{{Type: "A", Score: 0.4}, {Type: "B", Score: 0.7}}, nil
	}
	res, err := DetectWith(context.Background(), Input{Text: "x"}, find)
	if err != nil || len(res.Findings) != 2 || res.Score != 0.7 || res.Flagged {
		t.Errorf("DetectWith: %+v %v", res, err)
	}
	if _, err := DetectWith(context.Background(), Input{}, find); !errors.Is(err, errTooLarge) {
		t.Errorf("find's error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := DetectWith(ctx, Input{Text: "x"}, find); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
}
