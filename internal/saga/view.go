package saga

import (
	"encoding/json"
	"time"

	"github.com/agentgov/agentgov/api"
	"github.com/agentgov/agentgov/internal/store"
)

// View is a saga as GET /v1/sagas/{id} shows it.
type View = api.Saga

// StepView is one step of a View.
type StepView = api.SagaStep

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// ViewOf renders a checkpoint.
func ViewOf(r store.SagaRecord) View {
	v := View{ID: r.ID, Agent: r.Agent, ActingAgent: r.Acting, Substitute: r.Substitute, Session: r.Session, StartedBy: r.Source,
		Kind: r.Kind, Status: r.Status, Reason: r.Reason, Escalation: r.Escalation, Finished: r.Finished,
		Created: stamp(r.Created), Updated: stamp(r.Updated), Deadline: stamp(r.Deadline), Steps: []StepView{}}
	for _, s := range r.Steps {
		sv := StepView{Name: s.Name, Status: s.Status, Attempts: s.Attempts, CompensationAttempts: s.CompAttempts, Error: s.Error,
			Started: stamp(s.Started), Finished: stamp(s.Finished), Compensated: stamp(s.CompFinished)}
		if len(s.Result) > 0 {
			sv.Result = json.RawMessage(s.Result)
		}
		v.Steps = append(v.Steps, sv)
	}
	return v
}
