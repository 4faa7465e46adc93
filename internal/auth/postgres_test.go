package auth

import (
	"context"
	"os"
	"testing"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// openPostgres opens a fresh database on the throwaway cluster.
func openPostgres(t testing.TB) storage.Store {
	t.Helper()
	ctx := context.Background()
	st, err := postgres.Open(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(ctx); err != nil {
		t.Fatalf("migrate postgres: %v", err)
	}
	return st
}

func TestServicePostgres(t *testing.T) { runServiceTests(t, openPostgres) }
