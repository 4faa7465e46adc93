package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func fileTests() []leaf {
	return []leaf{
		{"CreateAndRead", testFileCreate},
		{"FileForUser", testFileForUser},
	}
}

func newFile(t *testing.T, s storage.Store, w model.Workspace, u model.User, name string) model.File {
	t.Helper()
	f := model.File{WorkspaceID: w.ID, UploaderID: u.ID, Name: name, Size: int64(len(name)),
		ContentType: "application/octet-stream", SHA256: "sha-" + name}
	noErr(t, s.CreateFile(context.Background(), &f), "create file "+name)
	return f
}

func testFileCreate(t *testing.T, s storage.Store) {
	ctx := context.Background()
	owner := newUser(t, s, "owner")
	w := newWorkspace(t, s, owner, "Acme")
	f := newFile(t, s, w, owner, "report.pdf")
	if f.ID == 0 {
		t.Fatal("create file did not set ID")
	}
	recent(t, f.CreatedAt, "created_at")
	got, err := s.FileByID(ctx, f.ID)
	noErr(t, err, "file by id")
	if got != f {
		t.Fatalf("read back %+v, want %+v", got, f)
	}
	_, err = s.FileByID(ctx, f.ID+1000)
	wantErr(t, err, storage.ErrNotFound, "missing file")
}

func testFileForUser(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	shared := newFile(t, s, w.ws, w.owner, "shared.png")
	private := newFile(t, s, w.ws, w.owner, "unsent.png")
	m := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "see", Attachments: []model.File{{ID: shared.ID}}}
	_, err := s.CreateMessage(ctx, &m)
	noErr(t, err, "attach")
	for _, tc := range []struct {
		name string
		file model.File
		user model.User
		can  bool
	}{
		{"uploader", private, w.owner, true},
		{"not uploader, not attached", private, w.member, false},
		{"member of the chat", shared, w.member, true},
		{"workspace member not in the chat", shared, w.guest, false},
		{"outsider", shared, w.outsider, false},
	} {
		got, err := s.FileForUser(ctx, tc.file.ID, tc.user.ID)
		if tc.can {
			noErr(t, err, tc.name)
			if got.ID != tc.file.ID || got.Name != tc.file.Name {
				t.Fatalf("%s: got %+v", tc.name, got)
			}
			continue
		}
		wantErr(t, err, storage.ErrNotFound, tc.name)
	}
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(0)), "delete message")
	_, err = s.FileForUser(ctx, shared.ID, w.member.ID)
	wantErr(t, err, storage.ErrNotFound, "attached only to a deleted message")
	_, err = s.FileForUser(ctx, shared.ID, w.owner.ID)
	noErr(t, err, "uploader after delete")
	_, err = s.FileForUser(ctx, shared.ID+1000, w.owner.ID)
	wantErr(t, err, storage.ErrNotFound, "missing file")
}
