package storagetest

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// replayTests cover what a replay of events reads: the current state of
// messages for one viewer, when a user's memberships began, and the prune
// of published outbox rows past the replay horizon.
func replayTests() []leaf {
	return []leaf{
		{"MessagesForViewerCurrentState", testMessagesForViewer},
		{"JoinTimes", testJoinTimes},
		{"PruneEvents", testPruneEvents},
	}
}

func testMessagesForViewer(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	f := newFile(t, s, w.ws, w.owner, "a.png")
	gone := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "secret @member",
		Mentions: []int64{w.member.ID}, Attachments: []model.File{{ID: f.ID}}}
	_, err := s.CreateMessage(ctx, &gone)
	noErr(t, err, "create")
	edited := send(t, s, w.group, w.owner, "first draft")
	kept := send(t, s, w.group, w.member, "kept")
	private := send(t, s, w.private, w.owner, "not for member")
	public := send(t, s, w.public, w.owner, "public")
	_, err = s.AddReaction(ctx, kept.ID, w.member.ID, "👍")
	noErr(t, err, "react")
	noErr(t, s.EditMessage(ctx, edited.ID, "final @owner", []int64{w.owner.ID}, ts(3)), "edit")
	noErr(t, s.DeleteMessage(ctx, gone.ID, ts(4)), "delete")

	ids := []int64{gone.ID, edited.ID, kept.ID, private.ID, public.ID, kept.ID, public.ID + 1000}
	got, err := s.MessagesForViewer(ctx, w.member.ID, ids)
	noErr(t, err, "messages for viewer")
	byID := map[int64]model.Message{}
	for _, m := range got {
		byID[m.ID] = m
	}
	if len(got) != 4 || len(byID) != 4 {
		t.Fatalf("got %d messages (%d distinct), want gone, edited, kept and public once each: %+v", len(got), len(byID), got)
	}
	if _, ok := byID[private.ID]; ok {
		t.Fatal("a message of a chat the viewer is not in came back")
	}
	tomb := byID[gone.ID]
	if !tomb.Deleted || tomb.Content != "" || len(tomb.Attachments) != 0 || len(tomb.Mentions) != 0 || tomb.Attachments == nil {
		t.Fatalf("deleted message = %+v, want a tombstone", tomb)
	}
	e := byID[edited.ID]
	if e.Content != "final @owner" || !equalIDs(e.Mentions, []int64{w.owner.ID}) || e.EditedAt == nil {
		t.Fatalf("edited message = %+v, want its current text and mentions", e)
	}
	sameTime(t, *e.EditedAt, ts(3), "edited_at")
	k := byID[kept.ID]
	if k.Sender.ID != w.member.ID || len(k.Reactions) != 1 || !k.Reactions[0].Me || k.Reactions[0].Count != 1 {
		t.Fatalf("kept message = %+v, want its sender and reactions seen by the viewer", k)
	}
	none, err := s.MessagesForViewer(ctx, w.guest.ID, []int64{public.ID, kept.ID})
	noErr(t, err, "messages for a guest")
	if len(none) != 0 {
		t.Fatalf("a guest outside the chats read %+v", none)
	}
	empty, err := s.MessagesForViewer(ctx, w.member.ID, nil)
	noErr(t, err, "no ids")
	if empty == nil || len(empty) != 0 {
		t.Fatalf("no ids = %#v, want an empty list", empty)
	}
}

func testJoinTimes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	jt, err := s.JoinTimes(ctx, w.member.ID)
	noErr(t, err, "join times")
	if len(jt.Workspaces) != 1 || len(jt.Chats) != 2 {
		t.Fatalf("member's join times = %+v, want workspace Acme, group and direct", jt)
	}
	members, err := s.ListChatMembers(ctx, w.group.ID)
	noErr(t, err, "list chat members")
	for _, m := range members {
		if m.UserID == w.member.ID {
			sameTime(t, jt.Chats[w.group.ID], m.JoinedAt, "group joined_at")
		}
	}
	wm, err := s.GetMember(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "get member")
	sameTime(t, jt.Workspaces[w.ws.ID], wm.JoinedAt, "workspace joined_at")
	if _, ok := jt.Chats[w.direct.ID]; !ok {
		t.Fatalf("direct chat missing from %+v", jt.Chats)
	}

	// Leaving and coming back starts the membership again.
	noErr(t, s.RemoveChatMember(ctx, w.group.ID, w.member.ID), "leave group")
	_, err = s.AddChatMembers(ctx, w.group.ID, []model.ChatMember{{UserID: w.member.ID}})
	noErr(t, err, "rejoin group")
	again, err := s.JoinTimes(ctx, w.member.ID)
	noErr(t, err, "join times after rejoining")
	if !again.Chats[w.group.ID].After(jt.Chats[w.group.ID]) {
		t.Fatalf("rejoined at %v, first joined at %v", again.Chats[w.group.ID], jt.Chats[w.group.ID])
	}

	noErr(t, s.RemoveMember(ctx, w.ws.ID, w.member.ID), "remove from workspace")
	gone, err := s.JoinTimes(ctx, w.member.ID)
	noErr(t, err, "join times after removal")
	if len(gone.Workspaces) != 0 || len(gone.Chats) != 0 {
		t.Fatalf("a removed member still has %+v", gone)
	}
	stranger, err := s.JoinTimes(ctx, w.outsider.ID+1000)
	noErr(t, err, "join times of nobody")
	if stranger.Workspaces == nil || stranger.Chats == nil || len(stranger.Workspaces)+len(stranger.Chats) != 0 {
		t.Fatalf("join times of nobody = %#v, want empty maps", stranger)
	}
}

func testPruneEvents(t *testing.T, s storage.Store) {
	ctx := context.Background()
	evs := appendEvents(t, s, 5)
	noErr(t, s.MarkPublished(ctx, []int64{evs[0].Seq, evs[1].Seq, evs[3].Seq}, ts(0)), "publish old")
	noErr(t, s.MarkPublished(ctx, []int64{evs[2].Seq}, ts(120)), "publish recent")
	// evs[4] is never published.
	for _, tc := range []struct {
		before time.Time
		limit  int
		want   int
		left   []int64
	}{
		{ts(60), 2, 2, []int64{evs[2].Seq, evs[3].Seq, evs[4].Seq}},
		{ts(60), 2, 1, []int64{evs[2].Seq, evs[4].Seq}},
		{ts(60), 0, 0, []int64{evs[2].Seq, evs[4].Seq}},
		{ts(120), 10, 0, []int64{evs[2].Seq, evs[4].Seq}}, // published at exactly the cut: kept
		{ts(100000), 0, 1, []int64{evs[4].Seq}},
	} {
		n, err := s.PruneEvents(ctx, tc.before, tc.limit)
		noErr(t, err, "prune events")
		left, err := s.EventsAfter(ctx, 0, 10)
		noErr(t, err, "events after")
		var seqs []int64
		for _, e := range left {
			seqs = append(seqs, e.Seq)
		}
		sort.Slice(seqs, func(i, j int) bool { return seqs[i] < seqs[j] })
		if n != tc.want || !equalIDs(seqs, tc.left) {
			t.Fatalf("prune before %v limit %d: pruned %d, left %v; want %d, left %v", tc.before, tc.limit, n, seqs, tc.want, tc.left)
		}
	}
	got, err := s.UnpublishedEvents(ctx, 10)
	noErr(t, err, "unpublished")
	if len(got) != 1 || got[0].Seq != evs[4].Seq {
		t.Fatalf("unpublished after pruning = %+v", got)
	}
	// With the newest row pruned too, a new event still gets a new seq.
	noErr(t, s.MarkPublished(ctx, []int64{evs[4].Seq}, ts(0)), "publish the last")
	n, err := s.PruneEvents(ctx, ts(60), 0)
	if err != nil || n != 1 {
		t.Fatalf("prune the last: %d, %v", n, err)
	}
	next := appendEvent(t, s, "after-prune")
	if next.Seq <= evs[4].Seq {
		t.Fatalf("a seq was reused after pruning: %d after %d", next.Seq, evs[4].Seq)
	}
}

// appendEvent appends one event with its own id.
func appendEvent(t *testing.T, s storage.Store, id string) model.Event {
	t.Helper()
	e := model.Event{ID: id, Type: model.EventMessageCreated, WorkspaceID: 1, Payload: []byte(`{}`)}
	noErr(t, s.AppendEvent(context.Background(), &e), "append event")
	return e
}
