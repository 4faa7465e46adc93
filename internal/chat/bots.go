package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// botEmailDomain holds the addresses of bot accounts: .invalid (RFC 2606)
// can never receive mail nor be a person's address.
const botEmailDomain = "bots.fechatter.invalid"

// EnsureBot returns the bot account called username (the system bot, the
// assistant, ...), creating it when missing, and makes it a member of
// workspace wsID when it is not one. A bot has no password, so it cannot
// sign in; it acts only through the use cases the server calls for it.
// EnsureBot is idempotent and safe to call concurrently: a creation that
// loses the race reads the winner's account. A person already holding the
// username is a conflict (409), never taken over.
func (s *Service) EnsureBot(ctx context.Context, wsID int64, username, displayName string) (model.User, error) {
	name, err := normalizeUsername(username)
	if err != nil {
		return model.User{}, err
	}
	var bot model.User
	ensure := func(tx storage.Tx) error {
		bot, err = botAccountTx(ctx, tx, name, displayName)
		if err != nil {
			return err
		}
		_, err = tx.WorkspaceForMember(ctx, wsID, bot.ID)
		if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		if _, err := tx.WorkspaceByID(ctx, wsID); err != nil {
			return fmt.Errorf("workspace %d: %w", wsID, err)
		}
		return s.addMemberTx(ctx, tx, wsID, bot.ID, bot.ID, model.RoleMember)
	}
	err = s.inTx(ctx, ensure)
	if errors.Is(err, storage.ErrConflict) {
		err = s.inTx(ctx, ensure) // a concurrent EnsureBot created the account or the membership
	}
	return bot, err
}

// botAccountTx returns the bot called name, creating it when no account
// has that username.
func botAccountTx(ctx context.Context, tx storage.Tx, name, displayName string) (model.User, error) {
	u, err := tx.UserByUsername(ctx, name)
	switch {
	case err == nil && !u.IsBot:
		return model.User{}, &apperr.Error{Kind: apperr.KindConflict,
			Message: fmt.Sprintf("the username %q belongs to a person, not a bot", name)}
	case err == nil:
		return u, nil
	case !errors.Is(err, storage.ErrNotFound):
		return model.User{}, fmt.Errorf("find bot %q: %w", name, err)
	}
	u = model.User{Email: name + "@" + botEmailDomain, Username: name, DisplayName: displayName, IsBot: true}
	if err := tx.CreateUser(ctx, &u); err != nil {
		return model.User{}, fmt.Errorf("create bot %q: %w", name, err)
	}
	return u, nil
}

// BotDirectMessage is a direct message a bot sent to one person.
type BotDirectMessage struct {
	Recipient model.User
	Message   model.Message
}

// MessageInstanceAdmins sends content as a direct message from the bot
// called username to every instance administrator, in the oldest
// workspace the administrator belongs to (an administrator in no
// workspace is skipped). It returns the messages sent and the errors of
// those it could not send, joined.
func (s *Service) MessageInstanceAdmins(ctx context.Context, username, displayName, content string) ([]BotDirectMessage, error) {
	admins, err := s.store.InstanceAdmins(ctx)
	if err != nil {
		return nil, fmt.Errorf("instance admins: %w", err)
	}
	var (
		sent []BotDirectMessage
		errs []error
	)
	for _, admin := range admins {
		m, ok, err := s.messageFromBot(ctx, admin, username, displayName, content)
		if err != nil {
			errs = append(errs, fmt.Errorf("message admin %d: %w", admin.ID, err))
		} else if ok {
			sent = append(sent, BotDirectMessage{Recipient: admin, Message: m})
		}
	}
	return sent, errors.Join(errs...)
}

// messageFromBot sends content from the bot to one person in their oldest
// workspace; ok is false when they belong to none.
func (s *Service) messageFromBot(ctx context.Context, to model.User, username, displayName, content string) (model.Message, bool, error) {
	wss, err := s.store.ListWorkspacesForUser(ctx, to.ID)
	if err != nil || len(wss) == 0 {
		return model.Message{}, false, err
	}
	bot, err := s.EnsureBot(ctx, wss[0].Workspace.ID, username, displayName)
	if err != nil {
		return model.Message{}, false, err
	}
	dm, _, err := s.CreateChat(ctx, bot.ID, wss[0].Workspace.ID, CreateChatInput{Type: model.ChatDirect, MemberIDs: []int64{to.ID}})
	if err != nil {
		return model.Message{}, false, err
	}
	m, _, err := s.SendMessage(ctx, bot.ID, dm.ID, SendMessageInput{Content: content})
	return m, err == nil, err
}
