package meili

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/meilisearch/meilisearch-go"
)

// cropWords is the highlight snippet's length, in words.
const cropWords = 40

// facetAttr maps a facet to the attribute Meilisearch facets on.
var facetAttr = map[search.Facet]string{
	search.FacetSender: "sender_facet", search.FacetChat: "chat_facet", search.FacetChatType: "chat_type",
}

// searchPlan is a normalised query turned into Meilisearch terms.
type searchPlan struct {
	q      search.Query
	uid    string
	text   string
	filter string
	parts  []partition
	facets []string
	date   bool
}

func (m *Engine) plan(q search.Query, s search.Settings, scope []int64) *searchPlan {
	p := &searchPlan{
		q: q, uid: m.indexUID(q.WorkspaceID),
		text: queryText(search.ParseQuery(q.Text, s)), filter: scopeFilter(q, scope),
	}
	if q.Sort == search.SortRelevance {
		p.parts = boostPartitions(q, s, scope)
	}
	for _, f := range q.Facets {
		if attr, ok := facetAttr[f]; ok && !slices.Contains(p.facets, attr) {
			p.facets = append(p.facets, attr)
		}
		p.date = p.date || f == search.FacetDate
	}
	return p
}

func (p *searchPlan) federated() bool { return len(p.parts) > 1 }

// Search answers a query: one multi-search request for the hits (or, when
// boosts apply, the count), the facets and the date buckets, plus one
// federated request for boosted hits. Every request carries scopeFilter.
func (m *Engine) Search(ctx context.Context, query search.Query) (search.Result, error) {
	start := time.Now()
	if err := m.checkOpen(); err != nil {
		return search.Result{}, err
	}
	q, err := query.Normalized()
	if err != nil {
		return search.Result{}, err
	}
	scope := q.ScopeChatIDs()
	if len(scope) == 0 {
		return search.Result{}, nil
	}
	s, err := m.Settings(ctx, q.WorkspaceID)
	if err != nil {
		return search.Result{}, err
	}
	m.settleForRead(ctx, q.WorkspaceID)
	res, err := m.execute(ctx, m.plan(q, s, scope))
	if isCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return search.Result{TookMS: time.Since(start).Milliseconds()}, nil // nothing indexed yet
	}
	if err != nil {
		return search.Result{}, err
	}
	res.TookMS = time.Since(start).Milliseconds()
	return res, nil
}

// execute runs the plan's requests, the federated one concurrently.
func (m *Engine) execute(ctx context.Context, p *searchPlan) (search.Result, error) {
	type fedAnswer struct {
		res *meilisearch.MultiSearchResponse
		err error
	}
	fed := make(chan fedAnswer, 1)
	if p.federated() {
		go func() {
			r, err := m.client.MultiSearch(ctx, m.federatedRequest(p))
			fed <- fedAnswer{r, err}
		}()
	}
	multi, err := m.client.MultiSearch(ctx, m.multiRequest(p))
	var hits meilisearch.Hits
	if p.federated() {
		a := <-fed // always received: the goroutine never outlives execute
		if err == nil {
			err = a.err
		}
		if a.res != nil {
			hits = a.res.Hits
		}
	}
	if err != nil {
		return search.Result{}, fmt.Errorf("meilisearch search: %w", cleanErr(err))
	}
	if len(multi.Results) == 0 {
		return search.Result{}, errors.New("meilisearch search: empty multi-search answer")
	}
	if !p.federated() {
		hits = multi.Results[0].Hits
	}
	return m.result(p, multi.Results, hits)
}

// multiRequest holds the main query (hits, or only the count when the
// hits come from the federated request) and the date bucket counts.
func (m *Engine) multiRequest(p *searchPlan) *meilisearch.MultiSearchRequest {
	main := m.countRequest(p, p.filter)
	if !p.federated() {
		main = m.hitsRequest(p, p.filter)
		main.Offset, main.Limit = int64(p.q.Offset), int64(p.q.Limit)
		if p.q.Sort == search.SortNewest {
			main.Sort = []string{"created_at:desc", "id:desc"}
		}
	}
	main.Facets = p.facets
	queries := []*meilisearch.SearchRequest{main}
	if p.date {
		for i := range search.DateBuckets {
			queries = append(queries, m.countRequest(p, filterAnd(p.filter, dateBucketFilter(i, p.q.Now))))
		}
	}
	return &meilisearch.MultiSearchRequest{Queries: queries}
}

// federatedRequest searches every boost partition and lets Meilisearch
// merge them by weighted score and page the merged list.
func (m *Engine) federatedRequest(p *searchPlan) *meilisearch.MultiSearchRequest {
	queries := make([]*meilisearch.SearchRequest, len(p.parts))
	for i, part := range p.parts {
		r := m.hitsRequest(p, filterAnd(p.filter, part.filter))
		r.FederationOptions = &meilisearch.SearchFederationOptions{Weight: part.weight}
		queries[i] = r
	}
	return &meilisearch.MultiSearchRequest{
		Federation: &meilisearch.MultiSearchFederation{Offset: int64(p.q.Offset), Limit: int64(p.q.Limit)},
		Queries:    queries,
	}
}

func (m *Engine) hitsRequest(p *searchPlan, filter string) *meilisearch.SearchRequest {
	return &meilisearch.SearchRequest{
		IndexUID: p.uid, Query: p.text, Filter: filter, MatchingStrategy: meilisearch.All,
		AttributesToHighlight: []string{"content"},
		HighlightPreTag:       m.tags.Pre, HighlightPostTag: m.tags.Post,
		AttributesToCrop: []string{"content"}, CropLength: cropWords, CropMarker: "…",
		ShowRankingScore: true,
	}
}

// countRequest asks only for the exhaustive hit count (hitsPerPage 0).
func (m *Engine) countRequest(p *searchPlan, filter string) *meilisearch.SearchRequest {
	zero := int64(0)
	return &meilisearch.SearchRequest{
		IndexUID: p.uid, Query: p.text, Filter: filter, MatchingStrategy: meilisearch.All,
		HitsPerPage: &zero,
	}
}

// result assembles the answer from the multi-search results and the hits.
func (m *Engine) result(p *searchPlan, results []meilisearch.SearchResponse, hits meilisearch.Hits) (search.Result, error) {
	main := results[0]
	res := search.Result{Total: int(max(main.TotalHits, main.EstimatedTotalHits))}
	for _, h := range hits {
		hit, err := m.decodeHit(h)
		if err != nil {
			return search.Result{}, err
		}
		res.Hits = append(res.Hits, hit)
	}
	facets, err := m.facets(p, main.FacetDistribution, results[1:])
	if err != nil {
		return search.Result{}, err
	}
	res.Facets = facets
	return res, nil
}

// rawHit is a hit as Meilisearch returns it.
type rawHit struct {
	document
	Formatted *struct {
		Content string `json:"content"`
	} `json:"_formatted"`
	RankingScore *float64 `json:"_rankingScore"`
	Federation   *struct {
		WeightedRankingScore float64 `json:"weightedRankingScore"`
	} `json:"_federation"`
}

func (m *Engine) decodeHit(h meilisearch.Hit) (search.Hit, error) {
	raw, err := json.Marshal(h)
	if err != nil {
		return search.Hit{}, fmt.Errorf("meilisearch hit: %w", err)
	}
	var mh rawHit
	if err := json.Unmarshal(raw, &mh); err != nil {
		return search.Hit{}, fmt.Errorf("meilisearch hit: %w", err)
	}
	hit := search.Hit{Doc: mh.doc()}
	switch {
	case mh.Federation != nil:
		hit.Score = mh.Federation.WeightedRankingScore
	case mh.RankingScore != nil:
		hit.Score = *mh.RankingScore
	}
	if mh.Formatted != nil {
		hit.Highlight = search.SafeHighlight(mh.Formatted.Content, m.tags)
	} else {
		hit.Highlight = search.Snippet(mh.Content, nil, 200)
	}
	return hit, nil
}

// facets converts the facet distribution and the date bucket counts.
func (m *Engine) facets(p *searchPlan, rawDist json.RawMessage, buckets []meilisearch.SearchResponse) (map[search.Facet][]search.FacetValue, error) {
	if len(p.q.Facets) == 0 {
		return nil, nil
	}
	dist := map[string]map[string]int{}
	if len(rawDist) > 0 && string(rawDist) != "null" {
		if err := json.Unmarshal(rawDist, &dist); err != nil {
			return nil, fmt.Errorf("meilisearch facet distribution: %w", err)
		}
	}
	out := map[search.Facet][]search.FacetValue{}
	for _, f := range p.q.Facets {
		if f == search.FacetDate {
			out[f] = dateFacet(buckets)
		} else {
			out[f] = facetList(f, dist[facetAttr[f]])
		}
	}
	return out, nil
}

func dateFacet(buckets []meilisearch.SearchResponse) []search.FacetValue {
	var out []search.FacetValue
	for i, b := range search.DateBuckets {
		if i >= len(buckets) {
			break
		}
		if n := int(max(buckets[i].TotalHits, buckets[i].EstimatedTotalHits)); n > 0 {
			out = append(out, search.FacetValue{Value: b.Value, Label: b.Label, Count: n})
		}
	}
	return out
}

// facetList turns one attribute's distribution into facet values by
// descending count. Values that differ only in their label (a renamed
// sender) are merged under their id.
func facetList(f search.Facet, dist map[string]int) []search.FacetValue {
	byValue := map[string]*search.FacetValue{}
	best := map[string]int{} // count of the label in use
	var out []*search.FacetValue
	for raw, n := range dist {
		value, label := raw, raw
		if f == search.FacetChatType {
			label = search.ChatTypeLabel(model.ChatType(raw)) // the labels the embedded engine gives
		} else {
			value, label = splitFacetValue(raw)
		}
		fv := byValue[value]
		if fv == nil {
			fv = &search.FacetValue{Value: value}
			byValue[value] = fv
			out = append(out, fv)
		}
		if n > best[value] || (n == best[value] && label < fv.Label) {
			fv.Label, best[value] = label, n
		}
		fv.Count += n
	}
	slices.SortFunc(out, func(a, b *search.FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	vals := make([]search.FacetValue, len(out))
	for i, fv := range out {
		vals[i] = *fv
	}
	return vals
}
