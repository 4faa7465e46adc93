package sqlite

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/fechatter/fechatter/storage"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded file, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// loadMigrations returns the embedded migrations in version order.
func loadMigrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []migration
	for _, e := range entries {
		m, err := readMigration(e.Name())
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	for i, m := range out {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected version %d", m.name, i+1)
		}
	}
	return out, nil
}

func readMigration(name string) (migration, error) {
	num, _, ok := strings.Cut(name, "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || v <= 0 {
		return migration{}, fmt.Errorf("migration %s: name must be NNNN_name.sql", name)
	}
	body, err := migrationFS.ReadFile(path.Join("migrations", name))
	if err != nil {
		return migration{}, fmt.Errorf("read migration %s: %w", name, err)
	}
	return migration{version: v, name: name, sql: string(body)}, nil
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at INTEGER NOT NULL
)`

// Migrate applies the pending migrations, each in its own transaction. It
// refuses (storage.ErrSchemaNew) a database that a newer binary migrated.
func (s *Store) Migrate(ctx context.Context) error {
	all, err := loadMigrations()
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, createMigrationsTable)
		return err
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	for _, m := range all {
		if err := s.applyMigration(ctx, m, len(all)); err != nil {
			return err
		}
	}
	return nil
}

// applyMigration applies m unless it already is. The version is read
// again inside the write transaction, so two processes migrating at once
// apply each migration once.
func (s *Store) applyMigration(ctx context.Context, m migration, latest int) error {
	return s.inTx(ctx, func(q *queries) error {
		applied, err := appliedVersion(ctx, q.r)
		if err != nil {
			return err
		}
		if applied > latest {
			return fmt.Errorf("migrate: database at version %d, binary knows %d: %w", applied, latest, storage.ErrSchemaNew)
		}
		if applied >= m.version {
			return nil
		}
		if _, err := q.w.ExecContext(ctx, m.sql); err != nil {
			return fmt.Errorf("migrate %s: %w", m.name, err)
		}
		_, err = q.w.ExecContext(ctx, `INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, m.version, micros(now()))
		if err != nil {
			return fmt.Errorf("migrate %s: record version: %w", m.name, err)
		}
		return nil
	})
}

func appliedVersion(ctx context.Context, db dbtx) (int, error) {
	var v int
	err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	if err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// SchemaVersion returns the applied migration (0 for an empty database)
// and the latest one this binary carries.
func (s *Store) SchemaVersion(ctx context.Context) (applied, latest int, err error) {
	all, err := loadMigrations()
	if err != nil {
		return 0, 0, err
	}
	var n int
	err = s.rdb.QueryRowContext(ctx,
		`SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'`).Scan(&n)
	if err != nil {
		return 0, 0, fmt.Errorf("schema version: %w", err)
	}
	if n == 0 {
		return 0, len(all), nil
	}
	applied, err = appliedVersion(ctx, s.rdb)
	return applied, len(all), err
}
