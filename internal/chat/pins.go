package chat

import (
	"context"
	"fmt"

	"github.com/fechatter/fechatter/internal/events"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// PinMessage pins (pin=true) or unpins a message of a chat. Any member may,
// while the chat is not archived (403); pinning twice is harmless. A
// deleted message cannot be pinned (404). A change records pin.added or
// pin.removed for the chat's members; a repeat records nothing.
func (s *Service) PinMessage(ctx context.Context, userID, chatID, msgID int64, pin bool) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := writableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		var changed bool
		typ := model.EventPinAdded
		if !pin {
			typ = model.EventPinRemoved
			changed, err = tx.UnpinMessage(ctx, chatID, m.ID)
		} else if m.Deleted {
			return chatStoreErr(storage.ErrNotFound, "pin message", "message", "")
		} else {
			changed, err = tx.PinMessage(ctx, chatID, m.ID, userID)
		}
		if err != nil || !changed {
			return chatStoreErr(err, "pin message", "message", "")
		}
		return s.record(ctx, tx, events.PinEvent{
			Header: events.ChatHeader(typ, a.Chat.WorkspaceID, chatID, userID),
			Pin:    events.Pin{MessageID: m.ID, UserID: userID},
		})
	})
}

// Pins returns the pinned messages of a chat userID can read, most recently
// pinned first.
func (s *Service) Pins(ctx context.Context, userID, chatID int64) ([]model.Message, error) {
	if _, err := readableChat(ctx, s.store, chatID, userID); err != nil {
		return nil, err
	}
	list, err := s.store.ListPins(ctx, userID, chatID)
	if err != nil {
		return nil, fmt.Errorf("list pins: %w", err)
	}
	return nonNilMessages(list), nil
}

// SaveMessage bookmarks (save=true) a message of a chat userID can read, or
// removes the bookmark. Bookmarks are private to the user.
func (s *Service) SaveMessage(ctx context.Context, userID, chatID, msgID int64, save bool) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		a, err := readableChat(ctx, tx, chatID, userID)
		if err != nil {
			return err
		}
		m, err := loadChatMessage(ctx, tx, userID, chatID, msgID)
		if err != nil {
			return err
		}
		var changed bool
		typ := model.EventSavedAdded
		if save {
			changed, err = tx.SaveMessage(ctx, userID, m.ID)
		} else {
			typ = model.EventSavedRemoved
			changed, err = tx.UnsaveMessage(ctx, userID, m.ID)
		}
		if err != nil || !changed {
			return chatStoreErr(err, "save message", "message", "")
		}
		// Only the user's own streams receive it (events.ActorOnly): the
		// other tabs and devices update their saved list.
		return s.record(ctx, tx, events.SavedEvent{
			Header: events.ChatHeader(typ, a.Chat.WorkspaceID, chatID, userID),
			Saved:  events.Saved{MessageID: m.ID, UserID: userID},
		})
	})
}

// SavedMessages returns userID's bookmarks in chats the user is still a
// member of, most recently saved first.
func (s *Service) SavedMessages(ctx context.Context, userID int64, limit int) ([]model.Message, error) {
	limit, err := pageLimit(limit)
	if err != nil {
		return nil, err
	}
	list, err := s.store.ListSaved(ctx, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("list saved: %w", err)
	}
	return nonNilMessages(list), nil
}
