package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func accessTests() []leaf {
	return []leaf{{"ChatContentReads", testChatContentAccess}}
}

// testChatContentAccess checks every chat-content read against the rule:
// members read; for a public channel, non-guest workspace members too;
// nobody else, and a refusal looks like absence.
func testChatContentAccess(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	msgs := map[int64]model.Message{}
	for _, c := range []model.Chat{w.public, w.private, w.group} {
		msgs[c.ID] = send(t, s, c, w.owner, "in "+string(c.Type))
	}
	msgs[w.away.ID] = send(t, s, w.away, w.outsider, "away")
	for _, tc := range []struct {
		name   string
		viewer model.User
		chat   model.Chat
		can    bool
	}{
		{"member of private", w.owner, w.private, true},
		{"non-member of private", w.member, w.private, false},
		{"guest on private", w.guest, w.private, false},
		{"non-member on public", w.member, w.public, true},
		{"guest on public", w.guest, w.public, false},
		{"outsider on public", w.outsider, w.public, false},
		{"member of group", w.member, w.group, true},
		{"non-member of group", w.guest, w.group, false},
		{"other workspace's public channel", w.owner, w.away, false},
	} {
		m := msgs[tc.chat.ID]
		_, err := s.Message(ctx, tc.viewer.ID, tc.chat.ID, m.ID)
		page, _, err2 := s.ListMessages(ctx, tc.viewer.ID, tc.chat.ID, storage.MessageQuery{})
		thread, _, err3 := s.ListMessages(ctx, tc.viewer.ID, tc.chat.ID, storage.MessageQuery{Thread: m.ID})
		batch, err4 := s.MessagesForViewer(ctx, tc.viewer.ID, []int64{m.ID})
		noErr(t, err4, tc.name+": messages for viewer")
		if got := len(batch) == 1; got != tc.can {
			t.Fatalf("%s: messages for viewer returned %d messages", tc.name, len(batch))
		}
		if tc.can {
			noErr(t, err, tc.name+": message")
			noErr(t, err2, tc.name+": list")
			noErr(t, err3, tc.name+": thread")
			if len(page) != 1 || len(thread) != 0 {
				t.Fatalf("%s: page %d messages, thread %d", tc.name, len(page), len(thread))
			}
			continue
		}
		wantErr(t, err, storage.ErrNotFound, tc.name+": message")
		wantErr(t, err2, storage.ErrNotFound, tc.name+": list")
		wantErr(t, err3, storage.ErrNotFound, tc.name+": thread")
	}
	// A message id from another chat is not found through this chat.
	_, err := s.Message(ctx, w.owner.ID, w.public.ID, msgs[w.private.ID].ID)
	wantErr(t, err, storage.ErrNotFound, "message of another chat")
	_, _, err = s.ListMessages(ctx, w.owner.ID, w.public.ID, storage.MessageQuery{Thread: msgs[w.private.ID].ID})
	wantErr(t, err, storage.ErrNotFound, "thread root in another chat")
	// Once removed from the workspace, a former member reads nothing.
	noErr(t, s.RemoveMember(ctx, w.ws.ID, w.member.ID), "remove member")
	_, err = s.Message(ctx, w.member.ID, w.group.ID, msgs[w.group.ID].ID)
	wantErr(t, err, storage.ErrNotFound, "removed member")
	_, err = s.Message(ctx, w.member.ID, w.public.ID, msgs[w.public.ID].ID)
	wantErr(t, err, storage.ErrNotFound, "removed member on public")
	batch, err := s.MessagesForViewer(ctx, w.member.ID, []int64{msgs[w.group.ID].ID, msgs[w.public.ID].ID})
	noErr(t, err, "messages for a removed member")
	if len(batch) != 0 {
		t.Fatalf("a removed member read %+v", batch)
	}
}
