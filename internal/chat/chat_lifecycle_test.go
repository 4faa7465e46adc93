package chat

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestCreateChatValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		peer, target := w.id("peer"), w.id("target")
		for _, tc := range []struct {
			name  string
			in    CreateChatInput
			field string
		}{
			{"bad type", CreateChatInput{Type: "forum", MemberIDs: []int64{peer}}, "type"},
			{"direct with nobody", CreateChatInput{Type: model.ChatDirect}, "member_ids"},
			{"direct with self", CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{w.id("creator")}}, "member_ids"},
			{"direct with two", CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{peer, target}}, "member_ids"},
			{"direct named", CreateChatInput{Type: model.ChatDirect, Name: "us", MemberIDs: []int64{peer}}, "name"},
			{"group of two", CreateChatInput{Type: model.ChatGroup, MemberIDs: []int64{peer, peer}}, "member_ids"},
			{"outsider member", CreateChatInput{Type: model.ChatGroup, MemberIDs: []int64{peer, w.id("outsider")}}, "member_ids"},
			{"many with an outsider", CreateChatInput{Type: model.ChatGroup, MemberIDs: []int64{
				w.id("owner"), peer, target, w.id("guestin"), w.id("stranger"), w.id("guest"), w.id("admin"), w.id("victim"), w.id("outsider"),
			}}, "member_ids"},
			{"unknown member", CreateChatInput{Type: model.ChatPublicChannel, Name: "x", MemberIDs: []int64{1 << 40}}, "member_ids"},
			{"negative member", CreateChatInput{Type: model.ChatPublicChannel, Name: "x", MemberIDs: []int64{-1}}, "member_ids"},
			{"channel without name", CreateChatInput{Type: model.ChatPublicChannel, Name: "  "}, "name"},
			{"channel name too long", CreateChatInput{Type: model.ChatPrivateChannel, Name: strings.Repeat("n", 81)}, "name"},
			{"channel name control", CreateChatInput{Type: model.ChatPrivateChannel, Name: "a\x00b"}, "name"},
			{"topic too long", CreateChatInput{Type: model.ChatPublicChannel, Name: "t", Topic: strings.Repeat("t", 251)}, "topic"},
			{"topic newline", CreateChatInput{Type: model.ChatPublicChannel, Name: "t", Topic: "a\nb"}, "topic"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := w.s.CreateChat(ctx, w.id("creator"), w.ws.ID, tc.in)
				requireFieldErr(t, err, tc.field)
			})
		}
		_, err := w.s.AddChatMembers(ctx, w.id("creator"), w.newChat(t, model.ChatGroup).ID, []int64{w.id("outsider")})
		requireFieldErr(t, err, "user_ids")
		_, err = w.s.AddChatMembers(ctx, w.id("creator"), w.newChat(t, model.ChatGroup).ID, nil)
		requireFieldErr(t, err, "user_ids")
	})
}

func TestCreateChatNamesAndDirectDedupe(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c, created, err := w.s.CreateChat(ctx, w.id("creator"), w.ws.ID, CreateChatInput{
			Type: model.ChatPublicChannel, Name: "  General Café ", Topic: " news ", MemberIDs: []int64{w.id("peer")},
		})
		wantOK(t, err)
		if !created || c.Name != "General Café" || c.Topic != "news" || c.MemberCount != 2 || c.MyRole != model.ChatRoleAdmin {
			t.Fatalf("created=%v %+v", created, c)
		}
		for _, typ := range []model.ChatType{model.ChatPublicChannel, model.ChatPrivateChannel} {
			_, _, err = w.s.CreateChat(ctx, w.id("peer"), w.ws.ID, CreateChatInput{Type: typ, Name: "GENERAL Café"})
			wantKind(t, err, apperr.KindConflict)
		}
		other, _, err := w.s.CreateChat(ctx, w.id("creator"), w.ws.ID, CreateChatInput{Type: model.ChatPrivateChannel, Name: "other"})
		wantOK(t, err)
		taken := "general café"
		_, err = w.s.UpdateChat(ctx, w.id("creator"), other.ID, ChatPatch{Name: &taken})
		wantKind(t, err, apperr.KindConflict)

		d1, created1, err := w.s.CreateChat(ctx, w.id("creator"), w.ws.ID, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{w.id("peer")}})
		wantOK(t, err)
		mark := outboxMark(t, st)
		d2, created2, err := w.s.CreateChat(ctx, w.id("peer"), w.ws.ID, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{w.id("creator"), w.id("peer")}})
		wantOK(t, err)
		if !created1 || created2 || d1.ID != d2.ID || d2.MemberCount != 2 {
			t.Fatalf("direct twice: %d (created %v), %d (created %v)", d1.ID, created1, d2.ID, created2)
		}
		if evs := outboxSince(t, st, mark); len(evs) != 0 {
			t.Fatalf("existing direct chat wrote events %v", eventTypes(evs))
		}
	})
}

func TestChatEvents(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		mark := outboxMark(t, st)
		c, _, err := w.s.CreateChat(ctx, w.id("creator"), w.ws.ID, CreateChatInput{Type: model.ChatPublicChannel, Name: "ev", MemberIDs: []int64{w.id("peer")}})
		wantOK(t, err)
		topic := "what we do"
		_, err = w.s.UpdateChat(ctx, w.id("creator"), c.ID, ChatPatch{Topic: &topic})
		wantOK(t, err)
		_, err = w.s.UpdateChat(ctx, w.id("creator"), c.ID, ChatPatch{Topic: &topic}) // no change, no event
		wantOK(t, err)
		_, err = w.s.JoinChat(ctx, w.id("stranger"), c.ID)
		wantOK(t, err)
		_, err = w.s.JoinChat(ctx, w.id("stranger"), c.ID) // already in, no event
		wantOK(t, err)
		_, err = w.s.AddChatMembers(ctx, w.id("creator"), c.ID, []int64{w.id("target"), w.id("peer"), w.id("guest")})
		wantOK(t, err)
		wantOK(t, w.s.RemoveChatMember(ctx, w.id("stranger"), c.ID, w.id("stranger")))
		wantOK(t, w.s.DeleteChat(ctx, w.id("creator"), c.ID))
		evs := outboxSince(t, st, mark)
		want := []string{model.EventChatCreated, model.EventChatUpdated, model.EventMemberJoined,
			model.EventMemberJoined, model.EventMemberJoined, model.EventMemberLeft, model.EventChatDeleted}
		if got := eventTypes(evs); !slices.Equal(got, want) {
			t.Fatalf("events %v, want %v", got, want)
		}
		for _, e := range evs {
			p := eventPayload(t, e)
			if e.ChatID != c.ID || p["chat_id"] != float64(c.ID) || p["workspace_id"] != float64(w.ws.ID) || p["type"] != e.Type {
				t.Fatalf("%s: envelope %v", e.Type, p)
			}
		}
		created := eventPayload(t, evs[0])
		if ch, _ := created["chat"].(map[string]any); ch["name"] != "ev" || ch["member_count"] != float64(2) {
			t.Fatalf("chat.created payload %v", created)
		}
		if ch, _ := eventPayload(t, evs[1])["chat"].(map[string]any); ch["topic"] != topic {
			t.Fatalf("chat.updated payload %v", ch)
		}
		joined := eventPayload(t, evs[2])
		if m, _ := joined["member"].(map[string]any); joined["user_id"] != float64(w.id("stranger")) || m["user"].(map[string]any)["username"] != "stranger" {
			t.Fatalf("member.joined payload %v", joined)
		}
		if ids, _ := eventPayload(t, evs[6])["member_ids"].([]any); len(ids) != 4 {
			t.Fatalf("chat.deleted member_ids %v, want the 4 remaining members", ids)
		}
		_, err = w.s.Chat(ctx, w.id("creator"), c.ID)
		wantKind(t, err, apperr.KindNotFound)
	})
}

func TestListChatsOrderAndUnread(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		a := w.newChat(t, model.ChatGroup)
		b := w.newChat(t, model.ChatPrivateChannel)
		for range 3 {
			w.send(t, "creator", b.ID, "in b")
		}
		last := w.send(t, "creator", a.ID, "latest in a")
		list, err := w.s.ListChats(ctx, w.id("peer"), w.ws.ID)
		wantOK(t, err)
		if len(list) != 2 || list[0].ID != a.ID || list[1].ID != b.ID {
			t.Fatalf("order %v, want a then b", summaryIDs(list))
		}
		if list[0].UnreadCount != 1 || list[1].UnreadCount != 3 {
			t.Fatalf("unread %d, %d, want 1, 3", list[0].UnreadCount, list[1].UnreadCount)
		}
		if list[0].LastMessage == nil || list[0].LastMessage.ID != last.ID {
			t.Fatalf("last message %+v, want %d", list[0].LastMessage, last.ID)
		}
		wantOK(t, w.s.MarkRead(ctx, w.id("peer"), b.ID, 2))
		one, err := w.s.Chat(ctx, w.id("peer"), b.ID)
		wantOK(t, err)
		if one.UnreadCount != 1 || one.LastReadSeq != 2 {
			t.Fatalf("after mark read: unread %d marker %d, want 1, 2", one.UnreadCount, one.LastReadSeq)
		}
		_, err = w.s.ListChats(ctx, w.id("outsider"), w.ws.ID)
		wantKind(t, err, apperr.KindNotFound)
		empty, err := w.s.ListChats(ctx, w.id("stranger"), w.ws.ID)
		wantOK(t, err)
		if empty == nil || len(empty) != 0 {
			t.Fatalf("stranger's chats %v, want an empty list", empty)
		}
	})
}

func summaryIDs(list []model.ChatSummary) []int64 {
	out := make([]int64, 0, len(list))
	for _, c := range list {
		out = append(out, c.ID)
	}
	return out
}

// typingRecorder is a TypingNotifier that remembers its calls.
type typingRecorder struct{ calls [][3]int64 }

func (r *typingRecorder) NotifyTyping(_ context.Context, ws, chat, user int64) error {
	r.calls = append(r.calls, [3]int64{ws, chat, user})
	return nil
}

func TestTyping(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPublicChannel)
		wantOK(t, w.s.Typing(ctx, w.id("peer"), c.ID)) // no notifier: nothing to deliver
		rec := &typingRecorder{}
		w.s.SetTypingNotifier(rec)
		wantOK(t, w.s.Typing(ctx, w.id("peer"), c.ID))
		wantKind(t, w.s.Typing(ctx, w.id("stranger"), c.ID), apperr.KindForbidden)
		wantKind(t, w.s.Typing(ctx, w.id("guest"), c.ID), apperr.KindNotFound)
		if want := [][3]int64{{w.ws.ID, c.ID, w.id("peer")}}; !slices.Equal(rec.calls, want) {
			t.Fatalf("notified %v, want %v", rec.calls, want)
		}
	})
}
