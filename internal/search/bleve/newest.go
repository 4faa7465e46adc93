package bleve

import (
	"container/heap"
	"slices"
)

// newestPage keeps the newest n matches of a query as the key filter sees
// them, in search.SortNewest's order: by time, then by message id, both
// descending. bleve cannot break ties by id without reading every match's
// id; the keys of the fourth layout hold it.
type newestPage struct {
	n    int
	keys oldestFirst // a heap: keys[0] is the oldest kept
}

func newNewestPage(n int) *newestPage { return &newestPage{n: n} }

// add offers a match.
func (p *newestPage) add(k docKey) {
	switch {
	case len(p.keys) < p.n:
		heap.Push(&p.keys, k)
	case p.n > 0 && newer(k, p.keys[0]):
		// No allocation: matches in time order replace the root. A sift
		// of its own, not heap.Fix: in document order most matches are
		// newer than the root (~150,000 of a first letter at 1M).
		p.keys[0] = k
		p.keys.down(0)
	}
}

// down moves the key at i down to its place, as heap.Fix would.
func (h oldestFirst) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		j := l
		if r := l + 1; r < len(h) && newer(h[l], h[r]) {
			j = r
		}
		if !newer(h[i], h[j]) {
			return
		}
		h[i], h[j] = h[j], h[i]
		i = j
	}
}

// sorted returns the kept keys, newest first.
func (p *newestPage) sorted() []docKey {
	out := slices.Clone(p.keys)
	slices.SortFunc(out, func(a, b docKey) int {
		switch {
		case newer(a, b):
			return -1
		case newer(b, a):
			return 1
		}
		return 0
	})
	return out
}

// newer reports whether a comes before b newest first.
func newer(a, b docKey) bool { return a.us > b.us || a.us == b.us && a.id > b.id }

// oldestFirst is a heap.Interface over keys, the oldest at the root.
type oldestFirst []docKey

func (h oldestFirst) Len() int           { return len(h) }
func (h oldestFirst) Less(i, j int) bool { return newer(h[j], h[i]) }
func (h oldestFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *oldestFirst) Push(x any)        { *h = append(*h, x.(docKey)) }
func (h *oldestFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
