package postgres_test

import (
	"context"
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openFresh opens a store on a new database, migrated, closed at cleanup.
func openFresh(t testing.TB) *postgres.Store {
	t.Helper()
	s := openEmpty(t)
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// openEmpty opens a store on a new database without migrating it.
func openEmpty(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
