package telemetry

import (
	"testing"
	"time"
)

func TestStatementKind(t *testing.T) {
	for q, want := range map[string]string{
		"SELECT 1": KindSelect, "\n\t  select x": KindSelect, "(SELECT 1)": KindSelect,
		"INSERT INTO t": KindInsert, "update t set": KindUpdate, "DELETE FROM t": KindDelete,
		"WITH x AS (SELECT 1) SELECT * FROM x": KindOther, "SAVEPOINT s": KindOther, "": KindOther, "sel": KindOther,
		"selectx": KindSelect, "SELEC1": KindOther,
	} {
		if got := StatementKind(q); got != want {
			t.Errorf("StatementKind(%q) = %q, want %q", q, got, want)
		}
	}
}

// BenchmarkQueryTimer is what timing one statement adds: a clock read at
// its start, and the kind, a second clock read and a histogram update at
// its end.
//
//	go test ./internal/telemetry -run '^$' -bench BenchmarkQueryTimer
func BenchmarkQueryTimer(b *testing.B) {
	qt := NewQueryTimer("bench")
	const q = "SELECT id, name FROM users WHERE id = ?"
	for range b.N {
		qt.Since(q, time.Now())
	}
}
