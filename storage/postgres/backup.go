package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/fechatter/fechatter/storage"
)

// WithSnapshot exports a snapshot of the database at url and calls fn with
// its id while the snapshot is held: pg_dump --snapshot=ID then dumps
// exactly the state that the returned census counted, however much the
// server writes meanwhile. The transaction is REPEATABLE READ, READ ONLY.
func WithSnapshot(ctx context.Context, url string, fn func(snapshotID string) error) (storage.Census, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return storage.Census{}, fmt.Errorf("snapshot postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return storage.Census{}, fmt.Errorf("snapshot postgres: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	var id string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot()`).Scan(&id); err != nil {
		return storage.Census{}, fmt.Errorf("snapshot postgres: export snapshot: %w", err)
	}
	c, err := census(ctx, tx)
	if err != nil {
		return storage.Census{}, fmt.Errorf("snapshot postgres: %w", err)
	}
	if err := fn(id); err != nil {
		return storage.Census{}, err
	}
	return c, nil
}

// CensusOf reads the schema version and the row count of every table of
// the database at url (its current schema) without changing it.
func CensusOf(ctx context.Context, url string) (storage.Census, error) {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return storage.Census{}, fmt.Errorf("census: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	c, err := census(ctx, conn)
	if err != nil {
		return storage.Census{}, fmt.Errorf("census: %w", err)
	}
	return c, nil
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

func census(ctx context.Context, q querier) (storage.Census, error) {
	c := storage.Census{Rows: map[string]int64{}}
	rows, err := q.Query(ctx,
		`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return c, err
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return c, err
	}
	for _, t := range tables {
		var n int64
		if err := q.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{t}.Sanitize()).Scan(&n); err != nil {
			return c, fmt.Errorf("count %s: %w", t, err)
		}
		c.Rows[t] = n
	}
	if _, ok := c.Rows["schema_migrations"]; ok {
		v, err := appliedVersion(ctx, q)
		if err != nil {
			return c, err
		}
		c.SchemaVersion = v
	}
	return c, nil
}

// LatestSchema is the newest migration this binary carries.
func LatestSchema() (int, error) {
	all, err := loadMigrations()
	return len(all), err
}
