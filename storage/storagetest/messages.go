package storagetest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func messageTests() []leaf {
	return []leaf{
		{"CreateAndRead", testMessageCreate},
		{"IdempotentClientID", testMessageClientID},
		{"Paging", testMessagePaging},
		{"Threads", testMessageThreads},
		{"Edit", testMessageEdit},
		{"DeleteTombstone", testMessageDelete},
		{"AtomicOnError", testMessageAtomic},
	}
}

func testMessageCreate(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	f := newFile(t, s, w.ws, w.owner, "a.png")
	g := newFile(t, s, w.ws, w.owner, "b.pdf")
	m := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "hi @member", ClientID: "c-1",
		Mentions: []int64{w.member.ID, w.member.ID}, Attachments: []model.File{{ID: g.ID}, {ID: f.ID}}}
	created, err := s.CreateMessage(ctx, &m)
	noErr(t, err, "create message")
	if !created || m.ID == 0 || m.Seq != 1 || m.WorkspaceID != w.ws.ID {
		t.Fatalf("created=%v message %+v", created, m)
	}
	recent(t, m.CreatedAt, "created_at")
	// m comes back filled in as a read would return it, the whole sender
	// included: chat.SendMessage answers and records it without reading it.
	if m.Sender.ID != w.owner.ID || m.Sender.Username != "owner" || m.Sender.Email != w.owner.Email || !equalIDs(m.Mentions, []int64{w.member.ID}) || len(m.Attachments) != 2 ||
		m.Attachments[0].ID != g.ID || m.Attachments[0].Name != "b.pdf" || m.Reactions == nil || len(m.Reactions) != 0 {
		t.Fatalf("created message not filled in: %+v", m)
	}
	got, err := s.Message(ctx, w.member.ID, w.group.ID, m.ID)
	noErr(t, err, "message")
	if got.Content != "hi @member" || got.ClientID != "c-1" || got.Seq != 1 || got.ChatID != w.group.ID ||
		got.WorkspaceID != w.ws.ID || got.SenderID != w.owner.ID || got.Sender.Username != "owner" ||
		got.ReplyTo != nil || got.Deleted || got.DeletedAt != nil || got.EditedAt != nil {
		t.Fatalf("read back %+v", got)
	}
	sameTime(t, got.CreatedAt, m.CreatedAt, "created_at")
	if !equalIDs(got.Mentions, []int64{w.member.ID}) {
		t.Fatalf("mentions = %v", got.Mentions)
	}
	if len(got.Attachments) != 2 || got.Attachments[0].ID != g.ID || got.Attachments[1].ID != f.ID ||
		got.Attachments[0].Name != "b.pdf" || got.Attachments[0].SHA256 != g.SHA256 {
		t.Fatalf("attachments (in the order given) = %+v", got.Attachments)
	}
	if got.Reactions == nil || len(got.Reactions) != 0 {
		t.Fatalf("reactions must be an empty, non-nil slice: %#v", got.Reactions)
	}
	a, err := s.ChatAccess(ctx, w.group.ID, w.owner.ID)
	noErr(t, err, "chat access")
	if a.Chat.LastSeq != 1 {
		t.Fatalf("chat last seq = %d", a.Chat.LastSeq)
	}
	sameTime(t, a.Chat.LastActivityAt, m.CreatedAt, "chat last activity")

	plain := send(t, s, w.group, w.member, "plain")
	got, err = s.Message(ctx, w.owner.ID, w.group.ID, plain.ID)
	noErr(t, err, "message")
	if plain.Seq != 2 || got.Attachments == nil || got.Mentions == nil || got.Reactions == nil {
		t.Fatalf("plain message %+v: seq 2 and empty non-nil slices wanted", got)
	}
	other := newFile(t, s, w.other, w.outsider, "theirs.txt")
	bad := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "x", Attachments: []model.File{{ID: other.ID}}}
	_, err = s.CreateMessage(ctx, &bad)
	wantErr(t, err, storage.ErrNotFound, "attach a file of another workspace")
	missing := model.Message{ChatID: w.group.ID + 1000, SenderID: w.owner.ID, Content: "x"}
	_, err = s.CreateMessage(ctx, &missing)
	wantErr(t, err, storage.ErrNotFound, "post to a missing chat")
}

func testMessageClientID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	first := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: "once", ClientID: "retry-me"}
	created, err := s.CreateMessage(ctx, &first)
	noErr(t, err, "first send")
	if !created {
		t.Fatal("first send not created")
	}
	again := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: "once (retried)", ClientID: "retry-me"}
	created, err = s.CreateMessage(ctx, &again)
	noErr(t, err, "retry")
	if created || again.ID != first.ID || again.Seq != first.Seq || again.Content != "once" || again.Sender.ID != w.member.ID {
		t.Fatalf("retry: created=%v %+v, want the first message", created, again)
	}
	// The same client id from another sender, or in another chat, is another message.
	for _, m := range []model.Message{
		{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "other sender", ClientID: "retry-me"},
		{ChatID: w.direct.ID, SenderID: w.member.ID, Content: "other chat", ClientID: "retry-me"},
	} {
		created, err := s.CreateMessage(ctx, &m)
		noErr(t, err, m.Content)
		if !created {
			t.Fatalf("%s: not created", m.Content)
		}
	}
	// Inside a transaction a retry returns the first message too, takes
	// no seq, and leaves the transaction usable.
	err = s.InTx(ctx, func(tx storage.Tx) error {
		inTx := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: "once (in tx)", ClientID: "retry-me"}
		created, err := tx.CreateMessage(ctx, &inTx)
		if err != nil || created || inTx.ID != first.ID || inTx.Content != "once" || inTx.Sender.ID != w.member.ID {
			t.Fatalf("retry in tx: created=%v %+v %v, want the first message", created, inTx, err)
		}
		next := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: "after the retry", ClientID: "new-one"}
		created, err = tx.CreateMessage(ctx, &next)
		if err != nil || !created || next.Seq != 3 {
			t.Fatalf("send after a retry in tx: created=%v seq %d %v, want seq 3", created, next.Seq, err)
		}
		return nil
	})
	noErr(t, err, "retry in a transaction")
	a, err := s.ChatAccess(ctx, w.group.ID, w.owner.ID)
	noErr(t, err, "chat access")
	if a.Chat.LastSeq != 3 {
		t.Fatalf("a retry must not take a seq: last seq %d, want 3", a.Chat.LastSeq)
	}
}

func testMessagePaging(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	for i := 1; i <= 7; i++ {
		send(t, s, w.public, w.owner, fmt.Sprintf("m%d", i))
	}
	for _, tc := range []struct {
		name     string
		q        storage.MessageQuery
		seqs     []int64
		wantMore bool
	}{
		{"newest", storage.MessageQuery{Limit: 3}, []int64{5, 6, 7}, true},
		{"all newest", storage.MessageQuery{Limit: 7}, []int64{1, 2, 3, 4, 5, 6, 7}, false},
		{"default limit", storage.MessageQuery{}, []int64{1, 2, 3, 4, 5, 6, 7}, false},
		{"before", storage.MessageQuery{BeforeSeq: new(int64(5)), Limit: 3}, []int64{2, 3, 4}, true},
		{"before, reaching the start", storage.MessageQuery{BeforeSeq: new(int64(4)), Limit: 3}, []int64{1, 2, 3}, false},
		{"before the first", storage.MessageQuery{BeforeSeq: new(int64(1)), Limit: 3}, nil, false},
		{"after", storage.MessageQuery{AfterSeq: new(int64(2)), Limit: 3}, []int64{3, 4, 5}, true},
		{"after, reaching the end", storage.MessageQuery{AfterSeq: new(int64(4)), Limit: 3}, []int64{5, 6, 7}, false},
		{"after the last", storage.MessageQuery{AfterSeq: new(int64(7)), Limit: 3}, nil, false},
		{"after zero: the first", storage.MessageQuery{AfterSeq: new(int64(0)), Limit: 3}, []int64{1, 2, 3}, true},
		{"after zero: all", storage.MessageQuery{AfterSeq: new(int64(0)), Limit: 7}, []int64{1, 2, 3, 4, 5, 6, 7}, false},
		{"before zero: nothing", storage.MessageQuery{BeforeSeq: new(int64(0)), Limit: 3}, nil, false},
	} {
		page, more, err := s.ListMessages(ctx, w.member.ID, w.public.ID, tc.q)
		noErr(t, err, tc.name)
		var seqs []int64
		for _, m := range page {
			seqs = append(seqs, m.Seq)
			if m.Content != fmt.Sprintf("m%d", m.Seq) || m.Sender.ID != w.owner.ID {
				t.Fatalf("%s: message %+v", tc.name, m)
			}
		}
		if !equalIDs(seqs, tc.seqs) || more != tc.wantMore {
			t.Fatalf("%s: seqs %v more %v, want %v %v", tc.name, seqs, more, tc.seqs, tc.wantMore)
		}
		if page == nil {
			t.Fatalf("%s: nil page, want an empty slice", tc.name)
		}
	}
	_, _, err := s.ListMessages(ctx, w.member.ID, w.public.ID, storage.MessageQuery{BeforeSeq: new(int64(5)), AfterSeq: new(int64(2))})
	if !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("before and after together: %v, want storage.ErrInvalid", err)
	}
	_, _, err = s.ListMessages(ctx, w.member.ID, w.public.ID, storage.MessageQuery{BeforeSeq: new(int64(0)), AfterSeq: new(int64(0))})
	if !errors.Is(err, storage.ErrInvalid) {
		t.Fatalf("before and after together, zeros: %v, want storage.ErrInvalid", err)
	}
}

func testMessageThreads(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	root := send(t, s, w.group, w.owner, "root")
	other := send(t, s, w.group, w.owner, "other root")
	var replies []model.Message
	for i := range 3 {
		r := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: fmt.Sprintf("r%d", i), ReplyTo: &root.ID}
		_, err := s.CreateMessage(ctx, &r)
		noErr(t, err, "reply")
		replies = append(replies, r)
	}
	r := model.Message{ChatID: w.group.ID, SenderID: w.member.ID, Content: "elsewhere", ReplyTo: &other.ID}
	_, err := s.CreateMessage(ctx, &r)
	noErr(t, err, "reply to other")

	got, err := s.Message(ctx, w.member.ID, w.group.ID, root.ID)
	noErr(t, err, "root")
	if got.ReplyCount != 3 {
		t.Fatalf("reply count = %d", got.ReplyCount)
	}
	page, more, err := s.ListMessages(ctx, w.member.ID, w.group.ID, storage.MessageQuery{Thread: root.ID, Limit: 2})
	noErr(t, err, "thread newest")
	if len(page) != 2 || !more || page[0].ID != replies[1].ID || page[1].ID != replies[2].ID {
		t.Fatalf("thread newest page = %+v more=%v", page, more)
	}
	if page[0].ReplyTo == nil || *page[0].ReplyTo != root.ID {
		t.Fatalf("reply_to = %v", page[0].ReplyTo)
	}
	page, more, err = s.ListMessages(ctx, w.member.ID, w.group.ID, storage.MessageQuery{Thread: root.ID, BeforeSeq: new(page[0].Seq)})
	noErr(t, err, "thread before")
	if len(page) != 1 || more || page[0].ID != replies[0].ID {
		t.Fatalf("thread older page = %+v", page)
	}
	all, _, err := s.ListMessages(ctx, w.member.ID, w.group.ID, storage.MessageQuery{})
	noErr(t, err, "whole chat")
	if len(all) != 6 {
		t.Fatalf("without Thread the page holds every message, replies included: %d", len(all))
	}
	// Deleting a reply leaves the count alone.
	noErr(t, s.DeleteMessage(ctx, replies[0].ID, ts(0)), "delete reply")
	got, err = s.Message(ctx, w.member.ID, w.group.ID, root.ID)
	noErr(t, err, "root")
	if got.ReplyCount != 3 {
		t.Fatalf("reply count after delete = %d", got.ReplyCount)
	}
	away := send(t, s, w.public, w.owner, "in public")
	bad := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "x", ReplyTo: &away.ID}
	_, err = s.CreateMessage(ctx, &bad)
	wantErr(t, err, storage.ErrNotFound, "reply to a message of another chat")
}

func testMessageEdit(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	m := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "hi @member", Mentions: []int64{w.member.ID}}
	_, err := s.CreateMessage(ctx, &m)
	noErr(t, err, "create")
	noErr(t, s.EditMessage(ctx, m.ID, "hi @owner", []int64{w.owner.ID}, ts(3)), "edit")
	got, err := s.Message(ctx, w.member.ID, w.group.ID, m.ID)
	noErr(t, err, "message")
	if got.Content != "hi @owner" || !equalIDs(got.Mentions, []int64{w.owner.ID}) || got.EditedAt == nil || got.Seq != m.Seq {
		t.Fatalf("edited %+v", got)
	}
	sameTime(t, *got.EditedAt, ts(3), "edited_at")
	wantErr(t, s.EditMessage(ctx, m.ID+1000, "x", nil, ts(4)), storage.ErrNotFound, "edit missing")
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(5)), "delete")
	wantErr(t, s.EditMessage(ctx, m.ID, "back from the dead", nil, ts(6)), storage.ErrNotFound, "edit a tombstone")
}

func testMessageDelete(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	f := newFile(t, s, w.ws, w.owner, "a.png")
	m := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "secret @member", ClientID: "k",
		Mentions: []int64{w.member.ID}, Attachments: []model.File{{ID: f.ID}}}
	_, err := s.CreateMessage(ctx, &m)
	noErr(t, err, "create")
	after := send(t, s, w.group, w.owner, "after")
	_, err = s.AddReaction(ctx, m.ID, w.member.ID, "👍")
	noErr(t, err, "react")
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(7)), "delete")
	got, err := s.Message(ctx, w.member.ID, w.group.ID, m.ID)
	noErr(t, err, "tombstone")
	if !got.Deleted || got.DeletedAt == nil || got.Content != "" || got.ID != m.ID || got.Seq != m.Seq ||
		len(got.Attachments) != 0 || len(got.Reactions) != 0 || len(got.Mentions) != 0 || got.Attachments == nil {
		t.Fatalf("tombstone %+v", got)
	}
	sameTime(t, *got.DeletedAt, ts(7), "deleted_at")
	page, _, err := s.ListMessages(ctx, w.member.ID, w.group.ID, storage.MessageQuery{})
	noErr(t, err, "list")
	if len(page) != 2 || page[0].ID != m.ID || !page[0].Deleted || page[1].ID != after.ID {
		t.Fatalf("the tombstone keeps its place in the page: %+v", page)
	}
	mentions, err := s.ListMentions(ctx, w.member.ID, false, 10)
	noErr(t, err, "mentions")
	if len(mentions) != 0 {
		t.Fatalf("a deleted message still mentions: %+v", mentions)
	}
	retry := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "secret", ClientID: "k"}
	created, err := s.CreateMessage(ctx, &retry)
	noErr(t, err, "retry after delete")
	if created || retry.ID != m.ID || !retry.Deleted {
		t.Fatalf("a retried client id after delete returns the tombstone: created=%v %+v", created, retry)
	}
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(8)), "delete twice")
	wantErr(t, s.DeleteMessage(ctx, m.ID+1000, ts(8)), storage.ErrNotFound, "delete missing")
}

func testMessageAtomic(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	bad := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "x", Attachments: []model.File{{ID: 9999}}}
	_, err := s.CreateMessage(ctx, &bad)
	wantErr(t, err, storage.ErrNotFound, "attach a missing file")
	m := send(t, s, w.group, w.owner, "next")
	if m.Seq != 1 {
		t.Fatalf("a failed create must not use up a seq: got seq %d", m.Seq)
	}
}
