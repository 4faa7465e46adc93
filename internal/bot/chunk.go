package bot

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Chunking of knowledge documents: pieces of about chunkRunes, each
// repeating the last chunkOverlap runes of the one before, so a sentence
// cut at a boundary is whole in one of them.
const (
	chunkRunes   = 1000
	chunkOverlap = 200
)

// chunkText cuts text into overlapping chunks, preferring to end a chunk
// at a paragraph break, then a line break, then a sentence end, then a
// space, in the last third of the window.
func chunkText(text string) []string {
	text = strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n"))
	if text == "" {
		return nil
	}
	r := []rune(text)
	var out []string
	for start := 0; start < len(r); {
		end := min(start+chunkRunes, len(r))
		if end < len(r) {
			end = cutPoint(r, start+chunkRunes*2/3, end)
		}
		if c := strings.TrimSpace(string(r[start:end])); c != "" {
			out = append(out, c)
		}
		if end >= len(r) {
			break
		}
		next := end - chunkOverlap
		// Start the overlap at a word, and always move forward.
		for next > start && next < end && !unicode.IsSpace(r[next-1]) {
			next++
		}
		start = max(next, start+1)
	}
	return out
}

// cutPoint is the best place to end a chunk within r[lo:hi].
func cutPoint(r []rune, lo, hi int) int {
	for _, sep := range []string{"\n\n", "\n", ". ", "? ", "! ", " "} {
		s := []rune(sep)
		for i := hi - len(s); i >= lo; i-- {
			if string(r[i:i+len(s)]) == sep {
				return i + len(s)
			}
		}
	}
	return hi
}

// validText reports whether b is text a person wrote: UTF-8 without NUL
// bytes (a binary file uploaded by mistake is neither).
func validText(b []byte) bool {
	return utf8.Valid(b) && !strings.ContainsRune(string(b), 0)
}
