package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func fileTests() []leaf {
	return []leaf{
		{"CreateAndRead", testFileCreate},
		{"FileForUser", testFileForUser},
		{"Usage", testFileUsage},
		{"Unattached", testFileUnattached},
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
	old := model.File{WorkspaceID: w.ID, UploaderID: owner.ID, Name: "old", Size: 1, SHA256: "old", CreatedAt: ts(-60)}
	noErr(t, s.CreateFile(ctx, &old), "create file with a creation time")
	got, err = s.FileByID(ctx, old.ID)
	noErr(t, err, "file by id")
	sameTime(t, got.CreatedAt, ts(-60), "given created_at")
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

// newBlobFile creates a file of size bytes with content address sha.
func newBlobFile(t *testing.T, s storage.Store, w model.Workspace, u model.User, sha string, size int64) model.File {
	t.Helper()
	f := model.File{WorkspaceID: w.ID, UploaderID: u.ID, Name: sha, Size: size,
		ContentType: "application/octet-stream", SHA256: sha}
	noErr(t, s.CreateFile(context.Background(), &f), "create file "+sha)
	return f
}

func testFileUsage(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	addMember(t, s, w.other, w.member, model.RoleMember)
	newBlobFile(t, s, w.ws, w.owner, "a", 100)
	newBlobFile(t, s, w.ws, w.member, "b", 300)
	newBlobFile(t, s, w.ws, w.member, "c", 50)
	newBlobFile(t, s, w.ws, w.guest, "d", 7)
	newBlobFile(t, s, w.other, w.member, "e", 1000)
	wsBytes, userBytes, err := s.FileUsage(ctx, w.ws.ID, w.member.ID)
	noErr(t, err, "file usage")
	if wsBytes != 457 || userBytes != 1350 {
		t.Fatalf("usage = workspace %d, user %d; want 457, 1350 (the user's bytes in every workspace)", wsBytes, userBytes)
	}
	err = s.InTx(ctx, func(tx storage.Tx) error {
		wsBytes, userBytes, err = tx.FileUsage(ctx, w.other.ID, w.owner.ID)
		return err
	})
	noErr(t, err, "file usage in a transaction")
	if wsBytes != 1000 || userBytes != 100 {
		t.Fatalf("usage in tx = %d, %d; want 1000, 100", wsBytes, userBytes)
	}
	u, err := s.WorkspaceUsage(ctx, w.ws.ID, 2)
	noErr(t, err, "workspace usage")
	want := []model.UploaderUsage{{UserID: w.member.ID, Files: 2, Bytes: 350}, {UserID: w.owner.ID, Files: 1, Bytes: 100}}
	if u.Files != 4 || u.Bytes != 457 || len(u.TopUploaders) != 2 || u.TopUploaders[0] != want[0] || u.TopUploaders[1] != want[1] {
		t.Fatalf("workspace usage = %+v, want 4 files, 457 bytes, top %+v", u, want)
	}
	empty := newWorkspace(t, s, w.owner, "Empty")
	u, err = s.WorkspaceUsage(ctx, empty.ID, 10)
	noErr(t, err, "usage of an empty workspace")
	if u.Files != 0 || u.Bytes != 0 || u.TopUploaders == nil || len(u.TopUploaders) != 0 {
		t.Fatalf("empty workspace usage = %#v", u)
	}
}

func testFileUnattached(t *testing.T, s storage.Store) {
	ctx := context.Background()
	w := newWorld(t, s)
	attached := newBlobFile(t, s, w.ws, w.owner, "shared", 10)
	orphan := newBlobFile(t, s, w.ws, w.owner, "shared", 10)
	loner := newBlobFile(t, s, w.other, w.outsider, "loner", 10)
	m := model.Message{ChatID: w.group.ID, SenderID: w.owner.ID, Content: "see", Attachments: []model.File{{ID: attached.ID}}}
	_, err := s.CreateMessage(ctx, &m)
	noErr(t, err, "attach")
	future, past := time.Now().Add(time.Hour), time.Now().Add(-time.Hour)
	list, err := s.UnattachedFiles(ctx, future, 0, 10)
	noErr(t, err, "unattached files")
	if len(list) != 2 || list[0].ID != orphan.ID || list[1].ID != loner.ID || list[0].SHA256 != "shared" {
		t.Fatalf("unattached = %+v, want [orphan, loner]", list)
	}
	list, err = s.UnattachedFiles(ctx, future, orphan.ID, 10)
	noErr(t, err, "unattached files after the orphan")
	if len(list) != 1 || list[0].ID != loner.ID {
		t.Fatalf("unattached after %d = %+v, want [loner]", orphan.ID, list)
	}
	list, err = s.UnattachedFiles(ctx, past, 0, 10)
	noErr(t, err, "young files")
	if len(list) != 0 {
		t.Fatalf("files younger than the cutoff are listed: %+v", list)
	}
	for _, tc := range []struct {
		name   string
		id     int64
		before time.Time
		want   bool
	}{
		{"attached", attached.ID, future, false},
		{"too young", orphan.ID, past, false},
		{"unattached and old", orphan.ID, future, true},
		{"already gone", orphan.ID, future, false},
	} {
		got, err := s.DeleteUnattachedFile(ctx, tc.id, tc.before)
		noErr(t, err, tc.name)
		if got != tc.want {
			t.Fatalf("%s: deleted = %v, want %v", tc.name, got, tc.want)
		}
	}
	_, err = s.FileByID(ctx, orphan.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted orphan")
	for sha, want := range map[string]bool{"shared": true, "loner": true, "nothing": false} {
		got, err := s.BlobReferenced(ctx, sha)
		noErr(t, err, "blob referenced "+sha)
		if got != want {
			t.Fatalf("blob %q referenced = %v, want %v", sha, got, want)
		}
	}
}
