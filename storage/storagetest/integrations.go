package storagetest

import (
	"context"
	"testing"

	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

func integrationTests() []leaf {
	return []leaf{
		{"BotsAndTokens", testBotsAndTokens},
		{"Integrations", testIntegrationRows},
	}
}

func newBotUser(t *testing.T, s storage.Store, name string) model.User {
	t.Helper()
	u := model.User{Email: name + "@bots.example.invalid", Username: name, DisplayName: name, IsBot: true}
	noErr(t, s.CreateUser(context.Background(), &u), "create bot user")
	return u
}

func testBotsAndTokens(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	other := newWorkspace(t, s, ann, "Other")
	bot := newBotUser(t, s, "ci-bot")
	noErr(t, s.AddWorkspaceBot(ctx, model.WorkspaceBot{User: bot, WorkspaceID: w.ID, CreatedBy: ann.ID, CreatedAt: ts(0)}), "add bot")
	wantErr(t, s.AddWorkspaceBot(ctx, model.WorkspaceBot{User: bot, WorkspaceID: other.ID, CreatedBy: ann.ID}), storage.ErrConflict, "bot of two workspaces")

	tok := model.BotToken{BotID: bot.ID, WorkspaceID: w.ID, Hint: "fcb_abc", CreatedAt: ts(1)}
	noErr(t, s.CreateBotToken(ctx, &tok, "hash-1"), "create token")
	dup := model.BotToken{BotID: bot.ID, WorkspaceID: w.ID, Hint: "fcb_abc"}
	wantErr(t, s.CreateBotToken(ctx, &dup, "hash-1"), storage.ErrConflict, "same hash twice")
	got, err := s.BotTokenByHash(ctx, "hash-1")
	noErr(t, err, "token by hash")
	if got.ID != tok.ID || got.BotID != bot.ID || got.WorkspaceID != w.ID || got.LastUsedAt != nil || got.RevokedAt != nil {
		t.Fatalf("token = %+v", got)
	}
	sameTime(t, got.CreatedAt, ts(1), "token created_at")
	_, err = s.BotTokenByHash(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "unknown hash")

	noErr(t, s.TouchBotToken(ctx, tok.ID, ts(2)), "touch")
	bots, err := s.WorkspaceBots(ctx, w.ID)
	noErr(t, err, "list bots")
	if len(bots) != 1 || bots[0].User.ID != bot.ID || len(bots[0].Tokens) != 1 || bots[0].Tokens[0].LastUsedAt == nil {
		t.Fatalf("bots = %+v", bots)
	}
	sameTime(t, *bots[0].Tokens[0].LastUsedAt, ts(2), "last_used_at")
	if none, _ := s.WorkspaceBots(ctx, other.ID); len(none) != 0 {
		t.Fatalf("bots of another workspace = %+v", none)
	}

	wantErr(t, s.RevokeBotToken(ctx, other.ID, bot.ID, tok.ID, ts(3)), storage.ErrNotFound, "revoke through another workspace")
	noErr(t, s.RevokeBotToken(ctx, w.ID, bot.ID, tok.ID, ts(3)), "revoke")
	wantErr(t, s.RevokeBotToken(ctx, w.ID, bot.ID, tok.ID, ts(4)), storage.ErrNotFound, "revoke twice")
	if got, _ := s.BotTokenByHash(ctx, "hash-1"); got.RevokedAt == nil {
		t.Fatal("revoked token has no revoked_at")
	}

	second := model.BotToken{BotID: bot.ID, WorkspaceID: w.ID, Hint: "fcb_def"}
	noErr(t, s.CreateBotToken(ctx, &second, "hash-2"), "second token")
	noErr(t, s.DeleteWorkspaceBot(ctx, w.ID, bot.ID, ts(5)), "delete bot")
	if got, _ := s.BotTokenByHash(ctx, "hash-2"); got.RevokedAt == nil {
		t.Fatal("deleting the bot left a live token")
	}
	wantErr(t, s.DeleteWorkspaceBot(ctx, w.ID, bot.ID, ts(6)), storage.ErrNotFound, "delete twice")
}

func testIntegrationRows(t *testing.T, s storage.Store) {
	ctx := context.Background()
	ann := newUser(t, s, "ann")
	w := newWorkspace(t, s, ann, "Acme")
	other := newWorkspace(t, s, ann, "Other")
	bot := newBotUser(t, s, "integrations")
	out := model.Integration{WorkspaceID: w.ID, Kind: model.IntegrationOutgoing, Name: "ci", ChatIDs: []int64{7, 9},
		TriggerWords: []string{"deploy"}, URL: "https://ci.example.org/hook", Secret: "sec-1", BotID: bot.ID, CreatedBy: ann.ID}
	noErr(t, s.CreateIntegration(ctx, &out), "create outgoing")
	if out.ID == 0 || out.CreatedAt.IsZero() {
		t.Fatalf("created = %+v", out)
	}
	cmd := model.Integration{WorkspaceID: w.ID, Kind: model.IntegrationCommand, Name: "deploy", URL: "https://x", Secret: "sec-2", BotID: bot.ID, CreatedBy: ann.ID}
	noErr(t, s.CreateIntegration(ctx, &cmd), "create command")
	again := cmd
	again.Secret = "sec-3"
	wantErr(t, s.CreateIntegration(ctx, &again), storage.ErrConflict, "command name twice")
	again.WorkspaceID, again.Secret = other.ID, "sec-4"
	noErr(t, s.CreateIntegration(ctx, &again), "same command in another workspace")
	sameSecret := model.Integration{WorkspaceID: w.ID, Kind: model.IntegrationIncoming, ChatIDs: []int64{7}, Secret: "sec-1", BotID: bot.ID, CreatedBy: ann.ID}
	wantErr(t, s.CreateIntegration(ctx, &sameSecret), storage.ErrConflict, "secret twice")

	list, err := s.Integrations(ctx, w.ID, model.IntegrationOutgoing)
	noErr(t, err, "list outgoing")
	if len(list) != 1 || list[0].Name != "ci" || len(list[0].ChatIDs) != 2 || list[0].ChatIDs[1] != 9 || list[0].TriggerWords[0] != "deploy" {
		t.Fatalf("outgoing = %+v", list)
	}
	if empty, _ := s.Integrations(ctx, w.ID, model.IntegrationIncoming); empty == nil || len(empty) != 0 {
		t.Fatalf("incoming = %#v, want an empty list", empty)
	}
	got, err := s.IntegrationBySecret(ctx, model.IntegrationCommand, "sec-2")
	noErr(t, err, "by secret")
	if got.ID != cmd.ID || len(got.ChatIDs) != 0 || got.TriggerWords == nil {
		t.Fatalf("by secret = %+v", got)
	}
	_, err = s.IntegrationBySecret(ctx, model.IntegrationIncoming, "sec-2")
	wantErr(t, err, storage.ErrNotFound, "secret of another kind")

	wantErr(t, s.DeleteIntegration(ctx, other.ID, model.IntegrationCommand, cmd.ID), storage.ErrNotFound, "delete through another workspace")
	wantErr(t, s.DeleteIntegration(ctx, w.ID, model.IntegrationOutgoing, cmd.ID), storage.ErrNotFound, "delete as another kind")
	noErr(t, s.DeleteIntegration(ctx, w.ID, model.IntegrationCommand, cmd.ID), "delete")
	_, err = s.IntegrationBySecret(ctx, model.IntegrationCommand, "sec-2")
	wantErr(t, err, storage.ErrNotFound, "deleted")
}
