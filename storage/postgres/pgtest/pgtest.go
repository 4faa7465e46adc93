// Package pgtest gives tests a fresh, empty Postgres database.
//
// One throwaway cluster is started per test binary, on first use: initdb and
// postgres from PATH or /usr/lib/postgresql/*/bin, run as the "postgres"
// system user when the tests run as root (Postgres refuses root), trust
// authentication, a random loopback port and the socket in the cluster's own
// directory, which lives in memory (/dev/shm) when it can, else under
// os.TempDir(). Each URL call creates a new database in it.
// When FECHATTER_TEST_POSTGRES_URL is set, that server is used instead (its
// role must be allowed to create databases). Each database is dropped when
// its test ends.
//
// Use Main from TestMain so the cluster is stopped when the tests end:
//
//	func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }
//
// If the test binary dies before that, the kernel stops the server (it runs
// with a parent-death signal) and the next test binary to start a cluster
// removes the directory left behind.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvURL names the variable that points the tests at an existing server.
const EnvURL = "FECHATTER_TEST_POSTGRES_URL"

var (
	startOnce sync.Once
	shared    *cluster
	startErr  error
	dbCounter atomic.Int64
)

// URL returns the connection URL of a new, empty database that is used by
// this test alone. It skips the test when this machine has no Postgres to
// run (and fails it instead when CI=true).
func URL(t testing.TB) string {
	t.Helper()
	return newDatabase(t, "")
}

// Main runs the tests, then stops the throwaway cluster (if one was started)
// and removes its directory. It returns m's exit code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	dropExternalTemplates()
	if shared != nil {
		if err := shared.destroy(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	return code
}

// server returns the admin URL of the server to create databases on,
// starting the throwaway cluster on first use. It skips or fails t when
// there is none.
func server(t testing.TB) (adminURL string, external bool) {
	t.Helper()
	if ext := os.Getenv(EnvURL); ext != "" {
		return ext, true
	}
	startOnce.Do(func() { shared, startErr = startCluster() })
	if startErr != nil {
		if errors.Is(startErr, errNoPostgres) && !onMissing(os.Getenv("CI")) {
			t.Skipf("pgtest: %v (install postgresql or set %s)", startErr, EnvURL)
		}
		t.Fatalf("pgtest: %v", startErr)
	}
	return shared.adminURL(), false
}

// newDatabase creates a database for t (a copy of template, or an empty
// one when template is "") and returns its URL. The database is dropped
// when t ends, which keeps the in-memory cluster small.
func newDatabase(t testing.TB, template string) string {
	t.Helper()
	admin, external := server(t)
	name := newDatabaseName()
	if err := createDatabase(admin, name, template, strategy(external)); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() { dropDatabase(t, admin, name) })
	u, err := databaseURL(admin, external, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return u
}

// strategy picks how CREATE DATABASE copies its template. On the
// throwaway cluster (in memory, fsync off) FILE_COPY is about twice as fast
// as Postgres 15's default WAL_LOG, whose checkpoint-free copy only pays off
// on real disks; older servers know no STRATEGY and copy files anyway.
func strategy(external bool) string {
	if external || shared.versionNum < 150000 {
		return ""
	}
	return "FILE_COPY"
}

// databaseURL is the URL of database name on the server of admin.
func databaseURL(admin string, external bool, name string) (string, error) {
	if !external {
		return shared.urlFor(name), nil
	}
	u, err := withDatabase(admin, name)
	if err != nil {
		return "", fmt.Errorf("%s: %w", EnvURL, err)
	}
	return u, nil
}

// newDatabaseName is unique across test binaries sharing one server.
func newDatabaseName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("fc_test_%d_%d_%s", os.Getpid(), dbCounter.Add(1), hex.EncodeToString(b[:]))
}

// createDatabase runs CREATE DATABASE name (TEMPLATE template and
// STRATEGY strategy, when set) on the server of adminURL.
func createDatabase(adminURL, name, template, strategy string) error {
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		stmt += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if strategy != "" {
		stmt += " STRATEGY " + strategy
	}
	if err := execAdmin(adminURL, stmt); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// dropDatabase drops a database, logging (not failing) when it cannot.
func dropDatabase(t testing.TB, adminURL, name string) {
	if err := execAdmin(adminURL, dropStmt(name)); err != nil {
		t.Logf("pgtest: drop database %s: %v", name, err)
	}
}

// dropStmt drops a database; WITH (FORCE) (Postgres 13+) first ends
// connections a test forgot to close.
func dropStmt(name string) string {
	return "DROP DATABASE IF EXISTS " + pgx.Identifier{name}.Sanitize() + " WITH (FORCE)"
}

// execAdmin runs one statement on the server of adminURL.
func execAdmin(adminURL, stmt string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, stmt)
	return err
}

// withDatabase returns base (a URL or a key=value connection string) with
// its database replaced by name.
func withDatabase(base, name string) (string, error) {
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			return "", fmt.Errorf("parse url: %w", err)
		}
		u.Path = "/" + name
		u.RawPath = ""
		return u.String(), nil
	}
	// In a key=value string the last setting of a key wins.
	return base + " dbname=" + name, nil
}
