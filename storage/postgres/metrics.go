package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// queryTimer times every statement of the Postgres engine.
var queryTimer = telemetry.NewQueryTimer("postgres")

// timed is a dbtx whose statements are timed in
// fechatter_db_query_duration_seconds. A query is timed until its first
// row is ready, not while the caller reads the rest; batches and
// savepoints pass through untimed.
type timed struct{ dbtx }

func (t timed) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	start := time.Now()
	tag, err := t.dbtx.Exec(ctx, sql, args...)
	queryTimer.Since(sql, start)
	return tag, err
}

func (t timed) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	start := time.Now()
	rows, err := t.dbtx.Query(ctx, sql, args...)
	queryTimer.Since(sql, start)
	return rows, err
}

func (t timed) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	start := time.Now()
	row := t.dbtx.QueryRow(ctx, sql, args...)
	queryTimer.Since(sql, start)
	return row
}

// PoolStats reports the connection pool.
func (s *Store) PoolStats() []telemetry.PoolStats {
	st := s.pool.Stat()
	return []telemetry.PoolStats{{
		Pool: "pool", Open: int(st.TotalConns()), InUse: int(st.AcquiredConns()), Idle: int(st.IdleConns()),
		Max: int(st.MaxConns()), WaitCount: st.EmptyAcquireCount(), WaitDuration: st.EmptyAcquireWaitTime(),
	}}
}
