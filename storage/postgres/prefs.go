package postgres

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// PutDraft saves a user's draft for a chat and thread.
func (q *queries) PutDraft(ctx context.Context, d model.Draft) error {
	_, err := q.db.Exec(ctx, `INSERT INTO drafts (user_id, chat_id, thread_id, text, updated_at)
		VALUES ($1, $2, $3, $4, $5) ON CONFLICT (user_id, chat_id, thread_id) DO UPDATE SET
		text = excluded.text, updated_at = excluded.updated_at`,
		d.UserID, d.ChatID, d.ThreadID, d.Text, orNow(d.UpdatedAt))
	return wrap("put draft", err)
}

// DeleteDraft removes one draft, if there is one.
func (q *queries) DeleteDraft(ctx context.Context, userID, chatID, threadID int64) error {
	_, err := q.db.Exec(ctx, `DELETE FROM drafts WHERE user_id = $1 AND chat_id = $2 AND thread_id = $3`,
		userID, chatID, threadID)
	return wrap("delete draft", err)
}

// ListDrafts returns a user's drafts in chats the user is in, newest first.
func (q *queries) ListDrafts(ctx context.Context, userID int64) ([]model.Draft, error) {
	rows, err := q.db.Query(ctx, `SELECT d.chat_id, d.thread_id, d.text, d.updated_at FROM drafts d
		JOIN chat_members m ON m.chat_id = d.chat_id AND m.user_id = d.user_id
		WHERE d.user_id = $1 ORDER BY d.updated_at DESC, d.chat_id, d.thread_id`, userID)
	if err != nil {
		return nil, wrap("list drafts", err)
	}
	defer rows.Close()
	out := []model.Draft{}
	for rows.Next() {
		d := model.Draft{UserID: userID}
		if err := rows.Scan(&d.ChatID, &d.ThreadID, &d.Text, &d.UpdatedAt); err != nil {
			return nil, wrap("list drafts", err)
		}
		d.UpdatedAt = d.UpdatedAt.UTC()
		out = append(out, d)
	}
	return out, wrap("list drafts", rows.Err())
}

// SetChatMuted mutes or unmutes a chat for a user.
func (q *queries) SetChatMuted(ctx context.Context, userID, chatID int64, muted bool) error {
	var err error
	if muted {
		_, err = q.db.Exec(ctx, `INSERT INTO chat_mutes (user_id, chat_id) VALUES ($1, $2)
			ON CONFLICT (user_id, chat_id) DO NOTHING`, userID, chatID)
	} else {
		_, err = q.db.Exec(ctx, `DELETE FROM chat_mutes WHERE user_id = $1 AND chat_id = $2`, userID, chatID)
	}
	return wrap("set chat muted", err)
}

// MutedChats returns the ids of the chats a user muted and is still in.
func (q *queries) MutedChats(ctx context.Context, userID int64) ([]int64, error) {
	rows, err := q.db.Query(ctx, `SELECT x.chat_id FROM chat_mutes x
		JOIN chat_members m ON m.chat_id = x.chat_id AND m.user_id = x.user_id
		WHERE x.user_id = $1 ORDER BY x.chat_id`, userID)
	if err != nil {
		return nil, wrap("muted chats", err)
	}
	defer rows.Close()
	ids := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap("muted chats", err)
		}
		ids = append(ids, id)
	}
	return ids, wrap("muted chats", rows.Err())
}

// NotificationSettings returns a user's saved notification settings.
func (q *queries) NotificationSettings(ctx context.Context, userID int64) (model.NotificationSettings, error) {
	s := model.NotificationSettings{UserID: userID}
	var until *time.Time
	err := q.db.QueryRow(ctx, `SELECT sound, dnd_until, schedule_enabled, schedule_start, schedule_end,
		updated_at FROM notification_settings WHERE user_id = $1`, userID).
		Scan(&s.Sound, &until, &s.ScheduleEnabled, &s.ScheduleStart, &s.ScheduleEnd, &s.UpdatedAt)
	if err != nil {
		return model.NotificationSettings{}, wrap("notification settings", err)
	}
	if until != nil {
		u := until.UTC()
		s.DNDUntil = &u
	}
	s.UpdatedAt = s.UpdatedAt.UTC()
	return s, nil
}

// PutNotificationSettings saves a user's notification settings.
func (q *queries) PutNotificationSettings(ctx context.Context, s model.NotificationSettings) error {
	var until *time.Time
	if s.DNDUntil != nil {
		until = nullTime(*s.DNDUntil)
	}
	_, err := q.db.Exec(ctx, `INSERT INTO notification_settings (user_id, sound, dnd_until,
		schedule_enabled, schedule_start, schedule_end, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (user_id) DO UPDATE SET sound = excluded.sound, dnd_until = excluded.dnd_until,
		schedule_enabled = excluded.schedule_enabled, schedule_start = excluded.schedule_start,
		schedule_end = excluded.schedule_end, updated_at = excluded.updated_at`,
		s.UserID, s.Sound, until, s.ScheduleEnabled, s.ScheduleStart, s.ScheduleEnd, orNow(s.UpdatedAt))
	return wrap("put notification settings", err)
}
