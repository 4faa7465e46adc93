package upgradetest

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the raw database/sql driver, for loading and building fixtures

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// engine builds, dumps and loads fixtures of one storage engine.
type engine struct {
	name string
	// fresh returns an empty database (a file path or a URL).
	fresh func(t *testing.T) string
	// exec runs a multi-statement SQL script on the database.
	exec func(ctx context.Context, db, script string) error
	// open opens the store without migrating.
	open func(ctx context.Context, db string) (storage.Store, error)
	// schemaMigrations creates the version table as Migrate does and
	// records version v (%d).
	schemaMigrations, record string
	// ghost adds dave (%d) to general (%d) without a workspace membership.
	ghost string
	// dump writes the database as SQL.
	dump func(t *testing.T, db string) string
}

var engines = []engine{
	{
		name:  "sqlite",
		fresh: func(t *testing.T) string { return filepath.Join(t.TempDir(), "fechatter.db") },
		exec: func(ctx context.Context, path, script string) error {
			db, err := sql.Open("sqlite", path)
			if err != nil {
				return err
			}
			defer db.Close()
			_, err = db.ExecContext(ctx, script)
			return err
		},
		open: func(ctx context.Context, path string) (storage.Store, error) { return sqlite.Open(ctx, path) },
		schemaMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
);`,
		record: `INSERT INTO schema_migrations (version, applied_at) VALUES (%d, CAST(unixepoch('subsec') * 1000000 AS INTEGER));`,
		ghost:  `INSERT INTO chat_members (chat_id, user_id, role, joined_at) VALUES (%[2]d, %[1]d, 'member', CAST(unixepoch('subsec') * 1000000 AS INTEGER));`,
		dump: func(t *testing.T, path string) string {
			out, err := exec.Command("sqlite3", path, ".dump").Output()
			must(t, err)
			return string(out)
		},
	},
	{
		name:  "postgres",
		fresh: func(t *testing.T) string { return pgtest.URL(t) },
		exec: func(ctx context.Context, url, script string) error {
			conn, err := pgx.Connect(ctx, url)
			if err != nil {
				return err
			}
			defer conn.Close(ctx)
			_, err = conn.Exec(ctx, script)
			return err
		},
		open: func(ctx context.Context, url string) (storage.Store, error) { return postgres.Open(ctx, url) },
		schemaMigrations: `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
);`,
		record: `INSERT INTO schema_migrations (version, name, applied_at) VALUES (%d, '%s', now());`,
		ghost:  `INSERT INTO chat_members (chat_id, user_id, role, joined_at) VALUES (%[2]d, %[1]d, 'member', now());`,
		dump: func(t *testing.T, url string) string {
			out, err := exec.Command("pg_dump", "--inserts", "--no-owner", "--no-privileges", "--no-comments", "--dbname", url).Output()
			must(t, err)
			// psql meta-commands (\restrict, with a random key) are not SQL.
			var keep []string
			for _, line := range strings.Split(string(out), "\n") {
				if !strings.HasPrefix(line, `\`) {
					keep = append(keep, line)
				}
			}
			return strings.Join(keep, "\n")
		},
	},
}

// migrationFiles are the engine's migration files on disk, in order.
func migrationFiles(t *testing.T, e engine) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", e.name, "migrations", "*.sql"))
	must(t, err)
	return files
}

// migrateTo applies the engine's migrations 1..version to the empty
// database db and records them as Migrate does.
func migrateTo(t *testing.T, ctx context.Context, e engine, db string, version int) {
	t.Helper()
	files := migrationFiles(t, e)
	if version > len(files) {
		t.Fatalf("%s has %d migrations, not %d", e.name, len(files), version)
	}
	script := []string{e.schemaMigrations}
	for i, f := range files[:version] {
		body, err := os.ReadFile(f)
		must(t, err)
		name := strings.TrimSuffix(filepath.Base(f), ".sql")
		_, name, _ = strings.Cut(name, "_")
		record := e.record
		if e.name == "sqlite" {
			record = fmt.Sprintf(record, i+1)
		} else {
			record = fmt.Sprintf(record, i+1, name)
		}
		script = append(script, string(body), record)
	}
	if err := e.exec(ctx, db, strings.Join(script, "\n")); err != nil {
		t.Fatalf("%s: migrate to %d: %v", e.name, version, err)
	}
}

// fixturePath is testdata/<engine>/NNNN.sql.
func fixturePath(e engine, version int) string {
	return filepath.Join("testdata", e.name, fmt.Sprintf("%04d.sql", version))
}
