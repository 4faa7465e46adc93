package search

import (
	"fmt"
	"slices"
	"time"
)

// Limits of a page of hits.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	// MaxOffset bounds deep paging (Meilisearch's maxTotalHits is 1000 by default).
	MaxOffset = 1000
)

// Normalized checks q and fills its defaults: Limit, Sort, Now; From and To
// are rounded up to the microsecond. Engines call it first so they all
// treat a query alike.
func (q Query) Normalized() (Query, error) {
	if q.WorkspaceID <= 0 {
		return q, fmt.Errorf("%w: no workspace", ErrInvalidQuery)
	}
	if q.Limit <= 0 {
		q.Limit = DefaultLimit
	}
	q.Limit = min(q.Limit, MaxLimit)
	q.Offset = min(max(q.Offset, 0), MaxOffset)
	switch q.Sort {
	case "":
		q.Sort = SortRelevance
	case SortRelevance, SortNewest:
	default:
		return q, fmt.Errorf("%w: unknown sort %q", ErrInvalidQuery, q.Sort)
	}
	for _, f := range q.Facets {
		if !f.Valid() {
			return q, fmt.Errorf("%w: unknown facet %q", ErrInvalidQuery, f)
		}
	}
	if q.Now.IsZero() {
		q.Now = time.Now()
	}
	q.From, q.To = upToMicrosecond(q.From), upToMicrosecond(q.To)
	return q, nil
}

// upToMicrosecond rounds t up to a whole microsecond, the precision the
// database stores message times in (SQLite: integer microseconds; Postgres:
// timestamptz). A bound between two stored times means the later one: a
// message is at or after From (before To) exactly when its time is at or
// after (before) From (To) rounded up, so engines compare whole microseconds.
func upToMicrosecond(t time.Time) time.Time {
	if r := t.Truncate(time.Microsecond); r.Before(t) {
		return r.Add(time.Microsecond)
	}
	return t
}

// Valid reports whether f is one of the four facets.
func (f Facet) Valid() bool {
	switch f {
	case FacetSender, FacetChat, FacetChatType, FacetDate:
		return true
	}
	return false
}

// ScopeChatIDs is the set of chats a query may touch: AllowedChatIDs,
// narrowed by ChatIDs when given. Sorted, without duplicates; empty means
// the query must answer nothing.
func (q Query) ScopeChatIDs() []int64 {
	out := slices.Clone(q.AllowedChatIDs)
	if len(q.ChatIDs) > 0 {
		out = slices.DeleteFunc(out, func(id int64) bool { return !slices.Contains(q.ChatIDs, id) })
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// DateBucketOf names the date bucket of a message created at t, seen at now.
func DateBucketOf(t, now time.Time) DateBucket {
	age := now.Sub(t)
	for _, b := range DateBuckets {
		if b.Within == 0 || age < b.Within {
			return b
		}
	}
	return DateBuckets[len(DateBuckets)-1]
}
