package chat

import (
	"context"
	"errors"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// botEmailDomain is where bot accounts' addresses live: .invalid is
// reserved (RFC 2606), so no mail goes anywhere and no person can own one.
const botEmailDomain = "@bots.invalid"

// EnsureBot makes the bot account username (is_bot, no password, so it
// cannot sign in) exist and be a member of workspace wsID, and returns it.
// It is idempotent and safe to call concurrently: the first call creates
// the account (once for the whole instance) and the membership, later ones
// find them. A person who already holds the username makes it a 409.
func (s *Service) EnsureBot(ctx context.Context, wsID int64, username, displayName string) (model.User, error) {
	var bot model.User
	ensure := func(tx storage.Tx) error {
		var err error
		bot, err = s.ensureBotTx(ctx, tx, wsID, username, displayName)
		return err
	}
	err := s.inTx(ctx, ensure)
	if errors.Is(err, storage.ErrConflict) {
		err = s.inTx(ctx, ensure) // a concurrent call created it first
	}
	return bot, err
}

func (s *Service) ensureBotTx(ctx context.Context, tx storage.Tx, wsID int64, username, displayName string) (model.User, error) {
	bot, err := tx.UserByUsername(ctx, username)
	switch {
	case errors.Is(err, storage.ErrNotFound):
		bot = model.User{Email: username + botEmailDomain, Username: username, DisplayName: displayName, IsBot: true}
		if err := tx.CreateUser(ctx, &bot); err != nil {
			return model.User{}, fmt.Errorf("create bot %s: %w", username, err)
		}
	case err != nil:
		return model.User{}, fmt.Errorf("load bot %s: %w", username, err)
	case !bot.IsBot:
		return model.User{}, apperr.Conflict("the username " + username + " belongs to a person, not a bot")
	}
	_, err = tx.GetMember(ctx, wsID, bot.ID)
	if errors.Is(err, storage.ErrNotFound) {
		return bot, s.addMemberTx(ctx, tx, wsID, bot.ID, bot.ID, model.RoleMember)
	}
	return bot, err
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
