package bleve

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
	segment "github.com/blevesearch/scorch_segment_api/v2"
)

// keyCache holds the parsed sort key of every document, per index segment.
//
// Reading a match's sort key as a doc value means decoding the snappy chunk
// of 1,024 documents that holds it; matches of a query at 1M messages are
// scattered, so each decodes a chunk of its own, and that was 54% of a
// query's CPU. Segments never change once written, so each is read once,
// in order (one decode per chunk), and queries look keys up by document
// number. Segments that no query has used for keyTTL are dropped (merged
// away, or replaced when persisted).
type keyCache struct {
	mu     sync.Mutex
	tables map[segment.Segment]*keyTable
	pruned time.Time
	// layout is the highest "oldest key layout" of the snapshots seen. It
	// is only ever raised, since keys are only ever written in the current
	// layout from then on (new documents, merges of such segments). Until
	// every key holds the sender (the third layout), the sender filter and
	// facet read postings and doc values.
	layout atomic.Uint32
}

// sendersInKeys reports whether the sender can be read from the keys.
func (c *keyCache) sendersInKeys() bool { return c.layout.Load() >= senderLayout }

// keyTTL is how long a table outlives the last query that used it.
const keyTTL = 2 * time.Minute

type keyTable struct {
	once sync.Once
	keys []docKey
	// chats is the segment's distinct chats, and chatOf each document's
	// index in it: the scan path checks a document's chat against the
	// scope by array, not by map (scan.go).
	chats  []int64
	chatOf []uint32
	// senders and senderOf do the same for the sender facet.
	senders  []int64
	senderOf []uint32
	// byTime is read on first use by the scan path's early stop (scan.go).
	byTime   sync.Once
	newest   []uint32          // document numbers, newest first
	chatDocs []*roaring.Bitmap // by chat number: the chat's documents
	// oldest is the oldest layout among the segment's keys.
	oldest uint8
	err    error
	used   atomic.Int64 // unix nanoseconds
}

func newKeyCache() *keyCache { return &keyCache{tables: map[segment.Segment]*keyTable{}} }

// keyLookup finds the key of a match by its internal id.
type keyLookup func(index.IndexInternalID) (docKey, error)

// lookup returns the keys of the documents r holds, the snapshot a search
// runs on (every index this package creates is scorch's), and the oldest
// layout among them.
func (c *keyCache) lookup(r index.IndexReader) (keyLookup, uint8, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return nil, 0, fmt.Errorf("search index reader %T is not a scorch snapshot", r)
	}
	tables, oldest, err := c.snapshotTables(snap)
	if err != nil {
		return nil, 0, err
	}
	offsets := make([]uint64, len(tables)) // as scorch numbers documents
	var running uint64
	for i, ss := range snap.Segments() {
		offsets[i] = running
		running += ss.Segment().Count()
	}
	return func(id index.IndexInternalID) (docKey, error) {
		n := id.Value()
		// The last segment starting at or before n (offsets[0] is 0).
		lo, hi := 0, len(offsets)
		for hi-lo > 1 {
			if mid := (lo + hi) / 2; offsets[mid] <= n {
				lo = mid
			} else {
				hi = mid
			}
		}
		if hi == 0 {
			return docKey{}, nil
		}
		if local := n - offsets[lo]; local < uint64(len(tables[lo].keys)) {
			return tables[lo].keys[local], nil
		}
		return docKey{}, nil
	}, oldest, nil
}

// snapshotTables returns the key table of each segment of snap, in
// snap.Segments() order, and the oldest layout among them.
func (c *keyCache) snapshotTables(snap *scorch.IndexSnapshot) ([]*keyTable, uint8, error) {
	segs := snap.Segments()
	tables := make([]*keyTable, len(segs))
	now := time.Now()
	for i, ss := range segs {
		t, err := c.table(ss.Segment(), now)
		if err != nil {
			return nil, 0, err
		}
		tables[i] = t
	}
	oldest := uint8(keyLayout)
	for _, t := range tables {
		oldest = min(oldest, t.oldest)
	}
	if len(tables) > 0 {
		// Only ever raised: an older snapshot seen later must not lower it.
		for seen := c.layout.Load(); uint32(oldest) > seen && !c.layout.CompareAndSwap(seen, uint32(oldest)); {
			seen = c.layout.Load()
		}
	}
	c.prune(now)
	return tables, oldest, nil
}

// table returns the keys of s, reading them the first time.
func (c *keyCache) table(s segment.Segment, now time.Time) (*keyTable, error) {
	c.mu.Lock()
	t := c.tables[s]
	if t == nil {
		t = &keyTable{}
		c.tables[s] = t
	}
	c.mu.Unlock()
	t.used.Store(now.UnixNano())
	t.once.Do(func() {
		t.keys, t.oldest, t.err = readKeys(s)
		t.chats, t.chatOf = chatIndex(t.keys, func(k docKey) int64 { return k.chat })
		t.senders, t.senderOf = chatIndex(t.keys, func(k docKey) int64 { return k.sender })
	})
	if t.err != nil {
		c.mu.Lock()
		delete(c.tables, s) // read it again next time
		c.mu.Unlock()
	}
	return t, t.err
}

// prune drops tables unused for keyTTL, at most once a second.
func (c *keyCache) prune(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if now.Sub(c.pruned) < time.Second {
		return
	}
	c.pruned = now
	cut := now.Add(-keyTTL).UnixNano()
	for s, t := range c.tables {
		if t.used.Load() < cut {
			delete(c.tables, s)
		}
	}
}

// readKeys reads the sort key of every document of s in document order,
// and the oldest layout among them.
func readKeys(s segment.Segment) ([]docKey, uint8, error) {
	dv, ok := s.(segment.DocValueVisitable)
	if !ok {
		return nil, 0, nil // no doc values: every lookup finds no chat
	}
	keys := make([]docKey, s.Count())
	fields := []string{fSortKey}
	var state segment.DocVisitState
	var err error
	oldest := uint8(keyLayout)
	for n := range keys {
		state, err = dv.VisitDocValues(uint64(n), fields, func(_ string, term []byte) {
			keys[n] = parseDocKey(term)
		}, state)
		if err != nil {
			return nil, 0, err
		}
		if keys[n].layout != 0 {
			oldest = min(oldest, keys[n].layout)
		}
	}
	return keys, oldest, nil
}

// keyedQuery matches what inner matches and keeps the documents whose key
// keep accepts; keep may also set the match's score.
type keyedQuery struct {
	inner query.Query
	keys  *keyCache
	keep  func(d *bsearch.DocumentMatch, k docKey) bool
	// layout is set by Searcher: the oldest key layout of the snapshot
	// searched.
	layout uint8
}

// Searcher implements query.Query.
func (q *keyedQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	lookup, layout, err := q.keys.lookup(r)
	if err != nil {
		return nil, err
	}
	q.layout = layout
	child, err := q.inner.Searcher(ctx, r, m, o)
	if err != nil {
		return nil, err
	}
	// No doc value reader and no index reader: the filter needs neither
	// the match's fields nor its external id.
	return searcher.NewCustomFilterSearcher(ctx, child, func(_ context.Context, d *bsearch.DocumentMatch) (bool, error) {
		k, err := lookup(d.IndexInternalID)
		if err != nil {
			return false, err
		}
		return q.keep(d, k), nil
	}, nil, nil, nil), nil
}

// chatIndex numbers the distinct values of field (the chat, the sender)
// among keys in order of appearance and returns them with each key's
// number.
func chatIndex(keys []docKey, field func(docKey) int64) ([]int64, []uint32) {
	num := map[int64]uint32{}
	var values []int64
	of := make([]uint32, len(keys))
	for i, k := range keys {
		v := field(k)
		n, ok := num[v]
		if !ok {
			n = uint32(len(values))
			num[v] = n
			values = append(values, v)
		}
		of[i] = n
	}
	return values, of
}

// timeOrder returns the segment's documents newest first (by time, then
// id, as search.SortNewest orders) and each chat's documents, made on
// first use.
func (t *keyTable) timeOrder() ([]uint32, []*roaring.Bitmap) {
	t.byTime.Do(func() {
		order := make([]uint32, len(t.keys))
		for i := range order {
			order[i] = uint32(i)
		}
		slices.SortFunc(order, func(a, b uint32) int {
			switch ka, kb := t.keys[a], t.keys[b]; {
			case newer(ka, kb):
				return -1
			case newer(kb, ka):
				return 1
			}
			return cmp.Compare(a, b)
		})
		docs := make([]*roaring.Bitmap, len(t.chats))
		for i := range docs {
			docs[i] = roaring.New()
		}
		for n, c := range t.chatOf {
			docs[c].Add(uint32(n))
		}
		for _, b := range docs {
			b.RunOptimize()
		}
		t.newest, t.chatDocs = order, docs
	})
	return t.newest, t.chatDocs
}
