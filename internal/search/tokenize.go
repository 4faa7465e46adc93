package search

import (
	"unicode"
	"unicode/utf8"
)

// Token is one word of a text: its normalised form and where it stands.
type Token struct {
	// Word is normalised (Normalize).
	Word string
	// Start and End are byte offsets of the original word in the text.
	Start, End int
	// Pos counts words from 1.
	Pos int
}

// isWordRune reports whether r belongs to a word: letters, digits, and the
// combining marks that decorate them.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// TokenizeSpans splits text into words (runs of letters and digits), keeping
// their byte offsets. Every engine indexes and queries with this one
// tokenizer, so index and query always agree.
func TokenizeSpans(text string) []Token {
	var out []Token
	start := -1
	flush := func(end int) {
		if start < 0 {
			return
		}
		if w := Normalize(text[start:end]); w != "" {
			out = append(out, Token{Word: w, Start: start, End: end, Pos: len(out) + 1})
		}
		start = -1
	}
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		switch {
		case isWordRune(r) && start < 0:
			start = i
		case !isWordRune(r):
			flush(i)
		}
		i += n
	}
	flush(len(text))
	return out
}

// Tokenize splits text into normalised words (see TokenizeSpans).
func Tokenize(text string) []string {
	toks := TokenizeSpans(text)
	out := make([]string, len(toks))
	for i, t := range toks {
		out[i] = t.Word
	}
	return out
}
