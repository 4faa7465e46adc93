package transfer

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/transfer/slacktest"
	"github.com/fechatter/fechatter/storage"
	"github.com/fechatter/fechatter/storage/blobs"
	"github.com/fechatter/fechatter/storage/postgres"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
	"github.com/fechatter/fechatter/storage/sqlite"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// instance is a store, its blob store and its instance administrator.
type instance struct {
	st    storage.Store
	files *blobs.Store
	admin model.User
}

func (in instance) opt(workspace string) Options {
	return Options{Workspace: workspace, Files: in.files, MaxFileSize: 1 << 20}
}

// forEachEngine runs fn on a fresh instance of each engine; newInstance
// makes more of the same engine.
func forEachEngine(t *testing.T, fn func(t *testing.T, newInstance func(adminEmail string) instance)) {
	engines := []struct {
		name string
		open func(t *testing.T) storage.Store
	}{
		{"sqlite", func(t *testing.T) storage.Store {
			st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fechatter.db"))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
		{"postgres", func(t *testing.T) storage.Store {
			st, err := postgres.Open(context.Background(), pgtest.URL(t))
			if err != nil {
				t.Fatal(err)
			}
			return st
		}},
	}
	for _, e := range engines {
		t.Run(e.name, func(t *testing.T) {
			fn(t, func(adminEmail string) instance {
				st := e.open(t)
				t.Cleanup(func() { _ = st.Close() })
				ctx := context.Background()
				if err := st.Migrate(ctx); err != nil {
					t.Fatal(err)
				}
				admin := model.User{Email: adminEmail, Username: "admin", DisplayName: "Admin", IsAdmin: true}
				if err := st.CreateUser(ctx, &admin); err != nil {
					t.Fatal(err)
				}
				return instance{st: st, files: blobs.New(filepath.Join(t.TempDir(), "files")), admin: admin}
			})
		})
	}
}

func writeZip(t *testing.T, files slacktest.Files) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.zip")
	if err := slacktest.Write(path, files); err != nil {
		t.Fatal(err)
	}
	return path
}

// counts are the rows an import may add, to check that a run added none.
type counts struct{ users, messages, events int64 }

func countRows(t *testing.T, st storage.Store) counts {
	t.Helper()
	ctx := context.Background()
	users, err := st.CountUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := st.CountMessages(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	evs, err := st.EventsAfter(ctx, 0, 100000)
	if err != nil {
		t.Fatal(err)
	}
	return counts{users, int64(msgs), int64(len(evs))}
}

func TestImportSlack(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newInstance func(string) instance) {
		ctx := context.Background()
		in := newInstance(slacktest.AdminEmail)
		zipPath := writeZip(t, slacktest.Standard())
		res, err := ImportSlack(ctx, in.st, zipPath, in.opt("Acme"))
		if err != nil {
			t.Fatal(err)
		}
		r := res.Report
		if !res.CreatedWorkspace || r.Users != 4 || r.Chats != slacktest.Chats || r.Messages != slacktest.Messages ||
			r.Replies != slacktest.Replies || r.Reactions != slacktest.Reactions || r.Files != slacktest.FilesIn {
			t.Fatalf("report %+v, created workspace %v", r, res.CreatedWorkspace)
		}
		if r.Skipped["slack message subtype channel_join"] != 1 || r.Skipped["file not in the archive (Slack exports hold only links)"] != 1 {
			t.Errorf("skipped %v", r.Skipped)
		}
		checkSlackWorkspace(t, in, res.WorkspaceID)

		// Every imported message went through the outbox.
		evs, err := in.st.EventsAfter(ctx, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		created := 0
		for _, e := range evs {
			if e.Type == model.EventMessageCreated {
				created++
			}
		}
		if created != slacktest.Messages {
			t.Errorf("%d message.created events, want %d", created, slacktest.Messages)
		}

		before := countRows(t, in.st)
		again, err := ImportSlack(ctx, in.st, zipPath, in.opt("Acme"))
		if err != nil {
			t.Fatal(err)
		}
		a := again.Report
		if again.CreatedWorkspace || again.WorkspaceID != res.WorkspaceID || a.Users+a.Chats+a.Messages+a.Reactions+a.Files != 0 {
			t.Errorf("second import: %+v", again)
		}
		if after := countRows(t, in.st); after != before {
			t.Errorf("second import changed rows: %+v -> %+v", before, after)
		}
	})
}

// checkSlackWorkspace reads the imported fixture back from the store.
func checkSlackWorkspace(t *testing.T, in instance, wsID int64) {
	t.Helper()
	ctx := context.Background()
	chats, err := in.st.WorkspaceChats(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]model.Chat{}
	var types []string
	for _, c := range chats {
		byName[c.Name] = c
		types = append(types, string(c.Type))
	}
	slices.Sort(types)
	if want := []string{"direct", "group", "private_channel", "public_channel", "public_channel"}; !slices.Equal(types, want) {
		t.Errorf("chat types %v, want %v", types, want)
	}
	general := byName["general"]
	if general.Topic != "Company-wide" {
		t.Errorf("topic %q", general.Topic)
	}
	msgs, _, err := in.st.ListMessages(ctx, in.admin.ID, general.ID, storage.MessageQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 6 {
		t.Fatalf("%d messages in #general, want 6", len(msgs))
	}
	parent, reply, edited, file, left := msgs[0], msgs[1], msgs[2], msgs[3], msgs[4]
	bob, err := in.st.UserByUsername(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if parent.Content != slacktest.ParentText || parent.Sender.ID != in.admin.ID || !slices.Equal(parent.Mentions, []int64{bob.ID}) {
		t.Errorf("parent: %q by %d mentions %v", parent.Content, parent.Sender.ID, parent.Mentions)
	}
	if want := time.Unix(1577872800, 100_000).UTC(); !parent.CreatedAt.Equal(want) {
		t.Errorf("parent created %v, want %v", parent.CreatedAt, want)
	}
	if parent.ReplyCount != 1 || reply.ReplyTo == nil || *reply.ReplyTo != parent.ID || reply.Sender.Username != "bob" {
		t.Errorf("thread: parent replies %d, reply to %v by %s", parent.ReplyCount, reply.ReplyTo, reply.Sender.Username)
	}
	if len(parent.Reactions) != 1 || parent.Reactions[0].Emoji != ":thumbsup:" || parent.Reactions[0].Count != 2 {
		t.Errorf("reactions %+v", parent.Reactions)
	}
	if edited.Content != slacktest.EditedText || edited.EditedAt == nil || !edited.EditedAt.Equal(time.Unix(1577873000, 0)) {
		t.Errorf("edited: %q at %v", edited.Content, edited.EditedAt)
	}
	if len(file.Attachments) != 1 || file.Attachments[0].Name != "notes.txt" || file.Attachments[0].Size != int64(len(slacktest.FileBody)) {
		t.Fatalf("attachments %+v", file.Attachments)
	}
	f, err := in.st.FileByID(ctx, file.Attachments[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	blob, err := in.files.Open(f.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(blob)
	_ = blob.Close()
	if string(body) != slacktest.FileBody {
		t.Errorf("file body %q", body)
	}
	if left.Sender.Username != "dave" {
		t.Errorf("message of a departed user by %q", left.Sender.Username)
	}
	if _, err := in.st.GetMember(ctx, wsID, left.Sender.ID); !errors.Is(err, storage.ErrNotFound) {
		t.Errorf("a deleted Slack user joined the workspace: %v", err)
	}
	carol, err := in.st.UserByUsername(ctx, "carol")
	if err != nil {
		t.Fatal(err)
	}
	if carol.PasswordHash != "" || carol.Email != "carol@example.com" {
		t.Errorf("carol: email %q, has password %v", carol.Email, carol.PasswordHash != "")
	}
	erin, err := in.st.UserByEmail(ctx, "u5@slack.import.invalid")
	if err != nil || erin.Username != "erin-e." || erin.DisplayName != "Erin" {
		t.Errorf("user without an email: %+v (%v)", erin, err)
	}
	m, err := in.st.GetMember(ctx, wsID, in.admin.ID)
	if err != nil || m.Role != model.RoleOwner {
		t.Errorf("admin's role %q (%v)", m.Role, err)
	}
}

func TestImportSlackFiles(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newInstance func(string) instance) {
		in := newInstance(slacktest.AdminEmail)
		files := slacktest.Standard()
		delete(files, "files/F1/notes.txt")
		files["__uploads/F1/notes.txt"] = slacktest.FileBody
		res, err := ImportSlack(context.Background(), in.st, writeZip(t, files), in.opt("Acme"))
		if err != nil || res.Report.Files != 1 {
			t.Fatalf("file under __uploads: %+v, %v", res.Report, err)
		}
		small := in.opt("Small")
		small.MaxFileSize = 5
		res, err = ImportSlack(context.Background(), in.st, writeZip(t, slacktest.Standard()), small)
		if err != nil || res.Report.Files != 0 || res.Report.Skipped["file larger than files.max_size"] != 1 {
			t.Fatalf("file over the size limit: %+v, %v", res.Report, err)
		}
	})
}

func TestImportSlackMalformedAddsNothing(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newInstance func(string) instance) {
		in := newInstance(slacktest.AdminEmail)
		files := slacktest.Standard()
		files["random/2020-01-02.json"] = "[\n {\"type\": \"message\", \"user\": \"U2\",\n  \"text\": \"broken\" \"ts\": \"1\"}\n]"
		before := countRows(t, in.st)
		_, err := ImportSlack(context.Background(), in.st, writeZip(t, files), in.opt("Acme"))
		var fe *FormatError
		if !errors.As(err, &fe) || fe.File != "random/2020-01-02.json" || fe.Line != 3 ||
			!strings.Contains(err.Error(), "random/2020-01-02.json:3:") {
			t.Fatalf("error %v, want random/2020-01-02.json:3", err)
		}
		if after := countRows(t, in.st); after != before {
			t.Errorf("a failed import left rows: %+v -> %+v", before, after)
		}
		if ws, err := in.st.WorkspacesByName(context.Background(), "Acme"); err != nil || len(ws) != 0 {
			t.Errorf("a failed import left workspaces %v (%v)", ws, err)
		}
	})
}

func TestImportSlackNeedsAnAdministrator(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "fechatter.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = ImportSlack(context.Background(), st, writeZip(t, slacktest.Standard()),
		Options{Workspace: "Acme", Files: blobs.New(t.TempDir()), MaxFileSize: 1 << 20})
	if !errors.Is(err, ErrNoAdmin) {
		t.Fatalf("error %v, want ErrNoAdmin", err)
	}
	if n, _ := st.CountUsers(context.Background()); n != 0 {
		t.Errorf("%d users after a refused import", n)
	}
}

func TestExportImportMovesAWorkspace(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newInstance func(string) instance) {
		ctx := context.Background()
		src := newInstance(slacktest.AdminEmail)
		res, err := ImportSlack(ctx, src.st, writeZip(t, slacktest.Standard()), src.opt("Acme"))
		if err != nil {
			t.Fatal(err)
		}
		// A deleted message travels as a tombstone.
		chats, _ := src.st.WorkspaceChats(ctx, res.WorkspaceID)
		randomMsgs, _, _ := src.st.ListMessages(ctx, src.admin.ID, chatNamed(chats, "random").ID, storage.MessageQuery{Limit: 10})
		if err := src.st.DeleteMessage(ctx, randomMsgs[0].ID, time.Now()); err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "acme.zip")
		rep, err := Export(ctx, src.st, src.files, res.WorkspaceID, out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Messages != slacktest.Messages || rep.Files != 1 || rep.Chats != slacktest.Chats {
			t.Errorf("export report %+v", rep)
		}

		dst := newInstance(slacktest.AdminEmail)
		moved, err := ImportExport(ctx, dst.st, out, dst.opt(""))
		if err != nil {
			t.Fatal(err)
		}
		if moved.WorkspaceName != "Acme" || moved.Report.Messages != slacktest.Messages || moved.Report.Files != 1 {
			t.Errorf("import of the export: %+v", moved)
		}
		if got, want := workspaceDigest(t, dst, moved.WorkspaceID), workspaceDigest(t, src, res.WorkspaceID); !slices.Equal(got, want) {
			t.Errorf("moved workspace differs:\n got %q\nwant %q", got, want)
		}
		before := countRows(t, dst.st)
		again, err := ImportExport(ctx, dst.st, out, dst.opt(""))
		if err != nil {
			t.Fatal(err)
		}
		if again.Report.Messages+again.Report.Users+again.Report.Chats != 0 || countRows(t, dst.st) != before {
			t.Errorf("second import of the export added %+v", again.Report)
		}
	})
}

func TestImportExportMalformedNamesTheLine(t *testing.T) {
	forEachEngine(t, func(t *testing.T, newInstance func(string) instance) {
		ctx := context.Background()
		src := newInstance(slacktest.AdminEmail)
		res, err := ImportSlack(ctx, src.st, writeZip(t, slacktest.Standard()), src.opt("Acme"))
		if err != nil {
			t.Fatal(err)
		}
		out := filepath.Join(t.TempDir(), "acme.zip")
		if _, err := Export(ctx, src.st, src.files, res.WorkspaceID, out, nil); err != nil {
			t.Fatal(err)
		}
		broken := corruptLine(t, out, 9)
		dst := newInstance(slacktest.AdminEmail)
		before := countRows(t, dst.st)
		_, err = ImportExport(ctx, dst.st, broken, dst.opt(""))
		if err == nil || !strings.Contains(err.Error(), "workspace.jsonl:9:") {
			t.Fatalf("error %v, want workspace.jsonl:9", err)
		}
		if after := countRows(t, dst.st); after != before {
			t.Errorf("a failed import left rows: %+v -> %+v", before, after)
		}
	})
}

func chatNamed(chats []model.Chat, name string) model.Chat {
	for _, c := range chats {
		if c.Name == name {
			return c
		}
	}
	return model.Chat{}
}

// workspaceDigest describes a workspace's chats and messages in terms
// that survive a move (names, not ids), sorted.
func workspaceDigest(t *testing.T, in instance, wsID int64) []string {
	t.Helper()
	ctx := context.Background()
	chats, err := in.st.WorkspaceChats(ctx, wsID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range chats {
		members, err := in.st.ListChatMembers(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, m := range members {
			names = append(names, m.User.Username)
		}
		slices.Sort(names)
		out = append(out, string(c.Type)+" "+c.Name+" "+c.Topic+" "+strings.Join(names, ","))
		msgs, err := in.st.AllMessages(ctx, wsID, 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int64, 0, len(msgs))
		byID := map[int64]model.Message{}
		for _, m := range msgs {
			ids = append(ids, m.ID)
			byID[m.ID] = m
		}
		reactions, _ := in.st.ReactionsOf(ctx, ids)
		files, _ := in.st.AttachmentsOf(ctx, ids)
		for _, m := range msgs {
			if m.ChatID != c.ID {
				continue
			}
			line := c.Name + ": " + m.Sender.Username + " " + m.CreatedAt.UTC().Format(time.RFC3339Nano) + " " + m.Content
			if m.ReplyTo != nil {
				line += " | reply to " + byID[*m.ReplyTo].Content
			}
			if m.EditedAt != nil {
				line += " | edited " + m.EditedAt.UTC().Format(time.RFC3339Nano)
			}
			if m.Deleted {
				line += " | deleted"
			}
			for _, r := range reactions {
				if r.MessageID == m.ID {
					u, _ := in.st.UserByID(ctx, r.UserID)
					line += " | " + r.Emoji + " by " + u.Username
				}
			}
			for _, f := range files[m.ID] {
				line += " | file " + f.Name + " " + f.SHA256
			}
			out = append(out, line)
		}
	}
	slices.Sort(out)
	return out
}

// corruptLine copies the export at path with line n of its records
// truncated mid-object, and returns the copy's path.
func corruptLine(t *testing.T, path string, n int) string {
	t.Helper()
	zr, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	files := slacktest.Files{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		_ = rc.Close()
		if f.Name == exportRecords {
			lines := strings.Split(string(b), "\n")
			lines[n-1] = lines[n-1][:len(lines[n-1])/2]
			b = []byte(strings.Join(lines, "\n"))
		}
		files[f.Name] = string(b)
	}
	return writeZip(t, files)
}
