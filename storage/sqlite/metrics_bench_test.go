package sqlite

import (
	"context"
	"path/filepath"
	"testing"
)

// BenchmarkQueryTiming measures what timing a statement costs: the same
// point read through the read pool's statement cache, raw and through
// timed. The read is the cheapest the store makes, so the ratio is the
// worst case.
//
//	go test ./storage/sqlite -run '^$' -bench BenchmarkQueryTiming
func BenchmarkQueryTiming(b *testing.B) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(b.TempDir(), "fechatter.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	const query = `SELECT count(*) FROM users WHERE id = ?`
	for _, tc := range []struct {
		name string
		db   dbtx
	}{{"raw", cachedDB{s.rstmts}}, {"observed", observed{cachedDB{s.rstmts}}}} {
		b.Run(tc.name, func(b *testing.B) {
			var n int
			for range b.N {
				if err := tc.db.QueryRowContext(ctx, query, 1).Scan(&n); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
