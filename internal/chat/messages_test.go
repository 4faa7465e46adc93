package chat

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// outboxMark returns the newest outbox seq, so that a test can look at the
// events written after it.
func outboxMark(t *testing.T, st storage.Store) int64 {
	t.Helper()
	evs := unpublished(t, st)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].Seq
}

// outboxSince returns the events written after mark, in order.
func outboxSince(t *testing.T, st storage.Store, mark int64) []model.Event {
	t.Helper()
	var out []model.Event
	for _, e := range unpublished(t, st) {
		if e.Seq > mark {
			out = append(out, e)
		}
	}
	return out
}

// eventTypes lists the types of evs.
func eventTypes(evs []model.Event) []string {
	out := make([]string, 0, len(evs))
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

// send posts content as user and fails the test on an error.
func (w *chatRulesWorld) send(t *testing.T, user string, chatID int64, content string) model.Message {
	t.Helper()
	m, _, err := w.s.SendMessage(context.Background(), w.id(user), chatID, SendMessageInput{Content: content})
	if err != nil {
		t.Fatalf("send as %s: %v", user, err)
	}
	return m
}

func TestSendMessageIdempotentRetry(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		mark := outboxMark(t, st)
		in := SendMessageInput{Content: "once", ClientID: "c-1"}
		first, created, err := w.s.SendMessage(ctx, w.id("creator"), c.ID, in)
		wantOK(t, err)
		if !created || first.Seq != 1 || first.Content != "once" || first.ClientID != "c-1" || first.Sender.ID != w.id("creator") {
			t.Fatalf("first send: created=%v %+v", created, first)
		}
		in.Content = "retried with other text"
		again, created, err := w.s.SendMessage(ctx, w.id("creator"), c.ID, in)
		wantOK(t, err)
		if created || again.ID != first.ID || again.Content != "once" {
			t.Fatalf("retry: created=%v %+v, want the first message", created, again)
		}
		other, created, err := w.s.SendMessage(ctx, w.id("peer"), c.ID, in)
		wantOK(t, err)
		if !created || other.ID == first.ID {
			t.Fatalf("same client id from another sender: created=%v id %d", created, other.ID)
		}
		evs := outboxSince(t, st, mark)
		if got := eventTypes(evs); !slices.Equal(got, []string{model.EventMessageCreated, model.EventMessageCreated}) {
			t.Fatalf("events %v, want two message.created", got)
		}
		p := eventPayload(t, evs[0])
		msg, _ := p["message"].(map[string]any)
		if p["chat_id"] != float64(c.ID) || msg["id"] != float64(first.ID) || msg["content"] != "once" {
			t.Fatalf("message.created payload %v", p)
		}
		if sender, _ := msg["sender"].(map[string]any); sender["username"] != "creator" {
			t.Fatalf("payload message sender %v, want hydrated user", msg["sender"])
		}
	})
}

func TestSendMessageConcurrent(t *testing.T) {
	const senders, perSender = 16, 200
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		ids := make([]int64, senders)
		for i := range ids {
			u := fixtureUser(t, st, fmt.Sprintf("sender%02d", i))
			fixtureMember(t, st, w.ws.ID, u.ID, model.RoleMember)
			ids[i] = u.ID
		}
		c, _, err := w.s.CreateChat(ctx, ids[0], w.ws.ID, CreateChatInput{Type: model.ChatGroup, MemberIDs: ids[1:]})
		wantOK(t, err)
		errs := make(chan error, senders)
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				for j := range perSender {
					in := SendMessageInput{Content: fmt.Sprintf("m %d", j), ClientID: fmt.Sprintf("%d-%d", id, j)}
					if _, _, err := w.s.SendMessage(ctx, id, c.ID, in); err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent send: %v", err)
		}
		requireGapFreeSeqs(t, w.s, ids[0], c.ID, senders*perSender)
	})
}

// requireGapFreeSeqs pages through a whole chat, newest page first, and
// checks that the seqs are exactly 1..n.
func requireGapFreeSeqs(t *testing.T, s *Service, userID, chatID int64, n int) {
	t.Helper()
	var seqs []int64
	q := MessageQuery{Limit: MaxPageLimit}
	for {
		page, more, err := s.Messages(context.Background(), userID, chatID, q)
		wantOK(t, err)
		for i := len(page) - 1; i >= 0; i-- {
			seqs = append(seqs, page[i].Seq)
		}
		if !more || len(page) == 0 {
			break
		}
		q.BeforeSeq = new(page[0].Seq)
	}
	slices.Reverse(seqs)
	if len(seqs) != n {
		t.Fatalf("got %d messages, want %d", len(seqs), n)
	}
	for i, seq := range seqs {
		if seq != int64(i+1) {
			t.Fatalf("seq at %d is %d: gap or duplicate", i, seq)
		}
	}
}

func TestSendMessageRetryRace(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		mark := outboxMark(t, st)
		const tries = 8
		got := make([]model.Message, tries)
		created := make([]bool, tries)
		errs := make([]error, tries)
		var wg sync.WaitGroup
		for i := range tries {
			wg.Go(func() {
				got[i], created[i], errs[i] = w.s.SendMessage(ctx, w.id("peer"), c.ID, SendMessageInput{Content: "x", ClientID: "same"})
			})
		}
		wg.Wait()
		nCreated := 0
		for i := range tries {
			wantOK(t, errs[i])
			if got[i].ID != got[0].ID {
				t.Fatalf("try %d got message %d, try 0 got %d", i, got[i].ID, got[0].ID)
			}
			if created[i] {
				nCreated++
			}
		}
		if nCreated != 1 {
			t.Fatalf("%d tries reported created, want 1", nCreated)
		}
		if evs := outboxSince(t, st, mark); len(evs) != 1 || evs[0].Type != model.EventMessageCreated {
			t.Fatalf("events %v, want one message.created", eventTypes(evs))
		}
		requireGapFreeSeqs(t, w.s, w.id("peer"), c.ID, 1)
	})
}

func TestSendMessageValidation(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		other := w.newChat(t, model.ChatGroup)
		root := w.send(t, "creator", c.ID, "root")
		reply, _, err := w.s.SendMessage(ctx, w.id("peer"), c.ID, SendMessageInput{Content: "reply", ReplyTo: root.ID})
		wantOK(t, err)
		gone := w.send(t, "creator", c.ID, "gone")
		wantOK(t, w.s.DeleteMessage(ctx, w.id("creator"), c.ID, gone.ID))
		elsewhere := w.send(t, "creator", other.ID, "elsewhere")
		for _, tc := range []struct {
			name  string
			in    SendMessageInput
			field string
		}{
			{"empty", SendMessageInput{Content: ""}, "content"},
			{"control", SendMessageInput{Content: "a\x07"}, "content"},
			{"invalid utf-8", SendMessageInput{Content: "\xff"}, "content"},
			{"too long", SendMessageInput{Content: strings.Repeat("a", maxContentRunes+1)}, "content"},
			{"long client id", SendMessageInput{Content: "a", ClientID: strings.Repeat("k", 65)}, "client_id"},
			{"reply to reply", SendMessageInput{Content: "a", ReplyTo: reply.ID}, "reply_to"},
			{"reply to deleted", SendMessageInput{Content: "a", ReplyTo: gone.ID}, "reply_to"},
			{"reply to other chat", SendMessageInput{Content: "a", ReplyTo: elsewhere.ID}, "reply_to"},
			{"reply to nothing", SendMessageInput{Content: "a", ReplyTo: 1 << 40}, "reply_to"},
			{"negative reply", SendMessageInput{Content: "a", ReplyTo: -1}, "reply_to"},
			{"too many files", SendMessageInput{Content: "a", AttachmentIDs: []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}}, "attachment_ids"},
			{"unknown file", SendMessageInput{Content: "a", AttachmentIDs: []int64{1 << 40}}, "attachment_ids"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, _, err := w.s.SendMessage(ctx, w.id("peer"), c.ID, tc.in)
				requireFieldErr(t, err, tc.field)
			})
		}
		got, err := w.s.Message(ctx, w.id("creator"), c.ID, root.ID)
		wantOK(t, err)
		if got.ReplyCount != 1 {
			t.Fatalf("root reply count %d, want 1", got.ReplyCount)
		}
		thread, more, err := w.s.Messages(ctx, w.id("creator"), c.ID, MessageQuery{Thread: root.ID})
		wantOK(t, err)
		if more || len(thread) != 1 || thread[0].ID != reply.ID || thread[0].ReplyTo == nil || *thread[0].ReplyTo != root.ID {
			t.Fatalf("thread %+v more=%v, want the one reply", thread, more)
		}
		_, _, err = w.s.Messages(ctx, w.id("creator"), c.ID, MessageQuery{Thread: elsewhere.ID})
		wantKind(t, err, apperr.KindNotFound)
	})
}

func TestMessagesPaging(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		for i := 1; i <= 10; i++ {
			w.send(t, "creator", c.ID, fmt.Sprint("m", i))
		}
		for _, tc := range []struct {
			name string
			q    MessageQuery
			seqs []int64
			more bool
		}{
			{"latest", MessageQuery{Limit: 3}, []int64{8, 9, 10}, true},
			{"all latest", MessageQuery{}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
			{"before middle", MessageQuery{BeforeSeq: new(int64(8)), Limit: 3}, []int64{5, 6, 7}, true},
			{"before start", MessageQuery{BeforeSeq: new(int64(3)), Limit: 3}, []int64{1, 2}, false},
			{"after middle", MessageQuery{AfterSeq: new(int64(2)), Limit: 3}, []int64{3, 4, 5}, true},
			{"after to end", MessageQuery{AfterSeq: new(int64(7)), Limit: 3}, []int64{8, 9, 10}, false},
			{"after end", MessageQuery{AfterSeq: new(int64(10))}, nil, false},
			{"after zero", MessageQuery{AfterSeq: new(int64(0)), Limit: 3}, []int64{1, 2, 3}, true},
			{"after zero, all", MessageQuery{AfterSeq: new(int64(0))}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
			{"before zero", MessageQuery{BeforeSeq: new(int64(0)), Limit: 3}, nil, false},
			{"limit capped", MessageQuery{Limit: 5000}, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, more, err := w.s.Messages(ctx, w.id("peer"), c.ID, tc.q)
				wantOK(t, err)
				var seqs []int64
				for _, m := range page {
					seqs = append(seqs, m.Seq)
				}
				if !slices.Equal(seqs, tc.seqs) || more != tc.more {
					t.Fatalf("got %v more=%v, want %v more=%v", seqs, more, tc.seqs, tc.more)
				}
			})
		}
		for _, tc := range []struct {
			q     MessageQuery
			field string
		}{
			{MessageQuery{Limit: -1}, "limit"},
			{MessageQuery{BeforeSeq: new(int64(-1))}, "before_seq"},
			{MessageQuery{AfterSeq: new(int64(-5))}, "after_seq"},
			{MessageQuery{BeforeSeq: new(int64(5)), AfterSeq: new(int64(2))}, "after_seq"},
			{MessageQuery{BeforeSeq: new(int64(0)), AfterSeq: new(int64(0))}, "after_seq"},
			{MessageQuery{Thread: -2}, "thread"},
		} {
			_, _, err := w.s.Messages(ctx, w.id("peer"), c.ID, tc.q)
			requireFieldErr(t, err, tc.field)
		}
	})
}

func TestEditMessageRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		m := w.send(t, "peer", c.ID, "first")
		mark := outboxMark(t, st)
		_, err := w.s.EditMessage(ctx, w.id("creator"), c.ID, m.ID, "not mine")
		wantKind(t, err, apperr.KindForbidden)
		_, err = w.s.EditMessage(ctx, w.id("stranger"), c.ID, m.ID, "x")
		wantKind(t, err, apperr.KindNotFound)
		_, err = w.s.EditMessage(ctx, w.id("peer"), c.ID, m.ID, "")
		requireFieldErr(t, err, "content")
		_, err = w.s.EditMessage(ctx, w.id("peer"), c.ID, 1<<40, "x")
		wantKind(t, err, apperr.KindNotFound)
		edited, err := w.s.EditMessage(ctx, w.id("peer"), c.ID, m.ID, "second @Creator")
		wantOK(t, err)
		if edited.Content != "second @Creator" || edited.EditedAt == nil || edited.Seq != m.Seq {
			t.Fatalf("edited %+v", edited)
		}
		if !slices.Equal(edited.Mentions, []int64{w.id("creator")}) {
			t.Fatalf("mentions after edit %v, want creator", edited.Mentions)
		}
		evs := outboxSince(t, st, mark)
		if len(evs) != 1 || evs[0].Type != model.EventMessageUpdated {
			t.Fatalf("events %v, want one message.updated", eventTypes(evs))
		}
		if msg, _ := eventPayload(t, evs[0])["message"].(map[string]any); msg["content"] != "second @Creator" || msg["edited_at"] == nil {
			t.Fatalf("message.updated payload %v", msg)
		}
		wantOK(t, w.s.DeleteMessage(ctx, w.id("peer"), c.ID, m.ID))
		_, err = w.s.EditMessage(ctx, w.id("peer"), c.ID, m.ID, "third")
		wantKind(t, err, apperr.KindConflict)
	})
}

func TestDeleteMessageRules(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		fixtureMember(t, st, w.ws.ID, w.id("outsider"), model.RoleAdmin)
		c := w.newChat(t, model.ChatGroup)
		_, err := w.s.AddChatMembers(ctx, w.id("creator"), c.ID, []int64{w.id("outsider")})
		wantOK(t, err)
		for _, tc := range []struct {
			sender, deleter string
			want            string
		}{
			{"peer", "peer", "ok"},         // sender
			{"peer", "creator", "ok"},      // chat admin (creator of the group)
			{"peer", "outsider", "ok"},     // workspace admin in the chat
			{"creator", "peer", "403"},     // plain member
			{"creator", "guestin", "403"},  // guest member
			{"creator", "stranger", "404"}, // not in the chat
		} {
			t.Run(tc.sender+" by "+tc.deleter, func(t *testing.T) {
				m := w.send(t, tc.sender, c.ID, "doomed")
				mark := outboxMark(t, st)
				if got := outcome(w.s.DeleteMessage(ctx, w.id(tc.deleter), c.ID, m.ID)); got != tc.want {
					t.Fatalf("got %s, want %s", got, tc.want)
				}
				evs := outboxSince(t, st, mark)
				if tc.want != "ok" {
					if len(evs) != 0 {
						t.Fatalf("refused delete wrote events %v", eventTypes(evs))
					}
					return
				}
				tomb, err := w.s.Message(ctx, w.id("creator"), c.ID, m.ID)
				wantOK(t, err)
				if !tomb.Deleted || tomb.Content != "" || tomb.Seq != m.Seq {
					t.Fatalf("tombstone %+v", tomb)
				}
				if len(evs) != 1 || evs[0].Type != model.EventMessageDeleted {
					t.Fatalf("events %v, want one message.deleted", eventTypes(evs))
				}
				if msg, _ := eventPayload(t, evs[0])["message"].(map[string]any); msg["deleted"] != true || msg["id"] != float64(m.ID) {
					t.Fatalf("message.deleted payload %v", msg)
				}
				wantOK(t, w.s.DeleteMessage(ctx, w.id(tc.deleter), c.ID, m.ID))
				if evs := outboxSince(t, st, mark); len(evs) != 1 {
					t.Fatalf("second delete wrote events: %v", eventTypes(evs))
				}
			})
		}
	})
}

func TestRemovedMemberLosesAccess(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatPrivateChannel)
		m := w.send(t, "victim", c.ID, "mine")
		mark := outboxMark(t, st)
		wantOK(t, w.s.RemoveChatMember(ctx, w.id("creator"), c.ID, w.id("victim")))
		evs := outboxSince(t, st, mark)
		if len(evs) != 1 || evs[0].Type != model.EventMemberLeft {
			t.Fatalf("events %v, want member.left", eventTypes(evs))
		}
		if p := eventPayload(t, evs[0]); p["user_id"] != float64(w.id("victim")) {
			t.Fatalf("member.left payload %v", p)
		}
		_, err := w.s.Chat(ctx, w.id("victim"), c.ID)
		wantKind(t, err, apperr.KindNotFound)
		_, err = w.s.Message(ctx, w.id("victim"), c.ID, m.ID)
		wantKind(t, err, apperr.KindNotFound)
		_, _, err = w.s.SendMessage(ctx, w.id("victim"), c.ID, SendMessageInput{Content: "still here?"})
		wantKind(t, err, apperr.KindNotFound)
		_, err = w.s.EditMessage(ctx, w.id("victim"), c.ID, m.ID, "edit")
		wantKind(t, err, apperr.KindNotFound)
		wantKind(t, w.s.RemoveChatMember(ctx, w.id("creator"), c.ID, w.id("victim")), apperr.KindNotFound)
	})
}
