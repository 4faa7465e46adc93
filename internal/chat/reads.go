package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// MarkRead moves userID's read marker in a chat forward to seq (storage caps
// it at the newest message). A marker never moves back; read.updated is
// recorded only when it moved. Readers of a public channel who have not
// joined have no marker (403).
func (s *Service) MarkRead(ctx context.Context, userID, chatID, seq int64) error {
	if seq < 0 {
		return apperr.Field("seq", "must not be negative")
	}
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := memberChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		now, moved, err := tx.MarkRead(ctx, chatID, userID, seq)
		if err != nil {
			return chatStoreErr(err, "mark read", "chat", "")
		}
		if !moved {
			return nil
		}
		return s.record(ctx, tx, events.ReadEvent{
			Header: events.ChatHeader(model.EventReadUpdated, a.Chat.WorkspaceID, chatID, userID),
			Read:   events.Read{ChatID: chatID, Seq: now, UserID: userID},
		})
	})
}

// Mentions returns messages that mention userID in chats the user is still
// in, newest first; unreadOnly keeps those above the read marker. limit
// defaults to DefaultPageLimit and is capped at MaxPageLimit.
func (s *Service) Mentions(ctx context.Context, userID int64, unreadOnly bool, limit int) ([]model.Message, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListMentions(ctx, userID, unreadOnly, limit)
	if err != nil {
		return nil, fmt.Errorf("list mentions: %w", err)
	}
	return nonNilMessages(list), nil
}
