package injection

import (
	"math"

	"github.com/agentgov/agentgov/internal/detect"
)

// The score is a logistic model over the features below, fitted in this
// package on labelled text of our own (testdata/train.jsonl) by
// TestFitWeights; the fitted weights are the constants in weights.go.
// Features are bounded to [0, 1] so that no single count can run away
// with the score. The fit constrains the sign of most weights (signs):
// evidence of an attack may only raise the score, evidence of a
// descriptive frame may only lower it, and the source features may only
// make text inside data weigh more than the same text from the user.
const (
	fBias = iota
	fOverride
	fExtract
	fRole
	fSafety
	fExfil
	fTool
	fMemory
	fLiveCats
	fTemplate
	fHidden
	fAddressed
	fDamp
	fFrames
	fUrgency
	fObf
	fInvisible
	fHomoglyph
	fIndirectLive
	fIndirectStruct
	fIndirectImperative
	fLiveCount
	fLiveMax
	nFeatures
)

var featureNames = [nFeatures]string{
	"bias", "override", "extract", "role", "safety", "exfil", "tool", "memory", "live_categories",
	"template", "hidden", "addressed", "dampened", "frames", "urgency", "obfuscated_hit", "invisible",
	"homoglyph", "indirect_live", "indirect_structure", "indirect_imperative", "live_count", "live_max",
}

// signs constrains each weight in the fit: +1 non-negative, -1
// non-positive, 0 free.
var signs = [nFeatures]int{
	fBias: 0, fOverride: 1, fExtract: 1, fRole: 1, fSafety: 1, fExfil: 1, fTool: 1, fMemory: 1, fLiveCats: 1,
	fTemplate: 1, fHidden: 1, fAddressed: 1, fDamp: 0, fFrames: -1, fUrgency: 1, fObf: 1, fInvisible: 1,
	fHomoglyph: 1, fIndirectLive: 1, fIndirectStruct: 1, fIndirectImperative: 1, fLiveCount: 1, fLiveMax: 1,
}

// indirect reports sources that carry data rather than the user's own
// request: an imperative there is the signal of indirect injection.
func indirect(s detect.Source) bool {
	switch s {
	case detect.SourceDocument, detect.SourceToolResult, detect.SourceMemory, detect.SourceModel:
		return true
	}
	return false
}

// featurize turns a window's evidence into the feature vector.
func featurize(ev *evidence, src detect.Source) [nFeatures]float64 {
	var x [nFeatures]float64
	x[fBias] = 1
	var live [nCats]float64
	liveMax, dampMax := 0.0, 0.0
	nLive, obf := 0, false
	hidden := 0.0
	for i := range ev.intents {
		in := &ev.intents[i]
		if in.damp {
			dampMax = max(dampMax, in.weight)
			continue
		}
		nLive++
		live[in.cat] = max(live[in.cat], in.weight)
		liveMax = max(liveMax, in.weight)
		if in.obf && in.cat != catTemplate && in.weight >= 0.7 {
			obf = true
		}
		if in.hidden && in.cat != catTemplate {
			hidden = max(hidden, in.weight)
		}
	}
	hidden = max(hidden, live[catHidden])
	x[fOverride] = live[catOverride]
	x[fExtract] = live[catExtract]
	x[fRole] = live[catRole]
	x[fSafety] = live[catSafety]
	x[fExfil] = live[catExfil]
	x[fTool] = live[catTool]
	x[fMemory] = max(live[catMemory], live[catPrivilege])
	cats := 0
	for c := catOverride; c <= catPrivilege; c++ {
		if live[c] >= 0.5 {
			cats++
		}
	}
	x[fLiveCats] = min(float64(cats), 3) / 3
	x[fTemplate] = live[catTemplate]
	x[fHidden] = hidden
	x[fAddressed] = live[catAddressed]
	x[fDamp] = dampMax
	x[fFrames] = min(float64(ev.frames), 4) / 4
	x[fUrgency] = min(float64(ev.urgency), 2) / 2
	if obf {
		x[fObf] = 1
	}
	if ev.invisible > 0 {
		x[fInvisible] = 1
	}
	if ev.mixedScript > 0 {
		x[fHomoglyph] = 1
	}
	structMax := max(live[catTemplate], live[catAddressed], hidden)
	if indirect(src) {
		x[fIndirectLive] = liveMax
		x[fIndirectStruct] = structMax
		x[fIndirectImperative] = min(float64(ev.imperatives), 2) / 2
	}
	x[fLiveCount] = min(float64(nLive), 5) / 5
	x[fLiveMax] = liveMax
	return x
}

// logistic is the model's probability for feature vector x.
func logistic(w *[nFeatures]float64, x *[nFeatures]float64) float64 {
	z := 0.0
	for i := range x {
		z += w[i] * x[i]
	}
	return 1 / (1 + math.Exp(-z))
}
