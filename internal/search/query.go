package search

import (
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// MaxQueryWords bounds the words of a query that count, as Meilisearch does
// (only its first 10 words count): longer queries cost more without helping.
const MaxQueryWords = 10

// Term is one required word of a parsed query.
type Term struct {
	// Word is normalised (see Normalize).
	Word string
	// Prefix makes Word match any word it starts (the last word as typed).
	Prefix bool
	// Typos is how many edits a match may need (TypoBudget).
	Typos int
	// Synonyms also match, exactly, in place of Word.
	Synonyms []string
}

// ParsedQuery is a query split into what must match and what must not.
type ParsedQuery struct {
	Terms    []Term
	Phrases  [][]string // each a sequence of normalised words that must appear in order
	Excluded [][]string // single words or phrases that must not appear
}

// Empty reports whether the query asks for no words at all (browse mode).
func (p ParsedQuery) Empty() bool { return len(p.Terms) == 0 && len(p.Phrases) == 0 }

// TypoBudget is how many typos a query word of this length tolerates: none
// below 5 letters, one from 5, two from 9 (Meilisearch's defaults).
func TypoBudget(word string) int {
	switch n := utf8.RuneCountInString(word); {
	case n >= 9:
		return 2
	case n >= 5:
		return 1
	}
	return 0
}

// ParseQuery parses user query text. Words are ANDed; the last bare word is
// a prefix unless the text ends in a space; "..." is a phrase; -word and
// -"..." exclude. Stop words are dropped from bare words (not from phrases),
// unless that would leave no word at all.
func ParseQuery(text string, s Settings) ParsedQuery {
	var p ParsedQuery
	toks := lexQuery(text)
	var bare []lexToken
	for _, t := range toks {
		words := Tokenize(t.text)
		switch {
		case len(words) == 0:
		case t.negated:
			p.Excluded = append(p.Excluded, words)
		case t.quoted:
			p.Phrases = append(p.Phrases, words)
		default:
			for i, w := range words {
				// Only the very last word of the text can be unfinished.
				bare = append(bare, lexToken{text: w, last: t.last && i == len(words)-1})
			}
		}
	}
	p.Terms = buildTerms(bare, s, endsInSpace(text))
	return p
}

func buildTerms(bare []lexToken, s Settings, trailingSpace bool) []Term {
	kept := slices.DeleteFunc(slices.Clone(bare), func(t lexToken) bool { return isStopWord(s, t.text) })
	if len(kept) == 0 {
		kept = bare
	}
	if len(kept) > MaxQueryWords {
		kept = kept[:MaxQueryWords]
	}
	terms := make([]Term, 0, len(kept))
	for _, t := range kept {
		terms = append(terms, Term{
			Word: t.text, Prefix: t.last && !trailingSpace,
			Typos: TypoBudget(t.text), Synonyms: synonymsOf(s, t.text),
		})
	}
	return terms
}

func isStopWord(s Settings, w string) bool {
	for _, sw := range s.StopWords {
		if Normalize(sw) == w {
			return true
		}
	}
	return false
}

// synonymsOf returns the normalised single-word synonyms of w, both ways:
// "car": ["automobile"] makes "car" find "automobile" and back.
func synonymsOf(s Settings, w string) []string {
	var out []string
	add := func(v string) {
		if v = Normalize(v); v != "" && v != w && !slices.Contains(out, v) && !strings.Contains(v, " ") {
			out = append(out, v)
		}
	}
	for k, vs := range s.Synonyms {
		if Normalize(k) == w {
			for _, v := range vs {
				add(v)
			}
		}
		for _, v := range vs {
			if Normalize(v) == w {
				add(k)
			}
		}
	}
	slices.Sort(out)
	return out
}

func endsInSpace(text string) bool {
	r, _ := utf8.DecodeLastRuneInString(text)
	return unicode.IsSpace(r)
}

type lexToken struct {
	text            string
	quoted, negated bool
	last            bool // the token is at the end of the text
}

// lexQuery splits text into bare words, quoted phrases and negations. An
// unterminated quote runs to the end of the text.
func lexQuery(text string) []lexToken {
	var out []lexToken
	rs := []rune(text)
	for i := 0; i < len(rs); {
		if unicode.IsSpace(rs[i]) {
			i++
			continue
		}
		tok := lexToken{}
		if rs[i] == '-' && i+1 < len(rs) && !unicode.IsSpace(rs[i+1]) {
			tok.negated = true
			i++
		}
		start, end := i, i
		if rs[i] == '"' {
			tok.quoted = true
			start = i + 1
			end = start
			for end < len(rs) && rs[end] != '"' {
				end++
			}
			i = min(end+1, len(rs))
		} else {
			for end < len(rs) && !unicode.IsSpace(rs[end]) {
				end++
			}
			i = end
		}
		tok.text = string(rs[start:end])
		tok.last = i >= len(rs) && !tok.quoted
		out = append(out, tok)
	}
	return out
}

// Normalize lowercases s and removes diacritics ("Café" -> "cafe").
func Normalize(s string) string {
	switch asciiCase(s) {
	case plainLower:
		return s
	case plainASCII: // no diacritics to remove
		return strings.ToLower(s)
	}
	fold := folds.Get().(transform.Transformer)
	defer folds.Put(fold)
	out, _, err := transform.String(fold, s) // resets fold first
	if err != nil {
		out = s
	}
	return strings.ToLower(out)
}

// folds are diacritic-removing transformers; a chain holds state, so each
// is used by one call at a time.
var folds = sync.Pool{New: func() any {
	return transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
}}

const (
	plainLower = iota // lowercase ASCII only
	plainASCII        // ASCII with capitals
	nonASCII
)

func asciiCase(s string) int {
	c := plainLower
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= 0x80:
			return nonASCII
		case 'A' <= b && b <= 'Z':
			c = plainASCII
		}
	}
	return c
}
