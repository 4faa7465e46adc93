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

// addFacets asks bleve for the sender facet when the keys do not hold the
// sender; every other facet is counted from the matches' keys (keyFacets).
// Facets count every matching document, and matching documents are always
// inside the scope.
func addFacets(req *bleve.SearchRequest, q Query, sendersInKeys bool) {
	if slices.Contains(q.Facets, FacetSender) && !sendersInKeys {
		req.AddFacet(string(FacetSender), bleve.NewFacetRequest(fSender, MaxFacetValues))
	}
}

// keyFacets counts the facets of the matches a keyFilter keeps from their
// keys, so that no doc values are read for them: chat, chat type, date, and
// sender when the keys hold it.
type keyFacets struct {
	want    map[Facet]bool
	chats   map[int64]int
	senders map[int64]int
	types   map[byte]int
	// lower is each date bucket's lower bound in milliseconds (the last,
	// "older", has none); a match counts in the first bucket it reaches.
	lower []int64
	dates []int
}

func newKeyFacets(q Query, sendersInKeys bool) *keyFacets {
	f := &keyFacets{want: map[Facet]bool{}, chats: map[int64]int{}, senders: map[int64]int{},
		types: map[byte]int{}, dates: make([]int, len(DateBuckets))}
	for _, x := range q.Facets {
		f.want[x] = x != FacetSender || sendersInKeys
	}
	for _, b := range DateBuckets {
		if b.Within > 0 {
			f.lower = append(f.lower, q.Now.Add(-b.Within).UnixMilli())
		}
	}
	return f
}

func (f *keyFacets) count(k docKey) {
	if f.want[FacetChat] {
		f.chats[k.chat]++
	}
	if f.want[FacetSender] {
		f.senders[k.sender]++
	}
	if f.want[FacetChatType] {
		f.types[k.letter]++
	}
	if f.want[FacetDate] {
		i := 0
		for i < len(f.lower) && k.ms < f.lower[i] {
			i++
		}
		f.dates[i]++
	}
}

// fill sets the counted facets in out, most frequent first, at most
// MaxFacetValues each, with their labels.
func (f *keyFacets) fill(e *Embedded, out map[Facet][]FacetValue) {
	for facet, counts := range map[Facet]map[int64]int{FacetChat: f.chats, FacetSender: f.senders} {
		if !f.want[facet] {
			continue
		}
		vs := make([]FacetValue, 0, len(counts))
		for v, n := range counts {
			vs = append(vs, FacetValue{Value: id(v), Count: n})
		}
		out[facet] = e.topValues(facet, vs)
	}
	if f.want[FacetChatType] {
		vs := make([]FacetValue, 0, len(f.types))
		for l, n := range f.types {
			vs = append(vs, FacetValue{Value: chatTypeOfLetter(l), Count: n})
		}
		out[FacetChatType] = e.topValues(FacetChatType, vs)
	}
	if f.want[FacetDate] {
		vs := []FacetValue{}
		for i, b := range DateBuckets {
			if f.dates[i] > 0 {
				vs = append(vs, FacetValue{Value: b.Value, Label: b.Label, Count: f.dates[i]})
			}
		}
		out[FacetDate] = vs
	}
}

// topValues sorts vs most frequent first (then by value), keeps the first
// MaxFacetValues and labels them.
func (e *Embedded) topValues(f Facet, vs []FacetValue) []FacetValue {
	slices.SortFunc(vs, func(a, b FacetValue) int {
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
func (e *Embedded) facets(fr bsearch.FacetResults, q Query) map[Facet][]FacetValue {
	out := map[Facet][]FacetValue{}
	for _, f := range q.Facets {
		r := fr[string(f)]
		if r == nil {
			out[f] = []FacetValue{}
			continue
		}
		vs := make([]FacetValue, 0, r.Terms.Len())
		for _, t := range r.Terms.Terms() {
			vs = append(vs, FacetValue{Value: t.Term, Count: t.Count})
		}
		out[f] = e.topValues(f, vs)
	}
	return out
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
