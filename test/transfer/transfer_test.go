// Package transfer tests `fechatter import` and `fechatter export` on the
// real binary: what they write is read back through the HTTP API, search
// included.
package transfer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/internal/transfer/slacktest"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	password = "a long password"
	// commandTimeout bounds one CLI run (how long before a hang is a
	// failure, not a timing assertion).
	commandTimeout = 2 * time.Minute
	// indexWait bounds how long imported messages may take to be searchable.
	indexWait = 60 * time.Second
)

// newServer starts an instance with its administrator (alice, Slack's U1
// by email) set up, and returns it and the admin's client.
func newServer(t *testing.T, dbURL string) (*testproc.Server, *client.Client) {
	t.Helper()
	srv := testproc.New(t, testproc.Config{DBURL: dbURL})
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := client.New(srv.URL())
	_, err := c.Setup(context.Background(), client.SetupInput{Email: slacktest.AdminEmail, Password: password,
		Username: "alice", DisplayName: "Alice", WorkspaceName: "Home", SetupToken: testproc.SetupToken})
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

// run runs a subcommand on the server's storage and returns its output
// and error.
func run(t *testing.T, srv *testproc.Server, sub string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	out, err := srv.Command(ctx, sub, args...).CombinedOutput()
	return string(out), err
}

func mustRun(t *testing.T, srv *testproc.Server, sub string, args ...string) string {
	t.Helper()
	out, err := run(t, srv, sub, args...)
	if err != nil {
		t.Fatalf("fechatter %s %v: %v\n%s", sub, args, err, out)
	}
	return out
}

func stop(t *testing.T, srv *testproc.Server) {
	t.Helper()
	if code, err := srv.Stop(); err != nil || code != 0 {
		t.Fatalf("stop: exit %d, %v", code, err)
	}
}

func start(t *testing.T, srv *testproc.Server) {
	t.Helper()
	if err := srv.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func signIn(t *testing.T, srv *testproc.Server) *client.Client {
	t.Helper()
	c := client.New(srv.URL())
	if _, err := c.SignIn(context.Background(), slacktest.AdminEmail, password); err != nil {
		t.Fatal(err)
	}
	return c
}

func writeSlack(t *testing.T, files slacktest.Files) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "slack-export.zip")
	if err := slacktest.Write(path, files); err != nil {
		t.Fatal(err)
	}
	return path
}

func workspaceNamed(t *testing.T, c *client.Client, name string) (client.Workspace, bool) {
	t.Helper()
	ws, err := c.Workspaces(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range ws {
		if w.Name == name {
			return w, true
		}
	}
	return client.Workspace{}, false
}

// TestSlackImportSQLite imports into a stopped SQLite instance (a running
// one is refused) and reads the result through the API; then exports it
// and moves it to a fresh instance.
func TestSlackImportSQLite(t *testing.T) {
	srv, _ := newServer(t, "")
	zipPath := writeSlack(t, slacktest.Standard())

	out, err := run(t, srv, "import", "slack", zipPath, "--workspace", "Imported")
	if err == nil || !strings.Contains(out, "stop the server") {
		t.Fatalf("import beside a running SQLite server: %v\n%s", err, out)
	}
	stop(t, srv)
	out = mustRun(t, srv, "import", "slack", zipPath, "--workspace", "Imported")
	for _, want := range []string{`into new workspace "Imported"`, "messages   10 (thread replies 1)", "reactions  3", "files      1",
		"skipped 1: slack message subtype channel_join"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
	out = mustRun(t, srv, "import", "slack", zipPath, "--workspace", "Imported")
	if !strings.Contains(out, "messages   0 (thread replies 0)") || !strings.Contains(out, "users      0") {
		t.Errorf("second import added something:\n%s", out)
	}
	broken := slacktest.Standard()
	broken["random/2020-01-02.json"] = "[\n {\"type\": \"message\",\n  \"text\": \"x\" \"ts\": \"1\"}\n]"
	out, err = run(t, srv, "import", "slack", writeSlack(t, broken), "--workspace", "Broken")
	if err == nil || !strings.Contains(out, "random/2020-01-02.json:3:") || !strings.Contains(out, "nothing was imported") {
		t.Errorf("malformed export: %v\n%s", err, out)
	}

	start(t, srv)
	c := signIn(t, srv)
	if _, ok := workspaceNamed(t, c, "Broken"); ok {
		t.Error("a failed import left its workspace")
	}
	ws := checkImported(t, c)

	exported := filepath.Join(t.TempDir(), "imported.zip")
	out = mustRun(t, srv, "export", "--workspace", fmt.Sprint(ws.ID), "--out", exported)
	if !strings.Contains(out, "10 messages, 1 files") {
		t.Errorf("export: %s", out)
	}
	fresh, _ := newServer(t, "")
	stop(t, fresh)
	mustRun(t, fresh, "import", "fechatter", exported)
	out = mustRun(t, fresh, "import", "fechatter", exported)
	if !strings.Contains(out, "messages   0") {
		t.Errorf("second import of the export added something:\n%s", out)
	}
	start(t, fresh)
	checkImported(t, signIn(t, fresh))
}

// TestSlackImportPostgresBesideTheServer imports while the server runs on
// Postgres; the server indexes what the import wrote.
func TestSlackImportPostgresBesideTheServer(t *testing.T) {
	srv, _ := newServer(t, pgtest.URL(t))
	mustRun(t, srv, "import", "slack", writeSlack(t, slacktest.Standard()), "--workspace", "Imported")
	checkImported(t, signIn(t, srv))
}

// checkImported reads the Slack fixture back through the API: chats,
// senders, thread, reactions, mention text, edit, file; and search.
func checkImported(t *testing.T, c *client.Client) client.Workspace {
	t.Helper()
	ctx := context.Background()
	ws, ok := workspaceNamed(t, c, "Imported")
	if !ok || ws.Role != model.RoleOwner {
		t.Fatalf("workspace Imported: found %v, role %q", ok, ws.Role)
	}
	chats, err := c.Chats(ctx, ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	var general model.ChatSummary
	for _, ch := range chats {
		kinds = append(kinds, string(ch.Type)+":"+ch.Name)
		if ch.Name == "general" {
			general = ch
		}
	}
	slices.Sort(kinds)
	if want := []string{"direct:", "group:", "private_channel:secret", "public_channel:general", "public_channel:random"}; !slices.Equal(kinds, want) {
		t.Errorf("chats %v, want %v", kinds, want)
	}
	page, err := c.Messages(ctx, general.ID, client.MessageQuery{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Messages) != 6 {
		t.Fatalf("%d messages in #general, want 6", len(page.Messages))
	}
	parent, edited, file := page.Messages[0], page.Messages[2], page.Messages[3]
	if parent.Content != slacktest.ParentText || parent.Sender.Username != "alice" || parent.ReplyCount != 1 ||
		len(parent.Mentions) != 1 || !parent.CreatedAt.Equal(time.Unix(1577872800, 100_000)) {
		t.Errorf("parent: %q by %s, %d replies, mentions %v, at %v", parent.Content, parent.Sender.Username,
			parent.ReplyCount, parent.Mentions, parent.CreatedAt)
	}
	if len(parent.Reactions) != 1 || parent.Reactions[0].Emoji != ":thumbsup:" || parent.Reactions[0].Count != 2 {
		t.Errorf("reactions %+v", parent.Reactions)
	}
	thread, err := c.Messages(ctx, general.ID, client.MessageQuery{Thread: parent.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(thread.Messages) != 1 || thread.Messages[0].Content != slacktest.ReplyText || thread.Messages[0].Sender.Username != "bob" {
		t.Errorf("thread %+v", thread.Messages)
	}
	if edited.Content != slacktest.EditedText || edited.EditedAt == nil {
		t.Errorf("edited message %q, edited at %v", edited.Content, edited.EditedAt)
	}
	if len(file.Attachments) != 1 {
		t.Fatalf("attachments %+v", file.Attachments)
	}
	var body bytes.Buffer
	if _, err := c.DownloadFile(ctx, file.Attachments[0].ID, &body); err != nil || body.String() != slacktest.FileBody {
		t.Errorf("file: %q, %v", body.String(), err)
	}
	testproc.Eventually(t, indexWait, func() error {
		res, err := c.Search(ctx, ws.ID, client.SearchParams{Query: slacktest.SearchWord})
		if err != nil {
			return err
		}
		if len(res.Hits) != 1 || res.Hits[0].Chat.Name != "general" {
			return errors.New("imported message not found by search yet")
		}
		return nil
	})
	return ws
}
