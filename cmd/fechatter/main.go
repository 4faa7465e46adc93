// Command fechatter is the Fechatter server: one binary that serves the
// chat API, migrates its database, checks a running server's health and
// prints its configuration. It owns flags, subcommands, signals and exit
// codes; everything else is built by package appliance.
package main

import (
	"fmt"
	"io"
	"os"
)

// Set at build time: go build -ldflags "-X main.version=v1.2.3 -X main.commit=... -X main.date=...".
var (
	version string
	commit  string
	date    string
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the exit code: 0 on success,
// 1 on any failure (the error printed to stderr).
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCommand(buildInfo(), stdout, stderr)
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		fmt.Fprintf(stderr, "fechatter: %v\n", err)
		return 1
	}
	return 0
}
