package postgres

import (
	"context"
	"time"

	"github.com/fechatter/fechatter/internal/model"
)

// SetMessageLang stores lang for a live message still holding content.
func (q *queries) SetMessageLang(ctx context.Context, messageID int64, content, lang string) (bool, error) {
	tag, err := q.db.Exec(ctx, `UPDATE messages SET lang = $2
		WHERE id = $1 AND content = $3 AND deleted_at IS NULL`, messageID, lang, content)
	if err != nil {
		return false, wrap("set message lang", err)
	}
	return tag.RowsAffected() > 0, nil
}

// SetMessageLangs stores the langs of many messages with one statement.
func (q *queries) SetMessageLangs(ctx context.Context, langs []model.MessageLang) error {
	if len(langs) == 0 {
		return nil
	}
	ids, contents, codes := make([]int64, len(langs)), make([]string, len(langs)), make([]string, len(langs))
	for i, l := range langs {
		ids[i], contents[i], codes[i] = l.MessageID, l.Content, l.Lang
	}
	_, err := q.db.Exec(ctx, `UPDATE messages m SET lang = v.lang
		FROM unnest($1::bigint[], $2::text[], $3::text[]) AS v(id, content, lang)
		WHERE m.id = v.id AND m.content = v.content AND m.deleted_at IS NULL`, ids, contents, codes)
	return wrap("set message langs", err)
}

// MessageTranslation returns the cached translation of a message into target.
func (q *queries) MessageTranslation(ctx context.Context, messageID int64, target string) (model.Translation, error) {
	t := model.Translation{MessageID: messageID, Target: target}
	var created time.Time
	err := q.db.QueryRow(ctx, `SELECT source_hash, source_language, text, created_at
		FROM message_translations WHERE message_id = $1 AND target = $2`, messageID, target).
		Scan(&t.SourceHash, &t.SourceLanguage, &t.Text, &created)
	if err != nil {
		return model.Translation{}, wrap("message translation", err)
	}
	t.CreatedAt = created.UTC()
	return t, nil
}

// PutMessageTranslation stores t, replacing the one for its message and target.
func (q *queries) PutMessageTranslation(ctx context.Context, t model.Translation) error {
	_, err := q.db.Exec(ctx, `INSERT INTO message_translations (message_id, target, source_hash,
		source_language, text, created_at) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (message_id, target) DO UPDATE SET source_hash = excluded.source_hash,
		source_language = excluded.source_language, text = excluded.text, created_at = excluded.created_at`,
		t.MessageID, t.Target, t.SourceHash, t.SourceLanguage, t.Text, orNow(t.CreatedAt))
	return wrap("put message translation", err)
}

// UserLanguage returns a user's language setting.
func (q *queries) UserLanguage(ctx context.Context, userID int64) (model.UserLanguage, error) {
	l := model.UserLanguage{UserID: userID}
	var updated time.Time
	err := q.db.QueryRow(ctx, `SELECT language, auto_translate, updated_at FROM user_languages
		WHERE user_id = $1`, userID).Scan(&l.Language, &l.AutoTranslate, &updated)
	if err != nil {
		return model.UserLanguage{}, wrap("user language", err)
	}
	l.UpdatedAt = updated.UTC()
	return l, nil
}

// PutUserLanguage saves a user's language setting.
func (q *queries) PutUserLanguage(ctx context.Context, l model.UserLanguage) error {
	_, err := q.db.Exec(ctx, `INSERT INTO user_languages (user_id, language, auto_translate, updated_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (user_id) DO UPDATE SET language = excluded.language,
		auto_translate = excluded.auto_translate, updated_at = excluded.updated_at`,
		l.UserID, l.Language, l.AutoTranslate, orNow(l.UpdatedAt))
	return wrap("put user language", err)
}
