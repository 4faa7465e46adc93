package searchtest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// Run runs the conformance suite. open must return a fresh, empty index; the
// suite closes it, and open may register more cleanup with t.Cleanup.
func Run(t *testing.T, open func(t *testing.T) search.Index) {
	o := func(t *testing.T) search.Index {
		idx := open(t)
		t.Cleanup(func() { _ = idx.Close() })
		return idx
	}
	t.Run("Matching", func(t *testing.T) { testMatching(t, o) })
	t.Run("Typos", func(t *testing.T) { testTypos(t, o) })
	t.Run("Prefix", func(t *testing.T) { testPrefix(t, o) })
	t.Run("PhraseAndExclusion", func(t *testing.T) { testPhraseAndExclusion(t, o) })
	t.Run("Permissions", func(t *testing.T) { testPermissions(t, o) })
	t.Run("Filters", func(t *testing.T) { testFilters(t, o) })
	t.Run("Sorting", func(t *testing.T) { testSorting(t, o) })
	t.Run("TimePrecision", func(t *testing.T) { testTimePrecision(t, o) })
	t.Run("Relevance", func(t *testing.T) { testRelevance(t, o) })
	t.Run("Facets", func(t *testing.T) { testFacets(t, o) })
	t.Run("Highlight", func(t *testing.T) { testHighlight(t, o) })
	t.Run("Paging", func(t *testing.T) { testPaging(t, o) })
	t.Run("Writes", func(t *testing.T) { testWrites(t, o) })
	t.Run("Settings", func(t *testing.T) { testSettings(t, o) })
	t.Run("Invalid", func(t *testing.T) { testInvalid(t, o) })
}

type opener = func(t *testing.T) search.Index

type textCase struct {
	name string
	text string
	want []int64
}

func runTextCases(t *testing.T, idx search.Index, cases []textCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectSet(t, run(t, idx, q(tc.text)), tc.want...) })
	}
}

func testMatching(t *testing.T, open opener) {
	idx := loaded(t, open)
	runTextCases(t, idx, []textCase{
		{"one word", "budget ", []int64{1, 3, 8}},
		{"case-insensitive", "BUDGET ", []int64{1, 3, 8}},
		{"diacritics folded in query", "Café ", []int64{5}},
		{"diacritics folded in content", "cafe ", []int64{5}},
		{"all words required", "budget monday ", []int64{1}},
		{"word order free", "monday budget ", []int64{1}},
		{"punctuation ignored", "budget, monday! ", []int64{1}},
		{"no match", "zebra ", nil},
		{"empty text browses", "", []int64{1, 2, 3, 4, 5, 6, 8, 9}},
	})
	t.Run("hit carries the document", func(t *testing.T) {
		res := run(t, idx, q("meeting "))
		if len(res.Hits) != 1 {
			t.Fatalf("hits = %v", ids(res))
		}
		want, got := Docs()[4], res.Hits[0].Doc
		if !got.CreatedAt.Equal(want.CreatedAt) {
			t.Fatalf("created_at = %v, want %v", got.CreatedAt, want.CreatedAt)
		}
		got.CreatedAt = want.CreatedAt
		if got != want {
			t.Fatalf("doc = %+v, want %+v", got, want)
		}
		if res.TookMS < 0 {
			t.Fatalf("took_ms = %d", res.TookMS)
		}
	})
}

// testTypos: one typo from 5 letters, two from 9, none below. Queries end in
// a space so the last word is not a prefix; typos are never in the first
// letter (Meilisearch counts a first-letter typo as two).
func testTypos(t *testing.T, open opener) {
	idx := loaded(t, open)
	runTextCases(t, idx, []textCase{
		{"exact", "release ", []int64{2, 4}},
		{"one typo in 7 letters", "releese ", []int64{2, 4}},
		{"one typo in 6 letters", "budgat ", []int64{1, 3, 8}},
		{"one typo in 5 letters", "notas ", []int64{2, 4}},
		{"two typos in 6 letters", "bidgat ", nil},
		{"one typo in 3 letters", "cet ", nil},
		{"one typo in 6 letters (monday)", "mondey ", []int64{1}},
		{"one typo in 4 letters", "sent ", nil}, // "send"
		{"two typos in 8 letters", "wabsitte ", nil},
		{"one typo in 7 letters (website)", "wabsite ", []int64{6}},
		{"one typo in 9 letters", "quartarly ", []int64{1}},
		{"two typos in 13 letters", "dokumentasion ", []int64{6}},
		{"three typos in 13 letters", "dokumentasiom ", nil},
	})
	t.Run("below five letters exact only", func(t *testing.T) {
		idx := open(t)
		if err := idx.Upsert(context.Background(), []search.Doc{Doc(1, General, Alice, hour, "book club")}); err != nil {
			t.Fatal(err)
		}
		expectSet(t, run(t, idx, q("book ")), 1)
		expectSet(t, run(t, idx, q("boak ")))
		expectSet(t, run(t, idx, q("clup ")))
	})
}

// testPrefix: the last word matches as a prefix unless followed by a space,
// so results update letter by letter.
func testPrefix(t *testing.T, open opener) {
	idx := loaded(t, open)
	runTextCases(t, idx, []textCase{
		{"prefix", "budg", []int64{1, 3, 8}},
		{"finished word is not a prefix", "budg ", nil},
		{"one letter", "q", []int64{1}},
		{"second word as typed", "release no", []int64{2, 4}},
		{"earlier words are whole words", "rel notes", nil},
		{"prefix narrows", "quarterly bu", []int64{1}},
		{"prefix in content with diacritics", "caf", []int64{5}},
		{"complete word still matches as prefix", "budget", []int64{1, 3, 8}},
	})
	t.Run("typed letter by letter", func(t *testing.T) {
		typed := "deployment website"
		for i := 1; i <= len(typed); i++ {
			if typed[i-1] == ' ' {
				continue
			}
			res := run(t, idx, q(typed[:i]))
			found := false
			for _, id := range ids(res) {
				found = found || id == 6
			}
			if !found {
				t.Fatalf("%q: hits %v do not include 6", typed[:i], ids(res))
			}
		}
	})
}

func testPhraseAndExclusion(t *testing.T, open opener) {
	idx := loaded(t, open)
	runTextCases(t, idx, []textCase{
		{"phrase", `"release notes"`, []int64{2}},
		{"phrase case-insensitive", `"Release Notes"`, []int64{2}},
		{"words without phrase", "release notes ", []int64{2, 4}},
		{"phrase and word", `"release notes" friday `, []int64{2}},
		{"exclusion", "budget -draft ", []int64{1, 8}},
		{"exclusion only with prefix", "budget -dra", []int64{1, 3, 8}},
		{"excluded phrase", `release -"release notes" `, []int64{4}},
		{"unterminated phrase", `"release notes`, []int64{2}},
	})
}

func testPermissions(t *testing.T, open opener) {
	idx := loaded(t, open)
	cases := []struct {
		name string
		q    search.Query
		want []int64
	}{
		{"no allowed chats, no text", search.Query{WorkspaceID: WS1}, nil},
		{"no allowed chats, text", search.Query{WorkspaceID: WS1, Text: "budget"}, nil},
		{"allowed narrows", search.Query{WorkspaceID: WS1, AllowedChatIDs: []int64{General}, Text: "budget"}, []int64{1, 8}},
		{"filter cannot widen", search.Query{WorkspaceID: WS1, AllowedChatIDs: []int64{General}, ChatIDs: []int64{Finance}, Text: "budget"}, nil},
		{"filter narrows", search.Query{WorkspaceID: WS1, AllowedChatIDs: WS1Chats, ChatIDs: []int64{Finance, OtherGeneral}, Text: "budget"}, []int64{3}},
		{"other workspace's chat in allowed", search.Query{WorkspaceID: WS1, AllowedChatIDs: []int64{OtherGeneral}, Text: "budget"}, nil},
		{"workspace always filtered", search.Query{WorkspaceID: WS2, AllowedChatIDs: WS1Chats, Text: "budget"}, nil},
		{"own workspace", search.Query{WorkspaceID: WS2, AllowedChatIDs: []int64{OtherGeneral}, Text: "budget"}, []int64{7}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectSet(t, run(t, idx, tc.q), tc.want...) })
	}
	t.Run("facets only over allowed chats", func(t *testing.T) {
		qq := search.Query{WorkspaceID: WS1, AllowedChatIDs: []int64{General}, Facets: allFacets}
		res := run(t, idx, qq)
		expectFacet(t, res, search.FacetChat, map[string]int{"10": 3})
		expectFacet(t, res, search.FacetSender, map[string]int{"100": 1, "101": 1, "102": 1})
		expectFacet(t, res, search.FacetChatType, map[string]int{"public_channel": 3})
	})
	t.Run("empty allowed has no facets", func(t *testing.T) {
		res := run(t, idx, search.Query{WorkspaceID: WS1, Facets: allFacets})
		for f, vs := range res.Facets {
			if len(vs) > 0 {
				t.Fatalf("facet %s = %v, want empty", f, vs)
			}
		}
	})
}

func testFilters(t *testing.T, open opener) {
	idx := loaded(t, open)
	with := func(text string, f func(*search.Query)) search.Query {
		qq := q(text)
		f(&qq)
		return qq
	}
	cases := []struct {
		name string
		q    search.Query
		want []int64
	}{
		{"sender", with("budget", func(q *search.Query) { q.SenderIDs = []int64{Alice} }), []int64{1, 3}},
		{"senders ORed", with("", func(q *search.Query) { q.SenderIDs = []int64{Alice, Carol} }), []int64{1, 3, 4, 6, 8}},
		{"chat type", with("budget", func(q *search.Query) { q.ChatTypes = []model.ChatType{model.ChatPrivateChannel} }), []int64{3}},
		{"chat types ORed", with("", func(q *search.Query) {
			q.ChatTypes = []model.ChatType{model.ChatDirect, model.ChatGroup}
		}), []int64{5, 6, 9}},
		{"from inclusive, to exclusive", with("budget", func(q *search.Query) {
			q.From, q.To = Now.Add(-20*day).Truncate(time.Second), Now.Add(-2*hour)
		}), []int64{3, 8}},
		{"from only", with("", func(q *search.Query) { q.From = Now.Add(-4 * hour) }), []int64{1, 5}},
		{"to only", with("", func(q *search.Query) { q.To = Now.Add(-30 * day) }), []int64{4, 9}},
		{"chat filter", with("", func(q *search.Query) { q.ChatIDs = []int64{Trip} }), []int64{6, 9}},
		{"combined", with("", func(q *search.Query) {
			q.ChatIDs, q.SenderIDs = []int64{General, Finance}, []int64{Carol}
		}), []int64{4, 8}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { expectSet(t, run(t, idx, tc.q), tc.want...) })
	}
}

func testSorting(t *testing.T, open opener) {
	idx := loaded(t, open)
	newest := func(text string) search.Query { qq := q(text); qq.Sort = search.SortNewest; return qq }
	expectOrder(t, run(t, idx, newest("budget")), 1, 3, 8)
	expectOrder(t, run(t, idx, newest("")), 1, 5, 2, 6, 3, 8, 4, 9)
}

// testRelevance: exact matches before typo matches, then newer before older
// when the text scores tie, and the caller's boosts.
func testRelevance(t *testing.T, open opener) {
	idx := open(t)
	ctx := context.Background()
	docs := []search.Doc{
		Doc(1, General, Alice, 30*day, "planning the budget"),
		Doc(2, General, Alice, 1*day, "planning the budgat"), // typo in the content
		Doc(3, General, Bob, 300*day, "rocket launch schedule"),
		Doc(4, General, Bob, 1*day, "rocket launch schedule"),
		Doc(5, DM, Carol, 10*day, "lunch menu ideas"),
		Doc(6, Trip, Carol, 10*day, "lunch menu ideas"),
		Doc(7, Finance, Carol, 10*day, "lunch menu ideas"),
	}
	if err := idx.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	t.Run("exact before typo", func(t *testing.T) { expectOrder(t, run(t, idx, q("budget ")), 1, 2) })
	t.Run("newer first on equal text", func(t *testing.T) { expectOrder(t, run(t, idx, q("rocket launch")), 4, 3) })
	t.Run("direct chat boosted", func(t *testing.T) {
		qq := q("lunch menu")
		qq.ChatIDs = []int64{DM, Trip}
		expectOrder(t, run(t, idx, qq), 5, 6)
	})
	t.Run("frequent chat boosted", func(t *testing.T) {
		qq := q("lunch menu")
		qq.ChatIDs, qq.FrequentChatIDs = []int64{Trip, Finance}, []int64{Finance}
		expectOrder(t, run(t, idx, qq), 7, 6)
		qq.FrequentChatIDs = []int64{Trip}
		expectOrder(t, run(t, idx, qq), 6, 7)
	})
}

var allFacets = []search.Facet{search.FacetSender, search.FacetChat, search.FacetChatType, search.FacetDate}

func expectFacet(t *testing.T, res search.Result, f search.Facet, want map[string]int) {
	t.Helper()
	got := map[string]int{}
	prev := -1
	for _, v := range res.Facets[f] {
		got[v.Value] = v.Count
		if f != search.FacetDate && prev >= 0 && v.Count > prev {
			t.Fatalf("facet %s not by descending count: %v", f, res.Facets[f])
		}
		prev = v.Count
	}
	if len(got) != len(want) {
		t.Fatalf("facet %s = %v, want %v", f, got, want)
	}
	for k, n := range want {
		if got[k] != n {
			t.Fatalf("facet %s = %v, want %v", f, got, want)
		}
	}
}

func facetLabel(res search.Result, f search.Facet, value string) string {
	for _, v := range res.Facets[f] {
		if v.Value == value {
			return v.Label
		}
	}
	return "<missing>"
}

func testFacets(t *testing.T, open opener) {
	idx := loaded(t, open)
	qq := q("")
	qq.Facets, qq.Limit = allFacets, 1
	res := run(t, idx, qq)
	expectFacet(t, res, search.FacetSender, map[string]int{"100": 2, "101": 3, "102": 3})
	expectFacet(t, res, search.FacetChat, map[string]int{"10": 3, "11": 2, "12": 1, "13": 2})
	expectFacet(t, res, search.FacetChatType, map[string]int{"public_channel": 3, "private_channel": 2, "direct": 1, "group": 2})
	expectFacet(t, res, search.FacetDate, map[string]int{"day": 2, "week": 2, "month": 2, "older": 2})
	if l := facetLabel(res, search.FacetSender, "100"); l != aliceName {
		t.Fatalf("sender label = %q", l)
	}
	if l := facetLabel(res, search.FacetChat, "11"); l != "finance" {
		t.Fatalf("chat label = %q", l)
	}
	if l := facetLabel(res, search.FacetDate, "day"); l != search.DateBuckets[0].Label {
		t.Fatalf("date label = %q", l)
	}
	var order []string
	for _, v := range res.Facets[search.FacetDate] {
		order = append(order, v.Value)
	}
	if strings.Join(order, ",") != "day,week,month,older" {
		t.Fatalf("date buckets in order %v", order)
	}
	t.Run("facets follow the query", func(t *testing.T) {
		qq := q("budget")
		qq.Facets = allFacets
		res := run(t, idx, qq)
		expectFacet(t, res, search.FacetSender, map[string]int{"100": 2, "102": 1})
		expectFacet(t, res, search.FacetDate, map[string]int{"day": 1, "month": 2})
	})
	t.Run("unrequested facets absent", func(t *testing.T) {
		res := run(t, idx, q("budget"))
		if len(res.Facets[search.FacetSender]) != 0 {
			t.Fatalf("facets = %v", res.Facets)
		}
	})
}

func testHighlight(t *testing.T, open opener) {
	idx := loaded(t, open)
	hl := func(text string, id int64) string {
		t.Helper()
		for _, h := range run(t, idx, q(text)).Hits {
			if h.Doc.ID == id {
				return h.Highlight
			}
		}
		t.Fatalf("%q: no hit %d", text, id)
		return ""
	}
	cases := []struct {
		name, text string
		id         int64
		contains   []string
	}{
		{"word", "budget", 1, []string{"<mark>budget</mark>"}},
		{"original case kept", "budget", 3, []string{"<mark>Budget</mark>"}},
		{"prefix marks the word start", "rev", 1, []string{"<mark>rev"}},
		{"two words", "quarterly monday", 1, []string{"<mark>quarterly</mark>", "<mark>Monday</mark>"}},
		{"escaped", "budget", 8, []string{"&lt;script&gt;", "&lt;mark&gt;fake&lt;/mark&gt;", "&amp;", "<mark>budget</mark>"}},
		{"browse shows start", "", 2, []string{"Please send"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := hl(tc.text, tc.id)
			if markupLeft(h) {
				t.Fatalf("highlight has markup other than <mark>: %q", h)
			}
			for _, c := range tc.contains {
				if !strings.Contains(h, c) {
					t.Fatalf("highlight %q does not contain %q", h, c)
				}
			}
		})
	}
}

func testPaging(t *testing.T, open opener) {
	idx := loaded(t, open)
	page := func(limit, offset int) search.Result {
		qq := q("")
		qq.Sort, qq.Limit, qq.Offset = search.SortNewest, limit, offset
		return run(t, idx, qq)
	}
	res := page(3, 0)
	expectOrder(t, res, 1, 5, 2)
	if res.Total != 8 {
		t.Fatalf("total = %d, want 8", res.Total)
	}
	expectOrder(t, page(3, 6), 4, 9)
	expectOrder(t, page(3, 8))
	if n := len(page(0, 0).Hits); n != 8 {
		t.Fatalf("default limit gave %d hits", n)
	}
}

func testWrites(t *testing.T, open opener) {
	ctx := context.Background()
	idx := loaded(t, open)
	mustCount := func(ws int64, want int) {
		t.Helper()
		n, err := idx.Count(ctx, ws)
		if err != nil || n != want {
			t.Fatalf("count(%d) = %d, %v; want %d", ws, n, err, want)
		}
	}
	mustCount(WS1, 8)
	mustCount(0, 9)
	t.Run("upsert is idempotent", func(t *testing.T) {
		if err := idx.Upsert(ctx, Docs()); err != nil {
			t.Fatal(err)
		}
		mustCount(WS1, 8)
	})
	t.Run("edit replaces text", func(t *testing.T) {
		d := Docs()[0]
		d.Content = "pizza party on Friday"
		if err := idx.Upsert(ctx, []search.Doc{d}); err != nil {
			t.Fatal(err)
		}
		expectSet(t, run(t, idx, q("budget")), 3, 8)
		expectSet(t, run(t, idx, q("pizza")), 1)
		expectSet(t, run(t, idx, q("quarterly")))
	})
	t.Run("delete", func(t *testing.T) {
		if err := idx.Delete(ctx, WS1, []int64{2, 999}); err != nil {
			t.Fatal(err)
		}
		expectSet(t, run(t, idx, q("release")), 4)
		mustCount(WS1, 7)
	})
	t.Run("rename chat", func(t *testing.T) {
		if err := idx.UpdateChat(ctx, search.ChatInfo{ID: General, WorkspaceID: WS1, Type: model.ChatPublicChannel, Name: "town-square"}); err != nil {
			t.Fatal(err)
		}
		qq := q("")
		qq.ChatIDs, qq.Facets = []int64{General}, []search.Facet{search.FacetChat}
		res := run(t, idx, qq)
		for _, h := range res.Hits {
			if h.Doc.ChatName != "town-square" {
				t.Fatalf("hit %d chat name %q", h.Doc.ID, h.Doc.ChatName)
			}
		}
		if l := facetLabel(res, search.FacetChat, "10"); l != "town-square" {
			t.Fatalf("chat facet label %q", l)
		}
	})
	t.Run("delete chat", func(t *testing.T) {
		if err := idx.DeleteChat(ctx, WS1, Finance); err != nil {
			t.Fatal(err)
		}
		expectSet(t, run(t, idx, q("budget")), 8)
		mustCount(WS1, 5)
	})
	t.Run("delete workspace", func(t *testing.T) {
		if err := idx.DeleteWorkspace(ctx, WS2); err != nil {
			t.Fatal(err)
		}
		mustCount(WS2, 0)
		mustCount(WS1, 5)
	})
}

func testSettings(t *testing.T, open opener) {
	ctx := context.Background()
	idx := loaded(t, open)
	got, err := idx.Settings(ctx, WS1)
	if err != nil {
		t.Fatal(err)
	}
	if !equalSettings(got, search.DefaultSettings()) {
		t.Fatalf("default settings = %+v", got)
	}
	set := search.DefaultSettings()
	set.StopWords = []string{"the"}
	set.Synonyms = map[string][]string{"car": {"automobile"}}
	set.RecencyWeight = 0.5
	if err := idx.SetSettings(ctx, WS1, set); err != nil {
		t.Fatal(err)
	}
	if got, _ := idx.Settings(ctx, WS1); !equalSettings(got, set) {
		t.Fatalf("settings = %+v, want %+v", got, set)
	}
	runTextCases(t, idx, []textCase{
		{"synonym", "car ", []int64{9}},
		{"stop word ignored", "the budget ", []int64{1, 3, 8}},
		{"only stop words still search", "the ", []int64{1, 2, 4, 5, 6, 9}},
	})
	t.Run("other workspace unaffected", func(t *testing.T) {
		got, _ := idx.Settings(ctx, WS2)
		if !equalSettings(got, search.DefaultSettings()) {
			t.Fatalf("ws2 settings = %+v", got)
		}
		qq := search.Query{WorkspaceID: WS2, AllowedChatIDs: []int64{OtherGeneral}, Text: "the budget ", Now: Now}
		expectSet(t, run(t, idx, qq))
	})
}

func equalSettings(a, b search.Settings) bool {
	if a.RecencyWeight != b.RecencyWeight || a.RecencyHalfLife != b.RecencyHalfLife ||
		a.DirectChatBoost != b.DirectChatBoost || a.FrequentChatBoost != b.FrequentChatBoost ||
		strings.Join(a.StopWords, ",") != strings.Join(b.StopWords, ",") || len(a.Synonyms) != len(b.Synonyms) {
		return false
	}
	for k, v := range a.Synonyms {
		if strings.Join(v, ",") != strings.Join(b.Synonyms[k], ",") {
			return false
		}
	}
	return true
}

func testInvalid(t *testing.T, open opener) {
	idx := open(t)
	for _, tc := range []struct {
		name string
		q    search.Query
	}{
		{"no workspace", search.Query{AllowedChatIDs: []int64{1}}},
		{"bad sort", search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{1}, Sort: "oldest"}},
		{"bad facet", search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{1}, Facets: []search.Facet{"colour"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := idx.Search(context.Background(), tc.q); !errors.Is(err, search.ErrInvalidQuery) {
				t.Fatalf("err = %v, want ErrInvalidQuery", err)
			}
		})
	}
	t.Run("close is idempotent", func(t *testing.T) {
		if err := idx.Close(); err != nil {
			t.Fatal(err)
		}
		if err := idx.Close(); err != nil {
			t.Fatal(err)
		}
	})
}
