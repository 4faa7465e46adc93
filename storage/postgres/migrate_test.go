package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMigrateFreshAndAgain(t *testing.T) {
	ctx := context.Background()
	s := openEmpty(t)
	applied, latest, err := s.SchemaVersion(ctx)
	if err != nil || applied != 0 || latest < 1 {
		t.Fatalf("empty database: SchemaVersion = %d, %d, %v; want 0, >=1, nil", applied, latest, err)
	}
	for i := range 2 {
		if err := s.Migrate(ctx); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
		applied, got, err := s.SchemaVersion(ctx)
		if err != nil || applied != latest || got != latest {
			t.Fatalf("after migrate #%d: SchemaVersion = %d, %d, %v; want %d, %d", i+1, applied, got, err, latest, latest)
		}
	}
}

// TestMigrateConcurrently starts several "nodes" on one database at once:
// the advisory lock must let exactly one apply each migration.
func TestMigrateConcurrently(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	const nodes = 4
	stores := make([]*postgres.Store, nodes)
	for i := range stores {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		stores[i] = s
	}
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i, s := range stores {
		wg.Go(func() { errs[i] = s.Migrate(ctx) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: migrate: %v", i, err)
		}
	}
	conn := connect(t, url)
	var rows, distinct int
	err := conn.QueryRow(ctx, `SELECT count(*), count(DISTINCT version) FROM schema_migrations`).Scan(&rows, &distinct)
	if err != nil {
		t.Fatal(err)
	}
	_, latest, _ := stores[0].SchemaVersion(ctx)
	if rows != latest || distinct != latest {
		t.Fatalf("schema_migrations has %d rows (%d distinct), want %d", rows, distinct, latest)
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	s, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	_, latest, _ := s.SchemaVersion(ctx)
	// A newer binary ran here before this one.
	_, err = connect(t, url).Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at)
		VALUES ($1, 'from_the_future', now())`, latest+1)
	if err != nil {
		t.Fatal(err)
	}
	err = s.Migrate(ctx)
	if !errors.Is(err, storage.ErrSchemaNew) || err == storage.ErrSchemaNew {
		t.Fatalf("migrate on a newer schema: got %v, want wrapped storage.ErrSchemaNew", err)
	}
	applied, got, err := s.SchemaVersion(ctx)
	if err != nil || applied != latest+1 || got != latest {
		t.Fatalf("SchemaVersion = %d, %d, %v; want %d, %d", applied, got, err, latest+1, latest)
	}
}

func connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), url)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}
