package sqlite

import (
	"context"
	"database/sql"
	"time"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// queryTimer times every statement of the SQLite engine.
var queryTimer = telemetry.NewQueryTimer("sqlite")

// observed is a dbtx whose statements are timed in
// fechatter_db_query_duration_seconds and, inside a sampled trace, get a
// client span named by their kind ("sqlite SELECT") without their text or
// arguments (outside a trace that costs one atomic load). A query is timed
// until its first row is ready, not while the caller reads the rest.
type observed struct{ db dbtx }

func (o observed) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	start := time.Now()
	res, err := o.db.ExecContext(ctx, query, args...)
	queryTimer.Since(query, start)
	telemetry.EndSpan(span, err)
	return res, err
}

func (o observed) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	start := time.Now()
	rows, err := o.db.QueryContext(ctx, query, args...)
	queryTimer.Since(query, start)
	telemetry.EndSpan(span, err)
	return rows, err
}

func (o observed) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	start := time.Now()
	row := o.db.QueryRowContext(ctx, query, args...)
	queryTimer.Since(query, start)
	telemetry.EndSpan(span, row.Err())
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
