package bleve

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// snippetRunes is the length of a highlight snippet.
const snippetRunes = 160

// candidate is a hit before its stored fields are loaded.
type candidate struct {
	id       string
	score    float64
	time     time.Time
	chat     int64
	chatType string
}

// Search implements Index.
func (e *Engine) Search(ctx context.Context, q search.Query) (search.Result, error) {
	start := time.Now()
	q, err := q.Normalized()
	if err != nil {
		return search.Result{}, err
	}
	scope := q.ScopeChatIDs()
	if len(scope) == 0 {
		return search.Result{Hits: []search.Hit{}, Facets: map[search.Facet][]search.FacetValue{}, TookMS: time.Since(start).Milliseconds()}, nil
	}
	var res search.Result
	err = e.use(func() error {
		s, err := e.labels.loadSettings(q.WorkspaceID)
		if err != nil {
			return err
		}
		known, complete := e.labels.workspaceChats(q.WorkspaceID)
		cs := resolveScope(scope, known, complete)
		if cs.empty() {
			res.Facets = map[search.Facet][]search.FacetValue{}
			for _, f := range q.Facets {
				res.Facets[f] = []search.FacetValue{}
			}
			return nil
		}
		res, err = e.search(ctx, q, cs, search.ParseQuery(q.Text, s), s)
		return err
	})
	if err != nil {
		return search.Result{}, fmt.Errorf("search: %w", err)
	}
	res.TookMS = time.Since(start).Milliseconds()
	return res, nil
}

func (e *Engine) search(ctx context.Context, q search.Query, scope chatScope, p search.ParsedQuery, s search.Settings) (search.Result, error) {
	if term, ok := scanTerm(p); ok && scope.inWorkspace && !e.noScan {
		kf := newKeyFilter(q, scope, true)
		kf.newest = newNewestPage(q.Offset + q.Limit)
		total, served, err := e.scan(ctx, kf, term)
		if err != nil {
			return search.Result{}, err
		}
		if served {
			hits, err := e.loadHits(ctx, kf.page(nil, q.Offset), p)
			if err != nil {
				return search.Result{}, err
			}
			facets := e.facets(nil, q)
			kf.facets.fill(e, facets)
			return search.Result{Hits: hits, Total: total, Facets: facets}, nil
		}
	}
	text := textQuery(p)
	hasText := text != nil
	if !hasText {
		text = bleve.NewMatchAllQuery()
	}
	b := bleve.NewBooleanQuery()
	b.AddMust(text)
	senders := e.keys.sendersInKeys()
	if f := postingFilter(q, scope, senders); f != nil {
		b.AddFilter(f)
	}
	kf := newKeyFilter(q, scope, senders)
	if q.Sort == search.SortRelevance && hasText {
		kf.rank = func(text float64, c candidate) float64 { return rankScore(text, c, s, q) }
	} else {
		kf.newest = newNewestPage(q.Offset + q.Limit)
	}
	kq := &keyedQuery{inner: b, keys: e.keys, keep: kf.keep}
	req := bleve.NewSearchRequestOptions(kq, q.Limit, q.Offset, false)
	// The key filter gave every match its final score (for newest first:
	// its time), so the engine sorts by score alone and reads no doc values.
	// (Not Score "none": with a sort on score alone bleve would stop at the
	// first Size matches, before the filter's scores and the total.)
	req.SortBy([]string{"-_score"})
	addFacets(req, q, senders)
	res, err := e.idx.SearchInContext(ctx, req)
	if err != nil {
		return search.Result{}, err
	}
	if kq.layout < idLayout {
		kf.newest = nil // keys without ids: bleve's page, ties in document order
	}
	hits, err := e.loadHits(ctx, kf.page(res.Hits, q.Offset), p)
	if err != nil {
		return search.Result{}, err
	}
	facets := e.facets(res.Facets, q)
	kf.facets.fill(e, facets)
	return search.Result{Hits: hits, Total: int(res.Total), Facets: facets}, nil
}

// keyFilter is what each match's key decides: the chats in scope (the
// permission check), the client's chat types and dates; it also gives the
// match its final score and counts the facets that keys hold.
type keyFilter struct {
	// allowed maps each chat in scope to its slot in facets.chats.
	allowed  map[int64]int32
	senders  map[int64]struct{} // nil: any (or checked by the postings)
	letters  []byte             // chat types; empty: any
	from, to int64              // microseconds, From inclusive, To exclusive
	hasFrom  bool
	hasTo    bool
	// rank scores a text match; nil orders newest first.
	rank func(text float64, c candidate) float64
	// newest keeps the page of a newest-first query, ties by id, which
	// bleve cannot (its ties go by document number); it serves when the
	// keys hold message ids (the fourth layout).
	newest *newestPage
	facets *keyFacets
	// plain: the chat is the only check (no chat type, sender or date).
	plain bool
}

func newKeyFilter(q search.Query, scope chatScope, sendersInKeys bool) *keyFilter {
	kf := &keyFilter{allowed: make(map[int64]int32, len(scope.include)), facets: newKeyFacets(q, scope, sendersInKeys)}
	for i, c := range scope.include {
		kf.allowed[c] = int32(i)
	}
	if sendersInKeys && len(q.SenderIDs) > 0 {
		kf.senders = make(map[int64]struct{}, len(q.SenderIDs))
		for _, u := range q.SenderIDs {
			kf.senders[u] = struct{}{}
		}
	}
	for _, t := range q.ChatTypes {
		kf.letters = append(kf.letters, chatTypeLetter(t))
	}
	// Normalized rounded the bounds to the microsecond, as times are stored.
	kf.from, kf.hasFrom = q.From.UnixMicro(), !q.From.IsZero()
	kf.to, kf.hasTo = q.To.UnixMicro(), !q.To.IsZero()
	kf.plain = len(kf.letters) == 0 && kf.senders == nil && !kf.hasFrom && !kf.hasTo
	return kf
}

// admits reports whether a match with key k passes the chat (permission),
// chat type, sender and date checks, and the slot of its chat.
func (kf *keyFilter) admits(k docKey) (int32, bool) {
	slot, ok := kf.allowed[k.chat]
	if !ok {
		return 0, false
	}
	return slot, kf.admitsRest(k)
}

// admitsRest is admits without the chat check.
func (kf *keyFilter) admitsRest(k docKey) bool {
	if len(kf.letters) > 0 && !slices.Contains(kf.letters, k.letter) {
		return false
	}
	if kf.senders != nil {
		if _, ok := kf.senders[k.sender]; !ok {
			return false
		}
	}
	return (!kf.hasFrom || k.us >= kf.from) && (!kf.hasTo || k.us < kf.to)
}

func (kf *keyFilter) keep(d *bsearch.DocumentMatch, k docKey) bool {
	slot, ok := kf.admits(k)
	if !ok {
		return false
	}
	if kf.rank != nil {
		d.Score = kf.rank(d.Score, candidate{time: time.UnixMicro(k.us), chatType: k.chatType(), chat: k.chat})
	} else {
		d.Score = float64(k.us) // exact: microseconds stay below 2^53 until 2255
		kf.newest.add(k)
	}
	kf.facets.count(k, slot)
	return true
}

// page is the hits to load: the key filter's newest page, or bleve's.
func (kf *keyFilter) page(hits bsearch.DocumentMatchCollection, offset int) []candidate {
	if kf.newest != nil {
		keys := kf.newest.sorted()
		page := make([]candidate, 0, max(len(keys)-offset, 0))
		for _, k := range keys[min(offset, len(keys)):] {
			page = append(page, candidate{id: id(k.id)})
		}
		return page
	}
	page := make([]candidate, 0, len(hits))
	for _, h := range hits {
		c := candidate{id: h.ID}
		if kf.rank != nil {
			c.score = h.Score
		}
		page = append(page, c)
	}
	return page
}

// loadHits loads the stored fields of the page and renders highlights.
func (e *Engine) loadHits(ctx context.Context, page []candidate, p search.ParsedQuery) ([]search.Hit, error) {
	if len(page) == 0 {
		return []search.Hit{}, nil
	}
	keys := make([]string, len(page))
	for i, c := range page {
		keys[i] = c.id
	}
	// The sort keys come along: their time is exact to the microsecond,
	// the stored time field to the millisecond.
	keyOf := make(map[string]docKey, len(keys))
	q := &keyedQuery{inner: bleve.NewDocIDQuery(keys), keys: e.keys, keep: func(d *bsearch.DocumentMatch, k docKey) bool {
		keyOf[string(d.IndexInternalID)] = k
		return true
	}}
	req := bleve.NewSearchRequestOptions(q, len(keys), 0, false)
	req.Fields = []string{"*"}
	req.Score = "none"
	res, err := e.idx.SearchInContext(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("load hits: %w", err)
	}
	byID := make(map[string]*bsearch.DocumentMatch, len(res.Hits))
	for _, h := range res.Hits {
		byID[h.ID] = h
	}
	hits := make([]search.Hit, 0, len(page))
	for _, c := range page {
		if h, ok := byID[c.id]; ok {
			d := e.docFromFields(h.ID, h.Fields, keyOf[string(h.IndexInternalID)])
			hits = append(hits, search.Hit{Doc: d, Score: c.score, Highlight: search.Snippet(d.Content, p.Spans(d.Content), snippetRunes)})
		}
	}
	return hits, nil
}

// docFromFields builds a hit's document from its stored fields and its
// sort key (the exact time, when the key was found).
func (e *Engine) docFromFields(key string, f map[string]any, k docKey) search.Doc {
	str := func(k string) string { s, _ := f[k].(string); return s }
	num := func(k string) int64 { v, _ := f[k].(float64); return int64(v) }
	i64 := func(k string) int64 { v, _ := strconv.ParseInt(str(k), 10, 64); return v }
	d := search.Doc{
		WorkspaceID: i64(fWorkspace), ChatID: i64(fChat), ChatType: model.ChatType(str(fChatType)),
		SenderID: i64(fSender), SenderUsername: str(fSenderUN), SenderName: str(fSenderDN),
		Content: str(fContent), CreatedAt: time.UnixMilli(num(fTime)).UTC(), Seq: num(fSeq),
	}
	if k.layout != 0 {
		d.CreatedAt = time.UnixMicro(k.us).UTC()
	}
	d.ID, _ = strconv.ParseInt(key, 10, 64)
	d.ChatName = e.labels.chat(d.ChatID).Name
	return d
}
