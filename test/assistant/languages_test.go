package assistant

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fechatter/fechatter/client"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/internal/testproc"
	"github.com/fechatter/fechatter/storage/postgres/pgtest"
)

const germanAnswer = "Guten Morgen zusammen, das Deployment ist heute gut gelaufen."

// TestLanguages: messages get their language after the send, translations
// go through the model once per message version and target, and only for
// those who can read the message; users keep a language setting.
func TestLanguages(t *testing.T) {
	for _, engine := range []struct {
		name  string
		dbURL func(t *testing.T) string
	}{
		{"sqlite", func(*testing.T) string { return "" }},
		{"postgres", func(t *testing.T) string { return pgtest.URL(t) }},
	} {
		t.Run(engine.name, func(t *testing.T) {
			stub := newStubModel(t, germanAnswer)
			tm := startTeam(t, engine.dbURL(t), append(modelEnv(stub), "FECHATTER_BOT__LANGUAGES=en,de,fr,es")...)
			msg := send(t, tm.ann, tm.general.ID, "Good morning everyone, the deploy went fine today.")
			t.Run("detected after the send", func(t *testing.T) { testDetected(t, tm, msg) })
			t.Run("translate, cached per version", func(t *testing.T) { testTranslate(t, tm, stub, msg) })
			t.Run("only for readers", func(t *testing.T) { testTranslateAccess(t, tm, stub, msg) })
			t.Run("bad input", func(t *testing.T) { testTranslateInput(t, tm, msg) })
			t.Run("user language", func(t *testing.T) { testUserLanguage(t, tm) })
		})
	}
}

// waitLang waits until the message's lang is want, as c reads it.
func waitLang(t *testing.T, c *client.Client, m model.Message, want string) {
	t.Helper()
	testproc.Eventually(t, wait, func() error {
		got, err := c.Message(ctx, m.ChatID, m.ID)
		if err != nil {
			return err
		}
		if got.Lang != want {
			return fmt.Errorf("lang = %q, want %q", got.Lang, want)
		}
		return nil
	})
}

func testDetected(t *testing.T, tm *team, msg model.Message) {
	if msg.Lang != "" {
		t.Fatalf("the send answered with lang %q: detection must not run on the send path", msg.Lang)
	}
	waitLang(t, tm.bob, msg, "en")
	short := send(t, tm.bob, tm.general.ID, "ok 👍")
	de := send(t, tm.bob, tm.general.ID, "Kannst du dir bitte meinen Pull Request vor dem Mittagessen ansehen?")
	waitLang(t, tm.bob, de, "de")
	// Events are handled in order: once the later message has its lang,
	// the short one was looked at and left undetected.
	if got, err := tm.bob.Message(ctx, short.ChatID, short.ID); err != nil || got.Lang != "" {
		t.Fatalf("short message: lang %q, %v", got.Lang, err)
	}
}

func testTranslate(t *testing.T, tm *team, stub *stubModel, msg model.Message) {
	before := len(stub.bodies())
	tr, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "DE")
	must(t, err)
	if tr.Text != germanAnswer || tr.SourceLanguage != "en" || tr.Target != "de" || tr.MessageID != msg.ID {
		t.Fatalf("translation = %+v", tr)
	}
	bodies := stub.bodies()
	if len(bodies) != before+1 {
		t.Fatalf("%d model requests for one translation", len(bodies)-before)
	}
	if last := bodies[len(bodies)-1]; !strings.Contains(last, "German (de)") || !strings.Contains(last, msg.Content) {
		t.Fatalf("translation request = %s", last)
	}
	// Anyone who can read it gets the cached one: no second request.
	again, err := tm.cat.TranslateMessage(ctx, msg.ChatID, msg.ID, "de")
	must(t, err)
	if again.Text != germanAnswer || len(stub.bodies()) != before+1 {
		t.Fatalf("cached translation = %+v after %d requests", again, len(stub.bodies())-before)
	}
	// An edit makes a new version: translated anew, and detected anew.
	edited, err := tm.ann.EditMessage(ctx, msg.ChatID, msg.ID, "Good morning everyone, the deploy went fine today, and the tests passed.")
	must(t, err)
	if edited.Lang != "" {
		t.Fatalf("an edit kept lang %q", edited.Lang)
	}
	_, err = tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "de")
	must(t, err)
	bodies = stub.bodies()
	if len(bodies) != before+2 || !strings.Contains(bodies[len(bodies)-1], "the tests passed") {
		t.Fatalf("after the edit: %d requests, last %s", len(bodies)-before, bodies[len(bodies)-1])
	}
	waitLang(t, tm.bob, msg, "en")
	// Another target is another translation.
	if _, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "french"); err != nil || len(stub.bodies()) != before+3 {
		t.Fatalf("translate into french: %v, %d requests", err, len(stub.bodies())-before)
	}
}

func testTranslateAccess(t *testing.T, tm *team, stub *stubModel, msg model.Message) {
	private := tm.newChat(t, tm.ann, model.ChatPrivateChannel, "leads", tm.bob)
	secret := send(t, tm.ann, private.ID, "The budget for next year is not final yet.")
	// A second workspace, with a member who is in no chat of the first.
	ws2, err := tm.ann.CreateWorkspace(ctx, "Elsewhere")
	must(t, err)
	inv, err := tm.ann.CreateInvite(ctx, ws2.ID, client.InviteOptions{})
	must(t, err)
	dan := tm.signUp(t, "dan", inv.Code)
	before := len(stub.bodies())
	for _, tc := range []struct {
		name    string
		c       *client.Client
		chatID  int64
		msgID   int64
		wantErr int
	}{
		{"non-member of a private channel", tm.cat, private.ID, secret.ID, http.StatusNotFound},
		{"user of another workspace", dan, msg.ChatID, msg.ID, http.StatusNotFound},
		{"message of another chat", tm.bob, private.ID, msg.ID, http.StatusNotFound},
		{"no such message", tm.bob, msg.ChatID, msg.ID + 10000, http.StatusNotFound},
	} {
		_, err := tc.c.TranslateMessage(ctx, tc.chatID, tc.msgID, "de")
		if status(err) != tc.wantErr {
			t.Errorf("%s: %v, want %d", tc.name, err, tc.wantErr)
		}
	}
	if n := len(stub.bodies()); n != before {
		t.Fatalf("the model was asked %d times for messages the caller cannot read", n-before)
	}
	for _, b := range stub.bodies() {
		if strings.Contains(b, "budget for next year") {
			t.Fatalf("a private message reached the model: %s", b)
		}
	}
}

func testTranslateInput(t *testing.T, tm *team, msg model.Message) {
	for _, target := range []string{"", "x", "de; drop table", strings.Repeat("a", 40)} {
		if _, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, target); status(err) != http.StatusBadRequest {
			t.Errorf("target %q: %v, want 400", target, err)
		}
	}
	gone := send(t, tm.bob, tm.general.ID, "This one will be deleted right away, sorry.")
	must(t, tm.bob.DeleteMessage(ctx, gone.ChatID, gone.ID))
	if _, err := tm.bob.TranslateMessage(ctx, gone.ChatID, gone.ID, "de"); status(err) != http.StatusConflict {
		t.Errorf("deleted message: %v, want 409", err)
	}
}

func testUserLanguage(t *testing.T, tm *team) {
	l, err := tm.cat.MyLanguage(ctx)
	must(t, err)
	if l.Language != "" || l.AutoTranslate {
		t.Fatalf("default setting = %+v", l)
	}
	lang, on := "DE", true
	l, err = tm.cat.SetMyLanguage(ctx, client.LanguagePatch{Language: &lang, AutoTranslate: &on})
	must(t, err)
	if l.Language != "de" || !l.AutoTranslate {
		t.Fatalf("set = %+v", l)
	}
	off := false
	l, err = tm.cat.SetMyLanguage(ctx, client.LanguagePatch{AutoTranslate: &off})
	must(t, err)
	if l.Language != "de" || l.AutoTranslate {
		t.Fatalf("auto_translate off = %+v", l)
	}
	bad := "klingon"
	if _, err := tm.cat.SetMyLanguage(ctx, client.LanguagePatch{Language: &bad}); status(err) != http.StatusBadRequest {
		t.Fatalf("unknown language: %v, want 400", err)
	}
	if other, err := tm.bob.MyLanguage(ctx); err != nil || other.Language != "" {
		t.Fatalf("bob's setting = %+v, %v", other, err)
	}
}

// TestTranslateWithoutModel: no model configured is a clear 503.
func TestTranslateWithoutModel(t *testing.T) {
	tm := startTeam(t, "")
	msg := send(t, tm.ann, tm.general.ID, "Good morning everyone, the deploy went fine today.")
	_, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "de")
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || apiErr.Status != http.StatusServiceUnavailable || !strings.Contains(apiErr.Error(), "no model is configured") {
		t.Fatalf("translate without a model: %v", err)
	}
	// Without a model nothing can translate, so nothing detects: the
	// languages consumer does not exist, while the assistant's does (the
	// metrics list every durable consumer, sampled every few seconds).
	var body string
	testproc.Eventually(t, wait, func() error {
		resp, err := http.Get(tm.srv.URL() + "/metrics")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		body = string(b)
		if err == nil && !strings.Contains(body, `fechatter_jetstream_consumer_pending{consumer="assistant"}`) {
			return errors.New("the consumers are not sampled yet")
		}
		return err
	})
	if strings.Contains(body, `consumer="languages"`) {
		t.Fatal("the languages consumer runs without a model")
	}
	got, err := tm.bob.Message(ctx, msg.ChatID, msg.ID)
	must(t, err)
	if got.Lang != "" {
		t.Fatalf("lang %q without a model", got.Lang)
	}
}

func status(err error) int {
	var apiErr *client.APIError
	if errors.As(err, &apiErr) {
		return apiErr.Status
	}
	return 0
}

// TestTranslateLimits: a workspace that turned the assistant off gets 403,
// and translations count against the daily token budget like questions:
// once spent, 429 and no model request.
func TestTranslateLimits(t *testing.T) {
	stub := newStubModel(t, germanAnswer)
	tm := startTeam(t, "", append(modelEnv(stub), "FECHATTER_BOT__DAILY_TOKEN_BUDGET=40")...)
	msg := send(t, tm.ann, tm.general.ID, "Good morning everyone, the deploy went fine today.")
	off, on := false, true
	_, err := tm.ann.UpdateAssistant(ctx, tm.ws.ID, client.AssistantPatch{Enabled: &off})
	must(t, err)
	if _, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "de"); status(err) != http.StatusForbidden {
		t.Fatalf("translate with the assistant off: %v, want 403", err)
	}
	_, err = tm.ann.UpdateAssistant(ctx, tm.ws.ID, client.AssistantPatch{Enabled: &on})
	must(t, err)
	if _, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "de"); err != nil {
		t.Fatalf("first translation: %v", err) // spends 42 + n tokens of 40
	}
	asked := len(stub.bodies())
	if _, err := tm.bob.TranslateMessage(ctx, msg.ChatID, msg.ID, "es"); status(err) != http.StatusTooManyRequests {
		t.Fatalf("translate over budget: %v, want 429", err)
	}
	if n := len(stub.bodies()); n != asked {
		t.Fatalf("the model was asked over budget (%d requests, was %d)", n, asked)
	}
	// The cached one is still served: it costs nothing.
	if tr, err := tm.cat.TranslateMessage(ctx, msg.ChatID, msg.ID, "de"); err != nil || tr.Text != germanAnswer {
		t.Fatalf("cached translation over budget: %+v, %v", tr, err)
	}
}
