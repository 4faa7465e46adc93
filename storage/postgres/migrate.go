package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/storage"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrateLockKey is the pg_advisory_xact_lock key that serialises Migrate
// across nodes sharing one database ("fechattr" in ASCII).
const migrateLockKey int64 = 0x6665636861747472

// migration is one embedded NNNN_name.sql file.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations reads the embedded migrations in version order and checks
// that they are numbered 1, 2, 3... without gaps or duplicates.
func loadMigrations() ([]migration, error) {
	return parseMigrations(migrationFS, "migrations")
}

func parseMigrations(fsys fs.FS, dir string) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %q: name must be NNNN_name.sql", e.Name())
		}
		body, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %04d_%s: expected version %d (gap or duplicate)", m.version, m.name, i+1)
		}
	}
	return out, nil
}

// Migrate applies the pending migrations, each in its own transaction that
// first takes an advisory lock, so that nodes starting together apply each
// migration once. It returns storage.ErrSchemaNew (wrapped) when the
// database has migrations this binary does not know.
func (s *Store) Migrate(ctx context.Context) error {
	migs, err := loadMigrations()
	if err != nil {
		return err
	}
	for _, m := range migs {
		if err := s.applyOne(ctx, m, len(migs)); err != nil {
			return err
		}
	}
	return nil
}

// applyOne applies m unless it already is, under the migration lock.
func (s *Store) applyOne(ctx context.Context, m migration, latest int) error {
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("migrate: begin: %w", err)
	}
	return runTx(ctx, tx, func() error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return fmt.Errorf("migrate: lock: %w", err)
		}
		if _, err := tx.Exec(ctx, createSchemaMigrations); err != nil {
			return fmt.Errorf("migrate: create schema_migrations: %w", err)
		}
		applied, err := appliedVersion(ctx, tx)
		if err != nil {
			return err
		}
		if applied > latest {
			return fmt.Errorf("migrate: database at version %d, this binary knows %d: %w", applied, latest, storage.ErrSchemaNew)
		}
		if m.version <= applied {
			return nil
		}
		// No arguments: pgx uses the simple protocol, which runs a
		// multi-statement script.
		if _, err := tx.Exec(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate: apply %04d_%s: %w", m.version, m.name, err)
		}
		_, err = tx.Exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, now())`, m.version, m.name)
		if err != nil {
			return fmt.Errorf("migrate: record %04d_%s: %w", m.version, m.name, err)
		}
		return nil
	})
}

const createSchemaMigrations = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL
)`

// appliedVersion is the highest applied migration, 0 on an empty database.
func appliedVersion(ctx context.Context, db interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}) (int, error) {
	var exists bool
	if err := db.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if !exists {
		return 0, nil
	}
	var v int
	if err := db.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// SchemaVersion returns the applied and the latest known migration.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	migs, err := loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	applied, err = appliedVersion(ctx, s.pool)
	if err != nil {
		return 0, 0, err
	}
	return applied, len(migs), nil
}
