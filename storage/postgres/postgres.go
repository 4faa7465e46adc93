// Package postgres is the Postgres engine of storage.Store, on a pgx/v5
// connection pool. Transactions run at READ COMMITTED; where correctness
// under concurrency needs more, a method locks the rows it depends on (the
// chat row when numbering messages, the session row when rotating refresh
// tokens, the members' workspace_members rows when adding chat members, the
// workspace row in LockWorkspace). Inserts that may hit a uniqueness rule use ON CONFLICT DO NOTHING
// and statements that still may fail run under a savepoint inside InTx, so
// a conflict reported to the caller never poisons the caller's transaction.
package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/fechatter/fechatter/internal/telemetry"
	"github.com/fechatter/fechatter/storage"
)

// dialect is what Dialect reports.
const dialect = "postgres"

// pingTimeout bounds Ping when the caller's context has no deadline.
const pingTimeout = 5 * time.Second

// dbtx is what both *pgxpool.Pool and pgx.Tx offer. Begin on a pool starts
// a transaction; on a transaction it starts a savepoint.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store is the Postgres implementation of storage.Store. It is safe for
// concurrent use.
type Store struct {
	queries
	pool *pgxpool.Pool
}

var _ storage.Store = (*Store)(nil)

// Open connects to the database at url (a postgres:// URL or a key=value
// connection string; pool settings such as pool_max_conns may be given in
// it) and checks that it answers. It does not migrate; call Migrate.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("open postgres: parse url: %w", err)
	}
	cfg.ConnConfig.Tracer = queryTracer{}
	return openConfig(ctx, cfg)
}

// openConfig opens a pool with cfg, made to scan times in UTC.
func openConfig(ctx context.Context, cfg *pgxpool.Config) (*Store, error) {
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error {
		registerUTC(c.TypeMap())
		return nil
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	s := &Store{pool: pool, queries: queries{db: timed{pool}}}
	if err := s.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	return s, nil
}

// registerUTC makes timestamptz values scan in UTC, as the storage contract
// asks, instead of in the process's local zone.
func registerUTC(m *pgtype.Map) {
	m.RegisterType(&pgtype.Type{
		Name:  "timestamptz",
		OID:   pgtype.TimestamptzOID,
		Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
	})
}

// Dialect reports "postgres".
func (s *Store) Dialect() string { return dialect }

// Close closes the pool; it waits for connections in use to be returned.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// Ping opens a new connection (not one idling in the pool, which would hide
// a server that refuses new connections) and runs a query on it.
func (s *Store) Ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	conn, err := pgx.ConnectConfig(ctx, s.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var one int
	if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping postgres: %w", err)
	}
	return nil
}

// InTx runs fn in one transaction. Inside fn every call goes through the
// transaction. fn's error rolls back and is returned as is.
func (s *Store) InTx(ctx context.Context, fn func(tx storage.Tx) error) error {
	defer queryTimer.SinceKind(telemetry.KindTx, time.Now())
	tx, err := s.pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", wrapErr(err))
	}
	return runTx(ctx, tx, func() error { return fn(&queries{db: timed{tx}, inTx: true}) })
}

// runTx runs fn, then commits tx when fn succeeded and rolls it back when
// it failed or panicked (the panic goes on, but the connection goes back to
// the pool clean). Rollback runs even when ctx is cancelled.
func runTx(ctx context.Context, tx pgx.Tx, fn func() error) error {
	done := false
	defer func() {
		if !done {
			_ = tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	fnErr := fn()
	done = true
	if fnErr != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return fnErr
	}
	if err := tx.Commit(ctx); err != nil {
		_ = tx.Rollback(context.WithoutCancel(ctx))
		return fmt.Errorf("commit: %w", wrapErr(err))
	}
	return nil
}

// queries implements storage.Tx over either the pool or one transaction.
type queries struct {
	db   dbtx
	inTx bool
}

// atomic runs fn so that its statements take effect together or not at
// all: in a new transaction on the pool, or under a savepoint inside InTx
// (so that a failed statement does not abort the caller's transaction).
func (q *queries) atomic(ctx context.Context, fn func(q *queries) error) error {
	tx, err := q.db.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin: %w", wrapErr(err))
	}
	return runTx(ctx, tx, func() error { return fn(&queries{db: timed{tx}, inTx: true}) })
}

// guarded runs a single statement that may fail with a constraint error:
// directly on the pool (one statement is atomic by itself), under a
// savepoint inside a transaction.
func (q *queries) guarded(ctx context.Context, fn func(q *queries) error) error {
	if !q.inTx {
		return fn(q)
	}
	return q.atomic(ctx, fn)
}

// SizeBytes is pg_database_size of the current database.
func (s *Store) SizeBytes(ctx context.Context) (int64, error) {
	var n int64
	if err := s.pool.QueryRow(ctx, `SELECT pg_database_size(current_database())`).Scan(&n); err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return n, nil
}
