package pgtest

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
)

// template is a database prepared once per test binary (for example,
// migrated) and then copied for each test: copying is much cheaper than
// preparing every test's database from scratch.
type template struct {
	once sync.Once
	name string
	err  error
}

var (
	templatesMu sync.Mutex
	templates   = map[string]*template{}
	// externalTemplates are dropped by Main on the server named by EnvURL
	// (a throwaway cluster goes as a whole).
	externalTemplates []string
)

// URLFromTemplate returns the URL of a new database, used by this test
// alone, that starts as a copy of the template named key. The first call
// for a key creates the template database and runs init on its URL; init
// must have closed its connections when it returns. If init fails, every
// test asking for that template fails. Templates live until Main ends.
func URLFromTemplate(t testing.TB, key string, init func(ctx context.Context, url string) error) string {
	t.Helper()
	admin, external := server(t)
	tpl := templateFor(key)
	tpl.once.Do(func() { tpl.name, tpl.err = makeTemplate(admin, external, key, init) })
	if tpl.err != nil {
		t.Fatalf("pgtest: template %q: %v", key, tpl.err)
	}
	return newDatabase(t, tpl.name)
}

func templateFor(key string) *template {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	tpl, ok := templates[key]
	if !ok {
		tpl = &template{}
		templates[key] = tpl
	}
	return tpl
}

var unsafeName = regexp.MustCompile(`[^a-z0-9_]+`)

// makeTemplate creates and fills the template database, then closes it to
// connections, so that a stray one cannot make a copy fail.
func makeTemplate(admin string, external bool, key string, init func(context.Context, string) error) (string, error) {
	name := newDatabaseName() + "_" + unsafeName.ReplaceAllString(strings.ToLower(key), "_")
	if len(name) > 63 { // NAMEDATALEN - 1
		name = name[:63]
	}
	if err := createDatabase(admin, name, "", strategy(external)); err != nil {
		return "", err
	}
	if external {
		templatesMu.Lock()
		externalTemplates = append(externalTemplates, name)
		templatesMu.Unlock()
	}
	u, err := databaseURL(admin, external, name)
	if err != nil {
		return "", err
	}
	if err := init(context.Background(), u); err != nil {
		return "", fmt.Errorf("init: %w", err)
	}
	stmt := "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " WITH ALLOW_CONNECTIONS false"
	if err := execAdmin(admin, stmt); err != nil {
		return "", fmt.Errorf("close template to connections: %w", err)
	}
	return name, nil
}

func dropExternalTemplates() {
	templatesMu.Lock()
	defer templatesMu.Unlock()
	admin := os.Getenv(EnvURL)
	for _, name := range externalTemplates {
		if err := execAdmin(admin, dropStmt(name)); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: drop template %s: %v\n", name, err)
		}
	}
	externalTemplates = nil
}
