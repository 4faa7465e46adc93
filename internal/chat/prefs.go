package chat

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/fechatter/fechatter/internal/apperr"
	"github.com/fechatter/fechatter/internal/model"
	"github.com/fechatter/fechatter/storage"
)

// maxDraftRunes caps a draft: the longest message that could be sent.
const maxDraftRunes = maxContentRunes

// SaveDraft keeps userID's unsent text for a chat (threadID 0) or one of
// its threads; an empty (blank) text removes the draft. Drafts need
// membership, like sending; threadID must be a message of the chat.
func (s *Service) SaveDraft(ctx context.Context, userID, chatID, threadID int64, text string) error {
	if threadID < 0 {
		return apperr.Field("thread_id", "must not be negative")
	}
	if !utf8.ValidString(text) {
		return apperr.Field("text", "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(text); n > maxDraftRunes {
		return apperr.Field("text", fmt.Sprintf("must be at most %d characters", maxDraftRunes))
	}
	return s.inTx(ctx, func(tx storage.Tx) error {
		if _, err := memberChat(ctx, tx, chatID, userID); err != nil {
			return err
		}
		if threadID > 0 {
			if _, err := tx.Message(ctx, userID, chatID, threadID); err != nil {
				if errors.Is(err, storage.ErrNotFound) {
					return apperr.Field("thread_id", "no such message in this chat")
				}
				return chatStoreErr(err, "load thread root", "message", "")
			}
		}
		if strings.TrimSpace(text) == "" {
			return chatStoreErr(tx.DeleteDraft(ctx, userID, chatID, threadID), "delete draft", "chat", "")
		}
		return chatStoreErr(tx.PutDraft(ctx, model.Draft{
			UserID: userID, ChatID: chatID, ThreadID: threadID, Text: text, UpdatedAt: s.now(),
		}), "put draft", "chat", "")
	})
}

// Drafts returns userID's drafts in the chats the user is still in,
// newest first.
func (s *Service) Drafts(ctx context.Context, userID int64) ([]model.Draft, error) {
	list, err := s.store.ListDrafts(ctx, userID)
	return list, storeErr(err)
}

// SetChatMuted mutes or unmutes a chat's notifications for userID, who must
// be a member.
func (s *Service) SetChatMuted(ctx context.Context, userID, chatID int64, muted bool) error {
	return s.inTx(ctx, func(tx storage.Tx) error {
		if _, err := memberChat(ctx, tx, chatID, userID); err != nil {
			return err
		}
		return chatStoreErr(tx.SetChatMuted(ctx, userID, chatID, muted), "set chat muted", "chat", "")
	})
}

// DefaultNotificationSettings are what a user who never saved any has.
func DefaultNotificationSettings(userID int64) model.NotificationSettings {
	return model.NotificationSettings{UserID: userID, Sound: true, ScheduleStart: "22:00", ScheduleEnd: "08:00"}
}

// NotificationSettings returns userID's notification settings (the
// defaults when never saved) and the chats the user muted.
func (s *Service) NotificationSettings(ctx context.Context, userID int64) (model.NotificationSettings, []int64, error) {
	ns, err := s.store.NotificationSettings(ctx, userID)
	if errors.Is(err, storage.ErrNotFound) {
		ns, err = DefaultNotificationSettings(userID), nil
	}
	if err != nil {
		return model.NotificationSettings{}, nil, storeErr(err)
	}
	muted, err := s.store.MutedChats(ctx, userID)
	if err != nil {
		return model.NotificationSettings{}, nil, storeErr(err)
	}
	return ns, muted, nil
}

// NotificationPatch changes some of a user's notification settings; nil
// fields stay as they are. ClearDND ends a do-not-disturb snooze.
type NotificationPatch struct {
	Sound           *bool
	DNDUntil        *time.Time
	ClearDND        bool
	ScheduleEnabled *bool
	ScheduleStart   *string
	ScheduleEnd     *string
}

// clockRe is a time of day, HH:MM on a 24-hour clock.
var clockRe = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)

// UpdateNotificationSettings applies p to userID's settings and returns
// them with the muted chats.
func (s *Service) UpdateNotificationSettings(ctx context.Context, userID int64, p NotificationPatch) (model.NotificationSettings, []int64, error) {
	for _, f := range []struct {
		name string
		v    *string
	}{{"schedule_start", p.ScheduleStart}, {"schedule_end", p.ScheduleEnd}} {
		if f.v != nil && !clockRe.MatchString(*f.v) {
			return model.NotificationSettings{}, nil, apperr.Field(f.name, "must be a time of day as HH:MM (00:00 to 23:59)")
		}
	}
	if p.DNDUntil != nil && p.ClearDND {
		return model.NotificationSettings{}, nil, apperr.Field("dnd_until", "give a time or null, not both")
	}
	err := s.inTx(ctx, func(tx storage.Tx) error {
		ns, err := tx.NotificationSettings(ctx, userID)
		if errors.Is(err, storage.ErrNotFound) {
			ns, err = DefaultNotificationSettings(userID), nil
		}
		if err != nil {
			return err
		}
		if p.Sound != nil {
			ns.Sound = *p.Sound
		}
		if p.ClearDND {
			ns.DNDUntil = nil
		}
		if p.DNDUntil != nil {
			u := p.DNDUntil.UTC()
			ns.DNDUntil = &u
		}
		if p.ScheduleEnabled != nil {
			ns.ScheduleEnabled = *p.ScheduleEnabled
		}
		if p.ScheduleStart != nil {
			ns.ScheduleStart = *p.ScheduleStart
		}
		if p.ScheduleEnd != nil {
			ns.ScheduleEnd = *p.ScheduleEnd
		}
		ns.UserID, ns.UpdatedAt = userID, s.now()
		return tx.PutNotificationSettings(ctx, ns)
	})
	if err != nil {
		return model.NotificationSettings{}, nil, err
	}
	return s.NotificationSettings(ctx, userID)
}
