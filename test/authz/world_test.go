package authz

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/appliance"
	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
)

// actor is one column of the matrices: who makes the request.
type actor int

// The actors, in column order.
const (
	anonymous actor = iota // no token
	outsider               // signed in, member of another workspace only
	guest                  // workspace guest, in no chat of the fixture
	nonMember              // workspace member, not in the chat
	member                 // workspace member, member of the chat
	chatAdmin              // workspace member who created the chat
	wsAdmin                // workspace admin, not in the chat
	owner                  // workspace owner, not in the chat
	actorCount
)

var actorNames = [actorCount]string{"anonymous", "outsider", "guest", "non-member", "member", "chat-admin", "ws-admin", "owner"}

func (a actor) String() string { return actorNames[a] }

// password is every account's password.
const password = "authz matrix passphrase 42"

// account is a signed-up user with their own client.
type account struct {
	c *client.Client
	u model.User
}

// world is one running appliance with the accounts of every actor, plus
// "extra", a plain workspace member that rows act upon.
type world struct {
	t    *testing.T
	ctx  context.Context
	base string
	http *http.Client
	acct [actorCount]*account // nil for anonymous
	// extra is in every fixture workspace and both channels.
	extra *account
	// fx is the current fixture; nil means build a new one before use.
	fx *fixture
	// n numbers names that must be unique.
	n int
}

// logBuffer collects the appliance's log for failed tests.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testSetupToken is the setup token of the appliance under test.
const testSetupToken = "authz-test-setup-token"

// newWorld starts a fully wired appliance on a loopback port (dbURL empty:
// SQLite in a temp dir) and signs up every actor.
func newWorld(t *testing.T, dbURL string) *world {
	t.Helper()
	cfg := appliance.Default()
	cfg.DataDir = t.TempDir()
	cfg.Server.Listen = "127.0.0.1:0"
	cfg.Database.URL = dbURL
	cfg.SetupToken = testSetupToken
	cfg.Auth.SignupsPerHour = 0 // every actor signs up from one address
	// The matrix makes thousands of requests as a few users from one
	// address: rate limits (tested in appliance) would refuse them.
	cfg.Limits.Enabled = false
	logs := &logBuffer{}
	app, err := appliance.New(cfg, slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn})), appliance.BuildInfo{Version: "authz-test"})
	if err != nil {
		t.Fatalf("build appliance: %v", err)
	}
	ctx := context.Background()
	if err := app.Start(ctx); err != nil {
		t.Fatalf("start appliance: %v", err)
	}
	t.Cleanup(func() {
		stopCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := app.Stop(stopCtx); err != nil {
			t.Errorf("stop appliance: %v", err)
		}
		if t.Failed() {
			t.Logf("appliance log:\n%s", tail(logs.String(), 16<<10))
		}
	})
	w := &world{t: t, ctx: ctx, base: "http://" + app.Addr(), http: &http.Client{Timeout: 30 * time.Second}}
	w.signUpEveryone(t)
	return w
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// signUpEveryone runs first-run setup as the owner and signs the others up
// with an invite to the owner's first workspace (which no fixture uses).
func (w *world) signUpEveryone(t *testing.T) {
	c := client.New(w.base)
	s, err := c.Setup(w.ctx, client.SetupInput{
		Email: "owner@example.com", Password: password, Username: "owner", DisplayName: "Owner", WorkspaceName: "Home",
		SetupToken: testSetupToken,
	})
	if err != nil {
		t.Fatalf("setup: %v", err)
	}
	w.acct[owner] = &account{c: c, u: s.User}
	wss, err := c.Workspaces(w.ctx)
	if err != nil || len(wss) != 1 {
		t.Fatalf("owner's workspaces: %v %v", wss, err)
	}
	inv, err := c.CreateInvite(w.ctx, wss[0].ID, client.InviteOptions{})
	if err != nil {
		t.Fatalf("invite: %v", err)
	}
	for a := outsider; a < actorCount; a++ {
		if a != owner {
			w.acct[a] = w.signUp(t, strings.ReplaceAll(a.String(), "-", ""), inv.Code)
		}
	}
	w.extra = w.signUp(t, "extra", inv.Code)
}

func (w *world) signUp(t *testing.T, name, code string) *account {
	t.Helper()
	c := client.New(w.base)
	s, err := c.SignUp(w.ctx, client.SignUpInput{
		Email: name + "@example.com", Password: password, Username: name, DisplayName: name, InviteCode: code,
	})
	if err != nil {
		t.Fatalf("sign up %s: %v", name, err)
	}
	return &account{c: c, u: s.User}
}

// fixture is a workspace where every actor has their standing, with one
// chat of each type created by the chat admin.
type fixture struct {
	ws    int64
	code  string // an invite code to ws
	priv  chatFixture
	pub   chatFixture
	group chatFixture
	dm    chatFixture
}

// chatFixture is a chat created by the chat admin with the member in it (and
// extra, except in the direct chat), a message by the member and a file
// attached by the chat admin.
type chatFixture struct {
	chat, msg, file int64
}

// fixture returns the current fixture, building one if needed.
func (w *world) fixture(t *testing.T) *fixture {
	t.Helper()
	if w.fx == nil {
		w.fx = w.buildFixture(t)
	}
	return w.fx
}

// buildFixture makes a new workspace: the owner creates it, everyone but
// the outsider joins by invite, the ws admin and the guest get their roles,
// and the chat admin creates a private and a public channel.
func (w *world) buildFixture(t *testing.T) *fixture {
	t.Helper()
	w.n++
	own := w.acct[owner].c
	ws, err := own.CreateWorkspace(w.ctx, fmt.Sprintf("Fixture %d", w.n))
	fatalIf(t, "create fixture workspace", err)
	inv, err := own.CreateInvite(w.ctx, ws.ID, client.InviteOptions{})
	fatalIf(t, "create fixture invite", err)
	for _, a := range []*account{w.acct[guest], w.acct[nonMember], w.acct[member], w.acct[chatAdmin], w.acct[wsAdmin], w.extra} {
		_, err := a.c.AcceptInvite(w.ctx, inv.Code)
		fatalIf(t, "join fixture workspace", err)
	}
	_, err = own.SetMemberRole(w.ctx, ws.ID, w.acct[wsAdmin].u.ID, model.RoleAdmin)
	fatalIf(t, "make ws admin", err)
	_, err = own.SetMemberRole(w.ctx, ws.ID, w.acct[guest].u.ID, model.RoleGuest)
	fatalIf(t, "make guest", err)
	f := &fixture{ws: ws.ID, code: inv.Code}
	trio := []int64{w.acct[member].u.ID, w.extra.u.ID}
	f.priv = w.buildChat(t, ws.ID, model.ChatPrivateChannel, trio)
	f.pub = w.buildChat(t, ws.ID, model.ChatPublicChannel, trio)
	f.group = w.buildChat(t, ws.ID, model.ChatGroup, trio)
	f.dm = w.buildChat(t, ws.ID, model.ChatDirect, trio[:1])
	return f
}

func (w *world) buildChat(t *testing.T, wsID int64, typ model.ChatType, others []int64) chatFixture {
	t.Helper()
	admin, mem := w.acct[chatAdmin], w.acct[member]
	name := ""
	if typ.IsChannel() {
		name = fmt.Sprintf("%s-%d", typ, w.n)
	}
	ch, _, err := admin.c.CreateChat(w.ctx, wsID, client.CreateChatInput{Type: typ, Name: name, MemberIDs: others})
	fatalIf(t, "create "+string(typ), err)
	m, _, err := mem.c.SendMessage(w.ctx, ch.ID, client.SendMessageInput{Content: "a message by the member"})
	fatalIf(t, "member posts", err)
	f, err := admin.c.UploadFile(w.ctx, wsID, "notes.txt", strings.NewReader("file of "+string(typ)))
	fatalIf(t, "upload", err)
	_, _, err = admin.c.SendMessage(w.ctx, ch.ID, client.SendMessageInput{Content: "a file", AttachmentIDs: []int64{f.ID}})
	fatalIf(t, "attach", err)
	return chatFixture{chat: ch.ID, msg: m.ID, file: f.ID}
}

func fatalIf(t *testing.T, what string, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// uploadBody marks a row whose body is a multipart upload of a small file.
const uploadBody = "@upload"

// request sends one request as actor a and returns the status and body.
// path and body have their placeholders already filled in.
func (w *world) request(t *testing.T, a actor, method, path, body string) (int, []byte) {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch {
	case body == uploadBody:
		data, ct := multipartFile(t)
		rd, ctype = bytes.NewReader(data), ct
	case body != "":
		rd, ctype = strings.NewReader(body), "application/json"
	}
	req, err := http.NewRequestWithContext(w.ctx, method, w.base+path, rd)
	fatalIf(t, "build request", err)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if a != anonymous {
		access, _ := w.acct[a].c.Tokens()
		req.Header.Set("Authorization", "Bearer "+access)
	}
	resp, err := w.http.Do(req)
	fatalIf(t, method+" "+path, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	fatalIf(t, "read answer", err)
	return resp.StatusCode, data
}

func multipartFile(t *testing.T) ([]byte, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	part, err := mw.CreateFormFile("file", "cell.txt")
	fatalIf(t, "multipart", err)
	_, _ = part.Write([]byte("uploaded by a matrix cell"))
	fatalIf(t, "multipart", mw.Close())
	return buf.Bytes(), mw.FormDataContentType()
}

// fill replaces the placeholders of a row's path or body for actor a.
func (w *world) fill(s string, f *fixture, ch chatFixture, a actor) string {
	self := int64(0)
	if a != anonymous {
		self = w.acct[a].u.ID
	}
	w.n++
	return strings.NewReplacer(
		"{ws}", id(f.ws),
		"{chat}", id(ch.chat),
		"{msg}", id(ch.msg),
		"{file}", id(ch.file),
		"{code}", url.PathEscape(f.code),
		"{extra}", id(w.extra.u.ID),
		"{self}", id(self),
		"{emoji}", url.PathEscape("👍"),
		"{n}", fmt.Sprint(w.n),
	).Replace(s)
}

func id(n int64) string { return fmt.Sprint(n) }
