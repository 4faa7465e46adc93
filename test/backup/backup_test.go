// Package backup drives `fechatter backup` and `fechatter restore` on the
// built binary: a backup of a server taking a burst of messages, restored
// into a new data dir (and, for Postgres, a new database) and served again,
// and the archives a restore must refuse.
package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// commandTimeout bounds one backup or restore (a hang, not a speed check).
const commandTimeout = 2 * time.Minute

// searchDeadline bounds the wait for the rebuilt index to answer.
const searchDeadline = time.Minute

const password = "backup suite passphrase 42"

// manifest is the part of manifest.json the tests read.
type manifest struct {
	Engine        string           `json:"engine"`
	SchemaVersion int              `json:"schema_version"`
	Database      string           `json:"database"`
	Rows          map[string]int64 `json:"rows"`
	Parts         []struct {
		Name string `json:"name"`
	} `json:"parts"`
}

func TestBackupRestoreSQLite(t *testing.T) {
	archive := roundTrip(t, "")
	t.Run("refusals", func(t *testing.T) { refusals(t, archive) })
}

func TestBackupRestorePostgres(t *testing.T) {
	roundTrip(t, pgtest.URL(t))
}

// world is what the test puts on the first server.
type world struct {
	ctx     context.Context
	admin   *client.Client
	ws      client.Workspace
	chat    model.ChatSummary
	file    model.File
	fileRaw []byte
	// oldLastEventID is a client's place in the first server's stream.
	oldLastEventID uint64
}

// roundTrip backs up a server during a burst of sends, restores the archive
// into a new data dir (and a new database when dbURL is set), starts a
// server there and checks what it serves. It returns the archive.
func roundTrip(t *testing.T, dbURL string) string {
	ctx := context.Background()
	src := testproc.New(t, testproc.Config{DBURL: dbURL})
	if err := src.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w := populate(t, ctx, src)
	w.oldLastEventID = lastEventID(t, ctx, w.admin, 0)

	// A burst of sends from two writers, running before, during and after
	// the backup; acked records every message whose send returned 201.
	var (
		mu    sync.Mutex
		acked []model.Message
	)
	burstCtx, stopBurst := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for g := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; burstCtx.Err() == nil; i++ {
				m, _, err := w.admin.SendMessage(burstCtx, w.chat.ID, client.SendMessageInput{
					Content: fmt.Sprintf("burst %d-%d", g, i), ClientID: fmt.Sprintf("burst-%d-%d", g, i),
				})
				if err == nil {
					mu.Lock()
					acked = append(acked, m)
					mu.Unlock()
				}
			}
		}()
	}
	testproc.Until(t, time.Minute, "50 acknowledged sends", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 50
	})
	mu.Lock()
	before := append([]model.Message(nil), acked...)
	mu.Unlock()
	archive := filepath.Join(t.TempDir(), "fechatter-backup.tar.gz")
	out := run(t, src, "backup", "--out", archive)
	mu.Lock()
	during := len(acked) - len(before)
	mu.Unlock()
	stopBurst()
	wg.Wait()
	t.Logf("backup while sending (%d acknowledged before it, %d while it ran):\n%s", len(before), during, out)
	m := readManifest(t, archive)
	if m.Database == "" || m.Rows["messages"] < int64(len(before)) {
		t.Fatalf("manifest: database %q, %d messages, want at least %d", m.Database, m.Rows["messages"], len(before))
	}

	// Restore into a new, empty (existing) data dir, and a new database.
	var restoreURL string
	if dbURL != "" {
		restoreURL = pgtest.URL(t)
	}
	dst := testproc.New(t, testproc.Config{DBURL: restoreURL, Dir: t.TempDir()})
	if err := os.MkdirAll(dst.DataDir, 0o700); err != nil {
		t.Fatal(err)
	}
	run(t, dst, "restore", "--from", archive)
	if _, err := src.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Start(ctx); err != nil {
		t.Fatal(err)
	}
	w.checkRestored(t, dst, m, before)
	// A restart keeps the stream made at the first start (where it began).
	if _, err := dst.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := dst.Start(ctx); err != nil {
		t.Fatal(err)
	}
	if got := lastEventID(t, ctx, client.New(dst.URL(), client.WithTokens(w.admin.Tokens())), 0); got < w.oldLastEventID {
		t.Errorf("after a restart the restored stream is at %d, below the old %d", got, w.oldLastEventID)
	}
	return archive
}

// populate sets the server up and uploads a file.
func populate(t *testing.T, ctx context.Context, srv *testproc.Server) *world {
	t.Helper()
	c := client.New(srv.URL(), client.WithUserAgent("fechatter-backup-test"))
	if _, err := c.Setup(ctx, client.SetupInput{
		Email: "ada@example.com", Password: password, Username: "ada", DisplayName: "Ada",
		WorkspaceName: "Acme", SetupToken: testproc.SetupToken,
	}); err != nil {
		t.Fatal(err)
	}
	wss, err := c.Workspaces(ctx)
	if err != nil || len(wss) != 1 {
		t.Fatalf("workspaces: %v %v", wss, err)
	}
	ch, _, err := c.CreateChat(ctx, wss[0].ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "burst"})
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ctx: ctx, admin: c, ws: wss[0], chat: ch, fileRaw: bytes.Repeat([]byte("backup me\n"), 500)}
	if w.file, err = c.UploadFile(ctx, w.ws.ID, "notes.txt", bytes.NewReader(w.fileRaw)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.SendMessage(ctx, ch.ID, client.SendMessageInput{Content: "the zeppelin manifest is ready"}); err != nil {
		t.Fatal(err)
	}
	return w
}

// checkRestored checks the restored server: the same session still works
// (jwt.key and sessions came back), every message acknowledged before the
// backup began is there, the message count matches the manifest, the file
// downloads, and search (rebuilt from the database) finds a message.
func (w *world) checkRestored(t *testing.T, srv *testproc.Server, m manifest, before []model.Message) {
	t.Helper()
	c := client.New(srv.URL(), client.WithUserAgent("fechatter-backup-test"), client.WithTokens(w.admin.Tokens()))
	if _, err := c.Me(w.ctx); err != nil {
		t.Fatalf("the session from before the backup does not work after the restore: %v", err)
	}
	have := map[int64]string{}
	var total int64
	chats, err := c.Chats(w.ctx, w.ws.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, ch := range chats {
		q := client.MessageQuery{FromStart: true, Limit: 100}
		for {
			page, err := c.Messages(w.ctx, ch.ID, q)
			if err != nil {
				t.Fatal(err)
			}
			for _, msg := range page.Messages {
				have[msg.ID] = msg.Content
				total++
				q.AfterSeq = msg.Seq
			}
			if !page.HasMore {
				break
			}
			q.FromStart = false
		}
	}
	for _, msg := range before {
		if got, ok := have[msg.ID]; !ok || got != msg.Content {
			t.Errorf("message %d %q acknowledged before the backup: restored %q (present %v)", msg.ID, msg.Content, got, ok)
		}
	}
	if total != m.Rows["messages"] {
		t.Errorf("restored server lists %d messages, the manifest counted %d", total, m.Rows["messages"])
	}
	var got bytes.Buffer
	if _, err := c.DownloadFile(w.ctx, w.file.ID, &got); err != nil || !bytes.Equal(got.Bytes(), w.fileRaw) {
		t.Errorf("restored upload: %d bytes, err %v; want the %d uploaded", got.Len(), err, len(w.fileRaw))
	}
	w.checkResync(t, c)
	testproc.Eventually(t, searchDeadline, func() error {
		res, err := c.Search(w.ctx, w.ws.ID, client.SearchParams{Query: "zeppelin"})
		if err != nil {
			return err
		}
		if len(res.Hits) != 1 {
			return fmt.Errorf("search for zeppelin on the restored server: %d hits", len(res.Hits))
		}
		return nil
	})
}

// checkResync: a client resuming from its place in the first server's
// stream gets resync from the restored server, even once the restored
// server's stream has more events than the old place: they are not the
// events the client missed.
func (w *world) checkResync(t *testing.T, c *client.Client) {
	t.Helper()
	for i := range int(w.oldLastEventID) + 3 {
		if _, _, err := c.SendMessage(w.ctx, w.chat.ID, client.SendMessageInput{Content: fmt.Sprintf("after restore %d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	es, err := c.Events(w.ctx, w.oldLastEventID)
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	for _, want := range []string{"ready", "resync"} {
		ev, err := es.Next()
		if err != nil || ev.Type != want {
			t.Fatalf("resuming from %d of the old stream: got %q (%v), want %s", w.oldLastEventID, ev.Type, err, want)
		}
	}
}

// lastEventID connects to the event stream and returns the place its ready
// event gives.
func lastEventID(t *testing.T, ctx context.Context, c *client.Client, after uint64) uint64 {
	t.Helper()
	// The relay publishes committed events a moment after their request
	// answers; until the first reaches the stream, ready has no id yet.
	for give := time.Now().Add(15 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		id := readyEventID(t, ctx, c, after)
		if id != 0 {
			return id
		}
		if time.Now().After(give) {
			t.Fatal("ready carries no event id")
		}
	}
}

// readyEventID opens a stream after after and returns the id its ready
// event carries (0 for none).
func readyEventID(t *testing.T, ctx context.Context, c *client.Client, after uint64) uint64 {
	t.Helper()
	es, err := c.Events(ctx, after)
	if err != nil {
		t.Fatal(err)
	}
	defer es.Close()
	ev, err := es.Next()
	if err != nil || ev.Type != "ready" {
		t.Fatalf("first event %q (%v), want ready", ev.Type, err)
	}
	return es.LastEventID()
}

// refusals: a restore must refuse, leaving nothing behind, a tampered
// archive (naming the part), a truncated one, one from a newer schema,
// and a target that is not empty.
func refusals(t *testing.T, archive string) {
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		archive []byte
		// prepare may put something in the target data dir.
		prepare func(dir string)
		want    string
	}{
		{name: "tampered key", archive: rewrite(t, data, func(name string, b []byte) []byte {
			if name == "jwt.key" {
				b[0] ^= 1
			}
			return b
		}), want: "part jwt.key fails its SHA-256 check"},
		{name: "tampered upload", archive: rewrite(t, data, func(name string, b []byte) []byte {
			if strings.HasPrefix(name, "files/") {
				b = append(b, '!')
			}
			return b
		}), want: "part files/"},
		{name: "truncated", archive: data[:len(data)/2], want: "truncated"},
		{name: "newer schema", archive: rewrite(t, data, func(name string, b []byte) []byte {
			if name == "manifest.json" {
				var m map[string]any
				if err := json.Unmarshal(b, &m); err != nil {
					t.Fatal(err)
				}
				m["schema_version"] = 999
				b, _ = json.Marshal(m)
			}
			return b
		}), want: "schema version 999 is newer than this binary's"},
		{name: "non-empty target", archive: data, prepare: func(dir string) {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, "keep.txt"), []byte("mine"), 0o600); err != nil {
				t.Fatal(err)
			}
		}, want: "is not empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			file := filepath.Join(parent, "in.tar.gz")
			if err := os.WriteFile(file, tc.archive, 0o600); err != nil {
				t.Fatal(err)
			}
			target := filepath.Join(parent, "data")
			if tc.prepare != nil {
				tc.prepare(target)
			}
			ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, testproc.Binary(t), "restore", "--from", file, "--data-dir", target)
			cmd.Env, cmd.Dir = testproc.CleanEnv(), parent
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), tc.want) {
				t.Fatalf("restore: err %v, output:\n%s\nwant a failure saying %q", err, out, tc.want)
			}
			entries, _ := os.ReadDir(parent)
			for _, e := range entries {
				if e.Name() != "in.tar.gz" && !(tc.prepare != nil && e.Name() == "data") {
					t.Errorf("restore left %s behind", e.Name())
				}
			}
			if tc.prepare != nil {
				if kept, _ := os.ReadDir(target); len(kept) != 1 {
					t.Errorf("the non-empty target was changed: %v", kept)
				}
			}
		})
	}
}

// run runs a command of the binary, failing t unless it exits 0.
func run(t *testing.T, s *testproc.Server, sub string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	cmd := s.Command(ctx, sub, args...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	return string(out)
}

func readManifest(t *testing.T, archive string) manifest {
	t.Helper()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	var m manifest
	rewrite(t, data, func(name string, b []byte) []byte {
		if name == "manifest.json" {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
		}
		return b
	})
	return m
}

// rewrite returns the archive data with every part passed through edit.
func rewrite(t *testing.T, data []byte, edit func(name string, b []byte) []byte) []byte {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		b = edit(hdr.Name, b)
		hdr.Size = int64(len(b))
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(b); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}
