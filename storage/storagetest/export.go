package storagetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fechatter/fechatter/storage"
)

func exportTests() []leaf {
	return []leaf{
		{"ChatByID", testExportChatByID},
		{"AllMessagesPagesEveryMessage", testExportAllMessages},
		{"MessagesByID", testExportMessagesByID},
	}
}

func testExportChatByID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	c, err := s.ChatByID(ctx, w.group.ID)
	noErr(t, err, "chat by id")
	if c.ID != w.group.ID || c.WorkspaceID != w.ws.ID || c.Type != w.group.Type || c.Name != w.group.Name {
		t.Fatalf("chat = %+v, want %+v", c, w.group)
	}
	_, err = s.ChatByID(ctx, w.group.ID+1000)
	wantErr(t, err, storage.ErrNotFound, "missing chat")
}

func testExportAllMessages(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	other := newWorkspace(t, s, w.owner, "elsewhere")
	oc := newChat(t, s, other, "group", "", w.owner)
	var want []int64
	for i := 0; i < 7; i++ {
		want = append(want, send(t, s, w.group, w.owner, "m").ID)
		send(t, s, oc, w.owner, "other")
	}
	noErr(t, s.DeleteMessage(ctx, want[2], time.Now()), "delete")
	n, err := s.CountMessages(ctx, w.ws.ID)
	noErr(t, err, "count")
	if n != 7 {
		t.Fatalf("count = %d, want 7 (tombstones included)", n)
	}
	if all, _ := s.CountMessages(ctx, 0); all != 14 {
		t.Fatalf("count of every workspace = %d, want 14", all)
	}
	var got []int64
	after := int64(0)
	for {
		page, err := s.AllMessages(ctx, w.ws.ID, after, 3)
		noErr(t, err, "all messages")
		if len(page) == 0 {
			break
		}
		for _, m := range page {
			if m.WorkspaceID != w.ws.ID || m.Sender.ID != w.owner.ID {
				t.Fatalf("message %+v: wrong workspace or sender not filled", m)
			}
			if m.ID == want[2] && !m.Deleted {
				t.Fatal("tombstone not marked deleted")
			}
			got = append(got, m.ID)
			after = m.ID
		}
	}
	if !equalIDs(got, want) {
		t.Fatalf("ids = %v, want %v", got, want)
	}
	if _, err := s.AllMessages(ctx, 0, 0, 100); errors.Is(err, storage.ErrNotFound) {
		t.Fatal("AllMessages of every workspace failed")
	}
}

func testExportMessagesByID(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	a := send(t, s, w.group, w.owner, "first")
	b := send(t, s, w.group, w.owner, "second")
	noErr(t, s.EditMessage(ctx, a.ID, "first, edited", nil, time.Now()), "edit")
	noErr(t, s.DeleteMessage(ctx, b.ID, time.Now()), "delete")
	got, err := s.MessagesByID(ctx, []int64{b.ID, a.ID, b.ID + 1000})
	noErr(t, err, "messages by id")
	if len(got) != 2 {
		t.Fatalf("got %d messages, want 2 (the missing id is left out): %+v", len(got), got)
	}
	for _, m := range got {
		switch m.ID {
		case a.ID:
			if m.Content != "first, edited" || m.Deleted || m.Sender.ID != w.owner.ID || m.WorkspaceID != w.ws.ID {
				t.Fatalf("edited message = %+v", m)
			}
		case b.ID:
			if !m.Deleted {
				t.Fatalf("tombstone = %+v, want Deleted", m)
			}
		default:
			t.Fatalf("unexpected message %d", m.ID)
		}
	}
	if none, err := s.MessagesByID(ctx, nil); err != nil || len(none) != 0 {
		t.Fatalf("no ids: %v, %v", none, err)
	}
}
