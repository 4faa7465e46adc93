// Package integrations drives the built fechatter binary, on SQLite and on
// Postgres, through bot accounts and their tokens, incoming webhooks,
// outgoing webhooks (delivered from the durable JetStream consumer to a
// loopback receiver) and slash-command integrations.
package integrations

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/integ"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	password = "correct horse battery"
	// wait bounds every poll; it only turns a hang into a failure.
	wait = 60 * time.Second
)

var ctx = context.Background()

// team is a running server: ann owns workspace Acme (with bob, a member,
// and the channel general) and workspace Other (with the channel elsewhere).
type team struct {
	srv       *testproc.Server
	ann, bob  *client.Client
	bobID     int64
	ws, other client.Workspace
	general   model.ChatSummary
	elsewhere model.ChatSummary
}

func startTeam(t *testing.T, dbURL string) *team {
	t.Helper()
	// The receivers of the tests listen on loopback, which the SSRF policy
	// refuses unless outbound.allow_cidrs lets it through.
	srv := testproc.New(t, testproc.Config{DBURL: dbURL, Env: []string{"FECHATTER_OUTBOUND__ALLOW_CIDRS=127.0.0.1/32"}})
	if err := srv.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tm := &team{srv: srv, ann: client.New(srv.URL())}
	_, err := tm.ann.Setup(ctx, client.SetupInput{Email: "ann@example.com", Password: password, Username: "ann",
		DisplayName: "Ann", WorkspaceName: "Acme", SetupToken: testproc.SetupToken})
	must(t, err)
	wss, err := tm.ann.Workspaces(ctx)
	must(t, err)
	tm.ws = wss[0]
	inv, err := tm.ann.CreateInvite(ctx, tm.ws.ID, client.InviteOptions{})
	must(t, err)
	tm.bob = client.New(srv.URL())
	_, err = tm.bob.SignUp(ctx, client.SignUpInput{Email: "bob@example.com", Password: password, Username: "bob", DisplayName: "Bob", InviteCode: inv.Code})
	must(t, err)
	me, err := tm.bob.Me(ctx)
	must(t, err)
	tm.bobID = me.ID
	tm.general, _, err = tm.ann.CreateChat(ctx, tm.ws.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "hall", MemberIDs: []int64{tm.bobID}})
	must(t, err)
	tm.other, err = tm.ann.CreateWorkspace(ctx, "Other")
	must(t, err)
	tm.elsewhere, _, err = tm.ann.CreateChat(ctx, tm.other.ID, client.CreateChatInput{Type: model.ChatPublicChannel, Name: "elsewhere"})
	must(t, err)
	return tm
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// statusOf is the HTTP status of an API error, 0 for none.
func statusOf(err error) int {
	var ae *client.APIError
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

func TestIntegrations(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			tm := startTeam(t, engine.dbURL(t))
			t.Run("members cannot manage integrations", func(t *testing.T) { testMembersRefused(t, tm) })
			t.Run("bot token", func(t *testing.T) { testBotToken(t, tm) })
			t.Run("incoming webhook", func(t *testing.T) { testIncoming(t, tm) })
			t.Run("outgoing webhook", func(t *testing.T) { testOutgoing(t, tm) })
			t.Run("slash commands", func(t *testing.T) { testSlash(t, tm) })
		})
	}
}

func testMembersRefused(t *testing.T, tm *team) {
	_, err := tm.bob.CreateBot(ctx, tm.ws.ID, "bobsbot", "")
	if statusOf(err) != http.StatusForbidden {
		t.Fatalf("member creating a bot: %v, want 403", err)
	}
	for _, tc := range []struct {
		kind string
		in   client.IntegrationInput
	}{
		{client.IncomingWebhooks, client.IntegrationInput{ChatID: tm.general.ID}},
		{client.OutgoingWebhooks, client.IntegrationInput{ChatIDs: []int64{tm.general.ID}, URL: "http://127.0.0.1:9/x"}},
		{client.SlashCommands, client.IntegrationInput{Name: "deploy", URL: "http://127.0.0.1:9/x"}},
	} {
		if _, err := tm.bob.CreateIntegration(ctx, tm.ws.ID, tc.kind, tc.in); statusOf(err) != http.StatusForbidden {
			t.Errorf("member creating %s: %v, want 403", tc.kind, err)
		}
		if _, err := tm.bob.Integrations(ctx, tm.ws.ID, tc.kind); statusOf(err) != http.StatusForbidden {
			t.Errorf("member listing %s: %v, want 403", tc.kind, err)
		}
	}
}

func testBotToken(t *testing.T, tm *team) {
	created, err := tm.ann.CreateBot(ctx, tm.ws.ID, "ci-bot", "CI")
	must(t, err)
	if !strings.HasPrefix(created.Token, model.BotTokenPrefix) || !created.Bot.User.IsBot {
		t.Fatalf("created bot = %+v", created)
	}
	bot := client.New(tm.srv.URL(), client.WithTokens(created.Token, ""))

	// The normal API: join a channel, post, read back.
	if _, err := bot.JoinChat(ctx, tm.general.ID); err != nil {
		t.Fatalf("bot joins general: %v", err)
	}
	m, _, err := bot.SendMessage(ctx, tm.general.ID, client.SendMessageInput{Content: "build 42 passed"})
	must(t, err)
	if m.Sender.ID != created.Bot.User.ID {
		t.Fatalf("message sent as %+v", m.Sender)
	}
	wss, err := bot.Workspaces(ctx)
	must(t, err)
	if len(wss) != 1 || wss[0].ID != tm.ws.ID {
		t.Fatalf("bot sees workspaces %+v", wss)
	}

	// Workspace B: nothing, whatever the route.
	for _, path := range []string{
		fmt.Sprintf("/api/workspaces/%d/chats", tm.other.ID),
		fmt.Sprintf("/api/workspaces/%d/members", tm.other.ID),
		fmt.Sprintf("/api/chats/%d/messages", tm.elsewhere.ID),
		fmt.Sprintf("/api/chats/%d", tm.elsewhere.ID),
	} {
		if err := bot.Do(ctx, http.MethodGet, path, nil, nil); statusOf(err) != http.StatusNotFound && statusOf(err) != http.StatusForbidden {
			t.Errorf("bot GET %s: %v, want 403 or 404", path, err)
		}
	}
	if err := bot.Do(ctx, http.MethodPost, fmt.Sprintf("/api/chats/%d/join", tm.elsewhere.ID), nil, nil); statusOf(err) != http.StatusNotFound {
		t.Errorf("bot joins a channel of workspace B: %v, want 404", err)
	}
	if _, err := bot.CreateWorkspace(ctx, "Bots only"); statusOf(err) != http.StatusForbidden {
		t.Errorf("bot creates a workspace: %v, want 403", err)
	}

	// The event stream with the token; revoking ends it and the token.
	stream, err := bot.Events(ctx, 0)
	must(t, err)
	defer stream.Close()
	if ev, err := stream.Next(); err != nil || ev.Type != "ready" {
		t.Fatalf("first event %+v, %v", ev, err)
	}
	bots, err := tm.ann.Bots(ctx, tm.ws.ID)
	must(t, err)
	if len(bots) != 1 || len(bots[0].Tokens) != 1 || bots[0].Tokens[0].LastUsedAt == nil {
		t.Fatalf("bots = %+v (want one, its token used)", bots)
	}
	must(t, tm.ann.RevokeBotToken(ctx, tm.ws.ID, created.Bot.User.ID, bots[0].Tokens[0].ID))
	for {
		if _, err := stream.Next(); err != nil {
			break // the stream ended
		}
	}
	if _, err := bot.Me(ctx); statusOf(err) != http.StatusUnauthorized {
		t.Fatalf("revoked token: %v, want 401", err)
	}
	tok, _, err := tm.ann.CreateBotToken(ctx, tm.ws.ID, created.Bot.User.ID)
	must(t, err)
	if _, err := client.New(tm.srv.URL(), client.WithTokens(tok, "")).Me(ctx); err != nil {
		t.Fatalf("new token: %v", err)
	}
}

func testIncoming(t *testing.T, tm *team) {
	hook, err := tm.ann.CreateIntegration(ctx, tm.ws.ID, client.IncomingWebhooks, client.IntegrationInput{Name: "alerts", ChatID: tm.general.ID})
	must(t, err)
	if !strings.HasPrefix(hook.URL, tm.srv.URL()+"/hooks/") {
		t.Fatalf("hook URL %q is not under %s", hook.URL, tm.srv.URL())
	}
	stream, err := tm.bob.Events(ctx, 0)
	must(t, err)
	defer stream.Close()

	body := `{"text": "*Disk* almost full", "username": "monitor", "channel": "#ops", "blocks": [{"type": "section"}],
		"attachments": [{"fallback": "host db1: 93%"}]}`
	res := postJSON(t, hook.URL, body)
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("POST hook: %d", res.StatusCode)
	}
	var got model.Message
	for got.ID == 0 {
		ev, err := stream.Next()
		must(t, err)
		if ev.Type != model.EventMessageCreated {
			continue
		}
		var p struct {
			Message model.Message `json:"message"`
		}
		must(t, ev.Decode(&p))
		if strings.Contains(p.Message.Content, "Disk") {
			got = p.Message
		}
	}
	if !got.Sender.IsBot || !strings.Contains(got.Content, "**monitor**") || !strings.Contains(got.Content, "host db1: 93%") {
		t.Fatalf("posted %+v", got)
	}
	if res := postJSON(t, hook.URL, `{"text": ""}`); res.StatusCode != http.StatusBadRequest {
		t.Fatalf("empty text: %d, want 400", res.StatusCode)
	}
	must(t, tm.ann.DeleteIntegration(ctx, tm.ws.ID, client.IncomingWebhooks, hook.ID))
	if res := postJSON(t, hook.URL, `{"text": "after delete"}`); res.StatusCode != http.StatusNotFound {
		t.Fatalf("deleted hook: %d, want 404", res.StatusCode)
	}
}

func postJSON(t *testing.T, url, body string) *http.Response {
	t.Helper()
	res, err := http.Post(url, "application/json", strings.NewReader(body))
	must(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// receiver is a loopback HTTP server that records signed requests.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	// secrets are the signing secrets by request path.
	secrets map[string]string
	got     []received
	answer  func(n int, body []byte) (int, string)
}

type received struct {
	body    []byte
	eventID string
	valid   bool
}

func newReceiver(t *testing.T, answer func(n int, body []byte) (int, string)) *receiver {
	r := &receiver{answer: answer, secrets: map[string]string{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		ts, _ := strconv.ParseInt(req.Header.Get(integ.HeaderTimestamp), 10, 64)
		r.mu.Lock()
		secret := r.secrets[req.URL.Path]
		valid := secret != "" && integ.Verify(secret, ts, body, req.Header.Get(integ.HeaderSignature))
		r.got = append(r.got, received{body: body, eventID: req.Header.Get(integ.HeaderEventID), valid: valid})
		n := len(r.got)
		r.mu.Unlock()
		status, text := r.answer(n, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(text))
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) setSecret(path, secret string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secrets[path] = secret
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func testOutgoing(t *testing.T, tm *team) {
	rcv := newReceiver(t, func(n int, _ []byte) (int, string) {
		if n == 1 {
			return http.StatusInternalServerError, `{"error": "warming up"}`
		}
		return http.StatusOK, `{"text": "pong from CI"}`
	})
	hook, err := tm.ann.CreateIntegration(ctx, tm.ws.ID, client.OutgoingWebhooks, client.IntegrationInput{
		Name: "ci", ChatIDs: []int64{tm.general.ID}, TriggerWords: []string{"ping"}, URL: rcv.srv.URL + "/hook"})
	must(t, err)
	rcv.setSecret("/hook", hook.Secret)

	// A private channel the webhook is not set on: never sent, although
	// the message has the trigger word. It is sent first, so the consumer,
	// which works in stream order, has passed it when the next arrives.
	secret, _, err := tm.ann.CreateChat(ctx, tm.ws.ID, client.CreateChatInput{Type: model.ChatPrivateChannel, Name: "secret", MemberIDs: []int64{tm.bobID}})
	must(t, err)
	_, _, err = tm.bob.SendMessage(ctx, secret.ID, client.SendMessageInput{Content: "ping private plans"})
	must(t, err)
	_, _, err = tm.bob.SendMessage(ctx, tm.general.ID, client.SendMessageInput{Content: "no trigger here"})
	must(t, err)
	trigger, _, err := tm.bob.SendMessage(ctx, tm.general.ID, client.SendMessageInput{Content: "ping the build"})
	must(t, err)

	testproc.Eventually(t, wait, func() error {
		if n := len(rcv.requests()); n < 2 {
			return fmt.Errorf("%d requests so far, want the first (500) and its retry", n)
		}
		return nil
	})
	reqs := rcv.requests()
	for i, r := range reqs {
		if !r.valid {
			t.Errorf("request %d: signature does not verify", i)
		}
		if strings.Contains(string(r.body), "private plans") || strings.Contains(string(r.body), "no trigger") {
			t.Errorf("request %d sent what it should not: %s", i, r.body)
		}
	}
	if reqs[0].eventID == "" || reqs[0].eventID != reqs[1].eventID {
		t.Errorf("retry event ids %q, %q: want the same, non-empty", reqs[0].eventID, reqs[1].eventID)
	}
	var p integ.OutgoingPayload
	must(t, json.Unmarshal(reqs[1].body, &p))
	if p.MessageID != trigger.ID || p.TriggerWord != "ping" || p.Username != "bob" || p.EventID != reqs[1].eventID {
		t.Errorf("payload %+v", p)
	}
	// The answer's text is posted as the bot, in reply.
	testproc.Eventually(t, wait, func() error {
		page, err := tm.bob.Messages(ctx, tm.general.ID, client.MessageQuery{AfterSeq: trigger.Seq})
		if err != nil {
			return err
		}
		for _, m := range page.Messages {
			if m.Sender.IsBot && m.Content == "pong from CI" {
				return nil
			}
		}
		return errors.New("no reply posted yet")
	})
}

func testSlash(t *testing.T, tm *team) {
	rcv := newReceiver(t, func(_ int, body []byte) (int, string) {
		var p integ.CommandPayload
		_ = json.Unmarshal(body, &p)
		switch p.Command {
		case "/deploy":
			return http.StatusOK, fmt.Sprintf(`{"response_type": "in_channel", "text": "deploying %s for %s"}`, p.Text, p.Username)
		case "/slow":
			time.Sleep(4 * time.Second) // past the 3-second timeout
		}
		return http.StatusOK, `{"text": "only you can see this"}`
	})
	for _, name := range []string{"ask", "help"} {
		_, err := tm.ann.CreateIntegration(ctx, tm.ws.ID, client.SlashCommands, client.IntegrationInput{Name: name, URL: rcv.srv.URL})
		if statusOf(err) != http.StatusConflict {
			t.Errorf("command /%s: %v, want 409", name, err)
		}
	}
	for _, name := range []string{"deploy", "whoami", "slow"} {
		c, err := tm.ann.CreateIntegration(ctx, tm.ws.ID, client.SlashCommands, client.IntegrationInput{Name: name, URL: rcv.srv.URL + "/" + name})
		must(t, err)
		rcv.setSecret("/"+name, c.Secret)
	}
	// An assistant command cannot take an integration's name.
	if err := tm.ann.Do(ctx, http.MethodPost, fmt.Sprintf("/api/workspaces/%d/assistant/commands", tm.ws.ID),
		map[string]string{"name": "deploy", "template": "x"}, nil); statusOf(err) != http.StatusConflict {
		t.Errorf("assistant command /deploy: %v, want 409", err)
	}
	cmds, err := tm.ann.Integrations(ctx, tm.ws.ID, client.SlashCommands)
	must(t, err)
	if len(cmds) != 3 {
		t.Fatalf("commands %+v", cmds)
	}

	// In channel: the invocation is bob's message, the answer the bot's.
	m, _, err := tm.bob.SendMessage(ctx, tm.general.ID, client.SendMessageInput{Content: "/deploy prod"})
	must(t, err)
	if m.Content != "/deploy prod" || m.Sender.Username != "bob" {
		t.Fatalf("invocation %+v", m)
	}
	page, err := tm.bob.Messages(ctx, tm.general.ID, client.MessageQuery{AfterSeq: m.Seq})
	must(t, err)
	if len(page.Messages) == 0 || page.Messages[0].Content != "deploying prod for bob" || !page.Messages[0].Sender.IsBot {
		t.Fatalf("answer %+v", page.Messages)
	}
	reqs := rcv.requests()
	last := reqs[len(reqs)-1]
	var p integ.CommandPayload
	must(t, json.Unmarshal(last.body, &p))
	if !last.valid || p.ChatID != tm.general.ID || p.UserID != tm.bobID || p.Text != "prod" {
		t.Fatalf("payload %+v (signature valid: %v)", p, last.valid)
	}

	// Ephemeral: answered to bob only, over HTTP and on his streams, never stored.
	stream, err := tm.bob.Events(ctx, 0)
	must(t, err)
	defer stream.Close()
	var ans integ.CommandResult
	must(t, tm.bob.Do(ctx, http.MethodPost, fmt.Sprintf("/api/chats/%d/messages", tm.general.ID), map[string]string{"content": "/whoami"}, &ans))
	if ans.ResponseType != integ.Ephemeral || ans.Text != "only you can see this" || !ans.OK {
		t.Fatalf("ephemeral answer %+v", ans)
	}
	for {
		ev, err := stream.Next()
		must(t, err)
		if ev.Type == integ.EphemeralEvent {
			if !bytes.Contains(ev.Data, []byte("only you can see this")) || ev.ID != 0 {
				t.Fatalf("ephemeral event %+v", ev)
			}
			break
		}
	}
	page, err = tm.bob.Messages(ctx, tm.general.ID, client.MessageQuery{})
	must(t, err)
	for _, m := range page.Messages {
		if strings.Contains(m.Content, "whoami") || strings.Contains(m.Content, "only you") {
			t.Fatalf("ephemeral exchange stored: %+v", m)
		}
	}

	// Timeout: a clear answer, nothing posted.
	must(t, tm.bob.Do(ctx, http.MethodPost, fmt.Sprintf("/api/chats/%d/messages", tm.general.ID), map[string]string{"content": "/slow"}, &ans))
	if ans.OK || !strings.Contains(ans.Text, "did not answer within 3s") {
		t.Fatalf("timeout answer %+v", ans)
	}
}
