package search

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/meilisearch/meilisearch-go"
)

// meiliCropWords is the highlight snippet's length, in words.
const meiliCropWords = 40

// meiliFacetAttr maps a facet to the attribute Meilisearch facets on.
var meiliFacetAttr = map[Facet]string{
	FacetSender: "sender_facet", FacetChat: "chat_facet", FacetChatType: "chat_type",
}

// meiliPlan is a normalised query turned into Meilisearch terms.
type meiliPlan struct {
	q      Query
	uid    string
	text   string
	filter string
	parts  []meiliPartition
	facets []string
	date   bool
}

func (m *Meili) plan(q Query, s Settings, scope []int64) *meiliPlan {
	p := &meiliPlan{
		q: q, uid: m.indexUID(q.WorkspaceID),
		text: meiliQueryText(ParseQuery(q.Text, s)), filter: meiliScopeFilter(q, scope),
	}
	if q.Sort == SortRelevance {
		p.parts = meiliBoostPartitions(q, s, scope)
	}
	for _, f := range q.Facets {
		if attr, ok := meiliFacetAttr[f]; ok && !slices.Contains(p.facets, attr) {
			p.facets = append(p.facets, attr)
		}
		p.date = p.date || f == FacetDate
	}
	return p
}

func (p *meiliPlan) federated() bool { return len(p.parts) > 1 }

// Search answers a query: one multi-search request for the hits (or, when
// boosts apply, the count), the facets and the date buckets, plus one
// federated request for boosted hits. Every request carries meiliScopeFilter.
func (m *Meili) Search(ctx context.Context, query Query) (Result, error) {
	start := time.Now()
	if err := m.checkOpen(); err != nil {
		return Result{}, err
	}
	q, err := query.Normalized()
	if err != nil {
		return Result{}, err
	}
	scope := q.ScopeChatIDs()
	if len(scope) == 0 {
		return Result{}, nil
	}
	s, err := m.Settings(ctx, q.WorkspaceID)
	if err != nil {
		return Result{}, err
	}
	m.settleForRead(ctx, q.WorkspaceID)
	res, err := m.execute(ctx, m.plan(q, s, scope))
	if meiliIsCode(err, meilisearch.APIErrCodeIndexNotFound) {
		return Result{TookMS: time.Since(start).Milliseconds()}, nil // nothing indexed yet
	}
	if err != nil {
		return Result{}, err
	}
	res.TookMS = time.Since(start).Milliseconds()
	return res, nil
}

// execute runs the plan's requests, the federated one concurrently.
func (m *Meili) execute(ctx context.Context, p *meiliPlan) (Result, error) {
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
		return Result{}, fmt.Errorf("meilisearch search: %w", meiliCleanErr(err))
	}
	if len(multi.Results) == 0 {
		return Result{}, errors.New("meilisearch search: empty multi-search answer")
	}
	if !p.federated() {
		hits = multi.Results[0].Hits
	}
	return m.result(p, multi.Results, hits)
}

// multiRequest holds the main query (hits, or only the count when the
// hits come from the federated request) and the date bucket counts.
func (m *Meili) multiRequest(p *meiliPlan) *meilisearch.MultiSearchRequest {
	main := m.countRequest(p, p.filter)
	if !p.federated() {
		main = m.hitsRequest(p, p.filter)
		main.Offset, main.Limit = int64(p.q.Offset), int64(p.q.Limit)
		if p.q.Sort == SortNewest {
			main.Sort = []string{"created_at:desc", "id:desc"}
		}
	}
	main.Facets = p.facets
	queries := []*meilisearch.SearchRequest{main}
	if p.date {
		for i := range DateBuckets {
			queries = append(queries, m.countRequest(p, meiliFilterAnd(p.filter, meiliDateBucketFilter(i, p.q.Now))))
		}
	}
	return &meilisearch.MultiSearchRequest{Queries: queries}
}

// federatedRequest searches every boost meiliPartition and lets Meilisearch
// merge them by weighted score and page the merged list.
func (m *Meili) federatedRequest(p *meiliPlan) *meilisearch.MultiSearchRequest {
	queries := make([]*meilisearch.SearchRequest, len(p.parts))
	for i, part := range p.parts {
		r := m.hitsRequest(p, meiliFilterAnd(p.filter, part.filter))
		r.FederationOptions = &meilisearch.SearchFederationOptions{Weight: part.weight}
		queries[i] = r
	}
	return &meilisearch.MultiSearchRequest{
		Federation: &meilisearch.MultiSearchFederation{Offset: int64(p.q.Offset), Limit: int64(p.q.Limit)},
		Queries:    queries,
	}
}

func (m *Meili) hitsRequest(p *meiliPlan, filter string) *meilisearch.SearchRequest {
	return &meilisearch.SearchRequest{
		IndexUID: p.uid, Query: p.text, Filter: filter, MatchingStrategy: meilisearch.All,
		AttributesToHighlight: []string{"content"},
		HighlightPreTag:       m.tags.Pre, HighlightPostTag: m.tags.Post,
		AttributesToCrop: []string{"content"}, CropLength: meiliCropWords, CropMarker: "…",
		ShowRankingScore: true,
	}
}

// countRequest asks only for the exhaustive hit count (hitsPerPage 0).
func (m *Meili) countRequest(p *meiliPlan, filter string) *meilisearch.SearchRequest {
	zero := int64(0)
	return &meilisearch.SearchRequest{
		IndexUID: p.uid, Query: p.text, Filter: filter, MatchingStrategy: meilisearch.All,
		HitsPerPage: &zero,
	}
}

// result assembles the answer from the multi-search results and the hits.
func (m *Meili) result(p *meiliPlan, results []meilisearch.SearchResponse, hits meilisearch.Hits) (Result, error) {
	main := results[0]
	res := Result{Total: int(max(main.TotalHits, main.EstimatedTotalHits))}
	for _, h := range hits {
		hit, err := m.decodeHit(h)
		if err != nil {
			return Result{}, err
		}
		res.Hits = append(res.Hits, hit)
	}
	facets, err := m.facets(p, main.FacetDistribution, results[1:])
	if err != nil {
		return Result{}, err
	}
	res.Facets = facets
	return res, nil
}

// meiliHit is a hit as Meilisearch returns it.
type meiliHit struct {
	meiliDoc
	Formatted *struct {
		Content string `json:"content"`
	} `json:"_formatted"`
	RankingScore *float64 `json:"_rankingScore"`
	Federation   *struct {
		WeightedRankingScore float64 `json:"weightedRankingScore"`
	} `json:"_federation"`
}

func (m *Meili) decodeHit(h meilisearch.Hit) (Hit, error) {
	raw, err := json.Marshal(h)
	if err != nil {
		return Hit{}, fmt.Errorf("meilisearch hit: %w", err)
	}
	var mh meiliHit
	if err := json.Unmarshal(raw, &mh); err != nil {
		return Hit{}, fmt.Errorf("meilisearch hit: %w", err)
	}
	hit := Hit{Doc: mh.doc()}
	switch {
	case mh.Federation != nil:
		hit.Score = mh.Federation.WeightedRankingScore
	case mh.RankingScore != nil:
		hit.Score = *mh.RankingScore
	}
	if mh.Formatted != nil {
		hit.Highlight = SafeHighlight(mh.Formatted.Content, m.tags)
	} else {
		hit.Highlight = Snippet(mh.Content, nil, 200)
	}
	return hit, nil
}

// facets converts the facet distribution and the date bucket counts.
func (m *Meili) facets(p *meiliPlan, rawDist json.RawMessage, buckets []meilisearch.SearchResponse) (map[Facet][]FacetValue, error) {
	if len(p.q.Facets) == 0 {
		return nil, nil
	}
	dist := map[string]map[string]int{}
	if len(rawDist) > 0 && string(rawDist) != "null" {
		if err := json.Unmarshal(rawDist, &dist); err != nil {
			return nil, fmt.Errorf("meilisearch facet distribution: %w", err)
		}
	}
	out := map[Facet][]FacetValue{}
	for _, f := range p.q.Facets {
		if f == FacetDate {
			out[f] = meiliDateFacet(buckets)
		} else {
			out[f] = meiliFacetList(f, dist[meiliFacetAttr[f]])
		}
	}
	return out, nil
}

func meiliDateFacet(buckets []meilisearch.SearchResponse) []FacetValue {
	var out []FacetValue
	for i, b := range DateBuckets {
		if i >= len(buckets) {
			break
		}
		if n := int(max(buckets[i].TotalHits, buckets[i].EstimatedTotalHits)); n > 0 {
			out = append(out, FacetValue{Value: b.Value, Label: b.Label, Count: n})
		}
	}
	return out
}

// meiliFacetList turns one attribute's distribution into facet values by
// descending count. Values that differ only in their label (a renamed
// sender) are merged under their id.
func meiliFacetList(f Facet, dist map[string]int) []FacetValue {
	byValue := map[string]*FacetValue{}
	best := map[string]int{} // count of the label in use
	var out []*FacetValue
	for raw, n := range dist {
		value, label := raw, raw
		if f == FacetChatType {
			label = ChatTypeLabel(model.ChatType(raw)) // the embedded engine's labels
		} else {
			value, label = meiliSplitFacetValue(raw)
		}
		fv := byValue[value]
		if fv == nil {
			fv = &FacetValue{Value: value}
			byValue[value] = fv
			out = append(out, fv)
		}
		if n > best[value] || (n == best[value] && label < fv.Label) {
			fv.Label, best[value] = label, n
		}
		fv.Count += n
	}
	slices.SortFunc(out, func(a, b *FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	vals := make([]FacetValue, len(out))
	for i, fv := range out {
		vals[i] = *fv
	}
	return vals
}
