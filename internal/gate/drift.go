package gate

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/jsonpointer"
)

// Drift is how far a tool's result strays from what the tool returned
// before. A result has a shape: the set of its JSON paths (array indexes
// folded to "[]") with the JSON type found at each. The drift score of a
// result is 1 − the highest Jaccard similarity between its shape and the
// shapes of the tool's last driftWindow results (1: nothing in common with
// any recent result; 0: the same shape as one of them). Until a tool has
// driftWarmup results there is no baseline and the score is 0. Values
// never enter the shape, so the score reacts to a changed contract (new
// members, changed types, an error object in place of data), not to
// ordinary data.
const (
	driftWindow     = 20
	driftWarmup     = 5
	driftMaxMembers = 4096
)

type shape []string

func shapeOf(v any) shape {
	set := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		if len(set) >= driftMaxMembers {
			return
		}
		switch x := v.(type) {
		case map[string]any:
			set[path+":object"] = true
			for k, e := range x {
				walk(jsonpointer.Append(path, k), e)
			}
		case []any:
			set[path+":array"] = true
			for _, e := range x {
				walk(path+"/[]", e)
			}
		case string:
			set[path+":string"] = true
		case bool:
			set[path+":boolean"] = true
		case nil:
			set[path+":null"] = true
		default:
			set[path+":number"] = true
		}
	}
	walk("", v)
	out := make(shape, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func jaccard(a, b shape) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	inter := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			inter++
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// driftBaseline remembers recent result shapes per tool.
type driftBaseline struct {
	mu     sync.Mutex
	shapes map[string][]shape
}

func newDriftBaseline() *driftBaseline { return &driftBaseline{shapes: map[string][]shape{}} }

// score scores s against the tool's recent shapes, then remembers s.
func (b *driftBaseline) score(tool string, s shape) (float64, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	recent := b.shapes[tool]
	score, ok := 0.0, len(recent) >= driftWarmup
	if ok {
		best := 0.0
		for _, r := range recent {
			best = max(best, jaccard(s, r))
		}
		score = 1 - best
	}
	if recent == nil {
		tool = strings.Clone(tool) // not a view into the request
	}
	recent = append(recent, s)
	if len(recent) > driftWindow {
		recent = slices.Delete(recent, 0, len(recent)-driftWindow)
	}
	b.shapes[tool] = recent
	return score, ok
}

// drift checks a post_tool_call result against the tool's output schema
// and its recent results.
func (c *check) drift() {
	t := c.tool
	var problems []string
	if t.OutputSchema != nil {
		if err := t.OutputSchema.Validate(c.value); err != nil {
			problems = append(problems, "output_schema")
			c.findings = append(c.findings, Finding{Detector: "drift", Type: "OUTPUT_SCHEMA_VIOLATION", Severity: "high",
				Action: driftAction(c.prof), Detail: firstLine(err.Error())})
		}
	}
	if score, ok := c.g.drift.score(c.toolName, shapeOf(c.value)); ok && score > c.prof.DriftThreshold {
		problems = append(problems, "score")
		c.findings = append(c.findings, Finding{Detector: "drift", Type: "RESULT_DRIFT", Severity: "medium", Action: driftAction(c.prof),
			Detail: "drift score " + strconv.FormatFloat(score, 'f', 3, 64) + " exceeds " + strconv.FormatFloat(c.prof.DriftThreshold, 'f', 3, 64)})
	}
	if len(problems) > 0 && c.prof.BlockOnDrift {
		c.add(Deny, "drift:"+strings.Join(problems, "+"))
	}
}

func driftAction(p *Profile) string {
	if p.BlockOnDrift {
		return Deny
	}
	return "record"
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 300 {
		s = s[:300]
	}
	return fmt.Sprint(s)
}
