package search

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/fechatter/fechatter/internal/model"
)

// MaxFacetValues bounds the values returned per facet (most frequent first).
const MaxFacetValues = 50

var facetFields = map[Facet]string{FacetSender: fSender, FacetChat: fChat, FacetChatType: fChatType}

// addFacets asks bleve for the requested facets; they count every matching
// document, and matching documents are always inside the scope.
func addFacets(req *bleve.SearchRequest, q Query) {
	for _, f := range q.Facets {
		if f == FacetDate {
			req.AddFacet(string(f), dateFacet(q))
			continue
		}
		req.AddFacet(string(f), bleve.NewFacetRequest(facetFields[f], MaxFacetValues))
	}
}

// dateFacet counts the DateBuckets as numeric ranges of the time field.
func dateFacet(q Query) *bleve.FacetRequest {
	fr := bleve.NewFacetRequest(fTime, len(DateBuckets))
	var upper *float64 // the previous bucket's lower bound
	for _, b := range DateBuckets {
		var lower *float64
		if b.Within > 0 {
			v := float64(q.Now.Add(-b.Within).UnixMilli())
			lower = &v
		}
		fr.AddNumericRange(b.Value, lower, upper)
		upper = lower
	}
	return fr
}

// facets converts bleve's facet results, adding labels.
func (e *Embedded) facets(fr bsearch.FacetResults, q Query) map[Facet][]FacetValue {
	out := map[Facet][]FacetValue{}
	for _, f := range q.Facets {
		r := fr[string(f)]
		if r == nil {
			out[f] = []FacetValue{}
			continue
		}
		if f == FacetDate {
			out[f] = dateValues(r)
			continue
		}
		vs := make([]FacetValue, 0, r.Terms.Len())
		for _, t := range r.Terms.Terms() {
			vs = append(vs, FacetValue{Value: t.Term, Label: e.facetLabel(f, t.Term), Count: t.Count})
		}
		slices.SortFunc(vs, func(a, b FacetValue) int {
			return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
		})
		out[f] = vs
	}
	return out
}

func dateValues(r *bsearch.FacetResult) []FacetValue {
	counts := map[string]int{}
	for _, n := range r.NumericRanges {
		counts[n.Name] = n.Count
	}
	vs := []FacetValue{}
	for _, b := range DateBuckets {
		if n := counts[b.Value]; n > 0 {
			vs = append(vs, FacetValue{Value: b.Value, Label: b.Label, Count: n})
		}
	}
	return vs
}

func (e *Embedded) facetLabel(f Facet, v string) string {
	switch f {
	case FacetSender:
		n, _ := strconv.ParseInt(v, 10, 64)
		return e.labels.sender(n)
	case FacetChat:
		n, _ := strconv.ParseInt(v, 10, 64)
		return e.labels.chat(n).Name
	case FacetChatType:
		return ChatTypeLabel(model.ChatType(v))
	}
	return v
}

// ChatTypeLabel is how a chat type reads in a facet.
func ChatTypeLabel(t model.ChatType) string {
	switch t {
	case model.ChatDirect:
		return "Direct messages"
	case model.ChatGroup:
		return "Group chats"
	case model.ChatPrivateChannel:
		return "Private channels"
	case model.ChatPublicChannel:
		return "Public channels"
	}
	return string(t)
}
