package blackbox

import (
	"bytes"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// newChat creates a chat that must be new.
func newChat(t *testing.T, u *user, wsID int64, in client.CreateChatInput) model.ChatSummary {
	t.Helper()
	c, created, err := u.c.CreateChat(context.Background(), wsID, in)
	if err != nil {
		t.Fatalf("%s creates %s %q: %v", u.u.Username, in.Type, in.Name, err)
	}
	if !created || c.Type != in.Type || c.WorkspaceID != wsID {
		t.Fatalf("%s creates %s %q: created=%v, chat %+v", u.u.Username, in.Type, in.Name, created, c)
	}
	return c
}

// send posts a message that must be new.
func send(t *testing.T, u *user, chatID int64, in client.SendMessageInput) model.Message {
	t.Helper()
	m, created, err := u.c.SendMessage(context.Background(), chatID, in)
	if err != nil {
		t.Fatalf("%s sends %q: %v", u.u.Username, in.Content, err)
	}
	if !created || m.ChatID != chatID || m.SenderID != u.u.ID || m.Content != in.Content {
		t.Fatalf("%s sends %q: created=%v, message %+v", u.u.Username, in.Content, created, m)
	}
	return m
}

func (w *walk) chats(t *testing.T) {
	ws := w.wsA.ID
	w.general = newChat(t, w.alice, ws, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "hall", Topic: "all hands"})
	if w.general.Name != "hall" || w.general.Topic != "all hands" || w.general.MemberCount != 1 {
		t.Errorf("general = %+v", w.general)
	}
	_, _, err := w.bob.c.CreateChat(w.ctx, ws, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "HALL"})
	wantStatus(t, "channel name taken (other case)", err, 409)
	if !w.listed(t, w.bob.c.Channels, w.general.ID) {
		t.Error("bob cannot see general among joinable channels")
	}
	j, err := w.bob.c.JoinChat(w.ctx, w.general.ID)
	mustDo(t, err)
	if j.MemberCount != 2 {
		t.Errorf("after bob joins, general = %+v", j)
	}
	if !w.listed(t, w.bob.c.Chats, w.general.ID) {
		t.Error("bob's chats lack general after joining")
	}
	if w.listed(t, w.bob.c.Channels, w.general.ID) {
		t.Error("general still offered to bob as joinable after he joined")
	}

	w.secret = newChat(t, w.alice, ws, client.CreateChatInput{Type: model.ChatPrivateChannel, Name: "secret", MemberIDs: []int64{w.bob.u.ID}})
	if w.secret.MemberCount != 2 {
		t.Errorf("secret = %+v", w.secret)
	}
	_, err = w.dave.c.Chat(w.ctx, w.secret.ID)
	wantStatus(t, "non-member reads private channel", err, 404)
	_, err = w.dave.c.JoinChat(w.ctx, w.secret.ID)
	wantStatus(t, "non-member joins private channel", err, 404)
	if w.listed(t, w.dave.c.Channels, w.secret.ID) {
		t.Error("private channel offered to a non-member")
	}

	w.dm = newChat(t, w.alice, ws, client.CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{w.bob.u.ID}})
	for _, again := range []struct {
		who  *user
		peer int64
	}{{w.alice, w.bob.u.ID}, {w.bob, w.alice.u.ID}} {
		dm, created, err := again.who.c.CreateChat(w.ctx, ws, client.CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{again.peer}})
		if err != nil || created || dm.ID != w.dm.ID {
			t.Errorf("%s creates the direct chat again: id %d created=%v err %v, want existing %d",
				again.who.u.Username, dm.ID, created, err, w.dm.ID)
		}
	}

	w.group = newChat(t, w.alice, ws, client.CreateChatInput{Type: model.ChatGroup, MemberIDs: []int64{w.bob.u.ID, w.dave.u.ID}})
	members, err := w.dave.c.ChatMembers(w.ctx, w.group.ID)
	mustDo(t, err)
	ids := []int64{}
	for _, m := range members {
		ids = append(ids, m.UserID)
	}
	slices.Sort(ids)
	want := []int64{w.alice.u.ID, w.bob.u.ID, w.dave.u.ID}
	slices.Sort(want)
	if !slices.Equal(ids, want) || w.group.MemberCount != 3 {
		t.Errorf("group members %v (count %d), want %v", ids, w.group.MemberCount, want)
	}
}

func (w *walk) messages(t *testing.T) {
	chat := w.general.ID
	m1 := send(t, w.alice, chat, client.SendMessageInput{Content: "hello @bob", ClientID: "hello-1"})
	if !slices.Contains(m1.Mentions, w.bob.u.ID) {
		t.Errorf("mentions of %q = %v, want bob (%d)", m1.Content, m1.Mentions, w.bob.u.ID)
	}
	again, created, err := w.alice.c.SendMessage(w.ctx, chat, client.SendMessageInput{Content: "hello @bob", ClientID: "hello-1"})
	if err != nil || created || again.ID != m1.ID || again.Seq != m1.Seq {
		t.Errorf("resend with the same client_id: %+v created=%v err %v, want message %d", again, created, err, m1.ID)
	}
	m2 := send(t, w.bob, chat, client.SendMessageInput{Content: "hi alice"})
	reply := send(t, w.bob, chat, client.SendMessageInput{Content: "a thread reply", ReplyTo: m1.ID})
	if m2.Seq != m1.Seq+1 || reply.Seq != m2.Seq+1 || reply.ReplyTo == nil || *reply.ReplyTo != m1.ID {
		t.Errorf("seqs %d %d %d, reply_to %v", m1.Seq, m2.Seq, reply.Seq, reply.ReplyTo)
	}
	root, err := w.alice.c.Message(w.ctx, chat, m1.ID)
	mustDo(t, err)
	if root.ReplyCount != 1 {
		t.Errorf("reply_count of the thread root = %d, want 1", root.ReplyCount)
	}
	thread, err := w.alice.c.Messages(w.ctx, chat, client.MessageQuery{Thread: m1.ID})
	mustDo(t, err)
	if len(thread.Messages) != 1 || thread.Messages[0].ID != reply.ID {
		t.Errorf("thread of %d = %+v, want only %d", m1.ID, thread.Messages, reply.ID)
	}

	w.reactions(t, m1)
	w.editAndDelete(t, m1, m2, reply)
}

func (w *walk) reactions(t *testing.T, m model.Message) {
	chat := m.ChatID
	mustDo(t, w.bob.c.React(w.ctx, chat, m.ID, "👍"))
	mustDo(t, w.bob.c.React(w.ctx, chat, m.ID, "👍")) // idempotent
	mustDo(t, w.alice.c.React(w.ctx, chat, m.ID, "👍"))
	for _, tc := range []struct {
		who   *user
		count int
		me    bool
	}{{w.alice, 2, true}, {w.dave, 2, false}} { // dave may read the public channel
		got, err := tc.who.c.Message(w.ctx, chat, m.ID)
		mustDo(t, err)
		if want := []model.ReactionCount{{Emoji: "👍", Count: tc.count, Me: tc.me}}; !slices.Equal(got.Reactions, want) {
			t.Errorf("%s sees reactions %+v, want %+v", tc.who.u.Username, got.Reactions, want)
		}
	}
	mustDo(t, w.bob.c.Unreact(w.ctx, chat, m.ID, "👍"))
	mustDo(t, w.bob.c.Unreact(w.ctx, chat, m.ID, "👍")) // idempotent
	got, err := w.bob.c.Message(w.ctx, chat, m.ID)
	mustDo(t, err)
	if want := []model.ReactionCount{{Emoji: "👍", Count: 1}}; !slices.Equal(got.Reactions, want) {
		t.Errorf("after unreact bob sees %+v, want %+v", got.Reactions, want)
	}
}

func (w *walk) editAndDelete(t *testing.T, m1, m2, reply model.Message) {
	chat := m1.ChatID
	edited, err := w.alice.c.EditMessage(w.ctx, chat, m1.ID, "hello @bob, edited")
	mustDo(t, err)
	if edited.Content != "hello @bob, edited" || edited.EditedAt == nil || edited.Seq != m1.Seq {
		t.Errorf("edited message = %+v", edited)
	}
	_, err = w.bob.c.EditMessage(w.ctx, chat, m1.ID, "bob was here")
	wantStatus(t, "bob edits alice's message", err, 403)
	wantStatus(t, "bob deletes alice's message", w.bob.c.DeleteMessage(w.ctx, chat, m1.ID), 403)

	mustDo(t, w.bob.c.DeleteMessage(w.ctx, chat, m2.ID))
	tomb, err := w.alice.c.Message(w.ctx, chat, m2.ID)
	mustDo(t, err)
	if !tomb.Deleted || tomb.Content != "" || tomb.Seq != m2.Seq || tomb.ID != m2.ID {
		t.Errorf("deleted message reads back as %+v", tomb)
	}
	page, err := w.alice.c.Messages(w.ctx, chat, client.MessageQuery{BeforeSeq: reply.Seq, Limit: 1})
	mustDo(t, err)
	if len(page.Messages) != 1 || page.Messages[0].ID != m2.ID || !page.Messages[0].Deleted || !page.HasMore {
		t.Errorf("page before seq %d = %+v (has_more %v), want the tombstone %d and more", reply.Seq, page.Messages, page.HasMore, m2.ID)
	}
	all, err := w.alice.c.Messages(w.ctx, chat, client.MessageQuery{})
	mustDo(t, err)
	if !slices.IsSortedFunc(all.Messages, func(a, b model.Message) int { return int(a.Seq - b.Seq) }) || len(all.Messages) < 3 {
		t.Errorf("latest messages not in ascending seq: %+v", all.Messages)
	}
	first, err := w.alice.c.Messages(w.ctx, chat, client.MessageQuery{FromStart: true, Limit: 1})
	mustDo(t, err)
	if len(first.Messages) != 1 || first.Messages[0].Seq != 1 || !first.HasMore {
		t.Errorf("first page from after_seq 0 = %+v (has_more %v), want seq 1 and more", first.Messages, first.HasMore)
	}
}

func (w *walk) unread(t *testing.T) {
	chat := w.group.ID
	unread := func() model.ChatSummary {
		t.Helper()
		chats, err := w.dave.c.Chats(w.ctx, w.wsA.ID)
		mustDo(t, err)
		c, ok := chatIn(chats, chat)
		if !ok {
			t.Fatal("group missing from dave's chats")
		}
		return c
	}
	if c := unread(); c.UnreadCount != 0 {
		t.Errorf("unread before any message = %d", c.UnreadCount)
	}
	g1 := send(t, w.alice, chat, client.SendMessageInput{Content: "one"})
	g2 := send(t, w.alice, chat, client.SendMessageInput{Content: "two"})
	g3 := send(t, w.alice, chat, client.SendMessageInput{Content: "three, @dave please look"})
	if c := unread(); c.UnreadCount != 3 || c.LastMessage == nil || c.LastMessage.ID != g3.ID {
		t.Errorf("after three messages dave's group = unread %d, last %+v", c.UnreadCount, c.LastMessage)
	}
	hasMention := func(unreadOnly bool) bool {
		t.Helper()
		ms, err := w.dave.c.Mentions(w.ctx, unreadOnly)
		mustDo(t, err)
		return slices.ContainsFunc(ms, func(m model.Message) bool { return m.ID == g3.ID })
	}
	if !hasMention(true) {
		t.Error("unread mentions lack the message that mentions dave")
	}
	for _, step := range []struct {
		seq        int64
		wantUnread int64
		why        string
	}{
		{g2.Seq, 1, "read up to two"},
		{g1.Seq, 1, "a marker never moves back"},
		{g3.Seq, 0, "read all"},
	} {
		mustDo(t, w.dave.c.MarkRead(w.ctx, chat, step.seq))
		if c := unread(); c.UnreadCount != step.wantUnread {
			t.Errorf("%s: unread = %d, want %d", step.why, c.UnreadCount, step.wantUnread)
		}
	}
	if hasMention(true) || !hasMention(false) {
		t.Errorf("after reading: in unread mentions %v (want false), in all mentions %v (want true)", hasMention(true), hasMention(false))
	}
	members, err := w.alice.c.ChatMembers(w.ctx, chat)
	mustDo(t, err)
	i := slices.IndexFunc(members, func(m model.ChatMember) bool { return m.UserID == w.dave.u.ID })
	if i < 0 || members[i].LastReadSeq != g3.Seq {
		t.Errorf("dave's last_read_seq in members = %+v, want %d", members, g3.Seq)
	}
}

func (w *walk) files(t *testing.T) {
	data := make([]byte, 100<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(r.UintN(256))
	}
	f, err := w.alice.c.UploadFile(w.ctx, w.wsA.ID, "report.bin", bytes.NewReader(data))
	mustDo(t, err)
	if f.ID == 0 || f.Size != int64(len(data)) || f.Name != "report.bin" {
		t.Fatalf("uploaded file = %+v", f)
	}
	m := send(t, w.alice, w.secret.ID, client.SendMessageInput{Content: "the report", AttachmentIDs: []int64{f.ID}})
	if len(m.Attachments) != 1 || m.Attachments[0].ID != f.ID {
		t.Errorf("attachments = %+v, want file %d", m.Attachments, f.ID)
	}
	for _, u := range []*user{w.alice, w.bob} {
		var buf bytes.Buffer
		h, err := u.c.DownloadFile(w.ctx, f.ID, &buf)
		mustDo(t, err)
		if !bytes.Equal(buf.Bytes(), data) {
			t.Errorf("%s downloads %d bytes that differ from the %d uploaded", u.u.Username, buf.Len(), len(data))
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(h.Get("Content-Disposition"), "attachment") {
			t.Errorf("%s download headers: nosniff %q, disposition %q", u.u.Username, h.Get("X-Content-Type-Options"), h.Get("Content-Disposition"))
		}
	}
	for _, u := range []*user{w.dave, w.carol} { // not in the chat / not in the workspace
		var buf bytes.Buffer
		_, err := u.c.DownloadFile(w.ctx, f.ID, &buf)
		wantStatus(t, u.u.Username+" downloads a file of a chat they are not in", err, 404)
		if buf.Len() != 0 {
			t.Errorf("%s received %d bytes", u.u.Username, buf.Len())
		}
	}
}
