package meilistub

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

func (s *Server) searchIndex(w http.ResponseWriter, r *http.Request) *apiError {
	var req searchRequest
	if err := decodeBody(r, &req); err != nil {
		return err
	}
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	ix, err := s.lookup(r.PathValue("uid"))
	if err != nil {
		return err
	}
	res, err := ix.run(&req)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res.response(start))
	return nil
}

func (s *Server) multiSearch(w http.ResponseWriter, r *http.Request) *apiError {
	var body struct {
		Federation *federation     `json:"federation"`
		Queries    []searchRequest `json:"queries"`
	}
	if err := decodeBody(r, &body); err != nil {
		return err
	}
	start := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	if body.Federation != nil {
		return s.federated(w, body.Federation, body.Queries, start)
	}
	results := make([]map[string]any, 0, len(body.Queries))
	for i := range body.Queries {
		res, err := s.runQuery(&body.Queries[i], i)
		if err != nil {
			return err
		}
		out := res.response(start)
		out["indexUid"] = body.Queries[i].IndexUID
		results = append(results, out)
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
	return nil
}

// runQuery runs one query of a multi-search, naming it in errors as
// Meilisearch does.
func (s *Server) runQuery(req *searchRequest, i int) (*ranked, *apiError) {
	ix, err := s.lookup(req.IndexUID)
	if err == nil {
		var res *ranked
		if res, err = ix.run(req); err == nil {
			return res, nil
		}
	}
	err.Message = fmt.Sprintf("Inside `.queries[%d]`: %s", i, err.Message)
	return nil, err
}

// response is the search answer: a page of hits, the counts, facets.
func (res *ranked) response(start time.Time) map[string]any {
	req, maxTotal := res.req, res.ix.settings.Pagination.MaxTotalHits
	total := min(res.total, maxTotal)
	out := map[string]any{"query": deref(req.Q, ""), "processingTimeMs": time.Since(start).Milliseconds()}
	var from, to int
	if req.Page != nil || req.HitsPerPage != nil {
		page, hpp := max(deref(req.Page, 1), 1), deref(req.HitsPerPage, 20)
		from, to = (page-1)*hpp, page*hpp
		out["page"], out["hitsPerPage"], out["totalHits"] = page, hpp, total
		out["totalPages"] = 0
		if hpp > 0 {
			out["totalPages"] = (total + hpp - 1) / hpp
		}
	} else {
		offset, limit := deref(req.Offset, 0), deref(req.Limit, 20)
		from, to = offset, offset+limit
		out["offset"], out["limit"], out["estimatedTotalHits"] = offset, limit, total
	}
	hits := []map[string]any{}
	for _, c := range res.hits[min(from, total):min(to, total)] {
		hits = append(hits, res.hit(c, nil))
	}
	out["hits"] = hits
	if req.Facets != nil {
		out["facetDistribution"], out["facetStats"] = res.facets(), map[string]any{}
	}
	return out
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

// hit renders one document with _formatted and _rankingScore as asked.
func (res *ranked) hit(c *candidate, extra map[string]any) map[string]any {
	req := res.req
	out := map[string]any{}
	for k, v := range pick(c.doc, displayed(res.ix, req.AttributesToRetrieve)) {
		out[k] = v
	}
	if len(req.AttributesToHighlight) > 0 || len(req.AttributesToCrop) > 0 {
		out["_formatted"] = res.formatted(c)
	}
	if req.ShowRankingScore {
		out["_rankingScore"] = c.score
	}
	for k, v := range extra {
		out[k] = v
	}
	return out
}

func displayed(ix *index, retrieve []string) []string {
	if len(retrieve) > 0 {
		return retrieve
	}
	return ix.settings.DisplayedAttributes
}

// formatted is the document with matches wrapped in the highlight tags
// and long attributes cropped around the first match.
func (res *ranked) formatted(c *candidate) map[string]any {
	req := res.req
	pre, post := deref(req.HighlightPreTag, "<em>"), deref(req.HighlightPostTag, "</em>")
	marker, cropLen := deref(req.CropMarker, "…"), deref(req.CropLength, 10)
	spans := c.m.spans()
	out := map[string]any{}
	for k, v := range pick(c.doc, displayed(res.ix, req.AttributesToRetrieve)) {
		text, ok := v.(string)
		if !ok {
			out[k] = v
			continue
		}
		from, to := 0, len(text)
		if listed(req.AttributesToCrop, k) {
			from, to = cropWindow(text, spans[k], cropLen)
		}
		var hl []hlSpan
		if listed(req.AttributesToHighlight, k) {
			hl = spans[k]
		}
		out[k] = render(text, from, to, hl, pre, post, marker)
	}
	return out
}

func listed(attrs []string, name string) bool {
	return slices.Contains(attrs, name) || slices.Contains(attrs, "*")
}

// cropWindow picks cropLen words centred on the first match, as
// Meilisearch balances the words kept before and after the matches (the
// start when nothing matched; the whole text when it has no more words).
func cropWindow(text string, spans []hlSpan, cropLen int) (int, int) {
	toks := tokenize(text)
	if len(toks) <= cropLen || cropLen <= 0 {
		return 0, len(text)
	}
	first := 0
	if len(spans) > 0 {
		for i, t := range toks {
			if t.start >= spans[0].start {
				first = i
				break
			}
		}
	}
	start := max(0, min(first-(cropLen-1)/2, len(toks)-cropLen))
	end := start + cropLen
	from, to := toks[start].start, toks[end-1].end
	if start == 0 {
		from = 0
	}
	if end == len(toks) {
		to = len(text)
	}
	return from, to
}

// render writes text[from:to] with the spans inside it wrapped in tags and
// the crop marker where text was cut. Like Meilisearch, nothing is escaped.
func render(text string, from, to int, spans []hlSpan, pre, post, marker string) string {
	var b strings.Builder
	if from > 0 {
		b.WriteString(marker)
	}
	pos := from
	for _, sp := range spans {
		if sp.start < pos || sp.end > to {
			continue
		}
		b.WriteString(text[pos:sp.start])
		b.WriteString(pre + text[sp.start:sp.end] + post)
		pos = sp.end
	}
	b.WriteString(text[pos:to])
	if to < len(text) {
		b.WriteString(marker)
	}
	return b.String()
}

// facets counts the values of the requested attributes over all
// candidates; attributes that are not filterable are silently ignored,
// as Meilisearch does.
func (res *ranked) facets() map[string]map[string]int {
	set := res.ix.settings
	out := map[string]map[string]int{}
	for _, attr := range res.req.Facets {
		if !slices.Contains(set.FilterableAttributes, attr) {
			continue
		}
		out[attr] = facetCounts(res.hits, attr, set.Faceting)
	}
	return out
}

// facetCounts groups string values case-insensitively (reporting the
// first original seen) and keeps maxValuesPerFacet values, chosen by
// count or alphabetically as sortFacetValuesBy says.
func facetCounts(hits []*candidate, attr string, f faceting) map[string]int {
	counts, original := map[string]int{}, map[string]string{}
	var keys []string
	for _, c := range hits {
		for _, v := range facetItems(c.doc[attr]) {
			key := normalize(v)
			if _, ok := original[key]; !ok {
				original[key] = v
				keys = append(keys, key)
			}
			counts[key]++
		}
	}
	byCount := f.SortFacetValuesBy[attr] == "count" || (f.SortFacetValuesBy[attr] == "" && f.SortFacetValuesBy["*"] == "count")
	sort.SliceStable(keys, func(a, b int) bool {
		if byCount && counts[keys[a]] != counts[keys[b]] {
			return counts[keys[a]] > counts[keys[b]]
		}
		return keys[a] < keys[b]
	})
	out := map[string]int{}
	for _, k := range keys[:min(len(keys), f.MaxValuesPerFacet)] {
		out[original[k]] = counts[k]
	}
	return out
}

func facetItems(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case json.Number:
		return []string{x.String()}
	case bool:
		return []string{fmt.Sprint(x)}
	case []any:
		var out []string
		for _, item := range x {
			out = append(out, facetItems(item)...)
		}
		return out
	}
	return nil
}

// federation is the federation object of a multi-search.
type federation struct {
	Offset *int `json:"offset"`
	Limit  *int `json:"limit"`
}

// fedHit is a hit of one query of a federated search.
type fedHit struct {
	res      *ranked
	c        *candidate
	query    int
	weight   float64
	weighted []any
}

// federated merges the queries' hits by weighted score, comparing as
// milli's federated search does (weighted_scores.rs), and pages the
// merged list.
func (s *Server) federated(w http.ResponseWriter, fed *federation, queries []searchRequest, start time.Time) *apiError {
	var all []fedHit
	for i := range queries {
		q := &queries[i]
		if q.Offset != nil || q.Limit != nil || q.Page != nil || q.HitsPerPage != nil {
			return badRequest("invalid_multi_search_query_pagination", fmt.Sprintf("Inside `.queries[%d]`: Using pagination options is not allowed in federated queries.", i))
		}
		if q.Facets != nil {
			return badRequest("invalid_multi_search_query_facets", fmt.Sprintf("Inside `.queries[%d]`: Using facets is not allowed in federated queries.", i))
		}
		res, err := s.runQuery(q, i)
		if err != nil {
			return err
		}
		weight := 1.0
		if q.FederationOptions != nil && q.FederationOptions.Weight != nil {
			weight = *q.FederationOptions.Weight
		}
		for _, c := range res.hits[:min(len(res.hits), res.ix.settings.Pagination.MaxTotalHits)] {
			all = append(all, fedHit{res: res, c: c, query: i, weight: weight, weighted: weightedValues(c.values, weight)})
		}
	}
	sort.SliceStable(all, func(a, b int) bool { return fedBefore(all[a], all[b]) })
	all = dedupFederated(all)
	offset, limit := deref(fed.Offset, 0), deref(fed.Limit, 20)
	hits := []map[string]any{}
	for _, h := range all[min(offset, len(all)):min(offset+limit, len(all))] {
		hits = append(hits, h.res.hit(h.c, map[string]any{"_federation": map[string]any{
			"indexUid": h.res.ix.uid, "queriesPosition": h.query, "weightedRankingScore": h.c.score * h.weight,
		}}))
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"hits": hits, "processingTimeMs": time.Since(start).Milliseconds(),
		"offset": offset, "limit": limit, "estimatedTotalHits": len(all),
	})
	return nil
}

// fedBefore compares the weighted value sequences item by item; when they
// cannot be compared it falls back to the weighted global scores.
func fedBefore(a, b fedHit) bool {
	for i := 0; i < len(a.weighted) && i < len(b.weighted); i++ {
		x, xScore := a.weighted[i].(float64)
		y, yScore := b.weighted[i].(float64)
		var c int
		switch {
		case xScore && yScore:
			c = cmpFloat(x, y)
		case !xScore && !yScore:
			rx, ry := a.weighted[i].(rankValue), b.weighted[i].(rankValue)
			if rx.asc != ry.asc {
				return a.c.score*a.weight > b.c.score*b.weight
			}
			c = compareSortValues(rx.asc, rx.value, ry.value)
		default:
			return a.c.score*a.weight > b.c.score*b.weight
		}
		if c != 0 {
			return c > 0
		}
	}
	return false
}

// dedupFederated keeps the best hit of a document found by several queries.
func dedupFederated(all []fedHit) []fedHit {
	seen := map[string]bool{}
	out := all[:0]
	for _, h := range all {
		key := h.res.ix.uid + "\x00" + h.c.id
		if !seen[key] {
			seen[key] = true
			out = append(out, h)
		}
	}
	return out
}
