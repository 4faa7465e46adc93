package postgres

import (
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
)

// Postgres keeps microseconds; times are cut to that precision before they
// are stored so that what a method reports equals what a read returns. The
// zero time is stored as itself (0001-01-01) in NOT NULL columns and as
// NULL in nullable ones, as the SQLite engine does.

// now is the store's clock, at the precision it keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// stored returns t in UTC at stored precision.
func stored(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// orNow returns t at stored precision, or now when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return stored(t)
}

// nullTime stores the zero time as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	s := stored(t)
	return &s
}

// isNoRows reports whether a QueryRow found nothing.
func isNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
