package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func languageTests() []leaf {
	return []leaf{
		{"MessageLang", testMessageLang},
		{"MessageLangs", testMessageLangs},
		{"Translations", testTranslations},
		{"UserLanguage", testUserLanguage},
	}
}

func testMessageLang(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	c := newChat(t, s, w, model.ChatPublicChannel, "general", ann)
	m := send(t, s, c, ann, "Guten Morgen zusammen")
	if m.Lang != "" {
		t.Fatalf("a new message has lang %q", m.Lang)
	}
	ok, err := s.SetMessageLang(ctx, m.ID, "some older text", "en")
	noErr(t, err, "set lang for other content")
	if ok {
		t.Fatal("lang was set for content the message no longer has")
	}
	ok, err = s.SetMessageLang(ctx, m.ID, m.Content, "de")
	noErr(t, err, "set lang")
	got, err := s.Message(ctx, ann.ID, c.ID, m.ID)
	noErr(t, err, "read")
	if !ok || got.Lang != "de" {
		t.Fatalf("set = %v, lang = %q", ok, got.Lang)
	}
	noErr(t, s.EditMessage(ctx, m.ID, "Good morning everyone", nil, ts(2)), "edit")
	if got, _ := s.Message(ctx, ann.ID, c.ID, m.ID); got.Lang != "" {
		t.Fatalf("an edit kept lang %q", got.Lang)
	}
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(3)), "delete")
	if ok, err := s.SetMessageLang(ctx, m.ID, "", "en"); err != nil || ok {
		t.Fatalf("lang of a tombstone: %v, %v", ok, err)
	}
}

func testMessageLangs(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	c := newChat(t, s, w, model.ChatPublicChannel, "general", ann)
	a := send(t, s, c, ann, "Guten Morgen zusammen")
	b := send(t, s, c, ann, "Bonjour tout le monde")
	gone := send(t, s, c, ann, "Buenos días")
	noErr(t, s.DeleteMessage(ctx, gone.ID, ts(3)), "delete")
	noErr(t, s.SetMessageLangs(ctx, nil), "no langs")
	noErr(t, s.SetMessageLangs(ctx, []model.MessageLang{
		{MessageID: a.ID, Content: a.Content, Lang: "de"},
		{MessageID: b.ID, Content: "an older text", Lang: "en"}, // edited since: no-op
		{MessageID: gone.ID, Content: "", Lang: "es"},           // a tombstone: no-op
	}), "set langs")
	for _, want := range []struct {
		id   int64
		lang string
	}{{a.ID, "de"}, {b.ID, ""}} {
		got, err := s.Message(ctx, ann.ID, c.ID, want.id)
		noErr(t, err, "read")
		if got.Lang != want.lang {
			t.Errorf("message %d: lang %q, want %q", want.id, got.Lang, want.lang)
		}
	}
	if got, _ := s.Message(ctx, ann.ID, c.ID, gone.ID); got.Lang != "" {
		t.Errorf("a tombstone got lang %q", got.Lang)
	}
}

func testTranslations(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	c := newChat(t, s, w, model.ChatPublicChannel, "general", ann)
	m := send(t, s, c, ann, "Guten Morgen")
	_, err := s.MessageTranslation(ctx, m.ID, "en")
	wantErr(t, err, storage.ErrNotFound, "no translation yet")
	tr := model.Translation{MessageID: m.ID, Target: "en", SourceHash: "h1", SourceLanguage: "de", Text: "Good morning", CreatedAt: ts(1)}
	noErr(t, s.PutMessageTranslation(ctx, tr), "put")
	tr.SourceHash, tr.Text = "h2", "Good morning!"
	noErr(t, s.PutMessageTranslation(ctx, tr), "replace")
	got, err := s.MessageTranslation(ctx, m.ID, "en")
	noErr(t, err, "get")
	if got.SourceHash != "h2" || got.Text != "Good morning!" || got.SourceLanguage != "de" {
		t.Fatalf("translation = %+v", got)
	}
	if _, err := s.MessageTranslation(ctx, m.ID, "fr"); err == nil {
		t.Fatal("a translation into another target")
	}
	noErr(t, s.DeleteMessage(ctx, m.ID, ts(3)), "delete")
	_, err = s.MessageTranslation(ctx, m.ID, "en")
	wantErr(t, err, storage.ErrNotFound, "translation of a deleted message")
}

func testUserLanguage(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	_, err := s.UserLanguage(ctx, ann.ID)
	wantErr(t, err, storage.ErrNotFound, "never saved")
	noErr(t, s.PutUserLanguage(ctx, model.UserLanguage{UserID: ann.ID, Language: "de", AutoTranslate: true, UpdatedAt: ts(1)}), "put")
	noErr(t, s.PutUserLanguage(ctx, model.UserLanguage{UserID: ann.ID, Language: "fr", AutoTranslate: true, UpdatedAt: ts(2)}), "replace")
	got, err := s.UserLanguage(ctx, ann.ID)
	noErr(t, err, "get")
	if got.Language != "fr" || !got.AutoTranslate {
		t.Fatalf("setting = %+v", got)
	}
	sameTime(t, got.UpdatedAt, ts(2), "updated_at")
}
