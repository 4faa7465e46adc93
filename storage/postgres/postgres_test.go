package postgres_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// migrated prepares the template every openFresh database is copied from.
func migrated(ctx context.Context, url string) error {
	s, err := postgres.Open(ctx, url)
	if err != nil {
		return err
	}
	return errors.Join(s.Migrate(ctx), s.Close())
}

// openFresh opens a store on a new, migrated database (a copy of one
// migrated once per test binary), closed at cleanup.
func openFresh(t testing.TB) *postgres.Store {
	t.Helper()
	return open(t, pgtest.URLFromTemplate(t, "migrated", migrated))
}

// openEmpty opens a store on a new database without migrating it.
func openEmpty(t testing.TB) *postgres.Store {
	t.Helper()
	return open(t, pgtest.URL(t))
}

func open(t testing.TB, url string) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
