package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/fechatter/fechatter/storage"
)

// BackupInto writes a consistent copy of the database file src to dest,
// which must not exist, and returns the copy's census. VACUUM INTO reads
// the database in one read transaction, so it runs beside a server that
// keeps writing (WAL readers do not block the writer) and the copy holds
// every commit up to its start, never a torn state; copying the file
// itself would miss what is still in the WAL.
func BackupInto(ctx context.Context, src, dest string) (storage.Census, error) {
	if _, err := os.Stat(src); errors.Is(err, fs.ErrNotExist) {
		return storage.Census{}, fmt.Errorf("backup sqlite: no database at %s (is the data dir right?)", src)
	} else if err != nil {
		return storage.Census{}, fmt.Errorf("backup sqlite: %w", err)
	}
	if _, err := os.Lstat(dest); !errors.Is(err, fs.ErrNotExist) {
		return storage.Census{}, fmt.Errorf("backup sqlite: %s already exists", dest)
	}
	abs, err := filepath.Abs(src)
	if err != nil {
		return storage.Census{}, fmt.Errorf("backup sqlite: %w", err)
	}
	// Not query_only: that pragma refuses VACUUM INTO. The statement only
	// reads the source.
	db, err := openDB(ctx, fileURI(abs, baseDSN()), 1)
	if err != nil {
		return storage.Census{}, fmt.Errorf("backup sqlite: open %s: %w", src, err)
	}
	_, err = db.ExecContext(ctx, `VACUUM INTO ?`, dest)
	if err = errors.Join(err, db.Close()); err != nil {
		_ = os.Remove(dest)
		return storage.Census{}, fmt.Errorf("backup sqlite: vacuum into %s: %w", dest, err)
	}
	if err := os.Chmod(dest, 0o600); err != nil {
		return storage.Census{}, fmt.Errorf("backup sqlite: %w", err)
	}
	return CensusOf(ctx, dest)
}

// CensusOf reads the schema version and the row count of every table of
// the database file at path without changing it.
func CensusOf(ctx context.Context, path string) (storage.Census, error) {
	if _, err := os.Stat(path); err != nil {
		return storage.Census{}, fmt.Errorf("census: %w", err)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return storage.Census{}, fmt.Errorf("census: %w", err)
	}
	db, err := openDB(ctx, readerDSN(abs), 1)
	if err != nil {
		return storage.Census{}, fmt.Errorf("census: open %s: %w", path, err)
	}
	c, err := census(ctx, db)
	if err = errors.Join(err, db.Close()); err != nil {
		return storage.Census{}, fmt.Errorf("census of %s: %w", path, err)
	}
	return c, nil
}

func census(ctx context.Context, db *sql.DB) (storage.Census, error) {
	c := storage.Census{Rows: map[string]int64{}}
	rows, err := db.QueryContext(ctx,
		`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		return c, err
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return c, errors.Join(err, rows.Close())
		}
		tables = append(tables, name)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return c, err
	}
	for _, t := range tables {
		var n int64
		// The name comes from sqlite_master; quoted as an identifier.
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM "`+t+`"`).Scan(&n); err != nil {
			return c, fmt.Errorf("count %s: %w", t, err)
		}
		c.Rows[t] = n
		if t == "schema_migrations" {
			v, err := appliedVersion(ctx, db)
			if err != nil {
				return c, err
			}
			c.SchemaVersion = v
		}
	}
	return c, nil
}

// LatestSchema is the newest migration this binary carries.
func LatestSchema() (int, error) {
	all, err := loadMigrations()
	return len(all), err
}
