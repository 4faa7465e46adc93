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
// sender when the keys hold it. It runs for every match (at 1M messages a
// first letter keeps ~150,000), so the chats are counted by their slot in
// the scope and the chat types by letter, without a map.
type keyFacets struct {
	want                        map[search.Facet]bool
	chat, sender, chatType, day bool // want, for the per-match path
	chatIDs                     []int64
	chats                       []int // by slot: chatIDs[i]'s count
	senders                     map[int64]int
	types                       [256]int // by letter
	// lower is each date bucket's lower bound in microseconds, exclusive
	// (the last, "older", has none); a match counts in the first bucket it
	// is newer than, as search.DateBucketOf says.
	lower []int64
	dates []int
}

func newKeyFacets(q search.Query, scope chatScope, sendersInKeys bool) *keyFacets {
	f := &keyFacets{want: map[search.Facet]bool{}, senders: map[int64]int{},
		dates: make([]int, len(search.DateBuckets))}
	for _, x := range q.Facets {
		f.want[x] = x != search.FacetSender || sendersInKeys
	}
	f.chat, f.sender, f.chatType, f.day = f.want[search.FacetChat], f.want[search.FacetSender],
		f.want[search.FacetChatType], f.want[search.FacetDate]
	if f.chat {
		f.chatIDs, f.chats = scope.include, make([]int, len(scope.include))
	}
	for _, b := range search.DateBuckets {
		if b.Within > 0 {
			f.lower = append(f.lower, q.Now.Add(-b.Within).UnixMicro())
		}
	}
	return f
}

// any reports whether any facet is counted from the keys.
func (f *keyFacets) any() bool { return f.chat || f.sender || f.chatType || f.day }

// count counts a kept match, its chat at slot of the scope.
func (f *keyFacets) count(k docKey, slot int32) {
	if f.chat {
		f.chats[slot]++
	}
	if f.sender {
		f.senders[k.sender]++
	}
	if f.chatType {
		f.types[k.letter]++
	}
	if f.day {
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
	if f.chat {
		vs := []search.FacetValue{}
		for i, n := range f.chats {
			if n > 0 {
				vs = append(vs, search.FacetValue{Value: id(f.chatIDs[i]), Count: n})
			}
		}
		out[search.FacetChat] = e.topValues(search.FacetChat, vs)
	}
	if f.sender {
		vs := make([]search.FacetValue, 0, len(f.senders))
		for v, n := range f.senders {
			vs = append(vs, search.FacetValue{Value: id(v), Count: n})
		}
		out[search.FacetSender] = e.topValues(search.FacetSender, vs)
	}
	if f.chatType {
		vs := []search.FacetValue{}
		for l, n := range f.types {
			if n > 0 {
				vs = append(vs, search.FacetValue{Value: chatTypeOfLetter(byte(l)), Count: n})
			}
		}
		out[search.FacetChatType] = e.topValues(search.FacetChatType, vs)
	}
	if f.day {
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
