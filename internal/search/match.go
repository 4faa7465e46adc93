package search

import (
	"slices"
	"strings"
)

// matcher finds the words of a text that a parsed query matched, to mark
// them in a snippet. It mirrors the engine's matching: exact, synonym,
// prefix of the typed word, or within the typo budget with the first letter
// right; phrase words are marked where the whole phrase occurs.
type matcher struct {
	terms   []Term
	phrases [][]string
}

func newMatcher(p ParsedQuery) matcher { return matcher{terms: p.Terms, phrases: p.Phrases} }

// Spans returns the byte ranges of the words of text that p matched, in
// order: what a highlight marks.
func (p ParsedQuery) Spans(text string) []Span { return newMatcher(p).spans(text) }

// spans returns the byte ranges of matched words in text, in order.
func (m matcher) spans(text string) []Span {
	if len(m.terms) == 0 && len(m.phrases) == 0 {
		return nil
	}
	toks := TokenizeSpans(text)
	marked := make([]bool, len(toks))
	for i, t := range toks {
		for _, term := range m.terms {
			if termMatches(term, t.Word) {
				marked[i] = true
				break
			}
		}
	}
	for _, ph := range m.phrases {
		markPhrase(toks, ph, marked)
	}
	var out []Span
	for i, t := range toks {
		if marked[i] {
			out = append(out, Span{Start: t.Start, End: t.End})
		}
	}
	return out
}

func markPhrase(toks []Token, ph []string, marked []bool) {
	for i := 0; i+len(ph) <= len(toks); i++ {
		ok := true
		for j, w := range ph {
			if toks[i+j].Word != w {
				ok = false
				break
			}
		}
		if ok {
			for j := range ph {
				marked[i+j] = true
			}
		}
	}
}

// termMatches reports whether word (normalised) matches the query term.
func termMatches(t Term, word string) bool {
	switch {
	case word == t.Word, slices.Contains(t.Synonyms, word):
		return true
	case t.Prefix && strings.HasPrefix(word, t.Word):
		return true
	case t.Typos > 0 && firstRune(word) == firstRune(t.Word):
		return withinEdits(t.Word, word, t.Typos)
	}
	return false
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

// withinEdits reports whether the Levenshtein distance of a and b is at most
// k, in O(len*k) time with a banded dynamic programme.
func withinEdits(a, b string, k int) bool {
	ra, rb := []rune(a), []rune(b)
	if d := len(ra) - len(rb); d > k || -d > k {
		return false
	}
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > k {
			return false
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)] <= k
}
