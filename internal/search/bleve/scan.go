package bleve

import (
	"context"
	"fmt"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/blevesearch/bleve/v2/index/scorch"
	segment "github.com/blevesearch/scorch_segment_api/v2"
	"github.com/fechatter/fechatter/internal/search"
)

// The scan path serves the two queries that match a large share of the
// index, newest first, without bleve's searchers: a browse (no text) and
// the first one or two letters of a word being typed (a letter matches
// ~40% of the messages). Per segment it walks the postings of the prefix
// gram (or every live document) and gives each document's key, by
// document number, to the key filter: the permission, chat type, sender
// and date checks, the total, every facet and the newest page, all exact
// and the same as bleve's path would count them. It skips what bleve's
// path spends per match and nobody reads here: a scored DocumentMatch, the
// custom filter searcher's call and the collector's heap (at 1M messages a
// first letter took 130 to 220 ms that way, ~0.4 µs a match).
//
// Ranking: a one- or two-letter prefix orders newest first whatever the
// sort asked for. Relevance over "every word starting with q" says nothing
// a user can see (the text score of a gram rewards short messages and
// repeated letters), while the newest messages starting the word are what
// search as you type is expected to show; from the third letter on,
// relevance applies as before.

// scanWords is the longest prefix (in letters) the scan path serves.
const scanWords = 2

// scanTerm returns the prefix gram to scan the postings of ("" to scan
// every document) when q is a query the scan path serves: no text, or a
// single unfinished word of at most scanWords letters with no synonym.
func scanTerm(p search.ParsedQuery) (string, bool) {
	if p.Empty() && len(p.Excluded) == 0 {
		return "", true
	}
	if len(p.Terms) != 1 || len(p.Phrases) > 0 || len(p.Excluded) > 0 {
		return "", false
	}
	t := p.Terms[0]
	if !t.Prefix || len(t.Synonyms) > 0 || t.Typos > 0 || utf8.RuneCountInString(t.Word) > scanWords || t.Word == "" {
		return "", false
	}
	return t.Word, true
}

// scan runs q by walking the postings of term (every live document when
// term is empty) with the key filter kf. It returns false when it cannot
// serve the snapshot (keys written before the fourth layout lack the ids
// newest first breaks ties with); the caller then takes bleve's path.
func (e *Engine) scan(ctx context.Context, kf *keyFilter, term string) (total int, served bool, err error) {
	r, err := e.snapshot()
	if err != nil {
		return 0, false, err
	}
	defer r.Close()
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok {
		return 0, false, fmt.Errorf("search index reader %T is not a scorch snapshot", r)
	}
	tables, oldest, err := e.keys.snapshotTables(snap)
	if err != nil || oldest < idLayout {
		return 0, false, err
	}
	// Without facets, and with no check but the chat, the page and the
	// total need not visit every match (see newestOf).
	early := term != "" && kf.plain && !kf.facets.any()
	// What only the chat decides is decided once per chat of a segment:
	// slots[c] is the scope slot of the segment's chat c, or -1 when the
	// chat is out of scope; a document then costs two array reads. The
	// sender facet counts by the segment's sender numbers too (an array,
	// added to the facet's map after the segment), not in a map per match.
	sender := kf.facets.sender
	kf.facets.sender = false
	defer func() { kf.facets.sender = sender }()
	var slots []int32
	for i, ss := range snap.Segments() {
		if err := ctx.Err(); err != nil {
			return 0, false, err
		}
		t := tables[i]
		slots = slots[:0]
		for _, c := range t.chats {
			slot, ok := kf.allowed[c]
			if !ok {
				slot = -1
			}
			slots = append(slots, slot)
		}
		var bySender []int
		if sender {
			bySender = make([]int, len(t.senders))
		}
		visit := func(n uint64) {
			if n >= uint64(len(t.keys)) {
				return
			}
			slot := slots[t.chatOf[n]]
			if slot < 0 {
				return
			}
			k := t.keys[n]
			if kf.plain || kf.admitsRest(k) {
				total++
				kf.newest.add(k)
				if bySender != nil {
					bySender[t.senderOf[n]]++
				}
				kf.facets.count(k, slot)
			}
		}
		if term == "" {
			deleted := ss.Deleted()
			for n := range t.keys {
				if deleted == nil || !deleted.Contains(uint32(n)) {
					visit(uint64(n))
				}
			}
		} else {
			dict, err := ss.Segment().Dictionary(fPrefix)
			if err != nil {
				return 0, false, err
			}
			pl, err := dict.PostingsList([]byte(term), ss.Deleted(), nil)
			if err != nil {
				return 0, false, err
			}
			it := pl.Iterator(false, false, false, nil)
			if early {
				bm, err := postingsBitmap(it)
				if err != nil {
					return 0, false, err
				}
				total += kf.newestOf(t, bm, slots)
				continue
			}
			for {
				p, err := it.Next()
				if err != nil {
					return 0, false, err
				}
				if p == nil {
					break
				}
				visit(p.Number())
			}
		}
		for j, c := range bySender {
			if c > 0 {
				kf.facets.senders[t.senders[j]] += c
			}
		}
	}
	return total, true, nil
}

// newestOf adds the newest matches of segment t to kf's page, the matches
// being the documents of bm in a chat whose slot is not negative, and
// returns how many there are, without visiting every match: the count is
// the intersection of bm with each chat in scope (bitmaps), and the page
// comes from walking the segment's documents newest first, stopping at the
// first that is not newer than the oldest the page keeps (every later one
// is older still: the page is certain). When matches are so few that the
// walk would pass many documents per match, it visits the matches instead.
func (kf *keyFilter) newestOf(t *keyTable, bm *roaring.Bitmap, slots []int32) int {
	order, chatDocs := t.timeOrder()
	count := 0
	for c, slot := range slots {
		if slot >= 0 {
			count += int(bm.AndCardinality(chatDocs[c]))
		}
	}
	p := kf.newest
	if count == 0 || p.n == 0 {
		return count
	}
	if walk := uint64(p.n) * uint64(len(order)) / uint64(count); walk > 4*bm.GetCardinality() {
		for it := bm.Iterator(); it.HasNext(); {
			if n := it.Next(); int(n) < len(t.keys) && slots[t.chatOf[n]] >= 0 {
				p.add(t.keys[n])
			}
		}
		return count
	}
	for _, n := range order {
		k := t.keys[n]
		if len(p.keys) == p.n && !newer(k, p.keys[0]) {
			break
		}
		if slots[t.chatOf[n]] >= 0 && bm.Contains(n) {
			p.add(k)
		}
	}
	return count
}

// postingsBitmap returns the documents of a postings iterator as a bitmap
// (not to be changed: it may be the segment's own).
func postingsBitmap(it segment.PostingsIterator) (*roaring.Bitmap, error) {
	if o, ok := it.(segment.OptimizablePostingsIterator); ok {
		if bm := o.ActualBitmap(); bm != nil {
			return bm, nil
		}
	}
	bm := roaring.New() // one document, or none
	for {
		p, err := it.Next()
		if err != nil || p == nil {
			return bm, err
		}
		bm.Add(uint32(p.Number()))
	}
}
