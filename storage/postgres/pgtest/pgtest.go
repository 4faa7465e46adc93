// Package pgtest gives tests a fresh, empty Postgres database.
//
// One throwaway cluster is started per test binary, on first use: initdb and
// postgres from PATH or /usr/lib/postgresql/*/bin, run as the "postgres"
// system user when the tests run as root (Postgres refuses root), trust
// authentication, a random loopback port and the socket in the cluster's own
// directory under os.TempDir(). Each URL call creates a new database in it.
// When FECHATTER_TEST_POSTGRES_URL is set, that server is used instead.
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
// Its role must be allowed to create databases.
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
	if ext := os.Getenv(EnvURL); ext != "" {
		return externalDatabase(t, ext)
	}
	startOnce.Do(func() { shared, startErr = startCluster() })
	if startErr != nil {
		if errors.Is(startErr, errNoPostgres) && !onMissing(os.Getenv("CI")) {
			t.Skipf("pgtest: %v (install postgresql or set %s)", startErr, EnvURL)
		}
		t.Fatalf("pgtest: %v", startErr)
	}
	name := newDatabaseName()
	if err := createDatabase(shared.adminURL(), name); err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return shared.urlFor(name)
}

// Main runs the tests, then stops the throwaway cluster (if one was started)
// and removes its directory. It returns m's exit code for os.Exit.
func Main(m *testing.M) int {
	code := m.Run()
	if shared != nil {
		if err := shared.destroy(); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
		}
	}
	return code
}

// newDatabaseName is unique across test binaries sharing one server.
func newDatabaseName() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("fc_test_%d_%d_%s", os.Getpid(), dbCounter.Add(1), hex.EncodeToString(b[:]))
}

// createDatabase runs CREATE DATABASE name on the server of adminURL.
func createDatabase(adminURL, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect to test server: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// externalDatabase creates a database on the server named by EnvURL and
// drops it when the test ends (after the test's own cleanups, which were
// registered later and so run first).
func externalDatabase(t testing.TB, base string) string {
	t.Helper()
	name := newDatabaseName()
	if err := createDatabase(base, name); err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	t.Cleanup(func() { dropDatabase(t, base, name) })
	u, err := withDatabase(base, name)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", EnvURL, err)
	}
	return u
}

func dropDatabase(t testing.TB, adminURL, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		t.Logf("pgtest: drop database %s: %v", name, err)
		return
	}
	defer conn.Close(context.Background())
	// WITH (FORCE) (Postgres 13+) ends connections a test forgot to close.
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
		t.Logf("pgtest: drop database %s: %v", name, err)
	}
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
