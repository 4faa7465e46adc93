package bleve

import (
	"context"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
)

// The key cache numbers documents as scorch does: across several segments,
// with documents deleted and replaced (a replaced one lives on, deleted, in
// its old segment), every live document's key is its own.
func TestKeyCacheFindsEveryDocumentsKey(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	ctx := context.Background()
	types := []model.ChatType{model.ChatDirect, model.ChatGroup, model.ChatPrivateChannel, model.ChatPublicChannel}
	want := map[string]search.Doc{}
	put := func(docs ...search.Doc) {
		if err := e.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			want[id(d.ID)] = d
		}
	}
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for batch := range 6 { // one segment each
		var docs []search.Doc
		for i := range 40 {
			n := int64(batch*40 + i + 1)
			docs = append(docs, search.Doc{ID: n, WorkspaceID: 1, ChatID: 100 + n%7, ChatType: types[n%4],
				SenderID: 1, Content: "word", CreatedAt: base.Add(time.Duration(n) * time.Minute)})
		}
		put(docs...)
	}
	// Replace some (moved to another chat) and delete others.
	put(search.Doc{ID: 3, WorkspaceID: 1, ChatID: 999, ChatType: model.ChatGroup, Content: "moved", CreatedAt: base},
		search.Doc{ID: 150, WorkspaceID: 1, ChatID: 998, ChatType: model.ChatDirect, Content: "moved", CreatedAt: base})
	if err := e.Delete(ctx, 1, []int64{1, 2, 41, 200, 240}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"1", "2", "41", "200", "240"} {
		delete(want, n)
	}

	r, err := e.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	lookup, _, err := e.keys.lookup(r)
	if err != nil {
		t.Fatal(err)
	}
	all, err := r.DocIDReaderAll()
	if err != nil {
		t.Fatal(err)
	}
	defer all.Close()
	seen := 0
	for {
		iid, err := all.Next()
		if err != nil {
			t.Fatal(err)
		}
		if iid == nil {
			break
		}
		ext, err := r.ExternalID(iid)
		if err != nil {
			t.Fatal(err)
		}
		d, ok := want[ext]
		if !ok {
			continue // a label document, not a message
		}
		seen++
		k, err := lookup(iid)
		if err != nil {
			t.Fatal(err)
		}
		if k.chat != d.ChatID || k.us != d.CreatedAt.UnixMicro() || k.chatType() != string(d.ChatType) || k.id != d.ID {
			t.Fatalf("message %s: key %+v (%s), want chat %d at %d (%s)", ext, k, k.chatType(), d.ChatID, d.CreatedAt.UnixMicro(), d.ChatType)
		}
	}
	if seen != len(want) {
		t.Fatalf("saw %d messages, want %d", seen, len(want))
	}
}

// Facets counted from keys keep the MaxFacetValues most frequent values,
// ties by value, and count every match, not only the page.
func TestKeyFacetsKeepTheMostFrequent(t *testing.T) {
	e, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	var docs []search.Doc
	var chats []int64
	n := int64(0)
	for c := int64(1); c <= MaxFacetValues+10; c++ {
		chats = append(chats, 1000+c)
		for range c % 7 { // chat 1000+c has c%7 messages: many ties
			n++
			docs = append(docs, search.Doc{ID: n, WorkspaceID: 1, ChatID: 1000 + c, ChatType: model.ChatGroup,
				SenderID: 1, Content: "ping", CreatedAt: at})
		}
	}
	if err := e.Upsert(context.Background(), docs); err != nil {
		t.Fatal(err)
	}
	res, err := e.Search(context.Background(), search.Query{WorkspaceID: 1, AllowedChatIDs: chats, Text: "ping ",
		Facets: []search.Facet{search.FacetChat, search.FacetChatType}, Limit: 1, Now: at})
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != len(docs) {
		t.Fatalf("total %d, want %d", res.Total, len(docs))
	}
	vs := res.Facets[search.FacetChat]
	if len(vs) != MaxFacetValues {
		t.Fatalf("%d chat values, want %d", len(vs), MaxFacetValues)
	}
	got := map[string]int{}
	for i, v := range vs {
		if i > 0 && (v.Count > vs[i-1].Count || (v.Count == vs[i-1].Count && v.Value < vs[i-1].Value)) {
			t.Fatalf("values out of order at %d: %+v after %+v", i, v, vs[i-1])
		}
		got[v.Value] = v.Count
	}
	// The 43 chats with 2 to 6 messages all make the top 50, with their counts.
	for c := int64(1); c <= MaxFacetValues+10; c++ {
		if want := int(c % 7); want >= 2 && got[id(1000+c)] != want {
			t.Fatalf("chat %d: count %d in the facet, want %d", 1000+c, got[id(1000+c)], want)
		}
	}
	if ct := res.Facets[search.FacetChatType]; len(ct) != 1 || ct[0].Value != string(model.ChatGroup) || ct[0].Count != len(docs) {
		t.Fatalf("chat type facet %+v", ct)
	}
}

// While any key lacks the sender (written before the sender was added),
// the sender filter and facet still come from the postings, and they count
// those documents too; an index of current keys answers them from the keys.
func TestSenderFromKeysOnlyWhenEveryKeyHoldsIt(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	docs := []search.Doc{
		{ID: 1, WorkspaceID: 1, ChatID: 101, ChatType: model.ChatGroup, SenderID: 1, Content: "ping", CreatedAt: at},
		{ID: 2, WorkspaceID: 1, ChatID: 101, ChatType: model.ChatGroup, SenderID: 2, Content: "ping", CreatedAt: at},
	}
	find := func(e *Engine, senders ...int64) search.Result {
		res, err := e.Search(ctx, search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{101}, Text: "ping ",
			SenderIDs: senders, Facets: []search.Facet{search.FacetSender}, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	senderFacet := func(res search.Result) map[string]int {
		m := map[string]int{}
		for _, v := range res.Facets[search.FacetSender] {
			m[v.Value] = v.Count
		}
		return m
	}
	for _, old := range []bool{true, false} {
		e, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.Upsert(ctx, docs); err != nil {
			t.Fatal(err)
		}
		want := map[string]int{"1": 1, "2": 1}
		if old { // a message of sender 3 with a key of the second layout
			d := toBleve(search.Doc{ID: 3, WorkspaceID: 1, ChatID: 101, ChatType: model.ChatGroup, SenderID: 3, Content: "ping", CreatedAt: at})
			d.SortKey = fmt.Sprintf("%013xg101", at.UnixMilli())
			if err := e.idx.Index("3", d); err != nil {
				t.Fatal(err)
			}
			want["3"] = 1
		}
		for range 2 { // the first search may run before the keys were seen
			if got := senderFacet(find(e)); !maps.Equal(got, want) {
				t.Fatalf("old key %v: sender facet %v, want %v", old, got, want)
			}
			if res := find(e, 2); res.Total != 1 || res.Hits[0].Doc.ID != 2 {
				t.Fatalf("old key %v: sender 2 gave %d hits", old, res.Total)
			}
		}
		if old {
			if res := find(e, 3); res.Total != 1 || res.Hits[0].Doc.ID != 3 {
				t.Fatalf("sender 3 (old key) gave %d hits", res.Total)
			}
		}
		if got := e.keys.sendersInKeys(); got == old {
			t.Fatalf("old key %v: sendersInKeys %v", old, got)
		}
		_ = e.Close()
	}
}

// While any key lacks the message id (written before the fourth layout),
// newest first is bleve's order by time, which loses no message; ties by id
// need every key to hold it. Hits of either layout carry their key's time.
func TestNewestFirstWithKeysWithoutIDs(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	e, err := Open(filepath.Join(t.TempDir(), "idx"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	doc := func(id int64, at time.Time) search.Doc {
		return search.Doc{ID: id, WorkspaceID: 1, ChatID: 101, ChatType: model.ChatGroup, SenderID: 1, Content: "ping", CreatedAt: at}
	}
	if err := e.Upsert(ctx, []search.Doc{doc(1, at.Add(2500*time.Microsecond)), doc(2, at.Add(time.Millisecond))}); err != nil {
		t.Fatal(err)
	}
	old := toBleve(doc(3, at.Add(2*time.Millisecond))) // a key of the third layout: milliseconds, no id
	old.SortKey = fmt.Sprintf("%013xg101/1", at.Add(2*time.Millisecond).UnixMilli())
	if err := e.idx.Index("3", old); err != nil {
		t.Fatal(err)
	}
	wantTimes := map[int64]time.Time{1: at.Add(2500 * time.Microsecond), 3: at.Add(2 * time.Millisecond), 2: at.Add(time.Millisecond)}
	for offset, want := range [][]int64{{1, 3, 2}, {3, 2}, {2}} {
		res, err := e.Search(ctx, search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{101}, Sort: search.SortNewest, Offset: offset, Now: at})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, h := range res.Hits {
			got = append(got, h.Doc.ID)
			if !h.Doc.CreatedAt.Equal(wantTimes[h.Doc.ID]) {
				t.Fatalf("message %d created at %v, want %v", h.Doc.ID, h.Doc.CreatedAt, wantTimes[h.Doc.ID])
			}
		}
		if !slices.Equal(got, want) || res.Total != 3 {
			t.Fatalf("offset %d: hits %v of %d, want %v of 3", offset, got, res.Total, want)
		}
	}
}
