// Package assistant drives the built fechatter binary with its assistant
// pointed at an OpenAI-protocol stub (stub_test.go): replies that stream
// and settle, triggers, commands, permissions of the context, failures,
// and a crash in the middle of an answer. TestRealEndpoint runs against a
// real OpenAI-compatible server when FECHATTER_TEST_OPENAI_URL is set.
package assistant

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const (
	password  = "correct horse battery"
	modelName = "stub-model"
	// wait bounds every poll; it only turns a hang into a failure.
	wait = 90 * time.Second
)

var ctx = context.Background()

// team is a running server with a workspace: ann (owner), bob and cat.
type team struct {
	srv           *testproc.Server
	ann, bob, cat *client.Client
	ws            client.Workspace
	general       model.ChatSummary
}

// startTeam runs the binary with env and sets up the team.
func startTeam(t *testing.T, dbURL string, env ...string) *team {
	t.Helper()
	srv := testproc.New(t, testproc.Config{DBURL: dbURL, Env: env})
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
	tm.bob = tm.signUp(t, "bob", inv.Code)
	tm.cat = tm.signUp(t, "cat", inv.Code)
	tm.general = tm.newChat(t, tm.ann, model.ChatPublicChannel, "hall", tm.bob, tm.cat)
	return tm
}

func (tm *team) signUp(t *testing.T, name, code string) *client.Client {
	t.Helper()
	c := client.New(tm.srv.URL())
	_, err := c.SignUp(ctx, client.SignUpInput{Email: name + "@example.com", Password: password, Username: name, DisplayName: name, InviteCode: code})
	must(t, err)
	return c
}

func (tm *team) newChat(t *testing.T, by *client.Client, typ model.ChatType, name string, with ...*client.Client) model.ChatSummary {
	t.Helper()
	var ids []int64
	for _, c := range with {
		me, err := c.Me(ctx)
		must(t, err)
		ids = append(ids, me.ID)
	}
	ch, _, err := by.CreateChat(ctx, tm.ws.ID, client.CreateChatInput{Type: typ, Name: name, MemberIDs: ids})
	must(t, err)
	return ch
}

func modelEnv(stub *stubModel) []string {
	return []string{"FECHATTER_BOT__BASE_URL=" + stub.baseURL(), "FECHATTER_BOT__MODEL=" + modelName, "FECHATTER_BOT__API_KEY=test-key"}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// send posts content in a chat as c.
func send(t *testing.T, c *client.Client, chatID int64, content string) model.Message {
	t.Helper()
	m, _, err := c.SendMessage(ctx, chatID, client.SendMessageInput{Content: content})
	must(t, err)
	return m
}

// botReplies returns the assistant's messages in a chat after seq.
func botReplies(t *testing.T, c *client.Client, chatID, afterSeq int64) []model.Message {
	t.Helper()
	page, err := c.Messages(ctx, chatID, client.MessageQuery{AfterSeq: afterSeq, Limit: 200})
	must(t, err)
	var out []model.Message
	for _, m := range page.Messages {
		if m.Sender.IsBot && m.Sender.Username == "assistant" {
			out = append(out, m)
		}
	}
	return out
}

// settledReply waits for the assistant's reply to trigger and returns it
// once it no longer grows (no cursor, not the placeholder).
func settledReply(t *testing.T, c *client.Client, trigger model.Message) model.Message {
	t.Helper()
	var got model.Message
	testproc.Eventually(t, wait, func() error {
		replies := botReplies(t, c, trigger.ChatID, trigger.Seq)
		if len(replies) == 0 {
			return fmt.Errorf("no reply to %q yet", trigger.Content)
		}
		got = replies[0]
		if got.Content == "Thinking…" || strings.HasSuffix(got.Content, "▍") {
			return fmt.Errorf("reply still streaming: %q", got.Content)
		}
		return nil
	})
	return got
}

// answerOf is a reply without the sources that may end it.
func answerOf(content string) string {
	answer, _, _ := strings.Cut(content, "\n\nSources:")
	return answer
}

// requestWith returns the stub's request body that contains marker.
func requestWith(t *testing.T, stub *stubModel, marker string) string {
	t.Helper()
	var body string
	testproc.Eventually(t, wait, func() error {
		for _, b := range stub.bodies() {
			if strings.Contains(b, marker) {
				body = b
				return nil
			}
		}
		return fmt.Errorf("the model never got a request with %q", marker)
	})
	return body
}

// TestAssistant: with a model configured, on both engines.
func TestAssistant(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			stub := newStubModel(t, "The plan is to ship on Friday.")
			tm := startTeam(t, engine.dbURL(t), modelEnv(stub)...)
			t.Run("info", func(t *testing.T) { testInfo(t, tm) })
			t.Run("mention streams and settles", func(t *testing.T) { testMention(t, tm, stub) })
			t.Run("context is only what the asker can read", func(t *testing.T) { testContextPermissions(t, tm, stub) })
			t.Run("direct chat", func(t *testing.T) { testDirect(t, tm) })
			t.Run("custom commands and help", func(t *testing.T) { testCommands(t, tm, stub) })
			t.Run("refused key", func(t *testing.T) { testRefused(t, tm, stub) })
			t.Run("turned off", func(t *testing.T) { testTurnedOff(t, tm) })
		})
	}
}

func testInfo(t *testing.T, tm *team) {
	info, err := tm.bob.Assistant(ctx, tm.ws.ID)
	must(t, err)
	if !info.Enabled || info.Model != modelName || info.UserID == 0 || info.Username != "assistant" {
		t.Fatalf("assistant = %+v", info)
	}
	var names []string
	for _, c := range info.Commands {
		names = append(names, c.Name)
	}
	if strings.Join(names, ",") != "ask,summarize,translate,help" {
		t.Fatalf("commands = %v", names)
	}
	members, err := tm.ann.Members(ctx, tm.ws.ID)
	must(t, err)
	found := false
	for _, m := range members {
		found = found || m.User.ID == info.UserID && m.User.IsBot
	}
	if !found {
		t.Fatalf("the assistant is not a member of the workspace: %+v", members)
	}
	// A new workspace gets its assistant too.
	ws2, err := tm.ann.CreateWorkspace(ctx, "Second")
	must(t, err)
	testproc.Eventually(t, wait, func() error {
		members, err := tm.ann.Members(ctx, ws2.ID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.User.ID == info.UserID {
				return nil
			}
		}
		return fmt.Errorf("the new workspace has no assistant yet")
	})
}

func testMention(t *testing.T, tm *team, stub *stubModel) {
	send(t, tm.cat, tm.general.ID, "earlier: the release checklist is in the wiki")
	sctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	stream, err := tm.bob.Events(sctx, 0)
	must(t, err)
	defer stream.Close()
	trigger := send(t, tm.bob, tm.general.ID, "@assistant what is the plan?")
	reply := settledReply(t, tm.bob, trigger)
	if answerOf(reply.Content) != "The plan is to ship on Friday." || reply.EditedAt == nil {
		t.Fatalf("reply = %q (edited %v)", reply.Content, reply.EditedAt)
	}
	// Bob saw the reply appear at once and grow before it settled.
	var seen []string
	for len(seen) == 0 || seen[len(seen)-1] != reply.Content {
		e, err := stream.Next()
		must(t, err)
		var p struct {
			Message model.Message `json:"message"`
		}
		if (e.Type == "message.created" || e.Type == "message.updated") && e.Decode(&p) == nil && p.Message.ID == reply.ID {
			seen = append(seen, p.Message.Content)
		}
	}
	if len(seen) < 3 || seen[0] != "Thinking…" || !strings.HasSuffix(seen[1], " ▍") {
		t.Fatalf("the reply did not stream: %q", seen)
	}
	body := requestWith(t, stub, "what is the plan?")
	if !strings.Contains(body, "the release checklist is in the wiki") {
		t.Fatalf("the chat's recent messages are not in the request: %s", body)
	}
	if !strings.Contains(body, `"stream":true`) || !strings.Contains(body, `"include_usage":true`) {
		t.Fatalf("request is not a streaming one with usage: %s", body)
	}
}

func testContextPermissions(t *testing.T, tm *team, stub *stubModel) {
	// ann and cat share a private channel; bob is not in it.
	secret := tm.newChat(t, tm.ann, model.ChatPrivateChannel, "secret", tm.cat)
	send(t, tm.cat, secret.ID, "the vault code is swordfish-4711")
	trigger := send(t, tm.bob, tm.general.ID, "/summarize")
	settledReply(t, tm.bob, trigger)
	ask := send(t, tm.bob, tm.general.ID, "/ask what is the vault code?")
	settledReply(t, tm.bob, ask)
	body := requestWith(t, stub, "what is the vault code?")
	for _, b := range stub.bodies() {
		if strings.Contains(b, "swordfish-4711") {
			t.Fatalf("a private channel's text reached the model:\n%s", b)
		}
	}
	if !strings.Contains(body, "@bob") {
		t.Fatalf("the asker is not named: %s", body)
	}
	// In the private channel, cat's question does see its messages.
	own := send(t, tm.cat, secret.ID, "@assistant remind me of the code")
	settledReply(t, tm.cat, own)
	if b := requestWith(t, stub, "remind me of the code"); !strings.Contains(b, "swordfish-4711") {
		t.Fatalf("a member's own chat is missing from the context: %s", b)
	}
}

func testDirect(t *testing.T, tm *team) {
	info, err := tm.bob.Assistant(ctx, tm.ws.ID)
	must(t, err)
	dm, _, err := tm.bob.CreateChat(ctx, tm.ws.ID, client.CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{info.UserID}})
	must(t, err)
	trigger := send(t, tm.bob, dm.ID, "hello there, no mention needed")
	if reply := settledReply(t, tm.bob, trigger); answerOf(reply.Content) != "The plan is to ship on Friday." {
		t.Fatalf("direct reply = %q", reply.Content)
	}
}

func testCommands(t *testing.T, tm *team, stub *stubModel) {
	_, err := tm.bob.CreateAssistantCommand(ctx, tm.ws.ID, client.AssistantCommand{Name: "standup", Template: "x"})
	if !client.IsForbidden(err) {
		t.Fatalf("a member defined a command: %v", err)
	}
	cmd, err := tm.ann.CreateAssistantCommand(ctx, tm.ws.ID, client.AssistantCommand{
		Name: "standup", Description: "Write my standup", Template: "Write a standup for {{user}} in {{chat}} from: {{input}}",
	})
	must(t, err)
	_, err = tm.ann.CreateAssistantCommand(ctx, tm.ws.ID, client.AssistantCommand{Name: "standup", Template: "y"})
	if !client.IsConflict(err) {
		t.Fatalf("duplicate name: %v", err)
	}
	_, err = tm.ann.CreateAssistantCommand(ctx, tm.ws.ID, client.AssistantCommand{Name: "help", Template: "y"})
	if !client.IsInvalid(err) {
		t.Fatalf("built-in name: %v", err)
	}
	help := send(t, tm.bob, tm.general.ID, "/help")
	reply := settledReply(t, tm.bob, help)
	if !strings.Contains(reply.Content, "/standup") || !strings.Contains(reply.Content, "Write my standup") || !strings.Contains(reply.Content, "/summarize") {
		t.Fatalf("/help = %q", reply.Content)
	}
	run := send(t, tm.bob, tm.general.ID, "/standup fixed the login bug")
	settledReply(t, tm.bob, run)
	if b := requestWith(t, stub, "Write a standup for @bob in #hall from: fixed the login bug"); b == "" {
		t.Fatal("template not filled")
	}
	_, err = tm.ann.UpdateAssistantCommand(ctx, tm.ws.ID, cmd.ID, client.AssistantCommand{Name: "standup", Description: "d", Template: "t2"})
	must(t, err)
	must(t, tm.ann.DeleteAssistantCommand(ctx, tm.ws.ID, cmd.ID))
	if err := tm.ann.DeleteAssistantCommand(ctx, tm.ws.ID, cmd.ID); !client.IsNotFound(err) {
		t.Fatalf("delete twice: %v", err)
	}
}

func testRefused(t *testing.T, tm *team, stub *stubModel) {
	for _, tc := range []struct {
		status int
		want   string
	}{
		{http.StatusUnauthorized, "refused the API key"},
		{http.StatusTooManyRequests, "rate limiting"},
		{http.StatusInternalServerError, "returned an error (HTTP 500)"},
	} {
		stub.set(func(s *stubModel) { s.status = tc.status })
		trigger := send(t, tm.bob, tm.general.ID, fmt.Sprintf("@assistant are you there (%d)?", tc.status))
		if reply := settledReply(t, tm.bob, trigger); !strings.Contains(reply.Content, tc.want) {
			t.Errorf("%d: reply = %q, want it to say %q", tc.status, reply.Content, tc.want)
		}
	}
	stub.set(func(s *stubModel) { s.status = http.StatusOK })
}

func testTurnedOff(t *testing.T, tm *team) {
	off := false
	if _, err := tm.bob.UpdateAssistant(ctx, tm.ws.ID, client.AssistantPatch{Enabled: &off}); !client.IsForbidden(err) {
		t.Fatalf("a member turned the assistant off: %v", err)
	}
	prompt := "Answer like a pirate."
	info, err := tm.ann.UpdateAssistant(ctx, tm.ws.ID, client.AssistantPatch{Enabled: &off, SystemPrompt: &prompt})
	must(t, err)
	if info.Enabled || info.TurnedOn || !info.Configured || info.SystemPrompt != prompt {
		t.Fatalf("after turning off: %+v", info)
	}
}

// TestAssistantWithoutModel: no endpoint configured, the assistant says
// so in the chat and the API shows enabled: false; /help still works.
func TestAssistantWithoutModel(t *testing.T) {
	tm := startTeam(t, "")
	info, err := tm.bob.Assistant(ctx, tm.ws.ID)
	must(t, err)
	if info.Enabled || info.Configured || info.Model != "" {
		t.Fatalf("assistant = %+v", info)
	}
	trigger := send(t, tm.bob, tm.general.ID, "@assistant hello?")
	if reply := settledReply(t, tm.bob, trigger); !strings.Contains(reply.Content, "no model is configured") {
		t.Fatalf("reply = %q", reply.Content)
	}
	help := send(t, tm.bob, tm.general.ID, "/help")
	if reply := settledReply(t, tm.bob, help); !strings.Contains(reply.Content, "/translate <language>") {
		t.Fatalf("/help = %q", reply.Content)
	}
}

// TestAssistantLimits: a model slower than bot.timeout ends in a sentence
// saying so, and once a workspace spent its daily token budget the
// assistant says that instead of asking.
func TestAssistantLimits(t *testing.T) {
	stub := newStubModel(t, "Tokens were spent.")
	hold, started := make(chan struct{}), make(chan struct{})
	stub.set(func(s *stubModel) { s.hold, s.started = hold, started })
	t.Cleanup(func() { close(hold) })
	tm := startTeam(t, "", append(modelEnv(stub), "FECHATTER_BOT__TIMEOUT=1s", "FECHATTER_BOT__DAILY_TOKEN_BUDGET=40")...)
	slow := send(t, tm.bob, tm.general.ID, "@assistant take your time")
	if reply := settledReply(t, tm.bob, slow); !strings.Contains(reply.Content, "took too long") {
		t.Fatalf("timeout reply = %q", reply.Content)
	}
	stub.set(func(s *stubModel) { s.hold = nil })
	spend := send(t, tm.bob, tm.general.ID, "@assistant spend the budget")
	if reply := settledReply(t, tm.bob, spend); reply.Content != "Tokens were spent." {
		t.Fatalf("reply = %q", reply.Content)
	}
	asked := len(stub.bodies())
	over := send(t, tm.bob, tm.general.ID, "@assistant one more")
	if reply := settledReply(t, tm.bob, over); !strings.Contains(reply.Content, "used its assistant budget for today") {
		t.Fatalf("over-budget reply = %q", reply.Content)
	}
	if n := len(stub.bodies()); n != asked {
		t.Fatalf("the model was asked over budget (%d requests, was %d)", n, asked)
	}
}

// TestAssistantCrash: the server is killed (SIGKILL) while the model is in
// the middle of an answer; after a restart the trigger is answered again
// in the same reply: exactly one reply, settled with the whole answer.
func TestAssistantCrash(t *testing.T) {
	stub := newStubModel(t, "One answer after the crash.")
	hold, started := make(chan struct{}), make(chan struct{})
	stub.set(func(s *stubModel) { s.hold, s.started = hold, started })
	tm := startTeam(t, "", modelEnv(stub)...)
	trigger := send(t, tm.bob, tm.general.ID, "@assistant tell me once")
	select {
	case <-started:
	case <-time.After(wait):
		t.Fatal("the model was never asked")
	}
	testproc.Eventually(t, wait, func() error {
		if len(botReplies(t, tm.bob, tm.general.ID, trigger.Seq)) != 1 {
			return fmt.Errorf("no reply posted yet")
		}
		return nil
	})
	must(t, tm.srv.Kill())
	stub.set(func(s *stubModel) { s.hold = nil })
	close(hold)
	must(t, tm.srv.Start(ctx))
	reply := settledReply(t, tm.bob, trigger)
	if reply.Content != "One answer after the crash." {
		t.Fatalf("reply after restart = %q", reply.Content)
	}
	if n := len(botReplies(t, tm.bob, tm.general.ID, trigger.Seq)); n != 1 {
		t.Fatalf("%d replies after the restart, want 1", n)
	}
}

// TestRealEndpoint asks a real OpenAI-compatible server when
// FECHATTER_TEST_OPENAI_URL (and FECHATTER_TEST_OPENAI_MODEL, optionally
// FECHATTER_TEST_OPENAI_KEY) are set.
func TestRealEndpoint(t *testing.T) {
	url, mdl := os.Getenv("FECHATTER_TEST_OPENAI_URL"), os.Getenv("FECHATTER_TEST_OPENAI_MODEL")
	if url == "" || mdl == "" {
		t.Skip("set FECHATTER_TEST_OPENAI_URL and FECHATTER_TEST_OPENAI_MODEL (and FECHATTER_TEST_OPENAI_KEY) to ask a real model")
	}
	tm := startTeam(t, "", "FECHATTER_BOT__BASE_URL="+url, "FECHATTER_BOT__MODEL="+mdl,
		"FECHATTER_BOT__API_KEY="+os.Getenv("FECHATTER_TEST_OPENAI_KEY"))
	trigger := send(t, tm.bob, tm.general.ID, "/ask Reply with the single word: pong")
	reply := settledReply(t, tm.bob, trigger)
	if strings.HasPrefix(reply.Content, "I could not answer") || strings.TrimSpace(reply.Content) == "" {
		t.Fatalf("reply = %q", reply.Content)
	}
	t.Logf("the model answered: %q", reply.Content)
}
