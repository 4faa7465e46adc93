package bot

import (
	"strings"
	"testing"
)

func TestChunkText(t *testing.T) {
	var b strings.Builder
	for i := range 300 {
		b.WriteString("Sentence number ")
		b.WriteString(itoa(int64(i)))
		b.WriteString(" talks about the release train. ")
		if i%10 == 9 {
			b.WriteString("\n\n")
		}
	}
	text := b.String()
	chunks := chunkText(text)
	if len(chunks) < 10 {
		t.Fatalf("%d chunks from %d runes", len(chunks), len(text))
	}
	for i, c := range chunks {
		if n := len([]rune(c)); n > chunkRunes {
			t.Errorf("chunk %d has %d runes", i, n)
		}
		if i > 0 {
			// Overlap: the previous chunk's tail starts this one.
			prev := chunks[i-1]
			head := c[:40]
			if !strings.Contains(prev, head) {
				t.Errorf("chunk %d does not overlap the one before: %q", i, head)
			}
		}
	}
	for _, want := range []string{"Sentence number 0 ", "Sentence number 299 "} {
		found := false
		for _, c := range chunks {
			found = found || strings.Contains(c, want)
		}
		if !found {
			t.Errorf("%q is in no chunk", want)
		}
	}
	if got := chunkText("  short  "); len(got) != 1 || got[0] != "short" {
		t.Errorf("short text = %q", got)
	}
	if got := chunkText(strings.Repeat("x", 2500)); len(got) < 3 {
		t.Errorf("a text without spaces = %d chunks", len(got))
	}
	if chunkText(" \n ") != nil {
		t.Error("blank text has chunks")
	}
}
