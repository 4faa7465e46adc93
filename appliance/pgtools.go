package appliance

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// pgBinGlob is where Debian and Ubuntu install each PostgreSQL major's
// client programs (only some are linked into /usr/bin).
var pgBinGlob = "/usr/lib/postgresql/*/bin"

// findPGTool finds a PostgreSQL client program (pg_dump, pg_restore) on
// PATH, then under pgBinGlob, newest major first (a newer pg_dump reads
// older servers, not the other way round); "" when there is none.
func findPGTool(name string) string {
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	dirs, _ := filepath.Glob(pgBinGlob)
	major := func(dir string) int {
		n, _ := strconv.Atoi(filepath.Base(filepath.Dir(dir)))
		return n
	}
	slices.SortFunc(dirs, func(a, b string) int { return major(b) - major(a) })
	for _, d := range dirs {
		if p, err := exec.LookPath(filepath.Join(d, name)); err == nil {
			return p
		}
	}
	return ""
}

// runPGTool runs a PostgreSQL client program, returning its error output
// (with any password in a URL redacted) when it fails.
func runPGTool(ctx context.Context, path string, args ...string) error {
	cmd := exec.CommandContext(ctx, path, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		for _, a := range args {
			if u, ok := strings.CutPrefix(a, "--dbname="); ok {
				msg = strings.ReplaceAll(msg, u, redactURL(u))
			}
		}
		return fmt.Errorf("%s: %w: %s", filepath.Base(path), err, msg)
	}
	return nil
}
