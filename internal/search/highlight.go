package search

import (
	"crypto/rand"
	"encoding/hex"
	"html"
	"strings"
)

// HighlightTags are pre and post tags that an engine wraps around matches.
// They are random per process, so content cannot forge them; SafeHighlight
// turns them into <mark> after escaping everything else.
type HighlightTags struct{ Pre, Post string }

// NewHighlightTags makes a fresh, unguessable pair of tags made only of
// characters that HTML escaping leaves alone.
func NewHighlightTags() HighlightTags {
	b := make([]byte, 8)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	n := hex.EncodeToString(b)
	return HighlightTags{Pre: "fcmark" + n + "o", Post: "fcmark" + n + "c"}
}

// SafeHighlight renders an engine's highlighted fragment (untrusted: it
// contains message text) as HTML: everything escaped, then the tags swapped
// for <mark> and </mark>, balanced, never nested.
func SafeHighlight(fragment string, t HighlightTags) string {
	esc := html.EscapeString(fragment)
	var b strings.Builder
	open := false
	for len(esc) > 0 {
		i := strings.Index(esc, t.Pre)
		j := strings.Index(esc, t.Post)
		if i < 0 && j < 0 {
			b.WriteString(esc)
			break
		}
		if i < 0 || (j >= 0 && j < i) {
			b.WriteString(esc[:j])
			if open {
				b.WriteString("</mark>")
				open = false
			}
			esc = esc[j+len(t.Post):]
			continue
		}
		b.WriteString(esc[:i])
		if !open {
			b.WriteString("<mark>")
			open = true
		}
		esc = esc[i+len(t.Pre):]
	}
	if open {
		b.WriteString("</mark>")
	}
	return b.String()
}

// Span is a byte range [Start, End) of a text.
type Span struct{ Start, End int }

// Snippet cuts a window of about maxRunes runes of text around the first
// match and marks every span inside it, escaping the rest. Spans must be
// sorted and not overlap. Cut ends get an ellipsis.
func Snippet(text string, spans []Span, maxRunes int) string {
	from, to := window(text, spans, maxRunes)
	var b strings.Builder
	if from > 0 {
		b.WriteString("…")
	}
	pos := from
	for _, s := range spans {
		if s.Start < pos || s.End > to {
			continue
		}
		b.WriteString(html.EscapeString(text[pos:s.Start]))
		b.WriteString("<mark>")
		b.WriteString(html.EscapeString(text[s.Start:s.End]))
		b.WriteString("</mark>")
		pos = s.End
	}
	b.WriteString(html.EscapeString(text[pos:to]))
	if to < len(text) {
		b.WriteString("…")
	}
	return b.String()
}

// window picks byte bounds of the snippet: start a little before the first
// span, on a rune boundary, preferring a word boundary. It works on byte
// offsets of runes, so invalid UTF-8 cannot shift it.
func window(text string, spans []Span, maxRunes int) (int, int) {
	var starts []int // byte offset of each rune
	for i := range text {
		starts = append(starts, i)
	}
	if maxRunes <= 0 || len(starts) <= maxRunes {
		return 0, len(text)
	}
	first := 0 // rune index of the first span
	if len(spans) > 0 {
		for first < len(starts) && starts[first] < spans[0].Start {
			first++
		}
	}
	start := max(0, first-maxRunes/4)
	for k := start; k > 0 && k > start-10; k-- { // back up to a space
		if text[starts[k-1]] == ' ' {
			start = k
			break
		}
	}
	end := min(len(starts), start+maxRunes)
	if end == len(starts) {
		start = max(0, end-maxRunes)
	}
	to := len(text)
	if end < len(starts) {
		to = starts[end]
	}
	return starts[start], to
}
