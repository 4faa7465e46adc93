package bleve

import (
	"context"
	"slices"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2/index/scorch"
	"github.com/blevesearch/bleve/v2/mapping"
	bsearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/searcher"
	index "github.com/blevesearch/bleve_index_api"
)

// fuzzyQuery matches the words of field within typos edits of word whose
// first letter is word's, as bleve's FuzzyQuery with prefix 1 does, scored
// the same way (bleve's multi-term searcher, boosted by edit distance).
//
// It differs in how it finds those words. bleve builds a Levenshtein DFA
// for every fuzzy query: a table of 256 transitions per state allocated up
// front, ~0.7 ms of CPU and 0.8 MB per query (38% of a filtered query's CPU
// at 100k messages). levAutomaton computes the states the dictionary walk
// actually reaches, one row of the edit-distance table each, so a query
// allocates a few kilobytes. The distance is bleve's: Levenshtein over
// runes with a swap of two adjacent letters counting as one edit.
type fuzzyQuery struct {
	word  string
	typos int
	field string
	boost float64
}

// Searcher implements query.Query.
func (q *fuzzyQuery) Searcher(ctx context.Context, r index.IndexReader, m mapping.IndexMapping, o bsearch.SearcherOptions) (bsearch.Searcher, error) {
	snap, ok := r.(*scorch.IndexSnapshot)
	if !ok || q.typos < 1 || q.word == "" {
		return searcher.NewFuzzySearcher(ctx, r, q.word, 1, q.typos, q.field, q.boost, o)
	}
	_, size := utf8.DecodeRuneInString(q.word)
	first := []byte(q.word[:size])
	end := slices.Clone(first)
	end[len(end)-1]++ // the last byte of a rune is below 0xff
	a := newLevAutomaton(q.word, q.typos)
	dist := map[string]uint8{}
	for _, ss := range snap.Segments() {
		dict, err := ss.Segment().Dictionary(q.field)
		if err != nil {
			return nil, err
		}
		it := dict.AutomatonIterator(a, first, end)
		for {
			e, err := it.Next()
			if err != nil {
				return nil, err
			}
			if e == nil {
				break
			}
			if _, seen := dist[e.Term]; !seen {
				dist[e.Term] = a.distance(e.Term)
			}
		}
	}
	if _, self := dist[q.word]; len(dist) == 0 || len(dist) == 1 && self {
		return searcher.NewTermSearcher(ctx, r, q.word, q.field, q.boost, o)
	}
	// In dictionary order, as bleve's merged dictionary gives them.
	terms := make([]string, 0, len(dist))
	for t := range dist {
		terms = append(terms, t)
	}
	slices.Sort(terms)
	dists := make([]uint8, len(terms))
	for i, t := range terms {
		dists[i] = dist[t]
	}
	return searcher.NewMultiTermSearcherBoosted(ctx, r, terms, q.field, q.boost, dists, o, true)
}

// levAutomaton accepts the words within k edits of word (insertions,
// deletions, substitutions and swaps of adjacent letters, over runes), for
// vellum's dictionary walk. A state is a row of the edit-distance table
// (capped at k+1), with the row before it and the last rune (for swaps),
// and the bytes of a rune not yet complete; states are made when the walk
// first reaches them.
type levAutomaton struct {
	word   []rune
	k      uint8
	states []levState
	index  map[string]int
	next   map[uint64]int // state<<8 | byte -> state
	dead   []uint8        // the row of every state that cannot match
}

type levState struct {
	row, prev []uint8
	last      rune   // the rune that made row (prev's successor); -1 at the start
	pending   []byte // bytes of an incomplete rune
}

func newLevAutomaton(word string, k int) *levAutomaton {
	a := &levAutomaton{word: []rune(word), k: uint8(k), index: map[string]int{}, next: map[uint64]int{}}
	row := make([]uint8, len(a.word)+1)
	a.dead = make([]uint8, len(a.word)+1)
	for i := range row {
		row[i] = min(uint8(i), a.k+1)
		a.dead[i] = a.k + 1
	}
	a.intern(levState{row: row, last: -1})
	return a
}

func (a *levAutomaton) intern(s levState) int {
	key := make([]byte, 0, 2*len(s.row)+8+len(s.pending))
	key = append(key, s.row...)
	key = append(key, s.prev...)
	key = utf8.AppendRune(key, s.last)
	key = append(key, 0xff)
	key = append(key, s.pending...)
	if n, ok := a.index[string(key)]; ok {
		return n
	}
	a.states = append(a.states, s)
	a.index[string(key)] = len(a.states) - 1
	return len(a.states) - 1
}

// Start implements vellum's Automaton.
func (a *levAutomaton) Start() int { return 0 }

// IsMatch implements vellum's Automaton.
func (a *levAutomaton) IsMatch(s int) bool {
	st := a.states[s]
	return len(st.pending) == 0 && st.row[len(a.word)] <= a.k
}

// CanMatch implements vellum's Automaton.
func (a *levAutomaton) CanMatch(s int) bool { return slices.Min(a.states[s].row) <= a.k }

// WillAlwaysMatch implements vellum's Automaton.
func (a *levAutomaton) WillAlwaysMatch(int) bool { return false }

// Accept implements vellum's Automaton.
func (a *levAutomaton) Accept(s int, b byte) int {
	key := uint64(s)<<8 | uint64(b)
	if n, ok := a.next[key]; ok {
		return n
	}
	st := a.states[s]
	pending := append(slices.Clone(st.pending), b)
	var n int
	if !utf8.FullRune(pending) {
		n = a.intern(levState{row: st.row, prev: st.prev, last: st.last, pending: pending})
	} else {
		r, _ := utf8.DecodeRune(pending)
		next := levState{row: a.step(st, r), prev: st.row, last: r}
		switch {
		case slices.Min(next.row) > a.k:
			next = levState{row: a.dead, last: -1} // no way back: one state
		case !slices.Contains(a.word, r):
			// A swap needs r in the word: without it the state is its
			// row alone, and many more paths share it.
			next.prev, next.last = nil, -1
		}
		n = a.intern(next)
	}
	a.next[key] = n
	return n
}

// step is the row after st's for rune r (optimal string alignment).
func (a *levAutomaton) step(st levState, r rune) []uint8 {
	w, cap := a.word, a.k+1
	row := make([]uint8, len(w)+1)
	row[0] = min(st.row[0]+1, cap)
	for i := 1; i <= len(w); i++ {
		cost := uint8(1)
		if w[i-1] == r {
			cost = 0
		}
		d := min(st.row[i-1]+cost, st.row[i]+1, row[i-1]+1)
		if i >= 2 && st.prev != nil && w[i-1] == st.last && w[i-2] == r {
			d = min(d, st.prev[i-2]+1)
		}
		row[i] = min(d, cap)
	}
	return row
}

// distance is the edit distance of term from the word (at most k+1).
func (a *levAutomaton) distance(term string) uint8 {
	s := a.Start()
	for i := 0; i < len(term); i++ {
		s = a.Accept(s, term[i])
	}
	return a.states[s].row[len(a.word)]
}
