package bleve_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/search"
	"github.com/fechatter/fechatter/internal/search/bleve"
)

// The index fixtures under testdata were written by older binaries, each
// with the documents of fixtureDocs (the same function, pasted into a test
// of that commit's internal/search and run with FIXTURE_OUT=<dir>):
//
//	index-1fa123f: 2026-12-01, the first mapping (time, chat type and chat
//	  doc values, numeric time terms) and sort keys "<ms>:<type>:<chat>"
//	index-04a1024: 2026-12-02, the smaller mapping and "<ms><letter><chat>/<sender>"
//
// An upgrade keeps the index: this binary must read them as they are
// (docs/operations.md, "Upgrade"), and write to them.
var layoutFixtures = []string{"index-1fa123f", "index-04a1024"}

// TestOlderIndexLayouts opens a copy of each fixture and checks counts,
// text matches, the permission scope, the chat, sender and chat type
// filters and newest-first order against fixtureDocs; then indexes a new
// document into it and finds old and new together, in order.
func TestOlderIndexLayouts(t *testing.T) {
	ctx := context.Background()
	docs := fixtureDocs()
	for _, name := range layoutFixtures {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "embedded")
			if err := os.CopyFS(dir, os.DirFS(filepath.Join("testdata", name))); err != nil {
				t.Fatal(err)
			}
			idx, err := bleve.Open(dir, bleve.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer idx.Close()
			for _, ws := range []int64{1, 2} {
				want := len(matching(docs, search.Query{WorkspaceID: ws}))
				if n, err := idx.Count(ctx, ws); err != nil || n != want {
					t.Errorf("Count(%d) = %d, %v; want %d", ws, n, err, want)
				}
			}
			for _, q := range []search.Query{
				{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, Text: "deployment"},
				{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, Text: "budget", Sort: search.SortNewest},
				{WorkspaceID: 1, AllowedChatIDs: []int64{10}, Text: "deployment"},
				{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, SenderIDs: []int64{2}, Sort: search.SortNewest},
				{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, ChatTypes: []model.ChatType{model.ChatDirect}, Sort: search.SortNewest},
				{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, ChatIDs: []int64{11}, Text: "budget"},
				{WorkspaceID: 2, AllowedChatIDs: []int64{20}, Text: "trip", Sort: search.SortNewest},
			} {
				expect(t, ctx, idx, q, matching(docs, q))
			}

			// Written by this binary into the old index: found with the old
			// documents, newest first across the layouts.
			fresh := docs[0]
			fresh.ID, fresh.Content, fresh.Seq = 200, "deployment done, thanks all", 99
			fresh.CreatedAt = docs[len(docs)-1].CreatedAt.Add(time.Hour)
			if err := idx.Upsert(ctx, []search.Doc{fresh}); err != nil {
				t.Fatal(err)
			}
			q := search.Query{WorkspaceID: 1, AllowedChatIDs: []int64{10, 11, 12}, Text: "deployment", Sort: search.SortNewest}
			expect(t, ctx, idx, q, matching(append(slices.Clone(docs), fresh), q))
		})
	}
}

// matching is what q should find in docs: the workspace, the scope and the
// filters, every query word (as a word prefix) in the content; newest
// first.
func matching(docs []search.Doc, q search.Query) []int64 {
	var out []search.Doc
	for _, d := range docs {
		ok := d.WorkspaceID == q.WorkspaceID &&
			(q.AllowedChatIDs == nil || slices.Contains(q.AllowedChatIDs, d.ChatID)) &&
			(q.ChatIDs == nil || slices.Contains(q.ChatIDs, d.ChatID)) &&
			(q.SenderIDs == nil || slices.Contains(q.SenderIDs, d.SenderID)) &&
			(q.ChatTypes == nil || slices.Contains(q.ChatTypes, d.ChatType))
		for _, w := range strings.Fields(q.Text) {
			ok = ok && slices.ContainsFunc(strings.Fields(d.Content), func(c string) bool { return strings.HasPrefix(c, w) })
		}
		if ok {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b search.Doc) int { return b.CreatedAt.Compare(a.CreatedAt) })
	ids := make([]int64, len(out))
	for i, d := range out {
		ids[i] = d.ID
	}
	return ids
}

// expect runs q and compares the hits with want: in order for newest
// first, as a set otherwise.
func expect(t *testing.T, ctx context.Context, idx search.Index, q search.Query, want []int64) {
	t.Helper()
	q.Limit, q.Now = 50, time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	res, err := idx.Search(ctx, q)
	if err != nil {
		t.Fatalf("%+v: %v", q, err)
	}
	got := make([]int64, len(res.Hits))
	for i, h := range res.Hits {
		got[i] = h.Doc.ID
	}
	if q.Sort != search.SortNewest {
		slices.Sort(got)
		want = slices.Sorted(slices.Values(want))
	}
	if !slices.Equal(got, want) || res.Total != len(want) {
		t.Errorf("query %q ws %d chats %v senders %v types %v sort %q: hits %v (total %d), want %v",
			q.Text, q.WorkspaceID, q.ChatIDs, q.SenderIDs, q.ChatTypes, q.Sort, got, res.Total, want)
	}
	if len(want) == 0 {
		t.Errorf("query %q finds nothing in the fixture: not a useful check", q.Text)
	}
}

// fixtureDocs are the documents of the committed index fixtures: two
// workspaces, the four chat types, three senders, times a minute apart.
func fixtureDocs() []search.Doc {
	base := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	type c struct {
		ws, id int64
		typ    model.ChatType
		name   string
	}
	chats := []c{{1, 10, model.ChatPublicChannel, "general"}, {1, 11, model.ChatPrivateChannel, "finance"}, {1, 12, model.ChatDirect, ""}, {2, 20, model.ChatGroup, "trip"}}
	senders := []struct {
		id       int64
		un, name string
	}{{1, "alice", "Alice"}, {2, "bob", "Bob"}, {3, "carol", "Carol"}}
	texts := []string{
		"the deployment is scheduled for friday", "budget review for the quarter", "lunch at noon?",
		"the deployment went well", "budget numbers are in the sheet", "packing list for the trip",
		"deployment rollback plan", "who has the budget spreadsheet", "trip itinerary attached",
		"friday deployment checklist", "quarterly budget approved", "see you at the trip meeting",
	}
	var docs []search.Doc
	for i, text := range texts {
		ch := chats[i%len(chats)]
		s := senders[i%len(senders)]
		docs = append(docs, search.Doc{
			ID: int64(100 + i), WorkspaceID: ch.ws, ChatID: ch.id, ChatType: ch.typ, ChatName: ch.name,
			SenderID: s.id, SenderUsername: s.un, SenderName: s.name, Content: text,
			CreatedAt: base.Add(time.Duration(i) * time.Minute), Seq: int64(i/len(chats) + 1),
		})
	}
	return docs
}
