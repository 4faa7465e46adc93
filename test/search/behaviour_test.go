package search

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// behWorld is workspace Lab: alice and bob, an engineering channel, a
// private ops channel and their direct chat.
type behWorld struct {
	eng, ops, dm model.ChatSummary
	// msgs in the order sent: 0 deployment/kubernetes, 1 cat/coffee/deck,
	// 2 database/rollout/merge, 3 "these exact words", 4 "words ... exact",
	// 5 <script> deployment, 6 quarterly report.
	msgs []sent
}

func (s *suite) behaviourWorld(t *testing.T) {
	w := &s.beh
	var err error
	s.lab, err = s.alice.c.CreateWorkspace(s.ctx, "Lab")
	mustDo(t, err)
	inv, err := s.alice.c.CreateInvite(s.ctx, s.lab.ID, client.InviteOptions{})
	mustDo(t, err)
	_, err = s.bob.c.AcceptInvite(s.ctx, inv.Code)
	mustDo(t, err)
	a, b, ws := s.alice, s.bob, s.lab.ID
	w.eng = s.newChat(t, a, ws, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "eng"})
	_, err = b.c.JoinChat(s.ctx, w.eng.ID)
	mustDo(t, err)
	w.ops = s.newChat(t, a, ws, client.CreateChatInput{Type: model.ChatPrivateChannel, Name: "ops", MemberIDs: []int64{b.u.ID}})
	w.dm = s.newChat(t, a, ws, client.CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{b.u.ID}})
	for _, m := range []struct {
		who  *user
		chat model.ChatSummary
		text string
	}{
		{a, w.eng, "the deployment of kubernetes finished"},
		{b, w.eng, "my cat knocked the coffee over the deck"},
		{a, w.ops, "database rollout tonight after the merge"},
		{b, w.dm, "these exact words matter"},
		{a, w.dm, "words that are exact but reversed"},
		{a, w.eng, "<script>alert(1)</script> deployment"},
		{b, w.ops, "ship the quarterly report"},
	} {
		w.msgs = append(w.msgs, s.send(t, m.who, m.chat, m.text))
	}
	s.waitExactly(t, a, ws, client.SearchParams{Limit: 100}, w.msgs)
}

// pick returns the messages of the behaviour world at these positions.
func (w *behWorld) pick(idx ...int) []sent {
	out := make([]sent, len(idx))
	for i, n := range idx {
		out[i] = w.msgs[n]
	}
	return out
}

// behaviour: typo tolerance, prefixes, phrases, exclusions, filters, sort,
// paging and facets, through the binary.
func (s *suite) behaviour(t *testing.T) {
	w := &s.beh
	m := w.msgs
	day := func(i, shift int) string { return m[i].msg.CreatedAt.UTC().AddDate(0, 0, shift).Format("2006-01-02") }
	for i := 1; i < len(m); i++ {
		if !m[i].msg.CreatedAt.After(m[i-1].msg.CreatedAt) {
			t.Fatalf("messages %d and %d have the same creation time %v", i-1, i, m[i].msg.CreatedAt)
		}
	}
	for _, tc := range []struct {
		name string
		p    client.SearchParams
		want []sent
	}{
		{"two typos from 9 letters (transposition)", client.SearchParams{Query: "deploymnet"}, w.pick(0, 5)},
		{"two typos, not a prefix", client.SearchParams{Query: "deploymnet "}, w.pick(0, 5)},
		{"two substitutions in 10 letters", client.SearchParams{Query: "kubarnetis"}, w.pick(0)},
		{"one typo in 8 letters", client.SearchParams{Query: "databxse"}, w.pick(2)},
		{"two typos in 8 letters", client.SearchParams{Query: "databxsx"}, nil},
		{"one typo in 5 letters", client.SearchParams{Query: "mergx"}, w.pick(2)},
		{"two typos in 5 letters", client.SearchParams{Query: "mxrgx"}, nil},
		{"one typo in 4 letters", client.SearchParams{Query: "dexk"}, nil},
		{"one typo in 3 letters", client.SearchParams{Query: "cta"}, nil},
		{"one typo in 3 letters, complete word", client.SearchParams{Query: "cta "}, nil},
		{"3 letters exact", client.SearchParams{Query: "cat"}, w.pick(1)},
		{"prefix of the last word", client.SearchParams{Query: "kube"}, w.pick(0)},
		{"prefix with a complete word before", client.SearchParams{Query: "deployment kube"}, w.pick(0)},
		{"a complete word is no prefix", client.SearchParams{Query: "kube "}, nil},
		{"only the last word is a prefix", client.SearchParams{Query: "kube finished"}, nil},
		{"prefix of two words", client.SearchParams{Query: "deploy"}, w.pick(0, 5)},
		{"case and all words", client.SearchParams{Query: "Quarterly REPORT"}, w.pick(6)},
		{"words in any order", client.SearchParams{Query: "exact words"}, w.pick(3, 4)},
		{"phrase", client.SearchParams{Query: `"exact words"`}, w.pick(3)},
		{"phrase in the other order", client.SearchParams{Query: `"words exact"`}, nil},
		{"exclusion", client.SearchParams{Query: "deployment -kubernetes"}, w.pick(5)},
		{"excluded phrase", client.SearchParams{Query: `words -"exact words"`}, w.pick(4)},
		{"only an exclusion", client.SearchParams{Query: "-kubernetes"}, w.pick(1, 2, 3, 4, 5, 6)},
		{"only an excluded phrase", client.SearchParams{Query: `-"exact words"`, ChatIDs: []int64{w.dm.ID}}, w.pick(4)},
		{"chat filter", client.SearchParams{ChatIDs: []int64{w.eng.ID}}, w.pick(0, 1, 5)},
		{"two chats", client.SearchParams{ChatIDs: []int64{w.eng.ID, w.dm.ID}}, w.pick(0, 1, 3, 4, 5)},
		{"sender filter", client.SearchParams{SenderIDs: []int64{s.bob.u.ID}}, w.pick(1, 3, 6)},
		{"text, chat and sender", client.SearchParams{Query: "the", ChatIDs: []int64{w.eng.ID}, SenderIDs: []int64{s.alice.u.ID}}, w.pick(0)},
		{"chat type direct", client.SearchParams{ChatTypes: []model.ChatType{model.ChatDirect}}, w.pick(3, 4)},
		{"chat types", client.SearchParams{ChatTypes: []model.ChatType{model.ChatDirect, model.ChatPrivateChannel}}, w.pick(2, 3, 4, 6)},
		{"from a time (inclusive)", client.SearchParams{From: m[2].msg.CreatedAt}, w.pick(2, 3, 4, 5, 6)},
		{"to a time (exclusive)", client.SearchParams{To: m[2].msg.CreatedAt}, w.pick(0, 1)},
		{"between", client.SearchParams{From: m[1].msg.CreatedAt, To: m[3].msg.CreatedAt}, w.pick(1, 2)},
		{"text between", client.SearchParams{Query: "deployment", From: m[1].msg.CreatedAt}, w.pick(5)},
		{"dates including today", client.SearchParams{FromDate: day(0, 0), ToDate: day(6, 0)}, w.msgs},
		{"from tomorrow", client.SearchParams{FromDate: day(6, 1)}, nil},
		{"to yesterday", client.SearchParams{ToDate: day(0, -1)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := tc.p
			p.Limit, p.Facets = 100, allFacets
			res := s.expectExactly(t, s.alice, s.lab.ID, p, tc.want)
			if strings.TrimSpace(strings.Trim(p.Query, `"`)) == "" || strings.HasPrefix(p.Query, "-") {
				return
			}
			for _, h := range res.Hits {
				if !strings.Contains(h.Highlight, "<mark>") {
					t.Errorf("hit %d of %q highlights nothing: %q", h.Message.ID, p.Query, h.Highlight)
				}
			}
		})
	}
	t.Run("newest first", func(t *testing.T) { s.newestFirst(t) })
	t.Run("relevance pages", func(t *testing.T) { s.relevancePages(t) })
	t.Run("facets", func(t *testing.T) { s.facetLabels(t) })
	t.Run("highlight escapes", func(t *testing.T) { s.highlightEscapes(t) })
	t.Run("took_ms and shape", func(t *testing.T) { s.answerShape(t) })
	t.Run("invalid parameters", func(t *testing.T) { s.invalidParams(t) })
}

func (s *suite) newestFirst(t *testing.T) {
	w := &s.beh
	for _, tc := range []struct {
		p    client.SearchParams
		want []sent // in order
	}{
		{client.SearchParams{Sort: client.SortNewest, Limit: 100}, w.pick(6, 5, 4, 3, 2, 1, 0)},
		{client.SearchParams{Query: "deployment", Sort: client.SortNewest}, w.pick(5, 0)},
		{client.SearchParams{Query: "the ", Sort: client.SortNewest}, w.pick(6, 2, 1, 0)},
		{client.SearchParams{Query: "the", Sort: client.SortNewest}, w.pick(6, 3, 2, 1, 0)}, // "these" by prefix
		{client.SearchParams{Sort: client.SortNewest, Limit: 2, Offset: 2}, w.pick(4, 3)},
		{client.SearchParams{Sort: client.SortNewest, Limit: 3, Offset: 6}, w.pick(0)},
	} {
		res := s.search(t, s.alice, s.lab.ID, tc.p)
		var want []int64
		for _, m := range tc.want {
			want = append(want, m.msg.ID)
		}
		if got := hitIDs(res); !slices.Equal(got, want) {
			t.Errorf("%s: hits %v (%s), want %v in this order", describe(tc.p), got, hitTexts(res), want)
		}
		if tc.p.Query == "" && res.Total != len(w.msgs) {
			t.Errorf("%s: total %d, want %d", describe(tc.p), res.Total, len(w.msgs))
		}
	}
}

// relevancePages: pages under relevance add up to the whole answer, each
// message once.
func (s *suite) relevancePages(t *testing.T) {
	p := client.SearchParams{Query: "the", Limit: 100}
	whole := s.search(t, s.alice, s.lab.ID, p)
	var paged []int64
	for off := 0; off < len(whole.Hits)+2; off += 2 {
		p.Limit, p.Offset = 2, off
		res := s.search(t, s.alice, s.lab.ID, p)
		if res.Total != whole.Total {
			t.Errorf("%s: total %d, want %d", describe(p), res.Total, whole.Total)
		}
		paged = append(paged, hitIDs(res)...)
	}
	if want := hitIDs(whole); !slices.Equal(paged, want) || len(want) != 5 {
		t.Errorf("pages of 2 gave %v, one page %v (want 5 hits)", paged, want)
	}
}

// facetLabels: values are ordered by count and labelled for people.
func (s *suite) facetLabels(t *testing.T) {
	w := &s.beh
	res := s.expectExactly(t, s.alice, s.lab.ID, client.SearchParams{Limit: 100, Facets: allFacets}, w.msgs)
	labels := map[string]map[string]string{
		client.FacetSender: {
			itoa(s.alice.u.ID): s.alice.u.DisplayName, itoa(s.bob.u.ID): s.bob.u.DisplayName,
		},
		client.FacetChat: {itoa(w.eng.ID): "eng", itoa(w.ops.ID): "ops"},
	}
	for f, want := range labels {
		for _, v := range res.Facets[f] {
			if l, ok := want[v.Value]; ok && v.Label != l {
				t.Errorf("facet %s value %s labelled %q, want %q", f, v.Value, v.Label, l)
			}
		}
	}
	for _, f := range []string{client.FacetSender, client.FacetChat, client.FacetChatType} {
		vals := res.Facets[f]
		if !slices.IsSortedFunc(vals, func(a, b client.FacetValue) int { return b.Count - a.Count }) {
			t.Errorf("facet %s not by descending count: %+v", f, vals)
		}
	}
	if d := res.Facets[client.FacetDate]; len(d) != 1 || d[0].Value != "day" || d[0].Label == "" {
		t.Errorf("date facet = %+v, want one labelled \"day\" bucket", d)
	}
	// Only the facets asked for.
	res = s.search(t, s.alice, s.lab.ID, client.SearchParams{Query: "deployment", Facets: []string{client.FacetChatType}})
	if len(res.Facets) != 1 || len(res.Facets[client.FacetChatType]) != 1 || res.Facets[client.FacetChatType][0].Count != 2 {
		t.Errorf("facets=chat_type answered %+v", res.Facets)
	}
}

func (s *suite) highlightEscapes(t *testing.T) {
	script := s.beh.msgs[5]
	res := s.expectExactly(t, s.alice, s.lab.ID, client.SearchParams{Query: "deployment", ChatIDs: []int64{s.beh.eng.ID}, SenderIDs: []int64{s.alice.u.ID}, Limit: 100}, s.beh.pick(0, 5))
	for _, h := range res.Hits {
		if h.Message.ID != script.msg.ID {
			continue
		}
		const want = "&lt;script&gt;alert(1)&lt;/script&gt; <mark>deployment</mark>"
		if h.Highlight != want {
			t.Errorf("highlight of %q = %q, want %q", h.Message.Content, h.Highlight, want)
		}
		if h.Message.Content != script.msg.Content {
			t.Errorf("content = %q, want it as written: %q", h.Message.Content, script.msg.Content)
		}
	}
	// Searching for the markup itself finds the words, and still escapes.
	res = s.expectExactly(t, s.alice, s.lab.ID, client.SearchParams{Query: "<script>alert", Limit: 100}, s.beh.pick(5))
	for _, h := range res.Hits {
		if !strings.Contains(h.Highlight, "&lt;<mark>script</mark>&gt;<mark>alert</mark>") {
			t.Errorf("highlight for <script>alert = %q", h.Highlight)
		}
	}
}

// answerShape: the raw JSON carries every documented key, took_ms included.
func (s *suite) answerShape(t *testing.T) {
	var raw map[string]any
	mustDo(t, s.alice.c.Do(s.ctx, "GET", "/api/workspaces/"+itoa(s.lab.ID)+"/search?q=deployment&facets=sender", nil, &raw))
	for _, k := range []string{"hits", "total", "facets", "took_ms"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("answer lacks %q: %v", k, raw)
		}
	}
	if ms, ok := raw["took_ms"].(float64); !ok || ms < 0 {
		t.Errorf("took_ms = %v, want a number >= 0", raw["took_ms"])
	}
	hits, _ := raw["hits"].([]any)
	if len(hits) != 2 {
		t.Fatalf("hits = %v", raw["hits"])
	}
	h, _ := hits[0].(map[string]any)
	chat, _ := h["chat"].(map[string]any)
	for _, k := range []string{"id", "name", "type"} {
		if _, ok := chat[k]; !ok {
			t.Errorf("hit chat lacks %q: %v", k, chat)
		}
	}
	msg, _ := h["message"].(map[string]any)
	for _, k := range []string{"id", "chat_id", "seq", "sender", "content", "created_at"} {
		if _, ok := msg[k]; !ok {
			t.Errorf("hit message lacks %q: %v", k, msg)
		}
	}
	// A query with nothing allowed or found still has every key.
	raw = nil
	mustDo(t, s.alice.c.Do(s.ctx, "GET", "/api/workspaces/"+itoa(s.lab.ID)+"/search?q=nothingmatchesthis&facets=sender,date", nil, &raw))
	if hits, ok := raw["hits"].([]any); !ok || len(hits) != 0 || raw["total"] != 0.0 {
		t.Errorf("empty answer = %v, want hits [] and total 0", raw)
	}
}

func (s *suite) invalidParams(t *testing.T) {
	for _, tc := range []struct {
		name string
		p    client.SearchParams
	}{
		{"sort", client.SearchParams{Query: "x", Sort: "oldest"}},
		{"chat type", client.SearchParams{Query: "x", ChatTypes: []model.ChatType{"channel"}}},
		{"facet", client.SearchParams{Query: "x", Facets: []string{"workspace"}}},
		{"from", client.SearchParams{Query: "x", FromDate: "yesterday"}},
		{"offset", client.SearchParams{Query: "x", Offset: -1}},
		{"query length", client.SearchParams{Query: strings.Repeat("a", 501)}},
		{"chat id", client.SearchParams{Query: "x", ChatIDs: []int64{-3}}},
	} {
		_, err := s.alice.c.Search(s.ctx, s.lab.ID, tc.p)
		wantStatus(t, "invalid "+tc.name, err, 400)
	}
}

// settings: any member reads them, only admins change them, and a change
// applies to the next search: synonyms and stop words.
func (s *suite) settings(t *testing.T) {
	ws := s.lab.ID
	got, err := s.bob.c.SearchSettings(s.ctx, ws)
	mustDo(t, err)
	if !sameSettings(got, defaultSettings()) {
		t.Errorf("default settings = %+v", got)
	}
	want := defaultSettings()
	want.Synonyms = map[string][]string{"k8s": {"kubernetes"}}
	want.StopWords = []string{"the"}
	_, err = s.bob.c.SetSearchSettings(s.ctx, ws, want)
	wantStatus(t, "member changes settings", err, 403)
	gina := s.gina
	_, err = gina.c.SetSearchSettings(s.ctx, s.acme.ID, want)
	wantStatus(t, "guest changes settings", err, 403)

	q := func(text string) client.SearchParams {
		return client.SearchParams{Query: text, Limit: 100, Facets: allFacets}
	}
	s.expectExactly(t, s.alice, ws, q("k8s"), nil)
	s.expectExactly(t, s.alice, ws, q("the deployment"), s.beh.pick(0))

	got, err = s.alice.c.SetSearchSettings(s.ctx, ws, want)
	mustDo(t, err)
	if !sameSettings(got, want) {
		t.Errorf("PUT answered %+v, want %+v", got, want)
	}
	got, err = s.bob.c.SearchSettings(s.ctx, ws)
	mustDo(t, err)
	if !sameSettings(got, want) {
		t.Errorf("settings after PUT = %+v, want %+v", got, want)
	}
	s.expectExactly(t, s.alice, ws, q("k8s"), s.beh.pick(0))
	s.expectExactly(t, s.bob, ws, q("k8s "), s.beh.pick(0))
	s.expectExactly(t, s.alice, ws, q("the deployment"), s.beh.pick(0, 5))

	bad := want
	bad.RecencyWeight = 2
	_, err = s.alice.c.SetSearchSettings(s.ctx, ws, bad)
	wantStatus(t, "recency_weight 2", err, 400)
	got, err = s.alice.c.SearchSettings(s.ctx, ws)
	mustDo(t, err)
	if !sameSettings(got, want) {
		t.Errorf("settings after a rejected PUT = %+v, want %+v", got, want)
	}
	// Another workspace keeps its own.
	other, err := s.alice.c.SearchSettings(s.ctx, s.acme.ID)
	mustDo(t, err)
	if !sameSettings(other, defaultSettings()) {
		t.Errorf("Acme's settings after Lab's change = %+v", other)
	}
}

func sameSettings(a, b client.SearchSettings) bool {
	if a.RecencyWeight != b.RecencyWeight || a.RecencyHalfLifeHours != b.RecencyHalfLifeHours ||
		a.DirectChatBoost != b.DirectChatBoost || a.FrequentChatBoost != b.FrequentChatBoost ||
		!slices.Equal(a.StopWords, b.StopWords) || len(a.Synonyms) != len(b.Synonyms) {
		return false
	}
	for k, v := range a.Synonyms {
		if !slices.Equal(v, b.Synonyms[k]) {
			return false
		}
	}
	return true
}

// chatChanges: a renamed chat shows its new name in hits and facets; a
// deleted chat's messages vanish at once for everyone.
func (s *suite) chatChanges(t *testing.T) {
	w := &s.beh
	ops, err := s.alice.c.UpdateChat(s.ctx, w.ops.ID, client.ChatPatch{Name: client.Ptr("operations")})
	mustDo(t, err)
	w.ops = ops
	q := client.SearchParams{Query: "database", Facets: []string{client.FacetChat}}
	waitFor(t, "hits and facets of a renamed chat", func() (bool, string) {
		res := s.search(t, s.bob, s.lab.ID, q)
		if len(res.Hits) != 1 || len(res.Facets[client.FacetChat]) != 1 {
			return false, hitTexts(res)
		}
		name, label := res.Hits[0].Chat.Name, res.Facets[client.FacetChat][0].Label
		return name == "operations" && label == "operations", fmt.Sprintf("chat name %q, facet label %q", name, label)
	})

	// bob is in three of Lab's four chats, so the index may filter him by
	// excluding the fourth rather than listing the three.
	solo := s.newChat(t, s.alice, s.lab.ID, client.CreateChatInput{Type: model.ChatPrivateChannel, Name: "solo"})
	mine := s.send(t, s.alice, solo, "zephyr solo notes")
	s.waitExactly(t, s.alice, s.lab.ID, client.SearchParams{Query: "zephyr", Limit: 100, Facets: allFacets}, []sent{mine})
	s.expectExactly(t, s.bob, s.lab.ID, client.SearchParams{Query: "zephyr", Limit: 100, Facets: allFacets}, nil)
	s.expectExactly(t, s.bob, s.lab.ID, client.SearchParams{Limit: 100, Facets: allFacets}, w.msgs)
	s.expectExactly(t, s.bob, s.lab.ID, client.SearchParams{ChatIDs: []int64{solo.ID}, Limit: 100, Facets: allFacets}, nil)

	room := s.newChat(t, s.alice, s.lab.ID, client.CreateChatInput{Type: model.ChatPrivateChannel, Name: "doomed-room", MemberIDs: []int64{s.bob.u.ID}})
	walrus := s.send(t, s.bob, room, "ephemeral walrus")
	all := client.SearchParams{Query: "walrus", Limit: 100, Facets: allFacets}
	s.waitExactly(t, s.alice, s.lab.ID, all, []sent{walrus})
	mustDo(t, s.alice.c.DeleteChat(s.ctx, room.ID))
	for _, u := range []*user{s.alice, s.bob} {
		s.expectExactly(t, u, s.lab.ID, all, nil)
		s.expectExactly(t, u, s.lab.ID, client.SearchParams{ChatIDs: []int64{room.ID}, Limit: 100, Facets: allFacets}, nil)
	}
}
