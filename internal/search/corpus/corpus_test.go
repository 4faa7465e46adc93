package corpus

import (
	"testing"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/search"
)

func collect(t *testing.T, c *Corpus) []search.Doc {
	t.Helper()
	var out []search.Doc
	if err := c.Each(300, func(d []search.Doc) error { out = append(out, d...); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCorpus(t *testing.T) {
	cfg := Config{Messages: 2000, Seed: 9}
	a, b := collect(t, New(cfg)), collect(t, New(cfg))
	if len(a) != 2000 {
		t.Fatalf("%d messages", len(a))
	}
	chats := map[int64]bool{}
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("message %d differs between runs: %+v vs %+v", i, a[i], b[i])
		}
		if !utf8.ValidString(a[i].Content) || a[i].Content == "" {
			t.Fatalf("bad content %q", a[i].Content)
		}
		if i > 0 && a[i].CreatedAt.Before(a[i-1].CreatedAt) {
			t.Fatalf("message %d older than the one before", i)
		}
		chats[a[i].ChatID] = true
	}
	if len(chats) < 100 {
		t.Fatalf("only %d chats used", len(chats))
	}
	c := New(cfg)
	if len(c.Chats) != 500 || len(c.Users) != 200 {
		t.Fatalf("%d chats, %d users", len(c.Chats), len(c.Users))
	}
}
