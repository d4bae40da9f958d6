// Package detect is the one catalogue of agentgov's content detectors:
// prompt injection, personal data, secrets, unsafe code, MCP tool
// definitions. Every detector implements Detector and reports Findings with
// exact byte spans, so that the gate can block, escalate, redact or record
// on any of them in the same way, and `agentgov scan` can run any of them
// standalone. Detectors are pure functions of their input: no I/O, no
// store, no gate.
package detect

import "context"

// Source says where the text under inspection came from. Instructions
// inside data (documents, tool results, memory) are the signal of indirect
// prompt injection, so detectors may weigh the same text differently by
// source.
type Source string

// Sources.
const (
	SourceUser       Source = "user"
	SourceDocument   Source = "document"
	SourceToolResult Source = "tool_result"
	SourceModel      Source = "model"
	SourceMemory     Source = "memory"
)

// Valid reports whether s is one of the sources.
func (s Source) Valid() bool {
	switch s {
	case SourceUser, SourceDocument, SourceToolResult, SourceModel, SourceMemory:
		return true
	}
	return false
}

// Severity ranks a finding.
type Severity string

// Severities, lowest first.
const (
	Low      Severity = "low"
	Medium   Severity = "medium"
	High     Severity = "high"
	Critical Severity = "critical"
)

// Rank orders severities (0 for an unknown one).
func (s Severity) Rank() int {
	switch s {
	case Low:
		return 1
	case Medium:
		return 2
	case High:
		return 3
	case Critical:
		return 4
	}
	return 0
}

// Input is one text to inspect.
type Input struct {
	Text   string
	Source Source
	// Language is the programming language for code detectors (python,
	// javascript, typescript, go, bash, sql); empty otherwise.
	Language string
	// Canaries are per-session canary tokens planted in the system prompt
	// (see injection.NewCanary). Any appearance of one in the text, also
	// obfuscated or encoded, is system-prompt leakage: a critical finding.
	// Detectors that do not look for canaries ignore the field.
	Canaries []string
}

// Finding is one thing a detector found.
type Finding struct {
	// Type names what was found, from the detector's vocabulary (e.g.
	// EMAIL_ADDRESS, INSTRUCTION_OVERRIDE, AWS_ACCESS_KEY).
	Type string `json:"type"`
	// Start and End are UTF-8 byte offsets into Input.Text, End exclusive.
	Start    int      `json:"start"`
	End      int      `json:"end"`
	Severity Severity `json:"severity"`
	// Score is the detector's confidence in [0,1].
	Score float64 `json:"-"`
	// Detail explains the finding to a reviewer. It must not repeat the
	// matched text when that text may be a secret or personal data.
	Detail string `json:"detail"`
}

// Result is a detector's verdict on one input.
type Result struct {
	// Score in [0,1] summarises the input (for example the calibrated
	// probability that it is an attack).
	Score    float64
	Findings []Finding
	// Flagged is true exactly when the detector's default profile would
	// block the input.
	Flagged bool
}

// Detector inspects text. Implementations are safe for concurrent use and
// bounded in time and memory by the input size; they never panic on any
// input.
type Detector interface {
	// Name is the detector's name in configuration and in
	// `agentgov scan --detector NAME`.
	Name() string
	Detect(ctx context.Context, in Input) (Result, error)
}

// sourceAliases maps names that corpora and agent frameworks use for the
// same provenance onto the five sources. Retrieved chunks, web pages and
// e-mails are documents; tickets and chat messages are user input.
var sourceAliases = map[string]Source{
	"rag_chunk": SourceDocument, "rag": SourceDocument, "retrieval": SourceDocument, "retrieved": SourceDocument,
	"web": SourceDocument, "webpage": SourceDocument, "web_page": SourceDocument, "email": SourceDocument,
	"file": SourceDocument, "doc": SourceDocument,
	"tool": SourceToolResult, "tool_output": SourceToolResult, "function_result": SourceToolResult,
	"assistant": SourceModel, "model_output": SourceModel, "output": SourceModel,
	"ticket": SourceUser, "chat": SourceUser, "human": SourceUser, "prompt": SourceUser,
}

// ParseSource maps a source name, or a well-known alias of one (e.g.
// "rag_chunk" for a document, "ticket" for user input), to a Source. The
// empty string is the default, SourceUser.
func ParseSource(s string) (Source, bool) {
	if s == "" {
		return SourceUser, true
	}
	if src := Source(s); src.Valid() {
		return src, true
	}
	src, ok := sourceAliases[s]
	return src, ok
}
