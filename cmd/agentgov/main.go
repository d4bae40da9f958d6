// Command agentgov governs AI agents: see agentgov --help.
package main

import (
	"context"
	"os"

	"github.com/agentgov/agentgov/internal/cli"
)

func main() {
	os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Env{
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, LookupEnv: os.LookupEnv,
	}))
}
