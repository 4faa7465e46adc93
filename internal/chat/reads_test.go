package chat

import (
	"context"
	"slices"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestMarkReadForwardOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPublicChannel)
		for range 5 {
			w.send(t, "creator", c.ID, "m")
		}
		mark := outboxMark(t, st)
		for _, tc := range []struct {
			seq, marker int64
			event       bool
		}{
			{3, 3, true},
			{2, 3, false}, // never backwards
			{3, 3, false}, // same place
			{0, 3, false},
			{99, 5, true}, // capped at the newest message
			{100, 5, false},
		} {
			wantOK(t, w.s.MarkRead(ctx, w.id("peer"), c.ID, tc.seq))
			got, err := w.s.Chat(ctx, w.id("peer"), c.ID)
			wantOK(t, err)
			if got.LastReadSeq != tc.marker {
				t.Fatalf("after MarkRead(%d): marker %d, want %d", tc.seq, got.LastReadSeq, tc.marker)
			}
			evs := outboxSince(t, st, mark)
			if tc.event != (len(evs) == 1) || len(evs) > 1 {
				t.Fatalf("after MarkRead(%d): events %v, want event=%v", tc.seq, eventTypes(evs), tc.event)
			}
			if len(evs) == 1 {
				read, _ := eventPayload(t, evs[0])["read"].(map[string]any)
				if evs[0].Type != model.EventReadUpdated || read["seq"] != float64(tc.marker) ||
					read["user_id"] != float64(w.id("peer")) || read["chat_id"] != float64(c.ID) {
					t.Fatalf("read.updated payload %v", read)
				}
				mark = evs[0].Seq
			}
		}
		requireFieldErr(t, w.s.MarkRead(ctx, w.id("peer"), c.ID, -1), "seq")
		wantKind(t, w.s.MarkRead(ctx, w.id("stranger"), c.ID, 1), apperr.KindForbidden)
		wantKind(t, w.s.MarkRead(ctx, w.id("outsider"), c.ID, 1), apperr.KindNotFound)
	})
}

func TestMentions(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup) // creator, peer, guestin, victim
		members := []int64{w.id("creator"), w.id("peer"), w.id("guestin"), w.id("victim")}
		except := func(id int64) []int64 {
			out := slices.DeleteFunc(slices.Clone(members), func(x int64) bool { return x == id })
			slices.Sort(out)
			return out
		}
		for _, tc := range []struct {
			name, sender, text string
			want               []int64
		}{
			{"by name", "creator", "hi @peer", []int64{w.id("peer")}},
			{"case-insensitive", "creator", "hi @PEER and @GuestIn.", sortedIDs(w.id("peer"), w.id("guestin"))},
			{"non-member", "creator", "@stranger @outsider", []int64{}},
			{"self", "peer", "note to @peer", []int64{}},
			{"email is not a mention", "creator", "mail peer@example.com", []int64{}},
			{"channel", "peer", "@channel lunch", except(w.id("peer"))},
			{"here", "creator", "anyone @here?", except(w.id("creator"))},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m := w.send(t, tc.sender, c.ID, tc.text)
				if !slices.Equal(m.Mentions, tc.want) {
					t.Fatalf("mentions %v, want %v", m.Mentions, tc.want)
				}
			})
		}
		// peer was mentioned by "by name", "case-insensitive" and "here".
		list, err := w.s.Mentions(ctx, w.id("peer"), false, 0)
		wantOK(t, err)
		if len(list) != 3 || list[0].Content != "anyone @here?" {
			t.Fatalf("peer's mentions %d, first %q", len(list), firstContent(list))
		}
		wantOK(t, w.s.MarkRead(ctx, w.id("peer"), c.ID, list[1].Seq))
		unread, err := w.s.Mentions(ctx, w.id("peer"), true, 0)
		wantOK(t, err)
		if len(unread) != 1 || unread[0].ID != list[0].ID {
			t.Fatalf("unread mentions %d, want the newest only", len(unread))
		}
		_, err = w.s.Mentions(ctx, w.id("peer"), false, -1)
		requireFieldErr(t, err, "limit")
		wantOK(t, w.s.RemoveChatMember(ctx, w.id("peer"), c.ID, w.id("peer")))
		gone, err := w.s.Mentions(ctx, w.id("peer"), false, 0)
		wantOK(t, err)
		if len(gone) != 0 {
			t.Fatalf("mentions after leaving: %d, want none", len(gone))
		}
	})
}

func sortedIDs(ids ...int64) []int64 {
	slices.Sort(ids)
	return ids
}

func firstContent(list []model.Message) string {
	if len(list) == 0 {
		return ""
	}
	return list[0].Content
}
