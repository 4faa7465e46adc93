package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/storagetest"
)

// openTest opens a migrated store on a fresh file in t's temp dir.
func openTest(t testing.TB) *Store {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return s
}

// TestConformance runs the shared storage suite on temp-file databases.
func TestConformance(t *testing.T) {
	storagetest.Run(t, func(t *testing.T) storage.Store { return openTest(t) })
}

func TestMigrate(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "sub", "dir", "fechatter.db"))
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	all, err := loadMigrations()
	if err != nil {
		t.Fatalf("load migrations: %v", err)
	}
	latest := len(all)
	for _, step := range []struct {
		name    string
		migrate bool
		applied int
	}{
		{"fresh file, not migrated by Open", false, 0},
		{"migrated", true, latest},
		{"migrating again changes nothing", true, latest},
	} {
		if step.migrate {
			if err := s.Migrate(ctx); err != nil {
				t.Fatalf("%s: migrate: %v", step.name, err)
			}
		}
		applied, known, err := s.SchemaVersion(ctx)
		if err != nil || applied != step.applied || known != latest {
			t.Fatalf("%s: schema version (%d, %d, %v), want (%d, %d)", step.name, applied, known, err, step.applied, latest)
		}
	}
	if err := s.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
	if s.Dialect() != "sqlite" {
		t.Fatalf("dialect %q", s.Dialect())
	}
}

func TestMigrateRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	s := openTest(t)
	if _, err := s.wdb.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)`); err != nil {
		t.Fatalf("write a future version: %v", err)
	}
	err := s.Migrate(ctx)
	if !errors.Is(err, storage.ErrSchemaNew) || err == storage.ErrSchemaNew {
		t.Fatalf("migrate on a newer schema: %v, want wrapped ErrSchemaNew", err)
	}
	applied, latest, err := s.SchemaVersion(ctx)
	if err != nil || applied != 999 || latest >= 999 {
		t.Fatalf("schema version (%d, %d, %v)", applied, latest, err)
	}
}

// pragma reads one pragma on db.
func pragma(t *testing.T, db *sql.DB, name string) string {
	t.Helper()
	var v string
	if err := db.QueryRowContext(context.Background(), "PRAGMA "+name).Scan(&v); err != nil {
		t.Fatalf("pragma %s: %v", name, err)
	}
	return v
}

func TestPragmas(t *testing.T) {
	s := openTest(t)
	for _, tc := range []struct {
		pool             string
		db               *sql.DB
		queryOnly        string
		connectionsToUse int
	}{
		{"writer", s.wdb, "0", 1},
		{"reader", s.rdb, "1", readPoolSize()},
	} {
		want := map[string]string{
			"journal_mode": "wal",
			"synchronous":  "2", // FULL
			"foreign_keys": "1",
			"busy_timeout": "10000",
			"query_only":   tc.queryOnly,
		}
		for name, v := range want {
			if got := pragma(t, tc.db, name); got != v {
				t.Errorf("%s: pragma %s = %q, want %q", tc.pool, name, got, v)
			}
		}
		if got := tc.db.Stats().MaxOpenConnections; got != tc.connectionsToUse {
			t.Errorf("%s: max open connections %d, want %d", tc.pool, got, tc.connectionsToUse)
		}
	}
	if _, err := s.rdb.Exec(`INSERT INTO users (email, username, created_at) VALUES ('a@b', 'a', 0)`); err == nil {
		t.Fatal("a reader connection accepted a write")
	}
}

// TestBeginImmediate checks that a transaction takes the write lock when
// it begins, not at its first write: while one store holds a transaction
// that has written nothing, a second store on the same file cannot begin.
func TestBeginImmediate(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "fechatter.db")
	a, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open a: %v", err)
	}
	t.Cleanup(func() { _ = a.Close() })
	b, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("open b: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	err = a.InTx(ctx, func(storage.Tx) error {
		short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		defer cancel()
		ran := false
		err := b.InTx(short, func(storage.Tx) error { ran = true; return nil })
		if err == nil || ran {
			t.Errorf("second writer began while the first held a transaction (err %v, ran %v)", err, ran)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("first transaction: %v", err)
	}
	if err := b.InTx(ctx, func(storage.Tx) error { return nil }); err != nil {
		t.Fatalf("second writer after the first committed: %v", err)
	}
}
