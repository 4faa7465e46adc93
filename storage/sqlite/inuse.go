package sqlite

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
)

// ErrInUse means another process has the database open.
var ErrInUse = errors.New("the database is open in another process")

// CheckNotInUse reports ErrInUse when another process (a running server,
// a sqlite3 shell) has the database at path open; a database that does
// not exist yet is not in use. It asks for an exclusive lock without
// waiting: in WAL mode every open connection holds a shared lock on the
// write-ahead log's index, so the request fails while one is open, even
// idle. Commands that hold the write lock for long (an import in one
// transaction) call it first, so that they refuse instead of stalling the
// server's writes.
func CheckNotInUse(ctx context.Context, path string) error {
	abs, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(0)")
	q.Add("_pragma", "locking_mode(EXCLUSIVE)")
	db, err := openDB(ctx, fileURI(abs, q), 1)
	if err != nil {
		return probeResult(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `BEGIN EXCLUSIVE`); err != nil {
		return probeResult(err)
	}
	_, err = db.ExecContext(ctx, `ROLLBACK`)
	return err
}

func probeResult(err error) error {
	if strings.Contains(err.Error(), "database is locked") || strings.Contains(err.Error(), "SQLITE_BUSY") {
		return ErrInUse
	}
	return fmt.Errorf("check database: %w", err)
}
