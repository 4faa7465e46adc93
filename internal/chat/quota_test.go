package chat

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestUploadQuotas(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		w.s.cfg.QuotaPerUser, w.s.cfg.QuotaPerWorkspace = 100, 120
		other := fixtureWorkspace(t, w.s, w.id("peer"), "elsewhere")
		upload := func(user string, ws int64, n int, fill byte) error {
			_, err := w.s.UploadFile(ctx, w.id(user), ws, "f", bytes.NewReader(bytes.Repeat([]byte{fill}, n)))
			return err
		}
		wantRefused := func(err error, what string) {
			t.Helper()
			wantKind(t, err, apperr.KindTooLarge)
			if !strings.Contains(err.Error(), "quota") || !strings.Contains(err.Error(), what) {
				t.Fatalf("refusal %q does not name %q", err.Error(), what)
			}
		}
		wantOK(t, upload("peer", other.ID, 60, 'a'))
		wantOK(t, upload("peer", w.ws.ID, 40, 'b')) // 100 of the user's 100 bytes
		blobs, usage := blobFiles(t, w.s.cfg.FilesDir), fileUsage(t, st, w.ws.ID, w.id("peer"))
		wantRefused(upload("peer", w.ws.ID, 1, 'c'), "your uploads")
		wantOK(t, upload("creator", w.ws.ID, 70, 'd'))
		wantRefused(upload("creator", w.ws.ID, 11, 'e'), "this workspace")
		wantOK(t, upload("creator", w.ws.ID, 10, 'f')) // exactly full
		wantRefused(upload("stranger", w.ws.ID, 1, 'g'), "this workspace")

		if got := blobFiles(t, w.s.cfg.FilesDir); len(got) != len(blobs)+2 || slicesHasTemp(got) {
			t.Fatalf("blobs %v, want the %d before and two more, no temp files", got, len(blobs))
		}
		if got := fileUsage(t, st, w.ws.ID, w.id("peer")); got != [2]int64{usage[0] + 80, usage[1]} {
			t.Fatalf("usage %v, want %v plus 80 bytes in the workspace", got, usage)
		}
		w.s.cfg.QuotaPerUser, w.s.cfg.QuotaPerWorkspace = 0, 0
		wantOK(t, upload("stranger", w.ws.ID, 1000, 'h'))
	})
}

// fileUsage is the store's [workspace bytes, user bytes].
func fileUsage(t *testing.T, st storage.Store, wsID, userID int64) [2]int64 {
	t.Helper()
	ws, user, err := st.FileUsage(context.Background(), wsID, userID)
	wantOK(t, err)
	return [2]int64{ws, user}
}

func TestWorkspaceUsage(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		w.s.cfg.QuotaPerUser, w.s.cfg.QuotaPerWorkspace = 1000, 5000
		for user, sizes := range map[string][]int{"peer": {30, 20}, "creator": {70}, "guestin": {1}} {
			for i, n := range sizes {
				_, err := w.s.UploadFile(ctx, w.id(user), w.ws.ID, "f", bytes.NewReader(bytes.Repeat([]byte{byte(i + 1)}, n)))
				wantOK(t, err)
			}
		}
		u, err := w.s.WorkspaceUsage(ctx, w.id("admin"), w.ws.ID)
		wantOK(t, err)
		if u.Files != 4 || u.Bytes != 121 || u.QuotaBytes != 5000 || u.UserQuotaBytes != 1000 || len(u.TopUsers) != 3 {
			t.Fatalf("usage = %+v", u)
		}
		want := []UserUsage{{w.users["creator"], 1, 70}, {w.users["peer"], 2, 50}, {w.users["guestin"], 1, 1}}
		for i, top := range u.TopUsers {
			if top.User.ID != want[i].User.ID || top.User.Username != want[i].User.Username ||
				top.Files != want[i].Files || top.Bytes != want[i].Bytes {
				t.Fatalf("top user %d = %+v, want %+v", i, top, want[i])
			}
		}
		for user, want := range map[string]apperr.Kind{"peer": apperr.KindForbidden, "guest": apperr.KindForbidden, "outsider": apperr.KindNotFound} {
			_, err := w.s.WorkspaceUsage(ctx, w.id(user), w.ws.ID)
			wantKind(t, err, want)
		}
	})
}

func TestSweepOrphanFiles(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		c := w.newChat(t, model.ChatGroup)
		upload := func(content string) model.File {
			f, err := w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, content, strings.NewReader(content))
			wantOK(t, err)
			return f
		}
		send := func(f model.File) {
			_, _, err := w.s.SendMessage(ctx, w.id("peer"), c.ID, SendMessageInput{AttachmentIDs: []int64{f.ID}})
			wantOK(t, err)
		}
		orphan, sent := upload("never sent"), upload("sent")
		sharedOrphan, sharedSent := upload("same bytes"), upload("same bytes")
		send(sent)
		send(sharedSent)
		blobsBefore := blobFiles(t, w.s.cfg.FilesDir)

		n, err := w.s.SweepOrphanFiles(ctx)
		wantOK(t, err)
		if n != 0 || len(blobFiles(t, w.s.cfg.FilesDir)) != len(blobsBefore) {
			t.Fatalf("young files swept: %d deleted", n)
		}
		advanceClock(w.s, 25*time.Hour) // past the default grace of 24h
		young := upload("young")
		n, err = w.s.SweepOrphanFiles(ctx)
		wantOK(t, err)
		if n != 2 {
			t.Fatalf("swept %d files, want the two unattached ones older than the grace", n)
		}
		for _, f := range []model.File{orphan, sharedOrphan} {
			if _, err := st.FileByID(ctx, f.ID); err == nil {
				t.Fatalf("file %q was not deleted", f.Name)
			}
		}
		for _, f := range []model.File{sent, sharedSent, young} {
			if _, err := st.FileByID(ctx, f.ID); err != nil {
				t.Fatalf("file %q was deleted: %v", f.Name, err)
			}
		}
		blobs := strings.Join(blobFiles(t, w.s.cfg.FilesDir), " ")
		for _, f := range []model.File{sent, sharedSent, young} {
			if !strings.Contains(blobs, f.SHA256) {
				t.Fatalf("blob of %q is gone: %s", f.Name, blobs)
			}
		}
		if strings.Contains(blobs, orphan.SHA256) {
			t.Fatalf("blob of the orphan is still there: %s", blobs)
		}
		_, blob, err := w.s.OpenFile(ctx, w.id("guestin"), sharedSent.ID)
		wantOK(t, err)
		blob.Close()
	})
}

func TestFileSweeperRuns(t *testing.T) {
	ctx := context.Background()
	st := openSQLiteStore(t)
	s := newTestService(t, st, Config{FilesDir: t.TempDir(), OrphanGrace: time.Minute})
	owner := fixtureUser(t, st, "owner")
	ws := fixtureWorkspace(t, s, owner.ID, "team")
	f, err := s.UploadFile(ctx, owner.ID, ws.ID, "f", strings.NewReader("orphan"))
	wantOK(t, err)
	advanceClock(s, 2*time.Minute)
	sw := s.NewFileSweeper()
	wantOK(t, sw.Start(ctx))
	if err := sw.Start(ctx); err == nil {
		t.Fatal("a second Start succeeded")
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := st.FileByID(ctx, f.ID)
		if err != nil && len(blobFiles(t, s.cfg.FilesDir)) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper did not delete the orphan and its blob within 10s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	wantOK(t, sw.Stop(ctx))
	wantOK(t, sw.Stop(ctx))
}
