package chat

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/auth"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// CreatedBot is a new bot account with its first API token, which is
// shown this once.
type CreatedBot struct {
	Bot   model.WorkspaceBot
	Token string
}

// CreateWorkspaceBot creates a bot account in a workspace (admins only):
// a user with IsBot, a member of that workspace, with one API token. A
// username anyone holds, person or bot, is a conflict: a bot account
// belongs to one workspace and is never shared.
func (s *Service) CreateWorkspaceBot(ctx context.Context, actorID, wsID int64, username, displayName string) (CreatedBot, error) {
	if err := s.requireAdmin(ctx, actorID, wsID, "create bots"); err != nil {
		return CreatedBot{}, err
	}
	name := strings.ToLower(strings.TrimSpace(username))
	if !usernamePattern.MatchString(name) {
		return CreatedBot{}, apperr.Field("username", "must be 2 to 32 characters: a-z, 0-9, '_', '.', '-', starting with a letter or digit")
	}
	displayName = strings.TrimSpace(displayName)
	if displayName == "" {
		displayName = name
	}
	if len([]rune(displayName)) > 64 {
		return CreatedBot{}, apperr.Field("display_name", "must be at most 64 characters")
	}
	var out CreatedBot
	err := s.inTx(ctx, func(tx storage.Tx) error {
		if _, err := tx.UserByUsername(ctx, name); err == nil {
			return apperr.Conflict(fmt.Sprintf("the username %q is taken", name))
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		u := model.User{Email: name + "@" + botEmailDomain, Username: name, DisplayName: displayName, IsBot: true}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return chatStoreErr(err, "create bot", "user", fmt.Sprintf("the username %q is taken", name))
		}
		if err := s.addMemberTx(ctx, tx, wsID, u.ID, actorID, model.RoleMember); err != nil {
			return err
		}
		b := model.WorkspaceBot{User: u, WorkspaceID: wsID, CreatedBy: actorID, CreatedAt: s.now()}
		if err := tx.AddWorkspaceBot(ctx, b); err != nil {
			return err
		}
		tok, t, err := s.newBotTokenTx(ctx, tx, wsID, u.ID)
		if err != nil {
			return err
		}
		b.Tokens = []model.BotToken{t}
		out = CreatedBot{Bot: b, Token: tok}
		return nil
	})
	return out, err
}

// newBotTokenTx stores a new token of a bot and returns it.
func (s *Service) newBotTokenTx(ctx context.Context, tx storage.Tx, wsID, botID int64) (string, model.BotToken, error) {
	tok, hash, hint := auth.NewBotToken()
	t := model.BotToken{BotID: botID, WorkspaceID: wsID, Hint: hint, CreatedAt: s.now()}
	if err := tx.CreateBotToken(ctx, &t, hash); err != nil {
		return "", model.BotToken{}, fmt.Errorf("create bot token: %w", err)
	}
	return tok, t, nil
}

// WorkspaceBots lists a workspace's bot accounts with their tokens (admins only).
func (s *Service) WorkspaceBots(ctx context.Context, actorID, wsID int64) ([]model.WorkspaceBot, error) {
	if err := s.requireAdmin(ctx, actorID, wsID, "list bots"); err != nil {
		return nil, err
	}
	return s.workspaceBots(ctx, s.store, wsID)
}

// workspaceBots lists the bots with their user rows.
func (s *Service) workspaceBots(ctx context.Context, st interface {
	WorkspaceBots(ctx context.Context, workspaceID int64) ([]model.WorkspaceBot, error)
	UsersByIDs(ctx context.Context, ids []int64) ([]model.User, error)
}, wsID int64) ([]model.WorkspaceBot, error) {
	bots, err := st.WorkspaceBots(ctx, wsID)
	if err != nil {
		return nil, fmt.Errorf("workspace bots: %w", err)
	}
	ids := make([]int64, len(bots))
	for i, b := range bots {
		ids[i] = b.User.ID
	}
	users, err := st.UsersByIDs(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("bot users: %w", err)
	}
	byID := map[int64]model.User{}
	for _, u := range users {
		u.PasswordHash = ""
		byID[u.ID] = u
	}
	for i := range bots {
		bots[i].User = byID[bots[i].User.ID]
	}
	return bots, nil
}

// WorkspaceBot returns one bot account of a workspace; 404 when botID is
// not one. It checks no role: the integrations that post as a bot call it.
func (s *Service) WorkspaceBot(ctx context.Context, wsID, botID int64) (model.WorkspaceBot, error) {
	bots, err := s.workspaceBots(ctx, s.store, wsID)
	if err != nil {
		return model.WorkspaceBot{}, err
	}
	for _, b := range bots {
		if b.User.ID == botID {
			return b, nil
		}
	}
	return model.WorkspaceBot{}, apperr.NotFound("bot")
}

// CreateBotToken gives a bot of the workspace another token (admins only).
func (s *Service) CreateBotToken(ctx context.Context, actorID, wsID, botID int64) (string, model.BotToken, error) {
	if err := s.requireAdmin(ctx, actorID, wsID, "create bot tokens"); err != nil {
		return "", model.BotToken{}, err
	}
	if _, err := s.WorkspaceBot(ctx, wsID, botID); err != nil {
		return "", model.BotToken{}, err
	}
	var tok string
	var t model.BotToken
	err := s.inTx(ctx, func(tx storage.Tx) error {
		var err error
		tok, t, err = s.newBotTokenTx(ctx, tx, wsID, botID)
		return err
	})
	return tok, t, err
}

// RevokeBotToken revokes one token of a bot (admins only); requests and
// event streams made with it stop at once.
func (s *Service) RevokeBotToken(ctx context.Context, actorID, wsID, botID, tokenID int64) error {
	if err := s.requireAdmin(ctx, actorID, wsID, "revoke bot tokens"); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx storage.Tx) error { return tx.RevokeBotToken(ctx, wsID, botID, tokenID, s.now()) })
	if err != nil {
		return chatStoreErr(err, "revoke bot token", "token", "")
	}
	s.auth.BotTokensRevoked(ctx, botID)
	return nil
}

// DeleteWorkspaceBot revokes every token of a bot and takes it off the
// workspace's bot list (admins only). Its messages stay.
func (s *Service) DeleteWorkspaceBot(ctx context.Context, actorID, wsID, botID int64) error {
	if err := s.requireAdmin(ctx, actorID, wsID, "delete bots"); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx storage.Tx) error { return tx.DeleteWorkspaceBot(ctx, wsID, botID, s.now()) })
	if err != nil {
		return chatStoreErr(err, "delete bot", "bot", "")
	}
	s.auth.BotTokensRevoked(ctx, botID)
	return nil
}

// ChatWorkspace returns the workspace of a chat in a workspace userID
// belongs to (404 otherwise): the API's scope check of bot tokens.
func (s *Service) ChatWorkspace(ctx context.Context, userID, chatID int64) (int64, error) {
	a, err := s.store.ChatAccess(ctx, chatID, userID)
	if err != nil {
		return 0, chatStoreErr(err, "load chat", "chat", "")
	}
	return a.Chat.WorkspaceID, nil
}

// RequireWorkspaceAdmin answers 404 when userID is not in the workspace
// and 403 when they are below admin.
func (s *Service) RequireWorkspaceAdmin(ctx context.Context, userID, wsID int64, action string) error {
	return s.requireAdmin(ctx, userID, wsID, action)
}
