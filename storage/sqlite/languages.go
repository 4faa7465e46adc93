package sqlite

import (
	"context"

	"github.com/fechatter/fechatter/internal/model"
)

// SetMessageLang stores lang for a live message still holding content.
func (q *queries) SetMessageLang(ctx context.Context, messageID int64, content, lang string) (bool, error) {
	var n int64
	err := q.atomic(ctx, func(q *queries) error {
		res, err := q.w.ExecContext(ctx, `UPDATE messages SET lang = ?
			WHERE id = ? AND content = ? AND deleted_at IS NULL`, lang, messageID, content)
		if err != nil {
			return wrap("set message lang", err)
		}
		n, err = res.RowsAffected()
		return wrap("set message lang", err)
	})
	return n > 0, err
}

// SetMessageLangs stores the langs of many messages in one transaction.
func (q *queries) SetMessageLangs(ctx context.Context, langs []model.MessageLang) error {
	if len(langs) == 0 {
		return nil
	}
	return q.atomic(ctx, func(q *queries) error {
		for _, l := range langs {
			if _, err := q.w.ExecContext(ctx, `UPDATE messages SET lang = ?
				WHERE id = ? AND content = ? AND deleted_at IS NULL`, l.Lang, l.MessageID, l.Content); err != nil {
				return wrap("set message langs", err)
			}
		}
		return nil
	})
}

// MessageTranslation returns the cached translation of a message into target.
func (q *queries) MessageTranslation(ctx context.Context, messageID int64, target string) (model.Translation, error) {
	t := model.Translation{MessageID: messageID, Target: target}
	var created int64
	err := q.r.QueryRowContext(ctx, `SELECT source_hash, source_language, text, created_at
		FROM message_translations WHERE message_id = ? AND target = ?`, messageID, target).
		Scan(&t.SourceHash, &t.SourceLanguage, &t.Text, &created)
	if err != nil {
		return model.Translation{}, wrap("message translation", err)
	}
	t.CreatedAt = fromMicros(created)
	return t, nil
}

// PutMessageTranslation stores t, replacing the one for its message and target.
func (q *queries) PutMessageTranslation(ctx context.Context, t model.Translation) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO message_translations (message_id, target, source_hash,
			source_language, text, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (message_id, target) DO UPDATE SET source_hash = excluded.source_hash,
			source_language = excluded.source_language, text = excluded.text, created_at = excluded.created_at`,
			t.MessageID, t.Target, t.SourceHash, t.SourceLanguage, t.Text, micros(orNow(t.CreatedAt)))
		return wrap("put message translation", err)
	})
}

// UserLanguage returns a user's language setting.
func (q *queries) UserLanguage(ctx context.Context, userID int64) (model.UserLanguage, error) {
	l := model.UserLanguage{UserID: userID}
	var updated int64
	err := q.r.QueryRowContext(ctx, `SELECT language, auto_translate, updated_at FROM user_languages
		WHERE user_id = ?`, userID).Scan(&l.Language, &l.AutoTranslate, &updated)
	if err != nil {
		return model.UserLanguage{}, wrap("user language", err)
	}
	l.UpdatedAt = fromMicros(updated)
	return l, nil
}

// PutUserLanguage saves a user's language setting.
func (q *queries) PutUserLanguage(ctx context.Context, l model.UserLanguage) error {
	return q.atomic(ctx, func(q *queries) error {
		_, err := q.w.ExecContext(ctx, `INSERT INTO user_languages (user_id, language, auto_translate, updated_at)
			VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,
			auto_translate = excluded.auto_translate, updated_at = excluded.updated_at`,
			l.UserID, l.Language, l.AutoTranslate, micros(orNow(l.UpdatedAt)))
		return wrap("put user language", err)
	})
}
