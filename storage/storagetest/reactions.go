package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func reactionTests() []leaf {
	return []leaf{{"IdempotentAndAggregated", testReactions}}
}

func testReactions(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	_, err := s.AddChatMembers(ctx, w.group.ID, []model.ChatMember{{UserID: w.guest.ID}})
	noErr(t, err, "add guest")
	m := send(t, s, w.group, w.owner, "react to me")
	for _, tc := range []struct {
		user  model.User
		emoji string
		want  bool
	}{
		{w.owner, "👍", true},
		{w.member, "👍", true},
		{w.owner, "👍", false}, // again: no change
		{w.member, "🎉", true},
		{w.guest, "👍", true},
	} {
		added, err := s.AddReaction(ctx, m.ID, tc.user.ID, tc.emoji)
		noErr(t, err, "add reaction")
		if added != tc.want {
			t.Fatalf("add %s by %s: added=%v, want %v", tc.emoji, tc.user.Username, added, tc.want)
		}
	}
	check := func(viewer model.User, want []model.ReactionCount) {
		t.Helper()
		got, err := s.Message(ctx, viewer.ID, w.group.ID, m.ID)
		noErr(t, err, "message")
		if len(got.Reactions) != len(want) {
			t.Fatalf("reactions for %s = %+v, want %+v", viewer.Username, got.Reactions, want)
		}
		for i := range want {
			if got.Reactions[i] != want[i] {
				t.Fatalf("reactions for %s = %+v, want %+v", viewer.Username, got.Reactions, want)
			}
		}
		page, _, err := s.ListMessages(ctx, viewer.ID, w.group.ID, storage.MessageQuery{})
		noErr(t, err, "list")
		if len(page) != 1 || len(page[0].Reactions) != len(want) || (len(want) > 0 && page[0].Reactions[0] != want[0]) {
			t.Fatalf("listed reactions for %s = %+v", viewer.Username, page[0].Reactions)
		}
	}
	// Emojis in the order they were first used.
	check(w.owner, []model.ReactionCount{{Emoji: "👍", Count: 3, Me: true}, {Emoji: "🎉", Count: 1, Me: false}})
	check(w.member, []model.ReactionCount{{Emoji: "👍", Count: 3, Me: true}, {Emoji: "🎉", Count: 1, Me: true}})

	removed, err := s.RemoveReaction(ctx, m.ID, w.member.ID, "🎉")
	noErr(t, err, "remove")
	if !removed {
		t.Fatal("remove reported nothing removed")
	}
	removed, err = s.RemoveReaction(ctx, m.ID, w.member.ID, "🎉")
	noErr(t, err, "remove again")
	if removed {
		t.Fatal("removing twice reported removed")
	}
	check(w.member, []model.ReactionCount{{Emoji: "👍", Count: 3, Me: true}})

	_, err = s.AddReaction(ctx, m.ID+1000, w.owner.ID, "👍")
	wantErr(t, err, storage.ErrNotFound, "react to a missing message")
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(0)), "delete")
	_, err = s.AddReaction(ctx, m.ID, w.owner.ID, "🔥")
	wantErr(t, err, storage.ErrNotFound, "react to a tombstone")
	check(w.owner, nil)
}
