package meilistub

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// normalize lowercases and strips diacritics, like charabia's Latin
// normalisers.
func normalize(s string) string {
	out, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC), s)
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// token is a word of a document attribute.
type token struct {
	word       string // normalised
	start, end int    // byte offsets in the original text
	pos        int    // word position; hard separators add 7, as in milli
}

// tokenize splits text into words with their positions.
func tokenize(text string) []token {
	var out []token
	pos, hard := -1, false
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !isWordRune(r) {
			hard = hard || strings.ContainsRune(".!?;:\n", r)
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r2, n2 := utf8.DecodeRuneInString(text[j:])
			if !isWordRune(r2) {
				break
			}
			j += n2
		}
		pos++
		if hard && pos > 0 {
			pos += 7
		}
		hard = false
		out = append(out, token{word: normalize(text[i:j]), start: i, end: j, pos: pos})
		i = j
	}
	return out
}

// queryTerm is a word (or a phrase) of a query.
type queryTerm struct {
	word   string
	phrase []string // set for a phrase
	prefix bool
}

// parsedQuery is a query split as milli's located_query_terms_from_tokens
// does (crates/milli/src/search/new/query_term/parse_query.rs).
type parsedQuery struct {
	terms       []queryTerm
	negWords    []string
	negPhrases  [][]string
	placeholder bool
}

// qtok is a query token: a word, or one separator character.
type qtok struct {
	word string
	sep  rune
}

func lexQuery(q string) []qtok {
	var out []qtok
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, qtok{word: normalize(word.String())})
			word.Reset()
		}
	}
	for _, r := range q {
		if isWordRune(r) {
			word.WriteRune(r)
			continue
		}
		flush()
		out = append(out, qtok{sep: r})
	}
	flush()
	return out
}

// parseQuery applies Meilisearch's rules: a word is a prefix only when it
// is the very last token; "..." is a phrase (an open quote runs to the
// end); '-' after whitespace negates the next word or phrase; stop words
// are dropped unless last; only the first 10 terms count.
func parseQuery(q string, stopWords []string) parsedQuery {
	var p parsedQuery
	toks := lexQuery(q)
	var phrase []string
	inPhrase, negPhrase, negNext, afterSpace := false, false, false, true
	for i, t := range toks {
		if len(p.terms) >= 10 {
			break
		}
		if t.word != "" {
			last := i == len(toks)-1
			switch {
			case inPhrase:
				phrase = append(phrase, t.word)
			case negNext:
				p.negWords, negNext = append(p.negWords, t.word), false
			case slices.Contains(stopWords, t.word) && !last:
			default:
				p.terms = append(p.terms, queryTerm{word: t.word, prefix: last})
			}
			afterSpace = false
			continue
		}
		if t.sep == '"' {
			if inPhrase {
				p.addPhrase(phrase, negPhrase)
				inPhrase, phrase, negPhrase = false, nil, false
			} else {
				inPhrase, negPhrase = true, negNext
			}
		}
		negNext = !inPhrase && t.sep == '-' && afterSpace
		afterSpace = unicode.IsSpace(t.sep)
	}
	if inPhrase {
		p.addPhrase(phrase, negPhrase)
	}
	p.placeholder = len(p.terms) == 0
	return p
}

func (p *parsedQuery) addPhrase(words []string, negative bool) {
	switch {
	case len(words) == 0:
	case negative:
		p.negPhrases = append(p.negPhrases, words)
	default:
		p.terms = append(p.terms, queryTerm{phrase: words})
	}
}

// typoBudget is how many typos a query word allows (typoTolerance).
func (s *settings) typoBudget(word string) int {
	t := s.TypoTolerance
	n := utf8.RuneCountInString(word)
	switch {
	case !t.Enabled || slices.Contains(t.DisableOnWords, word) || n < t.MinWordSizeForTypos.OneTypo:
		return 0
	case n < t.MinWordSizeForTypos.TwoTypos:
		return 1
	}
	return 2
}

// wordMatch is how a query word matched a document word.
type wordMatch struct {
	typos int
	exact bool // same word, no typo, not a longer word
	// runes of the document word to highlight (all of it but for prefixes).
	hlRunes int
}

// matchWord matches a query word against a document word. As in milli's
// compute_derivations.rs: within budget 1 the first letter must be the
// same; within budget 2 a first-letter typo counts as two.
func matchWord(q string, prefix bool, budget int, w string, synonyms []string) (wordMatch, bool) {
	wn := utf8.RuneCountInString(w)
	switch {
	case q == w:
		return wordMatch{exact: true, hlRunes: wn}, true
	case prefix && strings.HasPrefix(w, q):
		return wordMatch{hlRunes: utf8.RuneCountInString(q)}, true
	case slices.Contains(synonyms, w):
		return wordMatch{hlRunes: wn}, true
	case budget == 0:
		return wordMatch{}, false
	}
	d, length := distance([]rune(q), []rune(w), prefix)
	sameFirst := firstRune(q) == firstRune(w)
	switch {
	case sameFirst && d <= budget:
		return wordMatch{typos: d, hlRunes: length}, true
	case !sameFirst && budget == 2 && d <= 1:
		return wordMatch{typos: 2, hlRunes: length}, true
	}
	return wordMatch{}, false
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance
// of q to w, or with prefix to the closest prefix of w; it also returns
// the length of the part of w that matched.
func distance(q, w []rune, prefix bool) (int, int) {
	rows := make([][]int, len(q)+1)
	for i := range rows {
		rows[i] = make([]int, len(w)+1)
		rows[i][0] = i
	}
	for j := range w {
		rows[0][j+1] = j + 1
	}
	for i := 1; i <= len(q); i++ {
		for j := 1; j <= len(w); j++ {
			cost := 1
			if q[i-1] == w[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && q[i-1] == w[j-2] && q[i-2] == w[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	if !prefix {
		return rows[len(q)][len(w)], len(w)
	}
	best, at := rows[len(q)][0], 0
	for j := 1; j <= len(w); j++ {
		if rows[len(q)][j] < best {
			best, at = rows[len(q)][j], j
		}
	}
	return best, at
}
