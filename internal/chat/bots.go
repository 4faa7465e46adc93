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

// PostAsBot posts a message from bot account botID in a chat of a
// workspace the bot belongs to, whether or not the bot is a member of the
// chat: a bot answers where it is asked (a direct chat between two people
// cannot take a third member). Whoever invoked the bot was checked by the
// caller. ClientID makes it idempotent as for SendMessage.
func (s *Service) PostAsBot(ctx context.Context, botID, chatID int64, in SendMessageInput) (model.Message, bool, error) {
	in, err := checkSendInput(in)
	if err != nil {
		return model.Message{}, false, err
	}
	var (
		out     model.Message
		created bool
	)
	post := func(tx storage.Tx) error {
		c, bot, err := botChat(ctx, tx, botID, chatID)
		if err != nil {
			return err
		}
		m := model.Message{ChatID: chatID, WorkspaceID: c.WorkspaceID, SenderID: botID, Content: in.Content, ClientID: in.ClientID, Mentions: []int64{}}
		if in.ReplyTo > 0 {
			root := in.ReplyTo
			m.ReplyTo = &root
		}
		if created, err = tx.CreateMessage(ctx, &m); err != nil || !created {
			out = m
			return err
		}
		completeNewMessage(&m, bot)
		out = m
		return s.record(ctx, tx, messageEvent(model.EventMessageCreated, c.WorkspaceID, chatID, botID, m))
	}
	err = s.inTx(ctx, post)
	if errors.Is(err, storage.ErrConflict) {
		err = s.inTx(ctx, post)
	}
	return out, created, err
}

// EditAsBot replaces the text of a message bot account botID posted
// (PostAsBot) and records message.updated. Bot text mentions nobody.
func (s *Service) EditAsBot(ctx context.Context, botID, chatID, msgID int64, content string) (model.Message, error) {
	var out model.Message
	err := s.inTx(ctx, func(tx storage.Tx) error {
		c, _, err := botChat(ctx, tx, botID, chatID)
		if err != nil {
			return err
		}
		m, err := botMessage(ctx, tx, chatID, msgID)
		if err != nil {
			return err
		}
		if m.Deleted {
			return apperr.NotFound("message") // deleted by a person meanwhile
		}
		if senderOf(m) != botID {
			return apperr.Forbidden("the bot can only edit its own messages")
		}
		if content, err = normalizeMessageContent(content, false); err != nil {
			return err
		}
		if err := tx.EditMessage(ctx, msgID, content, []int64{}, s.now()); err != nil {
			return chatStoreErr(err, "edit message", "message", "")
		}
		if out, err = botMessage(ctx, tx, chatID, msgID); err != nil {
			return err
		}
		return s.record(ctx, tx, messageEvent(model.EventMessageUpdated, c.WorkspaceID, chatID, botID, out))
	})
	return out, err
}

// botChat loads a chat and the bot account, checking that botID is a bot
// and a member of the chat's workspace.
func botChat(ctx context.Context, tx storage.Tx, botID, chatID int64) (model.Chat, model.User, error) {
	bot, err := tx.UserByID(ctx, botID)
	if err != nil {
		return model.Chat{}, model.User{}, chatStoreErr(err, "load bot", "user", "")
	}
	if !bot.IsBot {
		return model.Chat{}, model.User{}, apperr.Forbidden("not a bot account")
	}
	a, err := tx.ChatAccess(ctx, chatID, botID)
	if err != nil {
		return model.Chat{}, model.User{}, chatStoreErr(err, "load chat", "chat", "")
	}
	if a.WorkspaceRole == "" {
		return model.Chat{}, model.User{}, apperr.NotFound("chat")
	}
	return a.Chat, bot, nil
}

// botMessage loads one message of a chat as the database holds it: a bot
// need not be a member of the chats it answers in, so the viewer-scoped
// reads do not serve it.
func botMessage(ctx context.Context, tx storage.Tx, chatID, msgID int64) (model.Message, error) {
	list, err := tx.MessagesByID(ctx, []int64{msgID})
	if err != nil {
		return model.Message{}, fmt.Errorf("load message: %w", err)
	}
	if len(list) == 0 || list[0].ChatID != chatID {
		return model.Message{}, apperr.NotFound("message")
	}
	return list[0], nil
}

// IsNotFound reports whether err, from a use case or from storage, means
// that what was asked about does not exist (or is not visible to the
// caller): for packages above chat that may not name storage or apperr.
func IsNotFound(err error) bool {
	return apperr.KindOf(err) == apperr.KindNotFound || errors.Is(err, storage.ErrNotFound)
}

// IsConflict reports whether err, from a use case or from storage, is a
// uniqueness clash.
func IsConflict(err error) bool {
	return apperr.KindOf(err) == apperr.KindConflict || errors.Is(err, storage.ErrConflict)
}
