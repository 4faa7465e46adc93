package bleve

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/blevesearch/bleve/v2"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// MaxFacetValues bounds the values returned per facet (most frequent first).
const MaxFacetValues = 50

// addFacets asks bleve for the sender facet when the keys do not hold the
// sender; every other facet is counted from the matches' keys (keyFacets).
// Facets count every matching document, and matching documents are always
// inside the scope.
func addFacets(req *bleve.SearchRequest, q search.Query, sendersInKeys bool) {
	if slices.Contains(q.Facets, search.FacetSender) && !sendersInKeys {
		req.AddFacet(string(search.FacetSender), bleve.NewFacetRequest(fSender, MaxFacetValues))
	}
}

// keyFacets counts the facets of the matches a keyFilter keeps from their
// keys, so that no doc values are read for them: chat, chat type, date, and
// sender when the keys hold it.
type keyFacets struct {
	want    map[search.Facet]bool
	chats   map[int64]int
	senders map[int64]int
	types   map[byte]int
	// lower is each date bucket's lower bound in microseconds, exclusive
	// (the last, "older", has none); a match counts in the first bucket it
	// is newer than, as search.DateBucketOf says.
	lower []int64
	dates []int
}

func newKeyFacets(q search.Query, sendersInKeys bool) *keyFacets {
	f := &keyFacets{want: map[search.Facet]bool{}, chats: map[int64]int{}, senders: map[int64]int{},
		types: map[byte]int{}, dates: make([]int, len(search.DateBuckets))}
	for _, x := range q.Facets {
		f.want[x] = x != search.FacetSender || sendersInKeys
	}
	for _, b := range search.DateBuckets {
		if b.Within > 0 {
			f.lower = append(f.lower, q.Now.Add(-b.Within).UnixMicro())
		}
	}
	return f
}

func (f *keyFacets) count(k docKey) {
	if f.want[search.FacetChat] {
		f.chats[k.chat]++
	}
	if f.want[search.FacetSender] {
		f.senders[k.sender]++
	}
	if f.want[search.FacetChatType] {
		f.types[k.letter]++
	}
	if f.want[search.FacetDate] {
		i := 0
		for i < len(f.lower) && k.us <= f.lower[i] {
			i++
		}
		f.dates[i]++
	}
}

// fill sets the counted facets in out, most frequent first, at most
// MaxFacetValues each, with their labels.
func (f *keyFacets) fill(e *Engine, out map[search.Facet][]search.FacetValue) {
	for facet, counts := range map[search.Facet]map[int64]int{search.FacetChat: f.chats, search.FacetSender: f.senders} {
		if !f.want[facet] {
			continue
		}
		vs := make([]search.FacetValue, 0, len(counts))
		for v, n := range counts {
			vs = append(vs, search.FacetValue{Value: id(v), Count: n})
		}
		out[facet] = e.topValues(facet, vs)
	}
	if f.want[search.FacetChatType] {
		vs := make([]search.FacetValue, 0, len(f.types))
		for l, n := range f.types {
			vs = append(vs, search.FacetValue{Value: chatTypeOfLetter(l), Count: n})
		}
		out[search.FacetChatType] = e.topValues(search.FacetChatType, vs)
	}
	if f.want[search.FacetDate] {
		vs := []search.FacetValue{}
		for i, b := range search.DateBuckets {
			if f.dates[i] > 0 {
				vs = append(vs, search.FacetValue{Value: b.Value, Label: b.Label, Count: f.dates[i]})
			}
		}
		out[search.FacetDate] = vs
	}
}

// topValues sorts vs most frequent first (then by value), keeps the first
// MaxFacetValues and labels them.
func (e *Engine) topValues(f search.Facet, vs []search.FacetValue) []search.FacetValue {
	slices.SortFunc(vs, func(a, b search.FacetValue) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value))
	})
	vs = vs[:min(len(vs), MaxFacetValues)]
	for i := range vs {
		vs[i].Label = e.facetLabel(f, vs[i].Value)
	}
	return vs
}

// facets converts bleve's facet results (the sender's), adding labels;
// every other facet requested is left empty for keyFacets.fill.
func (e *Engine) facets(fr bsearch.FacetResults, q search.Query) map[search.Facet][]search.FacetValue {
	out := map[search.Facet][]search.FacetValue{}
	for _, f := range q.Facets {
		r := fr[string(f)]
		if r == nil {
			out[f] = []search.FacetValue{}
			continue
		}
		vs := make([]search.FacetValue, 0, r.Terms.Len())
		for _, t := range r.Terms.Terms() {
			vs = append(vs, search.FacetValue{Value: t.Term, Count: t.Count})
		}
		out[f] = e.topValues(f, vs)
	}
	return out
}

func (e *Engine) facetLabel(f search.Facet, v string) string {
	switch f {
	case search.FacetSender:
		n, _ := strconv.ParseInt(v, 10, 64)
		return e.labels.sender(n)
	case search.FacetChat:
		n, _ := strconv.ParseInt(v, 10, 64)
		return e.labels.chat(n).Name
	case search.FacetChatType:
		return search.ChatTypeLabel(model.ChatType(v))
	}
	return v
}
