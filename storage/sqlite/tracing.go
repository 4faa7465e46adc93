package sqlite

import (
	"context"
	"database/sql"

	"github.com/fechatter/fechatter/internal/telemetry"
)

// tracedDB gives each statement run inside a sampled trace a client span
// named by its kind ("sqlite SELECT"), without its text or arguments.
// Outside a trace it costs one atomic load.
type tracedDB struct{ next dbtx }

func (d tracedDB) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	res, err := d.next.ExecContext(ctx, query, args...)
	telemetry.EndSpan(span, err)
	return res, err
}

func (d tracedDB) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	rows, err := d.next.QueryContext(ctx, query, args...)
	telemetry.EndSpan(span, err)
	return rows, err
}

func (d tracedDB) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx, span := telemetry.StartDBSpan(ctx, dialect, query)
	row := d.next.QueryRowContext(ctx, query, args...)
	telemetry.EndSpan(span, row.Err())
	return row
}
