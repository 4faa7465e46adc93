package search

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/fechatter/fechatter/internal/model"
)

// rerankWindow is how many of the best text matches are re-ranked with
// recency and boosts. Text-score ties come newest first from the engine, so
// the window holds the newest of each score tier.
const rerankWindow = 200

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
func (e *Embedded) Search(ctx context.Context, q Query) (Result, error) {
	start := time.Now()
	q, err := q.Normalized()
	if err != nil {
		return Result{}, err
	}
	scope := q.ScopeChatIDs()
	if len(scope) == 0 {
		return Result{Hits: []Hit{}, Facets: map[Facet][]FacetValue{}, TookMS: time.Since(start).Milliseconds()}, nil
	}
	var res Result
	err = e.use(func() error {
		s, err := e.labels.loadSettings(q.WorkspaceID)
		if err != nil {
			return err
		}
		known, complete := e.labels.workspaceChats(q.WorkspaceID)
		cs := resolveScope(scope, known, complete)
		if cs.empty() {
			res.Facets = map[Facet][]FacetValue{}
			for _, f := range q.Facets {
				res.Facets[f] = []FacetValue{}
			}
			return nil
		}
		res, err = e.search(ctx, q, cs, ParseQuery(q.Text, s), s)
		return err
	})
	if err != nil {
		return Result{}, fmt.Errorf("search: %w", err)
	}
	res.TookMS = time.Since(start).Milliseconds()
	return res, nil
}

func (e *Embedded) search(ctx context.Context, q Query, scope chatScope, p ParsedQuery, s Settings) (Result, error) {
	text := textQuery(p)
	var req *bleve.SearchRequest
	relevance := q.Sort == SortRelevance && text != nil
	// ranked: the filter already gave every match its final score, so the
	// engine's order is the answer and no re-ranking window is needed.
	ranked := false
	switch {
	case text == nil:
		req = bleve.NewSearchRequestOptions(scopeQuery(q, scope), q.Limit, q.Offset, false)
	case broadText(p):
		b := bleve.NewBooleanQuery()
		b.AddMust(text)
		b.AddFilter(scopeQuery(q, scope))
		req = bleve.NewSearchRequestOptions(b, q.Limit, q.Offset, false)
	default:
		var rank func(float64, candidate) float64
		if relevance {
			rank = func(text float64, c candidate) float64 { return rankScore(text, c, s, q) }
			ranked = true
		}
		req = bleve.NewSearchRequestOptions(chatFiltered(text, filterQuery(q), scope, rank), q.Limit, q.Offset, false)
	}
	switch {
	case ranked:
		req.SortBy([]string{"-_score"})
	case relevance:
		req.Size, req.From = max(rerankWindow, q.Offset+q.Limit), 0
		req.SortBy([]string{"-_score", "-" + fSortKey})
	default:
		req.Score = "none"
		req.SortBy([]string{"-" + fSortKey})
	}
	addFacets(req, q)
	res, err := e.idx.SearchInContext(ctx, req)
	if err != nil {
		return Result{}, err
	}
	page := pageOf(res.Hits, q, s, relevance && !ranked)
	hits, err := e.loadHits(ctx, page, p)
	if err != nil {
		return Result{}, err
	}
	return Result{Hits: hits, Total: int(res.Total), Facets: e.facets(res.Facets, q)}, nil
}

// pageOf picks the hits of the requested page, re-ranking the window first
// under relevance.
func pageOf(hits bsearch.DocumentMatchCollection, q Query, s Settings, relevance bool) []candidate {
	cs := make([]candidate, 0, len(hits))
	for _, h := range hits {
		c := candidate{id: h.ID, score: h.Score}
		if relevance && len(h.Sort) == 2 {
			ms, ct, chat := parseSortKey(h.Sort[1])
			c.time, c.chatType, c.chat = time.UnixMilli(ms), ct, chat
			c.score = rankScore(h.Score, c, s, q)
		}
		cs = append(cs, c)
	}
	if !relevance {
		return cs
	}
	slices.SortStableFunc(cs, func(a, b candidate) int {
		switch {
		case a.score > b.score:
			return -1
		case a.score < b.score:
			return 1
		}
		return b.time.Compare(a.time)
	})
	from := min(q.Offset, len(cs))
	return cs[from:min(from+q.Limit, len(cs))]
}

// loadHits loads the stored fields of the page and renders highlights.
func (e *Embedded) loadHits(ctx context.Context, page []candidate, p ParsedQuery) ([]Hit, error) {
	if len(page) == 0 {
		return []Hit{}, nil
	}
	keys := make([]string, len(page))
	for i, c := range page {
		keys[i] = c.id
	}
	req := bleve.NewSearchRequestOptions(bleve.NewDocIDQuery(keys), len(keys), 0, false)
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
	m := newMatcher(p)
	hits := make([]Hit, 0, len(page))
	for _, c := range page {
		if h, ok := byID[c.id]; ok {
			d := e.docFromFields(h.ID, h.Fields)
			hits = append(hits, Hit{Doc: d, Score: c.score, Highlight: Snippet(d.Content, m.spans(d.Content), snippetRunes)})
		}
	}
	return hits, nil
}

func (e *Embedded) docFromFields(key string, f map[string]any) Doc {
	str := func(k string) string { s, _ := f[k].(string); return s }
	num := func(k string) int64 { v, _ := f[k].(float64); return int64(v) }
	i64 := func(k string) int64 { v, _ := strconv.ParseInt(str(k), 10, 64); return v }
	d := Doc{
		WorkspaceID: i64(fWorkspace), ChatID: i64(fChat), ChatType: model.ChatType(str(fChatType)),
		SenderID: i64(fSender), SenderUsername: str(fSenderUN), SenderName: str(fSenderDN),
		Content: str(fContent), CreatedAt: time.UnixMilli(num(fTime)).UTC(), Seq: num(fSeq),
	}
	d.ID, _ = strconv.ParseInt(key, 10, 64)
	d.ChatName = e.labels.chat(d.ChatID).Name
	return d
}

// broadText reports whether a query's text likely matches a large share of
// the index (only words being typed, of one or two letters, or only
// exclusions): then intersecting with the union of the chats' postings is
// cheaper than checking each match's chat (chatFiltered), which reads a doc
// value per match.
func broadText(p ParsedQuery) bool {
	if len(p.Phrases) > 0 {
		return false
	}
	for _, t := range p.Terms {
		if !t.Prefix || utf8.RuneCountInString(t.Word) > 2 {
			return false
		}
	}
	return true
}
