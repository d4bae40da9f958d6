package detect

import "context"

// FindFunc returns the findings in one text: the scan at a detector's
// core, without a context or the input's metadata. Method values such as
// pii.Detector.Find and secrets.Detector.Find are FindFuncs.
type FindFunc func(text string) ([]Finding, error)

// DetectWith implements Detector.Detect for a detector whose verdict
// follows from find alone: it checks ctx, runs find on in.Text and returns
// the findings with Score the highest finding score. Flagged is left false
// for the caller to set by its own default profile.
func DetectWith(ctx context.Context, in Input, find FindFunc) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	findings, err := find(in.Text)
	if err != nil {
		return Result{}, err
	}
	res := Result{Findings: findings}
	for _, f := range findings {
		res.Score = max(res.Score, f.Score)
	}
	return res, nil
}
