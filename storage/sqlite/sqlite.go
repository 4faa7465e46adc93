// Package sqlite is the SQLite engine of storage.Store (modernc.org/sqlite,
// pure Go). It keeps one write connection that begins every transaction
// with BEGIN IMMEDIATE, so writers queue in the process instead of failing
// on lock upgrades, and a separate pool of query_only read connections that
// WAL lets run beside the writer.
//
// Group commit. With synchronous=FULL every COMMIT waits for an fsync (a
// few ms), so writers that each commit alone queue behind one another's
// fsyncs. Instead every write transaction (InTx, and each write method
// called on the Store, which is its own small transaction) joins a queue.
// If nobody is writing, the caller leads at once, with no wait to collect
// a batch: it runs BEGIN IMMEDIATE on the write connection, then its own
// function and, in arrival order, whatever has queued meanwhile, up to 64
// functions or 4 ms of work, and commits them all with one COMMIT, so one
// fsync. Each function after the first runs inside its own SAVEPOINT: when
// it returns an error, ROLLBACK TO undoes its work alone and its caller
// gets that error as is, while the rest of the batch commits. (When the
// first function fails, the transaction holds nothing else yet: it is
// rolled back, and the queue goes to the next leader.) Every caller
// returns only after the COMMIT, so a nil from InTx still means that the
// writes, outbox rows included, are durable; if the COMMIT (or a savepoint
// statement) fails, nothing of the batch is kept and every caller whose
// function succeeded gets that error. The leader then hands the lead to
// the caller of the oldest queued request and returns, so nobody runs more
// than one batch that is not only theirs.
//
//   - Functions of a batch run one after the other on one connection, so
//     each sees the work of those before it, as if they had committed;
//     CreateMessage's seq (taken inside the transaction, rolled back with
//     its savepoint) stays gap-free.
//   - Cancellation: a request whose ctx ends before its function starts is
//     not run and its caller gets ctx.Err(); once its function ran, its
//     caller waits for the COMMIT and gets the real outcome. A ctx that ends
//     while its function runs fails that function's next statement, never
//     one in progress (see batchStmts). BEGIN's wait for a lock held by
//     another process ends with the leader's ctx; then the leader's call
//     fails alone, and the next queued caller leads.
//   - A panic in a function is recovered in the goroutine running the
//     batch, the function's work is rolled back, the rest commits, and the
//     panic is raised again in its caller's goroutine as a *txPanic that
//     carries the original value (Unwrap returns it if it is an error) and
//     the stack where it happened.
//   - Nesting: a Tx method that is itself a unit of work (CreateMessage,
//     CreateChat, ...) runs in the current transaction (queries.atomic), so
//     InTx never nests. Calling the Store rather than the Tx from inside fn
//     queues behind the batch that is waiting for fn: it returns only when
//     its ctx ends.
//   - The functions of a batch share its prepared statements: each SQL
//     text is compiled once per batch (see batchStmts).
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
//     thread replies included;
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
// concurrent use. Inside InTx, use the Tx: a write method of the Store (or
// InTx) called from there queues behind the running transaction, which
// waits for it, so it returns only when its ctx ends, with ctx.Err().
type Store struct {
	queries
	wdb     *sql.DB
	rdb     *sql.DB
	commits committer
	// wstmts and rstmts compile each SQL text once for the writer and the
	// read pool. wstmts is filled only between batches (see lead): the
	// writer has one connection, which a batch holds.
	wstmts, rstmts *stmtCache
}

var _ storage.Store = (*Store)(nil)

// Open opens (creating it if needed) the database file at path with the
// pragmas the design asks for. It does not migrate; call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open sqlite: %w", err)
	}
	if err := createPrivate(abs); err != nil {
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
	s := &Store{wdb: wdb, rdb: rdb, wstmts: newStmtCache(wdb), rstmts: newStmtCache(rdb)}
	s.commits.maxFuncs, s.commits.maxWork = maxBatch, maxBatchWork
	s.queries = queries{r: observed{cachedDB{s.rstmts}}, w: observed{rdb}, store: s}
	return s, nil
}

// createPrivate makes the directory of path (0700) and an empty database
// file at path (0600) unless it exists. SQLite gives the -wal and -shm
// files the mode of the database file (os_unix.c findCreateFileMode and
// unixOpenSharedMemory), so they are private too; an existing file keeps
// the mode its owner chose. SQLite itself would create the file 0644.
func createPrivate(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	return f.Close()
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
	return errors.Join(s.rstmts.close(), s.wstmts.close(), s.rdb.Close(), s.wdb.Close())
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

// InTx runs fn in a BEGIN IMMEDIATE transaction on the write connection,
// shared with concurrent calls (group commit, see the package comment), and
// returns nil only once fn's writes are committed and synced. Inside fn
// every call, reads included, goes through the transaction.
func (s *Store) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	return s.inTx(ctx, func(q *queries) error { return fn(q) })
}

// queries implements storage.Tx over either the read pool or one write
// transaction (r == w, inTx). Outside a transaction w is the read pool
// too, whose connections are query_only: a write that does not go through
// atomic, and so would bypass group commit, fails at once.
type queries struct {
	r, w  dbtx
	inTx  bool
	store *Store
}

// atomic runs fn so that all its statements commit together: in the
// current transaction if there is one, in a new write transaction if not.
// This is what keeps a Tx method that is itself a unit of work (such as
// CreateMessage) from opening a nested transaction inside InTx.
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	if q.inTx {
		return fn(q)
	}
	return q.store.inTx(ctx, fn)
}

// SizeBytes is the database's page count times its page size (the WAL
// beside it not included).
func (s *Store) SizeBytes(ctx context.Context) (int64, error) {
	var n int64
	err := s.rdb.QueryRowContext(ctx, `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return n, nil
}
