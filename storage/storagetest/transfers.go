package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/storage"
)

func transferTests() []leaf {
	return []leaf{
		{"ImportRecordIsPerWorkspaceAndUnique", testImportRecord},
		{"SetMessageTimesKeepsOriginalTimes", testSetMessageTimes},
		{"WorkspaceReads", testTransferReads},
	}
}

func testImportRecord(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	_, err := s.ImportedID(ctx, w.ws.ID, "slack", "user", "U1")
	wantErr(t, err, storage.ErrNotFound, "nothing recorded")
	noErr(t, s.RecordImported(ctx, w.ws.ID, "slack", "user", "U1", w.member.ID), "record")
	id, err := s.ImportedID(ctx, w.ws.ID, "slack", "user", "U1")
	noErr(t, err, "imported id")
	if id != w.member.ID {
		t.Fatalf("imported id %d, want %d", id, w.member.ID)
	}
	wantErr(t, s.RecordImported(ctx, w.ws.ID, "slack", "user", "U1", w.owner.ID), storage.ErrConflict, "recorded twice")
	for _, other := range []struct {
		ws           int64
		source, kind string
	}{
		{w.other.ID, "slack", "user"}, {w.ws.ID, "fechatter:1@1", "user"}, {w.ws.ID, "slack", "chat"},
	} {
		_, err := s.ImportedID(ctx, other.ws, other.source, other.kind, "U1")
		wantErr(t, err, storage.ErrNotFound, "another workspace, source or kind")
	}
}

func testSetMessageTimes(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	m := send(t, s, w.group, w.owner, "from the past")
	created, edited := ts(-100000).UTC(), ts(-99990).UTC()
	noErr(t, s.SetMessageTimes(ctx, m.ID, created, &edited), "set times")
	got, err := s.Message(ctx, w.owner.ID, w.group.ID, m.ID)
	noErr(t, err, "message")
	if !got.CreatedAt.Equal(created) || got.EditedAt == nil || !got.EditedAt.Equal(edited) {
		t.Fatalf("times %v, %v; want %v, %v", got.CreatedAt, got.EditedAt, created, edited)
	}
	c, err := s.ChatByID(ctx, w.group.ID)
	noErr(t, err, "chat")
	if !c.LastActivityAt.Equal(created) {
		t.Fatalf("last activity %v, want %v", c.LastActivityAt, created)
	}
	wantErr(t, s.SetMessageTimes(ctx, m.ID+1000, time.Now(), nil), storage.ErrNotFound, "missing message")
}

func testTransferReads(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	found, err := s.WorkspacesByName(ctx, "Acme")
	noErr(t, err, "by name")
	if len(found) != 1 || found[0].ID != w.ws.ID {
		t.Fatalf("workspaces named Acme: %+v", found)
	}
	chats, err := s.WorkspaceChats(ctx, w.ws.ID)
	noErr(t, err, "workspace chats")
	for _, c := range chats {
		if c.WorkspaceID != w.ws.ID {
			t.Fatalf("chat %d of workspace %d listed", c.ID, c.WorkspaceID)
		}
	}
	m := send(t, s, w.group, w.owner, "react")
	_, err = s.AddReaction(ctx, m.ID, w.member.ID, ":tada:")
	noErr(t, err, "react")
	rs, err := s.ReactionsOf(ctx, []int64{m.ID})
	noErr(t, err, "reactions of")
	if len(rs) != 1 || rs[0] != (storage.Reaction{MessageID: m.ID, UserID: w.member.ID, Emoji: ":tada:"}) {
		t.Fatalf("reactions %+v", rs)
	}
	files, err := s.AttachmentsOf(ctx, []int64{m.ID})
	noErr(t, err, "attachments of")
	if len(files) != 0 {
		t.Fatalf("attachments %+v", files)
	}
}
