// Package sqlite is the SQLite engine of storage.Store (modernc.org/sqlite,
// pure Go). It keeps one write connection that begins every transaction
// with BEGIN IMMEDIATE, so writers queue in the process instead of failing
// on lock upgrades, and a separate pool of query_only read connections that
// WAL lets run beside the writer.
//
// Choices where the storage contract is silent (storagetest pins them for
// both engines):
//   - times are integer unix microseconds, read back in UTC;
//   - an invite with a zero ExpiresAt never expires, MaxUses 0 is unlimited;
//   - a foreign-key violation (a missing chat, user, parent message or a
//     file of another workspace) is ErrNotFound, like a missing row;
//   - chat members must be members of the chat's workspace (ErrNotFound);
//   - UnreadCount is LastSeq - LastReadSeq (never negative);
//   - ListMessages without Thread pages through every message of the chat,
//     thread replies included; a zero AfterSeq/BeforeSeq means "not set";
//   - case-insensitive email, username and channel-name matching uses
//     SQLite's lower(), which folds ASCII letters only.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"

	// Registers the "sqlite" database/sql driver.
	_ "modernc.org/sqlite"

	"github.com/fechatter/fechatter/storage"
)

// dialect is what Dialect reports.
const dialect = "sqlite"

// busyTimeoutMillis is how long a connection waits for a lock held by
// another process (a backup, the CLI) before it gives up.
const busyTimeoutMillis = 10000

// dbtx is what both *sql.DB and *sql.Tx offer.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Store is the SQLite implementation of storage.Store. It is safe for
// concurrent use. Calling a write method of the Store (rather than of the
// Tx) from inside InTx deadlocks, because the only write connection is held
// by the transaction.
type Store struct {
	queries
	wdb *sql.DB
	rdb *sql.DB
}

var _ storage.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path with the
// pragmas the design asks for. It does not migrate; call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(abs), 0o750); err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	wdb, err := openDB(ctx, writerDSN(abs), 1)
	if err != nil {
		return nil, fmt.Errorf("open sqlite writer: %w", err)
	}
	// The writer ran first, so the file exists and is in WAL mode (a
	// persistent setting) before any reader opens it.
	rdb, err := openDB(ctx, readerDSN(abs), readPoolSize())
	if err != nil {
		return nil, errors.Join(fmt.Errorf("open sqlite readers: %w", err), wdb.Close())
	}
	s := &Store{wdb: wdb, rdb: rdb}
	s.queries = queries{r: rdb, w: wdb, store: s}
	return s, nil
}

// openDB opens a pool of at most n connections and checks that one opens.
func openDB(ctx context.Context, dsn string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	if err := db.PingContext(ctx); err != nil {
		return nil, errors.Join(err, db.Close())
	}
	return db, nil
}

func readPoolSize() int { return max(4, runtime.GOMAXPROCS(0)) }

// baseDSN holds the pragmas every connection runs
// (modernc.org/sqlite runs busy_timeout first, then the rest).
func baseDSN() url.Values {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMillis))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(FULL)")
	return q
}

func fileURI(path string, q url.Values) string {
	return "file:" + (&url.URL{Path: filepath.ToSlash(path)}).EscapedPath() + "?" + q.Encode()
}

// writerDSN also switches the file to WAL and makes BEGIN mean BEGIN IMMEDIATE.
func writerDSN(path string) string {
	q := baseDSN()
	q.Add("_pragma", "journal_mode(WAL)")
	q.Set("_txlock", "immediate")
	return fileURI(path, q)
}

// readerDSN makes the connection refuse writes.
func readerDSN(path string) string {
	q := baseDSN()
	q.Add("_pragma", "query_only(1)")
	return fileURI(path, q)
}

// Dialect reports "sqlite".
func (s *Store) Dialect() string { return dialect }

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.rdb.Close(), s.wdb.Close())
}

// Ping checks that both the writer and a reader answer.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.rdb.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping sqlite reader: %w", err)
	}
	if err := s.wdb.PingContext(ctx); err != nil {
		return fmt.Errorf("ping sqlite writer: %w", err)
	}
	return nil
}

// InTx runs fn in one BEGIN IMMEDIATE transaction on the write connection.
// Inside fn every call, reads included, goes through the transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return s.inTx(ctx, func(q *queries) error { return fn(q) })
}

func (s *Store) inTx(ctx context.Context, fn func(q *queries) error) (err error) {
	tx, err := s.wdb.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked: leave the connection clean, let the panic go on.
			_ = tx.Rollback()
		}
	}()
	if err := fn(&queries{r: tx, w: tx, tx: tx, store: s}); err != nil {
		done = true
		_ = tx.Rollback()
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queries implements storage.Tx over either the two pools (r reads, w
// writes) or one transaction (r == w == tx).
type queries struct {
	r, w  dbtx
	tx    *sql.Tx
	store *Store
}

// atomic runs fn so that all its statements commit together: in the
// current transaction if there is one, in a new write transaction if not.
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	if q.tx != nil {
		return fn(q)
	}
	return q.store.inTx(ctx, fn)
}
