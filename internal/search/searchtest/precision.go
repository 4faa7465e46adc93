package searchtest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/search"
)

// testTimePrecision: the database keeps message times in microseconds, and
// messages sent in the same millisecond are common (a bot, an import, two
// users at once). Newest first orders them by their exact time, then by id
// (higher first) when the times are equal; the time bounds compare exact
// times too; a hit carries its exact time. An engine that keys documents by
// the millisecond gets all of these wrong.
func testTimePrecision(t *testing.T, open opener) {
	idx := open(t)
	base := Now.Add(-time.Hour).Truncate(time.Millisecond)
	at := func(us int) time.Time { return base.Add(time.Duration(us) * time.Microsecond) }
	docs := []search.Doc{
		sentAt(Doc(31, General, Alice, 0, "tick early"), at(100)),
		sentAt(Doc(30, General, Bob, 0, "tick late"), at(900)), // a lower id, yet newer
		sentAt(Doc(32, Trip, Carol, 0, "tick late twin"), at(900)),
		sentAt(Doc(33, DM, Bob, 0, "tick middle"), at(500)),
	}
	if err := idx.Upsert(context.Background(), docs); err != nil {
		t.Fatalf("upsert: %v", err)
	}
	newest := func(text string, f func(*search.Query)) search.Query {
		qq := q(text)
		qq.Sort = search.SortNewest
		if f != nil {
			f(&qq)
		}
		return qq
	}
	t.Run("newest first", func(t *testing.T) {
		expectOrder(t, run(t, idx, newest("", nil)), 32, 30, 33, 31)
		expectOrder(t, run(t, idx, newest("tick", nil)), 32, 30, 33, 31)
	})
	t.Run("pages split a tie", func(t *testing.T) {
		page := func(limit, offset int) []int64 {
			return ids(run(t, idx, newest("", func(q *search.Query) { q.Limit, q.Offset = limit, offset })))
		}
		for _, tc := range []struct {
			limit, offset int
			want          []int64
		}{{1, 0, []int64{32}}, {1, 1, []int64{30}}, {2, 1, []int64{30, 33}}, {3, 3, []int64{31}}} {
			if got := page(tc.limit, tc.offset); !slices.Equal(got, tc.want) {
				t.Fatalf("limit %d offset %d = %v, want %v", tc.limit, tc.offset, got, tc.want)
			}
		}
	})
	for _, tc := range []struct {
		name     string
		from, to time.Time
		want     []int64
	}{
		{"from a time (inclusive)", at(500), time.Time{}, []int64{33, 30, 32}},
		{"from just after a message", at(501), time.Time{}, []int64{30, 32}},
		{"from within a microsecond", at(100).Add(500 * time.Nanosecond), time.Time{}, []int64{33, 30, 32}},
		{"to a time (exclusive)", time.Time{}, at(900), []int64{31, 33}},
		{"to within a microsecond", time.Time{}, at(100).Add(time.Nanosecond), []int64{31}},
		{"from and to in one millisecond", at(101), at(900), []int64{33}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectSet(t, run(t, idx, newest("", func(q *search.Query) { q.From, q.To = tc.from, tc.to })), tc.want...)
		})
	}
	t.Run("hit carries its exact time", func(t *testing.T) {
		res := run(t, idx, newest("early", nil))
		expectOrder(t, res, 31)
		if got := res.Hits[0].Doc.CreatedAt; !got.Equal(at(100)) {
			t.Fatalf("created at %v, want %v", got, at(100))
		}
	})
}

// sentAt gives a fixture document another creation time.
func sentAt(d search.Doc, at time.Time) search.Doc {
	d.CreatedAt = at
	return d
}
