package chat

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// maxChatDescriptionRunes bounds a channel description (several lines).
const maxChatDescriptionRunes = 1000

// errArchived is the answer to a change of an archived chat.
func errArchived() error { return apperr.Forbidden("the channel is archived; unarchive it first") }

// writableChat is memberChat for actions that write to the chat (send,
// edit, react): an archived chat is read-only (403).
func writableChat(ctx context.Context, q chatAccessReader, chatID, userID int64) (storage.ChatAccess, error) {
	a, err := memberChat(ctx, q, chatID, userID)
	if err != nil {
		return a, err
	}
	if a.Chat.ArchivedAt != nil {
		return a, errArchived()
	}
	return a, nil
}

// validateChatDescription trims a description and checks it: at most 1000
// characters; line breaks and tabs are allowed, other control characters not.
func validateChatDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if hasUnsafeRunes(strings.NewReplacer("\n", "", "\t", "", "\r", "").Replace(d)) {
		return "", apperr.Field("description", "must not contain control characters")
	}
	if utf8.RuneCountInString(d) > maxChatDescriptionRunes {
		return "", apperr.Field("description", fmt.Sprintf("must be at most %d characters", maxChatDescriptionRunes))
	}
	return d, nil
}

// ArchiveChat archives (archive=true) or unarchives a channel. An archived
// channel stays readable by its members but nobody can write to it, and it
// is not offered in the channel browser. Channel admins only; groups and
// direct chats cannot be archived (403). Doing it twice is harmless.
func (s *Service) ArchiveChat(ctx context.Context, userID, chatID int64, archive bool) (model.ChatSummary, error) {
	var out model.ChatSummary
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		switch {
		case !a.Chat.Type.IsChannel():
			return apperr.Forbidden("only channels can be archived")
		case !isChatAdmin(a):
			return apperr.Forbidden("only channel admins can archive the channel")
		}
		if (a.Chat.ArchivedAt != nil) != archive {
			c := a.Chat
			c.ArchivedAt = nil
			if archive {
				at := s.now()
				c.ArchivedAt = &at
			}
			if err := s.storeChatChange(ctx, tx, c, userID); err != nil {
				return err
			}
			a.Chat = c
		}
		out, err = chatSummaryFor(ctx, tx, a, userID)
		return err
	})
	return out, err
}

// SetChatMemberRole makes a member of a channel its admin or a plain
// member. Channel admins only (403); the target must be in the chat (404).
func (s *Service) SetChatMemberRole(ctx context.Context, userID, chatID, targetID int64, role model.ChatRole) (model.ChatMember, error) {
	if role != model.ChatRoleAdmin && role != model.ChatRoleMember {
		return model.ChatMember{}, apperr.Field("role", "must be admin or member")
	}
	var out model.ChatMember
	err := s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		switch {
		case !a.Chat.Type.IsChannel():
			return apperr.Forbidden("only channels have member roles")
		case !isChatAdmin(a):
			return apperr.Forbidden("only channel admins can change roles")
		}
		if _, err := findChatMember(ctx, tx, chatID, targetID); err != nil {
			return err
		}
		if err := tx.SetChatMemberRole(ctx, chatID, targetID, role); err != nil {
			return chatStoreErr(err, "set chat member role", "chat member", "")
		}
		out, err = findChatMember(ctx, tx, chatID, targetID)
		return err
	})
	return out, err
}
