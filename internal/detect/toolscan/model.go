package toolscan

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/agentgov/agentgov/internal/detect"
	"github.com/agentgov/agentgov/internal/detect/textclass"
	"github.com/agentgov/agentgov/internal/textnorm"
)

// The scanner's second stage is a text classifier trained on the labelled
// development sets under testdata (never on the held-out ones): a logistic
// regression over the words of all of a server's definitions. The rules
// say what is wrong and where; the model says how much the server as a
// whole reads like the malicious servers it was trained on. It moves a
// verdict only at its ends:
//
//   - at or below modelClears, a finding of a text-based type (any type
//     but HIDDEN_CHARACTERS, TYPOSQUATTING and RUG_PULL, which are facts
//     about characters, names and versions rather than a reading of the
//     text), and a RUG_PULL whose gravest reasons are all readings of the
//     old and new text, is lowered from high to medium, and at or below
//     modelClearsCritical from critical too: rules that read intent fire on
//     honest servers whose job involves sending, reading or holding
//     secrets, and the model separates those from attacks better than any
//     rule did on text no rule was written for;
//   - above modelFlags, a server no rule raised to high, and whose prose
//     holds at least modelMinWords words the model knows, gets one high
//     finding on the tool the model scores highest, with the words that
//     weighed most.
//
// testdata/README.md ("Round 22") records how the thresholds were chosen
// and what the model scores on the held-out sets.
//
// Regenerate the model after changing a development set or the text the
// model reads: go test ./internal/detect/toolscan -run TestModelFile -update-model
//
//go:embed textmodel.tsv
var modelFile []byte

const (
	modelClears         = 0.25
	modelClearsCritical = 0.1
	modelFlags          = 0.7
	// modelMinWords is the least number of distinct words of prose
	// (proseBag) the model must know in a server before its reading alone
	// may flag it: a sentence or two is too little to go on.
	modelMinWords = 20
)

var loadModel = sync.OnceValues(func() (*textclass.Model, error) { return textclass.Parse(modelFile) })

// modelTrainOptions are the options the embedded model was trained with.
var modelTrainOptions = textclass.TrainOptions{MinDF: 2, C: 10, MaxIter: 2000}

// textBased reports whether findings of type t come from reading the text,
// so that the model's reading may lower them.
func textBased(t string) bool {
	return t != TypeHiddenCharacters && t != TypeTyposquatting && t != TypeRugPull
}

// serverBag is the model's view of a server: the words of everything the
// server shows the model, normalised as the rules see them (folded
// confusables and leetspeak, decoded payloads).
func serverBag(in *Input) textclass.Bag {
	b := textclass.Bag{}
	definitionText(in, func(s string, _ bool) { addText(b, s) })
	return b
}

// proseBag is the words a server writes for the model to read as prose:
// descriptions, titles and the server's instructions. Names, keys and
// values are left out: they say what a tool takes, not what it asks.
func proseBag(in *Input) textclass.Bag {
	b := textclass.Bag{}
	definitionText(in, func(s string, prose bool) {
		if prose {
			addText(b, s)
		}
	})
	return b
}

// definitionText hands every string of a server's definitions to add,
// saying whether it is prose (a description, a title or the instructions)
// rather than a name, key or value.
func definitionText(in *Input, add func(s string, prose bool)) {
	add(in.Server, false)
	add(in.Instructions, true)
	for i := range in.Tools {
		toolText(&in.Tools[i], add)
	}
	for _, p := range in.Prompts {
		add(p.Name, false)
		add(p.Title, true)
		add(p.Description, true)
		for _, a := range p.Arguments {
			add(a.Name, false)
			add(a.Title, true)
			add(a.Description, true)
		}
	}
	for _, r := range in.Resources {
		add(r.Name, false)
		add(r.Title, true)
		add(r.URI, false)
		add(r.URITemplate, false)
		add(r.Description, true)
		add(r.MIMEType, false)
	}
}

// toolText hands every string of a tool's definition to add: its name,
// title and description, and the keys and strings of its schemas and
// annotations (prose when a member is a description or a title).
func toolText(t *Tool, add func(s string, prose bool)) {
	add(t.Name, false)
	add(t.Title, true)
	add(t.Description, true)
	var walk func(v any, key string, depth int)
	walk = func(v any, key string, depth int) {
		if depth > maxDepth {
			return
		}
		switch v := v.(type) {
		case string:
			add(v, key == "description" || key == "title")
		case map[string]any:
			for k, e := range v {
				add(k, false)
				walk(e, k, depth+1)
			}
		case []any:
			for _, e := range v {
				walk(e, key, depth+1)
			}
		}
	}
	walk(t.InputSchema, "", 0)
	walk(t.OutputSchema, "", 0)
	walk(t.Annotations, "", 0)
}

// addText adds s to b as the rules read it: the folded view, and the
// folded views of what was decoded from it.
func addText(b textclass.Bag, s string) {
	if s == "" {
		return
	}
	n := textnorm.Normalize(s, textnorm.Options{NoCompact: true})
	var add func(t *textnorm.Text)
	add = func(t *textnorm.Text) {
		b.Add(t.Folded.Text)
		for i := range t.Decoded {
			add(t.Decoded[i].Text)
		}
	}
	add(&n)
}

// weigh applies the second stage to the findings of one server.
func (sc *scan) weigh(m *textclass.Model) {
	bag := serverBag(sc.in)
	p := m.Score(bag)
	if p <= modelClears {
		sc.lower(p)
		return
	}
	if p <= modelFlags || Flagged(sc.out, detect.High) {
		return
	}
	if m.KnownWords(proseBag(sc.in)) < modelMinWords {
		return
	}
	f := Finding{Type: TypeToolPoisoning, Object: ObjectServer, Severity: detect.High}
	// The type is the one the rules came closest to reporting.
	best := -1
	for _, g := range sc.out {
		if textBased(g.Type) && g.Severity.Rank() > best {
			best, f.Type = g.Severity.Rank(), g.Type
		}
	}
	// The finding names the tool whose own text scores highest.
	top := -1.0
	for i := range sc.in.Tools {
		t := &sc.in.Tools[i]
		tb := textclass.Bag{}
		toolText(t, func(s string, _ bool) { addText(tb, s) })
		if q := m.Score(tb); q > top {
			top, f.Tool, f.Object = q, t.Name, ObjectTool
		}
	}
	var words []string
	for _, c := range m.Explain(bag, 12) {
		if c.Weight > 0 && len(words) < 5 {
			words = append(words, fmt.Sprintf("%q", c.Term))
		}
	}
	sort.Strings(words)
	f.Detail = fmt.Sprintf("no single rule found a definite instruction, but the server's definitions as a whole read like the malicious servers the scanner was trained on (model score %.2f; words that weighed most: %s): read the descriptions and schema text for directions to the model before approving the server", p, strings.Join(words, ", "))
	sc.add(f)
}

// lower lowers the text-based findings of a server the model scored p,
// at most modelClears: the surer the model, the graver a finding it may
// lower.
func (sc *scan) lower(p float64) {
	for i := range sc.out {
		f := &sc.out[i]
		if (textBased(f.Type) || f.reading) && (f.Severity == detect.High || f.Severity == detect.Critical && p <= modelClearsCritical) {
			f.Detail += fmt.Sprintf(" (lowered from %s: the server's definitions as a whole read like honest servers, model score %.2f)", f.Severity, p)
			f.Severity = detect.Medium
		}
	}
}
