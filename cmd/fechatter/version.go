package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/fechatter/fechatter/appliance"
)

func newVersionCommand(build appliance.BuildInfo, stdout io.Writer) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build date",
		Args:  cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			fmt.Fprintf(stdout, "fechatter %s\ncommit: %s\nbuilt: %s\ngo: %s %s/%s\n",
				build.Version, build.Commit, build.Date, runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	}
}

// buildInfo combines the -ldflags values with what the Go toolchain
// recorded in the binary, falling back to "dev" and "unknown".
func buildInfo() appliance.BuildInfo {
	b := appliance.BuildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		fillFromBuildInfo(&b, info)
	}
	b.Version = orDefault(b.Version, "dev")
	b.Commit = orDefault(b.Commit, "unknown")
	b.Date = orDefault(b.Date, "unknown")
	return b
}

// fillFromBuildInfo fills the empty fields of b from the module version
// and the VCS stamp (go build records them unless -buildvcs=false).
func fillFromBuildInfo(b *appliance.BuildInfo, info *debug.BuildInfo) {
	if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	modified := false
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Commit = orDefault(b.Commit, s.Value)
		case "vcs.time":
			b.Date = orDefault(b.Date, s.Value)
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if modified && b.Commit != "" && commit == "" {
		b.Commit += "-dirty"
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
