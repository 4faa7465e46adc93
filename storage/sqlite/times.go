package sqlite

import (
	"database/sql"
	"time"
)

// Times are stored as integer unix microseconds (the precision Postgres
// keeps too), and come back in UTC. The zero time is stored as 0 in NOT
// NULL columns and as NULL in nullable ones.

func micros(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromMicros(us int64) time.Time {
	if us == 0 {
		return time.Time{}
	}
	return time.UnixMicro(us).UTC()
}

// nullMicros stores nil or the zero time as NULL.
func nullMicros(t *time.Time) sql.NullInt64 {
	if t == nil || t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixMicro(), Valid: true}
}

func fromNullMicros(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.UnixMicro(v.Int64).UTC()
	return &t
}

// now is the store's clock, at the precision it keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// orNow returns t at stored precision, or now when t is zero.
func orNow(t time.Time) time.Time {
	if t.IsZero() {
		return now()
	}
	return t.UTC().Truncate(time.Microsecond)
}
