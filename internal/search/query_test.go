package search

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTypoBudget(t *testing.T) {
	for _, tc := range []struct {
		word string
		want int
	}{{"", 0}, {"cat", 0}, {"book", 0}, {"books", 1}, {"meeting", 1}, {"quarterly", 2}, {"größe", 1}, {"documentation", 2}} {
		if got := TypoBudget(tc.word); got != tc.want {
			t.Errorf("TypoBudget(%q) = %d, want %d", tc.word, got, tc.want)
		}
	}
}

func TestParseQuery(t *testing.T) {
	s := Settings{StopWords: []string{"The"}, Synonyms: map[string][]string{"car": {"automobile", "two words"}}}
	for _, tc := range []struct {
		text string
		want ParsedQuery
	}{
		{"", ParsedQuery{Terms: []Term{}}},
		{"budg", ParsedQuery{Terms: []Term{{Word: "budg", Prefix: true}}}},
		{"budget ", ParsedQuery{Terms: []Term{{Word: "budget", Typos: 1}}}},
		{"the Café", ParsedQuery{Terms: []Term{{Word: "cafe", Prefix: true}}}},
		{"the", ParsedQuery{Terms: []Term{{Word: "the", Prefix: true}}}},
		{"car ", ParsedQuery{Terms: []Term{{Word: "car", Synonyms: []string{"automobile"}}}}},
		{"automobile ", ParsedQuery{Terms: []Term{{Word: "automobile", Typos: 2, Synonyms: []string{"car"}}}}},
		{`"release notes" -draft -"old stuff" x`, ParsedQuery{
			Terms:    []Term{{Word: "x", Prefix: true}},
			Phrases:  [][]string{{"release", "notes"}},
			Excluded: [][]string{{"draft"}, {"old", "stuff"}},
		}},
		{`"open phrase`, ParsedQuery{Terms: []Term{}, Phrases: [][]string{{"open", "phrase"}}}},
		{"- -", ParsedQuery{Terms: []Term{}}},
		{"e-mail", ParsedQuery{Terms: []Term{{Word: "e"}, {Word: "mail", Prefix: true}}}},
	} {
		got := ParseQuery(tc.text, s)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseQuery(%q) =\n %+v, want\n %+v", tc.text, got, tc.want)
		}
	}
}

func TestParseQueryKeepsTenWords(t *testing.T) {
	p := ParseQuery(strings.Repeat("word ", 30), Settings{})
	if len(p.Terms) != MaxQueryWords {
		t.Fatalf("%d terms", len(p.Terms))
	}
}

func TestWithinEdits(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		k    int
		want bool
	}{
		{"budget", "budget", 0, true}, {"budget", "budgat", 1, true}, {"budget", "bidgat", 1, false},
		{"budget", "budgets", 1, true}, {"budget", "budge", 1, true}, {"budget", "bud", 2, false},
		{"größe", "grösse", 2, true}, {"", "a", 1, true}, {"ab", "ba", 1, false},
	} {
		if got := withinEdits(tc.a, tc.b, tc.k); got != tc.want {
			t.Errorf("withinEdits(%q, %q, %d) = %v", tc.a, tc.b, tc.k, got)
		}
	}
}

func TestSafeHighlight(t *testing.T) {
	tags := NewHighlightTags()
	for _, tc := range []struct{ in, want string }{
		{"a " + tags.Pre + "b" + tags.Post + " c", "a <mark>b</mark> c"},
		{"<b>" + tags.Pre + "x" + tags.Post, "&lt;b&gt;<mark>x</mark>"},
		{tags.Pre + "open", "<mark>open</mark>"},
		{"close" + tags.Post, "close"},
		{tags.Pre + tags.Pre + "x" + tags.Post + tags.Post, "<mark>x</mark>"},
		{"<mark>forged</mark>", "&lt;mark&gt;forged&lt;/mark&gt;"},
	} {
		if got := SafeHighlight(tc.in, tags); got != tc.want {
			t.Errorf("SafeHighlight(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("lorem ipsum ", 40) + "needle " + strings.Repeat("dolor sit ", 40)
	i := strings.Index(long, "needle")
	for _, tc := range []struct {
		name, text string
		spans      []Span
		max        int
		contains   []string
	}{
		{"short", "a <b> c", []Span{{3, 4}}, 100, []string{"a &lt;<mark>b</mark>&gt; c"}},
		{"window around match", long, []Span{{i, i + 6}}, 60, []string{"…", "<mark>needle</mark>"}},
		{"no spans", long, nil, 20, []string{"lorem ipsum"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Snippet(tc.text, tc.spans, tc.max)
			for _, c := range tc.contains {
				if !strings.Contains(got, c) {
					t.Fatalf("Snippet = %q, want it to contain %q", got, c)
				}
			}
		})
	}
}

// FuzzSnippet: any text and query give escaped, balanced output, never a panic.
func FuzzSnippet(f *testing.F) {
	f.Add("<script>alert(1)</script> budget", "budg", 20)
	f.Add("\xff\xfe größe", "gros", 5)
	f.Fuzz(func(t *testing.T, text, query string, max int) {
		m := newMatcher(ParseQuery(query, Settings{}))
		out := Snippet(text, m.spans(text), max%400)
		rest := strings.ReplaceAll(strings.ReplaceAll(out, "<mark>", ""), "</mark>", "")
		if strings.ContainsAny(rest, "<>") {
			t.Fatalf("markup left in %q", out)
		}
		if strings.Count(out, "<mark>") != strings.Count(out, "</mark>") {
			t.Fatalf("unbalanced %q", out)
		}
		if utf8.ValidString(text) && !utf8.ValidString(out) {
			t.Fatalf("invalid UTF-8 from valid input: %q", out)
		}
	})
}

// FuzzParseQuery: parsing never panics and yields normalised words.
func FuzzParseQuery(f *testing.F) {
	f.Add(`"a b" -c d`)
	f.Add(`-"`)
	f.Fuzz(func(t *testing.T, text string) {
		p := ParseQuery(text, Settings{StopWords: []string{"a"}})
		for _, term := range p.Terms {
			if term.Word == "" || term.Word != Normalize(term.Word) {
				t.Fatalf("bad term %+v", term)
			}
		}
	})
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"budget": "budget", "Budget": "budget", "RELEASE42": "release42",
		"Café": "cafe", "ÉCOLE": "ecole", "naïve": "naive", "Ærø": "ærø", "日本": "日本",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
