package meilistub

import (
	"slices"
	"sort"
	"unicode/utf8"
)

// attrText is one searchable attribute of a document, tokenized.
type attrText struct {
	name string
	text string
	toks []token
}

// termHit is one occurrence of a query term in a document.
type termHit struct {
	attr, tok, n int // attribute index, first token, tokens spanned
	pos          int
	wm           wordMatch
}

// docMatch is how a document matched a query.
type docMatch struct {
	attrs []attrText
	hits  [][]termHit // per term
	k     int         // leading terms matched (matchingStrategy "last")
	n     int
	typos int
	maxTy int
}

// searchableAttrs lists the document's searchable attributes in order
// ("*": every string attribute, by name).
func (ix *index) searchableAttrs(d map[string]any) []attrText {
	names := ix.settings.SearchableAttributes
	if slices.Contains(names, "*") {
		names = nil
		for k, v := range d {
			if _, ok := v.(string); ok {
				names = append(names, k)
			}
		}
		slices.Sort(names)
	}
	var out []attrText
	for _, name := range names {
		if s, ok := d[name].(string); ok {
			out = append(out, attrText{name: name, text: s, toks: tokenize(s)})
		}
	}
	return out
}

// match reports whether d matches the query and how.
func (ix *index) match(d map[string]any, pq parsedQuery, strategy string) (docMatch, bool) {
	m := docMatch{attrs: ix.searchableAttrs(d), n: len(pq.terms)}
	if m.excluded(pq) {
		return m, false
	}
	if pq.placeholder {
		return m, true
	}
	m.hits = make([][]termHit, len(pq.terms))
	for i, t := range pq.terms {
		m.hits[i] = ix.findTerm(m.attrs, t)
	}
	for m.k < m.n && len(m.hits[m.k]) > 0 {
		m.k++
	}
	if m.k == 0 || (strategy == "all" && m.k < m.n) {
		return m, false
	}
	for i := 0; i < m.k; i++ {
		m.typos += minTypos(m.hits[i])
		if pq.terms[i].phrase == nil {
			m.maxTy += ix.settings.typoBudget(pq.terms[i].word)
		}
	}
	return m, true
}

// excluded reports whether a negative word or phrase occurs in d.
func (m docMatch) excluded(pq parsedQuery) bool {
	for _, a := range m.attrs {
		for i := range a.toks {
			if slices.Contains(pq.negWords, a.toks[i].word) {
				return true
			}
			for _, ph := range pq.negPhrases {
				if phraseAt(a.toks, i, ph) {
					return true
				}
			}
		}
	}
	return false
}

func phraseAt(toks []token, i int, phrase []string) bool {
	if i+len(phrase) > len(toks) {
		return false
	}
	for j, w := range phrase {
		if toks[i+j].word != w {
			return false
		}
	}
	return true
}

// findTerm lists the occurrences of a term (a word or a phrase).
func (ix *index) findTerm(attrs []attrText, t queryTerm) []termHit {
	var out []termHit
	budget := ix.settings.typoBudget(t.word)
	syn := ix.settings.Synonyms[t.word]
	for ai, a := range attrs {
		for ti, tok := range a.toks {
			if t.phrase != nil {
				if phraseAt(a.toks, ti, t.phrase) {
					out = append(out, termHit{attr: ai, tok: ti, n: len(t.phrase), pos: tok.pos, wm: wordMatch{exact: true}})
				}
				continue
			}
			if wm, ok := matchWord(t.word, t.prefix, budget, tok.word, syn); ok {
				out = append(out, termHit{attr: ai, tok: ti, n: 1, pos: tok.pos, wm: wm})
			}
		}
	}
	return out
}

func minTypos(hits []termHit) int {
	best := 2
	for _, h := range hits {
		best = min(best, h.wm.typos)
	}
	return best
}

// ranks is a text rule's verdict on this document.
func (m docMatch) ranks(rule string) []rankValue {
	switch rule {
	case "words":
		return []rankValue{{rank: m.k, max: m.n}}
	case "typo":
		return []rankValue{{rank: m.maxTy + 1 - m.typos, max: m.maxTy + 1}}
	case "proximity":
		return []rankValue{m.proximity()}
	case "attribute":
		return []rankValue{m.attributeRank(), m.wordPosition()}
	case "attributeRank":
		return []rankValue{m.attributeRank()}
	case "wordPosition":
		return []rankValue{m.wordPosition()}
	case "exactness":
		return []rankValue{m.exactAttribute(), m.exactWords()}
	}
	return nil
}

// proximity costs each pair of consecutive terms their distance, capped
// at 8 (different attributes count as 8).
func (m docMatch) proximity() rankValue {
	if m.k < 2 {
		return rankValue{rank: 1, max: 1}
	}
	maxCost, cost := 7*(m.k-1), 0
	for i := 1; i < m.k; i++ {
		best := 8
		for _, a := range m.hits[i-1] {
			for _, b := range m.hits[i] {
				if a.attr == b.attr {
					d := b.pos - (a.pos + a.n - 1)
					if d < 1 {
						d = 1 - d + 1 // before the previous term: farther
					}
					best = min(best, d)
				}
			}
		}
		cost += best - 1
	}
	return rankValue{rank: maxCost - cost + 1, max: maxCost + 1}
}

func (m docMatch) firstAttr() int {
	first := len(m.attrs)
	for i := 0; i < m.k; i++ {
		for _, h := range m.hits[i] {
			first = min(first, h.attr)
		}
	}
	return first
}

func (m docMatch) attributeRank() rankValue {
	n := max(len(m.attrs), 1)
	return rankValue{rank: max(n-m.firstAttr(), 1), max: n}
}

// wordPosition rewards matches near the start of the best attribute.
func (m docMatch) wordPosition() rankValue {
	first, pos := m.firstAttr(), 15
	for i := 0; i < m.k; i++ {
		for _, h := range m.hits[i] {
			if h.attr == first {
				pos = min(pos, h.pos)
			}
		}
	}
	return rankValue{rank: 16 - pos, max: 16}
}

// exactAttribute: 3 when an attribute is exactly the query, 2 when it
// starts with it, else 1.
func (m docMatch) exactAttribute() rankValue {
	best := 1
	for ai, a := range m.attrs {
		starts := m.k == m.n
		for i := 0; i < m.k && starts; i++ {
			starts = slices.ContainsFunc(m.hits[i], func(h termHit) bool { return h.attr == ai && h.wm.exact && h.tok == m.offset(i) })
		}
		if starts {
			best = max(best, 2)
			if m.offset(m.k) == len(a.toks) {
				best = 3
			}
		}
	}
	return rankValue{rank: best, max: 3}
}

// offset is the token index where term i starts if the query's terms are
// laid end to end from the first token.
func (m docMatch) offset(i int) int {
	off := 0
	for j := 0; j < i; j++ {
		if len(m.hits[j]) > 0 {
			off += m.hits[j][0].n
		}
	}
	return off
}

func (m docMatch) exactWords() rankValue {
	c := 0
	for i := 0; i < m.k; i++ {
		if slices.ContainsFunc(m.hits[i], func(h termHit) bool { return h.wm.exact }) {
			c++
		}
	}
	return rankValue{rank: c + 1, max: m.k + 1}
}

// hlSpan is a byte range of an attribute to highlight.
type hlSpan struct{ start, end int }

// spans lists, per attribute name, the ranges to highlight: whole words,
// but only the typed part of a prefix match.
func (m docMatch) spans() map[string][]hlSpan {
	out := map[string][]hlSpan{}
	for _, hits := range m.hits {
		for _, h := range hits {
			a := m.attrs[h.attr]
			for j := h.tok; j < h.tok+h.n; j++ {
				tok := a.toks[j]
				end := tok.end
				if h.n == 1 && !h.wm.exact {
					end = runeOffset(a.text, tok.start, tok.end, h.wm.hlRunes)
				}
				out[a.name] = append(out[a.name], hlSpan{tok.start, end})
			}
		}
	}
	for name, s := range out {
		out[name] = mergeSpans(s)
	}
	return out
}

// runeOffset is the byte offset n runes after start, at most end.
func runeOffset(text string, start, end, n int) int {
	i := start
	for ; n > 0 && i < end; n-- {
		_, size := utf8.DecodeRuneInString(text[i:])
		i += size
	}
	return i
}

func mergeSpans(s []hlSpan) []hlSpan {
	sort.Slice(s, func(a, b int) bool { return s[a].start < s[b].start })
	var out []hlSpan
	for _, sp := range s {
		if n := len(out); n > 0 && sp.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, sp.end)
			continue
		}
		out = append(out, sp)
	}
	return out
}
