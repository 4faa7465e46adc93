package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// queryTimer times every statement of the SQLite engine.
var queryTimer = telemetry.NewQueryTimer("sqlite")

// timed is a dbtx whose statements are timed in
// fechatter_db_query_duration_seconds. A query is timed until its first
// row is ready, not while the caller reads the rest.
type timed struct{ db dbtx }

func (t timed) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	start := time.Now()
	res, err := t.db.ExecContext(ctx, query, args...)
	queryTimer.Since(query, start)
	return res, err
}

func (t timed) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	start := time.Now()
	rows, err := t.db.QueryContext(ctx, query, args...)
	queryTimer.Since(query, start)
	return rows, err
}

func (t timed) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	start := time.Now()
	row := t.db.QueryRowContext(ctx, query, args...)
	queryTimer.Since(query, start)
	return row
}

// observeBatch records one group commit: how many write functions shared
// it and how long its transaction took from BEGIN to COMMIT.
func observeBatch(n int, start time.Time) {
	telemetry.SQLiteGroupCommitBatch.Observe(float64(n))
	queryTimer.SinceKind(telemetry.KindTx, start)
}

// PoolStats reports the writer's and the readers' connection pools.
func (s *Store) PoolStats() []telemetry.PoolStats {
	return []telemetry.PoolStats{poolStats("writer", s.wdb.Stats()), poolStats("reader", s.rdb.Stats())}
}

func poolStats(name string, st sql.DBStats) telemetry.PoolStats {
	return telemetry.PoolStats{
		Pool: name, Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle, Max: st.MaxOpenConnections,
		WaitCount: st.WaitCount, WaitDuration: st.WaitDuration,
	}
}
