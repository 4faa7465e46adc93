package chat

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func TestSanitizeFileName(t *testing.T) {
	long := strings.Repeat("é", 200) // 400 bytes
	for _, tc := range []struct{ in, want string }{
		{"report.pdf", "report.pdf"},
		{"../../etc/passwd", "passwd"},
		{`C:\Users\me\notes.txt`, "notes.txt"},
		{"dir/", "file"},
		{"", "file"},
		{"  ", "file"},
		{"..", "file"},
		{".", "file"},
		{"a\x00b\nc.txt", "abc.txt"},
		{"evil\u202egnp.exe", "evilgnp.exe"},
		{"bad\xffutf8", "badutf8"},
		{" spaced name.txt ", "spaced name.txt"},
		{long, strings.Repeat("é", 127)},
	} {
		got := sanitizeFileName(tc.in)
		if got != tc.want {
			t.Errorf("sanitizeFileName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if len(got) > maxFileNameBytes {
			t.Errorf("sanitizeFileName(%q) is %d bytes", tc.in, len(got))
		}
	}
}

// blobFiles lists the regular files under dir, relative to it.
func blobFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatalf("walk %s: %v", dir, err)
	}
	return out
}

// pngHeader starts like a PNG so that sniffing recognises it.
var pngHeader = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")

func TestUploadAndOpenFile(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		w.s.cfg.MaxFileSize = 64
		body := append(bytes.Clone(pngHeader), []byte("rest")...)
		f, err := w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "../photo.txt", bytes.NewReader(body))
		wantOK(t, err)
		if f.ContentType != "image/png" || f.Name != "photo.txt" || f.Size != int64(len(body)) || f.UploaderID != w.id("peer") {
			t.Fatalf("uploaded %+v", f)
		}
		again, err := w.s.UploadFile(ctx, w.id("creator"), w.ws.ID, "", bytes.NewReader(body))
		wantOK(t, err)
		if again.ID == f.ID || again.Name != "file" || len(blobFiles(t, w.s.cfg.FilesDir)) != 1 {
			t.Fatalf("second upload %+v, blobs %v: want a new file sharing one blob", again, blobFiles(t, w.s.cfg.FilesDir))
		}

		_, err = w.s.UploadFile(ctx, w.id("outsider"), w.ws.ID, "x", strings.NewReader("x"))
		wantKind(t, err, apperr.KindNotFound)
		_, err = w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "big", bytes.NewReader(make([]byte, 65)))
		wantKind(t, err, apperr.KindTooLarge)
		_, err = w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "exact", bytes.NewReader(make([]byte, 64)))
		wantOK(t, err)
		_, err = w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "empty", strings.NewReader(""))
		requireFieldErr(t, err, "file")
		_, err = w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "none", nil)
		requireFieldErr(t, err, "file")
		if names := blobFiles(t, w.s.cfg.FilesDir); slicesHasTemp(names) {
			t.Fatalf("temp files left behind: %v", names)
		}

		c := w.newChat(t, model.ChatGroup) // creator, peer, guestin, victim
		canOpen := func(user string) string {
			got, blob, err := w.s.OpenFile(ctx, w.id(user), f.ID)
			if err != nil {
				return outcome(err)
			}
			defer blob.Close()
			data, _ := io.ReadAll(blob)
			if got.ID != f.ID || !bytes.Equal(data, body) {
				t.Fatalf("%s opened %+v with %d bytes", user, got, len(data))
			}
			return "ok"
		}
		for user, want := range map[string]string{"peer": "ok", "guestin": "404", "stranger": "404", "outsider": "404"} {
			if got := canOpen(user); got != want {
				t.Fatalf("before attaching, %s: %s, want %s", user, got, want)
			}
		}
		_, _, err = w.s.SendMessage(ctx, w.id("creator"), c.ID, SendMessageInput{AttachmentIDs: []int64{f.ID}})
		requireFieldErr(t, err, "attachment_ids") // not the creator's upload
		m, _, err := w.s.SendMessage(ctx, w.id("peer"), c.ID, SendMessageInput{AttachmentIDs: []int64{f.ID, f.ID}})
		wantOK(t, err)
		if len(m.Attachments) != 1 || m.Attachments[0].ID != f.ID || m.Content != "" {
			t.Fatalf("message with attachment %+v", m)
		}
		for user, want := range map[string]string{"peer": "ok", "guestin": "ok", "creator": "ok", "stranger": "404", "outsider": "404"} {
			if got := canOpen(user); got != want {
				t.Fatalf("attached, %s: %s, want %s", user, got, want)
			}
		}
		wantOK(t, w.s.DeleteMessage(ctx, w.id("peer"), c.ID, m.ID))
		for user, want := range map[string]string{"peer": "ok", "guestin": "404"} {
			if got := canOpen(user); got != want {
				t.Fatalf("message deleted, %s: %s, want %s", user, got, want)
			}
		}
		_, _, err = w.s.OpenFile(ctx, w.id("peer"), 1<<40)
		wantKind(t, err, apperr.KindNotFound)

		otherWS := fixtureWorkspace(t, w.s, w.id("stranger"), "elsewhere")
		fixtureMember(t, st, otherWS.ID, w.id("peer"), model.RoleMember)
		foreign, err := w.s.UploadFile(ctx, w.id("peer"), otherWS.ID, "f", strings.NewReader("foreign"))
		wantOK(t, err)
		_, _, err = w.s.SendMessage(ctx, w.id("peer"), c.ID, SendMessageInput{Content: "x", AttachmentIDs: []int64{foreign.ID}})
		requireFieldErr(t, err, "attachment_ids")
	})
}

// slicesHasTemp reports whether a temporary upload file is among names.
func slicesHasTemp(names []string) bool {
	for _, n := range names {
		if strings.HasPrefix(filepath.Base(n), ".upload-") {
			return true
		}
	}
	return false
}

func TestOpenFileMissingBlob(t *testing.T) {
	forEachStore(t, func(t *testing.T, st storage.Store) {
		ctx := context.Background()
		w := newChatRulesWorld(t, st)
		f, err := w.s.UploadFile(ctx, w.id("peer"), w.ws.ID, "a", strings.NewReader("content"))
		wantOK(t, err)
		wantOK(t, os.RemoveAll(w.s.cfg.FilesDir))
		_, _, err = w.s.OpenFile(ctx, w.id("peer"), f.ID)
		if err == nil || apperr.KindOf(err) != apperr.KindInternal {
			t.Fatalf("missing blob: %v, want an internal error", err)
		}
	})
}
