// Package fechatter_test holds repository-wide tests. TestLayering keeps
// the import direction of ARCHITECTURE.md §2: nothing imports upward, and
// each package imports only the packages of ours its row allows.
package fechatter_test

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/fechatter/fechatter/"

// anyOfOurs marks a package that may import every package of ours.
const anyOfOurs = "*"

// allowed is the "may import (ours)" column of ARCHITECTURE.md §2, as
// module-relative paths, as the table states it but for one thing: storage
// does not import internal/apperr. It answers its own sentinels
// (storage.ErrNotFound, ErrConflict, ErrInvalid) and the use cases give
// them their meaning for a caller; an HTTP-flavoured error from storage
// would bypass them.
var allowed = map[string][]string{
	"cmd/fechatter":       {"appliance"},
	"appliance":           {anyOfOurs},
	"embedded/natsd":      {"internal/telemetry"},
	"embedded/meili":      {"internal/telemetry"},
	"embedded/autotls":    {"internal/telemetry"},
	"storage":             {"internal/model"},
	"storage/sqlite":      {"storage", "internal/model"},
	"storage/postgres":    {"storage", "internal/model"},
	"storage/storagetest": {"storage", "internal/model"},
	"internal/model":      {},
	"internal/apperr":     {},
	"internal/auth":       {"storage", "internal/model", "internal/apperr"},
	"internal/chat":       {"internal/auth", "storage", "internal/events", "internal/model", "internal/apperr"},
	"internal/events":     {"internal/model"},
	"internal/realtime":   {"internal/events", "internal/model"},
	"internal/search":     {"internal/events", "internal/model"},
	// The engines implement the search core's Index; the core never names
	// them (the appliance picks one), and neither names the other.
	"internal/search/bleve": {"internal/search", "internal/model"},
	"internal/search/meili": {"internal/search", "internal/model"},
	"internal/bot":          {"internal/chat", "internal/search", "internal/events", "internal/model"},
	// Import and export: format readers and writers over the use cases'
	// history writer and the store.
	"internal/transfer": {"internal/chat", "storage", "internal/model"},
	"internal/api":      {"internal/chat", "internal/auth", "internal/search", "internal/realtime", "internal/bot", "internal/push", "internal/integ", "internal/model", "internal/apperr"},
	// Webhooks and slash-command integrations: over the use cases, the
	// event stream and the SSRF policy.
	"internal/integ":     {"internal/chat", "internal/events", "internal/netguard", "internal/model", "internal/apperr"},
	"internal/gateway":   {"internal/telemetry"},
	"internal/telemetry": {},
	// Mail to users over SMTP: account links and the email digest.
	"internal/mail": {"storage", "internal/model", "internal/apperr"},
	// SSRF-safe outbound HTTP for user-given URLs.
	"internal/netguard": {},
	// Link previews and Web Push: consumers of message events that act
	// through the use cases.
	"internal/preview": {"internal/chat", "internal/events", "internal/model", "internal/netguard", "internal/apperr"},
	"internal/push":    {"internal/events", "internal/model", "internal/netguard", "internal/apperr"},
	"webui":            {},
	"client":           {"internal/model"},
	// Test and benchmark support: builds and runs the binary as a child.
	"internal/testproc": {},
	// The load generator is a client of the API like any other; it spawns
	// the server with the tests' harness.
	"cmd/fechatter-bench": {"client", "internal/model", "internal/testproc"},
}

// telemetryDenied may not import internal/telemetry. Every other package
// may: telemetry imports nothing of ours, so it cannot point upward, and
// request ids must reach every log line (contracts.md, "Telemetry"). The
// CLI goes through appliance, which re-exports what it needs.
var telemetryDenied = []string{"cmd/fechatter", "internal/model", "internal/apperr", "webui", "client"}

// exempt are test-only helper packages, outside the production graph.
var exempt = []string{"storage/postgres/pgtest", "internal/mail/smtptest"}

// rulesFor returns the table row that governs pkg: its own, or that of its
// nearest ancestor in the table (a sub-package belongs to its parent).
func rulesFor(pkg string) (row string, ok bool) {
	for p := pkg; p != "." && p != ""; p = filepath.Dir(p) {
		if _, ok := allowed[p]; ok {
			return p, true
		}
	}
	return "", false
}

// within reports whether pkg is dir or below it.
func within(pkg, dir string) bool { return pkg == dir || strings.HasPrefix(pkg, dir+"/") }

// mayImport reports whether pkg may import dep (both module-relative).
func mayImport(pkg, dep string) bool {
	row, _ := rulesFor(pkg)
	depRow, _ := rulesFor(dep)
	if depRow == row {
		// A package and its sub-packages form one unit, except those with a
		// row of their own (the search engines): only a row names them.
		return true
	}
	if dep == "internal/telemetry" && !slices.Contains(telemetryDenied, row) {
		return true
	}
	for _, a := range allowed[row] {
		// Allowing a package allows its sub-packages, not those with a row
		// of their own: the search core does not bring its engines along.
		if a == anyOfOurs || within(dep, a) && (depRow == a || !within(depRow, a)) {
			return true
		}
	}
	return false
}

// violations checks an import graph (module-relative paths) against the table.
func violations(graph map[string][]string) []string {
	var out []string
	for pkg, deps := range graph {
		if slices.Contains(exempt, pkg) {
			continue
		}
		if _, ok := rulesFor(pkg); !ok {
			out = append(out, pkg+": not in the layering table (add it to ARCHITECTURE.md §2 and layering_test.go)")
			continue
		}
		for _, dep := range deps {
			if !mayImport(pkg, dep) {
				out = append(out, pkg+" imports "+dep)
			}
		}
	}
	slices.Sort(out)
	return out
}

func TestLayering(t *testing.T) {
	graph := importGraph(t)
	if len(graph) == 0 {
		t.Fatal("go list found no packages")
	}
	for _, v := range violations(graph) {
		t.Error(v)
	}
}

// importGraph lists the non-test imports of ours of every package of the
// module that has non-test Go files.
func importGraph(t *testing.T) map[string][]string {
	t.Helper()
	cmd := exec.Command(goTool(), "list", "-e", "-f", "{{.ImportPath}} {{len .GoFiles}} {{join .Imports \" \"}}", "./...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	graph := map[string][]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		if len(fields) < 2 || fields[1] == "0" || !strings.HasPrefix(fields[0], module) {
			continue // test-only package (like this one)
		}
		pkg := strings.TrimPrefix(fields[0], module)
		graph[pkg] = []string{}
		for _, imp := range fields[2:] {
			if strings.HasPrefix(imp, module) {
				graph[pkg] = append(graph[pkg], strings.TrimPrefix(imp, module))
			}
		}
	}
	return graph
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return "go" // go test puts GOROOT/bin first on PATH; this is only a fallback
}

// TestLayeringCatchesViolations proves the checker fails on forbidden imports.
func TestLayeringCatchesViolations(t *testing.T) {
	for _, tc := range []struct {
		name  string
		graph map[string][]string
		want  []string
	}{
		{name: "allowed imports", graph: map[string][]string{
			"cmd/fechatter":              {"appliance"},
			"appliance":                  {"internal/api", "storage/sqlite", "embedded/natsd"},
			"internal/chat":              {"internal/auth", "storage", "internal/telemetry"},
			"internal/search/bleve":      {"internal/search", "internal/model"},
			"internal/search/searchtest": {"internal/search", "internal/model"},
			"storage/storagetest":        {"storage", "internal/model"},
			"storage/postgres/pgtest":    {},
		}},
		{name: "model imports storage", graph: map[string][]string{"internal/model": {"storage"}}, want: []string{"internal/model imports storage"}},
		{name: "apperr imports telemetry", graph: map[string][]string{"internal/apperr": {"internal/telemetry"}}, want: []string{"internal/apperr imports internal/telemetry"}},
		{name: "cmd bypasses appliance", graph: map[string][]string{"cmd/fechatter": {"internal/chat", "internal/telemetry"}}, want: []string{"cmd/fechatter imports internal/chat", "cmd/fechatter imports internal/telemetry"}},
		{name: "storage imports upward", graph: map[string][]string{"storage/sqlite": {"internal/chat"}}, want: []string{"storage/sqlite imports internal/chat"}},
		{name: "storage answers apperr", graph: map[string][]string{"storage/postgres": {"storage", "internal/apperr"}}, want: []string{"storage/postgres imports internal/apperr"}},
		{name: "api names storage", graph: map[string][]string{"internal/api": {"internal/chat", "storage"}}, want: []string{"internal/api imports storage"}},
		{name: "blob store under storage", graph: map[string][]string{"internal/chat": {"storage/blobs"}, "storage/blobs": {}}},
		{name: "blob store imports the use cases", graph: map[string][]string{"storage/blobs": {"internal/chat"}}, want: []string{"storage/blobs imports internal/chat"}},
		{name: "embedded imports the domain", graph: map[string][]string{"embedded/natsd": {"internal/events"}}, want: []string{"embedded/natsd imports internal/events"}},
		{name: "sub-package inherits its parent's row", graph: map[string][]string{"internal/search/searchtest": {"internal/chat"}}, want: []string{"internal/search/searchtest imports internal/chat"}},
		{name: "search core imports an engine", graph: map[string][]string{"internal/search": {"internal/search/bleve"}}, want: []string{"internal/search imports internal/search/bleve"}},
		{name: "engine imports the other engine", graph: map[string][]string{"internal/search/meili": {"internal/search/bleve"}}, want: []string{"internal/search/meili imports internal/search/bleve"}},
		{name: "engine's sub-package inherits the engine's row", graph: map[string][]string{"internal/search/meili/meilistub": {"internal/chat"}}, want: []string{"internal/search/meili/meilistub imports internal/chat"}},
		{name: "unknown package", graph: map[string][]string{"internal/misc": {}}, want: []string{"internal/misc: not in the layering table (add it to ARCHITECTURE.md §2 and layering_test.go)"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := violations(tc.graph); !slices.Equal(got, tc.want) {
				t.Fatalf("violations = %q, want %q", got, tc.want)
			}
		})
	}
}
