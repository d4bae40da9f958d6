package api

import "encoding/json"

// SagaDefinition is the body of POST /v1/sagas: an HTTP saga whose steps
// and compensations are endpoints agentgov POSTs to (SagaStepRequest).
// Durations are Go duration strings ("30s", "10m").
type SagaDefinition struct {
	Agent string `json:"agent"`
	// Substitute takes the saga over when Agent is killed.
	Substitute string `json:"substitute,omitempty"`
	// Session is the gate session of the steps (default: the saga id).
	Session string          `json:"session,omitempty"`
	Timeout string          `json:"timeout,omitempty"`
	Input   json.RawMessage `json:"input,omitempty"`
	Steps   []SagaStepDef   `json:"steps"`
}

// SagaStepDef is one step of a SagaDefinition.
type SagaStepDef struct {
	Name string `json:"name"`
	// Tool is the tool name the gate checks the step as (default: Name).
	Tool            string `json:"tool,omitempty"`
	URL             string `json:"url"`
	CompensationURL string `json:"compensation_url"`
	Timeout         string `json:"timeout,omitempty"`
	// MaxAttempts bounds deliveries of the step (default 1); only answers
	// that say the step did not happen (408, 429, 5xx) are retried.
	MaxAttempts int `json:"max_attempts,omitempty"`
}

// Saga is a saga's last checkpoint (GET /v1/sagas/{id}).
type Saga struct {
	ID string `json:"id"`
	// Agent started the saga; ActingAgent acts now (the substitute after a
	// handoff).
	Agent       string `json:"agent"`
	ActingAgent string `json:"acting_agent"`
	Substitute  string `json:"substitute,omitempty"`
	Session     string `json:"session"`
	StartedBy   string `json:"started_by"`
	Kind        string `json:"kind"`
	// Status is running, compensating, completed, compensated or
	// compensation_failed_escalated; Reason says why it compensated
	// (step_failed:NAME, step_denied:NAME:REASON, killed:REASON, aborted,
	// timeout, ...); Escalation names the approval request a human was
	// asked to resolve.
	Status     string     `json:"status"`
	Reason     string     `json:"reason,omitempty"`
	Escalation string     `json:"escalation,omitempty"`
	Finished   bool       `json:"finished"`
	Created    string     `json:"created"`
	Updated    string     `json:"updated"`
	Deadline   string     `json:"deadline"`
	Steps      []SagaStep `json:"steps"`
}

// SagaStep is one step of a Saga.
type SagaStep struct {
	Name string `json:"name"`
	// Status is pending, running, succeeded, failed, unknown,
	// compensating, compensated or compensation_failed.
	Status               string          `json:"status"`
	Attempts             int             `json:"attempts"`
	CompensationAttempts int             `json:"compensation_attempts"`
	Result               json.RawMessage `json:"result,omitempty"`
	Error                string          `json:"error,omitempty"`
	Started              string          `json:"started,omitempty"`
	Finished             string          `json:"finished,omitempty"`
	Compensated          string          `json:"compensated,omitempty"`
}

// SagaStepRequest is the JSON body agentgov POSTs to a step URL (kind
// "step") and to a compensation URL (kind "compensation"), with the
// headers Idempotency-Key, Agentgov-Saga and Agentgov-Agent. The body of a
// re-sent delivery is the body first sent under its key.
type SagaStepRequest struct {
	SagaID    string `json:"saga_id"`
	Step      string `json:"step"`
	StepIndex int    `json:"step_index"`
	Kind      string `json:"kind"`
	Attempt   int    `json:"attempt"`
	// Input is the saga's input; Previous the results of the steps that
	// succeeded before this one, by step name.
	Input    json.RawMessage            `json:"input"`
	Previous map[string]json.RawMessage `json:"previous"`
	// Compensation only: the step's result (absent when its outcome is
	// unknown) and its outcome, "succeeded" or "unknown".
	Result  json.RawMessage `json:"result,omitempty"`
	Outcome string          `json:"outcome,omitempty"`
}

// SagaList is the answer of GET /v1/sagas: the sagas the credential may
// see, newest first.
type SagaList struct {
	Sagas []Saga `json:"sagas"`
}
