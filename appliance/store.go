package appliance

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/sqlite"
)

// storageComponent opens the configured store and migrates it.
func (a *Appliance) storageComponent() Component {
	return Component{
		Name: "storage",
		Start: func(ctx context.Context) error {
			st, err := a.openStoreWaiting(ctx)
			if err != nil {
				return err
			}
			if err := migrateStore(ctx, st); err != nil {
				return errors.Join(err, st.Close())
			}
			a.store = st
			return nil
		},
		Stop: func(context.Context) error {
			if err := a.store.Close(); err != nil {
				return fmt.Errorf("close store: %w", err)
			}
			return nil
		},
		Ready: func(ctx context.Context) error { return a.store.Ping(ctx) },
	}
}

// openStore opens SQLite in the data dir when database.url is empty, and
// Postgres otherwise; it does not migrate.
func openStore(ctx context.Context, cfg Config) (storage.Store, error) {
	if cfg.Database.URL == "" {
		st, err := sqlite.Open(ctx, SQLitePath(cfg))
		if err != nil {
			return nil, fmt.Errorf("open sqlite %s: %w", SQLitePath(cfg), err)
		}
		return st, nil
	}
	if !IsPostgresURL(cfg.Database.URL) {
		return nil, errors.New("database.url: not a postgres:// URL")
	}
	st, err := postgres.Open(ctx, cfg.Database.URL)
	if err != nil {
		return nil, err // already "open postgres: ..."
	}
	return st, nil
}

// migrateStore applies pending migrations, refusing a database that a
// newer binary has migrated past what this one knows.
func migrateStore(ctx context.Context, st storage.Store) error {
	applied, latest, err := st.SchemaVersion(ctx)
	if err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if applied > latest {
		return newerSchemaError(applied, latest)
	}
	if err := st.Migrate(ctx); err != nil {
		if errors.Is(err, storage.ErrSchemaNew) {
			return newerSchemaError(applied, latest)
		}
		return fmt.Errorf("migrate %s: %w", st.Dialect(), err)
	}
	return nil
}

func newerSchemaError(applied, latest int) error {
	return fmt.Errorf("database schema version %d is newer than this binary's %d: run the newer fechatter, or restore a backup taken before the upgrade: %w",
		applied, latest, storage.ErrSchemaNew)
}

// Schema is the migration state of the configured database.
type Schema struct {
	// Dialect is "sqlite" or "postgres".
	Dialect string
	// Applied is the newest migration applied to the database.
	Applied int
	// Latest is the newest migration this binary knows.
	Latest int
}

// Migrate opens the configured database (creating the data dir for
// SQLite), applies pending migrations and closes it: `fechatter migrate`.
func Migrate(ctx context.Context, cfg Config) error {
	return withStore(ctx, cfg, func(st storage.Store) error { return migrateStore(ctx, st) })
}

// SchemaStatus reports the migration state of the configured database
// without changing it: `fechatter migrate status`.
func SchemaStatus(ctx context.Context, cfg Config) (Schema, error) {
	var s Schema
	err := withStore(ctx, cfg, func(st storage.Store) error {
		applied, latest, err := st.SchemaVersion(ctx)
		s = Schema{Dialect: st.Dialect(), Applied: applied, Latest: latest}
		return err
	})
	return s, err
}

// withStore runs fn on the configured store and closes it.
func withStore(ctx context.Context, cfg Config, fn func(storage.Store) error) error {
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	if cfg.Database.URL == "" {
		if err := ensureDataDir(cfg.DataDir); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, cfg)
	if err != nil {
		return err
	}
	return errors.Join(fn(st), st.Close())
}
